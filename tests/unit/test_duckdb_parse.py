"""The DuckDB reader of OpenAlex works gives exactly the Python parser's raw tables.

Every test reads the same files both ways and compares every raw table as a multiset,
so a rule that drifts between ``duckdb_parse`` and ``parse`` fails here.
"""

import json
from pathlib import Path

import duckdb
import polars as pl
import pytest

from assets.bibliometric.duckdb_parse import create_raw_tables, read_files
from assets.bibliometric.parse import parse_files, raw_files
from assets.bibliometric.raw_tables import SCHEMAS, raw_frames
from assets.bibliometric.sample_generator import SAMPLE_DIR
from assets.bibliometric.snapshot import Slice, manifest_problems, quantum_slice
from pipelines.parsing import CountryCodes
from tests.json_lines import write_lines

CODES = CountryCodes(
    {"US": "USA", "GB": "GBR", "DE": "DEU", "CN": "CHN", "NA": "NAM"}, frozenset({"SU"})
)
MAX_YEAR = 2026
FIXTURES = Path(__file__).parents[3] / "shared" / "fixtures" / "openalex"
COMPARED = [t for t in SCHEMAS if t != "raw.openalex_merged_ids"]


def both_ways(root: Path, keep: Slice | None = None) -> tuple[dict, dict, list]:
    """The raw tables of every file under ``root`` read by DuckDB and by Python."""
    files = raw_files(root)
    con = duckdb.connect()
    create_raw_tables(con)
    outcomes = read_files(con, files, root, CODES, MAX_YEAR, "test", keep)
    duck = {table: con.execute(f"select * from {table}").pl() for table in COMPARED}
    keeps = keep.keeps if keep else None
    python = raw_frames(parse_files(files, root, CODES, MAX_YEAR, keeps), [], "test")
    return duck, python, outcomes


def assert_same(duck: dict, python: dict) -> None:
    for table in COMPARED:
        columns = [c for c in SCHEMAS[table] if c != "data_kind"]
        a = duck[table].select(columns).sort(columns, nulls_last=True)
        b = python[table].select(columns).sort(columns, nulls_last=True)
        assert a.equals(b), f"{table} differs:\n{a}\n{b}"


def work(number: int, **fields: object) -> dict:
    record = {
        "id": f"https://openalex.org/W{number}",
        "doi": f"https://doi.org/10.1/X{number}",
        "title": f"Trapped-ion quantum gates {number}",
        "publication_year": 2020,
        "cited_by_count": 3,
        "fwci": 1.5,
        "topics": [{"id": "https://openalex.org/T10682", "score": 0.9}],
        "primary_topic": {"id": "https://openalex.org/T10682"},
        "abstract_inverted_index": {"We": [0], "trap": [1, 3], "ions": [2]},
        "authorships": [
            {
                "author_position": "first",
                "author": {"id": "https://openalex.org/A1", "display_name": "Ada"},
                "institutions": [
                    {"id": "https://openalex.org/I1", "display_name": "U", "country_code": "us"}
                ],
                "countries": ["US"],
            }
        ],
    }
    record.update(fields)
    return record


def test_the_embedded_sample_reads_the_same_and_mostly_by_duckdb() -> None:
    duck, python, outcomes = both_ways(SAMPLE_DIR / "openalex")
    assert_same(duck, python)
    by_python = [o.source_file for o in outcomes if o.path == "python"]
    # the one page holding a record that is not an object; every other file by DuckDB
    assert len(by_python) == 1 and len(outcomes) == python["raw.source_files"].height


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="../shared/fixtures is not beside the repo")
def test_recorded_real_responses_read_the_same(tmp_path: Path) -> None:
    for pattern in ("snapshot/works_*.jsonl", "academic_explorer/works_list_*.json"):
        for path in FIXTURES.glob(pattern):
            (tmp_path / path.name).write_bytes(path.read_bytes())
    duck, python, outcomes = both_ways(tmp_path)
    assert_same(duck, python)
    assert duck["raw.openalex_works"].height > 50
    by_duckdb = {o.source_file for o in outcomes if o.path == "duckdb"}
    assert "works_updated_date=2023-05-16_part_000.jsonl" in by_duckdb


