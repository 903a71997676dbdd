"""Everything the site shows, read once from the published database (read-only).

Input: the path of a published ``qcm.duckdb``. Output: a ``SiteData`` of Polars frames
and facts; pages and figures never touch the database themselves.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import polars as pl

T = TypeVar("T")


@dataclass(frozen=True)
class SiteData:
    """The published marts and metadata the pages are built from."""

    # indicators, patent_indicators and workforce_indicators carry beside each row the Wilson
    # interval their long view publishes (value_low, value_high, interval_method)
    indicators: pl.DataFrame  # marts.publication_indicators
    pairs: pl.DataFrame  # marts.coauthorship_pairs
    approaches: pl.DataFrame  # marts.approaches
    countries: pl.DataFrame  # marts.countries
    blocs: pl.DataFrame  # marts.blocs
    member_years: pl.DataFrame  # marts.bloc_member_years
    definitions: pl.DataFrame  # meta.indicators of the publications family
    methods: dict[str, str]  # meta.methods key -> value
    method_descriptions: dict[str, str]  # meta.methods key -> description
    classifier: pl.DataFrame  # meta.classifier_evaluation
    quarantine: pl.DataFrame  # reason, rows
    run: dict[str, object]  # the latest meta.runs row
    incomplete_year: int | None  # the first incomplete publication year, if any
    complete_year: int  # latest complete year: what headline charts show
    patent_indicators: pl.DataFrame  # marts.patent_indicators
    patent_top_applicants: pl.DataFrame  # marts.patent_top_applicants
    patent_applicant_types: pl.DataFrame  # marts.patent_applicant_types
    patent_cpc_map: pl.DataFrame  # marts.patent_cpc_map
    patent_definitions: pl.DataFrame  # meta.indicators of the patent family
    patent_incomplete_years: list[int]  # priority years not yet fully published (the last two)
    patent_complete_year: int | None  # latest complete priority year; None without patents
    data_kinds: tuple[str, ...]  # data_kind of the run and of every mart that records one
    funding_indicators: pl.DataFrame  # marts.funding_indicators (empty without funding marts)
    funding_programmes: pl.DataFrame  # marts.funding_programmes
    fx_rates: pl.DataFrame  # marts.fx_rates
    economic_indicators: pl.DataFrame  # marts.economic_indicators
    grant_currencies: pl.DataFrame  # service, currency, year, grants, no_rate (marts.grants)
    funding_definitions: pl.DataFrame  # meta.indicators of the funding family
    # the workforce marts (empty frames without them: older files, or frames built by hand)
    workforce_indicators: pl.DataFrame = field(default_factory=pl.DataFrame)
    workforce_flows: pl.DataFrame = field(default_factory=pl.DataFrame)  # marts.workforce_flows
    workforce_producers: pl.DataFrame = field(default_factory=pl.DataFrame)
    workforce_career_stages: pl.DataFrame = field(default_factory=pl.DataFrame)
    # marts.workforce_career_stages_world: the countries added up before any suppression
    workforce_career_stages_world: pl.DataFrame = field(default_factory=pl.DataFrame)
    workforce_definitions: pl.DataFrame = field(default_factory=pl.DataFrame)  # meta.indicators
    # the supply-chain marts (empty frames without them: older files, or frames built by hand)
    supply_indicators: pl.DataFrame = field(default_factory=pl.DataFrame)
    trade_flows: pl.DataFrame = field(default_factory=pl.DataFrame)  # marts.trade_flows
    single_points: pl.DataFrame = field(default_factory=pl.DataFrame)  # supply_single_points
    suppliers: pl.DataFrame = field(default_factory=pl.DataFrame)  # marts.suppliers
    supplier_counts: pl.DataFrame = field(default_factory=pl.DataFrame)  # supplier_counts
    export_controls: pl.DataFrame = field(default_factory=pl.DataFrame)  # export_controls
    hs_codes: pl.DataFrame = field(default_factory=pl.DataFrame)  # marts.hs_codes
    supply_definitions: pl.DataFrame = field(default_factory=pl.DataFrame)  # meta.indicators
    # the capability registry and its marts (real reviewed data even in a sample build;
    # empty frames without them: older files, or frames built by hand)
    milestones: pl.DataFrame = field(default_factory=pl.DataFrame)  # marts.milestones
    capability_frontier: pl.DataFrame = field(default_factory=pl.DataFrame)
    capability_countries: pl.DataFrame = field(default_factory=pl.DataFrame)
    capability_summary: pl.DataFrame = field(default_factory=pl.DataFrame)
    milestone_metrics: pl.DataFrame = field(default_factory=pl.DataFrame)  # the metrics table
    capability_definitions: pl.DataFrame = field(default_factory=pl.DataFrame)  # meta.indicators
    # the synthesis of the families (composite, frontier test, sensitivity) and the
    # research-security lens (empty frames without them: older files, or frames built by hand)
    synthesis_scores: pl.DataFrame = field(default_factory=pl.DataFrame)  # synthesis_scores
    frontier: pl.DataFrame = field(default_factory=pl.DataFrame)  # marts.frontier
    frontier_blocs: pl.DataFrame = field(default_factory=pl.DataFrame)  # marts.frontier_blocs
    synthesis_weights: pl.DataFrame = field(default_factory=pl.DataFrame)  # synthesis_weights
    synthesis_settings: pl.DataFrame = field(default_factory=pl.DataFrame)  # key, value, desc.
    synthesis_scenarios: pl.DataFrame = field(default_factory=pl.DataFrame)  # scenario, label
    sensitivity_summary: pl.DataFrame = field(default_factory=pl.DataFrame)  # per scenario
    security_indicators: pl.DataFrame = field(default_factory=pl.DataFrame)  # security lens
    security_definitions: pl.DataFrame = field(default_factory=pl.DataFrame)  # meta.indicators
    # no publication year is complete (a first fetch of the latest year alone: the latest
    # year read is still filling, meta.methods incomplete_year_rule): complete_year is then
    # that latest year, and the pages say it is still filling
    complete_year_filling: bool = False
    # meta.publication_settings small_numbers: "flag" (rows on few records shown, flagged) or
    # "suppress" (the release publishes them without their numbers: the frames here leave
    # them out, ``left_out`` holding them, keys and flags, by the frame's name)
    small_numbers: str = "flag"
    left_out: dict[str, pl.DataFrame] = field(default_factory=dict)
    # what several pages derive alike from these frames, made once (``derived_once``); a
    # copy made with ``dataclasses.replace`` starts with none
    derived: dict[tuple, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def derived_once(self, key: tuple, make: Callable[[], T]) -> T:
        """``make()``, made the first time ``key`` is asked for and kept with these frames
        (which never change once read): a part every country page shares is made once."""
        if key not in self.derived:
            self.derived[key] = make()
        return self.derived[key]

    @property
    def suppresses(self) -> bool:
        """True when the release suppresses small numbers (meta.publication_settings)."""
        return self.small_numbers == "suppress"

    @property
    def suppressed(self) -> dict[str, int]:
        """How many rows each frame left out (``left_out``), by the frame's name."""
        return {name: rows.height for name, rows in self.left_out.items()}

    def hidden(self, frame: str, **equals: object) -> pl.DataFrame:
        """The rows of ``frame`` (a name of ``SUPPRESSIBLE``) that the release published
        without their numbers and the frame left out, whose columns equal the given values
        (column=value, ...): their keys and flags, their numbers null. Empty unless the
        release suppresses small numbers."""
        rows = self.left_out.get(frame)
        if rows is None:
            return getattr(self, frame).head(0)
        return rows.filter(**equals) if equals else rows

    @property
    def is_sample(self) -> bool:
        """True when any of the data (the run, publications, patents, grants, researchers or
        trade) is the synthetic sample."""
        return any("sample" in kind for kind in self.data_kinds)


