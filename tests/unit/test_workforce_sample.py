"""The embedded author-record sample is what its generator makes, covers every author of
the works sample, has the designed mobility, and carries every documented defect (module
docstring of assets/workforce/sample_generator.py)."""

from __future__ import annotations

import csv
import gzip
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from assets.bibliometric import sample_generator as works_gen
from assets.workforce import sample_generator as gen
from assets.workforce.sample_careers import Population

pytestmark = pytest.mark.unit


def _records(path: Path) -> list[Any]:
    text = gzip.decompress(path.read_bytes()).decode("utf-8")
    if path.name.endswith(".jsonl.gz"):
        return [json.loads(line) for line in text.splitlines() if line]
    return json.loads(text)["results"]


@pytest.fixture(scope="module")
def pages() -> dict[str, list[Any]]:
    """Every raw author file of the embedded sample: name -> its records in order."""
    return {p.name: _records(p) for p in sorted(gen.SAMPLE_DIR.glob("*.gz"))}


@pytest.fixture(scope="module")
def records(pages: dict[str, list[Any]]) -> dict[str, dict[str, Any]]:
    """The usable records by id (first copy; malformed ones left out)."""
    out: dict[str, dict[str, Any]] = {}
    for listed in pages.values():
        for record in listed:
            usable = isinstance(record, dict) and "id" in record
            if usable and isinstance(record.get("affiliations", []), list):
                out.setdefault(record["id"], record)
    return out


@pytest.fixture(scope="module")
def works() -> list[dict[str, Any]]:
    """The works of the embedded works sample (every copy, objects only)."""
    folder = works_gen.SAMPLE_DIR / "openalex"
    return [w for p in sorted(folder.glob("*.gz")) for w in _records(p) if isinstance(w, dict)]


@pytest.fixture(scope="module")
def merged() -> dict[str, str]:
    with (gen.SAMPLE_DIR / "merged_ids_authors.csv").open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["merge_date", "id", "merge_into_id"]
        return {row["id"]: row["merge_into_id"] for row in reader}


@pytest.fixture(scope="module")
def population() -> Population:
    return works_gen.build().population


def _affiliations(record: dict[str, Any]) -> list[dict[str, Any]]:
    listed = record.get("affiliations")
    return listed if isinstance(listed, list) else []


def test_regenerating_the_author_sample_gives_byte_identical_files(tmp_path: Path) -> None:
    counts = gen.generate(tmp_path / "authors")
    committed = {p.name: p.read_bytes() for p in gen.SAMPLE_DIR.iterdir()}
    fresh = {p.name: p.read_bytes() for p in (tmp_path / "authors").iterdir()}
    assert fresh.keys() == committed.keys()
    changed = [name for name in fresh if fresh[name] != committed[name]]
    assert changed == [], "run `python -m assets.workforce.sample_generator`"
    assert counts["records"] > 10_000
    assert sum(len(b) for b in committed.values()) < 3_000_000


def test_every_author_of_the_works_has_a_record(
    works: list[dict[str, Any]], records: dict[str, dict[str, Any]], merged: dict[str, str]
) -> None:
    used = {a["author"]["id"] for w in works for a in w.get("authorships") or []}
    without = {u.rsplit("/", 1)[-1] for u in used - records.keys()}
    assert without == set(merged), "only merged (old) ids lack a record"
    assert all(f"https://openalex.org/{new}" in records for new in merged.values())
    deleted = [r for r in records.values() if r["display_name"] == "Deleted Author"]
    assert len(deleted) == gen.DEFECTS["deleted_authors"]
    assert all(r["id"] in used and r["works_count"] == 0 for r in deleted)
    assert "affiliations" not in deleted[0] and "last_known_institution" not in deleted[0]


def test_affiliations_list_every_year_and_institution_of_the_works(
    works: list[dict[str, Any]], records: dict[str, dict[str, Any]], merged: dict[str, str]
) -> None:
    checked = 0
    for work in works:
        year = int(str(work["publication_year"])) if str(work["publication_year"]).isdigit() else 0
        if not works_gen.FIRST_YEAR <= year <= works_gen.LAST_YEAR:
            continue  # a malformed copy of a work (year "abc" or 2099)
        for authorship in work.get("authorships") or []:
            author_id = authorship["author"]["id"]
            old = author_id.rsplit("/", 1)[-1]
            author_id = f"https://openalex.org/{merged[old]}" if old in merged else author_id
            record = records[author_id]
            if not record.get("affiliations"):
                continue  # 2023-era, tombstone, emptied on purpose, or a malformed work copy
            listed = {
                (a["institution"]["id"], y) for a in record["affiliations"] for y in a["years"]
            }
            for institution in authorship["institutions"]:
                assert (institution["id"], year) in listed, (author_id, year)
                checked += 1
    assert checked > 25_000


