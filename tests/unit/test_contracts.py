"""Contracts: every table has one, and failures name table, expectation and examples."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest
import yaml

from pipelines import contracts
from pipelines.contracts import (
    Column,
    Contract,
    check_values,
    checkable_on_rows,
    load_contract,
    load_contracts,
    schema_problems,
    table_columns,
)
from pipelines.db import table_exists
from pipelines.settings import SQL_DIR
from pipelines.sql_assets import (
    _existing_kind,
    build_sql_assets,
    build_statements,
    reading_only,
    sql_table_files,
)
from tests.unit.test_expectation_memo import EVERY_TEST

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


def test_columns_in_another_order_than_the_contract_are_named(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # meta.columns numbers the columns as the contract lists them: a table must agree
    con.execute("create table core.t as select 0.5::double as share, 'a' as id")
    assert schema_problems(con, CONTRACT) == [
        "columns in another order than the contract's (from share on): ['share', 'id']"
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


def test_the_tables_reading_only_reviewed_tables_are_followed_through_layers(
    tmp_path: Path,
) -> None:
    write_table_files(tmp_path, "staging.a", "select x from ref.one", "table")
    write_table_files(tmp_path, "core.b", "select x from staging.a join ref.two using (x)", "table")
    write_table_files(tmp_path, "core.c", "select x from core.b join raw.works using (x)", "table")
    write_table_files(tmp_path, "marts.d", "select x from core.c", "table")
    write_table_files(tmp_path, "marts.e", "select x from core.b", "view")
    write_table_files(tmp_path, "meta.f", "select 1 as x", "table")  # reads nothing
    assert reading_only({"ref.one", "ref.two"}, tmp_path) == {"staging.a", "core.b", "marts.e"}
    assert reading_only({"ref.one"}, tmp_path) == {"staging.a"}


def write_table_files(
    folder: Path, table: str, sql: str, materialized: str, tests: tuple[Any, ...] = ()
) -> None:
    """``sql/<layer>/<name>.sql`` and a one-column contract saying how it is materialized:
    ``x``, an INTEGER, with ``tests``."""
    layer, name = table.split(".")
    (folder / layer).mkdir(parents=True, exist_ok=True)
    (folder / layer / f"{name}.sql").write_text(f"-- {table}: one row\n{sql}\n", encoding="utf-8")
    contract = {
        "table": table,
        "materialized": materialized,
        "grain": "one row",
        "description": "test",
        "columns": {"x": {"type": "INTEGER", "description": "x", "tests": list(tests)}},
    }
    (folder / layer / f"{name}.yml").write_text(yaml.safe_dump(contract), encoding="utf-8")


def test_a_contract_says_table_or_view(tmp_path: Path) -> None:
    write_table_files(tmp_path, "marts.v", "select x from marts.t", "view")
    assert load_contract(tmp_path / "marts" / "v.yml").materialized == "view"
    write_table_files(tmp_path, "marts.m", "select 1 as x", "materialised view")
    with pytest.raises(ValueError, match="materialized is 'materialised view'"):
        load_contract(tmp_path / "marts" / "m.yml")


def test_a_contract_says_how_its_table_is_refreshed(tmp_path: Path) -> None:
    write_table_files(tmp_path, "core.t", "select 1 as x", "table")
    assert load_contract(tmp_path / "core" / "t.yml").refresh == "whole"
    path = tmp_path / "core" / "t.yml"
    contract = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text(yaml.safe_dump({**contract, "refresh": "by_work"}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"refresh by_work needs a table .* with a work_id"):
        load_contract(path)  # no work_id column
    path.write_text(yaml.safe_dump({**contract, "refresh": "by_year"}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"refresh by_year needs a table .* with a year column"):
        load_contract(path)
    by_year = {**contract, "refresh": "by_year", "year_column": "x"}
    path.write_text(yaml.safe_dump(by_year), encoding="utf-8")
    assert load_contract(path).refresh_key == "x"
    path.write_text(yaml.safe_dump({**contract, "refresh": "by_month"}), encoding="utf-8")
    with pytest.raises(ValueError, match="refresh is 'by_month'"):
        load_contract(path)


BY_WORK = Contract(
    table="core.w",
    grain="one row per work and country",
    description="test",
    columns=(
        Column("work_id", "VARCHAR", "work", ("not_null",)),
        Column("iso3", "VARCHAR", "country", ({"in_set": ["USA", "FRA"]},)),
    ),
    unique=("work_id", "iso3"),
    checks=({"name": "no_w9", "description": "no W9", "sql": "from core.w where work_id = 'W9'"},),
    refresh="by_work",
)


def test_a_by_work_check_reads_the_rows_it_is_given_and_the_sql_checks_the_whole_table(
    con: duckdb.DuckDBPyConnection,
) -> None:
    con.execute(
        "create table core.w as select * from (values ('W1', 'USA'), ('W1', 'FRA'), "
        "('W2', 'CAN'), ('W2', 'CAN'), ('W3', 'USA')) t(work_id, iso3)"
    )
    assert checkable_on_rows(BY_WORK, BY_WORK.refresh_key)
    assert not checkable_on_rows(BY_WORK, None)  # nothing says which rows were written
    assert check_values(con, BY_WORK, "work_id in ('W1', 'W3')").passed
    outcome = check_values(con, BY_WORK, "work_id = 'W2'")
    assert not outcome.passed
    message = outcome.message("core.w")
    assert "expect_compound_columns_to_be_unique" in message and "in_set" in message
    # the rows were selected once into a temporary table, dropped after
    assert con.execute(
        "select count(*) from duckdb_tables() where table_name = 'qcm_checked_rows'"
    ).fetchone() == (0,)
    con.execute("insert into core.w values ('W9', 'USA')")
    assert "no_w9" in check_values(con, BY_WORK, "work_id = 'W1'").message("core.w")
    # a key without work_id can be broken by rows of two works: the whole table is read
    assert not checkable_on_rows(
        Contract(**{**BY_WORK.__dict__, "unique": ("iso3",)}), BY_WORK.refresh_key
    )
    iso3_unique = (Column("iso3", "VARCHAR", "country", ("unique",)),)
    assert not checkable_on_rows(
        Contract(**{**BY_WORK.__dict__, "columns": iso3_unique}), BY_WORK.refresh_key
    )


def test_a_view_may_read_only_the_published_schemas(tmp_path: Path) -> None:
    producers = {"core.t": dg.AssetKey(["core", "t"])}
    write_table_files(tmp_path / "good", "marts.t", "select 1 as x", "table")
    write_table_files(tmp_path / "good", "marts.v", "select x from marts.t", "view")
    assets = build_sql_assets(tmp_path / "good", producers)
    view = next(a for a in assets if a.key == dg.AssetKey(["marts", "v"]))
    assert view.asset_deps[view.key] == {dg.AssetKey(["marts", "t"])}
    write_table_files(tmp_path / "bad", "marts.v", "select x from core.t", "view")
    with pytest.raises(ValueError, match=r"a view may read only .* reads \['core.t'\]"):
        build_sql_assets(tmp_path / "bad", producers)


def test_a_sql_file_without_a_contract_is_refused(tmp_path: Path) -> None:
    write_table_files(tmp_path, "marts.t", "select 1 as x", "table")
    (tmp_path / "marts" / "u.sql").write_text("select x from marts.t", encoding="utf-8")
    with pytest.raises(ValueError, match=r"the table marts.u has no contract \(u.yml\)"):
        build_sql_assets(tmp_path, {})


def test_a_sql_file_reading_another_clock_than_current_date_is_refused(tmp_path: Path) -> None:
    write_table_files(tmp_path, "marts.t", "select now() as at", "table")
    with pytest.raises(ValueError, match=r"t\.sql: reads the clock as 'now\('"):
        build_sql_assets(tmp_path, {})


def test_a_view_may_not_cross_join(tmp_path: Path) -> None:
    """DuckDB stores 'a cross join b left join c on c.k = a.k' as 'a, b left join c ...',
    which no longer binds once the file is reopened: the published file could not be made."""
    write_table_files(tmp_path, "marts.t", "select 1 as x", "table")
    write_table_files(
        tmp_path, "marts.v", "select t.x from marts.t cross join marts.t as u", "view"
    )
    with pytest.raises(ValueError, match="a view may not use 'cross join'"):
        build_sql_assets(tmp_path, {})
    path = tmp_path / "reopened.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table a as select 1 as k; create table b as select 2 as s")
    con.execute("create table c as select 1 as k, 'c' as label")
    con.execute("create view v as select c.label from a cross join b left join c on c.k = a.k")
    con.execute(
        "create view w as select c.label from a inner join b on true left join c on c.k = a.k"
    )
    con.close()
    con = duckdb.connect(str(path))
    stored = dict(
        con.execute("select view_name, sql from duckdb_views() where not internal").fetchall()
    )
    con.execute("drop view v; drop view w")
    with pytest.raises(duckdb.Error):
        con.execute(stored["v"])
    con.execute(stored["w"])
    assert con.execute("select * from w").fetchall() == [("c",)]
    con.close()


def test_a_table_can_become_a_view_and_back(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create table marts.t as select 1 as x")

    def build(materialized: str) -> str | None:
        existing = _existing_kind(con, "marts.x")
        for statement in build_statements("marts.x", "select x from marts.t", materialized,
                                          existing):  # fmt: skip
            con.execute(statement)
        return _existing_kind(con, "marts.x")

    assert build("table") == "BASE TABLE"
    assert build("view") == "VIEW"
    assert build("view") == "VIEW"
    assert build("table") == "BASE TABLE"
    assert con.execute("select x from marts.x").fetchall() == [(1,)]


def test_one_table_looked_up_says_what_the_catalogue_says(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """``table_columns``, ``table_exists`` and ``_existing_kind`` look up one table; they
    give what ``information_schema`` gives for a table of nested and parametrised types, a
    view, a view whose table is gone and a name that is absent."""
    con.execute(
        "create table core.t as select 'a' as id, 1.5::decimal(18, 3) as amount, "
        "['x'] as codes, {'year': 2020, 'share': 0.5} as detail, [{'k': 1}] as pairs"
    )
    con.execute("create view marts.v as select id, codes from core.t")
    con.execute("create table core.gone as select 1 as x")
    con.execute("create view marts.broken as select x from core.gone")
    con.execute("drop table core.gone")

    def catalogue(table: str) -> tuple[list[tuple[str, str]], str | None]:
        schema, name = table.split(".")
        columns = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, name],
        ).fetchall()
        kind = con.execute(
            "select table_type from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchone()
        return columns, kind[0] if kind else None

    for table in ("core.t", "marts.v", "marts.broken", "core.absent", "absent.t"):
        columns, kind = catalogue(table)
        assert table_columns(con, table) == columns, table
        assert table_exists(con, table) == (kind is not None), table
        assert _existing_kind(con, table) == kind, table
    assert table_columns(con, "core.t") == [
        ("id", "VARCHAR"),
        ("amount", "DECIMAL(18,3)"),
        ("codes", "VARCHAR[]"),
        ("detail", 'STRUCT("year" INTEGER, "share" DECIMAL(2,1))'),
        ("pairs", "STRUCT(k INTEGER)[]"),
    ]
    assert _existing_kind(con, "marts.broken") == "VIEW"


BIG = Contract(
    table="core.big",
    grain="one row per id and year",
    description="test",
    columns=(
        Column("id", "VARCHAR", "id", ("not_null", {"matches": "^W[0-9]+$"})),
        Column("year", "BIGINT", "year", ("not_null", {"between": [2000, 2030]})),
        Column("kind", "VARCHAR", "kind", ({"in_set": ["a", "b"]},)),
        Column("team", "VARCHAR", "team", ("not_null",)),
    ),
    unique=("id", "year"),
    checks=(),
)


@pytest.mark.parametrize(
    "defect, expected",
    [
        ("", set()),
        ("union all select 'W7', 2001, 'a', 'T1'", {"expect_compound_columns_to_be_unique"}),
        ("union all select 'W9999', 2001, 'a', null", {"expect_column_values_to_not_be_null"}),
        (
            "union all select null, 1999, 'c', null",
            {
                "expect_column_values_to_not_be_null",
                "expect_column_values_to_be_between",
                "expect_column_values_to_be_in_set",
            },
        ),
        ("union all select 'X1', 2001, 'a', 'T1'", {"expect_column_values_to_match_regex"}),
    ],
)
def test_a_table_too_large_to_read_whole_gets_the_verdicts_of_reading_it_whole(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch, defect: str, expected: set
) -> None:
    con.execute(
        "create table core.big as select 'W' || (i % 3000) as id, 2000 + i // 3000 as year, "
        "case when i % 2 = 0 then 'a' else 'b' end as kind, 'T' || (i % 50) as team "
        f"from range(9000) r(i) {defect}"
    )
    whole = check_values(con, BIG)
    monkeypatch.setattr("pipelines.contracts.WHOLE_ROWS", 2048)  # distinct values, chunked
    parts = check_values(con, BIG)
    failed = {f["expectation"].split("(")[0] for f in parts.failures}
    assert failed == {f["expectation"].split("(")[0] for f in whole.failures} == expected
    assert parts.passed == whole.passed == (not expected)
    if "expect_compound_columns_to_be_unique" in expected:  # the same rows and examples
        assert parts.failures[0]["unexpected"] == whole.failures[0]["unexpected"] == 2
        assert "W7" in str(parts.failures[0]["examples"])
    parts_nulls, whole_nulls = (
        [
            (f["expectation"], f["unexpected"], f["examples"])
            for f in outcome.failures
            if "not_be_null" in f["expectation"]
        ]
        for outcome in (parts, whole)
    )
    assert parts_nulls == whole_nulls  # one null: one row and one distinct value alike


def test_an_empty_table_meets_every_expectation_as_gx_finds_without_validating_it(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    con.execute("create table core.countries as select unnest(['DEU', 'USA']) as iso3")
    con.execute(
        "create table core.t (id varchar, year integer, kind varchar, country varchar, "
        "code varchar, share double)"
    )
    expectations = contracts._expectations(EVERY_TEST, con)
    kinds = {e.expectation.expectation_type for e in expectations}
    assert len(kinds) == 6  # compound unique, not null, matching, between, in a set, unique
    # GX's own verdict on the empty frame: every expectation met
    empty = con.execute("select * from core.t").df()
    assert contracts._failures(contracts._quiet_gx(), "empty", empty, expectations) == []
    # and a check of the empty table gives it without a frame for GX to validate
    assert list(contracts._frames(con, "core.t", expectations)) == []
    monkeypatch.setattr(contracts, "_failures", lambda *_: pytest.fail("GX validated a frame"))
    outcome = check_values(con, EVERY_TEST)
    assert outcome.passed and outcome.expectations == len(expectations) == 9


def test_each_validated_frame_is_let_go_before_the_next(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GX caches every batch and metric of a data source; the frames of a large table must
    not pile up in it (at three million works they held about 0.3 GB per check)."""
    con.execute(
        "create table core.big as select 'W' || i as id, 2000 + i % 3 as year, 'a' as kind, "
        "'T1' as team from range(9000) r(i)"
    )
    monkeypatch.setattr("pipelines.contracts.WHOLE_ROWS", 2048)  # distinct values, chunked
    frames: list[weakref.ref] = []
    alive_at_each_frame: list[int] = []
    chunked = contracts._frames

    def recorded(*args: object) -> Iterator[tuple[str, Any, list]]:
        for unit, frame, expectations in chunked(*args):
            alive_at_each_frame.append(sum(ref() is not None for ref in frames))
            frames.append(weakref.ref(frame))
            yield unit, frame, expectations

    monkeypatch.setattr("pipelines.contracts._frames", recorded)
    gc.disable()  # freed as soon as unreferenced, not by a later collection of cycles
    try:
        assert check_values(con, BIG).passed
    finally:
        gc.enable()
    assert len(frames) > 5
    # when a frame is read, only the one before it is still bound (to check_values' loop)
    assert alive_at_each_frame == [0] + [1] * (len(frames) - 1)
    assert all(ref() is None for ref in frames)