def derived_per_site(function: Callable[..., T]) -> Callable[..., T]:
    """``function(data, *args)`` made once per ``SiteData`` and arguments (hashable), then
    kept with the data (``SiteData.derived_once``): for the facts every page asks of the
    same frames again (whether they are the sample, their latest complete year, a metric's
    labels), each a pass of Polars over a whole mart. Only for functions of the data and
    their arguments alone whose result no caller changes: every caller gets the same
    object."""

    @functools.wraps(function)
    def once(data: SiteData, *args: Any) -> T:
        key = (function.__module__, function.__qualname__, *args)
        return data.derived_once(key, lambda: function(data, *args))

    return once


# the frames whose rows a release that suppresses small numbers publishes without their
# numbers: the flags that mark such a row (a career stage's researchers and its moves are
# suppressed apart: a stage-year is left out when either is, so that what the page divides
# is of the same rows), and what the methods page calls the rows left out
SUPPRESSIBLE = {
    "indicators": (("small_n",), "publication indicator values"),
    "pairs": (("small_n",), "co-authorship country pairs"),
    "patent_indicators": (("small_n",), "patent indicator values"),
    "patent_applicant_types": (("small_n",), "applicant-type shares"),
    "funding_indicators": (("small_n",), "funding values"),
    "workforce_indicators": (("small_n",), "workforce indicator values"),
    "workforce_flows": (("is_small",), "country-to-country flows"),
    "workforce_producers": (("small_n",), "producer rows"),
    "workforce_career_stages": (("small_n", "small_flow"), "career-stage rows"),
    "workforce_career_stages_world": (("small_n", "small_flow"), "world career-stage rows"),
    "security_indicators": (("small_n",), "research-security shares"),
}


