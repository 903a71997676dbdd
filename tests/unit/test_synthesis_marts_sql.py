"""The synthesis marts' SQL on hand-made scores: every flag and choice below is worked out by
hand.

Four years, NOW - 3 to NOW, each with the same scores. In every family China leads (score
1, rank 1); the United States and Germany share rank 2 with the same share reached by
different sums (1/35 as the sum of three 1/105, a bit above 1/35 in a double: the
United States' value is the larger by that bit). In publications France is second (0.6,
rank 2) and the two others third. The composite: China 1, France 0.2 (rank 2), the United
States and Germany tied third. Blocs: NATO (the United States, Germany, France), G7 (the
United States, Germany) and QUAD (India, which has no score). Reach 0.5. Trade: the year
before NOW had too few reporters; NOW has no trade year at all. No capability results: the
frontier test's capability cases add their own (``qkd_scores``).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from assets.reference.tables import read_csv
from tests.unit.test_core_sql import run_sql
from tests.unit.test_long_views import create_from_contract

pytestmark = pytest.mark.unit

NOW = dt.date.today().year
YEARS = range(NOW - 3, NOW + 1)
FAMILIES = ("publications", "patents", "workforce", "supply_chain")
ONE_35 = 1 / 35
SUMMED = sum([1 / 105] * 3)  # 1/35 as three 1/105: a bit larger in a double
BLOCS = {"NATO": ("USA", "DEU", "FRA"), "G7": ("USA", "DEU"), "QUAD": ("IND",)}


def score(con: duckdb.DuckDBPyConnection, *row: object, approach: str = "all") -> None:
    """One row of indicators.synthesis_scores: entity type and code, year, family, value
    (= score here), rank; the families the composite averages."""
    kind, code, year, family, value, rank = row
    con.execute(
        "insert into indicators.synthesis_scores (entity_type, entity_code, approach, year, "
        "family, measure, value, score, rank, families) values (?, ?, ?, ?, ?, 'share', "
        "?, ?, ?, ?)",
        [kind, code, approach, year, family, value, value, rank, ",".join(sorted(FAMILIES))],
    )


@pytest.fixture
def marts(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The hand-made scores and references; marts.synthesis_scores, frontier and
    frontier_blocs built from their SQL."""
    for table in (
        "indicators.synthesis_scores", "ref.synthesis_weights", "ref.synthesis_settings",
        "meta.source_files", "core.trade_years", "ref.countries", "ref.blocs",
        "core.bloc_member_years", "indicators.frontier_institutions", "meta.source_snapshots",
        "marts.capability_countries",
    ):  # fmt: skip
        create_from_contract(con, table)
    con.register("_methods", read_csv("methods.csv"))
    con.execute("create table ref.methods as select * from _methods")
    con.execute(
        "insert into ref.synthesis_settings values ('reach', '0.5', ''), ('focus_bloc', 'NATO', '')"
    )
    con.execute("insert into meta.source_files (data_kind) values ('synthetic sample')")
    for family in FAMILIES:
        con.execute("insert into ref.synthesis_weights values (?, 1, 0.25)", [family])
    con.execute(
        "insert into core.trade_years (year, incomplete) values (?, false), (?, false), (?, true)",
        [NOW - 3, NOW - 2, NOW - 1],
    )
    for iso3, name in (("CHN", "China"), ("USA", "United States"), ("DEU", "Germany"),
                       ("FRA", "France"), ("IND", "India")):  # fmt: skip
        con.execute("insert into ref.countries (iso3, name) values (?, ?)", [iso3, name])
    for bloc, members in BLOCS.items():
        con.execute("insert into ref.blocs (bloc, name) values (?, ?)", [bloc, bloc])
        for iso3 in members:
            for year in YEARS:
                con.execute(
                    "insert into core.bloc_member_years values (?, ?, ?)", [bloc, iso3, year]
                )
    for year in YEARS:
        for family in FAMILIES:
            second = 3 if family == "publications" else 2
            score(con, "country", "CHN", year, family, 1.0, 1)
            score(con, "country", "USA", year, family, SUMMED, second)
            score(con, "country", "DEU", year, family, ONE_35, second)
            if family == "publications":
                score(con, "country", "FRA", year, family, 0.6, 2)
        score(con, "country", "CHN", year, "composite", 1.0, 1)
        score(con, "country", "FRA", year, "composite", 0.2, 2)
        score(con, "country", "USA", year, "composite", SUMMED, 3)
        score(con, "country", "DEU", year, "composite", ONE_35, 3)
        for bloc in BLOCS:
            score(con, "bloc", bloc, year, "composite", 0.0 if bloc == "QUAD" else 0.5, None)
    build(con)
    return con


