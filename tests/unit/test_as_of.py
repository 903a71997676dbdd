"""The day a build is as of: written into its SQL where the SQL reads today, the year alone
where it reads only the year; fixed once per run."""

from datetime import UTC, date, datetime
from types import SimpleNamespace

import dagster as dg
import duckdb
import pytest

from pipelines import as_of, lineage
from pipelines.checks import contract_spec
from pipelines.contracts import Column, Contract, check_values

pytestmark = pytest.mark.unit
DAY = date(2026, 12, 5)


def test_today_and_its_year_are_written_in_as_duckdb_gives_them() -> None:
    sql = (
        "select year(current_date) as y, Year ( CURRENT_DATE ) + 1 as next_year,\n"
        "    current_date as today, extract(year from current_date) as e"
    )
    written = as_of.dated(sql, DAY)
    assert written == (
        "select 2026::bigint as y, 2026::bigint + 1 as next_year,\n"
        "    date '2026-12-05' as today, extract(year from date '2026-12-05') as e"
    )
    con = duckdb.connect()
    try:
        live = con.execute(f"describe {sql}").fetchall()
        assert con.execute(f"describe {written}").fetchall() == live  # the same types
        assert con.execute(written).fetchone() == (2026, 2027, DAY, 2026)
    finally:
        con.close()


def test_today_called_as_a_function_is_today_too() -> None:
    sql = "select year(current_date()) as y, current_date ( ) as d"
    assert as_of.dated(sql, DAY) == "select 2026::bigint as y, date '2026-12-05' as d"


def test_quoted_strings_names_and_comments_are_left_as_they_are() -> None:
    sql = (
        "-- current_date: the year(current_date) of the run\n"
        "select 'current_date' as \"year(current_date)\", current_date as d -- current_date\n"
        "from core.current_dates where 'it''s current_date' <> ''"
    )
    assert as_of.dated(sql, DAY) == (
        "-- current_date: the year(current_date) of the run\n"
        "select 'current_date' as \"year(current_date)\", date '2026-12-05' as d -- current_date\n"
        "from core.current_dates where 'it''s current_date' <> ''"
    )
    assert as_of.dated("select 1 from core.t", DAY) == "select 1 from core.t"
    # a block comment's quote opens no string: what follows it is code
    block = "select /* don't: current_date */ current_date as d /* ' */ from core.t"
    assert as_of.dated(block, DAY) == (
        "select /* don't: current_date */ date '2026-12-05' as d /* ' */ from core.t"
    )


def test_the_signature_holds_what_the_sql_reads_of_the_day() -> None:
    def signed(sql: str, day: date) -> str:
        return lineage.lineage_signature(as_of.dated(sql, day), "table", {"raw.t": "a"})

    plain = "select * from raw.t"
    yearly = "select * from raw.t where year <= year(current_date)"
    daily = "select * from raw.t where joined_on <= current_date"
    next_day, next_year = date(2026, 12, 6), date(2027, 1, 1)
    assert signed(plain, DAY) == signed(plain, next_day) == signed(plain, next_year)
    assert signed(yearly, DAY) == signed(yearly, next_day) != signed(yearly, next_year)
    assert signed(daily, DAY) != signed(daily, next_day)


