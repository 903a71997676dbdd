"""A SQL table whose build runs out of DuckDB's memory is built once more in a freshly
opened database, after what DuckDB held is logged; a second failure fails the step,
naming the table and both failures, and nothing downstream of it is built."""

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from pipelines import sql_assets, work_delta
from pipelines.settings import SQL_DIR
from tests.integration.conftest import run_cli
from tests.integration.test_kept_tables import changed_inputs

pytestmark = pytest.mark.integration

TABLE = "indicators.security_counts"  # refreshed by year; what failed at three million works
FAILURE = (
    "Out of Memory Error: could not allocate block of size 256.0 KiB (953.5 MiB/953.6 MiB used)"
)


def failing_refresh(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make the refresh by year of TABLE delete its rows of the changed years, committed
    as DuckDB commits them, and then fail as DuckDB does when out of memory, once.
    Returns the ids of the connections it failed in (filled as it fails)."""
    refresh = work_delta.refresh
    failed: list[int] = []

    def failing(
        con: duckdb.DuckDBPyConnection, table: str, sql: str, work: work_delta.WorkPlan
    ) -> None:
        if table == TABLE and not failed:
            con.execute(f"delete from {table} where {work.rows}")
            failed.append(id(con))
            raise duckdb.OutOfMemoryException(FAILURE)
        refresh(con, table, sql, work)

    monkeypatch.setattr(work_delta, "refresh", failing)
    return failed


def build(tmp_path: Path, inputs: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """``qcm build`` over the state under ``tmp_path``: its exit code and output."""
    args = ["build", "--out", str(tmp_path / "out"), "--state", str(tmp_path / "state")]
    return run_cli(args + inputs, monkeypatch)


def test_a_table_out_of_memory_is_built_again_in_a_fresh_database(
    byhand: tuple[Path, dict[str, Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = changed_inputs(byhand, tmp_path, monkeypatch)
    failed = failing_refresh(monkeypatch)
    code, output = build(tmp_path, inputs, monkeypatch)
    assert code == 0, output
    assert len(failed) == 1
    assert (
        f"{TABLE}: DuckDB ran out of memory under its limit of 4GB: {FAILURE} (held after it: "
    ) in output
    assert "Building it again in a freshly opened database" in output
    # the failed attempt had forgotten the table's last build: the second builds it whole
    assert f"] built {TABLE} (in full: no earlier build): " in output
    assert f"] {TABLE}: all " in output  # its check ran, and passed
    assert "] built indicators.security_links (" in output  # and what reads it was built
    # its rows are those its SQL gives over the inputs it was built from
    sql = (SQL_DIR / "indicators" / "security_counts.sql").read_text(encoding="utf-8")
    con = duckdb.connect(str(tmp_path / "state" / "work" / "qcm.duckdb"), read_only=True)
    try:
        differ = f"select * from ({sql}) except all select * from {TABLE}"
        assert con.execute(f"select count(*) from ({differ})").fetchone()[0] == 0
        other = f"select * from {TABLE} except all select * from ({sql})"
        assert con.execute(f"select count(*) from ({other})").fetchone()[0] == 0
        assert con.execute(f"select count(*) from {TABLE}").fetchone()[0] > 0
    finally:
        con.close()


def test_a_table_out_of_memory_twice_fails_its_step_naming_both(
    byhand: tuple[Path, dict[str, Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = changed_inputs(byhand, tmp_path, monkeypatch)
    failing_refresh(monkeypatch)
    statements: Callable[..., list[str]] = sql_assets.build_statements

    def failing(table: str, *args: str | None) -> list[str]:
        if table == TABLE:
            raise duckdb.OutOfMemoryException(FAILURE.replace("953.5", "950.1"))
        return statements(table, *args)

    monkeypatch.setattr(sql_assets, "build_statements", failing)
    code, output = build(tmp_path, inputs, monkeypatch)
    assert code != 0
    assert (
        f"{TABLE}: DuckDB ran out of memory under its limit of 4GB, twice: first {FAILURE} "
        "(held after it: "
    ) in output
    assert "then, in a freshly opened database, Out of Memory Error: could not allocate " in output
    assert "(950.1 MiB/953.6 MiB used) (held after it: " in output
    assert "Raise QCM_MEMORY_LIMIT or free memory" in output
    assert "] built indicators.security_links (" not in output
