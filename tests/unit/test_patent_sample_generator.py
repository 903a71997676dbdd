"""The embedded patent sample is what its generator makes, well-formed, small, and carries
every documented edge case (module docstring of assets/patents/sample_generator.py)."""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from assets.patents import sample_generator as gen

pytestmark = pytest.mark.unit

EX = "{http://www.epo.org/exchange}"
OPS = "{http://ops.epo.org}"
SUFFIX = re.compile(r"\[([A-Z]{2})\]\s*$")
CPC = re.compile(r"^[A-HY]\d{2}[A-Z]\d{1,4}/\d{2,6}$")
PV_NAME = re.compile(r"^patentsview_(patent|publication)_year=(\d{4})_page_(\d{3})\.json\.gz$")
SEARCH_NAME = re.compile(r"^epo_ops_search_year=(\d{4})_part=(\d{2})_range=(\d+)-(\d+)\.xml\.gz$")
FAMILY_NAME = re.compile(r"^epo_ops_family_(\d+)\.xml\.gz$")
XML_START = b'<?xml version="1.0" encoding="UTF-8"?><?xml-stylesheet type="text/xsl" href="'


@pytest.fixture(scope="module")
def sample() -> dict[str, dict[str, Any]]:
    """Every committed file, parsed, by kind and name (``pv``, ``search``, ``family``)."""
    parsed: dict[str, dict[str, Any]] = {"pv": {}, "search": {}, "family": {}}
    for path in sorted(gen.SAMPLE_DIR.iterdir()):
        body = gzip.decompress(path.read_bytes())
        if PV_NAME.match(path.name):
            parsed["pv"][path.name] = json.loads(body)
        elif SEARCH_NAME.match(path.name) or FAMILY_NAME.match(path.name):
            assert body.startswith(XML_START), path.name
            kind = "search" if path.name.startswith("epo_ops_search") else "family"
            parsed[kind][path.name] = ET.fromstring(body)
        else:
            raise AssertionError(f"unexpected file in the sample: {path.name}")
    return parsed


def _documents(sample: dict[str, dict[str, Any]]) -> list[tuple[str, ET.Element]]:
    """(file name, exchange-document) of every OPS search page."""
    return [
        (name, doc)
        for name, root in sample["search"].items()
        for doc in root.iter(f"{EX}exchange-document")
    ]


def _records(sample: dict[str, dict[str, Any]], endpoint: str) -> list[tuple[str, dict]]:
    """(file name, record) of every PatentsView page of ``endpoint``."""
    plural = f"{endpoint}s"
    return [
        (name, record)
        for name, page in sample["pv"].items()
        if PV_NAME.match(name)[1] == endpoint
        for record in page[plural]
    ]


def _names(doc: ET.Element, kind: str, data_format: str) -> list[str]:
    """The applicant or inventor names of one format in an exchange-document."""
    path = f".//{EX}{kind}[@data-format='{data_format}']/{EX}{kind}-name/{EX}name"
    return [n.text or "" for n in doc.iterfind(path)]


def _text_edges(text: str) -> list[str]:
    """The Unicode edge cases a name shows."""
    found = []
    if unicodedata.normalize("NFC", text) != text:
        found.append("nfd")
    if "\u200b" in text:
        found.append("zero_width_space")
    if any(unicodedata.bidirectional(c) in ("R", "AL") for c in text):
        found.append("right_to_left")
    return found


