"""The author parser on hand-made bad input (the real records: tests/contract)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from assets.workforce.parse import parse_author, parse_batches, parse_files
from pipelines.parsing import CountryCodes, Provenance

pytestmark = pytest.mark.unit

CODES = CountryCodes({"US": "USA", "CA": "CAN", "DE": "DEU", "GB": "GBR"}, frozenset({"SU"}))
PROV = Provenance("f.json", "0" * 64, 0)


def _author(**fields: object) -> dict:
    return {"id": "https://openalex.org/A1", "display_name": "Ada", "works_count": 3, **fields}


def _institution(code: object, number: int = 1) -> dict:
    return {"id": f"https://openalex.org/I{number}", "display_name": f"I{number}",
            "country_code": code, "type": "education"}  # fmt: skip


def test_bad_records_are_quarantined_whole() -> None:
    cases = {
        "not_an_object": "A1",
        "missing_id": _author(id=None),
        "invalid_id": _author(id="https://openalex.org/W1"),
        "invalid_field": _author(affiliations={"institution": {}}),
    }
    for reason, record in cases.items():
        batch = parse_author(record, PROV, CODES, 2027)
        assert batch.authors == []
        assert [q["reason"] for q in batch.quarantine] == [reason]


def test_bad_parts_are_quarantined_and_the_rest_kept() -> None:
    record = _author(
        affiliations=[
            {"institution": _institution("US"), "years": [2031, 2020, "abc", 2019]},
            {"institution": _institution("XX", 2), "years": [2020]},
            {"institution": _institution("SU", 3), "years": [1990]},
            {"institution": _institution(None, 4), "years": [2018]},
            {"institution": None, "years": [2018]},
            "not an affiliation",
            {"institution": _institution("DE", 5), "years": "2018"},
        ],
        last_known_institutions=[],
    )
    batch = parse_author(record, PROV, CODES, 2027)
    assert len(batch.authors) == 1 and batch.last_known == []
    kept = sorted((a["institution_id"], a["year"], a["country_iso3"]) for a in batch.affiliations)
    assert kept == [
        ("I1", 2019, "USA"),
        ("I1", 2020, "USA"),
        ("I2", 2020, None),
        ("I3", 1990, None),
        ("I4", 2018, None),
    ]
    assert sorted(q["reason"] for q in batch.quarantine) == [
        "future_year",
        "historical_country_code",
        "invalid_affiliation",
        "invalid_affiliation",
        "invalid_country_code",
        "invalid_year",
        "invalid_year",
    ]


def test_an_author_without_affiliations_is_kept_without_evidence() -> None:
    batch = parse_author(_author(affiliations=[], last_known_institutions=[]), PROV, CODES, 2027)
    assert [a["affiliations_listed"] for a in batch.authors] == [0]
    assert batch.affiliations == [] and batch.quarantine == []


def test_files_snapshot_lines_and_unreadable_files(tmp_path: Path) -> None:
    lines = [json.dumps(_author(id=f"A{n}")) for n in (1, 2)] + ["{not json"]
    (tmp_path / "authors_part_000.jsonl.gz").write_bytes(gzip.compress("\n".join(lines).encode()))
    (tmp_path / "broken.json").write_text("<html>502 Bad Gateway</html>")
    (tmp_path / "page.json").write_text(
        json.dumps({"meta": {"count": 1, "next_cursor": None}, "results": [_author(id="A3")]})
    )
    batch = parse_files(sorted(tmp_path.iterdir()), tmp_path, CODES, 2027)
    assert sorted(a["author_id"] for a in batch.authors) == ["A1", "A2", "A3"]
    assert sorted(q["reason"] for q in batch.quarantine) == ["invalid_json", "unreadable_file"]
    assert {f["source_file"]: f["status"] for f in batch.files} == {
        "authors_part_000.jsonl.gz": "read",
        "broken.json": "unreadable",
        "page.json": "read",
    }


def test_files_are_parsed_in_batches_of_records(tmp_path: Path) -> None:
    records = [
        _author(id=f"A{n}", affiliations=[{"institution": _institution("US"), "years": [2020]}])
        for n in range(1, 6)
    ]
    records[3] = "not an author"  # quarantined whole: it still counts as a record read
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(r) for r in records[:3]))
    (tmp_path / "b.jsonl").write_text("\n".join(json.dumps(r) for r in records[3:]))
    paths = sorted(tmp_path.iterdir())
    batches = list(parse_batches(paths, tmp_path, CODES, 2027, records_per_batch=2))
    held = [len(b.authors) + sum(q["reason"] == "not_an_object" for q in b.quarantine)
            for b in batches]  # fmt: skip
    assert held == [2, 2, 1]
    # a file's row comes with the batch of its last record
    assert [[f["source_file"] for f in b.files] for b in batches] == [[], ["a.jsonl"], ["b.jsonl"]]
    whole = parse_files(paths, tmp_path, CODES, 2027)  # the batches, joined
    for field in ("authors", "affiliations", "last_known", "quarantine", "files"):
        assert [row for b in batches for row in getattr(b, field)] == getattr(whole, field)
    assert [a["author_id"] for a in whole.authors] == ["A1", "A2", "A3", "A5"]
