"""The patent parser: each bad-input case has a defined behaviour (kept, unknown, quarantined)."""

import gzip
import json
from pathlib import Path

import pytest

from assets.patents.parse import normalise_cpc, number_key, parse_files, raw_files
from pipelines.parsing import CountryCodes, RecordError
from tests.patent_bodies import OPS_HEAD, exchange_document, ops_search, pv_page, pv_patent

CODES = CountryCodes(
    {"US": "USA", "DE": "DEU", "FI": "FIN", "CN": "CHN", "TW": "TWN", "XK": "XKX", "JP": "JPN"},
    frozenset({"SU", "YU"}),
)


def parse(tmp_path: Path, bodies: dict[str, str | dict]) -> object:
    """Write ``bodies`` (name -> text or JSON; gzipped when the name ends .gz), parse them."""
    for name, body in bodies.items():
        text = body if isinstance(body, str) else json.dumps(body)
        data = text.encode("utf-8")
        (tmp_path / name).write_bytes(
            gzip.compress(data, mtime=0) if name.endswith(".gz") else data
        )
    return parse_files(sorted(tmp_path.iterdir()), tmp_path, CODES, 2027)


def reasons(batch: object) -> list[str]:
    return sorted(q["reason"] for q in batch.quarantine)


def test_a_patentsview_patent_gives_document_parties_and_codes(tmp_path: Path) -> None:
    batch = parse(tmp_path, {"p.json.gz": pv_page(pv_patent())})
    (doc,) = batch.documents
    assert doc["document_id"] == "US.11000001"
    assert doc["priority_date"] == "2018-09-10"
    assert doc["application_date"] == "2019-03-01"
    assert doc["application_number"] == "16123456"
    assert doc["family_id"] is None
    assert [(a["name"], a["country_iso3"], a["type_code"]) for a in batch.applicants] == [
        ("QUBIT GMBH", "DEU", "3")
    ]
    assert [c["cpc_code"] for c in batch.classifications] == ["G06N10/40", "H10N60/12"]
    assert batch.quarantine == []
    assert batch.files[0]["source"] == "patentsview"


def test_the_foreign_priorities_a_patentsview_record_claims_become_one_key(
    tmp_path: Path,
) -> None:
    claims = [
        {"foreign_application_id": "2019-123 456", "foreign_country_filed": "jp"},
        {"foreign_application_id": "197 33 454", "foreign_country_filed": "DE"},
        {"foreign_application_id": "2019-123456", "foreign_country_filed": "JP"},  # again
        {"foreign_application_id": "10-2020-1", "foreign_country_filed": None},  # no country
        {"foreign_application_id": None, "foreign_country_filed": "KR"},  # no number
    ]
    batch = parse(
        tmp_path,
        {
            "p.json": pv_page(
                pv_patent(patent_id="1", foreign_priority=claims),
                pv_patent(patent_id="2", foreign_priority=claims[3:]),
                pv_patent(patent_id="3", foreign_priority=[]),
            )
        },
    )
    assert [d["foreign_priorities"] for d in batch.documents] == [
        "DE:19733454 JP:2019123456",
        None,
        None,
    ]


def test_epodoc_country_suffix_and_a_name_without_one(tmp_path: Path) -> None:
    parties = (
        '<applicant sequence="1" data-format="epodoc"><applicant-name><name>QUANTUM OY [FI]'
        "</name></applicant-name></applicant>"
        '<applicant sequence="2" data-format="epodoc"><applicant-name><name>ARAD ELIAHU [IL], '
        "et al</name></applicant-name></applicant>"
        '<applicant sequence="3" data-format="epodoc"><applicant-name><name>SIEMENS AG</name>'
        "</applicant-name></applicant>"
        '<applicant sequence="1" data-format="original"><applicant-name><name>Quantum Oy</name>'
        "</applicant-name></applicant>"
    )
    batch = parse(tmp_path, {"s.xml.gz": ops_search(exchange_document(applicants=parties))})
    got = [(a["name"], a["country_code_raw"], a["country_iso3"]) for a in batch.applicants]
    # IL is not in this test's code list: quarantined and counted as unknown, never guessed
    assert got == [
        ("QUANTUM OY", "FI", "FIN"),
        ("ARAD ELIAHU", "IL", "ZZZ"),
        ("SIEMENS AG", None, "ZZZ"),
    ]
    assert reasons(batch) == ["invalid_country_code"]
    (doc,) = batch.documents
    assert (doc["family_id"], doc["title"], doc["title_lang"]) == ("555", "QUANTUM CHIP", "en")
    assert doc["abstract"] == "A trapped ion chip."


