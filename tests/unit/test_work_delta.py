"""Bringing a per-work or per-year table up to date by the works that changed
(pipelines.work_delta), on hand-made works: when it does, it holds what a full build
holds; when it cannot, it says why and builds in full."""

import duckdb
import pytest

from pipelines import lineage, work_delta

pytestmark = pytest.mark.unit

# a by_work table: one row per work and country, with the weight of a whole input
SQL = """
select works.work_id, countries.iso3, works.publication_year as year, weights.weight
from staging.works as works
inner join staging.countries as countries on countries.work_id = works.work_id
inner join ref.weights as weights on true
"""
TABLE = "core.work_weights"
# a by_year table: works per year and country, with the weight
YEARS = "core.year_weights"
YEARS_SQL = """
select year, iso3, count(*) * any_value(weight) as weighted
from core.work_weights
group by year, iso3
"""


def database() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for schema in ("ref", "staging", "core"):
        con.execute(f"create schema {schema}")
    lineage.create_tables(con)
    work_delta.create_tables(con)
    con.execute("create table ref.weights as select 2 as weight")
    return con


def set_works(con: duckdb.DuckDBPyConnection, works: dict[str, tuple[int, list[str]]], v: str):
    """``staging.works`` (work -> year) and the per-work ``staging.countries`` (work ->
    countries), as version ``v`` of the works and of the countries' build from them."""
    con.execute("create or replace table staging.works (work_id varchar, publication_year int)")
    con.execute("create or replace table staging.countries (work_id varchar, iso3 varchar)")
    for work_id, (year, countries) in works.items():
        con.execute("insert into staging.works values (?, ?)", [work_id, year])
        for iso3 in countries:
            con.execute("insert into staging.countries values (?, ?)", [work_id, iso3])
    lineage.record_build(con, work_delta.WORKS, v, len(works), "run")
    work_delta.record_work_rows(con, v)
    work_delta.record_keyed(con, "staging.countries", "work_id", "countries code", v, "run")


def build(
    con: duckdb.DuckDBPyConnection, v: str, table: str = TABLE, sql: str = SQL
) -> work_delta.WorkPlan:
    """Build ``table`` as ``_materialize`` does: plan, then by work (by year for YEARS)
    or in full, and record."""
    weights = lineage.content_signature(con, "ref.weights")
    inputs = {work_delta.WORKS: v, "staging.countries": f"countries {v}", "ref.weights": weights}
    kind = work_delta.BY_YEAR if table == YEARS else work_delta.BY_WORK
    plan = work_delta.plan(con, table, sql, inputs, kind, "year")
    if plan.changed is None:
        con.execute(f"create or replace table {table} as {sql}")
    else:
        work_delta.refresh(con, table, sql, plan)
    rows = con.execute(f"select count(*) from {table}").fetchone()[0]
    lineage.record_build(con, table, f"signed {v}", rows, "run")
    key = "year" if kind == work_delta.BY_YEAR else "work_id"
    work_delta.record_keyed(con, table, key, plan.method, plan.version, "run")
    return plan


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(f"select * from ({sql}) order by all").fetchall()


WORKS = {f"W{n}": (2020 + n % 3, ["USA", "FRA"][: 1 + n % 2]) for n in range(20)}


def test_a_refresh_by_work_rewrites_the_changed_works_alone_and_equals_a_full_build() -> None:
    con = database()
    set_works(con, WORKS, "v1")
    first = build(con, "v1")
    assert (first.changed, first.reason) == (None, "no earlier build")

    # W1 changes year and countries, W2 is gone, W20 is new: three of twenty works
    changed = {**WORKS, "W1": (2025, ["JPN"]), "W20": (2024, ["CHN", "KOR"])}
    del changed["W2"]
    set_works(con, changed, "v2")
    plan = build(con, "v2")
    assert (plan.changed, plan.reason) == (3, "3 of 20 works changed")
    assert plan.narrowed == {"staging.works": "work_id", "staging.countries": "work_id"}
    assert rows(con, f"select * from {TABLE}") == rows(con, SQL)

    # the same works again: nothing to refresh
    plan = build(con, "v2")
    assert (plan.changed, rows(con, f"select * from {TABLE}")) == (0, rows(con, SQL))
    # the versions no per-work table was built from are dropped
    set_works(con, changed, "v3")
    kept = con.execute(f"select distinct version from {work_delta.WORK_ROWS} order by 1")
    assert kept.fetchall() == [("v2",), ("v3",)]


MOVED = {w: (1999, c) if int(w[1:]) < 8 else (y, c) for w, (y, c) in WORKS.items()}
CHANGES = {
    "a whole input": (["update ref.weights set weight = 3"], WORKS, "its code or an input other"),
    "rows lost": ([f"delete from {TABLE} where work_id = 'W3'"], WORKS, "it no longer holds"),
    "no record": ([f"delete from {work_delta.WORK_KEYED} where table_name = '{TABLE}'"], WORKS,
                  "no earlier build by work"),
    "too many": ([], MOVED, "8 of 20 works changed: a full build costs less"),
}  # fmt: skip


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_anything_but_a_few_changed_works_builds_in_full(change: str) -> None:
    statements, works, reason = CHANGES[change]
    con = database()
    set_works(con, WORKS, "v1")
    build(con, "v1")
    for statement in statements:
        con.execute(statement)
    set_works(con, works, "v2")
    plan = build(con, "v2")
    assert plan.changed is None
    assert plan.reason.startswith(reason), plan.reason
    assert rows(con, f"select * from {TABLE}") == rows(con, SQL)