def _edge_counts(sample: dict[str, dict[str, Any]]) -> Counter:
    """How many documents or records show each edge case, by service."""
    found: Counter = Counter()
    seen_docs: dict[tuple, set[str]] = {}
    pages_of_family: dict[tuple[str, str, str], set[str]] = {}
    for name, doc in _documents(sample):
        year, part, *_ = SEARCH_NAME.match(name).groups()
        number = doc.get("doc-number")
        if number is None:
            found["epo_missing_id"] += 1
        else:
            key = (doc.get("country"), number, doc.get("kind"))
            seen_docs.setdefault(key, set()).add(name)
        pages_of_family.setdefault((year, part, doc.get("family-id")), set()).add(name)
        epodoc = _names(doc, "applicant", "epodoc")
        suffixes = [SUFFIX.search(n) for n in epodoc]
        if any(s is None for s in suffixes):
            found["epo_applicant_without_suffix"] += 1
        for code in {s[1] for s in suffixes if s}:
            found[f"epo_country_{code}"] += 1
        names = epodoc + _names(doc, "applicant", "original")
        for edge in {e for n in names for e in _text_edges(n)}:
            found[f"epo_{edge}"] += 1
        langs = [t.get("lang") for t in doc.iterfind(f".//{EX}invention-title")]
        if langs and "en" not in langs:
            found["epo_no_english_title"] += 1
        if doc.find(f".//{EX}priority-claims") is None:
            found["epo_no_priority_claim"] += 1
        for item in doc.iterfind(f".//{EX}patent-classification"):
            parts = [
                item.findtext(f"{EX}{tag}") or ""
                for tag in ("section", "class", "subclass", "main-group", "subgroup")
            ]
            if not CPC.match("".join(parts[:4]) + "/" + parts[4]):
                found["epo_malformed_cpc"] += 1
    found["epo_repeated_document"] = sum(len(f) > 1 for f in seen_docs.values())
    found["epo_family_across_pages"] = sum(len(f) > 1 for f in pages_of_family.values())
    for root in sample["family"].values():
        for member in root.iter(f"{OPS}family-member"):
            if member.find(f"{EX}priority-claim") is None:
                found["family_member_no_priority_claim"] += 1
    for endpoint, id_field in (("patent", "patent_id"), ("publication", "document_number")):
        pages_of: dict[str, set[str]] = {}
        for name, record in _records(sample, endpoint):
            number = record[id_field]
            if number is None:
                found[f"pv_{endpoint}_missing_id"] += 1
            else:
                pages_of.setdefault(str(number), set()).add(name)
            if isinstance(number, str) and endpoint == "publication":
                found["pv_document_number_as_text"] += 1
            if record.get("withdrawn") is True:
                found["pv_withdrawn"] += 1
            assignees = record.get("assignees", [])
            if any(isinstance(a["assignee_sequence"], str) for a in assignees):
                found["pv_assignee_sequence_as_text"] += 1
            for code in {a["assignee_country"] for a in assignees}:
                found[f"pv_country_{code}"] += 1
            names = [a["assignee_organization"] or "" for a in assignees]
            for edge in {e for n in names for e in _text_edges(n)}:
                found[f"pv_{edge}"] += 1
            cpc = [c["cpc_group_id"] for c in record["cpc_current"]]
            if any(not CPC.match(c) for c in cpc):
                found["pv_malformed_cpc"] += 1
        found[f"pv_repeated_{endpoint}"] = sum(len(f) > 1 for f in pages_of.values())
    return found


def test_regenerating_the_sample_gives_byte_identical_files(tmp_path: Path) -> None:
    counts = gen.generate(tmp_path / "patents")
    committed = {p.name: p.read_bytes() for p in gen.SAMPLE_DIR.iterdir() if p.is_file()}
    fresh = {p.name: p.read_bytes() for p in (tmp_path / "patents").iterdir()}
    assert fresh.keys() == committed.keys()
    assert [name for name in fresh if fresh[name] != committed[name]] == []
    assert 1800 <= counts["families"] <= 2200
    assert counts["files"] == len(fresh)


def test_the_sample_stays_under_three_megabytes() -> None:
    assert sum(p.stat().st_size for p in gen.SAMPLE_DIR.iterdir()) < 3_000_000


def test_patentsview_pages_are_consistent(sample: dict[str, dict[str, Any]]) -> None:
    pages: dict[tuple[str, str], list[tuple[int, dict]]] = {}
    for name, page in sample["pv"].items():
        endpoint, year, number = PV_NAME.match(name).groups()
        records = page[f"{endpoint}s"]
        assert page["error"] is False and page["count"] == len(records) <= 100, name
        pages.setdefault((endpoint, year), []).append((int(number), page))
    for (endpoint, year), numbered in pages.items():
        assert [n for n, _ in sorted(numbered, key=lambda x: x[0])] == list(
            range(1, len(numbered) + 1)
        )
        assert len({p["total_hits"] for _, p in numbered}) == 1, (endpoint, year)
        fetched = sum(p["count"] for _, p in numbered)
        assert fetched - 1 <= numbered[0][1]["total_hits"] <= fetched, (endpoint, year)


