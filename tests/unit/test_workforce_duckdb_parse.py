"""The DuckDB reader of OpenAlex author records gives exactly the Python parser's tables.

Every test reads the same files both ways (``duckdb_parse.parse_frames`` and the Python
``parse.parse_batches``) and compares every parsed table as a multiset, so a rule that
drifts between the two fails here; each also says which path read each file.
"""

import json
from collections.abc import Iterable
from pathlib import Path

import duckdb
import polars as pl
import pytest

from assets.bibliometric.parse import iter_records
from assets.workforce.duckdb_parse import parse_frames
from assets.workforce.parse import parse_files, raw_files
from assets.workforce.raw_tables import PARSED_TABLES, raw_frames
from assets.workforce.sample_generator import SAMPLE_DIR
from pipelines.parsing import CountryCodes
from tests.json_lines import write_lines

CODES = CountryCodes(
    {"US": "USA", "GB": "GBR", "DE": "DEU", "CN": "CHN", "NA": "NAM"}, frozenset({"SU"})
)
MAX_YEAR = 2026


def joined(batches: Iterable[dict[str, pl.DataFrame]]) -> dict[str, pl.DataFrame]:
    """Each table's frames of ``batches``, one after another."""
    parts: dict[str, list[pl.DataFrame]] = {table: [] for table in PARSED_TABLES}
    for batch in batches:
        for table, frame in batch.items():
            parts[table].append(frame)
    return {table: pl.concat(frames) for table, frames in parts.items()}


def both_ways(root: Path) -> tuple[dict, dict, list[str]]:
    """The parsed tables of every file under ``root`` by DuckDB (where it can) and by
    Python, and which parser read each file on the first way (every file the Python
    parser read with the reason DuckDB did not)."""
    files = raw_files(root)
    taken: list[tuple[str, str, str]] = []
    with duckdb.connect() as con:
        duck = joined(parse_frames(con, files, root, CODES, MAX_YEAR, "test", taken))
    python = raw_frames(parse_files(files, root, CODES, MAX_YEAR), [], "test")
    assert [name for name, _, _ in taken] == [path.name for path in files]
    assert all(bool(why) == (parser == "python") for _, parser, why in taken)
    return duck, {table: python[table] for table in PARSED_TABLES}, [p for _, p, _ in taken]


def assert_same(duck: dict, python: dict) -> None:
    for table in PARSED_TABLES:
        a, b = duck[table], python[table]
        assert a.schema == b.schema, table
        columns = a.columns
        a, b = a.sort(columns, nulls_last=True), b.sort(columns, nulls_last=True)
        assert a.equals(b), f"{table} differs:\n{a}\n{b}"


def institution(number: int, code: object = "US", **fields: object) -> dict:
    return {
        "id": f"https://openalex.org/I{number}",
        "display_name": f"University {number}",
        "type": "education",
        "country_code": code,
        **fields,
    }


def author(number: int, **fields: object) -> dict:
    record = {
        "id": f"https://openalex.org/A{number}",
        "display_name": f"Ada {number}",
        "orcid": f"https://orcid.org/0000-0000-0000-{number:04d}",
        "works_count": 12,
        "updated_date": "2025-06-01T00:00:00",
        "affiliations": [
            {"institution": institution(1), "years": [2024, 2023, 2021]},
            {"institution": institution(2, "GB"), "years": [2020]},
        ],
        "last_known_institutions": [institution(1)],
    }
    record.update(fields)
    return record


def test_the_sample_records_as_json_lines_read_the_same(tmp_path: Path) -> None:
    """The embedded sample's files, its pages written as JSON Lines parts: those of
    2025-era records alone by DuckDB, those holding a 2023-era or defective record by
    Python, the same rows."""
    for path in raw_files(SAMPLE_DIR):
        records = [r for r in iter_records(path) if not isinstance(r, Exception)]
        write_lines(tmp_path / path.name.replace(".json.gz", ".jsonl.gz"), records)
    duck, python, paths = both_ways(tmp_path)
    assert_same(duck, python)
    assert "duckdb" in paths and python["raw.openalex_authors"].height > 1000


def test_recorded_real_records_read_the_same(tmp_path: Path, shared_fixtures: Path) -> None:
    """Real 2025-era author records (single responses and a list page) as one JSON Lines
    file: read by DuckDB, the same rows; the real 2023-era snapshot part by Python."""
    fixtures = shared_fixtures / "openalex"
    records = []
    for name in ("bvitamins_A5023888391.json", "bvitamins_A5317838346.json"):
        records.append(json.loads((fixtures / name).read_text(encoding="utf-8")))
    explorer = fixtures / "academic_explorer"
    for name in ("author_A5017898742.json", "author_A5023888391_late2025.json"):
        records.append(json.loads((explorer / name).read_text(encoding="utf-8")))
    page = json.loads((explorer / "authors_list_search_mearman_per20.json").read_text("utf-8"))
    records += page["results"]
    write_lines(tmp_path / "real_2025.jsonl", [r for r in records if "affiliations" in r])
    snapshot = fixtures / "snapshot" / "authors_updated_date=2023-04-21_part_000.jsonl"
    (tmp_path / "real_2023.jsonl").write_bytes(snapshot.read_bytes())
    duck, python, paths = both_ways(tmp_path)
    assert_same(duck, python)
    assert paths == ["python", "duckdb"]  # real_2023, real_2025
    assert duck["raw.openalex_author_affiliations"].height > 20


