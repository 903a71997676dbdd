"""Contracts: every table has one, and failures name table, expectation and examples."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.contracts import Column, Contract, check_values, load_contracts, schema_problems
from pipelines.settings import SQL_DIR
from pipelines.sql_assets import sql_table_files

pytestmark = pytest.mark.unit

CONTRACT = Contract(
    table="core.t",
    grain="one row per thing",
    description="test",
    columns=(
        Column("id", "VARCHAR", "id", ("not_null",)),
        Column("share", "DOUBLE", "share", ({"between": [0, 1]},)),
    ),
    unique=("id",),
    checks=(
        {"name": "no_b", "description": "no id b", "sql": "select id from core.t where id = 'b'"},
    ),
)


def test_a_good_table_passes(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "create table core.t as select * from (values ('a', 0.5::double), ('c', 1.0)) t(id, share)"
    )
    assert schema_problems(con, CONTRACT) == []
    assert check_values(con, CONTRACT).passed


def test_failures_name_the_table_the_expectation_and_examples(
    con: duckdb.DuckDBPyConnection,
) -> None:
    con.execute(
        "create table core.t as select * from "
        "(values ('a', 0.5::double), ('a', 2.5), (null, 0.1), ('b', 0.2)) t(id, share)"
    )
    outcome = check_values(con, CONTRACT)
    message = outcome.message("core.t")
    assert not outcome.passed
    assert message.startswith("core.t: ")
    assert "expect_column_values_to_be_unique" in message and "'a'" in message
    assert "expect_column_values_to_be_between" in message and "2.5" in message
    assert "expect_column_values_to_not_be_null" in message
    assert "no_b (no id b) failed for 1 row(s)" in message


def test_schema_drift_is_named(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create table core.t as select 'a' as id, 1 as share, 2 as extra")
    assert schema_problems(con, CONTRACT) == [
        "column share is INTEGER, contract says DOUBLE",
        "columns not in the contract: ['extra']",
    ]


def test_every_sql_table_has_a_complete_contract() -> None:
    contracts = load_contracts(SQL_DIR)
    for table in sql_table_files(SQL_DIR):
        assert table in contracts, f"{table} has no contract"
    for contract in contracts.values():
        assert contract.grain and contract.description, contract.table
        for column in contract.columns:
            assert column.description and "TODO" not in column.description, (
                contract.table,
                column.name,
            )


def test_sql_files_name_their_table_on_the_first_line() -> None:
    for table, path in sql_table_files(SQL_DIR).items():
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith(f"-- {table}: "), path