def test_ops_pages_are_consistent(sample: dict[str, dict[str, Any]]) -> None:
    totals: dict[tuple[str, str], set[str]] = {}
    for name, root in sample["search"].items():
        year, part, begin, end = SEARCH_NAME.match(name).groups()
        search = root.find(f"{OPS}biblio-search")
        documents = list(search.iter(f"{EX}exchange-document"))
        assert len(documents) <= 100, name
        assert search.find(f"{OPS}range").attrib == {"begin": begin, "end": end}, name
        assert int(end) - int(begin) + 1 == len(documents), name
        assert f'"{year}' in search.findtext(f"{OPS}query"), name
        totals.setdefault((year, part), set()).add(search.get("total-result-count"))
    assert all(len(t) == 1 for t in totals.values())
    for name, root in sample["family"].items():
        family = root.find(f"{OPS}patent-family")
        members = list(family.iterfind(f"{OPS}family-member"))
        assert int(family.get("total-result-count")) == len(members) >= 2, name
        assert {m.get("family-id") for m in members} == {FAMILY_NAME.match(name)[1]}, name


def test_every_edge_case_is_present(sample: dict[str, dict[str, Any]]) -> None:
    found = _edge_counts(sample)
    exact = {
        "pv_withdrawn": gen.WITHDRAWN,
        "epo_no_english_title": gen.NO_ENGLISH_TITLE,
        "epo_no_priority_claim": 3,
        "family_member_no_priority_claim": 1,
        "epo_missing_id": 1,
        "pv_patent_missing_id": 1,
        "pv_publication_missing_id": 1,
        "pv_document_number_as_text": gen.STRING_DOCUMENT_NUMBERS,
        "pv_assignee_sequence_as_text": gen.STRING_ASSIGNEE_SEQUENCES,
        "epo_repeated_document": 1,
        "pv_repeated_publication": 1,
        "pv_repeated_patent": 0,
        "epo_nfd": 1,
        "pv_nfd": 1,
        "epo_zero_width_space": 1,
        "pv_zero_width_space": 1,
        "epo_right_to_left": 1,
        "pv_right_to_left": 1,
    }
    present = [
        "epo_applicant_without_suffix",
        "pv_country_None",
        "pv_country_UK",
        "epo_country_XX",
        "epo_country_SU",
        "pv_country_SU",
        "epo_country_XK",
        "pv_country_XK",
        "epo_malformed_cpc",
        "pv_malformed_cpc",
        "epo_family_across_pages",
    ]
    assert {k: found[k] for k in exact} == exact
    assert [k for k in present if found[k] < 1] == []
    assert found["epo_applicant_without_suffix"] >= gen.NO_SUFFIX_DOCUMENTS


def test_china_leads_in_families_and_the_us_in_international_ones(
    sample: dict[str, dict[str, Any]],
) -> None:
    offices: dict[str, set[str]] = {}
    country: dict[str, str] = {}
    for _, doc in _documents(sample):
        family = doc.get("family-id")
        offices.setdefault(family, set()).add(doc.get("country"))
        names = [SUFFIX.search(n) for n in _names(doc, "applicant", "epodoc")]
        if names and names[-1] and family not in country:
            country[family] = names[-1][1]  # the last applicant: never a pre-AIA inventor
    families = Counter(country.values())
    international = Counter(c for f, c in country.items() if len(offices[f]) >= 2)
    assert families.most_common(1)[0][0] == "CN"
    assert international.most_common(1)[0][0] == "US"
    assert len(families) >= 25


def test_us_documents_match_across_services(sample: dict[str, dict[str, Any]]) -> None:
    patentsview = {str(r["patent_id"]) for _, r in _records(sample, "patent") if r["patent_id"]}
    for _, record in _records(sample, "publication"):
        number = str(record["document_number"] or "")
        if number:  # 20210123456 in PatentsView is 2021123456 in DOCDB
            patentsview.add(f"{number[:4]}{int(number[4:]):06d}")
    ops = {d.get("doc-number") for _, d in _documents(sample) if d.get("country") == "US"}
    both = patentsview & ops
    assert len(both) > 0.8 * len(ops)
    assert patentsview - ops and ops - patentsview


def test_a_us_application_number_names_one_application(sample: dict[str, dict[str, Any]]) -> None:
    # a US series runs over several years: its numbers must not start again each year, or
    # unrelated documents share an application and the families joined through it
    filed: dict[str, set[str]] = {}
    for _, record in _records(sample, "patent"):
        for application in record.get("application") or []:
            filed.setdefault(application["application_id"], set()).add(application["filing_date"])
    assert len(filed) > 300
    assert {number: dates for number, dates in filed.items() if len(dates) > 1} == {}