def test_regular_defects_stay_on_the_duckdb_path_with_the_same_rows(tmp_path: Path) -> None:
    records = [
        author(1),
        author(2, affiliations=[{"institution": institution(3), "years": [2030, 2025, 2025]}]),
        author(3, affiliations=[], last_known_institutions=[]),
        author(4, last_known_institutions=None),
        {k: v for k, v in author(5).items() if k != "last_known_institutions"},
        author(6, display_name="Deleted Author", works_count=None, orcid=None),
        author(7, display_name="  Cafe\u0301 name\u200b ", id="https://openalex.org/a7"),
        author(
            8,
            affiliations=[
                {"institution": institution(4, "XX"), "years": [2020]},
                {"institution": institution(5, "su"), "years": []},
                {"institution": institution(6, None, id=None), "years": [2019]},
                {"institution": institution(7, " "), "years": [2018]},
                {"institution": {"id": "not-an-id"}, "years": [2017]},
                {"institution": institution(10, "XX", id="I" + "9" * 600), "years": [2016]},
            ],
            last_known_institutions=[institution(8, "ZZ", id=None), institution(9, "na")],
        ),
        "",
        author(9, updated_date=None, last_known_institution=None),
    ]
    write_lines(tmp_path / "part_000.jsonl.gz", records)
    duck, python, paths = both_ways(tmp_path)
    assert paths == ["duckdb"]
    assert_same(duck, python)
    reasons = sorted(python["raw.author_quarantine"]["reason"].to_list())
    assert reasons == [
        "future_year",
        "historical_country_code",
        "invalid_country_code",
        "invalid_country_code",
        "invalid_country_code",  # its message cut at 500 characters, as Python cuts it
    ]
    assert duck["raw.author_source_files"]["records"].to_list() == [9]  # not the blank line


@pytest.mark.parametrize(
    "defect",
    [
        "{not json",
        '"a string record"',
        {k: v for k, v in author(20).items() if k != "affiliations"},  # no affiliations
        author(21, affiliations=None),
        author(22, affiliations=[{"institution": institution(1), "years": ["2020"]}]),
        author(23, affiliations=[{"institution": institution(1), "years": [1850]}]),
        author(24, affiliations=[{"institution": institution(1), "years": None}]),
        author(25, affiliations=[{"institution": None, "years": [2020]}]),
        author(26, affiliations=[None]),
        author(27, affiliations=["not an affiliation"]),
        author(28, id=None),
        author(29, id="https://openalex.org/W29"),
        author(30, works_count="12"),
        author(31, display_name=31),
        author(32, affiliations=[{"institution": institution(1, "U'S"), "years": [2020]}]),
        author(33, last_known_institutions=None, last_known_institution=institution(1)),
        author(34, last_known_institutions=[None]),
        author(35, affiliations=[{"institution": institution(1), "years": [2020.0]}]),
    ],
    ids=lambda d: str(d)[:40],
)
def test_an_irregular_record_sends_its_file_to_the_python_parser(
    tmp_path: Path, defect: object
) -> None:
    write_lines(tmp_path / "part.jsonl", [author(1), defect, author(2)])
    duck, python, paths = both_ways(tmp_path)
    assert paths == ["python"]
    assert_same(duck, python)


def test_a_file_the_python_parser_reads_says_why_duckdb_did_not(tmp_path: Path) -> None:
    page = {"meta": {"count": 1}, "results": [author(1)]}
    (tmp_path / "page.json").write_text(json.dumps(page), encoding="utf-8")
    (tmp_path / "bad.jsonl.gz").write_bytes(b"not gzip at all")
    write_lines(tmp_path / "odd.jsonl", [author(1), author(2, works_count="12")])
    write_lines(tmp_path / "part.jsonl", [author(3)])
    taken: list[tuple[str, str, str]] = []
    with duckdb.connect() as con:
        for _ in parse_frames(con, raw_files(tmp_path), tmp_path, CODES, MAX_YEAR, "test", taken):
            pass
    why = {name: (parser, reason) for name, parser, reason in taken}
    assert why["part.jsonl"] == ("duckdb", "")
    assert why["odd.jsonl"] == ("python", "1 irregular record(s)")
    assert why["page.json"] == ("python", "not JSON Lines")
    parser, reason = why["bad.jsonl.gz"]
    assert parser == "python" and reason.startswith("DuckDB cannot read it typed: ")


def test_pages_and_unreadable_files_are_read_by_python_and_no_file_gives_empty_tables(
    tmp_path: Path,
) -> None:
    page = {"meta": {"count": 1}, "results": [author(1)]}
    (tmp_path / "page.json").write_text(json.dumps(page), encoding="utf-8")
    (tmp_path / "bad.jsonl.gz").write_bytes(b"not gzip at all")
    write_lines(tmp_path / "part.jsonl", [author(2)])
    duck, python, paths = both_ways(tmp_path)
    assert paths == ["python", "python", "duckdb"]  # bad.jsonl.gz, page.json, part.jsonl
    assert_same(duck, python)
    assert sorted(duck["raw.author_source_files"]["status"]) == ["read", "read", "unreadable"]
    with duckdb.connect() as con:
        empty = joined(parse_frames(con, [], tmp_path, CODES, MAX_YEAR, "test"))
    assert all(empty[table].height == 0 for table in PARSED_TABLES)
    assert list(empty) == list(PARSED_TABLES)
