"""SQL of the core layer on hand-made rows: the top-10% rule and bloc membership years."""

from __future__ import annotations

import duckdb
import pytest

from assets.reference.assets import PUBLICATION_SETTINGS, publication_settings
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


def test_growth_to_a_year_without_works_is_minus_one_and_flagged_on_its_base(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # fractional and whole counts by hand; the data's years run 2015 to 2021
    counts = [
        ("USA", 2015, 32.0, 40), ("USA", 2020, 243.0, 250),  # 1.5x a year, 40 and 250 works
        ("FRA", 2015, 4.0, 5), ("FRA", 2020, 4.0, 5),  # flat on 5 works: small at both ends
        ("IND", 2015, 2.0, 2), ("IND", 2020, 64.0, 70),  # from a base of 2 works: small
        ("DEU", 2015, 12.0, 12),  # none in 2020: a fall to zero, -1
        ("GBR", 2017, 10.0, 10),  # 2022 is after the data's last year: no row
        ("JPN", 2016, 10.0, 10), ("JPN", 2021, 10.0, 10),
    ]  # fmt: skip
    rows = [("country", c, "all", y, "publications_fractional", f) for c, y, f, _ in counts]
    rows += [("country", c, "all", y, "publications_whole", float(w)) for c, y, _, w in counts]
    con.execute(
        "create table indicators.publication_output (entity_type varchar, entity_code varchar, "
        "approach varchar, year bigint, indicator varchar, value double, numerator double, "
        "denominator double)"
    )
    con.executemany(
        "insert into indicators.publication_output values (?, ?, ?, ?, ?, ?, ?, null)",
        [[*row, row[-1]] for row in rows],
    )
    run_sql(con, "indicators.publication_growth")
    growth = con.execute(
        "select entity_code, year, round(value, 9), numerator, denominator "
        "from indicators.publication_growth order by 1, 2"
    ).fetchall()
    assert growth == [
        ("DEU", 2020, -1.0, 0.0, 12.0),
        ("FRA", 2020, 0.0, 4.0, 4.0),
        ("IND", 2020, 1.0, 64.0, 2.0),  # 32x in five years: 2x a year
        ("JPN", 2021, 0.0, 10.0, 10.0),
        ("USA", 2020, 0.5, 243.0, 32.0),
    ]
    frames = reference_frames()
    for table in ("ref.methods", "ref.indicators", "ref.countries", "ref.blocs"):
        replace_table(con, table, frames[table])
    con.execute("create table raw.source_files as select 'synthetic sample' as data_kind")
    for table in ("citation_impact", "specialisation", "collaboration", "industry_share"):
        con.execute(
            f"create table indicators.{table} as select * from indicators.publication_growth "
            "limit 0"
        )
    run_sql(con, "marts.publication_indicators")
    small = con.execute(
        "select entity_code, small_n from marts.publication_indicators "
        "where indicator = 'growth_5y_cagr' order by 1"
    ).fetchall()
    # threshold 10 works: FRA small at both ends, IND on its base year, DEU in 2020
    assert small == [("DEU", True), ("FRA", True), ("IND", True), ("JPN", False),
                     ("USA", False)]  # fmt: skip


def test_patent_growth_to_a_year_without_families_is_minus_one(
    con: duckdb.DuckDBPyConnection,
) -> None:
    con.execute(
        "create table indicators.patent_output (entity_type varchar, entity_code varchar, "
        "approach varchar, year bigint, counting varchar, family_scope varchar, "
        "indicator varchar, value double)"
    )
    con.executemany(
        "insert into indicators.patent_output values "
        "('country', ?, 'all', ?, 'fractional', 'all', 'patent_families_fractional', ?)",
        [["USA", 2015, 32.0], ["USA", 2020, 243.0], ["DEU", 2015, 12.0], ["GBR", 2017, 3.0]],
    )
    run_sql(con, "indicators.patent_growth")
    growth = con.execute(
        "select entity_code, year, round(value, 9), numerator, denominator "
        "from indicators.patent_growth order by 1, 2"
    ).fetchall()
    # the data's last year is 2020: GBR's 2022 has no row yet
    assert growth == [("DEU", 2020, -1.0, 0.0, 12.0), ("USA", 2020, 0.5, 243.0, 32.0)]


def test_applicant_types_of_the_last_two_priority_years_are_incomplete_few_families_small(
    con: duckdb.DuckDBPyConnection,
) -> None:
    frames = reference_frames()
    for table in ("ref.methods", "ref.countries", "ref.blocs"):
        replace_table(con, table, frames[table])
    con.execute("create table raw.patent_source_files as select 'synthetic sample' as data_kind")
    now = con.execute("select year(current_date)").fetchone()[0]
    con.execute(
        "create table indicators.patent_applicant_types as select 'world' as entity_type, "
        "'WLD' as entity_code, 'all' as approach, year, 'all' as family_scope, "
        "'company' as applicant_type, 1.0 as share, 1.0 as numerator, 1.0 as denominator "
        "from range(?, ? + 1) as t(year)",
        [now - 2, now],
    )
    # the world's families (applicant countries): 12 two years back, 3 last year, none this
    # year: the type shares of the last two rest on fewer than small_n_threshold (10)
    con.execute(
        "create table indicators.patent_output as select 'world' as entity_type, "
        "'WLD' as entity_code, 'all' as approach, year, counting, 'all' as family_scope, "
        "'patent_families_whole' as indicator, families::double as value "
        "from (values (?, 12), (? , 3)) as t(year, families), "
        "(values ('applicant'), ('inventor')) as c(counting)",
        [now - 2, now - 1],
    )
    con.execute("update indicators.patent_output set value = 40 where counting = 'inventor'")
    run_sql(con, "marts.patent_applicant_types")
    flags = con.execute(
        "select year - ?, year_incomplete, small_n, share from marts.patent_applicant_types "
        "order by year",
        [now],
    ).fetchall()
    assert flags == [(-2, False, False, 1.0), (-1, True, True, 1.0), (0, True, True, 1.0)]
    # a release that suppresses small numbers publishes the small ones without their numbers
    replace_table(con, PUBLICATION_SETTINGS, publication_settings("suppress"))
    run_sql(con, "core.small_numbers")
    run_sql(con, "marts.patent_applicant_types")
    shares = con.execute(
        "select year - ?, small_n, share, numerator, denominator "
        "from marts.patent_applicant_types order by year",
        [now],
    ).fetchall()
    assert shares == [
        (-2, False, 1.0, 1.0, 1.0),
        (-1, True, None, None, None),
        (0, True, None, None, None),
    ]


def test_industry_share_counts_authorships_split_over_their_institutions(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # W1 (2020), four authorships:
    #   0: a US company and a US university      -> USA 1/2 company, 1/2 not
    #   1: a company OpenAlex gives no country   -> ZZZ 1 company
    #   2: an institution of no known type       -> left out
    #   3: a US company listed twice             -> USA 1 company (once, not twice)
    #   4: a US university listed twice, once without its country -> USA 1 (once)
    # USA: 1.5 of 3; ZZZ: 1 of 1; the world: 2.5 of 4
    con.execute("create table staging.works as select 'W1' as work_id, 2020 as publication_year")
    con.execute(
        "create table staging.institutions as select * from (values "
        "('W1', 0, 'I1', 'Co', 'USA', 'company'), ('W1', 0, 'I2', 'Uni', 'USA', 'education'), "
        "('W1', 1, 'I3', 'Nowhere Co', null, 'company'), ('W1', 2, 'I4', 'Lab', 'USA', null), "
        "('W1', 3, 'I1', 'Co', 'USA', 'company'), ('W1', 3, 'I1', 'Co', 'USA', 'company'), "
        "('W1', 4, 'I2', 'Uni', 'USA', 'education'), ('W1', 4, 'I2', 'Uni', null, 'education')) "
        "as t(work_id, position, institution_id, institution_name, country_iso3, "
        "institution_type)"
    )
    con.execute("create table core.work_approaches as select 'W1' as work_id, 'all' as approach")
    con.execute("create table core.bloc_member_years (bloc varchar, iso3 varchar, year bigint)")
    run_sql(con, "indicators.industry_share")
    shares = con.execute(
        "select entity_code, numerator, denominator from indicators.industry_share order by 1"
    ).fetchall()
    assert shares == [("USA", 1.5, 3.0), ("WLD", 2.5, 4.0), ("ZZZ", 1.0, 1.0)]


def test_a_share_of_few_top_works_in_the_world_is_flagged_small(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # USA, 40 works in each approach: pqc's world has 3 top-10% works, of which the USA
    # holds 2.75 (0.917: small, resting on three works); qkd's world has 12, the USA 6
    # (0.5 of twelve: not small)
    frames = reference_frames()
    for table in ("ref.methods", "ref.indicators", "ref.countries", "ref.blocs"):
        replace_table(con, table, frames[table])
    con.execute("create table raw.source_files as select 'synthetic sample' as data_kind")
    con.execute(
        "create table indicators.publication_output as select * from (values "
        "('country', 'USA', 'pqc', 2021, 'publications_whole', 40.0, 40.0, null::double), "
        "('country', 'USA', 'qkd', 2021, 'publications_whole', 40.0, 40.0, null)) "
        "as t(entity_type, entity_code, approach, year, indicator, value, numerator, "
        "denominator)"
    )
    con.execute(
        "create table indicators.citation_impact as select * from (values "
        "('country', 'USA', 'pqc', 2021, 'top10_share_of_world', 2.75 / 3, 2.75, 3.0), "
        "('country', 'USA', 'qkd', 2021, 'top10_share_of_world', 0.5, 6.0, 12.0)) "
        "as t(entity_type, entity_code, approach, year, indicator, value, numerator, "
        "denominator)"
    )
    for table in ("publication_growth", "specialisation", "collaboration", "industry_share"):
        con.execute(
            f"create table indicators.{table} as select * from indicators.citation_impact limit 0"
        )
    run_sql(con, "marts.publication_indicators")
    small = con.execute(
        "select approach, small_n from marts.publication_indicators "
        "where indicator = 'top10_share_of_world' order by 1"
    ).fetchall()
    assert small == [("pqc", True), ("qkd", False)]


def test_the_activity_index_leaves_out_an_approach_outside_all(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # UKR: 0.4 works in all, 0.4 in qkd and 1.0 in pqc (works only on PQC are not in all);
    # the world: 10 in all, 2 in qkd, 3 in pqc. qkd: (0.4 / 0.4) / (2 / 10) = 5; pqc would
    # be a "share" of 2.5 of all: no row
    replace_table(con, "ref.approaches", reference_frames()["ref.approaches"])
    con.execute(
        "create table indicators.publication_output as select * from (values "
        "('country', 'UKR', 'all', 2019, 0.4), ('country', 'UKR', 'qkd', 2019, 0.4), "
        "('country', 'UKR', 'pqc', 2019, 1.0), ('world', 'WLD', 'all', 2019, 10.0), "
        "('world', 'WLD', 'qkd', 2019, 2.0), ('world', 'WLD', 'pqc', 2019, 3.0)) "
        "as t(entity_type, entity_code, approach, year, value)"
    )
    con.execute("alter table indicators.publication_output add column indicator varchar")
    con.execute("update indicators.publication_output set indicator = 'publications_fractional'")
    run_sql(con, "indicators.specialisation")
    rows = con.execute(
        "select entity_code, approach, round(value, 9) from indicators.specialisation "
        "where entity_type = 'country' order by approach"
    ).fetchall()
    assert rows == [("UKR", "all", 1.0), ("UKR", "qkd", 5.0)]


def test_the_patent_activity_index_leaves_out_an_approach_outside_all(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # As for works: KOR's families (applicants, all families) are 0.5 in all, 0.25 in qkd
    # and 2 in pqc (families only on PQC are not in all); the world's 20 in all, 4 in qkd,
    # 5 in pqc. qkd: (0.25 / 0.5) / (4 / 20) = 2.5; pqc would be a "share" of 4 of all: no row
    replace_table(con, "ref.approaches", reference_frames()["ref.approaches"])
    con.execute(
        "create table indicators.patent_output as select entity_type, entity_code, approach, "
        "2021 as year, 'applicant' as counting, 'all' as family_scope, "
        "'patent_families_fractional' as indicator, value from (values "
        "('country', 'KOR', 'all', 0.5), ('country', 'KOR', 'qkd', 0.25), "
        "('country', 'KOR', 'pqc', 2.0), ('world', 'WLD', 'all', 20.0), "
        "('world', 'WLD', 'qkd', 4.0), ('world', 'WLD', 'pqc', 5.0)) "
        "as t(entity_type, entity_code, approach, value)"
    )
    run_sql(con, "indicators.patent_specialisation")
    rows = con.execute(
        "select entity_code, approach, round(value, 9), round(numerator, 9), "
        "round(denominator, 9) from indicators.patent_specialisation "
        "where entity_type = 'country' order by approach"
    ).fetchall()
    assert rows == [("KOR", "all", 1.0, 1.0, 1.0), ("KOR", "qkd", 2.5, 0.5, 0.2)]
