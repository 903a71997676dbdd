"""Every reviewed reference file is well-formed CSV: a strict parser reads each row with as
many fields as the header (a bare quote inside a quoted field is an error, where a lenient
reader silently drops the quote marks from the text it loads)."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import polars as pl
import pytest

from assets.reference.tables import reference_frames
from pipelines.contracts import load_contract

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "assets" / "reference"
FILES = sorted(REFERENCE.glob("*.csv"))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_a_reference_file_is_strict_csv(path: Path) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle, strict=True))
    header = rows[0]
    short = [(line, len(row)) for line, row in enumerate(rows[1:], 2) if len(row) != len(header)]
    assert short == [], f"{path.name}: rows (line, fields) unlike the header's {len(header)}"


def test_quoted_words_in_a_method_reach_the_database_as_written() -> None:
    methods = reference_frames()["ref.methods"]
    rule = methods.filter(methods["key"] == "capability_counting_rule")["description"][0]
    assert '("more than 99.9%" for a fidelity' in rule


def test_no_two_blocs_are_shown_by_one_name() -> None:
    (check,) = load_contract(ROOT / "sql" / "ref" / "blocs.yml").checks
    con = duckdb.connect()
    con.execute("create schema ref")
    con.register("frame", reference_frames()["ref.blocs"])
    con.execute("create table ref.blocs as select * from frame")
    assert con.execute(check["sql"]).fetchall() == []  # the reviewed table
    # a short name used twice, and one that is another bloc's code (that bloc has none)
    clash = pl.DataFrame({"bloc": ["A", "B", "C", "D"], "short_name": ["Same", "Same", "D", None]})
    con.register("clash", clash)
    con.execute("create or replace table ref.blocs as select * from clash")
    assert sorted(con.execute(check["sql"]).fetchall()) == [("D", 2), ("Same", 2)]