def load(database: Path) -> SiteData:
    """Read the published database at ``database`` into a ``SiteData``; when the release
    suppresses small numbers, without the rows it publishes without their numbers."""
    data = _read(database)
    if not data.suppresses:
        return data
    kept, left_out = {}, {}
    for name, (flags, _) in SUPPRESSIBLE.items():
        frame = getattr(data, name)
        if set(flags) <= set(frame.columns):
            small = pl.any_horizontal(pl.col(flag).fill_null(False) for flag in flags)
            kept[name], left_out[name] = frame.filter(~small), frame.filter(small)
    return dataclasses.replace(data, left_out=left_out, **kept)


def _read(database: Path) -> SiteData:
    """Every frame and fact of the published database at ``database``, as published."""
    con = duckdb.connect(str(database), read_only=True)
    try:

        def frame(sql: str) -> pl.DataFrame:
            return con.execute(sql).pl()

        tables = {
            f"{schema}.{name}"
            for schema, name in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }

        indicators = _with_intervals(
            con, tables, "marts.publication_indicators", "marts.publications_long", pl.lit("")
        )
        run = frame("select * from meta.runs order by published_at desc limit 1").row(0, named=True)
        incomplete = indicators.filter(pl.col("year_incomplete"))["year"].min()
        complete_years = indicators.filter(~pl.col("year_incomplete"))["year"]
        filling = complete_years.max() is None
        complete = int((indicators["year"] if filling else complete_years).max())
        patents = _with_intervals(
            con,
            tables,
            "marts.patent_indicators",
            "marts.patents_long",
            pl.format("counting={}; family_scope={}", "counting", "family_scope"),
        )
        patent_complete = patents.filter(~pl.col("year_incomplete"))["year"].max()

        def mart(table: str, sql: str | None = None) -> pl.DataFrame:
            # published files from before the funding marts have none: the pages say so
            if table not in tables:
                return pl.DataFrame()
            return frame(sql or f"select * from {table}")

        funding = mart("marts.funding_indicators")
        workforce = (
            _with_intervals(
                con, tables, "marts.workforce_indicators", "marts.workforce_long", pl.lit("")
            )
            if "marts.workforce_indicators" in tables
            else pl.DataFrame()
        )
        supply = mart("marts.supply_chain_indicators")
        synthesis = mart(
            "marts.synthesis_scores",
            "select * from marts.synthesis_scores "
            "order by approach, year, family, entity_type, rank, entity_code",
        )
        security = mart(
            "marts.security_indicators",
            "select * from marts.security_indicators "
            "order by approach, indicator, entity_type, entity_code, year",
        )
        return SiteData(
            indicators=indicators,
            pairs=frame("select * from marts.coauthorship_pairs"),
            approaches=frame("select * from marts.approaches"),
            countries=frame("select * from marts.countries"),
            blocs=frame("select * from marts.blocs"),
            member_years=frame("select * from marts.bloc_member_years"),
            definitions=frame("select * from meta.indicators where family = 'publications'"),
            methods=dict(con.execute("select key, value from meta.methods").fetchall()),
            method_descriptions=dict(
                con.execute("select key, description from meta.methods").fetchall()
            ),
            classifier=frame("select * from meta.classifier_evaluation order by approach"),
            quarantine=frame(
                "select reason, count(*) as rows from meta.quarantine group by 1 order by 2 desc, 1"
            ),
            run=run,
            incomplete_year=None if incomplete is None else int(incomplete),
            complete_year=complete,
            complete_year_filling=filling,
            patent_indicators=patents,
            patent_top_applicants=frame(
                "select * from marts.patent_top_applicants "
                "order by entity_type, entity_code, approach, family_scope, rank"
            ),
            patent_applicant_types=frame("select * from marts.patent_applicant_types"),
            patent_cpc_map=frame("select * from marts.patent_cpc_map order by cpc_code"),
            patent_definitions=frame("select * from meta.indicators where family = 'patents'"),
            patent_incomplete_years=sorted(
                int(y) for y in patents.filter(pl.col("year_incomplete"))["year"].unique()
            ),
            patent_complete_year=None if patent_complete is None else int(patent_complete),
            data_kinds=_data_kinds(
                run, indicators, patents, funding, workforce, supply, synthesis, security
            ),
            funding_indicators=funding,
            funding_programmes=mart(
                "marts.funding_programmes",
                "select * from marts.funding_programmes "
                "order by country_name, programme_id, row_id",
            ),
            fx_rates=mart("marts.fx_rates", "select * from marts.fx_rates order by currency, year"),
            economic_indicators=mart(
                "marts.economic_indicators",
                "select * from marts.economic_indicators order by indicator, country_iso3, year",
            ),
            grant_currencies=mart(
                "marts.grants",
                "select service, currency, year, count(*) as grants, "
                "count(*) filter (where no_fx_rate) as no_rate "
                "from marts.grants group by all order by all",
            ),
            funding_definitions=frame("select * from meta.indicators where family = 'funding'"),
            # aggregates only: the per-researcher marts (marts.researchers, researcher_moves)
            # are never read, so no page can name a researcher
            workforce_indicators=workforce,
            workforce_flows=mart(
                "marts.workforce_flows",
                "select * from marts.workforce_flows "
                "order by approach, year, origin_iso3, destination_iso3",
            ),
            workforce_producers=mart("marts.workforce_producers"),
            workforce_career_stages=mart("marts.workforce_career_stages"),
            workforce_career_stages_world=mart("marts.workforce_career_stages_world"),
            workforce_definitions=frame("select * from meta.indicators where family = 'workforce'"),
            supply_indicators=supply,
            trade_flows=mart("marts.trade_flows"),
            single_points=mart(
                "marts.supply_single_points",
                "select * from marts.supply_single_points order by approach, hs_code, year",
            ),
            suppliers=mart(
                "marts.suppliers",
                "select * from marts.suppliers order by component, country_iso3, company",
            ),
            supplier_counts=mart("marts.supplier_counts"),
            export_controls=mart(
                "marts.export_controls",
                "select * from marts.export_controls order by regime, entry",
            ),
            hs_codes=mart(
                "marts.hs_codes", "select * from marts.hs_codes order by hs_revision desc, hs_code"
            ),
            supply_definitions=frame("select * from meta.indicators where family = 'supply_chain'"),
            # the capability registry is curated, not sampled: it adds no data kind
            milestones=mart(
                "marts.milestones",
                "select * from marts.milestones order by approach, metric, milestone_id",
            ),
            capability_frontier=mart(
                "marts.capability_frontier",
                "select * from marts.capability_frontier order by approach, metric, year",
            ),
            capability_countries=mart(
                "marts.capability_countries",
                "select * from marts.capability_countries "
                "order by approach, metric, year, country_iso3",
            ),
            capability_summary=mart(
                "marts.capability_summary",
                "select * from marts.capability_summary order by approach, metric, year",
            ),
            # the metrics table (transform, reach), when the file publishes it
            milestone_metrics=mart("marts.milestone_metrics")
            if "marts.milestone_metrics" in tables
            else mart("ref.milestone_metrics"),
            capability_definitions=frame(
                "select * from meta.indicators where family = 'capability'"
            ),
            synthesis_scores=synthesis,
            frontier=mart(
                "marts.frontier", "select * from marts.frontier order by approach, year, family"
            ),
            frontier_blocs=mart(
                "marts.frontier_blocs",
                "select * from marts.frontier_blocs "
                "order by approach, year, is_focus_bloc desc, bloc",
            ),
            synthesis_weights=mart("marts.synthesis_weights"),
            synthesis_settings=mart(
                "meta.synthesis_settings", "select * from meta.synthesis_settings order by key"
            ),
            synthesis_scenarios=mart(
                "marts.synthesis_scenarios",
                "select * from marts.synthesis_scenarios order by scenario",
            ),
            sensitivity_summary=mart(
                "marts.synthesis_sensitivity_summary",
                "select * from marts.synthesis_sensitivity_summary "
                "order by scenario, approach, year",
            ),
            security_indicators=security,
            security_definitions=frame("select * from meta.indicators where family = 'security'"),
            # a file from before the setting flags them
            small_numbers=mart(
                "meta.publication_settings",
                "select value from meta.publication_settings where key = 'small_numbers'",
            )
            .get_column("value", default=pl.Series([], dtype=pl.String))
            .first()
            or "flag",
        )
    finally:
        con.close()