def build(con: duckdb.DuckDBPyConnection) -> None:
    """marts.synthesis_scores, frontier and frontier_blocs from their SQL."""
    for table in ("marts.synthesis_scores", "marts.frontier", "marts.frontier_blocs"):
        run_sql(con, table)


def test_each_familys_year_is_incomplete_by_its_own_rule(
    marts: duckdb.DuckDBPyConnection,
) -> None:
    flagged = marts.execute(
        "select family, list(distinct year - ? order by year - ?) from marts.synthesis_scores "
        "where year_incomplete group by family order by family",
        [NOW, NOW],
    ).fetchall()
    # patents: the priority year before too; researchers: the two years before too; trade:
    # the year with too few reporters and the year with none; the composite: any of them
    assert flagged == [
        ("composite", [-2, -1, 0]),
        ("patents", [-1, 0]),
        ("publications", [0]),
        ("supply_chain", [-1, 0]),
        ("workforce", [-2, -1, 0]),
    ]


def test_the_latest_year_the_works_and_patents_reach_is_incomplete_before_the_current(
    marts: duckdb.DuckDBPyConnection,
) -> None:
    # the works and the patent families read end two years ago (an older snapshot): that
    # year is still filling for publications, the year before it too for patents, and the
    # researchers follow the works (incomplete_year_rule); trade keeps its own years
    marts.execute(
        "delete from indicators.synthesis_scores where year > ? "
        "and family in ('publications', 'patents', 'workforce')",
        [NOW - 2],
    )
    build(marts)
    flagged = marts.execute(
        "select family, list(distinct year - ? order by year - ?) from marts.synthesis_scores "
        "where year_incomplete and family <> 'composite' group by family order by family",
        [NOW, NOW],
    ).fetchall()
    assert flagged == [
        ("patents", [-3, -2]),
        ("publications", [-2]),
        ("supply_chain", [-1, 0]),
        ("workforce", [-3, -2]),
    ]


def test_the_frontier_takes_equal_ranks_as_equal_first_iso3_first(
    marts: duckdb.DuckDBPyConnection,
) -> None:
    rows = marts.execute(
        "select family, leader_iso3, leaders_tied, runner_up_iso3 from marts.frontier "
        "where year = ? order by family",
        [NOW - 3],
    ).fetchall()
    # Germany before the United States, whose value is larger by a bit of a double only
    assert rows == [
        ("composite", "CHN", 1, "FRA"),
        ("patents", "CHN", 1, "DEU"),
        ("publications", "CHN", 1, "FRA"),
        ("supply_chain", "CHN", 1, "DEU"),
        ("workforce", "CHN", 1, "DEU"),
    ]


def test_every_bloc_is_tested_one_without_a_member_with_data_a_gap(
    marts: duckdb.DuckDBPyConnection,
) -> None:
    rows = marts.execute(
        "select bloc, members_with_data, best_member_iso3, best_member_rank, "
        "families_within_reach, gap, year_incomplete from marts.frontier_blocs "
        "where year in (?, ?) order by year, bloc",
        [NOW - 3, NOW - 2],
    ).fetchall()
    # NATO: France is within reach in publications; G7: the tie at third goes to Germany,
    # never within reach; QUAD: no member with data, a gap all the same. The composite of
    # NOW - 2 is incomplete (its researchers can still be carried through it)
    expected = [
        ("G7", 2, "DEU", 3, "", True),
        ("NATO", 3, "FRA", 2, "publications", False),
        ("QUAD", 0, None, None, "", True),
    ]
    assert rows == [(*r, False) for r in expected] + [(*r, True) for r in expected]


def capability(
    con: duckdb.DuckDBPyConnection, iso3: str, year: int, metric: str, distance: float
) -> None:
    """One row of marts.capability_countries for qkd: a country's orders of magnitude from the
    best published result of ``metric`` to date (reach 0.30103: the qkd distances' reach)."""
    con.execute(
        "insert into marts.capability_countries (approach, metric, year, country_iso3, "
        "best_value, milestone_id, organisation, distance_log10, within_reach, holds_frontier, "
        "year_incomplete, method_version) values ('qkd', ?, ?, ?, 1, 'M', 'Org', ?, ?, ?, "
        "false, 'cap-1.1')",
        [metric, year, iso3, distance, distance <= 0.30103, distance == 0],
    )