NULLABLE = Contract(
    table="core.nullable",
    grain="one row per id",
    description="test",
    columns=(
        Column("id", "VARCHAR", "id", ("not_null", "unique")),
        Column("team", "VARCHAR", "team", ("not_null",)),
        Column("owner", "BIGINT", "owner", ("not_null",)),
        Column("note", "VARCHAR", "note", ("not_null",)),
    ),
    unique=(),
    checks=(),
)


def test_the_columns_tested_only_for_nulls_share_one_frame_with_the_same_verdicts(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    # team holds one null, owner none, note only nulls
    con.execute(
        "create table core.nullable as select 'W' || i as id, "
        "case when i = 7 then null else 'T' || (i % 5) end as team, i as owner, "
        "null::varchar as note from range(9000) r(i)"
    )
    whole = check_values(con, NULLABLE)
    monkeypatch.setattr("pipelines.contracts.WHOLE_ROWS", 2048)
    frames = list(contracts._frames(con, "core.nullable", contracts._expectations(NULLABLE, con)))
    shared = [f for _, f, _ in frames if list(f.columns) == ["id", "team", "owner"]]
    assert len(shared) == 1 and len(shared[0]) == 2  # one scan, one frame of two rows
    parts = check_values(con, NULLABLE)
    failed = sorted((f["expectation"], f["unexpected"]) for f in parts.failures)
    assert failed == [
        ("expect_column_values_to_not_be_null({'column': 'note'})", 1),
        ("expect_column_values_to_not_be_null({'column': 'team'})", 1),
    ]
    assert [f["expectation"] for f in whole.failures] == [
        "expect_column_values_to_not_be_null({'column': 'team'})",
        "expect_column_values_to_not_be_null({'column': 'note'})",
    ]
