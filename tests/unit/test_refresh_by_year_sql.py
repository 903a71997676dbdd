"""A refresh by year (``pipelines.work_delta``) selects the changed years from a table's
SQL (``work_delta.rows_of``). DuckDB takes that filter down to the scans of the per-work
inputs, but not into a CTE it materializes (since DuckDB 1.4 a CTE read more than once is
materialized unless marked NOT MATERIALIZED): the whole CTE, every year of it, would be
computed and held for one year's rows. Checked here on the plans DuckDB makes, and on
hand-made rows.

Co-authorship pairs (approach all; W3 also superconducting):

| work | year | countries          | pairs                          |
|------|------|--------------------|--------------------------------|
| W1   | 2020 | USA, FRA, DEU      | DEU-FRA, DEU-USA, FRA-USA      |
| W2   | 2021 | USA, CHN, ZZZ      | CHN-USA (ZZZ is no country)    |
| W3   | 2021 | CHN, USA           | CHN-USA                        |

so 2021 holds CHN-USA with 2 works (all) and 1 (superconducting).
"""

from __future__ import annotations

import json
from typing import Any

import duckdb
import pytest

from pipelines import work_delta
from pipelines.contracts import load_contracts
from pipelines.settings import SQL_DIR
from tests.unit.test_core_sql import run_sql

pytestmark = pytest.mark.unit


def plan_nodes(con: duckdb.DuckDBPyConnection, query: str) -> list[dict[str, Any]]:
    """Every operator of the plan DuckDB makes for ``query`` (``explain (format json)``),
    each a dict with its ``name`` and ``extra_info``."""
    found: list[dict[str, Any]] = []
    pending = json.loads(con.execute(f"explain (format json) {query}").fetchall()[0][1])
    while pending:
        node = pending.pop()
        found.append(node)
        pending.extend(node.get("children", []))
    return found


def materialized(nodes: list[dict[str, Any]]) -> set[str]:
    """The names of the CTEs a plan (``plan_nodes``) materializes."""
    return {n["extra_info"]["CTE Name"] for n in nodes if n["name"] == "CTE"}


def scan_filters(nodes: list[dict[str, Any]], table: str) -> list[str]:
    """The filters of each scan of ``table`` (``schema.name``) in a plan, as one text each
    (empty for a scan without one)."""
    return [
        str(n["extra_info"].get("Filters", ""))
        for n in nodes
        if str(n["extra_info"].get("Table", "")).endswith(table)
    ]


def year_rows(table: str, year: int) -> str:
    """The select a refresh of ``table`` by year inserts for ``year``."""
    sql = (SQL_DIR / table.replace(".", "/")).with_suffix(".sql").read_text(encoding="utf-8")
    column = load_contracts(SQL_DIR)[table].year_column
    return work_delta.rows_of(sql, work_delta.years_rows(column, [year], undated=False))


def test_coauthorship_pairs_of_a_year_read_that_year_alone(
    con: duckdb.DuckDBPyConnection,
) -> None:
    works = [  # the module's table
        ("W1", 2020, ["USA", "FRA", "DEU"], ["all"]),
        ("W2", 2021, ["USA", "CHN", "ZZZ"], ["all"]),
        ("W3", 2021, ["CHN", "USA"], ["all", "superconducting"]),
    ]
    con.execute(
        "create table core.work_country_fractions (work_id varchar, publication_year bigint, "
        "country_iso3 varchar)"
    )
    con.execute("create table core.work_approaches (work_id varchar, approach varchar)")
    for work_id, year, countries, approaches in works:
        for iso3 in countries:
            con.execute(
                "insert into core.work_country_fractions values (?, ?, ?)", [work_id, year, iso3]
            )
        for approach in approaches:
            con.execute("insert into core.work_approaches values (?, ?)", [work_id, approach])
    run_sql(con, "indicators.coauthorship_pairs")

    query = year_rows("indicators.coauthorship_pairs", 2021)
    nodes = plan_nodes(con, query)
    assert materialized(nodes) == set()
    filters = scan_filters(nodes, "core.work_country_fractions")
    assert any("publication_year=2021" in f for f in filters), filters
    assert con.execute(f"{query} order by all").fetchall() == [
        ("all", 2021, "CHN", "USA", 2),
        ("superconducting", 2021, "CHN", "USA", 1),
    ]
    whole = "select * from indicators.coauthorship_pairs where year = 2021 order by all"
    assert con.execute(f"{query} order by all").fetchall() == con.execute(whole).fetchall()


def test_the_industry_share_of_a_year_reads_that_year_alone(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # W1 (2020) and W2 (2021): the refresh of 2021 filters the works' scan, below the
    # window that splits each authorship over its institutions
    con.execute(
        "create table staging.works as select * from (values ('W1', 2020), ('W2', 2021)) "
        "as t(work_id, publication_year)"
    )
    con.execute(
        "create table staging.institutions as select * from (values "
        "('W1', 0, 'I1', 'Co', 'USA', 'company'), ('W2', 0, 'I1', 'Co', 'USA', 'company'), "
        "('W2', 0, 'I2', 'Uni', 'USA', 'education')) "
        "as t(work_id, position, institution_id, institution_name, country_iso3, "
        "institution_type)"
    )
    con.execute(
        "create table core.work_approaches as select * from (values ('W1', 'all'), "
        "('W2', 'all')) as t(work_id, approach)"
    )
    con.execute("create table core.bloc_member_years (bloc varchar, iso3 varchar, year bigint)")
    run_sql(con, "indicators.industry_share")
    query = year_rows("indicators.industry_share", 2021)
    filters = scan_filters(plan_nodes(con, query), "staging.works")
    assert any("publication_year=2021" in f for f in filters), filters
    rows = con.execute(f"select entity_code, value from ({query}) order by 1").fetchall()
    assert rows == [("USA", 0.5), ("WLD", 0.5)]
    whole = "select * from indicators.industry_share where year = 2021 order by all"
    assert con.execute(f"{query} order by all").fetchall() == con.execute(whole).fetchall()
