"""The workforce family: researcher flows between countries, on their own page and on
every country page.

Each function takes the site's data and returns sections; ``dashboards.site`` places
them on pages (``page(data)`` is the researcher-flows page). Everything shown is an
aggregate of the published marts (marts.workforce_indicators, marts.workforce_flows,
marts.workforce_producers, marts.workforce_career_stages and
marts.workforce_career_stages_world): no researcher is ever named or identified, and the
per-researcher marts are never read. A move is a change of the
country OpenAlex affiliations place a researcher in, not a visa or a contract; small
flows are flagged, and the latest year, still being indexed, is left out of period sums.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl
from markupsafe import Markup

from dashboards.data import SiteData, derived_per_site
from dashboards.families import common
from dashboards.families.common import (
    counted,
    hidden_within,
    left_out_of_sums,
    listed,
    ordinal,
    possessive,
    years_words,
)
from dashboards.figures import (
    PALETTE,
    Chart,
    apply_layout,
    dashed_line,
    dropdown,
    dropdown_height,
    esc,
    shade_incomplete,
    trend_lines,
    value_axis,
)
from dashboards.page import Section, Table
from dashboards.stats import interval_method, level_words, wilson_interval

NAME = "Researcher flows"
SOURCE = (
    "Source: OpenAlex author records and authorships of in-scope works (CC0), placed in "
    "countries by qcm"
)
WINDOW = 10  # complete years summed for flows, net gains and career stages
# the indicators whose own year_incomplete flags decide which years a section reads
MOVES = "inflow"  # moves between countries: the current year is still open
ACTIVE = "researchers_active"  # placements: the two years before it too
RETENTION = "retention_5y"  # a cohort: until its fifth year, and its placements, close
TOP_FLOWS = 20  # links drawn on the flow diagram
SANKEY_HEIGHT = 620  # pixels, raised when the open approach menu needs more
TOP_NET = 15  # gainers and losers each drawn on the net-gain ranking
TOP_PARTNERS = 8  # origins and destinations drawn on a country page
RETENTION_COHORTS = 10  # producing years pooled for five-year retention
TOP_PRODUCERS = 15  # countries drawn on the producers-against-destinations bars
STAGES = ("early career", "mid career", "senior")
UNKNOWN_COUNTRY = "ZZZ"
EVERYONE = "All researchers"  # the menu label of approach 'all'
INCOMPLETE_REASON = "publications, and so affiliations, keep being indexed"
PLACED_REASON = "a later observation can still carry a researcher through the year"
NOTE_RULES = (
    "workforce_trails",
    "workforce_year_country_rule",
    "workforce_max_gap_years",
    "workforce_move_rule",
    "workforce_approach_rule",
    "workforce_producer_rule",
    "workforce_retention_years",
    "workforce_small_flow",
)
# a country page's series (indicator -> label)
SERIES_LABELS = {
    "researchers_active": "Active researchers",
    "inflow": "Arrivals (inflow)",
    "outflow": "Departures (outflow)",
}
SMALL_GREY = "rgba(150,150,150,0.45)"
GAIN, LOSS = PALETTE[2], PALETTE[3]


# ---- reading the marts -------------------------------------------------------------


def has_workforce(data: SiteData) -> bool:
    """Whether the published file holds the workforce marts (older files do not)."""
    return "indicator" in data.workforce_indicators.columns


@derived_per_site
def is_sample(data: SiteData) -> bool:
    """Whether the researcher data is the synthetic sample (its data_kind says so)."""
    if not has_workforce(data):
        return False
    kinds = data.workforce_indicators["data_kind"].drop_nulls().unique()
    return any("sample" in str(kind) for kind in kinds)


def small_flow(data: SiteData) -> int:
    """Moves below which a flow is flagged small (meta.methods workforce_small_flow)."""
    return int(data.methods.get("workforce_small_flow", 5))


def small_n(data: SiteData) -> int:
    """Researchers below which a count or share is flagged (meta.methods small_n_threshold)."""
    return int(data.methods.get("small_n_threshold", 10))


def retention_years(data: SiteData) -> int:
    """Years after production at which retention is measured (workforce_retention_years)."""
    return int(data.methods.get("workforce_retention_years", 5))


def _rows(data: SiteData, **equals: object) -> pl.DataFrame:
    """Rows of marts.workforce_indicators whose columns equal the given values."""
    return common.rows(data.workforce_indicators, **equals)


@derived_per_site
def complete_year(data: SiteData, indicator: str = MOVES) -> int | None:
    """The latest year of marts.workforce_indicators that ``indicator`` does not flag
    year_incomplete (for retention, the latest cohort it does not flag), or None. Each
    indicator keeps its own flag: moves the current year, researchers placed in a year
    (active, produced) the two years before too, retention a cohort until its fifth year
    and the placements of that year are complete."""
    if not has_workforce(data):
        return None
    rows = _rows(data, indicator=RETENTION) if indicator == RETENTION else data.workforce_indicators
    year = rows.filter(~pl.col("year").is_in(incomplete_years(data, indicator)))["year"].max()
    return None if year is None else int(year)


@derived_per_site
def incomplete_years(data: SiteData, indicator: str = MOVES) -> list[int]:
    """The years of ``indicator`` flagged year_incomplete, sorted."""
    if not has_workforce(data):
        return []
    rows = _rows(data, indicator=indicator).filter(pl.col("year_incomplete"))
    return sorted(int(y) for y in rows["year"].unique())


def window(data: SiteData, years: int = WINDOW) -> tuple[int, int] | None:
    """First and last year of moves summed on the page: the last ``years`` years whose
    moves are complete, or None without workforce data."""
    last = complete_year(data)
    return None if last is None else (last - years + 1, last)


def approach_choices(data: SiteData) -> dict[str, str]:
    """Approach id -> menu label: every researcher first, then the classified approaches in
    taxonomy order."""
    labels = common.labels(data)
    return {"all": EVERYONE} | {a: labels[a] for a in common.classified(data)}


def left_out_pairs(
    data: SiteData, first: int, last: int, approach: str = "all"
) -> set[tuple[str, str]]:
    """The (origin_iso3, destination_iso3) pairs of one approach with a year of
    ``first``-``last`` whose flow the release suppressed (under workforce_small_flow moves,
    published without them): a sum of their other years would understate them, so
    ``period_flows`` leaves them out. Empty unless the release suppresses small numbers."""
    if "moves" not in data.workforce_flows.columns:
        return set()
    rows = data.hidden("workforce_flows", approach=approach).filter(
        pl.col("year").is_between(first, last)
    )
    return set(zip(rows["origin_iso3"].to_list(), rows["destination_iso3"].to_list(), strict=True))


def left_out_countries(data: SiteData, first: int, last: int, approach: str = "all") -> set[str]:
    """ISO3 codes of the countries with a year of ``first``-``last`` whose inflow or outflow
    (for one approach) the release suppressed: ``net_gain`` leaves them out rather than sum
    their other years. Empty unless the release suppresses small numbers."""
    rows = data.hidden("workforce_indicators", entity_type="country", approach=approach)
    return _codes_within(rows, ("inflow", "outflow"), first, last)


def left_out_of_rates(data: SiteData, first: int, last: int, approach: str = "all") -> set[str]:
    """ISO3 codes of the countries with a year of ``first``-``last`` whose inflow, outflow
    or active researchers (for one approach) the release suppressed: ``net_rates`` leaves
    them out. Empty unless the release suppresses small numbers."""
    rows = data.hidden("workforce_indicators", entity_type="country", approach=approach)
    return _codes_within(rows, ("inflow", "outflow", ACTIVE), first, last)


def left_out_of_retention(data: SiteData, first: int, last: int) -> set[str]:
    """Codes of the countries (and WLD, the world) with a producing year of
    ``first``-``last`` whose retention the release suppressed (too few researchers that
    year): ``retention`` pools no figure for them, as their other cohorts alone would
    misstate it. Empty unless the release suppresses small numbers."""
    rows = data.hidden("workforce_indicators", approach="all").filter(
        pl.col("entity_type").is_in(["country", "world"])
    )
    return _codes_within(rows, (RETENTION,), first, last)


def _codes_within(rows: pl.DataFrame, indicators: Sequence[str], first: int, last: int) -> set[str]:
    """The entity codes, the unknown country's left out, of the ``rows`` (left out of
    marts.workforce_indicators) of ``indicators`` in the years ``first``-``last``."""
    return set(
        rows.filter(
            pl.col("indicator").is_in(list(indicators)),
            pl.col("year").is_between(first, last),
            pl.col("entity_code") != UNKNOWN_COUNTRY,
        )["entity_code"].to_list()
    )


def _has_world_stages(data: SiteData) -> bool:
    """Whether the file holds marts.workforce_career_stages_world (files published before
    it have only the countries' career stages)."""
    return "career_stage" in data.workforce_career_stages_world.columns


def left_out_stage_years(data: SiteData) -> list[int]:
    """The years with a career stage of the world (every researcher) that the release
    suppressed: ``stage_moves`` leaves those years out rather than draw them with a stage
    missing. Empty unless the release suppresses small numbers."""
    if not _has_world_stages(data):
        return []
    rows = data.hidden("workforce_career_stages_world", approach="all")
    return sorted(int(y) for y in rows["year"].unique())


def world_stages(data: SiteData) -> pl.DataFrame:
    """The world's career stages (``marts.workforce_career_stages_world``), or, from a file
    published before that mart (when no release suppressed small numbers), every
    country's rows added up. Returns approach, year, career_stage, active, moves; empty
    without either."""
    if _has_world_stages(data):
        return data.workforce_career_stages_world.select(
            "approach", "year", "career_stage", "active", "moves"
        )
    countries = data.workforce_career_stages
    if "career_stage" not in countries.columns:
        return pl.DataFrame(schema={"year": pl.Int64, "career_stage": pl.String})
    return countries.group_by("approach", "year", "career_stage").agg(
        pl.col("active").sum(), pl.col("inflow").sum().alias("moves")
    )


def period_flows(data: SiteData, first: int, last: int, approach: str = "all") -> pl.DataFrame:
    """Country-to-country flows summed over ``first``-``last`` for one approach, largest
    first (ties by origin, then destination name). A pair with a year the release
    suppressed is left out (``left_out_pairs``), not summed short.

    Returns origin_iso3, origin_name, destination_iso3, destination_name, moves, returns
    and is_small (the summed moves below workforce_small_flow).
    """
    schema = {
        "origin_iso3": pl.String,
        "origin_name": pl.String,
        "destination_iso3": pl.String,
        "destination_name": pl.String,
        "moves": pl.Int64,
        "returns": pl.Int64,
        "is_small": pl.Boolean,
    }
    flows = data.workforce_flows
    if "moves" not in flows.columns:
        return pl.DataFrame(schema=schema)
    summed = (
        flows.filter(pl.col("approach") == approach, pl.col("year").is_between(first, last))
        .group_by("origin_iso3", "origin_name", "destination_iso3", "destination_name")
        .agg(
            pl.col("moves").sum().cast(pl.Int64),
            pl.col("returns").sum().cast(pl.Int64),
        )
        .filter(pl.col("moves") > 0)
        .with_columns((pl.col("moves") < small_flow(data)).alias("is_small"))
    )
    hidden = left_out_pairs(data, first, last, approach)
    if hidden:
        keys = ["origin_iso3", "destination_iso3"]
        pairs = pl.DataFrame(sorted(hidden), schema=dict.fromkeys(keys, pl.String), orient="row")
        summed = summed.join(pairs, on=keys, how="anti")
    return summed.select(list(schema)).sort(
        ["moves", "origin_name", "destination_name"], descending=[True, False, False]
    )


def top_flows(flows: pl.DataFrame, n: int = TOP_FLOWS) -> pl.DataFrame:
    """The ``n`` largest flows of ``period_flows`` (already sorted largest first)."""
    return flows.head(n)


def net_gain(data: SiteData, first: int, last: int, approach: str = "all") -> pl.DataFrame:
    """Countries' inflow, outflow and net flow summed over ``first``-``last`` for one
    approach, largest net gain first (ties by name); countries nobody moved into or out of
    are left out, and so are those with a year the release suppressed
    (``left_out_countries``), not summed short.

    Returns entity_code, entity_name, inflow, outflow, net_flow, flow_moves and small_n
    (inflow plus outflow below workforce_small_flow).
    """
    rows = _rows(data, entity_type="country", approach=approach).filter(
        pl.col("indicator").is_in(["inflow", "outflow"]),
        pl.col("year").is_between(first, last),
        pl.col("entity_code") != UNKNOWN_COUNTRY,
    )
    hidden = left_out_countries(data, first, last, approach)
    if hidden:
        rows = rows.filter(~pl.col("entity_code").is_in(sorted(hidden)))
    summed = (
        rows.group_by("entity_code", "entity_name")
        .agg(
            pl.col("value").filter(pl.col("indicator") == "inflow").sum().alias("inflow"),
            pl.col("value").filter(pl.col("indicator") == "outflow").sum().alias("outflow"),
        )
        .with_columns(pl.col("inflow").cast(pl.Int64), pl.col("outflow").cast(pl.Int64))
        .with_columns(
            (pl.col("inflow") - pl.col("outflow")).alias("net_flow"),
            (pl.col("inflow") + pl.col("outflow")).alias("flow_moves"),
        )
        .filter(pl.col("flow_moves") > 0)
        .with_columns((pl.col("flow_moves") < small_flow(data)).alias("small_n"))
    )
    return summed.sort(["net_flow", "entity_name"], descending=[True, False])


def rate_window(data: SiteData, years: int = WINDOW) -> tuple[int, int] | None:
    """First and last year of the net gains for a country's size: the last ``years`` years
    whose moves and active researchers are both complete (the researchers placed in a year
    stay open workforce_max_gap_years longer than its moves), or None without workforce
    data."""
    last = complete_year(data, ACTIVE)
    moves = complete_year(data)
    if last is None or moves is None:
        return None
    last = min(last, moves)
    return last - years + 1, last


def net_rates(data: SiteData, first: int, last: int, approach: str = "all") -> pl.DataFrame:
    """Countries' net flow for the size of their researcher workforce over
    ``first``-``last`` for one approach: the yearly net migration rate and migration
    efficiency of marts.workforce_indicators pooled over the years, highest rate first
    (ties by name). Countries without an active researcher in the period are left out, and
    so are those with a year of inflow, outflow or active researchers the release
    suppressed (a sum of their other years would misstate them).

    Returns entity_code, entity_name, inflow, outflow, net_flow, flow_moves,
    researcher_years (active researchers summed over the years), rate (net moves a year per
    100 active researchers: 100 * net_flow / researcher_years), efficiency (net_flow /
    flow_moves, -1 to 1; null without moves) and small_n (moves in and out under
    workforce_small_flow, or fewer than small_n_threshold active researchers a year on
    average: too few for a rate).
    """
    measures = ["inflow", "outflow", ACTIVE]
    rows = _rows(data, entity_type="country", approach=approach).filter(
        pl.col("indicator").is_in(measures),
        pl.col("year").is_between(first, last),
        pl.col("entity_code") != UNKNOWN_COUNTRY,
    )
    left_out = left_out_of_rates(data, first, last, approach)
    if left_out:
        rows = rows.filter(~pl.col("entity_code").is_in(sorted(left_out)))
    summed = (
        rows.group_by("entity_code", "entity_name")
        .agg(
            pl.col("value").filter(pl.col("indicator") == measure).sum().cast(pl.Int64).alias(name)
            for measure, name in zip(
                measures, ("inflow", "outflow", "researcher_years"), strict=True
            )
        )
        .filter(pl.col("researcher_years") > 0)
        .with_columns(
            (pl.col("inflow") - pl.col("outflow")).alias("net_flow"),
            (pl.col("inflow") + pl.col("outflow")).alias("flow_moves"),
        )
        .with_columns(
            (100 * pl.col("net_flow") / pl.col("researcher_years")).alias("rate"),
            pl.when(pl.col("flow_moves") > 0)
            .then(pl.col("net_flow") / pl.col("flow_moves"))
            .alias("efficiency"),
            (
                (pl.col("flow_moves") < small_flow(data))
                | (pl.col("researcher_years") < small_n(data) * (last - first + 1))
            ).alias("small_n"),
        )
    )
    return summed.select(
        "entity_code",
        "entity_name",
        "inflow",
        "outflow",
        "net_flow",
        "flow_moves",
        "researcher_years",
        "rate",
        "efficiency",
        "small_n",
    ).sort(["rate", "entity_name"], descending=[True, False])


def gainers_and_losers(frame: pl.DataFrame, column: str, n: int = TOP_NET) -> pl.DataFrame:
    """Of ``frame`` (sorted by ``column``, largest first: ``net_gain``, ``net_rates``), the
    ``n`` largest gains (``column`` above 0) and the ``n`` largest losses (below 0),
    largest gain first; every row when there are at most 2n."""
    if frame.height <= 2 * n:
        return frame
    gains = frame.filter(pl.col(column) > 0).head(n)
    losses = frame.filter(pl.col(column) < 0).tail(n)
    return pl.concat([gains, losses])


def not_drawn(ranked: int, drawn: int, what: str) -> list[str]:
    """The note that ``ranked - drawn`` of the ``ranked`` rows of a gains-and-losses chart
    (``gainers_and_losers``) are not drawn, ``what`` naming them (``countries``); none when
    every row is drawn."""
    if ranked == drawn:
        return []
    return [
        f"{ranked - drawn:,} more {what}, between the largest gains and losses (or at 0), "
        "are not drawn: the SQL below lists every one."
    ]


def producers(data: SiteData, approach: str = "all") -> pl.DataFrame:
    """marts.workforce_producers for one approach, most researchers produced first (ties by
    name), unknown country left out."""
    rows = data.workforce_producers
    if "produced" not in rows.columns:
        return rows
    return rows.filter(
        pl.col("approach") == approach, pl.col("country_iso3") != UNKNOWN_COUNTRY
    ).sort(["produced", "country_name"], descending=[True, False])


def retention_cohorts(data: SiteData) -> tuple[int, int] | None:
    """First and last producing year pooled for retention: the last ``RETENTION_COHORTS``
    cohorts whose retention is complete (its five-year mark, and the placements of that
    year, no longer open), or None without such a cohort."""
    latest = complete_year(data, RETENTION)
    if latest is None:
        return None
    first = int(_rows(data, indicator=RETENTION)["year"].min())
    return max(first, latest - RETENTION_COHORTS + 1), latest


def retention(data: SiteData, first: int, last: int) -> pl.DataFrame:
    """Five-year retention pooled over the producing years ``first``-``last``, per country
    and for the world (entity_code WLD), highest share first.

    Returns entity_type, entity_code, entity_name, stayed (numerator), placed (denominator),
    value (stayed / placed), ci_low, ci_high (the Wilson interval at the level of the marts'
    intervals, ``common.interval_level``: the marts hold no sum over producing years),
    interval_method (``wilson-90``) and enough (placed reaches small_n_threshold: only those
    countries are ranked). A country (or the world) with a producing year the release
    suppressed is left out (``left_out_of_retention``), not pooled from its other years.
    """
    rows = _rows(data, indicator="retention_5y", approach="all").filter(
        pl.col("entity_type").is_in(["country", "world"]),
        pl.col("year").is_between(first, last),
        pl.col("entity_code") != UNKNOWN_COUNTRY,
    )
    hidden = left_out_of_retention(data, first, last)
    if hidden:
        rows = rows.filter(~pl.col("entity_code").is_in(sorted(hidden)))
    pooled = (
        rows.group_by("entity_type", "entity_code", "entity_name")
        .agg(
            pl.col("numerator").sum().alias("stayed"),
            pl.col("denominator").sum().alias("placed"),
        )
        .filter(pl.col("placed") > 0)
        .with_columns((pl.col("stayed") / pl.col("placed")).alias("value"))
    )
    level = common.interval_level(data)
    intervals = [
        wilson_interval(s, p, level)
        for s, p in zip(pooled["stayed"], pooled["placed"], strict=True)
    ]
    return pooled.with_columns(
        pl.Series("ci_low", [i[0] for i in intervals], dtype=pl.Float64),
        pl.Series("ci_high", [i[1] for i in intervals], dtype=pl.Float64),
        pl.lit(interval_method(level)).alias("interval_method"),
        (pl.col("placed") >= small_n(data)).alias("enough"),
    ).sort(["value", "entity_name"], descending=[True, False])


def stage_moves(data: SiteData) -> pl.DataFrame:
    """Moves between countries and active researchers per year and career stage of the
    world (``marts.workforce_career_stages_world``: every country added up before any
    suppression), from the first year with a move; a year with a stage the release
    suppressed is left out (``left_out_stage_years``).

    Returns year, career_stage, moves, active, year_incomplete.
    """
    rows = world_stages(data)
    if "approach" not in rows.columns:
        return rows
    hidden = left_out_stage_years(data)
    summed = rows.filter(pl.col("approach") == "all", ~pl.col("year").is_in(hidden)).select(
        "year",
        "career_stage",
        pl.col("moves").cast(pl.Int64),
        pl.col("active").cast(pl.Int64),
    )
    moved = summed.filter(pl.col("moves") > 0)["year"].min()
    if moved is None:
        return summed.head(0).with_columns(pl.lit(False).alias("year_incomplete"))
    incomplete = incomplete_years(data)
    order = {stage: i for i, stage in enumerate(STAGES)}
    return (
        summed.filter(pl.col("year") >= moved)
        .with_columns(
            pl.col("year").is_in(incomplete).alias("year_incomplete"),
            pl.col("career_stage").replace_strict(order, default=len(STAGES)).alias("_order"),
        )
        .sort("year", "_order")
        .drop("_order")
    )


def stage_rates(moves: pl.DataFrame, first: int, last: int) -> pl.DataFrame:
    """Per career stage over ``first``-``last`` (rows of ``stage_moves``): moves, share of
    all moves, and moves a year per 100 active researchers, in stage order."""
    rows = moves.filter(pl.col("year").is_between(first, last))
    total = rows["moves"].sum()
    order = {stage: i for i, stage in enumerate(STAGES)}
    return (
        rows.group_by("career_stage")
        .agg(pl.col("moves").sum(), pl.col("active").sum())
        .with_columns(
            (pl.col("moves") / total if total else pl.lit(None, pl.Float64)).alias("share"),
            pl.when(pl.col("active") > 0)
            .then(100 * pl.col("moves") / pl.col("active"))
            .alias("per_100"),
            pl.col("career_stage").replace_strict(order, default=len(STAGES)).alias("_order"),
        )
        .sort("_order")
        .drop("_order")
    )


def country_series(data: SiteData, iso3: str) -> pl.DataFrame:
    """A country's active researchers, inflow and outflow per year (every researcher):
    year, indicator, value, small_n, year_incomplete."""
    return (
        _rows(data, entity_type="country", entity_code=iso3, approach="all")
        .filter(pl.col("indicator").is_in(["researchers_active", "inflow", "outflow"]))
        .select("year", "indicator", "value", "small_n", "year_incomplete")
        .sort("indicator", "year")
    )


def _first_year(data: SiteData) -> int:
    """The first year the world has researchers placed in; 0 when it has none."""
    years = _rows(data, entity_type="world", indicator="researchers_active", approach="all")
    return int(years["year"].min()) if years.height else 0


def partners(data: SiteData, iso3: str, first: int, last: int, side: str) -> pl.DataFrame:
    """Where a country's arrivals came from (``side`` 'origin') or its departures went
    (``side`` 'destination') over ``first``-``last``, largest first.

    Returns iso3, name, moves and is_small (below workforce_small_flow).
    """
    here, there = ("destination", "origin") if side == "origin" else ("origin", "destination")
    return (
        period_flows(data, first, last)
        .filter(pl.col(f"{here}_iso3") == iso3)
        .select(
            pl.col(f"{there}_iso3").alias("iso3"),
            pl.col(f"{there}_name").alias("name"),
            "moves",
            "is_small",
        )
        .sort(["moves", "name"], descending=[True, False])
    )


# ---- words -------------------------------------------------------------------------


def _prefix(data: SiteData) -> str:
    """``Synthetic sample: `` before chart titles when the researchers are invented."""
    return "Synthetic sample: " if is_sample(data) else ""


def _caption(data: SiteData, unit: str, years: str | None = None) -> str:
    """Years, unit, source and method version: the line under every workforce chart, with
    the synthetic-sample label when the researchers are the sample."""
    when = f"{years}; " if years else ""
    sample = (
        " SYNTHETIC SAMPLE DATA: invented researchers and moves, not real OpenAlex authors."
        if is_sample(data)
        else ""
    )
    return (
        f"{when}unit: {unit}. {SOURCE}; method {data.methods.get('workforce_method_version')}."
        f"{sample}"
    )


def _rule(data: SiteData, key: str) -> str:
    """A rule of meta.methods as a sentence with its key and value:
    ``... (workforce_small_flow = 5).``"""
    text = data.method_descriptions.get(key) or key
    return f"{text.rstrip('. ')} ({key} = {data.methods.get(key, '-')})."


def _rgba(colour: str, alpha: float) -> str:
    """``#RRGGBB`` as a CSS rgba() colour with opacity ``alpha``."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


# ---- figures -----------------------------------------------------------------------


def flow_sankey(
    frames: dict[str, pl.DataFrame],
    chart_id: str,
    titles: dict[str, str],
    caption: str,
    threshold: int,
    suppressed: bool,
) -> Chart:
    """A Sankey of the largest flows, origins on the left and destinations on the right,
    one diagram per choice (an approach) picked from a menu; small flows drawn grey
    (``suppressed``: the release suppressed small flows, so none is drawn and the note
    does not speak of grey links; the caller says what the sums left out).

    ``frames`` maps a menu label to ``top_flows`` rows (origin_name, destination_name,
    moves, returns, is_small) and ``titles`` the label to its chart title; empty frames
    get no menu entry, and the first remaining label's title is shown first.
    """
    frames = {label: f for label, f in frames.items() if f.height}
    shown_titles = [titles[label] for label in frames]
    title = shown_titles[0] if shown_titles else next(iter(titles.values()), "")
    fig = go.Figure()
    for index, frame in enumerate(frames.values()):
        origins = list(dict.fromkeys(frame["origin_name"]))
        destinations = list(dict.fromkeys(frame["destination_name"]))
        colour = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(origins)}
        links = list(frame.iter_rows(named=True))
        hover, colours = [], []
        for row in links:
            said = (
                f"{esc(row['origin_name'])} to {esc(row['destination_name'])}: "
                f"{counted(row['moves'], 'move')}, {row['returns']:,} of them returns"
            )
            if row["is_small"]:
                said += f" (small: under {threshold} moves, not a trend)"
            hover.append(said)
            colours.append(
                SMALL_GREY if row["is_small"] else _rgba(colour[row["origin_name"]], 0.45)
            )
        fig.add_trace(
            go.Sankey(
                visible=index == 0,
                arrangement="snap",
                node={
                    "label": [esc(n) for n in origins] + [esc(n) for n in destinations],
                    "color": [colour[n] for n in origins] + ["#8c8c8c"] * len(destinations),
                    "pad": 12,
                    "thickness": 16,
                    "customdata": ["left"] * len(origins) + ["arrived in"] * len(destinations),
                    "hovertemplate": "%{label}: %{value:,} moves shown (%{customdata})"
                    "<extra></extra>",
                },
                link={
                    "source": [origins.index(r["origin_name"]) for r in links],
                    "target": [
                        len(origins) + destinations.index(r["destination_name"]) for r in links
                    ],
                    "value": [r["moves"] for r in links],
                    "color": colours,
                    "customdata": hover,
                    "hovertemplate": "%{customdata}<extra></extra>",
                },
            )
        )
    apply_layout(fig, title, height=max(SANKEY_HEIGHT, dropdown_height(len(frames))))
    fig.update_layout(margin={"l": 20, "r": 20, "t": 110, "b": 20})
    notes = [
        "Origins on the left, destinations on the right; a link's width is the number of "
        + (
            "moves."
            if suppressed
            else f"moves. Grey links are small flows (under {threshold} moves): shown, not to "
            "be read as a trend."
        )
    ]
    if len(frames) > 1:
        fig.update_layout(
            updatemenus=[dropdown(list(frames), list(range(len(frames))), shown_titles)]
        )
        notes.append(
            "Choose the approach with the menu above the diagram; a researcher belongs to every "
            "approach of their works from the year of their first work in it, so the "
            "approaches overlap."
        )
    data = (
        pl.concat([f.with_columns(pl.lit(label).alias("approach")) for label, f in frames.items()])
        if frames
        else pl.DataFrame()
    )
    return Chart(chart_id, fig, data, caption, notes)


def flagged_bars(
    groups: dict[str, pl.DataFrame],
    chart_id: str,
    title: str | dict[str, str],
    caption: str,
    axis_title: str,
    diverging: bool = False,
    notes: Sequence[str] = (),
    whole: bool = True,
) -> Chart:
    """Horizontal bars of counts with small values flagged, one group at a time (a menu
    when there are several groups).

    ``groups`` maps a label to rows of label, value, small and hover (already written);
    the bar of a small value is faded and its label says so. ``diverging`` colours gains
    green and losses orange; otherwise every bar is blue. The largest value is on top.
    ``title`` is one title, or each group label's title (empty groups are left out).
    ``whole``: the values are whole counts (ticks one apart on a short axis), not rates.
    """
    groups = {label: f for label, f in groups.items() if f.height}
    titles = [title[label] for label in groups] if isinstance(title, dict) else None
    if isinstance(title, dict):
        title = titles[0] if titles else next(iter(title.values()), "")
    fig = go.Figure()
    for index, frame in enumerate(groups.values()):
        shown = frame.reverse()
        colours = [(GAIN if v >= 0 else LOSS) if diverging else PALETTE[0] for v in shown["value"]]
        fig.add_trace(
            go.Bar(
                x=shown["value"].to_list(),
                y=[
                    esc(label) + (" (few moves)" if small else "")
                    for label, small in zip(shown["label"], shown["small"], strict=True)
                ],
                orientation="h",
                marker={
                    "color": colours,
                    "opacity": [0.4 if s else 1.0 for s in shown["small"]],
                },
                visible=index == 0,
                hovertext=[esc(h) for h in shown["hover"]],
                hoverinfo="text",
            )
        )
    tallest = max((f.height for f in groups.values()), default=1)
    menu = dropdown_height(len(groups)) if len(groups) > 1 else 0
    apply_layout(fig, title, height=max(320, 24 * tallest + 150, menu))
    largest = max((f["value"].abs().max() or 0 for f in groups.values()), default=0)
    fig.update_xaxes(value_axis(axis_title, whole_up_to=largest if whole else None))
    shown_notes = list(notes)
    if len(groups) > 1:
        fig.update_layout(
            updatemenus=[dropdown(list(groups), list(range(len(groups))), titles)],
            margin={"t": 110},
        )
        shown_notes.append("Choose the approach with the menu above the chart.")
    data = (
        pl.concat(
            [
                f.drop("hover").with_columns(pl.lit(label).alias("group"))
                for label, f in groups.items()
            ]
        )
        if groups
        else pl.DataFrame()
    )
    return Chart(chart_id, fig, data, caption, shown_notes)


def producer_bars(
    frame: pl.DataFrame, chart_id: str, title: str, caption: str, n: int = TOP_PRODUCERS
) -> Chart:
    """Paired bars for the ``n`` countries that produced the most researchers: researchers
    produced there against researchers last seen there, the share of its own who stayed in
    each label, and countries with few researchers flagged. The CSV holds every country.

    ``frame`` has country_name, produced, stayed, left_abroad, arrived, last_seen,
    net_gain, stayed_share and small_n, most produced first.
    """
    shown = frame.head(n).reverse()
    labels = [
        esc(r["country_name"])
        + ("" if r["stayed_share"] is None else f" ({r['stayed_share']:.0%} stayed)")
        + (" (few researchers)" if r["small_n"] else "")
        for r in shown.iter_rows(named=True)
    ]
    hover = [
        f"{esc(r['country_name'])}: produced {r['produced']:,}, of whom {r['stayed']:,} stayed "
        f"and {r['left_abroad']:,} left; {r['arrived']:,} arrived from elsewhere; last seen "
        f"there {r['last_seen']:,} (net gain {r['net_gain']:+,})"
        for r in shown.iter_rows(named=True)
    ]
    fig = go.Figure()
    for column, name, colour in (
        ("produced", "Produced there", PALETTE[0]),
        ("last_seen", "Last seen there", PALETTE[1]),
    ):
        fig.add_trace(
            go.Bar(
                x=shown[column].to_list(),
                y=labels,
                name=name,
                orientation="h",
                marker={
                    "color": colour,
                    "opacity": [0.4 if s else 1.0 for s in shown["small_n"]],
                },
                hovertext=hover,
                hoverinfo="text",
            )
        )
    apply_layout(fig, title, height=max(360, 40 * shown.height + 160))
    fig.update_layout(
        barmode="group", legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"}
    )
    largest = max(shown["produced"].max() or 0, shown["last_seen"].max() or 0)
    fig.update_xaxes(value_axis("researchers", whole_up_to=largest))
    notes = [
        f"The {n} countries that produced the most researchers; every country is in the CSV. "
        "A longer orange bar: the country ends with more researchers than it produced."
    ]
    return Chart(chart_id, fig, frame, caption, notes)


def retention_bars(
    frame: pl.DataFrame,
    chart_id: str,
    title: str,
    caption: str,
    world: float | None,
    level: float,
) -> Chart:
    """Bars of five-year retention with Wilson intervals at ``level``, highest on top, and
    the world value as a dashed line. ``frame`` has entity_name, value, stayed, placed,
    ci_low, ci_high (rows of ``retention`` with enough researchers)."""
    shown = frame.reverse()
    words = level_words(level)
    fig = go.Figure(
        go.Bar(
            x=shown["value"].to_list(),
            y=[esc(n) for n in shown["entity_name"]],
            orientation="h",
            marker_color=PALETTE[0],
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (shown["ci_high"] - shown["value"]).to_list(),
                "arrayminus": (shown["value"] - shown["ci_low"]).to_list(),
                "color": "#555",
            },
            hovertext=[
                f"{esc(r['entity_name'])}: {r['value']:.0%} ({r['stayed']:,.0f} of "
                f"{r['placed']:,.0f} researchers; {words} interval {r['ci_low']:.0%} to "
                f"{r['ci_high']:.0%})"
                for r in shown.iter_rows(named=True)
            ],
            hoverinfo="text",
        )
    )
    if world is not None:
        dashed_line(fig, "world", x=world)
    apply_layout(fig, title, height=max(360, 24 * shown.height + 140))
    fig.update_xaxes(value_axis("share still in the country", percent=True), range=[0, 1.02])
    return Chart(
        chart_id,
        fig,
        frame,
        caption,
        [f"Bars show {words} Wilson intervals: wide where a country produced few researchers."],
    )


def stage_bars(
    frame: pl.DataFrame, chart_id: str, title: str, caption: str, incomplete: Sequence[int]
) -> Chart:
    """Stacked bars of moves per year by career stage (rows of ``stage_moves``), the
    incomplete years greyed."""
    fig = go.Figure()
    for index, stage in enumerate(STAGES):
        rows = frame.filter(pl.col("career_stage") == stage).sort("year")
        fig.add_trace(
            go.Bar(
                x=rows["year"].to_list(),
                y=rows["moves"].to_list(),
                name=stage,
                marker_color=PALETTE[index],
                hovertemplate=f"{stage} %{{x}}: %{{y:,}} moves<extra></extra>",
            )
        )
    apply_layout(fig, title)
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": -0.15})
    tallest = frame.group_by("year").agg(pl.col("moves").sum())["moves"].max()
    fig.update_yaxes(value_axis("moves between countries", whole_up_to=tallest))
    fig.update_xaxes(dtick=2)
    notes = []
    shown = [y for y in incomplete if y in set(frame["year"])]
    if shown:
        notes.append(shade_incomplete(fig, shown, INCOMPLETE_REASON))
    return Chart(chart_id, fig, frame, caption, notes)


# ---- the pages ---------------------------------------------------------------------


def _no_workforce() -> list[Section]:
    return [Section("Researcher flows", ["This published file holds no researcher-flow tables."])]


def overview(data: SiteData) -> list[Section]:
    """One headline paragraph: moves between countries over the period, who gains and who
    loses most, with a link to the researcher-flows page."""
    span = window(data)
    if span is None:
        return []
    first, last = span
    moves = _rows(data, entity_type="world", indicator="international_moves", approach="all")
    hidden = hidden_within(
        data,
        "workforce_indicators",
        "year",
        first,
        last,
        entity_type="world",
        indicator="international_moves",
        approach="all",
    )
    gains = net_gain(data, first, last)
    if hidden:
        # a year of the world's moves is suppressed: no total rather than one short of it
        said = (
            f"Quantum researchers moved between countries in {first}-{last}, as their "
            "OpenAlex affiliations place them (no total: the moves of "
            f"{years_words(sorted(hidden))} are too few to publish in this release)"
        )
    else:
        total = int(moves.filter(pl.col("year").is_between(first, last))["value"].sum())
        said = (
            f"{counted(total, 'move')} of quantum researchers between countries in "
            f"{first}-{last}, as their OpenAlex affiliations place them"
        )
    if gains.height:
        top, bottom = gains.row(0, named=True), gains.row(-1, named=True)
        among = " of the countries ranked" if left_out_countries(data, first, last) else ""
        said += (
            f"; {top['entity_name']} had the largest net inflow{among} ({top['net_flow']:+,} "
            f"moves), {bottom['entity_name']} the largest net outflow ({bottom['net_flow']:+,})"
        )
    said += "."
    if left_out_countries(data, first, last):
        said += " " + left_out_of_sums("countries", f"{first}-{last}")
    said += " A move is a change of affiliation country, not a visa or a contract."
    if is_sample(data):
        said += " SYNTHETIC SAMPLE: invented researchers."
    said += " Every flow, gain and caveat: the researcher-flows page (under Explore)."
    return [Section("Researcher flows", [said])]


def approach(data: SiteData, approach_id: str) -> list[Section]:
    """Nothing: each approach's flows are a choice on the researcher-flows page."""
    return []


def page(data: SiteData) -> list[Section]:
    """The sections of the researcher-flows page: the largest flows (Sankey, by approach),
    net gains (by approach), net gains for a country's size (by approach), producers
    against destinations, five-year retention, career stages of movers, and what a move is
    and is not; each chart with its SQL."""
    span = window(data)
    if span is None:
        return _no_workforce()
    first, last = span
    intro = [
        "Where quantum researchers move between countries, from the countries their OpenAlex "
        "affiliations place them in year by year. A move is a change of that country between "
        "two observed years: not a visa, a contract or a change of home. Researchers who stop "
        f"publishing vanish from the data. Flows are summed over {first}-{last}, the last "
        f"{WINDOW} complete years. No researcher is named or listed: every figure is a count.",
        Markup('Read <a href="#caveats">what a move is and is not</a> before citing a number.'),
    ]
    if data.suppresses:
        intro.append(
            Markup(
                "This release suppresses small numbers: a year's flow of under "
                f"{small_flow(data)} moves, or a count of under {small_n(data)} researchers, "
                "is not published, and a flow, country or year whose sum on this page would "
                "take in one is left out of that sum rather than shown short of it (each chart "
                'says when; see <a href="methods.html">Methods and caveats</a>, Small '
                "numbers)."
            )
        )
    if is_sample(data):
        intro.append(
            "SYNTHETIC SAMPLE: the researchers and moves on this page are invented by qcm's "
            "demonstration sample; do not cite them."
        )
    sections = [Section("What this page shows", intro)]
    sections.append(_flows_section(data, first, last))
    sections.append(_net_section(data, first, last))
    rates = _rate_section(data)
    if rates is not None:
        sections.append(rates)
    sections.append(_producers_section(data))
    sections.append(_retention_section(data))
    sections.append(_stages_section(data, first, last))
    sections.append(_caveats_section(data))
    return sections


def _titled(data: SiteData, label: str, said: str) -> str:
    """A chart title for one menu choice: the sample label, the approach unless the choice
    is every researcher, then ``said``; its first letter a capital."""
    title = _prefix(data) + ("" if label == EVERYONE else f"{label}: ") + said
    return title[:1].upper() + title[1:]


def _flow_title(
    data: SiteData,
    label: str,
    frame: pl.DataFrame,
    first: int,
    last: int,
    left_out: bool = False,
) -> str:
    """The title of the flow diagram for one choice: its largest flow (``left_out``: flows
    with a suppressed year were left out, so it is the largest of those shown)."""
    if frame.height == 0:
        return _titled(data, label, f"flows of quantum researchers, {first}-{last}")
    top = frame.row(0, named=True)
    largest = "the largest flow shown" if left_out else "the largest flow"
    return _titled(
        data,
        label,
        f"{top['origin_name']} to {top['destination_name']} is {largest}, "
        f"{first}-{last} ({counted(top['moves'], 'move')})",
    )


def _net_title(
    data: SiteData,
    label: str,
    frame: pl.DataFrame,
    first: int,
    last: int,
    left_out: bool = False,
) -> str:
    """The title of the net-gain ranking for one choice: its largest gain, if any
    (``left_out``: countries with a suppressed year were left out, so none gaining among
    the rest does not say that no country gained)."""
    if (frame.height == 0 or frame["value"][0] <= 0) and left_out:
        return _titled(data, label, f"net flows of quantum researchers, {first}-{last}")
    if frame.height == 0 or frame["value"][0] <= 0:
        return _titled(data, label, f"no country had a net inflow of moves, {first}-{last}")
    return _titled(
        data,
        label,
        f"{frame['label'][0]} had the largest net inflow of moves"
        + (" of the countries ranked" if left_out else "")
        + f", {first}-{last}: {frame['value'][0]:+,}",
    )


def _say_left_out(section: Section, chart: Chart, said: Sequence[str]) -> Section:
    """``section`` with ``said`` (what the sums of ``chart`` left out) under the chart or,
    when the chart has no rows left (the site drops such a chart, notes and all), in the
    section's paragraphs, each sentence once."""
    told = chart.notes if chart.data.height else section.paragraphs
    told.extend(sentence for sentence in dict.fromkeys(said) if sentence not in told)
    return section


def _flows_section(data: SiteData, first: int, last: int) -> Section:
    threshold = small_flow(data)
    frames, titles, totals, left_out = {}, {}, {}, {}
    for approach_id, label in approach_choices(data).items():
        flows = period_flows(data, first, last, approach_id)
        frames[label] = top_flows(flows)
        left_out[label] = left_out_pairs(data, first, last, approach_id)
        titles[label] = _flow_title(data, label, frames[label], first, last, bool(left_out[label]))
        totals[label] = int(flows["moves"].sum()) if flows.height else 0
    everyone = frames[EVERYONE]
    chart = flow_sankey(
        frames,
        "workforce-sankey",
        titles,
        _caption(data, "moves between countries", f"{first}-{last}, by year of arrival"),
        threshold,
        data.suppresses,
    )
    shown = int(everyone["moves"].sum()) if everyone.height else 0
    total = totals[EVERYONE]
    if total:
        chart.notes.append(
            f"All researchers: the {TOP_FLOWS} largest flows carry {shown:,} of the {total:,} "
            f"moves between countries in {first}-{last} ({shown / total:.0%}); the rest are "
            + (
                "smaller flows, in the published file (a flow with a year of under "
                f"{threshold} moves, suppressed in this release, is not counted in either)."
                if left_out[EVERYONE]
                else "smaller flows, in the published file."
            )
        )
    section = Section(
        "The largest flows between countries",
        [
            f"The {TOP_FLOWS} largest country-to-country flows over {first}-{last}, for every "
            "researcher or one approach at a time. A researcher who moved twice counts twice; "
            "a return to a country seen before is a move too (counted in returns)."
        ],
        charts=[chart],
        code=flows_sql(first, last, threshold, suppressed=data.suppresses),
    )
    said = [left_out_of_sums("flows between two countries", f"{first}-{last}")]
    return _say_left_out(section, chart, said if any(left_out.values()) else [])


def _net_section(data: SiteData, first: int, last: int) -> Section:
    groups, left_out, hidden = {}, {}, []
    for approach_id, label in approach_choices(data).items():
        left_out[label] = bool(left_out_countries(data, first, last, approach_id))
        gains = net_gain(data, first, last, approach_id)
        frame = gainers_and_losers(gains, "net_flow")
        if approach_id == "all":
            hidden = not_drawn(gains.height, frame.height, "countries")
        groups[label] = frame.select(
            pl.col("entity_name").alias("label"),
            pl.col("net_flow").alias("value"),
            pl.col("small_n").alias("small"),
            "entity_code",
            "inflow",
            "outflow",
            pl.format(
                "{}: {} arrived, {} left, net {}",
                "entity_name",
                "inflow",
                "outflow",
                pl.when(pl.col("net_flow") > 0)
                .then(pl.format("+{}", "net_flow"))
                .otherwise(pl.col("net_flow").cast(pl.String)),
            ).alias("hover"),
        )
    titles = {
        label: _net_title(data, label, frame, first, last, left_out[label])
        for label, frame in groups.items()
    }
    threshold = small_flow(data)
    chart = flagged_bars(
        groups,
        "workforce-net",
        titles,
        _caption(data, "moves (inflow minus outflow)", f"{first}-{last}"),
        "net flow: moves in minus moves out",
        diverging=True,
        notes=[
            f"The {TOP_NET} largest gains (green) and the {TOP_NET} largest losses (orange). "
            f"Faded bars marked 'few moves': under {threshold} moves in and out over the "
            "period, not a trend.",
            *(f"All researchers: {line}" for line in hidden),
        ],
    )
    section = Section(
        "Who gains and who loses researchers",
        [
            f"Net flow: moves into a country minus moves out of it, summed over {first}-{last}. "
            "A gain says there were more moves in than out (a researcher who moved twice "
            "counts twice), not that the country trains or employs more researchers."
        ],
        charts=[chart],
        code=net_sql(first, last, threshold, suppressed=data.suppresses),
    )
    said = [left_out_of_sums("countries", f"{first}-{last}")]
    return _say_left_out(section, chart, said if any(left_out.values()) else [])


def _rate_section(data: SiteData) -> Section | None:
    """Net gains for a country's size: the net migration rate pooled over the last complete
    years, the countries with too few moves or researchers for a rate left out and counted;
    None when no year has both its moves and its active researchers complete."""
    span = rate_window(data)
    if span is None:
        return None
    first, last = span
    threshold, researchers = small_flow(data), small_n(data)
    groups, titles, unranked, left_out, hidden = {}, {}, {}, {}, []
    for approach_id, label in approach_choices(data).items():
        rates = net_rates(data, first, last, approach_id)
        left_out[label] = bool(left_out_of_rates(data, first, last, approach_id))
        unranked[label] = sorted(rates.filter(pl.col("small_n"))["entity_name"].to_list())
        everyone = rates.filter(~pl.col("small_n"))
        ranked = gainers_and_losers(everyone, "rate")
        if approach_id == "all":
            hidden = not_drawn(everyone.height, ranked.height, "countries ranked")
        groups[label] = ranked.select(
            pl.col("entity_name").alias("label"),
            pl.col("rate").alias("value"),
            pl.col("small_n").alias("small"),
            "entity_code",
            "inflow",
            "outflow",
            "researcher_years",
            "efficiency",
        ).with_columns(
            pl.Series("hover", [_rate_hover(r) for r in ranked.iter_rows(named=True)], pl.String)
        )
        titles[label] = _rate_title(
            data, label, groups[label], first, last, everyone.height, len(unranked[label])
        )
    rule = (
        f"A country with under {threshold} moves in and out over {first}-{last}, or under "
        f"{researchers} active researchers a year on average, is not ranked: on so few, one "
        "move swings its rate."
    )
    notes = [
        f"The {TOP_NET} largest gains (green) and the {TOP_NET} largest losses (orange) for "
        f"the size of the country's quantum workforce. {rule}",
        *(f"All researchers: {line}" for line in hidden),
    ]
    said = []
    if unranked[EVERYONE]:
        names = unranked[EVERYONE]
        said.append(
            "All researchers: not ranked, with too few moves or researchers: "
            + (listed(names) if len(names) <= TOP_NET else f"{len(names):,} countries")
            + " (their figures are in the database, marts.workforce_indicators)."
            + ("" if groups[EVERYONE].height else f" {rule}")
        )
    if any(left_out.values()):
        said.append(left_out_of_sums("countries", f"{first}-{last}"))
    chart = flagged_bars(
        groups,
        "workforce-net-rate",
        titles,
        _caption(
            data,
            "net moves a year per 100 researchers active in the country (the net migration "
            "rate, pooled over the years)",
            f"{first}-{last}",
        ),
        "net moves a year per 100 active researchers",
        diverging=True,
        notes=notes,
        whole=False,
    )
    section = Section(
        "Gains and losses for a country's size",
        [
            "A net flow favours countries with many researchers: a hundred more arrivals than "
            "departures is a large change for a small research base and a small one for a "
            "large base. Here each country's net flow is divided by the size of its quantum "
            f"workforce: net moves a year per 100 researchers active in it over {first}-{last} "
            "(the net migration rate, pooled over the years: the net flow over the period "
            "divided by the researchers active summed over its years).",
            "Migration efficiency, in each bar's label on hover, divides the same net flow by "
            "all moves in and out instead, from -1 (only departures) to +1 (only arrivals): "
            "near 0, a country exchanges researchers both ways; near either end, they move "
            "one way, whatever its size.",
        ],
        charts=[chart],
        code=rate_sql(first, last, threshold, researchers, suppressed=data.suppresses),
    )
    moves = window(data)
    if moves is not None and last < moves[1]:
        section.paragraphs.append(
            f"These are ten years too, but {first}-{last}, {moves[1] - last} years earlier than "
            f"the net flows above ({moves[0]}-{moves[1]}): a researcher is counted active in a "
            f"year only when the next observations are indexed ({PLACED_REASON}), so the "
            f"researchers active after {last} are still being counted. A country's arrivals "
            "and departures here are those of these years, not the net flows above."
        )
    return _say_left_out(section, chart, said)


def _rate_hover(row: dict) -> str:
    """The hover text of a country's bar on the ranking for its size, from a row of
    ``net_rates``."""
    said = (
        f"{row['entity_name']}: net {_signed(row['rate'])} moves a year per 100 active "
        "researchers "
        f"({row['inflow']:,} arrived, {row['outflow']:,} left; "
        f"{row['researcher_years']:,} researcher-years active)"
    )
    efficiency = row["efficiency"]
    if efficiency is None:
        return said
    return (
        f"{said}; migration efficiency {_signed(efficiency)}: arrivals were "
        f"{50 * (1 + efficiency):.0f}% of the moves in and out"
    )


def _signed(value: float) -> str:
    """``value`` to two decimals with its sign: ``+1.25``, ``-0.50``, ``0.00``."""
    text = f"{value:+.2f}"
    return "0.00" if text in ("+0.00", "-0.00") else text


def _rate_title(
    data: SiteData,
    label: str,
    frame: pl.DataFrame,
    first: int,
    last: int,
    ranked: int,
    unranked: int,
) -> str:
    """The title of the ranking for a country's size for one choice: its largest gain, if
    any, and how many countries it ranks (``ranked``) and leaves out as too small
    (``unranked``), so that a choice with few is read as such."""
    counts = f"{ranked:,} {'country' if ranked == 1 else 'countries'} ranked" + (
        f", {unranked:,} too small to rank" if unranked else ""
    )
    if frame.height == 0:
        return _titled(data, label, f"net flows for a country's size, {first}-{last} ({counts})")
    if frame["value"][0] <= 0:
        return _titled(
            data, label, f"no country ranked had a net inflow, {first}-{last} ({counts})"
        )
    return _titled(
        data,
        label,
        f"{frame['label'][0]} gained the most for its size, {first}-{last}: "
        f"{_signed(frame['value'][0])} net moves a year per 100 active researchers ({counts})",
    )


def _producers_section(data: SiteData) -> Section:
    frame = producers(data)
    said = [
        "A country produces a researcher when it is their country in the year of their first "
        "quantum paper (the producer rule below). Set against where each researcher was last "
        "seen: the countries "
        "that train quantum researchers and the ones they end up in. Net gain is researchers "
        "who arrived from elsewhere minus those produced there who left, over their careers "
        "(people, where the net inflow above counts moves over the years shown). A share "
        "who stayed pools every year produced, the latest too: researchers produced recently "
        "have had little time to leave, so it is higher than an older cohort's would be "
        "(retention after five years, below, compares like with like)."
    ]
    if frame.height and frame["produced"][0] > 0:
        top = frame.row(0, named=True)
        title = (
            f"{_prefix(data)}{top['country_name']} produced the most researchers "
            f"({top['produced']:,}); {top['stayed_share']:.0%} of them stayed"
        )
        ranked = frame.sort(["net_gain", "country_name"], descending=[True, False])
        gain, loss = ranked.row(0, named=True), ranked.row(-1, named=True)
        said.append(
            f"Largest net gain of researchers over their careers: {gain['country_name']} "
            f"({gain['net_gain']:+,})"
            + (
                f"; largest net loss: {loss['country_name']} ({-loss['net_gain']:,}: more of "
                "its own were last seen abroad than arrived from elsewhere)."
                if loss["net_gain"] < 0
                else "."
            )
        )
        frame = frame.select(
            "country_iso3",
            "country_name",
            "produced",
            "stayed",
            "left_abroad",
            "arrived",
            "last_seen",
            "net_gain",
            "stayed_share",
            "small_n",
        )
    else:
        title = f"{_prefix(data)}Producers and destinations"
    chart = producer_bars(
        frame,
        "workforce-producers",
        title,
        _caption(data, "researchers", "All years of the data"),
    )
    section = Section("Producers and destinations", said, charts=[chart], code=producers_sql())
    hidden = data.hidden("workforce_producers", approach="all")
    if "country_iso3" in hidden.columns:
        hidden = hidden.filter(pl.col("country_iso3") != UNKNOWN_COUNTRY)
    left_out = (
        "This release suppresses small numbers: countries whose producer figures rest on too "
        f"few researchers (under {small_n(data)}) are not published, and not shown."
    )
    return _say_left_out(section, chart, [left_out] if hidden.height else [])


def _retention_section(data: SiteData) -> Section:
    cohorts = retention_cohorts(data)
    years = retention_years(data)
    threshold = small_n(data)
    heading = "Retention after five years"
    if cohorts is None:
        return Section(
            heading,
            [f"No producing year is followed by {years} complete years yet: no retention."],
        )
    first, last = cohorts
    pooled = retention(data, first, last)
    world = pooled.filter(pl.col("entity_type") == "world")
    countries = pooled.filter(pl.col("entity_type") == "country")
    ranked = countries.filter(pl.col("enough")).select(
        "entity_code",
        "entity_name",
        "stayed",
        "placed",
        "value",
        "ci_low",
        "ci_high",
        "interval_method",
    )
    few = countries.filter(~pl.col("enough"))["entity_name"].sort().to_list()
    if ranked.height:
        top = ranked.row(0, named=True)
        title = (
            f"{_prefix(data)}{top['entity_name']}: {top['value']:.0%} of its researchers still "
            f"there {years} years later ({top['stayed']:,.0f} of {top['placed']:,.0f})"
        )
    else:
        title = f"{_prefix(data)}Retention after {years} years (produced {first}-{last})"
    chart = retention_bars(
        ranked,
        "workforce-retention",
        title,
        _caption(data, "share of researchers", f"Researchers produced {first}-{last}"),
        world["value"][0] if world.height else None,
        common.interval_level(data),
    )
    if few:
        chart.notes.append(
            f"Not ranked, fewer than {threshold} researchers placed {years} years later: "
            f"{listed(few)}."
        )
    section = Section(
        heading,
        [
            f"Of the researchers a country produced in {first}-{last} who are still placed "
            f"somewhere {years} years later, the share placed in that country. Researchers "
            "who stopped publishing are left out of both counts: retention is among those "
            f"still active. Only countries with at least {threshold} such researchers are "
            "ranked; the dashed line is the world (the share in their producing country)."
        ],
        charts=[chart],
        code=retention_sql(first, last, threshold, suppressed=data.suppresses),
    )
    return _say_left_out(section, chart, _retention_left_out(data, first, last))


def _retention_left_out(data: SiteData, first: int, last: int) -> list[str]:
    """What the retention chart says of the countries (and the world) left out of the
    pooling because a producing year of theirs is suppressed; nothing when none is."""
    hidden = left_out_of_retention(data, first, last)
    said = []
    if hidden - {"WLD"}:
        said.append(
            "This release suppresses small numbers: countries with a producing year too "
            f"small to publish in {first}-{last} are left out, as their other years alone "
            "would misstate the pooled retention."
        )
    if "WLD" in hidden:
        said.append(
            f"The world's retention is not pooled either (a producing year of {first}-{last} "
            "is suppressed in this release): no world line."
        )
    return said


def _stages_section(data: SiteData, first: int, last: int) -> Section:
    moves = stage_moves(data)
    rates = stage_rates(moves, first, last) if moves.height else moves
    # rates divide by the active researchers, whose latest years stay open longer
    placed = min(last, complete_year(data, ACTIVE) or last)
    per_active = stage_rates(moves, first, placed) if moves.height else moves
    said = []
    if rates.height and rates["moves"].sum():
        top = rates.sort(["moves", "career_stage"], descending=[True, False]).row(0, named=True)
        title = (
            f"{_prefix(data)}{top['career_stage'].capitalize()} researchers make "
            f"{top['share']:.0%} of moves between countries, {first}-{last}"
        )
        said.append(
            "Moves a year per 100 active researchers of the stage, "
            f"{first}-{placed}: "
            + "; ".join(
                f"{r['career_stage']} {r['per_100']:.1f}"
                + (f" (few moves: {r['moves']})" if r["moves"] < small_flow(data) else "")
                for r in per_active.iter_rows(named=True)
                if r["per_100"] is not None
            )
            + "."
        )
    else:
        title = f"{_prefix(data)}Moves between countries by career stage"
    hidden = left_out_stage_years(data)
    if moves.height:  # the years before the chart's first are not missed from it
        hidden = [year for year in hidden if year >= moves["year"].min()]
    if hidden and not moves.height:
        said.append(
            "No year can be shown in this release: every year has a career stage whose "
            "world counts are too small to publish, and a year is not drawn with a stage "
            "missing."
        )
    elif hidden:
        one = len(hidden) == 1
        said.append(
            "This release suppresses small numbers: "
            + ("the year" if one else "the years")
            + f" with a career stage too small to publish for the world ({years_words(hidden)}) "
            + ("is" if one else "are")
            + " left out, not drawn with that stage missing."
        )
    low = data.methods.get("workforce_stage_mid_from", "5")
    high = data.methods.get("workforce_stage_senior_from", "15")
    chart = stage_bars(
        moves,
        "workforce-stages",
        title,
        _caption(data, "moves between countries (every country's inflow)", "By year of arrival"),
        incomplete_years(data),
    )
    return Section(
        "Career stages of movers",
        [
            "A researcher's career stage in the year of a move counts from their first year "
            f"of evidence (any field): early career below {low} years, mid career from {low}, "
            f"senior from {high}. The evidence starts where the data start, so in the first "
            f"{high} years of the data nobody can yet be senior: the senior share of those "
            "years is low by construction.",
            *said,
        ],
        charts=[chart],
        code=stages_sql(
            suppressed=data.suppresses,
            world=_has_world_stages(data),
        ),
    )


def _caveats_section(data: SiteData) -> Section:
    """What a move is and is not, with each rule of meta.methods in plain words."""
    latest = incomplete_years(data)
    paragraphs = [
        Markup('<span id="caveats">{}</span>').format(
            "A move is a change of the country qcm places a researcher in between two "
            "consecutive observed years, read from OpenAlex affiliation data. It is not a "
            "visa, a contract, a change of employer within a country or of residence, and "
            "it is dated in the year the researcher is first seen in the new country."
        ),
        "Researchers who stop publishing vanish: someone who leaves research, or moves to a "
        "company or agency that does not publish, is not seen leaving. Someone seen in a "
        "country only once never moves. Author records in OpenAlex can merge two people or "
        "split one, which makes or hides moves.",
        _incomplete_words(data, latest),
        "Approaches overlap: a researcher belongs to every approach of their quantum works, "
        "from the year of their first work in it, so flows by approach must not be added.",
        *(_rule(data, key) for key in NOTE_RULES),
    ]
    if is_sample(data):
        paragraphs.append(
            "In this build the author records are the SYNTHETIC SAMPLE (data kind "
            "'synthetic sample' in marts.workforce_indicators): invented researchers whose "
            "moves only demonstrate the method."
        )
    return Section("What a move is, and what it is not", paragraphs)


def _incomplete_words(data: SiteData, moves: list[int]) -> str:
    """Which years are still open, indicator by indicator (``moves``: those of the moves),
    and what the page does with them."""
    placed = incomplete_years(data, ACTIVE)
    if not moves and not placed:
        return "Every year shown is complete."
    said = []
    if moves:
        said.append(
            f"Moves of {listed([str(y) for y in moves])} are incomplete: publications, and so "
            "affiliations, keep being indexed for months."
        )
    if placed and placed != moves:
        said.append(
            f"The researchers placed in {listed([str(y) for y in placed])} (active researchers, "
            "those produced) are incomplete too: a later observation can still carry someone "
            "through those years."
        )
    cohort = complete_year(data, RETENTION)
    if cohort is not None:
        said.append(f"Retention is complete for the researchers produced up to {cohort}.")
    said.append(
        "Incomplete years are greyed on trends, and every sum on this page stops before them."
    )
    return " ".join(said)


def country(data: SiteData, iso3: str) -> list[Section]:
    """A country's researchers: active researchers, inflow and outflow over time, where
    arrivals came from and departures went, and producers against destinations."""
    span = window(data)
    if span is None:
        return _no_workforce()
    first, last = span
    found = data.countries.filter(pl.col("iso3") == iso3)["name"]
    name = found[0] if found.len() else iso3
    series = country_series(data, iso3)
    links = [("Researchers", [("workforce.html", "Researcher flows of every country")])]
    hidden = data.hidden(
        "workforce_indicators", entity_type="country", entity_code=iso3, approach="all"
    ).filter(pl.col("indicator").is_in(["researchers_active", "inflow", "outflow"]))
    if series.height == 0 and hidden.height:
        return [
            Section(
                "Researcher flows",
                [
                    f"In every year, too few quantum researchers are placed in {name}, or move "
                    "into or out of it, to publish in this release (small numbers suppressed)."
                ],
                links=links,
            )
        ]
    if series.height == 0 or series["value"].sum() == 0:
        return [
            Section(
                "Researcher flows",
                [f"No quantum researcher is placed in {name} in this build."],
                links=links,
            )
        ]
    incomplete = incomplete_years(data)
    named = series.with_columns(
        pl.col("indicator").replace_strict(SERIES_LABELS).alias("entity_name"),
        pl.lit(iso3).alias("entity_code"),
    ).select("entity_code", "entity_name", "year", "value", "small_n", "year_incomplete")
    period = named.filter(pl.col("year").is_between(first, last))
    active = named.filter(pl.col("entity_name") == SERIES_LABELS["researchers_active"])
    # the latest year whose placements are complete (they stay open longer than moves),
    # a suppressed one included: it is said to be too small, not passed over
    hidden_active = hidden.filter(
        pl.col("indicator") == "researchers_active", ~pl.col("year_incomplete")
    )
    closed = active.filter(~pl.col("year_incomplete"))
    years = set(closed["year"].to_list()) | set(hidden_active["year"].to_list())
    placed = int(max(years)) if years else last
    latest = active.filter(pl.col("year") == placed)["value"].sum()
    if placed in set(hidden_active["year"].to_list()):
        placed_said = (
            f"Fewer than {small_n(data)} quantum researchers were placed in {name} in {placed} "
            "by their OpenAlex affiliations (too few to publish in this release)."
        )
    else:
        placed_said = (
            f"{counted(int(latest), 'quantum researcher')} placed in {name} in {placed} by "
            "their OpenAlex affiliations."
        )
    said = [f"{placed_said} {_country_moves_said(data, name, period, hidden, first, last)}"]
    said += _rate_said(data, iso3, name)
    said += _producer_said(data, iso3, name)
    if is_sample(data):
        said.append("SYNTHETIC SAMPLE: invented researchers and moves.")
    # a year the release suppressed is a gap in its line, not a line across it (the mart
    # holds a row, 0 included, for every other year of the country's span)
    labelled = hidden.with_columns(
        pl.col("indicator").replace_strict(SERIES_LABELS).alias("entity_name")
    )
    years = pl.concat([named["year"], labelled["year"].cast(named.schema["year"])])
    lines = common.filled_years(
        named.select("entity_name", "year", "value"),
        list(range(years.min(), years.max() + 1)),
        [SERIES_LABELS[i] for i in ("researchers_active", "inflow", "outflow")],
        labelled.select("entity_name", "year"),
    )
    charts = [
        trend_lines(
            lines.filter(pl.col("entity_name") == SERIES_LABELS["researchers_active"]),
            f"workforce-{iso3}-active",
            f"{_prefix(data)}Quantum researchers placed in {name} each year",
            _caption(data, "researchers"),
            percent=False,
            incomplete_years=incomplete_years(data, ACTIVE),
            incomplete_reason=PLACED_REASON,
            unit=" researchers",
            y_title="researchers",
            whole=True,
        ),
        trend_lines(
            # no move can arrive in the data's first year (it needs a year observed before)
            lines.filter(
                pl.col("entity_name") != SERIES_LABELS["researchers_active"],
                pl.col("year") > _first_year(data),
            ),
            f"workforce-{iso3}-flows",
            f"{_prefix(data)}Researchers moving into and out of {name} each year",
            _caption(data, "moves"),
            percent=False,
            incomplete_years=incomplete,
            incomplete_reason=INCOMPLETE_REASON,
            unit=" moves",
            y_title="moves",
            whole=True,
        ),
    ]
    if charts[0].data["value"].null_count():
        charts[0].notes.append(
            f"A gap is a year with fewer than {small_n(data)} researchers placed: suppressed "
            "in this release."
        )
    charts[1].notes.append(
        f"Years with under {small_flow(data)} moves in and out are "
        + (
            "suppressed in this release: gaps in the lines."
            if data.suppresses
            else "flagged small_n in the CSV."
        )
    )
    sides = ("origin", "destination")
    partner_charts = [_partner_chart(data, iso3, name, first, last, side) for side in sides]
    where = Section(
        "Researcher flows: where arrivals came from and departures went",
        [],
        charts=partner_charts,
        code=country_sql(iso3, first, last, suppressed=data.suppresses),
        links=links,
    )
    for side, chart in zip(sides, partner_charts, strict=True):
        _say_left_out(where, chart, _partners_left_out(data, iso3, first, last, side))
    sections = [
        Section("Researcher flows", said, charts=charts, tables=_producer_table(data, iso3)),
        where,
    ]
    return sections


def _country_moves_said(
    data: SiteData,
    name: str,
    period: pl.DataFrame,
    hidden: pl.DataFrame,
    first: int,
    last: int,
) -> str:
    """What a country page says of the moves into and out of ``name`` over
    ``first``-``last``: their sums and net, from ``period`` (the country's published rows
    of those years, entity_name the labels of ``country``), or, when the release suppressed
    a year of them (``hidden``: the country's rows left out), that they are too few to
    publish rather than a sum short of them."""
    threshold = small_flow(data)
    moved = hidden.filter(
        pl.col("indicator").is_in(["inflow", "outflow"]), pl.col("year").is_between(first, last)
    )
    if moved.height:
        shown = period.filter(pl.col("entity_name") != SERIES_LABELS["researchers_active"])
        if shown.height == 0:
            return (
                f"Over {first}-{last}, fewer than {threshold} moves a year went into or out of "
                f"{name}: too few to publish in this release (suppressed)."
            )
        return (
            f"In {years_words(moved['year'].to_list())}, fewer than {threshold} moves a year "
            f"went into or out of {name}, too few to publish in this release, so no total over "
            f"{first}-{last} is given: a sum of the other years would understate it."
        )
    inflow = int(period.filter(pl.col("entity_name") == SERIES_LABELS["inflow"])["value"].sum())
    outflow = int(period.filter(pl.col("entity_name") == SERIES_LABELS["outflow"])["value"].sum())
    return (
        f"Over {first}-{last}: {counted(inflow, 'move')} into {name} "
        f"and {counted(outflow, 'move')} out of it, net {inflow - outflow:+,}."
        + (
            f" Under {threshold} moves in all: anecdotes, not a trend."
            if inflow + outflow < threshold
            else ""
        )
    )


def _rate_said(data: SiteData, iso3: str, name: str) -> list[str]:
    """What a country page says of its net flow for its size (``net_rates`` of every
    researcher over ``rate_window``): the rate, the migration efficiency and the country's
    rank among those ranked, that its moves or researchers are too few for a rate, or that
    a year of them is too small to publish (suppressed); nothing for a country without an
    active researcher in those years."""
    span = rate_window(data)
    if span is None:
        return []
    first, last = span
    if iso3 in left_out_of_rates(data, first, last):
        return [
            f"For its size, over {first}-{last}: no rate, as a year of its moves or active "
            "researchers is too small to publish in this release (suppressed)."
        ]
    rates = net_rates(data, first, last)
    row = rates.filter(pl.col("entity_code") == iso3)
    if row.height == 0:
        return []
    mine = row.row(0, named=True)
    if mine["small_n"]:
        few = []
        if mine["flow_moves"] < small_flow(data):
            few.append(f"{counted(mine['flow_moves'], 'move')} in and out")
        if mine["researcher_years"] < small_n(data) * (last - first + 1):
            few.append(
                f"{mine['researcher_years'] / (last - first + 1):.1f} active researchers a "
                "year on average"
            )
        return [f"For its size, over {first}-{last}: too few for a rate ({listed(few)})."]
    ranked = rates.filter(~pl.col("small_n"))
    rank = 1 + ranked.filter(pl.col("rate") > mine["rate"]).height
    efficiency = mine["efficiency"]  # none without moves (workforce_small_flow set to 0)
    return [
        f"For its size, over {first}-{last}: net {_signed(mine['rate'])} moves a year per "
        f"100 researchers active in {name} ({ordinal(rank)} of the {ranked.height} countries "
        "ranked)"
        + ("" if efficiency is None else f", migration efficiency {_signed(efficiency)}")
        + "."
    ]


def _were(n: int) -> str:
    """``was`` for one, ``were`` for any other count."""
    return "was" if n == 1 else "were"


def _producer_said(data: SiteData, iso3: str, name: str) -> list[str]:
    """The country's producer and retention figures in plain sentences."""
    said = []
    row = producers(data).filter(pl.col("country_iso3") == iso3)
    if row.height:
        r = row.row(0, named=True)
        if r["produced"]:
            said.append(
                f"{name} produced {counted(r['produced'], 'researcher')} (first quantum "
                f"affiliation there): {r['stayed']:,} {_were(r['stayed'])} last seen there "
                f"({r['stayed_share']:.0%}) and {r['left_abroad']:,} abroad; "
                f"{r['arrived']:,} produced elsewhere {_were(r['arrived'])} last seen in "
                f"{name} (net gain {r['net_gain']:+,})."
                + (" Few researchers: read with care." if r["small_n"] else "")
            )
        else:
            said.append(
                f"{name} produced no researcher; {r['arrived']:,} produced elsewhere "
                f"{_were(r['arrived'])} last seen there."
            )
    elif data.hidden("workforce_producers", country_iso3=iso3, approach="all").height:
        said.append(
            f"{possessive(name)} producer figures (researchers produced there, and where they "
            f"were last seen) rest on too few researchers (under {small_n(data)}) to publish in "
            "this release."
        )
    cohorts = retention_cohorts(data)
    if cohorts is not None:
        first, last = cohorts
        years = retention_years(data)
        kept = retention(data, first, last).filter(pl.col("entity_code") == iso3)
        if iso3 in left_out_of_retention(data, first, last):
            said.append(
                f"The retention of the researchers {name} produced in {first}-{last} cannot be "
                f"pooled: in one of those years {name} produced too few researchers to publish "
                "in this release, and the other years alone would misstate it."
            )
        elif kept.height and kept["enough"][0]:
            k = kept.row(0, named=True)
            said.append(
                f"Of the researchers {name} produced in {first}-{last} and still placed "
                f"{years} years later, {k['value']:.0%} were in {name} "
                f"({k['stayed']:,.0f} of {k['placed']:,.0f})."
            )
        else:
            said.append(
                f"Too few researchers produced in {name} in {first}-{last} are still placed "
                f"{years} years later (under {small_n(data)}) for a retention figure."
            )
    return said


def _producer_table(data: SiteData, iso3: str) -> list[Table]:
    row = producers(data).filter(pl.col("country_iso3") == iso3)
    if row.height == 0:
        return []
    r = row.row(0, named=True)
    return [
        Table(
            [
                "Produced",
                "Stayed",
                "Left abroad",
                "Arrived from elsewhere",
                "Last seen there",
                "Net gain",
                "Stayed share",
            ],
            [
                [
                    f"{r['produced']:,}",
                    f"{r['stayed']:,}",
                    f"{r['left_abroad']:,}",
                    f"{r['arrived']:,}",
                    f"{r['last_seen']:,}",
                    f"{r['net_gain']:+,}",
                    "-" if r["stayed_share"] is None else f"{r['stayed_share']:.0%}",
                ]
            ],
            "Producers against destinations, every year of the data (marts.workforce_producers"
            ", approach 'all')." + (" Few researchers: read with care." if r["small_n"] else ""),
        )
    ]


def _partner_chart(data: SiteData, iso3: str, name: str, first: int, last: int, side: str) -> Chart:
    rows = partners(data, iso3, first, last, side).head(TOP_PARTNERS)
    arriving = side == "origin"
    frame = rows.select(
        pl.col("name").alias("label"),
        pl.col("moves").alias("value"),
        pl.col("is_small").alias("small"),
        "iso3",
        pl.format(
            "{}: {} " + ("to " if arriving else "from ") + "{}",
            "name",
            pl.format("{} move", "moves")
            + pl.when(pl.col("moves") == 1).then(pl.lit("")).otherwise(pl.lit("s")),
            pl.lit(name),
        ).alias("hover"),
    )
    title = (
        f"{_prefix(data)}Where researchers arriving in {name} came from, {first}-{last}"
        if arriving
        else f"{_prefix(data)}Where researchers leaving {name} went, {first}-{last}"
    )
    return flagged_bars(
        {"moves": frame},
        f"workforce-{iso3}-{'origins' if arriving else 'destinations'}",
        title,
        _caption(data, "moves", f"{first}-{last}"),
        "moves",
        notes=[
            (f"The {TOP_PARTNERS} largest" if rows.height == TOP_PARTNERS else "Every one")
            + f"; faded bars marked 'few moves' are under {small_flow(data)} moves: not a "
            "trend."
        ],
    )


def _partners_left_out(data: SiteData, iso3: str, first: int, last: int, side: str) -> list[str]:
    """What a country's partner chart (``side`` as in ``partners``) says of the flows left
    out of its sums because a year of theirs is suppressed; nothing when none is."""
    end = 1 if side == "origin" else 0  # where the country is in an (origin, destination)
    pairs = left_out_pairs(data, first, last)
    if any(pair[end] == iso3 for pair in pairs):
        return [left_out_of_sums("flows", f"{first}-{last}")]
    return []


def methods(data: SiteData) -> list[Section]:
    """Workforce definitions (meta.indicators) and every workforce rule (meta.methods)."""
    if not has_workforce(data):
        return []
    defs = data.workforce_definitions
    table = Table(
        ["Indicator", "What it means", "Unit", "Method"],
        [
            [r["name"], r["definition"], r["unit"], r["method_version"]]
            for r in defs.iter_rows(named=True)
        ]
        if "definition" in defs.columns
        else [],
    )
    keys = sorted(k for k in data.methods if k.startswith("workforce_"))
    rules = Table(
        ["Rule", "Value", "What it says"],
        [[k, data.methods[k], data.method_descriptions.get(k) or "-"] for k in keys],
    )
    return [
        Section(
            "Researcher flows: what the numbers mean",
            [
                "Researchers are the OpenAlex authors of in-scope quantum works, placed in a "
                "country each year by their affiliations. A move is a change of that country "
                "between two observed years: not a visa or a contract. Researchers who stop "
                "publishing vanish; the latest year is incomplete. No page names a researcher: "
                "marts.researchers and marts.researcher_moves are in the published file for "
                "auditing, and the pages show only counts. See the researcher-flows page for "
                "the caveats in full."
                + (
                    " In this build the researchers are the SYNTHETIC SAMPLE."
                    if is_sample(data)
                    else ""
                ),
            ],
            tables=[table],
            links=[("Researchers", [("workforce.html#caveats", "What a move is and is not")])],
        ),
        Section("Researcher flows: the rules", [], tables=[rules]),
        Section(
            "Researcher flows: reproduce a year's net flows",
            [
                "A country's inflow and outflow are counts of moves; this query rebuilds 2022 "
                "from marts.researcher_moves, to compare with inflow, outflow and net_flow "
                "(approach all) in marts.workforce_indicators."
            ],
            code=reproduce_sql(),
        ),
    ]


def reproduce_sql() -> str:
    """An SQL example that rebuilds one year's inflow, outflow and net flow per country
    from the moves that count in approach all (of a researcher with a work in all before
    the year of arrival), to compare with marts.workforce_indicators."""
    return (
        "-- duckdb -readonly qcm.duckdb\n"
        "with moves as (\n"
        "    select moves.*\n"
        "    from marts.researcher_moves as moves\n"
        "    inner join marts.researcher_approaches as approaches\n"
        "        on approaches.researcher_id = moves.researcher_id\n"
        "        and approaches.approach = 'all' and approaches.first_year < moves.year\n"
        "    where moves.counted and moves.year = 2022\n"
        ")\n"
        "select iso3, sum(arrived) as inflow, sum(left_) as outflow,\n"
        "    sum(arrived) - sum(left_) as net_flow\n"
        "from (\n"
        "    select destination_iso3 as iso3, 1 as arrived, 0 as left_ from moves\n"
        "    union all\n"
        "    select origin_iso3, 0, 1 from moves\n"
        ")\n"
        "group by iso3\n"
        "order by net_flow desc, iso3;"
    )


# ---- SQL to reproduce each chart ---------------------------------------------------


# in a release that suppresses small numbers, what leaves out of a sum every group with a
# suppressed row (published without its numbers), as the charts do
NO_SUPPRESSED = "having count({0}) = count(*)\n"


def flows_sql(
    first: int, last: int, threshold: int, n: int = TOP_FLOWS, suppressed: bool = False
) -> str:
    """SQL for the flow diagram: the ``n`` largest flows of every researcher (``suppressed``:
    without the flows with a suppressed year)."""
    return (
        "-- duckdb -readonly qcm.duckdb\n"
        "select origin_name, destination_name, sum(moves) as moves, sum(returns) as returns,\n"
        f"    sum(moves) < {threshold} as is_small\n"
        "from marts.workforce_flows\n"
        f"where approach = 'all' and year between {first} and {last}\n"
        "group by origin_name, destination_name\n"
        + (NO_SUPPRESSED.format("moves") if suppressed else "")
        + f"order by moves desc, origin_name, destination_name\nlimit {n};"
    )


def net_sql(first: int, last: int, threshold: int, suppressed: bool = False) -> str:
    """SQL for the net-gain ranking of every researcher (``suppressed``: without the
    countries with a suppressed year)."""
    return (
        "-- duckdb -readonly qcm.duckdb\n"
        "select entity_name,\n"
        "    sum(value) filter (where indicator = 'inflow') as inflow,\n"
        "    sum(value) filter (where indicator = 'outflow') as outflow,\n"
        "    inflow - outflow as net_flow,\n"
        f"    inflow + outflow < {threshold} as small_n\n"
        "from marts.workforce_indicators\n"
        "where entity_type = 'country' and approach = 'all'\n"
        f"  and indicator in ('inflow', 'outflow') and year between {first} and {last}\n"
        "group by entity_name\n"
        "having inflow + outflow > 0"
        + (" and count(value) = count(*)" if suppressed else "")
        + "\norder by net_flow desc, entity_name;"
    )


def rate_sql(
    first: int, last: int, threshold: int, researchers: int, suppressed: bool = False
) -> str:
    """SQL for the ranking of net gains for a country's size, every researcher: the net
    migration rate pooled over ``first``-``last``, countries with under ``threshold`` moves
    in and out or ``researchers`` active researchers a year on average left out
    (``suppressed``: and those with a suppressed year)."""
    return (
        "-- duckdb -readonly qcm.duckdb\n"
        "select entity_name,\n"
        "    sum(value) filter (where indicator = 'inflow') as inflow,\n"
        "    sum(value) filter (where indicator = 'outflow') as outflow,\n"
        "    sum(value) filter (where indicator = 'researchers_active') as researcher_years,\n"
        "    round(100 * (inflow - outflow) / researcher_years, 2) as net_per_100_a_year,\n"
        "    round((inflow - outflow) / (inflow + outflow), 2) as migration_efficiency\n"
        "from marts.workforce_indicators\n"
        "where entity_type = 'country' and approach = 'all'\n"
        "  and indicator in ('inflow', 'outflow', 'researchers_active')\n"
        f"  and year between {first} and {last}\n"
        "group by entity_name\n"
        f"having inflow + outflow >= {threshold}"
        f" and researcher_years >= {researchers * (last - first + 1)}"
        + (" and count(value) = count(*)" if suppressed else "")
        + "\norder by net_per_100_a_year desc, entity_name;"
    )


def producers_sql() -> str:
    """SQL for the producers-against-destinations scatter."""
    return (
        "-- duckdb -readonly qcm.duckdb\n"
        "select country_name, produced, stayed, left_abroad, arrived, last_seen, net_gain,\n"
        "    round(stayed_share, 3) as stayed_share, small_n\n"
        "from marts.workforce_producers\n"
        "where approach = 'all'\n"
        "order by produced desc, country_name;"
    )


def retention_sql(first: int, last: int, threshold: int, suppressed: bool = False) -> str:
    """SQL for five-year retention pooled over the producing years ``first``-``last``
    (``suppressed``: without the countries with a suppressed producing year)."""
    return (
        "-- duckdb -readonly qcm.duckdb\n"
        "select entity_name, sum(numerator) as stayed, sum(denominator) as placed,\n"
        "    round(sum(numerator) / sum(denominator), 3) as retention\n"
        "from marts.workforce_indicators\n"
        "where indicator = 'retention_5y' and entity_type = 'country' and approach = 'all'\n"
        f"  and year between {first} and {last}\n"
        "group by entity_name\n"
        f"having sum(denominator) >= {threshold}"
        + (" and count(denominator) = count(*)" if suppressed else "")
        + "\norder by retention desc, entity_name;"
    )


def stages_sql(suppressed: bool = False, world: bool = True) -> str:
    """SQL for the world's moves by career stage and year (``suppressed``: without the
    years with a suppressed stage; ``world`` false: from a file published before
    marts.workforce_career_stages_world, every country's rows added up)."""
    if not world:
        return (
            "-- duckdb -readonly qcm.duckdb\n"
            "select year, career_stage, sum(inflow) as moves, sum(active) as active\n"
            "from marts.workforce_career_stages\n"
            "where approach = 'all'\n"
            "group by year, career_stage\n"
            "order by year, career_stage;"
        )
    return (
        "-- duckdb -readonly qcm.duckdb\n"
        "select year, career_stage, moves, active\n"
        "from marts.workforce_career_stages_world\n"
        "where approach = 'all'\n"
        + (
            "  and year not in (\n"
            "    select year from marts.workforce_career_stages_world\n"
            "    where approach = 'all' and (small_n or small_flow)\n"
            "  )\n"
            if suppressed
            else ""
        )
        + "order by year, career_stage;"
    )


def country_sql(iso3: str, first: int, last: int, suppressed: bool = False) -> str:
    """SQL for where a country's arrivals came from (swap origin and destination for where
    its departures went; ``suppressed``: without the flows with a suppressed year).
    ``iso3`` is a code of marts.countries (three letters)."""
    code = iso3.replace("'", "''")
    return (
        "-- duckdb -readonly qcm.duckdb\n"
        "select origin_name, sum(moves) as moves\n"
        "from marts.workforce_flows\n"
        f"where approach = 'all' and destination_iso3 = '{code}'\n"
        f"  and year between {first} and {last}\n"
        "group by origin_name\n"
        + (NO_SUPPRESSED.format("moves") if suppressed else "")
        + "order by moves desc, origin_name;"
    )
