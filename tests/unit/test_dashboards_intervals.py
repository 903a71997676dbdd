"""The intervals the pages show are the published ones: on a file whose long views come from
their SQL files (and methods from methods.csv, level 0.9), a chart's interval equals the
interval marts.*_long publishes for the same row, and one the charts compute over several
years is the Wilson interval at that level, worked out by hand."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from dashboards.data import SiteData, load
from dashboards.families import bibliometric, common, patents, workforce
from tests.site_pages import charts
from tests.unit.test_long_views import create_from_contract, create_views, insert, share_row

pytestmark = pytest.mark.unit

# the tables dashboards.data.load reads besides the family marts and meta tables that
# create_views makes
OTHER_TABLES = (
    "meta.runs",
    "meta.classifier_evaluation",
    "meta.quarantine",
    "marts.coauthorship_pairs",
    "marts.approaches",
    "marts.countries",
    "marts.blocs",
    "marts.bloc_member_years",
    "marts.patent_top_applicants",
    "marts.patent_applicant_types",
    "marts.patent_cpc_map",
)
YEAR = 2024


def _share(con: duckdb.DuckDBPyConnection, table: str, indicator: str, **values: object) -> None:
    """A row of a family mart in ``YEAR``, complete and not few (``share_row``'s other
    defaults: country FRA, approach all)."""
    share_row(con, table, indicator, year=YEAR, year_incomplete=False, small_n=False, **values)


def _published(path: Path) -> SiteData:
    """A published file at ``path`` with: publications, 10 of 50 superconducting works in
    the United States and 30 of 50 in China; patents, 4 of the world's 40 families in the
    United States in YEAR and none of 40 the year before; workforce, 9 of 10 researchers of
    Germany's YEAR cohort still there. Returns what ``load`` reads from it."""
    con = duckdb.connect(str(path))
    for schema in ("marts", "meta"):
        con.execute(f"create schema {schema}")
    create_views(con)
    for table in OTHER_TABLES:
        create_from_contract(con, table)
    insert(con, "meta.runs", run_id="r", published_at="2026-01-01", data_kind="synthetic sample")
    insert(con, "marts.approaches", approach="all", label="All")
    insert(con, "marts.approaches", approach="superconducting", label="Superconducting")
    publications = "marts.publication_indicators"
    for code, name, works in (("USA", "United States", 10.0), ("CHN", "China", 30.0)):
        _share(con, publications, "world_share", entity_code=code, entity_name=name,
               approach="superconducting", value=works / 50, numerator=works, denominator=50.0,
               works_whole=works)  # fmt: skip
    _share(con, publications, "publications_whole", entity_code="USA", value=10.0,
           numerator=10.0, works_whole=10)  # fmt: skip
    for year, families in ((YEAR - 1, 0.0), (YEAR, 4.0)):
        world = {"entity_type": "world", "entity_code": "WLD", "entity_name": "World",
                 "year": year}  # fmt: skip
        share_row(con, "marts.patent_indicators", "patent_families_whole", **world,
                  value=40.0, numerator=40.0, families_whole=40)  # fmt: skip
        if families:
            usa = {"entity_code": "USA", "entity_name": "United States", "year": year}
            share_row(con, "marts.patent_indicators", "patent_families_fractional", **usa,
                      value=families, numerator=families, families_whole=4)  # fmt: skip
            share_row(con, "marts.patent_indicators", "patent_world_share", **usa,
                      value=families / 40, numerator=families, denominator=40.0,
                      families_whole=4)  # fmt: skip
    _share(con, "marts.workforce_indicators", "retention_5y", entity_code="DEU",
           entity_name="Germany", value=0.9, numerator=9.0, denominator=10.0)  # fmt: skip
    con.close()
    return load(path)


def _long(path: Path, view: str, **keys: object) -> tuple[float, float, str]:
    """value_low, value_high and interval_method of the one row of ``view`` with ``keys``."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        where = " and ".join(f"{k} = ?" for k in keys)
        (row,) = con.execute(
            f"select value_low, value_high, interval_method from {view} where {where}",
            list(keys.values()),
        ).fetchall()
    finally:
        con.close()
    return row


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "qcm.duckdb"


def test_load_gives_each_share_its_published_interval_and_other_rows_none(path: Path) -> None:
    data = _published(path)
    assert common.interval_level(data) == 0.9
    rows = {(r["entity_code"], r["indicator"]): r for r in data.indicators.iter_rows(named=True)}
    usa = rows[("USA", "world_share")]
    assert (usa["value_low"], usa["value_high"], usa["interval_method"]) == _long(
        path, "marts.publications_long", entity_code="USA", indicator="world_share"
    )
    assert rows[("USA", "publications_whole")]["value_low"] is None  # a count gets none
    # the marts' own order is kept
    assert data.indicators["entity_code"].to_list() == ["USA", "CHN", "USA"]


def test_the_publication_ranking_draws_the_interval_of_marts_publications_long(
    path: Path,
) -> None:
    data = _published(path)
    chart = charts(bibliometric.approach(data, "superconducting"))["superconducting-ranking"]
    shown = {r["entity_code"]: r for r in chart.data.iter_rows(named=True)}
    published = _long(path, "marts.publications_long", entity_code="USA",
                      approach="superconducting", indicator="world_share")  # fmt: skip
    assert (shown["USA"]["value_low"], shown["USA"]["value_high"]) == published[:2]
    assert shown["USA"]["interval_method"] == "wilson-90"
    # 10 of 50 at 90% (z = 1.6449): centre 0.215400, half-width 0.091926 (worked out in
    # test_dashboards.py), where the 95% interval the charts used to draw was 0.1124-0.3304
    assert (round(published[0], 5), round(published[1], 5)) == (0.12347, 0.30733)
    bars = chart.figure.data[0]
    assert list(bars.y) == ["United States", "China"]  # largest on top
    assert bars.error_x.arrayminus[0] == pytest.approx(0.2 - published[0])
    assert bars.error_x.array[0] == pytest.approx(published[1] - 0.2)
    assert "90% Wilson intervals" in chart.notes[0]


def test_a_countrys_patent_share_by_year_has_the_published_interval_or_one_at_its_level(
    path: Path,
) -> None:
    data = _published(path)
    rows = patents._world_share_rows(data, "USA").filter(pl.col("entity_name") == "All families")
    before, latest = rows.sort("year").iter_rows(named=True)
    published = _long(path, "marts.patents_long", entity_code="USA", year=YEAR,
                      indicator="patent_world_share",
                      variant="counting=applicant; family_scope=all")  # fmt: skip
    assert (latest["ci_low"], latest["ci_high"], latest["interval_method"]) == published
    # a year without its families has no row in the marts: none of 40 at 90% runs from 0 to
    # z^2 / (40 + z^2) = 2.7055 / 42.7055, as the marts would give it
    assert (before["value"], before["ci_low"]) == (0.0, 0.0)
    assert round(before["ci_high"], 5) == 0.06335
    assert before["interval_method"] == "wilson-90"


def test_retention_over_one_cohort_matches_the_published_interval(path: Path) -> None:
    data = _published(path)
    (germany,) = workforce.retention(data, YEAR, YEAR).iter_rows(named=True)
    published = _long(path, "marts.workforce_long", entity_code="DEU", indicator="retention_5y")
    # computed (the pages pool cohorts the marts hold one by one) at the file's level: for a
    # single cohort, the marts' own interval to the last digits
    assert (germany["ci_low"], germany["ci_high"]) == pytest.approx(published[:2], abs=1e-12)
    assert germany["interval_method"] == published[2] == "wilson-90"