def test_works_no_longer_kept_build_in_full() -> None:
    con = database()
    set_works(con, WORKS, "v1")
    build(con, "v1")
    set_works(con, WORKS, "v2")
    con.execute(f"delete from {work_delta.WORK_ROWS} where version = 'v1'")
    plan = build(con, "v2")
    assert (plan.changed, plan.reason) == (None, "the works it was built from are no longer kept")


def test_the_works_changed_between_two_versions_are_found_once_per_connection() -> None:
    con = database()
    set_works(con, WORKS, "v1")
    work_delta.record_keyed(con, TABLE, "work_id", "method", "v1", "run")  # keeps v1's rows
    set_works(con, WORKS | {"W0": (2025, ["USA"])}, "v2")
    work_delta.record_keyed(con, YEARS, "year", "method", "v2", "run")  # keeps v2's rows
    set_works(con, WORKS | {"W1": (2025, ["USA"]), "W2": (2025, ["FRA"])}, "v3")

    def changed() -> list[str]:
        return [r[0] for r in rows(con, f"select work_id from {work_delta.CHANGED}")]

    assert (work_delta.mark_changed(con, "v1", "v2"), changed()) == (1, ["W0"])
    # asked again for the same two versions, the table is not filled again
    con.execute(f"insert into {work_delta.CHANGED} values ('left by the first ask')")
    assert work_delta.mark_changed(con, "v1", "v2") == 2
    assert changed() == ["W0", "left by the first ask"]
    # other versions fill it afresh, and so does the first pair asked again after them
    assert (work_delta.mark_changed(con, "v1", "v3"), changed()) == (2, ["W1", "W2"])
    assert (work_delta.mark_changed(con, "v1", "v2"), changed()) == (1, ["W0"])
    # another connection to the same database has no such table of its own
    assert not work_delta._marked(con.cursor(), "v1", "v2")


def test_inputs_of_different_builds_of_the_works_build_in_full() -> None:
    con = database()
    set_works(con, WORKS, "v1")
    build(con, "v1")
    set_works(con, WORKS, "v2")
    work_delta.record_keyed(con, "staging.countries", "work_id", "countries code", "v1", "run")
    plan = build(con, "v2")
    assert (plan.changed, plan.version) == (None, None)
    assert plan.reason == "its inputs come from different builds of staging.works"


def test_the_narrowed_sql_reads_a_view_of_each_per_work_input_and_nothing_else() -> None:
    sql = "select * from staging.works join staging.works_extra using (work_id) -- staging.works"
    code, views = work_delta.narrowed_sql(sql, {"staging.works": "work_id"})
    assert code.strip() == (
        "select * from qcm_narrowed_staging__works join staging.works_extra using (work_id)"
    )
    assert views == [
        "create or replace temp view qcm_narrowed_staging__works as select * from staging.works "
        "where work_id in (select work_id from qcm_changed_works)"
    ]


def test_a_refresh_by_year_rewrites_the_changed_works_years_alone_and_equals_a_full_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(work_delta, "FULL_ABOVE", 1.0)  # three of four years
    con = database()
    set_works(con, WORKS, "v1")
    build(con, "v1")
    assert build(con, "v1", YEARS, YEARS_SQL).reason == "no earlier build"
    # W1 moves from 2021 to 2025, W20 is new in 2022: the years 2021, 2022 and 2025 change
    changed = {**WORKS, "W1": (2025, ["JPN"]), "W20": (2022, ["CHN"])}
    set_works(con, changed, "v2")
    build(con, "v2")
    kept = con.execute(f"select * from {YEARS} where year = 2020 order by all").fetchall()
    plan = build(con, "v2", YEARS, YEARS_SQL)
    assert (plan.changed, plan.reason) == (2, "2 of 21 works changed, in 3 of 4 years")
    assert plan.what == "the rows of the years the changed works fall in (2021, 2022, 2025)"
    assert plan.rows == "(year in (2021, 2022, 2025))"
    assert rows(con, f"select * from {YEARS}") == rows(con, YEARS_SQL)
    assert kept == con.execute(f"select * from {YEARS} where year = 2020 order by all").fetchall()

    # a work without a year: the rows without one are written again too; nothing changed:
    # none
    set_works(con, {**changed, "W21": (None, ["USA"])}, "v3")
    build(con, "v3")
    plan = build(con, "v3", YEARS, YEARS_SQL)
    assert (plan.rows, plan.what) == ("(year is null)", "the rows of the years the changed "
                                      "works fall in (none)")  # fmt: skip
    assert rows(con, f"select * from {YEARS}") == rows(con, YEARS_SQL)
    assert build(con, "v3", YEARS, YEARS_SQL).rows == "(false)"