def test_a_contracts_sql_checks_read_the_builds_day_and_their_key_what_they_read_of_it() -> None:
    checks = (
        {"name": "not_ahead", "description": "no day after today", "sql": (
            "select id from core.t where on_day > current_date"
        )},
        {"name": "this_year", "description": "no year after this one", "sql": (
            "select id from core.t where year(on_day) > year(current_date)"
        )},
        {"name": "plain", "description": "an id", "sql": "select id from core.t where id is null"},
    )  # fmt: skip
    columns = (Column("id", "INTEGER", "an id"), Column("on_day", "DATE", "a day"))
    contract = Contract("core.t", "one row per id", "days", columns, checks=checks)
    dated = as_of.dated_checks(contract, DAY)
    assert [c["sql"] for c in dated.checks] == [
        "select id from core.t where on_day > date '2026-12-05'",
        "select id from core.t where year(on_day) > 2026::bigint",
        "select id from core.t where id is null",
    ]
    assert dated.checks[0]["name"] == "not_ahead" and contract.checks == checks  # a copy
    con = duckdb.connect()
    try:
        con.execute("create schema core")
        con.execute("create table core.t as select 1 as id, date '2026-12-06' as on_day")
        failed = check_values(con, dated)
        assert [f["expectation"] for f in failed.failures] == ["not_ahead (no day after today)"]
        assert check_values(con, as_of.dated_checks(contract, date(2026, 12, 6))).passed
    finally:
        con.close()

    def keys(*checks: dict[str, str]) -> tuple[list[str], list[str]]:
        one = Contract("core.t", "one row per id", "days", columns, checks=checks)
        days = (DAY, date(2026, 12, 6), date(2027, 1, 1))
        signed = {"core.t": "a"}
        return (
            [lineage.check_key(as_of.dated_checks(one, day), signed) for day in days],
            [lineage.expectations_key(as_of.dated_checks(one, day), signed) for day in days],
        )

    daily, yearly, plain = (keys(check) for check in checks)
    assert daily[0][0] != daily[0][1] != daily[0][2] != daily[0][0]
    assert yearly[0][0] == yearly[0][1] != yearly[0][2]
    assert plain[0][0] == plain[0][1] == plain[0][2]
    # the expectations' own pass does not depend on the SQL checks' day
    assert len(set(daily[1])) == len(set(yearly[1])) == len(set(plain[1])) == 1


def test_a_contract_check_reading_another_clock_is_refused_when_the_job_is_loaded() -> None:
    check = {"name": "recent", "description": "recent rows", "sql": (
        "select id from core.t where at > now() - interval 1 day"
    )}  # fmt: skip
    contract = Contract("core.t", "one row per id", "rows", (), checks=(check,))
    with pytest.raises(ValueError, match=r"core\.t: check recent reads the clock as 'now\('"):
        contract_spec(dg.AssetKey(["core", "t"]), contract)


def test_other_clocks_are_named() -> None:
    sql = (
        "select now() as a, current_timestamp as b, today () as c, get_current_time() as d,\n"
        "    'now()' as quoted, current_date as e -- localtimestamp\n"
        "from core.t where t.now = 1 and today_count > 0"
    )
    assert as_of.clock_reads(sql) == ["now(", "current_timestamp", "today (", "get_current_time("]
    assert as_of.clock_reads("select current_date, year(current_date) from core.t") == []


def test_a_re_execution_is_as_of_the_day_of_the_run_it_re_executes() -> None:
    created = {
        "first": datetime(2026, 12, 5, 23, 59, tzinfo=UTC),
        "again": datetime(2026, 12, 6, 0, 30),  # naive: UTC, as some run storages keep it
    }
    instance = SimpleNamespace(
        get_run_record_by_id=lambda run_id: (
            SimpleNamespace(create_timestamp=created[run_id]) if run_id in created else None
        )
    )

    def day(run_id: str, root_run_id: str | None) -> date:
        run = SimpleNamespace(run_id=run_id, root_run_id=root_run_id)
        return as_of.run_day(SimpleNamespace(run=run, instance=instance), None)

    local = {k: v.replace(tzinfo=UTC).astimezone().date() for k, v in created.items()}
    assert day("again", "first") == local["first"]
    assert day("again", None) == local["again"]
    assert day("again", "deleted") == local["again"]  # the first one's record is gone
    with pytest.raises(RuntimeError, match="Dagster has no record of run gone"):
        day("gone", None)


def test_a_run_is_as_of_the_day_set_or_the_day_it_was_created() -> None:
    days: list[date] = []

    @dg.asset
    def reads_the_day(context: dg.AssetExecutionContext) -> None:
        days.append(as_of.run_day(context, None))
        days.append(as_of.run_day(context, DAY))

    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([reads_the_day], instance=instance)
    created = instance.get_run_record_by_id(result.run_id).create_timestamp
    assert days == [created.astimezone().date(), DAY]


def test_a_record_may_be_dated_up_to_the_year_after_the_runs_day() -> None:
    assert as_of.latest_year(DAY) == 2027
    assert as_of.latest_year(date(2027, 1, 1)) == 2028