def _with_intervals(
    con: duckdb.DuckDBPyConnection,
    tables: set[str],
    table: str,
    long_view: str,
    variant: pl.Expr,
) -> pl.DataFrame:
    """The rows of the family mart ``table`` (``tables``: every table and view of the file),
    in their order, with the Wilson interval that ``long_view`` publishes for each row:
    value_low, value_high and interval_method (``wilson-90``), null for rows that get none
    (counts, shares of money or of links) and for every row of a file from before the long
    views. ``variant`` folds the mart's other dimensions into the long view's variant text
    (``counting=applicant; family_scope=all``)."""
    rows = con.execute(f"select * from {table}").pl()
    if long_view not in tables:
        return rows.with_columns(
            pl.lit(None, pl.Float64).alias("value_low"),
            pl.lit(None, pl.Float64).alias("value_high"),
            pl.lit(None, pl.String).alias("interval_method"),
        )
    keys = ["entity_type", "entity_code", "approach", "year", "indicator"]
    intervals = (
        con.execute(
            f"select {', '.join(keys)}, variant, value_low, value_high, interval_method "
            f"from {long_view} where interval_method is not null"
        )
        .pl()
        .cast({key: rows.schema[key] for key in keys})
    )
    return (
        rows.with_columns(variant.alias("variant"))
        .join(intervals, on=[*keys, "variant"], how="left", maintain_order="left")
        .drop("variant")
    )


def _data_kinds(run: dict[str, object], *marts: pl.DataFrame) -> tuple[str, ...]:
    """The distinct data kinds of the run and of the marts that have a data_kind column."""
    kinds = {str(run.get("data_kind"))}
    for mart in marts:
        if "data_kind" in mart.columns:
            kinds.update(str(kind) for kind in mart["data_kind"].drop_nulls().unique())
    return tuple(sorted(kinds))
