"""A SQL table whose build runs out of DuckDB's memory is built once more in a freshly
opened database, after what DuckDB held is logged; the attempt that failed wrote nothing,
so the second brings the table up to date as the first would have. A second failure
fails the step, naming the table and both failures, leaves the table and its records as
the last build left them, and nothing downstream of it is built."""

from pathlib import Path

import duckdb
import pytest

from pipelines import lineage, work_delta
from pipelines.settings import SQL_DIR
from tests.integration.conftest import ChangedBuild, run_cli
from tests.integration.test_kept_tables import changed_inputs

# on the worker that makes the by-hand build, which these tests copy (pytest-xdist)
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("byhand")]

TABLE = "indicators.security_counts"  # refreshed by year; what fails in the benchmark
FAILURE = (
    "Out of Memory Error: could not allocate block of size 256.0 KiB (953.5 MiB/953.6 MiB used)"
)
BY_YEAR = f"] built {TABLE} (by year: 2 of 6 works changed, in 2 of 3 years): "


def failing_refresh(times: int, monkeypatch: pytest.MonkeyPatch) -> list[duckdb.DuckDBPyConnection]:
    """Make the refresh by year of TABLE delete its rows of the changed years and then
    fail as DuckDB does when out of memory, the first ``times`` times it is called.
    Returns the connections it failed in (filled as it fails)."""
    refresh = work_delta.refresh
    failed: list[duckdb.DuckDBPyConnection] = []

    def failing(
        con: duckdb.DuckDBPyConnection, table: str, sql: str, work: work_delta.WorkPlan
    ) -> None:
        if table == TABLE and len(failed) < times:
            con.execute(f"delete from {table} where {work.rows}")
            failed.append(con)
            raise duckdb.OutOfMemoryException(FAILURE.replace("953.5", f"95{len(failed)}.5"))
        refresh(con, table, sql, work)

    monkeypatch.setattr(work_delta, "refresh", failing)
    return failed


def rows_and_record(database: Path) -> tuple[int, int, tuple]:
    """TABLE's row count and the sum of its rows' hashes in ``database``, and its build's
    record (``lineage.built``)."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        count, hashed = con.execute(f"select count(*), sum(hash(t)) from {TABLE} as t").fetchone()
        built = f"select * from {lineage.BUILT} where table_name = ?"
        return count, hashed, con.execute(built, [TABLE]).fetchone()
    finally:
        con.close()


def build(tmp_path: Path, inputs: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """``qcm build`` over the state under ``tmp_path``: its exit code and output."""
    args = ["build", "--out", str(tmp_path / "out"), "--state", str(tmp_path / "state")]
    return run_cli(args + inputs, monkeypatch)


def test_a_table_out_of_memory_is_built_again_in_a_fresh_database(
    changed_over: ChangedBuild,
) -> None:
    # the build over changed inputs that test_kept_tables compares with a fresh one: its
    # refresh of TABLE failed once (failing_refresh)
    code, output = changed_over.code, changed_over.output
    assert code == 0, output
    assert len(changed_over.failed) == 1
    assert (
        f"{TABLE}: DuckDB ran out of memory under its limit of 4GB: "
        f"{FAILURE.replace('953.5', '951.5')} (held after it: "
    ) in output
    assert "Building it again in a freshly opened database" in output
    # the failed attempt's delete was rolled back with it: the second refreshes by year
    assert output.count(BY_YEAR) == 1
    assert f"] {TABLE}: all " in output  # its check ran, and passed
    assert "] built indicators.security_links (" in output  # and what reads it was built
    # its rows are those its SQL gives over the inputs it was built from
    sql = (SQL_DIR / "indicators" / "security_counts.sql").read_text(encoding="utf-8")
    working = changed_over.folder / "state" / "work" / "qcm.duckdb"
    con = duckdb.connect(str(working), read_only=True)
    try:
        differ = f"select * from ({sql}) except all select * from {TABLE}"
        assert con.execute(f"select count(*) from ({differ})").fetchone()[0] == 0
        other = f"select * from {TABLE} except all select * from ({sql})"
        assert con.execute(f"select count(*) from ({other})").fetchone()[0] == 0
        assert con.execute(f"select count(*) from {TABLE}").fetchone()[0] > 0
    finally:
        con.close()


def test_a_table_out_of_memory_twice_fails_its_step_and_stays_as_it_was(
    byhand: tuple[Path, dict[str, Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = changed_inputs(byhand, tmp_path, monkeypatch)
    working = tmp_path / "state" / "work" / "qcm.duckdb"
    before = rows_and_record(working)
    failed = failing_refresh(2, monkeypatch)
    code, output = build(tmp_path, inputs, monkeypatch)
    assert code != 0
    assert len(failed) == 2 and failed[0] is not failed[1]  # the second in a fresh one
    assert (
        f"{TABLE}: DuckDB ran out of memory under its limit of 4GB, twice: first "
        f"{FAILURE.replace('953.5', '951.5')} (held after it: "
    ) in output
    assert (
        "; then, in a freshly opened database, Out of Memory Error: could not allocate "
        "block of size 256.0 KiB (952.5 MiB/953.6 MiB used) (held after it: "
    ) in output
    assert "Raise QCM_MEMORY_LIMIT or free memory" in output
    assert BY_YEAR not in output
    assert "] built indicators.security_links (" not in output
    # neither attempt's delete stayed: the table and its record are the last build's
    assert rows_and_record(working) == before
    assert before[0] > 0