def test_mobility_is_as_designed(population: Population) -> None:
    designed = Counter(r.mobility for r in population.researchers)
    observed = Counter(r.observed_mobility() for r in population.researchers)
    total = len(population.researchers)
    assert 0.65 < designed["stay"] / total < 0.78
    assert 0.13 < designed["move_once"] / total < 0.23
    assert 0.04 < designed["return"] / total < 0.10
    assert 0.025 < designed["frequent"] / total < 0.06
    assert observed["stay"] > total / 2
    assert observed["return"] > 100 and observed["frequent"] > 100
    moves = [m for r in population.researchers for m in r.moves()]
    arrivals = Counter(to for _, _, to in moves)
    departures = Counter(frm for _, frm, _ in moves)
    assert arrivals["US"] == max(arrivals.values())
    for producer in ("IN", "IR", "IT", "RU"):
        assert departures[producer] > arrivals[producer], producer
    cn_returns = Counter()
    for r in population.researchers:
        lived = {r.countries[0]}
        for year, _, to in r.moves():
            if to == "CN" and to in lived:
                cn_returns["from 2017" if year >= 2017 else "before"] += 1
            lived.add(to)
    assert cn_returns["from 2017"] > 5 * cn_returns["before"]
    assert any(r.pre_quantum_years for r in population.researchers)


def test_layout_pages_snapshot_and_generations(pages: dict[str, list[Any]]) -> None:
    page_names = [n for n in pages if n.startswith("authors_batch=")]
    assert page_names[0] == "authors_batch=00001_page_001.json.gz"
    assert all(len(pages[n]) <= gen.BATCH_SIZE for n in page_names)
    meta = json.loads(gzip.decompress((gen.SAMPLE_DIR / page_names[0]).read_bytes()))["meta"]
    assert meta == {
        "count": len(pages[page_names[0]]),
        "db_response_time_ms": 0,
        "page": None,
        "per_page": 100,
        "next_cursor": None,
        "groups_count": None,
    }
    snapshot = pages[gen.SNAPSHOT_NAME]
    objects = [r for listed in pages.values() for r in listed if isinstance(r, dict)]
    assert 0.08 < len(snapshot) / len(objects) < 0.12
    old = [r for r in objects if "last_known_institution" in r]
    assert 0.07 < len(old) / len(objects) < 0.13
    assert all("affiliations" not in r and len(r["updated_date"]) == 10 for r in old)
    assert all(r["updated_date"] == gen.UPDATED for r in snapshot if "affiliations" in r)


def test_every_defect_is_present(
    pages: dict[str, list[Any]], records: dict[str, dict[str, Any]], merged: dict[str, str]
) -> None:
    defects = gen.DEFECTS
    current = [r for r in records.values() if "affiliations" in r]
    empty = [r for r in current if r["affiliations"] == [] and r["last_known_institutions"] == []]
    assert len(empty) >= defects["empty_affiliations"]  # and a few that have no listed year
    institutions = [a["institution"] for r in current for a in r["affiliations"]]
    codes = Counter(i["country_code"] for i in institutions)
    assert codes[None] == defects["null_country_code"]
    assert codes["XX"] == defects["invalid_codes"]["XX"]
    assert codes["UK"] == defects["invalid_codes"]["UK"]
    dual = [
        r
        for r in current
        if len(r["affiliations"]) == 2
        and r["affiliations"][0]["years"] == r["affiliations"][1]["years"]
        and len({a["institution"]["country_code"] for a in r["affiliations"]}) == 2
        and len(r["last_known_institutions"]) == 2
    ]
    assert len(dual) >= defects["dual_country"]
    future = [r for r in current if any(gen.FUTURE_YEAR in a["years"] for a in r["affiliations"])]
    assert len(future) == defects["future_year"]
    assert sum(1 for r in current for a in r["affiliations"] if "abc" in a["years"]) == 1
    assert len(merged) == defects["merged_ids"]
    assert not {f"https://openalex.org/{old}" for old in merged} & records.keys()

    everything = [(name, r) for name, listed in pages.items() for r in listed]
    objects = [(name, r) for name, r in everything if isinstance(r, dict)]
    assert sum(1 for _, r in everything if not isinstance(r, dict)) == 1
    assert sum(1 for _, r in objects if "id" not in r) == 2
    assert sum(1 for _, r in objects if not isinstance(r.get("affiliations", []), list)) == 1
    copies: dict[str, list[tuple[str, str]]] = {}
    for name, r in objects:
        if "id" in r and isinstance(r.get("affiliations", []), list):
            copies.setdefault(r["id"], []).append((name, r["updated_date"]))
    twice = {k: v for k, v in copies.items() if len(v) > 1}
    assert len(twice) == defects["duplicates_across_pages"]
    for (first_page, first_date), (second_page, second_date) in twice.values():
        assert first_page < second_page and second_date < first_date
