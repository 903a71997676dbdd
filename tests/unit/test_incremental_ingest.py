"""The ingest that reads only new and changed files holds the same rows as a full read."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from assets.bibliometric.incremental import (
    INGEST_TABLE,
    IngestPlan,
    forget_ingest,
    ingest_folder,
    ingest_key,
    record_ingest,
)
from assets.bibliometric.parse import raw_files
from assets.bibliometric.raw_tables import SCHEMAS
from tests.unit.test_duckdb_parse import CODES, MAX_YEAR, SLICE, snapshot_part, work, write_lines

KEY = ingest_key((CODES, MAX_YEAR, "test", SLICE), "parser code")
WORKS = "data/works/updated_date=2026-01-0"


def ingest(con: duckdb.DuckDBPyConnection, root: Path) -> IngestPlan:
    """One ingest of every raw file under ``root`` as the asset does it; the plan (the
    irregular page always read by the Python parser)."""
    plan, outcomes = ingest_folder(con, raw_files(root), root, KEY, CODES, MAX_YEAR, "test", SLICE)
    assert all(o.path == "python" for o in outcomes if o.source_file.endswith("irregular.jsonl"))
    record_ingest(con, KEY, plan, len(raw_files(root)))
    return plan


def rows(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every raw table's rows, sorted (the order of rows is not part of a table)."""
    return {
        table: sorted(con.execute(f"select * from {table}").fetchall(), key=repr)
        for table in SCHEMAS
    }


def write_manifest(root: Path, parts: dict[str, int]) -> None:
    """A snapshot manifest listing ``parts`` (name below ``updated_date=...``: size)."""
    entries = [
        {"url": f"s3://openalex/data/works/{name}", "meta": {"content_length": size}}
        for name, size in parts.items()
    ]
    path = root / "data" / "works" / "manifest"
    path.write_text(json.dumps({"entries": entries}), encoding="utf-8")


def first_folder(root: Path) -> None:
    """Two snapshot parts (one with a quarantined record), a page read by the Python
    parser (an irregular record) and a plain JSON Lines file; the manifest lists a part
    that is missing."""
    one = snapshot_part(root, "2026-01-01", 0, [work(1), work(2, publication_year=2021)])
    two = snapshot_part(
        root, "2026-01-02", 1, [work(3), work(4, id=None), work(5, publication_year=2022)]
    )
    write_lines(root / "pages" / "irregular.jsonl", [work(6), work(7, is_retracted="no")])
    write_lines(root / "pages" / "gone.jsonl", [work(8), work(9, publication_year=2023)])
    write_manifest(
        root,
        {
            "updated_date=2026-01-01/part_000.gz": one.stat().st_size,
            "updated_date=2026-01-02/part_001.gz": two.stat().st_size,
            "updated_date=2026-01-03/part_002.gz": 123,
        },
    )


def change_folder(root: Path) -> None:
    """Change one part, remove a file, add the part the manifest listed (now whole)."""
    two = snapshot_part(root, "2026-01-02", 1, [work(3, title="Quantum dots"), work(10)])
    (root / "pages" / "gone.jsonl").unlink()
    three = snapshot_part(root, "2026-01-03", 2, [work(11, publication_year=2024)])
    one = root / f"{WORKS}1" / "part_000.gz"
    write_manifest(
        root,
        {
            "updated_date=2026-01-01/part_000.gz": one.stat().st_size,
            "updated_date=2026-01-02/part_001.gz": two.stat().st_size,
            "updated_date=2026-01-03/part_002.gz": three.stat().st_size,
        },
    )


def test_reading_the_changes_gives_the_rows_of_a_full_read(tmp_path: Path) -> None:
    root = tmp_path / "source"
    first_folder(root)
    con = duckdb.connect()
    first = ingest(con, root)
    assert first.full and first.reason == "no earlier ingest in the working database"
    reasons = con.execute("select reason from raw.quarantine order by 1").fetchall()
    assert ("missing_part",) in reasons and ("missing_id",) in reasons

    change_folder(root)
    second = ingest(con, root)
    assert not second.full
    assert sorted(str(p.relative_to(root)) for p in second.read) == [
        f"{WORKS}2/part_001.gz",
        f"{WORKS}3/part_002.gz",
    ]
    assert second.dropped == (f"{WORKS}2/part_001.gz", "pages/gone.jsonl")
    assert second.kept == 2  # part_000 and the irregular page
    assert con.execute(f"select * from {INGEST_TABLE}").fetchall() == [(KEY, 4, 2, 2, False)]

    fresh = duckdb.connect()
    assert ingest(fresh, root).full
    assert rows(con) == rows(fresh)
    works = con.execute("select work_id from raw.openalex_works order by 1").fetchall()
    assert [w for (w,) in works] == ["W1", "W10", "W11", "W2", "W3", "W6", "W7"]
    assert ("missing_part",) not in con.execute("select reason from raw.quarantine").fetchall()


def test_nothing_changed_reads_nothing_and_keeps_every_row(tmp_path: Path) -> None:
    root = tmp_path / "source"
    first_folder(root)
    con = duckdb.connect()
    ingest(con, root)
    before = rows(con)
    again = ingest(con, root)
    assert (again.full, again.read, again.dropped, again.kept) == (False, (), (), 4)
    assert rows(con) == before


@pytest.mark.parametrize(
    "doubt",
    ["another key", "unfinished ingest", "shared checksum"],
)
def test_any_doubt_means_a_full_read(tmp_path: Path, doubt: str) -> None:
    root = tmp_path / "source"
    first_folder(root)
    con = duckdb.connect()
    ingest(con, root)
    key = KEY
    if doubt == "another key":
        key = ingest_key((CODES, MAX_YEAR + 1, "test", SLICE), "parser code")
        expected = "the parser or its inputs changed since the last ingest"
    elif doubt == "unfinished ingest":
        forget_ingest(con)  # an ingest began and stopped before its end
        expected = "the last ingest did not finish"
    else:
        shutil.copy(root / "pages" / "irregular.jsonl", root / "pages" / "copy.jsonl")
        expected = "1 checksum(s) shared by two files"
    plan, _ = ingest_folder(con, raw_files(root), root, key, CODES, MAX_YEAR, "test", SLICE)
    assert plan.full and plan.reason == expected
    assert len(plan.read) == len(raw_files(root))


def test_the_key_is_the_same_in_another_process() -> None:
    # the order of a set of strings changes with the process's string hashing
    script = (
        "from pipelines.parsing import CountryCodes\n"
        "from assets.bibliometric.incremental import ingest_key\n"
        "codes = CountryCodes({'US': 'USA'}, frozenset({'SU', 'YU', 'CS', 'DD', 'ZR', 'TP'}))\n"
        "print(ingest_key((codes, 2026, 'test'), 'parser code'))"
    )
    keys = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2", "3")
    }
    assert len(keys) == 1