def test_historical_and_invalid_codes_are_quarantined_kosovo_and_taiwan_kept(
    tmp_path: Path,
) -> None:
    assignees = [
        {"assignee_organization": "A", "assignee_country": "SU"},
        {"assignee_organization": "B", "assignee_country": "UK"},
        {"assignee_organization": "C", "assignee_country": "XK"},
        {"assignee_organization": "D", "assignee_country": "TW"},
        {"assignee_organization": "E", "assignee_country": None},
    ]
    batch = parse(tmp_path, {"p.json": pv_page(pv_patent(assignees=assignees))})
    assert [a["country_iso3"] for a in batch.applicants] == ["ZZZ", "ZZZ", "XKX", "TWN", "ZZZ"]
    assert reasons(batch) == ["historical_country_code", "invalid_country_code"]


def test_malformed_cpc_codes_are_quarantined_and_the_document_stays(tmp_path: Path) -> None:
    batch = parse(
        tmp_path,
        {
            "p.json": pv_page(
                pv_patent(cpc_current=[{"cpc_group_id": "G06N 10/"}, {"cpc_group_id": "G06N10/40"}])
            )
        },
    )
    assert len(batch.documents) == 1
    assert [c["cpc_code"] for c in batch.classifications] == ["G06N10/40"]
    assert reasons(batch) == ["invalid_cpc_code"]


def test_withdrawn_missing_id_and_missing_dates_quarantine_the_record(tmp_path: Path) -> None:
    page = pv_page(
        pv_patent(patent_id="1", withdrawn=True),
        pv_patent(patent_id=None),
        pv_patent(
            patent_id="3",
            foreign_priority=[],
            application=[],
            patent_earliest_application_date=None,
            patent_date=None,
        ),
        pv_patent(patent_id="4", patent_date="2021-02-30"),
        pv_patent(patent_id="5"),
    )
    batch = parse(tmp_path, {"p.json": page})
    assert [d["document_id"] for d in batch.documents] == ["US.5"]
    assert reasons(batch) == ["invalid_date", "missing_date", "missing_id", "withdrawn_patent"]
    assert batch.files[0]["records"] == 5


def test_error_pages_html_doctype_and_truncated_bodies_make_the_file_unreadable(
    tmp_path: Path,
) -> None:
    bodies = {
        "a_500.json": "<!doctype html><html><title>Server Error (500)</title></html>",
        "b_error.json": {"error": True, "count": 0},
        "c_trunc.json": json.dumps(pv_page(pv_patent()))[:80],
        "d_bomb.xml": '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
        "e_other.xml": OPS_HEAD + "<ops:equivalents-inquiry/></ops:world-patent-data>",
    }
    batch = parse(tmp_path, bodies)
    assert reasons(batch) == ["unreadable_file"] * 5
    assert [f["status"] for f in batch.files] == ["unreadable"] * 5
    assert batch.documents == []


def test_a_family_response_gives_member_offices_and_priorities(tmp_path: Path) -> None:
    member = (
        '<ops:family-member family-id="777"><publication-reference><document-id '
        'document-id-type="docdb"><country>{c}</country><doc-number>{n}</doc-number>'
        "<kind>A1</kind><date>20220101</date></document-id></publication-reference>"
        '<priority-claim sequence="1"><document-id document-id-type="docdb"><country>US'
        "</country><doc-number>1</doc-number><date>20200505</date></document-id>"
        "</priority-claim></ops:family-member>"
    )
    body = (
        OPS_HEAD
        + '<ops:patent-family total-result-count="2">'
        + member.format(c="US", n="2022000123")
        + member.format(c="CN", n="114000000")
        + "</ops:patent-family></ops:world-patent-data>"
    )
    batch = parse(tmp_path, {"f.xml": body})
    docs = [
        (d["office"], d["number_key"], d["family_id"], d["priority_date"], d["has_biblio"])
        for d in batch.documents
    ]
    assert docs == [
        ("US", "2022/123", "777", "2020-05-05", False),
        ("CN", "114000000", "777", "2020-05-05", False),
    ]


def test_unicode_names_are_normalised(tmp_path: Path) -> None:
    name = "Cafe\u0301\u200b QUANTUM"  # decomposed e-acute and a zero-width space
    batch = parse(
        tmp_path,
        {
            "p.json": pv_page(
                pv_patent(assignees=[{"assignee_organization": name, "assignee_country": "FI"}])
            )
        },
    )
    assert batch.applicants[0]["name"] == "Caf\u00e9 QUANTUM"