@pytest.fixture
def qkd_scores(marts: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """qkd in NOW - 3: China leads every family and the composite; the United States is
    within reach in supply chain (0.75) and Germany in funding (0.8) alone, each far in the
    composite; India is within reach in funding alone (0.9), and in the composite (0.6).
    qkd in NOW - 1: Germany's capability score is 0.43 (the mean over the approach's metrics,
    0 where it has no result), but it holds the frontier of free-space distance (tied with
    China), and the United States is 0.2 orders of magnitude behind on fibre distance
    (within reach) and 2 behind on the key rate (not); no member of any bloc is within reach
    in another family or in the composite. The marts built again."""
    families = {
        NOW - 3: {
            "CHN": [("publications", 1.0, 1), ("funding", 1.0, 1), ("supply_chain", 1.0, 1),
                    ("composite", 1.0, 1)],
            "USA": [("publications", 0.2, 2), ("supply_chain", 0.75, 2), ("composite", 0.3, 3)],
            "DEU": [("publications", 0.1, 3), ("funding", 0.8, 3), ("composite", 0.25, 4)],
            "IND": [("funding", 0.9, 2), ("composite", 0.6, 2)],
        },
        NOW - 1: {
            "CHN": [("publications", 1.0, 1), ("capability", 1.0, 1), ("composite", 1.0, 1)],
            "USA": [("publications", 0.3, 2), ("capability", 0.1, 3), ("composite", 0.25, 2)],
            "DEU": [("publications", 0.1, 3), ("capability", 0.43, 2), ("composite", 0.2, 3)],
        },
    }  # fmt: skip
    for year, countries in families.items():
        for iso3, rows in countries.items():
            for family, value, rank in rows:
                score(marts, "country", iso3, year, family, value, rank, approach="qkd")
        for bloc in BLOCS:
            score(marts, "bloc", bloc, year, "composite", 0.3, None, approach="qkd")
    for metric in ("qkd_free_space_distance_km", "qkd_fibre_distance_km", "secret_key_rate_bps"):
        capability(marts, "CHN", NOW - 1, metric, 0.0)
    capability(marts, "DEU", NOW - 1, "qkd_free_space_distance_km", 0.0)
    capability(marts, "USA", NOW - 1, "qkd_fibre_distance_km", 0.2)
    capability(marts, "USA", NOW - 1, "secret_key_rate_bps", 2.0)
    build(marts)
    return marts


def test_funding_or_supply_chain_alone_is_a_gap_the_composite_is_not(
    qkd_scores: duckdb.DuckDBPyConnection,
) -> None:
    rows = qkd_scores.execute(
        "select bloc, best_member_iso3, families_within_reach, capability_metrics_within_reach, "
        "gap from marts.frontier_blocs where approach = 'qkd' and year = ? order by bloc",
        [NOW - 3],
    ).fetchall()
    # funding and supply chain are shown among the families within reach, but do not cover;
    # India's composite does
    assert rows == [
        ("G7", "USA", "funding,supply_chain", "", True),
        ("NATO", "USA", "funding,supply_chain", "", True),
        ("QUAD", "IND", "funding", "", False),
    ]


def test_a_member_within_reach_of_a_capability_metric_covers_the_frontier(
    qkd_scores: duckdb.DuckDBPyConnection,
) -> None:
    rows = qkd_scores.execute(
        "select approach, bloc, members_with_data, families_within_reach, "
        "capability_metrics_within_reach, gap from marts.frontier_blocs "
        "where year = ? order by approach, bloc",
        [NOW - 1],
    ).fetchall()
    # Germany's capability score (0.43) is below reach, yet it holds the free-space frontier
    # and the United States is within reach on fibre (not on the key rate): G7 and NATO are
    # covered in capability. In 'all' the same results count, named with their approach
    both = "qkd_fibre_distance_km,qkd_free_space_distance_km"
    assert rows == [
        ("all", "G7", 2, "capability", "qkd:" + both.replace(",", ",qkd:"), False),
        ("all", "NATO", 3, "capability,publications", "qkd:" + both.replace(",", ",qkd:"), False),
        ("all", "QUAD", 0, "", "", True),
        ("qkd", "G7", 2, "capability", both, False),
        ("qkd", "NATO", 2, "capability", both, False),
        ("qkd", "QUAD", 0, "", "", True),
    ]
