"""The long and wide views of the marts, run on hand-made family marts: one set of columns
in every family, the family's dimensions and flags folded into text, and Wilson intervals
that match a hand computation."""

from __future__ import annotations

import math
from statistics import NormalDist

import duckdb
import pytest

from assets.reference.tables import indicator_definitions, read_csv
from pipelines.contracts import load_contracts
from pipelines.settings import SQL_DIR

pytestmark = pytest.mark.unit

FAMILY_MARTS = (
    "marts.publication_indicators",
    "marts.patent_indicators",
    "marts.funding_indicators",
    "marts.workforce_indicators",
    "marts.supply_chain_indicators",
    "marts.capability_countries",
    "marts.capability_summary",
    "marts.milestone_metrics",
    "marts.security_indicators",
    "marts.synthesis_scores",
    "meta.synthesis_settings",
    "meta.source_snapshots",
    "marts.milestones",
)
LONG_VIEWS = (
    "publications_long",
    "patents_long",
    "funding_long",
    "workforce_long",
    "supply_chain_long",
    "capability_long",
    "security_long",
    "synthesis_long",
)
Z = 1.6448536269514722


def create_from_contract(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """An empty ``table`` with the columns and types its contract promises."""
    columns = load_contracts(SQL_DIR)[table].columns
    con.execute(f"create table {table} ({', '.join(f'{c.name} {c.type}' for c in columns)})")


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    """The reviewed methods and definitions as meta tables, empty family marts, and every
    long and wide view from its SQL file."""
    con.register("_methods", read_csv("methods.csv"))
    con.execute("create table meta.methods as select * from _methods")
    con.register("_indicators", indicator_definitions())
    con.execute("create table meta.indicators as select * from _indicators")
    for table in FAMILY_MARTS:
        create_from_contract(con, table)
    insert(con, "meta.synthesis_settings", key="interval", value="0.9")
    for name in ("record_shares_long", *LONG_VIEWS, "indicators_long", "country_headlines_wide"):
        sql = (SQL_DIR / "marts" / f"{name}.sql").read_text(encoding="utf-8")
        con.execute(f"create view marts.{name} as\n{sql}")


def insert(con: duckdb.DuckDBPyConnection, table: str, **values: object) -> None:
    """One row into ``table``; columns left out are null."""
    names = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    con.execute(f"insert into {table} ({names}) values ({marks})", list(values.values()))


def share_row(con: duckdb.DuckDBPyConnection, table: str, indicator: str, **values: object) -> None:
    """A row of a family mart for country FRA, approach all, 2020: the usual series of each
    family (applicant counting, all families, grants of all funders, approach level; columns
    the table lacks are left out), then ``values``."""
    row = {
        "entity_type": "country",
        "entity_code": "FRA",
        "entity_name": "France",
        "approach": "all",
        "year": 2020,
        "indicator": indicator,
        "unit": "share (0-1)",
        "counting": "applicant",
        "family_scope": "all",
        "funding_kind": "grants",
        "funder_scope": "all",
        "level": "approach",
        "small_n": False,
        "year_incomplete": False,
        "series_break": False,
        "value_missing": False,
        "latest_year_incomplete": False,
        "method_version": "v-1",
        "data_kind": "synthetic sample",
    }
    present = {r[0] for r in con.execute(f"describe {table}").fetchall()}
    insert(con, table, **{k: v for k, v in row.items() if k in present} | values)


def wilson_by_hand(p: float, n: float, z: float) -> tuple[float, float]:
    """The Wilson interval as the roots of (p - q)^2 = z^2 q (1 - q) / n in q."""
    a, b, c = 1 + z * z / n, -(2 * p + z * z / n), p * p
    root = math.sqrt(b * b - 4 * a * c)
    return (-b - root) / (2 * a), (-b + root) / (2 * a)


def test_the_interval_level_and_z_are_in_step() -> None:
    methods = {r["key"]: r["value"] for r in read_csv("methods.csv").iter_rows(named=True)}
    level = float(methods["share_interval_level"])
    assert float(methods["share_interval_z"]) == Z
    assert NormalDist().inv_cdf((1 + level) / 2) == pytest.approx(Z, abs=1e-12)


def test_shares_of_records_get_the_wilson_interval_computed_by_hand(
    con: duckdb.DuckDBPyConnection,
) -> None:
    create_views(con)
    shares = [  # table, indicator, value, numerator, denominator
        ("publication", "world_share", 0.2, 10.0, 50.0),  # 10 of 50 works
        ("publication", "pp_top10", 0.2, 2.5, 12.5),  # a fractional count is used as it is
        ("patent", "patent_world_share", 0.0, 0.0, 40.0),  # none of 40 families
        ("workforce", "retention_5y", 1.0, 3.0, 3.0),  # all of 3 researchers
        ("publication", "industry_share", 0.5, 1.0, 2.0),  # links are not records: none
        ("publication", "publications_whole", 7.0, 7.0, None),  # a count: none
    ]
    for family, indicator, value, numerator, denominator in shares:
        share_row(con, f"marts.{family}_indicators", indicator, value=value, numerator=numerator,
                  denominator=denominator)  # fmt: skip
    rows = {
        r[0]: r[1:]
        for r in con.execute(
            "select indicator, value_low, value_high, interval_method from marts.indicators_long"
        ).fetchall()
    }
    # the roots of the quadratic for 10 of 50 at z = 1.6449: 0.12347 and 0.30733
    low, high, method = rows["world_share"]
    assert (round(low, 5), round(high, 5), method) == (0.12347, 0.30733, "wilson-90")
    assert (low, high) == pytest.approx(wilson_by_hand(0.2, 50, Z), abs=1e-12)
    assert rows["pp_top10"][:2] == pytest.approx(wilson_by_hand(0.2, 12.5, Z), abs=1e-12)
    # at p = 0 or 1 the interval ends at the value; its other end is z^2 / (n + z^2) away
    low, high, _ = rows["patent_world_share"]
    assert low == 0 and round(high, 5) == 0.06335
    assert high == pytest.approx(Z * Z / (40 + Z * Z), abs=1e-12)
    low, high, _ = rows["retention_5y"]
    assert high == 1 and low == pytest.approx(3 / (3 + Z * Z), abs=1e-12)
    assert rows["industry_share"] == (None, None, None)
    assert rows["publications_whole"] == (None, None, None)


def test_every_long_view_has_the_same_columns_in_the_same_order(
    con: duckdb.DuckDBPyConnection,
) -> None:
    create_views(con)
    contracts = load_contracts(SQL_DIR)
    shared = contracts["marts.indicators_long"].columns
    expected = [(c.name, c.type) for c in shared]
    assert [name for name, _ in expected][:8] == [
        "family", "entity_type", "entity_code", "entity_name", "approach", "year", "indicator",
        "variant",
    ]  # fmt: skip
    for name in (*LONG_VIEWS, "indicators_long"):
        actual = [r[:2] for r in con.execute(f"describe marts.{name}").fetchall()]
        assert actual == expected, name
        contract = contracts[f"marts.{name}"]
        assert contract.materialized == "view"
        assert [(c.name, c.type, c.description) for c in contract.columns] == [
            (c.name, c.type, c.description) for c in shared
        ], name


def test_dimensions_fold_into_variant_and_flags_into_text(con: duckdb.DuckDBPyConnection) -> None:
    create_views(con)
    share_row(con, "marts.funding_indicators", "grant_funding_usd", value=5.0, funder_scope="nsf",
              conversion_gaps=2, has_bounds=True)  # fmt: skip
    share_row(con, "marts.funding_indicators", "commitment_usd", value=9.0,
              funding_kind="programmes", conversion_gaps=0, has_bounds=False)  # fmt: skip
    share_row(con, "marts.supply_chain_indicators", "exports", value=3.0, level="component",
              hs_code="854231", approach=None, mirror_share=0.25, series_break=True,
              latest_year_incomplete=True)  # fmt: skip
    share_row(con, "marts.supply_chain_indicators", "imports_from_bloc_share", value=0.5,
              bloc="EU27", mirror_share=0.0)  # fmt: skip
    rows = con.execute(
        "select family, indicator, approach, variant, flags, small_n, year_incomplete "
        "from marts.indicators_long order by family, indicator"
    ).fetchall()
    assert rows == [
        ("funding", "commitment_usd", "all", "funding_kind=programmes; funder_scope=all", "",
         False, False),
        ("funding", "grant_funding_usd", "all", "funding_kind=grants; funder_scope=nsf",
         "has_bounds; conversion_gaps", False, False),
        ("supply_chain", "exports", None, "level=component; hs_code=854231",
         "series_break; mirror_share", False, True),
        ("supply_chain", "imports_from_bloc_share", "all", "level=approach; bloc=EU27", "",
         False, False),
    ]  # fmt: skip


def test_a_capability_result_gives_three_rows_and_the_summary_a_world_row(
    con: duckdb.DuckDBPyConnection,
) -> None:
    create_views(con)
    insert(con, "marts.milestone_metrics", metric="physical_qubits", unit="qubits")
    # the year's flag is the marts', fixed when the build ran (here: still open)
    result = {"approach": "superconducting", "metric": "physical_qubits", "year": 2023,
              "year_incomplete": True, "method_version": "cap-1.0"}  # fmt: skip
    insert(con, "marts.capability_countries", **result, country_iso3="USA",
           country_name="United States", best_value=1121.0, milestone_id="M1", organisation="IBM",
           distance_log10=0.0, within_reach=True, holds_frontier=True)  # fmt: skip
    insert(con, "marts.capability_summary", **result, countries_with_result=2,
           countries_within_reach=1)  # fmt: skip
    rows = con.execute(
        "select entity_code, indicator, variant, value, unit, flags, data_kind "
        "from marts.capability_long order by entity_code, indicator"
    ).fetchall()
    flags = con.execute("select distinct year_incomplete from marts.capability_long").fetchall()
    assert flags == [(True,)]
    kind = "reviewed reference table"
    assert rows == [
        ("USA", "best_value", "metric=physical_qubits", 1121.0, "qubits", "holds_frontier", kind),
        ("USA", "distance_log10", "metric=physical_qubits", 0.0, "orders of magnitude",
         "holds_frontier", kind),
        ("USA", "within_reach", "metric=physical_qubits", 1.0, "true/false", "holds_frontier",
         kind),
        ("WLD", "countries_within_reach", "metric=physical_qubits", 1.0, "countries", "", kind),
    ]  # fmt: skip


def test_the_wide_view_puts_each_family_headline_in_its_column(
    con: duckdb.DuckDBPyConnection,
) -> None:
    create_views(con)
    share_row(con, "marts.publication_indicators", "world_share", value=0.2)
    share_row(con, "marts.publication_indicators", "world_share", value=0.4, entity_type="bloc",
              entity_code="EU27")  # fmt: skip
    # only the headline series of each family: applicant counting and all families, grants of
    # all funders, the approach level of trade without a bloc
    for counting, scope, value in [("applicant", "all", 0.3), ("inventor", "all", 0.6),
                                   ("applicant", "international", 0.9)]:  # fmt: skip
        share_row(con, "marts.patent_indicators", "patent_world_share", value=value,
                  counting=counting, family_scope=scope)  # fmt: skip
    for scope, value in [("all", 100.0), ("nsf", 40.0)]:
        share_row(con, "marts.funding_indicators", "grant_funding_usd_constant", value=value,
                  funder_scope=scope)  # fmt: skip
    for level, code, bloc, value in [("approach", None, None, 0.1), ("approach", None, "G7", 0.7),
                                     ("component", "854231", None, 0.8)]:  # fmt: skip
        share_row(con, "marts.supply_chain_indicators", "import_dependence", value=value,
                  level=level, hs_code=code, bloc=bloc)  # fmt: skip
    share_row(con, "marts.workforce_indicators", "net_flow", value=-4.0, year=2021)
    rows = con.execute(
        "select country_iso3, year, world_share, patent_world_share, grant_funding_usd_constant, "
        "import_dependence, net_flow, publications_fractional "
        "from marts.country_headlines_wide order by year"
    ).fetchall()
    assert rows == [
        ("FRA", 2020, 0.2, 0.3, 100.0, 0.1, None, None),
        ("FRA", 2021, None, None, None, None, -4.0, None),
    ]


def test_security_passes_its_interval_through_and_synthesis_gives_scores_and_ranks(
    con: duckdb.DuckDBPyConnection,
) -> None:
    create_views(con)
    share_row(con, "marts.security_indicators", "coauthorship_concern_share", value=0.1,
              value_low=0.05, value_high=0.2, concern_set="US_FOREIGN_ADVERSARIES")  # fmt: skip
    score = {"entity_type": "country", "entity_code": "USA", "approach": "all", "year": 2024,
             "score": 1.0, "score_low": 0.8, "score_high": 1.0, "is_leader": True,
             "within_reach": True, "method_version": "syn-1.0"}  # fmt: skip
    insert(con, "marts.synthesis_scores", **score, family="composite", rank=1, rank_low=1,
           rank_high=2)  # fmt: skip
    score |= {"entity_type": "bloc", "entity_code": "EU27", "score": 0.7, "is_leader": False}
    insert(con, "marts.synthesis_scores", **score, family="composite")
    rows = con.execute(
        "select family, entity_code, indicator, variant, value, value_low, value_high, "
        "interval_method, flags from marts.indicators_long order by family, entity_code, indicator"
    ).fetchall()
    assert rows == [
        ("security", "FRA", "coauthorship_concern_share", "concern_set=US_FOREIGN_ADVERSARIES",
         0.1, 0.05, 0.2, "wilson-90", ""),
        # a bloc is scored, not ranked
        ("synthesis", "EU27", "synthesis_score", "family=composite", 0.7, 0.8, 1.0,
         "bootstrap-90", "within_reach"),
        ("synthesis", "USA", "synthesis_rank", "family=composite", 1.0, 1.0, 2.0, "bootstrap-90",
         "is_leader; within_reach"),
        ("synthesis", "USA", "synthesis_score", "family=composite", 1.0, 0.8, 1.0,
         "bootstrap-90", "is_leader; within_reach"),
    ]  # fmt: skip
    wide = con.execute(
        "select country_iso3, composite_score, composite_rank, composite_rank_low, "
        "composite_rank_high from marts.country_headlines_wide"
    ).fetchall()
    assert wide == [("USA", 1.0, 1, 1, 2)]


def test_each_row_names_the_snapshots_of_what_feeds_it(con: duckdb.DuckDBPyConnection) -> None:
    create_views(con)
    for source, feeds in (
        ("openalex", ["publications", "workforce", "security:coauthorship"]),
        ("epo_ops", ["patents", "security:copatent"]),
        ("nsf", ["funding:grants", "security:grant_consortium"]),
        ("ukri", ["funding:grants", "security:grant_consortium"]),
        ("marts.funding_programmes", ["funding:programmes"]),
        ("marts.fx_rates", ["funding:conversions"]),
        ("comtrade", ["supply_chain"]),
    ):
        insert(con, "meta.source_snapshots", source=source, snapshot=f"{source}@1", feeds=feeds)
    share_row(con, "marts.publication_indicators", "world_share", value=0.2)
    share_row(con, "marts.patent_indicators", "patent_world_share", value=0.1)
    share_row(con, "marts.funding_indicators", "commitment_usd", value=9.0,
              funding_kind="programmes")  # fmt: skip
    share_row(con, "marts.funding_indicators", "grant_funding_usd", value=5.0, funder_scope="nsf")
    share_row(con, "marts.funding_indicators", "grant_funding_usd", value=7.0)
    share_row(con, "marts.supply_chain_indicators", "exports", value=3.0)
    share_row(con, "marts.security_indicators", "grant_consortium_concern_share", value=0.1,
              concern_set="TEST")  # fmt: skip
    named = dict(
        con.execute(
            "select family || ' ' || variant, source_snapshot from marts.indicators_long"
        ).fetchall()
    )
    assert named == {
        "publications ": "openalex@1",
        "patents counting=applicant; family_scope=all": "epo_ops@1",
        # the programme figures, or the funder scope's grants, with the conversion tables
        "funding funding_kind=programmes; funder_scope=all":
            "marts.funding_programmes@1, marts.fx_rates@1",
        "funding funding_kind=grants; funder_scope=nsf": "marts.fx_rates@1, nsf@1",
        "funding funding_kind=grants; funder_scope=all": "marts.fx_rates@1, nsf@1, ukri@1",
        "supply_chain level=approach": "comtrade@1",
        # a security channel its own records: the grants'
        "security concern_set=TEST": "nsf@1, ukri@1",
    }  # fmt: skip


def test_a_synthesis_score_names_its_numerator_and_the_leaders_value(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # patents, all, 2024: the USA leads with 0.4 of the families, CHN 0.3 (score 0.75), the
    # EU27 0.32 (score 0.8, a bloc: not the leader); a rank has neither
    create_views(con)
    for kind, code, value, rank in (
        ("country", "USA", 0.4, 1), ("country", "CHN", 0.3, 2), ("bloc", "EU27", 0.32, None)
    ):  # fmt: skip
        insert(con, "marts.synthesis_scores", entity_type=kind, entity_code=code,
               approach="all", year=2024, family="patents", value=value, score=value / 0.4,
               score_low=0.0, score_high=1.0, rank=rank, rank_low=rank, rank_high=rank,
               method_version="syn-1.8")  # fmt: skip
    rows = con.execute(
        "select entity_code, indicator, round(value, 9), numerator, denominator "
        "from marts.synthesis_long order by entity_code, indicator"
    ).fetchall()
    assert rows == [
        ("CHN", "synthesis_rank", 2.0, None, None),
        ("CHN", "synthesis_score", 0.75, 0.3, 0.4),
        ("EU27", "synthesis_score", 0.8, 0.32, 0.4),
        ("USA", "synthesis_rank", 1.0, None, None),
        ("USA", "synthesis_score", 1.0, 0.4, 0.4),
    ]
