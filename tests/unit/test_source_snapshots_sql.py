"""meta.source_snapshots on hand-made file lists: a raw source's id is a SHA-256 over the
checksums of the files it read records from, in file order; an unreadable file, or a copy
of a file read before, adds no records and is left out."""

from __future__ import annotations

import hashlib

import duckdb
import pytest

from tests.unit.test_core_sql import run_sql
from tests.unit.test_long_views import create_from_contract

pytestmark = pytest.mark.unit


@pytest.fixture
def inputs(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The tables meta.source_snapshots reads, empty, with their contracts' columns."""
    for table in (
        "meta.source_files", "marts.funding_programmes", "marts.fx_rates",
        "marts.economic_indicators", "marts.milestones",
    ):  # fmt: skip
        create_from_contract(con, table)
    return con


def test_a_snapshot_covers_the_files_records_were_read_from(
    inputs: duckdb.DuckDBPyConnection,
) -> None:
    con = inputs
    con.execute(
        "insert into meta.source_files (source, source_file, source_sha256, bytes, records, "
        "status, data_kind) values "
        "('openalex', 'b.json', 'bb', 20, 2, 'read', 'directory'), "
        "('openalex', 'a.json', 'aa', 10, 1, 'read', 'directory'), "
        # a grant file that could not be read carries the fallback name and no checksum
        "('funding', 'x.csv', null, 5, 0, 'unreadable', 'directory'), "
        "('nsf', 'z.json', 'cc', 30, 3, 'read', 'directory'), "
        "('nsf', 'y.json', 'cc', 30, 0, 'duplicate of z.json', 'directory')"
    )
    con.execute(
        "insert into marts.fx_rates (currency, year, units_per_usd) values ('EUR', 2020, 0.9), "
        "('USD', 2020, 1.0), ('USD', 2021, 1.0)"
    )
    run_sql(con, "meta.source_snapshots")
    rows = {
        source: (snapshot, files, records, feeds)
        for source, snapshot, files, records, feeds in con.execute(
            "select source, snapshot, files, records, feeds from meta.source_snapshots"
        ).fetchall()
    }
    digest = hashlib.sha256(b"aa,bb").hexdigest()  # a.json before b.json
    assert rows["openalex"] == (
        f"openalex@{digest[:12]}",
        2,
        3,
        ["publications", "workforce", "security:coauthorship"],
    )
    assert rows["nsf"][1:3] == (1, 3)
    assert "funding" not in rows  # nothing feeds on a file that gave no records
    # a published table's id is over its rows; an empty table's over the empty text; the
    # dollar's rows (1 by definition, one more each new year) are not the source's
    row = con.execute(
        "select t::varchar from marts.fx_rates as t where currency = 'EUR'"
    ).fetchone()[0]
    assert rows["marts.fx_rates"][0] == (
        f"marts.fx_rates@{hashlib.sha256(row.encode()).hexdigest()[:12]}"
    )
    assert rows["marts.fx_rates"][2] == 1  # the rows hashed, the dollar's left out
    assert rows["marts.milestones"][0] == f"marts.milestones@{hashlib.sha256(b'').hexdigest()[:12]}"


def test_a_programme_figures_id_is_its_figures_not_their_conversions(
    inputs: duckdb.DuckDBPyConnection,
) -> None:
    con = inputs

    def programmes_id(counted_usd: float | None, problem: str | None = None) -> str:
        """The programmes' id with one figure converted to ``counted_usd``, or breaking
        ``problem`` (not counted)."""
        con.execute("delete from marts.funding_programmes")
        con.execute(
            "insert into marts.funding_programmes (row_id, programme_id, amount, currency, "
            "units_per_usd, counted_usd_nominal, usd_per_year, problem, counted) values "
            "(1, 'P1', 100.0, 'EUR', 0.9, ?, ?, ?, ?)",
            [counted_usd, None if counted_usd is None else counted_usd / 5, problem, not problem],
        )
        run_sql(con, "meta.source_snapshots")
        return con.execute(
            "select snapshot from meta.source_snapshots where source = 'marts.funding_programmes'"
        ).fetchone()[0]

    # the conversions' last digits may vary with the order of a sum: the id does not; nor
    # does it when a rate is found for a figure that had none (its problem and counted flag
    # are the conversion tables', whose ids change)
    assert programmes_id(111.11111111111111) == programmes_id(111.11111111111113)
    assert programmes_id(None, "no_fx_rate") == programmes_id(111.11111111111111)
    con.execute("update marts.funding_programmes set amount = 101.0")
    run_sql(con, "meta.source_snapshots")
    changed = con.execute(
        "select snapshot from meta.source_snapshots where source = 'marts.funding_programmes'"
    ).fetchone()[0]
    assert changed != programmes_id(111.11111111111111)  # a figure's own change does
