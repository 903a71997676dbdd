"""Workforce SQL on hand-made researchers: every value below is worked out by hand.

Works (publication year, authorship countries) and author records:

- A1 stays: profile USA 2014-2020 (one institution a year); work W1 2015 in the USA.
- A2 moves once across a gap: profile CHN 2012-2013, USA 2016-2017; works W2 2013 CHN and
  W3 2017 USA. 2014-2015 are missing (2 years, the longest gap carried), so CHN is
  carried; the move CHN -> USA is dated 2016, from 2013, 2 years unobserved.
- A3 returns, with no profile (a 2023-era record, last-known institution only): works
  W4 2012 IND, W5 2014 DEU, W6 2016 IND, W7 2017 IND. Moves IND -> DEU 2014 and
  DEU -> IND 2016 (a return); 2013 carried IND, 2015 carried DEU.
- A4 holds two affiliations at once: profile USA and DEU 2015-2017 (a tie every year);
  work W8 2016 DEU gives DEU more career evidence (4 against 3), so every year is DEU and
  nobody moves.
- A5 was merged: W9 2018 FRA lists the old id A50 (merged into A5), W10 2020 GBR lists A5;
  profile FRA 2018-2019, GBR 2020. One researcher, moving FRA -> GBR in 2020.
- A6 is OpenAlex's deleted placeholder: only the authorship trail, W11 2019 JPN.
- A7 has no country anywhere (an affiliation with a null country, an authorship with
  none): never placed, no producing country.
- A8 leaves a long gap: profile ITA 2010 and 2015 (4 missing years: not carried), ESP 2016;
  works W13 2010 ITA and W14 2016 ESP. One move, ITA -> ESP 2016 (inside the EU27).
- A9 moves before the quantum career: profile GBR 2008-2009, DEU 2010; first in-scope work
  W15 2011 DEU. The move GBR -> DEU (2010) is recorded, not counted; DEU is the producer.
- A10 has no author record and moves across a long gap: works W16 2010 NLD and W17 2016
  CHE. The move (5 years unobserved) is recorded, not counted: when it happened is unknown.
- A51 was merged into A50, itself merged into A5: W18 2019 FRA lists A51; still A5.
- A11 has an author record (profile USA 2015-2016) and no in-scope work: no researcher. Its
  profile is evidence all the same (who is a researcher depends on every year's works, a
  year's evidence on that year's alone); no researcher table holds it.

The EU27 here is DEU, FRA, ITA and ESP in every year.
"""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from assets.bibliometric.raw_tables import SCHEMAS as WORK_SCHEMAS
from assets.reference.assets import PUBLICATION_SETTINGS, publication_settings
from assets.reference.tables import reference_frames
from assets.workforce.raw_tables import SCHEMAS
from pipelines.contracts import check_values, load_contract
from pipelines.db import replace_table
from pipelines.settings import SQL_DIR
from pipelines.sql_assets import in_build_order
from tests.unit.test_core_sql import run_sql
from tests.unit.test_refresh_by_year_sql import materialized, plan_nodes, scan_filters, year_rows

pytestmark = pytest.mark.unit

# work, year, [(author id, countries)], approaches besides all
WORKS = [
    ("W1", 2015, [("A1", ["USA"])], ["superconducting"]),
    ("W2", 2013, [("A2", ["CHN"])], ["superconducting"]),
    ("W3", 2017, [("A2", ["USA"])], ["trapped_ion"]),
    ("W4", 2012, [("A3", ["IND"])], ["photonic"]),
    ("W5", 2014, [("A3", ["DEU"])], ["photonic"]),
    ("W6", 2016, [("A3", ["IND"])], ["photonic"]),
    ("W7", 2017, [("A3", ["IND"])], ["photonic"]),
    ("W8", 2016, [("A4", ["DEU"])], ["superconducting"]),
    ("W9", 2018, [("A50", ["FRA"])], ["neutral_atom"]),
    ("W10", 2020, [("A5", ["GBR"])], ["neutral_atom"]),
    ("W11", 2019, [("A6", ["JPN"])], ["qkd"]),
    ("W12", 2019, [("A7", [])], ["qkd"]),
    ("W13", 2010, [("A8", ["ITA"])], ["clocks"]),
    ("W14", 2016, [("A8", ["ESP"])], ["clocks"]),
    ("W15", 2011, [("A9", ["DEU"])], ["clocks"]),
    ("W16", 2010, [("A10", ["NLD"])], ["qkd"]),
    ("W17", 2016, [("A10", ["CHE"])], ["qkd"]),
    ("W18", 2019, [("A51", ["FRA"])], ["neutral_atom"]),
]
# author, display name, deleted, generation, [(institution, country, years)]
AUTHORS = [
    ("A1", "One", False, "2025-affiliations", [("I1", "USA", range(2014, 2021))]),
    ("A2", "Two", False, "2025-affiliations",
     [("I2", "CHN", [2012, 2013]), ("I3", "USA", [2016, 2017])]),
    ("A3", "Three", False, "2023-last_known_institution", []),
    ("A4", "Four", False, "2025-affiliations",
     [("I4", "USA", [2015, 2016, 2017]), ("I5", "DEU", [2015, 2016, 2017])]),
    ("A5", "Five", False, "2025-affiliations",
     [("I6", "FRA", [2018, 2019]), ("I7", "GBR", [2020])]),
    ("A6", "Deleted Author", True, "no place fields", []),
    ("A7", "Seven", False, "2025-affiliations", [("I8", None, [2019])]),
    ("A8", "Eight", False, "2025-affiliations",
     [("I9", "ITA", [2010, 2015]), ("I10", "ESP", [2016])]),
    ("A9", "Nine", False, "2025-affiliations",
     [("I11", "GBR", [2008, 2009]), ("I12", "DEU", [2010])]),
    ("A11", "Eleven", False, "2025-affiliations", [("I13", "USA", [2015, 2016])]),
]  # fmt: skip
EU27 = ("DEU", "FRA", "ITA", "ESP")