def test_regular_defects_stay_on_the_duckdb_path_with_the_same_rows(tmp_path: Path) -> None:
    records = [
        work(1),
        work(2, id=None),  # missing_id
        work(3, publication_year=None),  # missing_year
        work(4, publication_year=1850),  # year_out_of_range
        work(5, publication_year="2019", cited_by_count="12", fwci="0.5"),
        work(6, title="", display_name="  Shown  name\u200b "),
        work(7, title="Cafe\u0301 qubits\u3000", doi=" HTTPS://DOI.ORG/10.1/ABC "),
        work(8, authorships=[{"author": None, "institutions": [], "countries": []}]),
        work(
            9,
            authorships=[
                {
                    "author": {"id": "not-an-id"},
                    "institutions": [
                        {"id": "I2", "country_code": "XX"},
                        {"id": "https://openalex.org/I3", "country_code": "SU"},
                        {"id": None, "country_code": None},
                    ],
                    "countries": [],
                },
                {"institutions": [{"country_code": "GB"}], "countries": ["DE", "ZZ", None]},
                # OpenAlex's countries list repeats the institutions' codes: XX once
                {"institutions": [{"country_code": "XX"}], "countries": ["XX"]},
            ],
        ),
        work(10, topics=None, primary_topic=None, abstract_inverted_index=None),
        work(11, host_venue={"id": None}),
        work(12, awards=[]),
        work(13, is_retracted=True, is_authors_truncated=True),
        "",
        work(14, authorships=None),
        # a countries list naming no usable country: the institution's country places it
        work(15, authorships=[{"institutions": [{"country_code": "US"}], "countries": ["UK"]}]),
    ]
    write_lines(tmp_path / "part.jsonl.gz", records)
    duck, python, outcomes = both_ways(tmp_path)
    assert [o.path for o in outcomes] == ["duckdb"]
    assert_same(duck, python)
    reasons = sorted(python["raw.quarantine"]["reason"].to_list())
    assert reasons == [
        "historical_country_code",
        "invalid_country_code",
        "invalid_country_code",
        "invalid_country_code",
        "invalid_country_code",
        "missing_id",
        "missing_year",
        "year_out_of_range",
    ]
    placed = python["raw.openalex_authorship_countries"].filter(pl.col("work_id") == "W15")
    assert placed.select("country_iso3", "origin").rows() == [("USA", "institutions")]


def test_texts_and_ids_at_the_edges_of_the_plain_ascii_shortcut_read_the_same(
    tmp_path: Path,
) -> None:
    """Plain ASCII text whose ends are neither spaces nor control characters, and ids
    that start with the OpenAlex URL, skip the regular expressions: every neighbour of
    that case still reads as Python reads it."""

    def authorship(author_id: object, name: object, institution: object) -> dict:
        return {
            "author_position": "middle",
            "author": {"id": author_id, "display_name": name},
            "institutions": [{"id": institution, "display_name": name, "country_code": "US"}],
            "countries": [],
        }

    edges = [
        ("https://openalex.org/A11", "Ada\x1f", "https://openalex.org/I11"),  # control end
        ("https://openalex.org/a12", "\tAda", "https://openalex.org/i12"),  # lower case
        ("https://openalex.org/A13 ", "Ada\u00a0", " https://openalex.org/I13"),  # spaces
        ("https://openalex.org/A14\u3000", "\x7fAda\x7f", "I14"),  # wide space, DEL
        ("A15", "A", "https://openalex.org/"),  # one character; the URL alone
        ("https://openalex.org/X16", "", "https://openalex.org/I16x"),  # not ids
        ("HTTPS://OPENALEX.ORG/A17", "Ada\x08", "https://openalex.org/I17\x1c"),
    ]
    records = [
        work(40 + n, title=edge[1] or None, authorships=[authorship(*edge)])
        for n, edge in enumerate(edges)
    ]
    records.append(work(60, id="https://openalex.org/W60 ", title=" \x1fTrapped "))
    write_lines(tmp_path / "part.jsonl", records)
    duck, python, outcomes = both_ways(tmp_path)
    assert [o.path for o in outcomes] == ["duckdb"]
    assert_same(duck, python)
    assert python["raw.openalex_authorships"].height == len(edges) + 1  # and W60's own


@pytest.mark.parametrize(
    "defect",
    [
        "{not json",
        '"a string record"',
        work(20, publication_year="abc"),
        work(21, publication_year=2020.5),
        work(22, cited_by_count=-1),
        work(23, id="https://openalex.org/A5"),
        work(24, abstract_inverted_index={"a": [0], "b": [0]}),
        work(25, authorships=[{"institutions": [], "countries": ["U'S"]}]),
        work(26, authorships=["not an authorship"]),
        work(27, is_retracted="no"),
        work(28, topics=[{"id": "T1", "score": "high"}]),
        work(29, authorships=[None]),
        work(30, authorships=[{"institutions": [None], "countries": []}]),
    ],
    ids=lambda d: str(d)[:40],
)
def test_an_irregular_record_sends_its_file_to_the_python_parser(
    tmp_path: Path, defect: object
) -> None:
    write_lines(tmp_path / "part.jsonl", [work(1), defect, work(2)])
    duck, python, outcomes = both_ways(tmp_path)
    assert [o.path for o in outcomes] == ["python"]
    assert outcomes[0].reason
    assert_same(duck, python)


