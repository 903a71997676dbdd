"""SQL of the core layer on hand-made rows: the top-10% rule and bloc membership years."""

from __future__ import annotations

import duckdb
import pytest

from assets.reference.tables import reference_frames
from pipelines.db import replace_table
from pipelines.settings import SQL_DIR

pytestmark = pytest.mark.unit


def run_sql(con: duckdb.DuckDBPyConnection, table: str) -> None:
    schema, name = table.split(".")
    con.execute(
        f"create or replace table {table} as {(SQL_DIR / schema / f'{name}.sql').read_text()}"
    )


def test_top10_rule_with_ties_and_uncited_works(con: duckdb.DuckDBPyConnection) -> None:
    # 20 works of one year and approach: citations 50, 40, 40, 30, then 16 works with 0.
    # Fewer than 10% (2 works) cited more: W1 (0 above), W2 and W3 (1 above, tie) qualify;
    # W4 has 3 above. Uncited works never qualify even when few works are cited.
    cited = [50, 40, 40, 30] + [0] * 16
    con.execute(
        "create table staging.works as select 'W' || (i + 1) as work_id, 2020 as publication_year, "
        "c as cited_by_count, null::double as fwci "
        "from (select unnest(?) as c, generate_subscripts(?, 1) - 1 as i)",
        [cited, cited],
    )
    con.execute(
        "create table core.work_approaches as select work_id, 'all' as approach from staging.works"
    )
    run_sql(con, "core.work_citation_classes")
    top = con.execute(
        "select work_id from core.work_citation_classes where is_top10 order by 1"
    ).fetchall()
    assert top == [("W1",), ("W2",), ("W3",)]
    con.execute("update staging.works set cited_by_count = 0")
    run_sql(con, "core.work_citation_classes")
    assert con.execute(
        "select count(*) from core.work_citation_classes where is_top10"
    ).fetchone() == (0,)


@pytest.mark.parametrize(
    ("iso3", "year", "blocs"),
    [
        ("GBR", 2019, {"EU27", "NATO", "G7", "OECD", "FIVE_EYES"}),
        ("GBR", 2020, {"NATO", "G7", "OECD", "FIVE_EYES"}),
        ("GBR", 2022, {"NATO", "G7", "OECD", "FIVE_EYES", "AUKUS"}),
        ("FIN", 2022, {"EU27", "OECD"}),
        ("FIN", 2023, {"EU27", "OECD", "NATO"}),
        ("AUS", 2010, {"OECD", "FIVE_EYES"}),
        ("AUS", 2018, {"OECD", "FIVE_EYES", "QUAD"}),
        ("TWN", 2022, {"CHIP4"}),
    ],
)
def test_bloc_membership_counts_members_at_year_end(
    con: duckdb.DuckDBPyConnection, iso3: str, year: int, blocs: set[str]
) -> None:
    replace_table(con, "ref.bloc_memberships", reference_frames()["ref.bloc_memberships"])
    con.execute(
        "create table core.work_country_fractions as "
        "select 'W1' as work_id, ? as publication_year, ? as country_iso3, "
        "1.0::decimal(38, 18) as fraction",
        [year, iso3],
    )
    con.execute(
        "create table staging.works as select 'W1' as work_id, ? as publication_year", [year]
    )
    run_sql(con, "core.bloc_member_years")
    run_sql(con, "core.work_entities")
    found = {
        r[0]
        for r in con.execute(
            "select entity_code from core.work_entities where entity_type = 'bloc'"
        ).fetchall()
    }
    assert found == blocs