@pytest.fixture
def workforce(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Real methods, indicators and countries; the hand-made rows; every workforce table."""
    frames = reference_frames()
    for table in ("ref.methods", "ref.indicators", "ref.countries", "ref.blocs"):
        replace_table(con, table, frames[table])
    con.execute(
        "create table core.bloc_member_years as select 'EU27' as bloc, iso3, year "
        "from (select unnest(?) as iso3) cross join range(2000, 2030) as t(year)",
        [list(EU27)],
    )
    con.execute(
        "create table staging.works as select * from (values "
        + ", ".join(f"('{w}', {y})" for w, y, _, _ in WORKS)
        + ") as t(work_id, publication_year)"
    )
    authorships = [(w, 0, a, f"Name of {a}", 1) for w, _, people, _ in WORKS for a, _ in people]
    replace_table(
        con, "staging.authorships",
        pl.DataFrame(authorships, orient="row",
                     schema=["work_id", "position", "author_id", "author_name",
                             "institutions_listed"]),
    )  # fmt: skip
    countries = [
        (w, 0, c, "countries") for w, _, people, _ in WORKS for _, cs in people for c in cs
    ]
    replace_table(
        con, "staging.authorship_countries",
        pl.DataFrame(countries, orient="row",
                     schema=["work_id", "position", "country_iso3", "origin"]),
    )  # fmt: skip
    approaches = [(w, a) for w, _, _, extra in WORKS for a in ("all", *extra)]
    replace_table(
        con, "core.work_approaches",
        pl.DataFrame(approaches, orient="row", schema=["work_id", "approach"]),
    )  # fmt: skip
    records, affiliations = [], []
    for index, (author, name, deleted, generation, places) in enumerate(AUTHORS):
        key = f"f:{index}"
        records.append(
            {"author_id": author, "display_name": name, "orcid": None, "works_count": 1,
             "is_deleted": deleted, "affiliations_listed": len(places),
             "updated_date": "2026-01-01", "schema_generation": generation,
             "source_file": "f", "source_sha256": "f", "record_index": index, "record_key": key}
        )  # fmt: skip
        for position, (institution, iso3, years) in enumerate(places):
            affiliations += [
                {"record_key": key, "author_id": author, "position": position, "year": year,
                 "institution_id": institution, "institution_name": institution,
                 "institution_type": "education", "country_code_raw": iso3,
                 "country_iso3": iso3}
                for year in years
            ]  # fmt: skip
    for table, rows in (
        ("raw.openalex_authors", records),
        ("raw.openalex_author_affiliations", affiliations),
        ("raw.openalex_author_merged_ids",
         [{"merge_date": "2026-01-01", "old_id": "A50", "merge_into_id": "A5",
           "source_file": "merged_ids_authors.csv"},
          {"merge_date": "2025-01-01", "old_id": "A51", "merge_into_id": "A50",
           "source_file": "merged_ids_authors.csv"}]),
        ("raw.author_source_files",
         [{"source": "openalex_authors", "source_file": "f", "source_sha256": "f", "bytes": 1,
           "records": len(records), "status": "read", "data_kind": "synthetic sample"}]),
    ):  # fmt: skip
        replace_table(con, table, pl.DataFrame(rows, schema=SCHEMAS[table]))
    # the works' files: a user's folder, where the author records are the sample's
    replace_table(
        con, "raw.source_files",
        pl.DataFrame([{"source": "openalex", "source_file": "w", "source_sha256": "w",
                       "bytes": 1, "records": len(WORKS), "status": "read",
                       "data_kind": "directory"}], schema=WORK_SCHEMAS["raw.source_files"]),
    )  # fmt: skip
    con.execute(
        "create table raw.openalex_merged_ids "
        "(merge_date varchar, old_id varchar, merge_into_id varchar, source_file varchar)"
    )
    for table in in_build_order(
        (
            "staging.author_merges", "staging.author_ids", "staging.authors",
            "staging.researchers",
            "staging.profile_evidence", "staging.authorship_evidence",
            "staging.researcher_evidence",
            "core.researcher_years", "core.researcher_moves", "core.researcher_approaches",
            "core.researchers", "core.active_researchers", "indicators.workforce_flows",
            "indicators.workforce_flow_matrix",
            "indicators.workforce_producers", "indicators.workforce_career_stages",
            "marts.workforce_indicators", "marts.workforce_flows", "marts.workforce_producers",
        ),
        SQL_DIR,
    ):  # fmt: skip
        run_sql(con, table)
    return con


def value(
    con: duckdb.DuckDBPyConnection, entity: str, indicator: str, year: int, approach: str = "all"
) -> float | None:
    """One indicator value, or None when there is no row."""
    found = con.execute(
        "select value from indicators.workforce_flows where entity_code = ? and indicator = ? "
        "and year = ? and approach = ?",
        [entity, indicator, year, approach],
    ).fetchall()
    return found[0][0] if found else None


def as_ids(query: str) -> str:
    """``query``'s rows, the researcher's number first, with the OpenAlex id ('A' and the
    number) in its place, in order."""
    return f"select 'A' || researcher_id, * exclude (researcher_id) from ({query}) order by all"


def test_an_author_record_without_in_scope_works_is_evidence_of_no_researcher(
    workforce: duckdb.DuckDBPyConnection,
) -> None:
    evidence = workforce.execute(
        "select year, country_iso3, trail, evidence from staging.researcher_evidence "
        "where researcher_id = 11 order by year"  # A11: the tables hold the id's number
    ).fetchall()
    assert evidence == [(2015, "USA", "profile", 1), (2016, "USA", "profile", 1)]
    for table in (
        "staging.researchers", "core.researcher_years", "core.researcher_moves",
        "core.researcher_approaches", "core.researchers",
    ):  # fmt: skip
        held = f"select count(*) from {table} where researcher_id = 11"
        assert workforce.execute(held).fetchone()[0] == 0, table


def test_a_refresh_of_the_evidence_by_year_reads_that_years_rows_alone(
    workforce: duckdb.DuckDBPyConnection,
) -> None:
    # the authorships trail: the year down to the scan of the works
    query = year_rows("staging.authorship_evidence", 2016)
    nodes = plan_nodes(workforce, query)
    assert materialized(nodes) == set()
    filters = scan_filters(nodes, "staging.works")
    assert filters and all("publication_year" in f and "2016" in f for f in filters), filters
    assert workforce.execute(as_ids(query)).fetchall() == [
        ("A10", 2016, "CHE", "authorships", 1),
        ("A3", 2016, "IND", "authorships", 1),
        ("A4", 2016, "DEU", "authorships", 1),
        ("A8", 2016, "ESP", "authorships", 1),
    ]
    # both trails side by side: the year down to the scans of each trail's table
    query = year_rows("staging.researcher_evidence", 2016)
    nodes = plan_nodes(workforce, query)
    for table in ("staging.profile_evidence", "staging.authorship_evidence"):
        filters = scan_filters(nodes, table)
        assert filters and all("year" in f and "2016" in f for f in filters), (table, filters)
    # every trail's 2016 evidence, the profile's of A11 (no researcher) included
    assert workforce.execute(as_ids(query)).fetchall() == [
        ("A1", 2016, "USA", "profile", 1),
        ("A10", 2016, "CHE", "authorships", 1),
        ("A11", 2016, "USA", "profile", 1),
        ("A2", 2016, "USA", "profile", 1),
        ("A3", 2016, "IND", "authorships", 1),
        ("A4", 2016, "DEU", "authorships", 1),
        ("A4", 2016, "DEU", "profile", 1),
        ("A4", 2016, "USA", "profile", 1),
        ("A8", 2016, "ESP", "authorships", 1),
        ("A8", 2016, "ESP", "profile", 1),
    ]


def test_active_researchers_by_approach_and_stage_with_the_lowest_id(
    workforce: duckdb.DuckDBPyConnection,
) -> None:
    # USA 2016: A1 (profile, career from 2014: 2 years) and A2 (moved from CHN, career
    # from 2012: 4 years), both early career and superconducting (A1 from W1 of 2015, A2
    # from W2 of 2013); A2 is trapped-ion from W3 of 2017 on, when A2 is mid career (5
    # years) and A1 still early (3)
    rows = workforce.execute(
        "select year, approach, career_stage, researchers, first_researcher_id "
        "from core.active_researchers where country_iso3 = 'USA' and year in (2016, 2017) "
        "order by all"
    ).fetchall()
    assert rows == [
        (2016, "all", "early career", 2, "A1"),
        (2016, "superconducting", "early career", 2, "A1"),
        (2017, "all", "early career", 1, "A1"),
        (2017, "all", "mid career", 1, "A2"),
        (2017, "superconducting", "early career", 1, "A1"),
        (2017, "superconducting", "mid career", 1, "A2"),
        (2017, "trapped_ion", "mid career", 1, "A2"),
    ]


def test_country_per_year_observed_carried_and_tie(workforce: duckdb.DuckDBPyConnection) -> None:
    years = workforce.execute(
        "select 'A' || researcher_id, year, country_iso3, status, trail, tie_broken "
        "from core.researcher_years where researcher_id in (2, 3, 4, 8) order by all"
    ).fetchall()
    assert years == [
        ("A2", 2012, "CHN", "observed", "profile", False),
        ("A2", 2013, "CHN", "observed", "profile", False),
        ("A2", 2014, "CHN", "carried", "profile", False),
        ("A2", 2015, "CHN", "carried", "profile", False),
        ("A2", 2016, "USA", "observed", "profile", False),
        ("A2", 2017, "USA", "observed", "profile", False),
        ("A3", 2012, "IND", "observed", "authorships", False),
        ("A3", 2013, "IND", "carried", "authorships", False),
        ("A3", 2014, "DEU", "observed", "authorships", False),
        ("A3", 2015, "DEU", "carried", "authorships", False),
        ("A3", 2016, "IND", "observed", "authorships", False),
        ("A3", 2017, "IND", "observed", "authorships", False),
        # a steady double affiliation: the tie goes to the country with more career evidence
        ("A4", 2015, "DEU", "observed", "profile", True),
        ("A4", 2016, "DEU", "observed", "profile", True),
        ("A4", 2017, "DEU", "observed", "profile", True),
        # four missing years are not carried
        ("A8", 2010, "ITA", "observed", "profile", False),
        ("A8", 2015, "ITA", "observed", "profile", False),
        ("A8", 2016, "ESP", "observed", "profile", False),
    ]


def test_moves_returns_and_merged_and_deleted_authors(
    workforce: duckdb.DuckDBPyConnection,
) -> None:
    moves = workforce.execute(
        "select 'A' || researcher_id, from_year, year, origin_iso3, destination_iso3, "
        "years_unobserved, is_return, not_counted from core.researcher_moves order by 1, 3"
    ).fetchall()
    assert moves == [
        ("A10", 2010, 2016, "NLD", "CHE", 5, False, "gap longer than workforce_max_gap_years"),
        ("A2", 2013, 2016, "CHN", "USA", 2, False, None),
        ("A3", 2012, 2014, "IND", "DEU", 1, False, None),
        ("A3", 2014, 2016, "DEU", "IND", 1, True, None),
        ("A5", 2019, 2020, "FRA", "GBR", 0, False, None),
        ("A8", 2015, 2016, "ITA", "ESP", 0, False, None),
        ("A9", 2009, 2010, "GBR", "DEU", 0, False, "before the quantum career"),
    ]
    people = workforce.execute(
        "select 'A' || researcher_id, producer_iso3, producer_year, latest_iso3, moves, "
        "mobility, first_year, has_record, is_deleted from core.researchers order by 1"
    ).fetchall()
    assert people == [
        ("A1", "USA", 2015, "USA", 0, "stayed", 2014, True, False),
        ("A10", "NLD", 2010, "CHE", 1, "moved once", 2010, False, False),
        ("A2", "CHN", 2013, "USA", 1, "moved once", 2012, True, False),
        ("A3", "IND", 2012, "IND", 2, "returned", 2012, True, False),
        ("A4", "DEU", 2016, "DEU", 0, "stayed", 2015, True, False),
        # the old id A50 and A5 are one researcher
        ("A5", "FRA", 2018, "GBR", 1, "moved once", 2018, True, False),
        # the deleted placeholder gives no evidence; the works still place the researcher
        ("A6", "JPN", 2019, "JPN", 0, "stayed", 2019, True, True),
        ("A7", None, None, None, 0, "never placed", None, True, False),
        ("A8", "ITA", 2010, "ESP", 1, "moved once", 2010, True, False),
        # the old ids A50 and A51 are A5; A9's first quantum year places the producer
        ("A9", "DEU", 2011, "DEU", 1, "moved once", 2008, True, False),
    ]


def test_flow_indicators_by_hand(workforce: duckdb.DuckDBPyConnection) -> None:
    # USA 2016: A1 and A2 active, A2 arrives
    assert value(workforce, "USA", "researchers_active", 2016) == 2
    assert value(workforce, "USA", "inflow", 2016) == 1
    assert value(workforce, "USA", "outflow", 2016) == 0
    assert value(workforce, "USA", "net_flow", 2016) == 1
    assert value(workforce, "USA", "net_migration_rate", 2016) == 0.5
    assert value(workforce, "USA", "migration_efficiency", 2016) == 1
    # DEU 2016: only A4 active (A3 is back in IND), A3 leaves
    assert value(workforce, "DEU", "researchers_active", 2016) == 1
    assert value(workforce, "DEU", "net_migration_rate", 2016) == -1
    assert value(workforce, "DEU", "migration_efficiency", 2016) == -1
    # the EU27: A3 leaves DEU for IND; A8's ITA -> ESP stays inside the bloc
    assert value(workforce, "EU27", "outflow", 2016) == 1
    assert value(workforce, "EU27", "inflow", 2016) == 0
    assert value(workforce, "EU27", "inflow", 2014) == 1
    assert value(workforce, "EU27", "outflow", 2020) == 1
    assert value(workforce, "WLD", "international_moves", 2016) == 3
    # not counted: A9 moved before the quantum career, A10 across a five-year gap
    assert value(workforce, "DEU", "inflow", 2010) is None
    assert value(workforce, "CHE", "inflow", 2016) == 0  # A10 is active there, not arrived
    # A9 is active in DEU from the first in-scope work (2011), not in 2010
    assert value(workforce, "DEU", "researchers_active", 2010) is None
    assert value(workforce, "DEU", "researchers_active", 2011) == 1
    assert value(workforce, "WLD", "inflow", 2016) is None
    # approaches are multi-label, each from the researcher's first work in it: A2 arrives
    # in 2016 as a superconducting researcher (W2, 2013), trapped-ion only from 2017 (W3)
    assert value(workforce, "USA", "inflow", 2016, "superconducting") == 1
    assert value(workforce, "USA", "inflow", 2016, "trapped_ion") is None
    assert value(workforce, "USA", "researchers_active", 2017, "trapped_ion") == 1
    assert value(workforce, "USA", "inflow", 2016, "photonic") is None
    # the matrix
    flows = workforce.execute(
        "select origin_iso3, destination_iso3, year, moves, returns, is_small "
        "from marts.workforce_flows where approach = 'all' order by year, origin_iso3"
    ).fetchall()
    assert flows == [
        ("IND", "DEU", 2014, 1, 0, True),
        ("CHN", "USA", 2016, 1, 0, True),
        ("DEU", "IND", 2016, 1, 1, True),
        ("ITA", "ESP", 2016, 1, 0, True),
        ("FRA", "GBR", 2020, 1, 0, True),
    ]


def test_producers_retention_and_career_stage(workforce: duckdb.DuckDBPyConnection) -> None:
    # produced in 2012 in IND, placed in IND in 2017: retained
    assert value(workforce, "IND", "researchers_produced", 2012) == 1
    assert value(workforce, "IND", "retention_5y", 2012) == 1
    # A1, produced in 2015, is in the USA in 2020
    assert value(workforce, "USA", "retention_5y", 2015) == 1
    # A8: produced in ITA in 2010, observed in ITA in 2015
    assert value(workforce, "ITA", "retention_5y", 2010) == 1
    assert value(workforce, "EU27", "retention_5y", 2010) == 1
    # A2 (CHN 2013) is not placed in 2018: no retention row at all
    assert value(workforce, "CHN", "retention_5y", 2013) is None
    # a year's producers count in the approaches of that year: A2 was superconducting in
    # 2013, trapped-ion only from 2017
    assert value(workforce, "CHN", "researchers_produced", 2013, "superconducting") == 1
    assert value(workforce, "CHN", "researchers_produced", 2013, "trapped_ion") is None
    producers = workforce.execute(
        "select country_iso3, produced, stayed, left_abroad, arrived, last_seen, net_gain "
        "from marts.workforce_producers where approach = 'all' order by country_iso3"
    ).fetchall()
    assert producers == [
        ("CHE", 0, 0, 0, 1, 1, 1),
        ("CHN", 1, 0, 1, 0, 0, -1),
        ("DEU", 2, 2, 0, 0, 2, 0),
        ("ESP", 0, 0, 0, 1, 1, 1),
        ("FRA", 1, 0, 1, 0, 0, -1),
        ("GBR", 0, 0, 0, 1, 1, 1),
        ("IND", 1, 1, 0, 0, 1, 0),
        ("ITA", 1, 0, 1, 0, 0, -1),
        ("JPN", 1, 1, 0, 0, 1, 0),
        ("NLD", 1, 0, 1, 0, 0, -1),
        ("USA", 1, 1, 0, 1, 2, 1),
    ]
    stages = workforce.execute(
        "select country_iso3, year, career_stage, inflow from indicators.workforce_career_stages "
        "where approach = 'all' and inflow > 0 order by year, country_iso3"
    ).fetchall()
    # A2's arrival in the USA counts in its approaches of 2016: superconducting alone
    arrivals = workforce.execute(
        "select approach from indicators.workforce_career_stages where country_iso3 = 'USA' "
        "and year = 2016 and inflow > 0 order by all"
    ).fetchall()
    assert arrivals == [("all",), ("superconducting",)]
    # A3 arrives in DEU two years into the career; A2 four years in; A8 six years in
    assert stages == [
        ("DEU", 2014, "early career", 1),
        ("ESP", 2016, "mid career", 1),
        ("IND", 2016, "early career", 1),
        ("USA", 2016, "early career", 1),
        ("GBR", 2020, "early career", 1),
    ]


def test_flows_are_flagged_small_and_labelled(workforce: duckdb.DuckDBPyConnection) -> None:
    flags = workforce.execute(
        "select bool_and(small_n), min(data_kind), min(method_version), "
        "count(*) filter (where unit is null) from marts.workforce_indicators"
    ).fetchone()
    # the kinds of both trails: the works from a user's folder, the author records the
    # sample's, which must show
    assert flags == (True, "directory, synthetic sample", "wf-1.5", 0)


def test_a_release_that_suppresses_small_numbers_empties_only_the_flagged_numbers(
    workforce: duckdb.DuckDBPyConnection,
) -> None:
    # the hand-made rows are few: every workforce value is small (small_n) and every flow
    # under workforce_small_flow moves (is_small)
    marts = ("marts.workforce_indicators", "marts.workforce_flows", "marts.workforce_producers")
    before = {t: workforce.execute(f"select * from {t} order by all").fetchall() for t in marts}
    replace_table(workforce, PUBLICATION_SETTINGS, publication_settings("suppress"))
    run_sql(workforce, "core.small_numbers")
    assert workforce.execute("select * from core.small_numbers").fetchall() == [(True,)]
    for table in marts:
        run_sql(workforce, table)
    indicators = workforce.execute(
        "select count(*), count(*) filter (where small_n), count(value), count(numerator), "
        "count(denominator), count(researchers_active), count(flow_moves) "
        "from marts.workforce_indicators"
    ).fetchone()
    assert indicators[0] == indicators[1] > 0 and indicators[2:] == (0, 0, 0, 0, 0)
    flows = workforce.execute(
        "select count(*), count(*) filter (where is_small), count(moves), count(returns), "
        "count(origin_name) from marts.workforce_flows"
    ).fetchone()
    assert flows[0] == flows[1] == flows[4] > 0 and flows[2:4] == (0, 0)
    # a producer row on few researchers loses its counts; its key and flags stay
    producers = workforce.execute(
        "select country_iso3, approach, small_n, produced, net_gain, stayed_share "
        "from marts.workforce_producers order by all"
    ).fetchall()
    assert producers and all(r[2] and r[3:] == (None, None, None) for r in producers)
    for table in marts:
        # the same rows and keys as the release that flags them
        assert workforce.execute(f"select count(*) from {table}").fetchone()[0] == len(
            before[table]
        )
        # the contract's check finds no number emptied without its flag
        contract = load_contract(SQL_DIR / "marts" / f"{table.split('.')[1]}.yml")
        suppressed = [
            c for c in contract.checks if c["name"] == "numbers_empty_only_where_suppressed"
        ]
        assert [workforce.execute(c["sql"]).fetchall() for c in suppressed] == [[]], table
    # and it finds a number emptied on a row that is not flagged
    workforce.execute("update marts.workforce_flows set is_small = false")
    contract = load_contract(SQL_DIR / "marts" / "workforce_flows.yml")
    (check,) = [c for c in contract.checks if c["name"] == "numbers_empty_only_where_suppressed"]
    assert len(workforce.execute(check["sql"]).fetchall()) == flows[0]


def test_a_researchers_works_per_approach_count_each_work_once_from_the_first(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # researcher A7 holds two author ids (A1 and its merged A2); W1 (2019) lists both, W2
    # (2021) only A1; W1 is trapped-ion, W2 photonic: A7 has 2 works in all from 2019, 1
    # trapped-ion from 2019 and 1 photonic from 2021 (the table holds the ids' numbers)
    con.execute(
        "create table staging.author_ids as select * from "
        "(values ('A1', 'A7'), ('A2', 'A7'), ('A3', 'A9')) t(author_id, canonical_id)"
    )
    con.execute(
        "create table staging.works as select * from "
        "(values ('W1', 2019), ('W2', 2021)) t(work_id, publication_year)"
    )
    con.execute(
        "create table staging.authorships as select * from (values ('W1', 0, 'A1'), "
        "('W1', 1, 'A2'), ('W2', 0, 'A1'), ('W2', 1, 'A3')) t(work_id, position, author_id)"
    )
    con.execute(
        "create table core.work_approaches as select * from (values ('W1', 'all'), "
        "('W1', 'trapped_ion'), ('W2', 'all'), ('W2', 'photonic')) t(work_id, approach)"
    )
    run_sql(con, "core.researcher_approaches")
    assert con.execute("select * from core.researcher_approaches order by all").fetchall() == [
        (7, "all", 2, 2019),
        (7, "photonic", 1, 2021),
        (7, "trapped_ion", 1, 2019),
        (9, "all", 1, 2021),
        (9, "photonic", 1, 2021),
    ]


def test_a_researcher_only_on_post_quantum_cryptography_is_not_active_in_all(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # the works classified as the pipeline does (ref.approaches: pqc is adjacent): W1 (2018,
    # A1 and A2) post-quantum signatures: pqc alone, not in all; W2 (2020, A2) QKD with
    # post-quantum keys: qkd and pqc, in all; W3 (2019, A3) no rule: all and unclassified.
    # A1 has no all; A2 is in all from 2020, in pqc from 2018; A3 in all from 2019. All
    # three are in the USA in 2018-2020, in the quantum career from their first work: the
    # USA's active researchers in all are 0 (no row) in 2018, 1 in 2019 and 2 in 2020; in
    # pqc 2 in each year
    from assets.classification.assets import build_record_approaches

    replace_table(con, "ref.approaches", reference_frames()["ref.approaches"])
    con.execute(
        "create table ref.classification_rules as select * from (values "
        "('qkd', 'include', 'quantum key distribution'), "
        "('pqc', 'include', 'post-quantum (signature|key)')) as r(approach, kind, pattern)"
    )
    con.execute(
        "create table texts as select * from (values "
        "('W1', 'Post-quantum signatures', null::varchar), "
        "('W2', 'Quantum key distribution with post-quantum keys', null), "
        "('W3', 'A survey of qubits', null)) as t(work_id, title, abstract)"
    )
    build_record_approaches(con, "core.work_approaches", "work_id", "select * from texts")
    con.execute(
        "create table staging.author_ids as select * from "
        "(values ('A1', 'A1'), ('A2', 'A2'), ('A3', 'A3')) t(author_id, canonical_id)"
    )
    con.execute(
        "create table staging.works as select * from "
        "(values ('W1', 2018), ('W2', 2020), ('W3', 2019)) t(work_id, publication_year)"
    )
    con.execute(
        "create table staging.authorships as select * from (values ('W1', 0, 'A1'), "
        "('W1', 1, 'A2'), ('W2', 0, 'A2'), ('W3', 0, 'A3')) t(work_id, position, author_id)"
    )
    run_sql(con, "core.researcher_approaches")
    assert con.execute("select * from core.researcher_approaches order by all").fetchall() == [
        (1, "pqc", 1, 2018),
        (2, "all", 1, 2020),
        (2, "pqc", 2, 2018),
        (2, "qkd", 1, 2020),
        (3, "all", 1, 2019),
        (3, "unclassified", 1, 2019),
    ]
    con.execute(
        "create table staging.researchers as select * from (values (1), (2), (3)) t(researcher_id)"
    )
    con.execute(
        "create table core.researcher_years as select researcher_id, year, 'USA' as "
        "country_iso3, 'early' as career_stage, year >= first as in_quantum_career "
        "from (values (1, 2018), (2, 2018), (3, 2019)) t(researcher_id, first) "
        "cross join range(2018, 2021) as y(year)"
    )
    run_sql(con, "core.active_researchers")
    active = con.execute(
        "select approach, year, researchers from core.active_researchers "
        "where approach in ('all', 'pqc') order by all"
    ).fetchall()
    assert active == [
        ("all", 2019, 1),
        ("all", 2020, 2),
        ("pqc", 2018, 2),
        ("pqc", 2019, 2),
        ("pqc", 2020, 2),
    ]


def test_a_canonical_id_that_its_number_would_not_give_back_fails_the_ids_check(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # the workforce tables hold 'A' and a number as the number: a leading zero or more
    # digits than a BIGINT holds would not come back the same, so the ids' check stops
    # the build before any table that reads them
    contract = load_contract(SQL_DIR / "staging" / "author_ids.yml")
    con.execute(
        "create table staging.author_ids as select * from (values "
        "('A1', 'A1', null, true, true), ('A2', 'A5023888391', 'm.csv', true, false), "
        "('A3', 'A03', null, true, false), ('A4', 'A1234567890123456789', null, false, true)"
        ") t(author_id, canonical_id, merge_file, in_works, has_record)"
    )
    outcome = check_values(con, contract)
    message = outcome.message("staging.author_ids")
    assert not outcome.passed
    assert "canonical_ids_are_a_and_a_number" in message and "2 row(s)" in message
    assert "A03" in message and "A1234567890123456789" in message
    con.execute("delete from staging.author_ids where author_id in ('A3', 'A4')")
    assert check_values(con, contract).passed


def test_a_stayed_share_on_few_producers_is_flagged_small(con: duckdb.DuckDBPyConnection) -> None:
    frames = reference_frames()
    for table in ("ref.methods", "ref.countries"):
        replace_table(con, table, frames[table])
    # country, produced, stayed, arrived (threshold 10): HKG's share rests on 2 researchers
    rows = [("HKG", 2, 1, 10), ("USA", 12, 6, 0), ("CHE", 0, 0, 12), ("FRA", 3, 3, 3)]
    replace_table(
        con, "indicators.workforce_producers",
        pl.DataFrame(
            [(c, "all", p, s, p - s, a, s + a, a - (p - s)) for c, p, s, a in rows],
            orient="row",
            schema=["country_iso3", "approach", "produced", "stayed", "left_abroad",
                    "arrived", "last_seen", "net_gain"],
        ),
    )  # fmt: skip
    run_sql(con, "marts.workforce_producers")
    flags = con.execute(
        "select country_iso3, stayed_share, small_n from marts.workforce_producers order by 1"
    ).fetchall()
    assert flags == [("CHE", None, False), ("FRA", 1.0, True), ("HKG", 0.5, True),
                     ("USA", 0.5, False)]  # fmt: skip


def test_years_a_later_observation_can_still_fill_are_incomplete(
    con: duckdb.DuckDBPyConnection,
) -> None:
    frames = reference_frames()
    for table in ("ref.methods", "ref.indicators", "ref.countries", "ref.blocs"):
        replace_table(con, table, frames[table])
    for table in ("raw.author_source_files", "raw.source_files"):
        con.execute(f"create table {table} as select 'synthetic sample' as data_kind")
    now = con.execute("select year(current_date)").fetchone()[0]
    indicators = (
        "researchers_active", "researchers_produced", "net_migration_rate", "inflow",
        "retention_5y",
    )  # fmt: skip
    replace_table(
        con, "indicators.workforce_flows",
        pl.DataFrame(
            [("country", "DEU", "all", year, indicator, 20.0, 20.0, 20.0)
             for year in range(now - 8, now + 1) for indicator in indicators],
            orient="row",
            schema=["entity_type", "entity_code", "approach", "year", "indicator", "value",
                    "numerator", "denominator"],
        ),
    )  # fmt: skip
    run_sql(con, "marts.workforce_indicators")
    first_open = dict(
        con.execute(
            "select indicator, min(year) filter (where year_incomplete) - ? "
            "from marts.workforce_indicators group by 1",
            [now],
        ).fetchall()
    )
    # a gap of up to 2 years is carried: the placements of the two years before this one
    # are still open, and so are the researchers they produce (a first quantum year carried
    # between two observations produces); retention of year Y is read in Y + 5
    assert first_open == {
        "researchers_active": -2, "researchers_produced": -2, "net_migration_rate": -2,
        "inflow": 0, "retention_5y": -7,
    }  # fmt: skip


def profile_trail(
    con: duckdb.DuckDBPyConnection,
    evidence: list[tuple[int, int, str]],
    first_years: dict[int, int],
) -> None:
    """Real methods; researchers placed by their profiles alone (``evidence``: researcher,
    year, country), each with the first in-scope year of ``first_years`` and 2017 as the
    last; no author record."""
    replace_table(con, "ref.methods", reference_frames()["ref.methods"])
    con.execute(
        "create table staging.researcher_evidence as select researcher_id::bigint as "
        "researcher_id, year::bigint as year, country_iso3, 'profile' as trail, "
        "1::bigint as evidence from (values "
        + ", ".join(f"({r}, {y}, '{c}')" for r, y, c in evidence)
        + ") as t(researcher_id, year, country_iso3)"
    )
    con.execute(
        "create table staging.researchers as select researcher_id::bigint as researcher_id, "
        "first::bigint as first_quantum_year, 2017::bigint as last_quantum_year, "
        "1::bigint as quantum_works, 'x' as name_in_works from (values "
        + ", ".join(f"({r}, {y})" for r, y in first_years.items())
        + ") as t(researcher_id, first)"
    )
    con.execute(
        "create table staging.authors (author_id varchar, is_deleted boolean, "
        "schema_generation varchar)"
    )


def test_a_first_quantum_year_carried_between_observations_produces(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # researcher 1: profile DEU 2014 (another field), a first in-scope work in 2015 with no
    # affiliation, USA from 2016. 2015 is carried DEU (a gap of one year) and counts among
    # DEU's active researchers, so DEU produced them in 2015, and they left it. Researcher 2:
    # first in-scope work 2010 unplaced, with no observation before it: the next observed
    # year, FRA 2011, produces them.
    profile_trail(
        con, [(1, 2014, "DEU"), (1, 2016, "USA"), (1, 2017, "USA"), (2, 2011, "FRA")],
        {1: 2015, 2: 2010},
    )  # fmt: skip
    for table in ("core.researcher_years", "core.researcher_moves", "core.researchers"):
        run_sql(con, table)
    producers = con.execute(
        "select researcher_id, producer_iso3, producer_year, latest_iso3 "
        "from core.researchers order by 1"
    ).fetchall()
    assert producers == [(1, "DEU", 2015, "USA"), (2, "FRA", 2011, "FRA")]
    # and the move DEU -> USA of 2016 leaves from 2015, a year of the quantum career: it
    # counts, as DEU's outflow of a researcher it produced
    moves = con.execute(
        "select researcher_id, from_year, year, counted from core.researcher_moves"
    ).fetchall()
    assert moves == [(1, 2014, 2016, True)]


def test_a_researcher_placed_only_before_the_quantum_career_is_no_destination(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # researcher 1: profile DEU 2010-2012, a first in-scope work in 2015 and nothing after:
    # never placed in the quantum career, so neither produced nor last seen anywhere.
    # Researcher 2: FRA 2014 and 2016 around a first work in 2015 (carried): produced in FRA,
    # last seen there. Researcher 3: DEU 2015, USA 2017: produced in DEU, arrived in the USA.
    evidence = [
        (1, 2010, "DEU"), (1, 2011, "DEU"), (1, 2012, "DEU"), (2, 2014, "FRA"),
        (2, 2016, "FRA"), (3, 2015, "DEU"), (3, 2017, "USA"),
    ]  # fmt: skip
    profile_trail(con, evidence, {1: 2015, 2: 2015, 3: 2015})
    con.execute(
        "create table core.researcher_approaches as select researcher_id, 'all' as approach "
        "from range(1, 4) as t(researcher_id)"
    )
    for table in (
        "core.researcher_years", "core.researcher_moves", "core.researchers",
        "indicators.workforce_producers",
    ):  # fmt: skip
        run_sql(con, table)
    placed = con.execute(
        "select researcher_id, producer_iso3, latest_iso3 from core.researchers order by 1"
    ).fetchall()
    assert placed == [(1, None, "DEU"), (2, "FRA", "FRA"), (3, "DEU", "USA")]
    producers = con.execute(
        "select country_iso3, produced, stayed, left_abroad, arrived, last_seen, net_gain "
        "from indicators.workforce_producers order by 1"
    ).fetchall()
    assert producers == [
        ("DEU", 1, 0, 1, 0, 0, -1),
        ("FRA", 1, 1, 0, 0, 1, 0),
        ("USA", 0, 0, 0, 1, 1, 1),
    ]
    # and the contract's check that both sides count the same researchers finds nothing
    contract = load_contract(SQL_DIR / "indicators" / "workforce_producers.yml")
    assert [con.execute(check["sql"]).fetchall() for check in contract.checks] == [[]]


def test_merges_that_come_round_again_make_one_researcher(con: duckdb.DuckDBPyConnection) -> None:
    # A1 into A2 and A2 back into A1, A0 into A1; A7 into A8, A8 into A9, A9 into A7; A3 into
    # A4 (a plain merge). Each cycle is one researcher, its first id in text order, and so
    # is the id merged into it.
    # C1 to C7 make a cycle of seven, longer than half the ten steps followed
    merges = [
        ("A1", "A2"), ("A2", "A1"), ("A0", "A1"), ("A7", "A8"), ("A8", "A9"), ("A9", "A7"),
        ("A3", "A4"), *((f"C{i}", f"C{i % 7 + 1}") for i in range(1, 8)),
    ]  # fmt: skip
    replace_table(
        con, "raw.openalex_author_merged_ids",
        pl.DataFrame([("2026-01-01", old, new, "merged_ids_authors.csv") for old, new in merges],
                     schema=SCHEMAS["raw.openalex_author_merged_ids"], orient="row"),
    )  # fmt: skip
    con.execute(
        "create table raw.openalex_merged_ids "
        "(merge_date varchar, old_id varchar, merge_into_id varchar, source_file varchar)"
    )
    run_sql(con, "staging.author_merges")
    canonical = con.execute(
        "select author_id, canonical_id from staging.author_merges order by 1"
    ).fetchall()
    assert canonical == [
        ("A0", "A1"), ("A1", "A1"), ("A2", "A1"), ("A3", "A4"), ("A7", "A7"), ("A8", "A7"),
        ("A9", "A7"), *((f"C{i}", "C1") for i in range(1, 8)),
    ]  # fmt: skip


def test_a_live_record_under_a_merged_id_beats_a_deleted_placeholder(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # A2 (live, older) was merged into A1, whose own record is a deleted placeholder: the
    # researcher's record is A2's, so its profile trail is kept
    records = [
        {"author_id": author, "display_name": name, "orcid": None, "works_count": 1,
         "is_deleted": deleted, "affiliations_listed": 0, "updated_date": updated,
         "schema_generation": "current", "source_file": "f", "source_sha256": "f",
         "record_index": index, "record_key": f"f:{index}"}
        for index, (author, name, deleted, updated) in enumerate(
            [("A1", "Deleted", True, "2026-02-01"), ("A2", "Ada Live", False, "2025-01-01")]
        )
    ]  # fmt: skip
    replace_table(
        con, "raw.openalex_authors", pl.DataFrame(records, schema=SCHEMAS["raw.openalex_authors"])
    )
    con.execute(
        "create table staging.author_merges as select 'A2' as author_id, 'A1' as canonical_id"
    )
    run_sql(con, "staging.authors")
    kept = con.execute(
        "select author_id, display_name, is_deleted, records_seen from staging.authors"
    ).fetchall()
    assert kept == [("A1", "Ada Live", False, 2)]


def test_career_stages_carry_their_small_number_and_open_year_flags(
    con: duckdb.DuckDBPyConnection,
) -> None:
    frames = reference_frames()
    for table in ("ref.methods", "ref.countries"):
        replace_table(con, table, frames[table])
    now = con.execute("select year(current_date)").fetchone()[0]
    # workforce_max_gap_years 2, small_n_threshold 10, workforce_small_flow 5
    con.execute(
        "create table indicators.workforce_career_stages as select * from (values "
        f"('DEU', 'all', {now - 3}, 'senior', 12, 3, 2), "
        f"('DEU', 'all', {now - 2}, 'senior', 9, 2, 2), "
        f"('DEU', 'all', {now}, 'senior', 30, 0, 1)) "
        "as t(country_iso3, approach, year, career_stage, active, inflow, outflow)"
    )
    run_sql(con, "marts.workforce_career_stages")
    flags = con.execute(
        "select year - ?, small_n, small_flow, year_incomplete, flows_year_incomplete "
        "from marts.workforce_career_stages order by year",
        [now],
    ).fetchall()
    assert flags == [
        (-3, False, False, False, False),  # 12 active, 5 moves: neither small; closed
        (-2, True, True, True, False),  # 9 active, 4 moves; placements still open
        (0, False, True, True, True),  # the year still running
    ]


def test_the_worlds_career_stages_add_up_the_countries_before_any_suppression(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # 2019, senior: Germany 12 active and 3 arrivals, France 2 active (small) and 1 arrival,
    # China 3 active; 2020, senior: Germany 4 active, no move anywhere. The world's 2019 is
    # 17 active and 4 moves; its 2020 is small (4 active, 0 moves)
    frames = reference_frames()
    for table in ("ref.methods", "ref.countries"):
        replace_table(con, table, frames[table])
    con.execute(
        "create table indicators.workforce_career_stages as select * from (values "
        "('DEU', 'all', 2019, 'senior', 12, 3, 0), ('FRA', 'all', 2019, 'senior', 2, 1, 2), "
        "('CHN', 'all', 2019, 'senior', 3, 0, 2), ('DEU', 'all', 2020, 'senior', 4, 0, 0)) "
        "as t(country_iso3, approach, year, career_stage, active, inflow, outflow)"
    )
    query = (
        "select year, active, moves, small_n, small_flow "
        "from marts.workforce_career_stages_world order by year"
    )
    run_sql(con, "marts.workforce_career_stages_world")
    assert con.execute(query).fetchall() == [
        (2019, 17, 4, False, True),  # 4 moves: under workforce_small_flow (5)
        (2020, 4, 0, True, True),
    ]
    # suppressing: France's small row does not hide the world's 2019 active researchers
    replace_table(con, PUBLICATION_SETTINGS, publication_settings("suppress"))
    run_sql(con, "core.small_numbers")
    run_sql(con, "marts.workforce_career_stages_world")
    assert con.execute(query).fetchall() == [
        (2019, 17, None, False, True),
        (2020, None, None, True, True),
    ]
    contract = load_contract(SQL_DIR / "marts" / "workforce_career_stages_world.yml")
    assert [con.execute(c["sql"]).fetchall() for c in contract.checks] == [[]]


def test_a_move_counts_in_the_approaches_worked_in_before_the_arrival(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # researcher 1 works on neutral atoms from 2018 in FRA, arrives in GBR in 2020 and takes
    # up QKD there that year: the move is FRA's loss and GBR's gain in all and neutral
    # atoms; QKD is GBR's own (FRA never had a QKD researcher to lose). Researcher 2 had
    # QKD since 2015: their move of 2020 counts there.
    replace_table(con, "ref.methods", reference_frames()["ref.methods"])
    con.execute("create table staging.works as select 'W1' as work_id, 2020 as publication_year")
    con.execute(
        "create table core.researcher_moves as select * from (values "
        "(1, 2019, 2020, 'FRA', 'GBR', false, true), (2, 2019, 2020, 'FRA', 'GBR', false, true)"
        ") as t(researcher_id, from_year, year, origin_iso3, destination_iso3, is_return, counted)"
    )
    con.execute(
        "create table core.researcher_approaches as select * from (values "
        "(1, 'all', 2018), (1, 'neutral_atom', 2018), (1, 'qkd', 2020), "
        "(2, 'all', 2015), (2, 'qkd', 2015)) as t(researcher_id, approach, first_year)"
    )
    run_sql(con, "indicators.workforce_flow_matrix")
    matrix = con.execute(
        "select approach, origin_iso3, destination_iso3, year, moves "
        "from indicators.workforce_flow_matrix order by approach"
    ).fetchall()
    assert matrix == [
        ("all", "FRA", "GBR", 2020, 2),
        ("neutral_atom", "FRA", "GBR", 2020, 1),
        ("qkd", "FRA", "GBR", 2020, 1),
    ]