@pytest.mark.parametrize(
    ("office", "number", "key"),
    [
        ("US", "20210123456", "2021/123456"),  # PatentsView pre-grant publication
        ("US", "2021123456", "2021/123456"),  # the same publication in DOCDB
        ("US", "11000001", "11000001"),
        ("EP", "02400812", "2400812"),
    ],
)
def test_document_numbers_compare_across_services(office: str, number: str, key: str) -> None:
    assert number_key(office, number) == key


def test_cpc_symbols_are_normalised_or_refused() -> None:
    assert normalise_cpc("G06N  10/ 40") == "G06N10/40"
    assert normalise_cpc("H01L039/22") == "H01L39/22"
    for bad in ("XYZ123", "G06N10/", "G06N", None):
        with pytest.raises(RecordError):
            normalise_cpc(bad)


def test_identical_files_are_read_once_and_listed_as_duplicates(tmp_path: Path) -> None:
    page = pv_page(pv_patent())
    batch = parse(tmp_path, {"a.json": page, "b.json": page})
    assert len(batch.documents) == 1
    assert [f["status"] for f in batch.files] == ["read", "duplicate of a.json"]


def test_a_renamed_field_is_named_as_schema_drift(tmp_path: Path) -> None:
    record = pv_patent()
    record["cpc_list"] = record.pop("cpc_current")
    batch = parse(tmp_path, {"p.json": pv_page(record)})
    assert reasons(batch) == ["schema_drift"]
    assert "cpc_current" in batch.quarantine[0]["detail"]
    assert len(batch.documents) == 1


def test_a_page_without_assignees_is_drift_only_when_no_chance_explains_it(
    tmp_path: Path,
) -> None:
    # PatentsView leaves assignees out of a record that has none: a short page may lack
    # them all, a page of 50 records will not unless the field was renamed
    def page(records: int) -> dict:
        bodies = [pv_patent(patent_id=str(11000001 + i)) for i in range(records)]
        for body in bodies:
            body["assignee_list"] = body.pop("assignees")
        return pv_page(*bodies)

    (tmp_path / "short").mkdir(), (tmp_path / "long").mkdir()
    short = parse(tmp_path / "short", {"p.json": page(49)})
    assert reasons(short) == [] and len(short.documents) == 49
    long = parse(tmp_path / "long", {"p.json": page(50)})
    assert reasons(long) == ["schema_drift"] and len(long.documents) == 50
    assert "['assignees']" in long.quarantine[0]["detail"]


def test_an_id_of_the_wrong_type_and_a_deeply_nested_body(tmp_path: Path) -> None:
    bodies = {
        "a.json": pv_page(pv_patent(patent_id={"x": 1}), pv_patent(patent_id=11000002)),
        "b.json": "[" * 100_000 + "]" * 100_000,
    }
    batch = parse(tmp_path, bodies)
    assert [d["document_id"] for d in batch.documents] == ["US.11000002"]
    assert reasons(batch) == ["invalid_id", "unreadable_file"]
    assert "nested too deeply" in batch.quarantine[1]["detail"]


def test_a_symbolic_link_in_a_source_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "real.json").write_text("{}")
    (tmp_path / "link.json").symlink_to(tmp_path / "real.json")
    with pytest.raises(ValueError, match="symbolic links"):
        raw_files(tmp_path)


def test_ops_records_without_bibliography_or_delivered_and_absurd_years(tmp_path: Path) -> None:
    not_found = (
        '<exchange-document system="ops.epo.org" country="EP" doc-number="1" kind="A1" '
        'status="not found"/>'
    )
    bare = '<exchange-document system="ops.epo.org" country="EP" doc-number="2" kind="A1"/>'
    absurd = exchange_document(number="3", priority="18500101")
    batch = parse(tmp_path, {"s.xml": ops_search(not_found, bare, absurd, exchange_document())})
    assert reasons(batch) == ["missing_biblio", "not_delivered", "year_out_of_range"]
    assert [d["document_id"] for d in batch.documents] == ["EP.3000001.A1"]
    assert {q["source"] for q in batch.quarantine} == {"epo_ops"}


def test_parties_of_another_data_format_are_kept_with_unknown_country(tmp_path: Path) -> None:
    parties = (
        '<applicant sequence="1" data-format="docdba"><applicant-name><name>ACME</name>'
        "</applicant-name></applicant>"
    )
    batch = parse(tmp_path, {"s.xml": ops_search(exchange_document(applicants=parties))})
    assert [(a["name"], a["country_iso3"]) for a in batch.applicants] == [("ACME", "ZZZ")]