def test_a_file_missing_a_needed_field_everywhere_is_left_to_the_python_rules(
    tmp_path: Path,
) -> None:
    records = [{k: v for k, v in work(n).items() if k != "cited_by_count"} for n in (1, 2)]
    write_lines(tmp_path / "part.jsonl", records)
    duck, python, outcomes = both_ways(tmp_path)
    assert [o.path for o in outcomes] == ["python"]
    assert "schema_drift" in python["raw.quarantine"]["reason"].to_list()
    assert_same(duck, python)


SLICE = Slice(2000, ("T10682",), ("quantum", "qubit", "post-quantum"))


def snapshot_part(root: Path, day: str, number: int, records: list) -> Path:
    path = root / "data" / "works" / f"updated_date={day}" / f"part_{number:03d}.gz"
    return write_lines(path, records)


def test_a_snapshot_keeps_its_slice_and_its_dates_the_same_both_ways(tmp_path: Path) -> None:
    records = [
        work(1, updated_date="2026-01-02T00:00:00"),  # in: topic and "quantum" in its title
        work(2, title="Ion traps", abstract_inverted_index={"A": [0], "qubit.": [1]}),  # in
        work(3, title="Ion traps", abstract_inverted_index={"quantumness": [0]}),  # no word
        work(4, topics=[{"id": "https://openalex.org/T1", "score": 1.0}]),  # other topic
        work(5, publication_year=1999),  # before the first year
        work(6, id=None),  # unusable, in the slice: quarantined
        work(7, id=None, publication_year=1990),  # unusable, outside: left out
    ]
    snapshot_part(tmp_path, "2026-01-02", 0, records)
    authors = tmp_path / "data" / "authors" / "updated_date=2026-01-02" / "part_000.gz"
    write_lines(authors, [{"id": "https://openalex.org/A1"}])
    assert [p.name for p in raw_files(tmp_path)] == ["part_000.gz"]
    duck, python, outcomes = both_ways(tmp_path, SLICE)
    assert_same(duck, python)
    assert [(o.path, o.records, o.kept) for o in outcomes] == [("duckdb", 7, 3)]
    assert sorted(duck["raw.openalex_works"]["work_id"]) == ["W1", "W2"]
    assert duck["raw.openalex_works"]["updated_date"][0].startswith("2026-01-02")
    assert duck["raw.quarantine"]["reason"].to_list() == ["missing_id"]


def test_the_slice_rule_is_the_live_query() -> None:
    rule = quantum_slice()
    assert rule.first_year == 2000 and "T10682" in rule.topic_ids
    assert set(rule.keywords) >= {"quantum", "qubit", "post-quantum"}


def test_a_manifest_names_missing_and_truncated_parts(tmp_path: Path) -> None:
    whole = snapshot_part(tmp_path, "2026-01-01", 0, [work(1)])
    cut = snapshot_part(tmp_path, "2026-01-01", 1, [work(2)])
    works = tmp_path / "data" / "works"
    entries = [
        {
            "url": f"s3://openalex/data/works/updated_date=2026-01-01/{name}",
            "meta": {"content_length": size, "record_count": 1},
        }
        for name, size in (
            ("part_000.gz", whole.stat().st_size),
            ("part_001.gz", cut.stat().st_size + 10),
            ("part_002.gz", 99),
        )
    ]
    (works / "manifest").write_text(json.dumps({"entries": entries}), encoding="utf-8")
    problems = manifest_problems(works, tmp_path)
    assert [(p.source_file, p.reason) for p in problems] == [
        ("data/works/updated_date=2026-01-01/part_001.gz", "incomplete_part"),
        ("data/works/updated_date=2026-01-01/part_002.gz", "missing_part"),
    ]
    con = duckdb.connect()
    create_raw_tables(con)
    read_files(con, raw_files(tmp_path), tmp_path, CODES, MAX_YEAR, "test", SLICE)
    quarantined = con.execute("select reason from raw.quarantine order by reason").fetchall()
    assert quarantined == [("incomplete_part",), ("missing_part",)]
    (works / "manifest").write_text("{}", encoding="utf-8")
    with pytest.raises(ValueError, match="not an OpenAlex snapshot manifest"):
        manifest_problems(works, tmp_path)


def test_an_unreadable_file_is_quarantined_and_counted(tmp_path: Path) -> None:
    (tmp_path / "bad.json.gz").write_bytes(b"not gzip at all")
    duck, python, outcomes = both_ways(tmp_path)
    assert [o.path for o in outcomes] == ["python"]
    assert_same(duck, python)
    assert duck["raw.source_files"]["status"].to_list() == ["unreadable"]
    assert pl.Series(duck["raw.quarantine"]["reason"]).to_list() == ["unreadable_file"]
