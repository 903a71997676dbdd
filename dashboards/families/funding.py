"""The funding family: the funding page, funding on every country page, and its methods.

Each function takes the site's data and returns sections; ``dashboards.site`` places
them on pages (``page(data)`` is the funding page). Two kinds of money are shown and
never mixed: national programme commitments (real, sourced announcements from qcm's
reviewed table, spread evenly over their stated period) and grant money from the three
funders qcm reads (NSF, UKRI, CORDIS; the synthetic sample in a sample build). Every
dollar figure states how it was converted, and the conversion rules are one click away
(``#conversion`` on the funding page).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple
from urllib.parse import urlsplit

import plotly.graph_objects as go
import polars as pl
from markupsafe import Markup

from dashboards.data import SiteData
from dashboards.families import common
from dashboards.families.common import counted, listed, number_word, possessive
from dashboards.figures import (
    PALETTE,
    SYMBOLS,
    Chart,
    apply_layout,
    button_row,
    esc,
    grey_span,
    grouped_choice_bars,
    trend_lines,
    value_axis,
)
from dashboards.page import Section, Table

NAME = "Funding"
PROGRAMME_SOURCE = (
    "Source: qcm's reviewed table of public quantum programme announcements "
    "(real figures, one source per figure: see the programme table)"
)
GRANT_SOURCE = (
    "Source: NSF Awards API, UKRI Gateway to Research and CORDIS: these three funders only, "
    "so not a country's total public money"
)
TOP = 8  # countries drawn on the commitment trends
LEADERS = 4  # countries in the nominal / constant / PPP comparison
TOP_SHARE = 10  # countries in the international-consortia chart
GRANT_WINDOW = 5  # complete start years pooled for grant charts
MILLION = 1e6
DIGITS = 6  # values equal to this many decimals are tied
EU_CODES = {"EUU": "European Union (its own programmes)", "EU27": "EU27 (members and the EU's own)"}
PLAN_REASON = "the money is announced for them, not yet spent"
UNKNOWN_COUNTRY = "ZZZ"


class Measure(NamedTuple):
    """One way of showing commitments in dollars: its button label, its word in a title
    ("nominal dollars") and how a sentence says it ("at the price year's exchange rate")."""

    label: str
    short: str
    said: str


MEASURES = {
    "commitment_usd": Measure(
        "US dollars (price-year exchange rates)", "nominal", "at the price year's exchange rate"
    ),
    "commitment_usd_constant": Measure(
        "constant US dollars", "constant", "in constant US dollars of {base}"
    ),
    "commitment_ppp": Measure(
        "PPP international dollars",
        "PPP",
        "at purchasing power parity (what the money buys at home)",
    ),
}
CONVERSION_RULES = (
    "funding_conversion_rule",
    "programme_annualisation_rule",
    "programme_overlap_rule",
    "programme_range_rule",
)
AMOUNT_KINDS = {"exact": "", "up_to": "up to ", "at_least": "at least ", "about": "about "}
STATUS = {
    "counted": "counted",
    "alternative": "alternative figure (shown, never added)",
    "component": "part of a counted total (not added)",
    "excluded": "excluded",
}
SOURCE_KINDS = {
    "official": "official",
    "reputable_news": "news",
    "aggregator": "aggregator",
    "vendor": "vendor",
}
FIGURE_COLUMNS = [
    "Programme",
    "Status",
    "Amount as announced",
    "Currency",
    "Period",
    "US dollars per year",
    "Source kind",
    "Source",
]


# ---- reading the marts -------------------------------------------------------------


def has_funding(data: SiteData) -> bool:
    """Whether the published file holds the funding marts (older files do not)."""
    return "indicator" in data.funding_indicators.columns


def _rows(data: SiteData, **equals: object) -> pl.DataFrame:
    """Rows of marts.funding_indicators whose columns equal the given values."""
    return common.rows(data.funding_indicators, **equals)


def programme_rows(
    data: SiteData, indicator: str, entity_types: Sequence[str] = ("country",)
) -> pl.DataFrame:
    """Programme rows of one indicator for the given entity types (approach 'all')."""
    return _rows(data, funding_kind="programmes", indicator=indicator, approach="all").filter(
        pl.col("entity_type").is_in(list(entity_types))
    )


def latest_complete_year(frame: pl.DataFrame) -> int | None:
    """The latest year of ``frame`` not flagged year_incomplete (a plan or a year still being
    awarded), or None when there is none."""
    if frame.height == 0:
        return None
    year = frame.filter(~pl.col("year_incomplete"))["year"].max()
    return None if year is None else int(year)


def _rank(values: Sequence[float]) -> list[int]:
    """Competition ranks of ``values`` (largest first): 1 + how many are larger; equal
    values (to ``DIGITS`` decimals) share a rank."""
    rounded = [round(v, DIGITS) for v in values]
    return [1 + sum(other > v for other in rounded) for v in rounded]


def ranking(data: SiteData, indicator: str, year: int) -> pl.DataFrame:
    """Countries by a programme indicator in ``year``, largest first (ties by name).

    Returns entity_code, entity_name, value, rank, basis_year, has_bounds,
    conversion_gaps, records and label (the name with its flags in words).
    """
    rows = (
        programme_rows(data, indicator)
        .filter(pl.col("year") == year, pl.col("value").is_not_null())
        .sort([pl.col("value").round(DIGITS), pl.col("entity_name")], descending=[True, False])
    )
    return rows.select(
        "entity_code",
        "entity_name",
        "value",
        pl.Series("rank", _rank(rows["value"].to_list()), dtype=pl.Int64),
        "basis_year",
        "has_bounds",
        "conversion_gaps",
        "records",
        pl.Series("label", [_flagged(r) for r in rows.iter_rows(named=True)], dtype=pl.String),
    )


def _flagged(row: dict) -> str:
    """An entity's name followed by the flags of its value, in words."""
    flags = []
    if row.get("has_bounds"):
        flags.append("bound")
    if row.get("conversion_gaps"):
        flags.append("some money not converted")
    return row["entity_name"] + (f" ({', '.join(flags)})" if flags else "")


def leaders(data: SiteData, year: int | None, n: int = TOP) -> list[str]:
    """Codes of the ``n`` countries with the most annualised commitments (commitment_usd)
    summed up to ``year`` (every year when None), largest first, ties by name."""
    rows = programme_rows(data, "commitment_usd")
    if year is not None:
        rows = rows.filter(pl.col("year") <= year)
    totals = (
        rows.group_by("entity_code", "entity_name")
        .agg(pl.col("value").sum())
        .sort([pl.col("value").round(DIGITS), pl.col("entity_name")], descending=[True, False])
    )
    return totals.head(n)["entity_code"].to_list()


def trend(data: SiteData, indicator: str, codes: Sequence[str], eu: bool = True) -> pl.DataFrame:
    """Yearly values of a programme indicator in million units for ``codes`` (and the EU's
    own programmes and the EU27 when ``eu``): entity_code, entity_name, year, value,
    year_incomplete, has_bounds, conversion_gaps."""
    types = ("country", "supranational", "bloc") if eu else ("country",)
    wanted = list(codes) + (list(EU_CODES) if eu else [])
    rows = programme_rows(data, indicator, types).filter(pl.col("entity_code").is_in(wanted))
    shown = rows.select(
        "entity_code",
        pl.col("entity_code")
        .replace_strict(EU_CODES, default=pl.col("entity_name"))
        .alias("entity_name"),
        "year",
        (pl.col("value") / MILLION).alias("value"),
        "year_incomplete",
        "has_bounds",
        "conversion_gaps",
    )
    if shown.height == 0:
        return shown
    # a year without an active programme is a gap in the line, not a slope across it
    spans = shown.group_by("entity_code", "entity_name").agg(
        pl.int_ranges(pl.col("year").min(), pl.col("year").max() + 1).first().alias("year")
    )
    every = spans.explode("year").with_columns(pl.col("year").cast(shown.schema["year"]))
    return (
        every.join(shown, on=["entity_code", "entity_name", "year"], how="left")
        .with_columns(pl.col("year_incomplete").fill_null(False))
        .sort("entity_code", "year")
    )


def shade_plans(fig: go.Figure, years: Sequence[int]) -> str:
    """Grey the plan ``years`` (future years) on ``fig`` and return the note saying why."""
    first, last = min(years), max(years)
    grey_span(fig, first - 0.5, last + 0.5, "plans")
    span = str(first) if first == last else f"{first}-{last}"
    return f"Greyed: {span}, future years: {PLAN_REASON}."


def plan_years(frame: pl.DataFrame) -> list[int]:
    """The years of ``frame`` flagged year_incomplete (future years: plans), sorted."""
    if frame.height == 0:
        return []
    return sorted(int(y) for y in frame.filter(pl.col("year_incomplete"))["year"].unique())


def figures(data: SiteData, iso3: str | None = None) -> pl.DataFrame:
    """Reviewed programme figures (all, or one country's), counted figures first within
    each programme, programmes by country name."""
    rows = data.funding_programmes
    if rows.height == 0 or "status" not in rows.columns:
        return rows
    if iso3 is not None:
        rows = rows.filter(pl.col("country_iso3") == iso3)
    order = {status: i for i, status in enumerate(STATUS)}
    return rows.with_columns(
        pl.col("status").replace_strict(order, return_dtype=pl.Int64).alias("_order")
    ).sort("country_name", "programme_id", "_order", "row_id")


def counted_with_alternatives(rows: pl.DataFrame) -> pl.DataFrame:
    """Counted figures and the alternative figures of the same programmes, each
    programme's counted figure first (``rows`` from ``figures``)."""
    if rows.height == 0:
        return rows
    counted = rows.filter(pl.col("status") == "counted")["programme_id"]
    return rows.filter(
        pl.col("programme_id").is_in(counted.to_list()),
        pl.col("status").is_in(["counted", "alternative"]),
    )


def not_in_series(rows: pl.DataFrame) -> pl.DataFrame:
    """Counted figures left out of the yearly sums (a problem such as no stated period, or
    no exchange rate: such a figure is in the series as a conversion gap, its dollars
    unknown), with that problem (``rows`` from ``figures``)."""
    if rows.height == 0:
        return rows
    return rows.filter(pl.col("status") == "counted", pl.col("problem").is_not_null())


def not_counted(rows: pl.DataFrame) -> pl.DataFrame:
    """Figures shown but not counted: alternatives, components and exclusions."""
    if rows.height == 0:
        return rows
    return rows.filter(pl.col("status") != "counted")


def _grant_keys(data: SiteData) -> pl.DataFrame:
    """The grant rows of marts.funding_indicators with, when the release suppresses small
    numbers, those it published without their numbers (keys and flags, numbers null): what
    the years and the data kind of the grants are read from, as those rows have them too."""
    rows = _rows(data, funding_kind="grants")
    hidden = data.hidden("funding_indicators", funding_kind="grants")
    return pl.concat([rows, hidden], how="vertical_relaxed") if hidden.height else rows


def _hidden_within(data: SiteData, column: str, span: tuple[int, int], **equals: object) -> set:
    """The values of ``column`` of the grant rows whose columns equal the given values,
    started in the years of ``span``, that the release published without their numbers:
    a sum over ``span`` would understate them, so none is made (empty unless the release
    suppresses small numbers)."""
    return common.hidden_within(
        data, "funding_indicators", column, *span, funding_kind="grants", **equals
    )


def grant_window(data: SiteData) -> tuple[int, int] | None:
    """First and last start year pooled for grant charts (the last ``GRANT_WINDOW``
    complete years), or None when there is no grant."""
    last = latest_complete_year(_grant_keys(data))
    return None if last is None else (last - GRANT_WINDOW + 1, last)


def grants_are_sample(data: SiteData) -> bool:
    """Whether the grant rows are the synthetic sample."""
    kinds = _grant_keys(data)["data_kind"].drop_nulls().unique()
    return any("sample" in str(kind) for kind in kinds)


def approaches_left_out(
    data: SiteData, entity_type: str = "world", code: str = "WLD", scope: str = "all"
) -> set[str]:
    """The approaches whose grant money of one entity and funder scope the release
    publishes without its numbers in some year of the grant window: ``grants_by_approach``
    leaves them out, as a sum of their other years would understate them (empty unless the
    release suppresses small numbers)."""
    span = grant_window(data)
    if span is None:
        return set()
    found = _hidden_within(
        data,
        "approach",
        span,
        indicator="grant_funding_usd",
        entity_type=entity_type,
        entity_code=code,
        funder_scope=scope,
    )
    return found - {"all"}


def countries_left_out_of_shares(data: SiteData) -> set[str]:
    """The countries (ISO3) whose international share of grant money the release publishes
    without its numbers in some year of the grant window: ``international_shares`` leaves
    them out, as their pooled money would be understated (empty unless the release
    suppresses small numbers)."""
    span = grant_window(data)
    if span is None:
        return set()
    found = _hidden_within(
        data,
        "entity_code",
        span,
        indicator="grant_international_share",
        entity_type="country",
        approach="all",
        funder_scope="all",
    )
    return found - {UNKNOWN_COUNTRY}


def grants_by_approach(
    data: SiteData, entity_type: str = "world", code: str = "WLD", scope: str = "all"
) -> pl.DataFrame:
    """Grant money (million US dollars) by approach over the grant window for one entity
    and funder scope, largest first: approach, label, value, grants, small_n. When the
    release suppresses small numbers, an approach with a year of the window published
    without its numbers is left out (``approaches_left_out``), never shown understated."""
    span = grant_window(data)
    if span is None:
        return pl.DataFrame(schema={"approach": pl.String, "label": pl.String, "value": pl.Float64})
    threshold = int(data.methods.get("small_n_threshold", 10))
    labels = common.labels(data)
    rows = _rows(
        data,
        funding_kind="grants",
        indicator="grant_funding_usd",
        entity_type=entity_type,
        entity_code=code,
        funder_scope=scope,
    ).filter(pl.col("year").is_between(*span), pl.col("approach") != "all")
    left_out = approaches_left_out(data, entity_type, code, scope)
    if left_out:
        rows = rows.filter(~pl.col("approach").is_in(sorted(left_out)))
    pooled = rows.group_by("approach").agg(
        (pl.col("value").sum() / MILLION).alias("value"), pl.col("records").sum().alias("grants")
    )
    return pooled.select(
        "approach",
        pl.col("approach").replace_strict(labels, default=pl.col("approach")).alias("label"),
        "value",
        "grants",
        (pl.col("grants") < threshold).alias("small_n"),
    ).sort([pl.col("value").round(DIGITS), pl.col("label")], descending=[True, False])


def international_shares(data: SiteData, n: int = TOP_SHARE) -> pl.DataFrame:
    """The ``n`` countries with the most grant money over the grant window, with the share
    of it in international consortia: entity_code, entity_name, value (share), numerator
    and denominator (million US dollars), largest share first. When the release suppresses
    small numbers, a country with a year of the window published without its numbers is
    left out (``countries_left_out_of_shares``), never ranked on understated money."""
    span = grant_window(data)
    if span is None:
        return pl.DataFrame(schema={"entity_name": pl.String, "value": pl.Float64})
    rows = _rows(
        data,
        funding_kind="grants",
        indicator="grant_international_share",
        entity_type="country",
        approach="all",
        funder_scope="all",
    ).filter(pl.col("year").is_between(*span), pl.col("entity_code") != UNKNOWN_COUNTRY)
    left_out = countries_left_out_of_shares(data)
    if left_out:
        rows = rows.filter(~pl.col("entity_code").is_in(sorted(left_out)))
    pooled = (
        rows.group_by("entity_code", "entity_name")
        .agg(
            (pl.col("numerator").sum() / MILLION).alias("numerator"),
            (pl.col("denominator").sum() / MILLION).alias("denominator"),
        )
        .filter(pl.col("denominator") > 0)
        .sort([pl.col("denominator").round(DIGITS), "entity_name"], descending=[True, False])
        .head(n)
    )
    return pooled.with_columns((pl.col("numerator") / pl.col("denominator")).alias("value")).sort(
        [pl.col("value").round(DIGITS), "entity_name"], descending=[True, False]
    )


def fx_used(data: SiteData) -> pl.DataFrame:
    """The exchange rates the conversions used: every (currency, year) a programme figure
    (its price year) or a grant (its start year) was converted at, with the rate, how many
    figures and grants used it, and its source. US dollars (1 by definition) are left out."""
    if data.fx_rates.height == 0 or data.funding_programmes.height == 0:
        return pl.DataFrame(schema={"currency": pl.String, "year": pl.Int64})
    programmes = (
        data.funding_programmes.filter(pl.col("units_per_usd").is_not_null())
        .group_by(pl.col("currency"), pl.col("price_year").cast(pl.Int64).alias("year"))
        .agg(pl.len().alias("figures"))
    )
    grants = (
        data.grant_currencies.filter(pl.col("grants") > pl.col("no_rate"))
        .group_by("currency", pl.col("year").cast(pl.Int64))
        .agg((pl.col("grants") - pl.col("no_rate")).sum().alias("grants"))
        if data.grant_currencies.height
        else pl.DataFrame(schema={"currency": pl.String, "year": pl.Int64, "grants": pl.Int64})
    )
    used = programmes.join(grants, on=["currency", "year"], how="full", coalesce=True)
    rates = data.fx_rates.with_columns(pl.col("year").cast(pl.Int64))
    return (
        used.join(rates, on=["currency", "year"], how="inner")
        .filter(pl.col("currency") != "USD")
        .with_columns(pl.col("figures").fill_null(0), pl.col("grants").fill_null(0))
        .select("currency", "year", "units_per_usd", "figures", "grants", "source")
        .sort("currency", "year")
    )


def rate_gaps(data: SiteData) -> pl.DataFrame:
    """Currencies and years without an exchange rate, with what they left out:
    currency, year (null: the currency has no rate at all), figures, grants."""
    schema = {"currency": pl.String, "year": pl.Int64, "figures": pl.Int64, "grants": pl.Int64}
    frames = []
    programmes = data.funding_programmes
    if programmes.height:
        frames.append(
            programmes.filter(pl.col("problem").is_in(["no_fx_rate", "unknown_currency"]))
            .group_by(
                "currency",
                pl.when(pl.col("problem") == "no_fx_rate")
                .then(pl.col("price_year"))
                .cast(pl.Int64)
                .alias("year"),
            )
            .agg(pl.len().cast(pl.Int64).alias("figures"))
            .with_columns(pl.lit(0, pl.Int64).alias("grants"))
        )
    if data.grant_currencies.height:
        frames.append(
            data.grant_currencies.filter(pl.col("no_rate") > 0).select(
                "currency",
                pl.col("year").cast(pl.Int64),
                pl.lit(0, pl.Int64).alias("figures"),
                pl.col("no_rate").cast(pl.Int64).alias("grants"),
            )
        )
    if not frames:
        return pl.DataFrame(schema=schema)
    return (
        pl.concat([f.select(list(schema)).cast(schema) for f in frames])
        .group_by("currency", "year")
        .agg(pl.col("figures").sum(), pl.col("grants").sum())
        .sort("currency", "year", nulls_last=True)
    )


def missing_denominators(data: SiteData, year: int | None = None) -> dict[str, list[str]]:
    """Names of countries with annualised commitments but no per-GDP value ('gdp') or no
    per-capita value ('population'), in ``year`` (any year when None): the table has no
    GDP or population for them near enough (meta.methods funding_max_basis_gap)."""
    with_money = programme_rows(data, "commitment_usd").filter(pl.col("value") > 0)
    if year is not None:
        with_money = with_money.filter(pl.col("year") == year)
    names = dict(zip(with_money["entity_code"], with_money["entity_name"], strict=True))
    missing = {}
    for key, indicator in (("gdp", "commitment_per_gdp"), ("population", "commitment_per_capita")):
        rows = programme_rows(data, indicator)
        if year is not None:
            rows = rows.filter(pl.col("year") == year)
        have = set(rows["entity_code"])
        missing[key] = sorted(names[c] for c in names if c not in have)
    return missing


def active_programmes(data: SiteData, year: int) -> int:
    """How many countries have a counted programme active in ``year`` (money committed, or
    a figure without an exchange rate: a conversion gap)."""
    rows = programme_rows(data, "commitment_usd").filter(
        pl.col("year") == year, (pl.col("value") > 0) | (pl.col("conversion_gaps") > 0)
    )
    return rows["entity_code"].n_unique()


def unconverted(data: SiteData, year: int) -> list[str]:
    """The names of the countries whose counted programmes active in ``year`` have no
    dollar value at all (every figure a conversion gap): they are in no ranking of the
    year, though they commit money, sorted."""
    rows = programme_rows(data, "commitment_usd").filter(
        pl.col("year") == year, pl.col("value").is_null(), pl.col("conversion_gaps") > 0
    )
    return sorted(rows["entity_name"].unique().to_list())


def unconverted_words(data: SiteData, year: int) -> str:
    """The countries of ``unconverted`` in a sentence, or ``""`` when there are none."""
    names = unconverted(data, year)
    if not names:
        return ""
    return (
        f"{listed(names)} {'has' if len(names) == 1 else 'have'} counted programmes active in "
        f"{year} too, but no exchange rate for {'its' if len(names) == 1 else 'their'} "
        "figures' price years, so their dollars are unknown and they are not ranked."
    )


# ---- words and cells ---------------------------------------------------------------


def money(usd: float) -> str:
    """US dollars in words a reader scans: $1.2 billion, $35.0 million, $52,000."""
    if abs(usd) >= 1e9:
        return f"${usd / 1e9:,.2f} billion"
    if abs(usd) >= MILLION:
        return f"${usd / MILLION:,.1f} million"
    return f"${usd:,.0f}"


def source_link(text: str | None) -> str:
    """A table cell linking to the source at the start of ``text`` ("URL (what it is)").

    The link text is the site's host name followed by the description; everything from
    the data is escaped, and only http(s) addresses become links (rel="noopener").
    """
    if not text:
        return "-"
    url, _, rest = str(text).partition(" ")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return str(text)
    host = parts.netloc.removeprefix("www.")
    note = rest.strip().removeprefix("(").removesuffix(")")
    return Markup('<a href="{}" rel="noopener" target="_blank">{}</a>{}').format(
        url, host, f" ({note})" if note else ""
    )


def _amount(row: dict) -> str:
    if row["amount"] is None:
        return "not stated"
    return f"{AMOUNT_KINDS.get(row['amount_kind'], '')}{row['amount']:,.0f}"


def _period(row: dict) -> str:
    start, end = row["start_year"], row["end_year"]
    if start is None and end is None:
        return "not stated"
    said = f"{start if start is not None else '?'}-{end if end is not None else '?'}"
    basis = row["period_basis"] or ""
    if basis == "stated length":
        return said + " (from the stated length)"
    if basis.startswith("period of "):
        return said + " (the period another figure of the programme states)"
    return said


def _figure_cells(row: dict) -> list[str]:
    """One reviewed figure as table cells (``FIGURE_COLUMNS``)."""
    per_year = row["usd_per_year"]
    return [
        row["programme"],
        STATUS.get(row["status"], row["status"]),
        _amount(row),
        row["currency"] or "-",
        _period(row),
        money(per_year) if per_year is not None else "-",
        SOURCE_KINDS.get(row["source_kind"], row["source_kind"]),
        source_link(row["source_url"]),
    ]


def _programme_caption(
    data: SiteData, unit: str, years: str | None = None, constant: bool = False
) -> str:
    """Unit, years, source, conversion and method version: the line under programme charts
    (``constant``: the chart offers constant dollars, whose base year it names)."""
    when = f"{years}; " if years else ""
    rule = data.methods.get("funding_conversion_rule")
    base = (
        f"; constant dollars of {data.methods.get('funding_price_base_year')}" if constant else ""
    )
    return (
        f"{when}unit: {unit}. {PROGRAMME_SOURCE}. Annualised evenly over each stated period, "
        f"converted at the price year's exchange rate ({rule}){base}; method "
        f"{data.methods.get('funding_method_version')}. Real announced figures, not sample data."
    )


def _grant_caption(data: SiteData, unit: str, years: str | None = None) -> str:
    """Unit, years, source, crediting and method: the line under grant charts, with the
    synthetic-sample label when the grants are the sample."""
    when = f"{years}; " if years else ""
    sample = " SYNTHETIC SAMPLE DATA: invented grants." if grants_are_sample(data) else ""
    return (
        f"{when}unit: {unit}. {GRANT_SOURCE}; money credited to the countries of the "
        f"organisations paid, at the start year's exchange rate; method "
        f"{data.methods.get('funding_method_version')}.{sample}"
    )


def _sample_prefix(data: SiteData) -> str:
    return "Synthetic sample: " if grants_are_sample(data) else ""


# ---- figures -----------------------------------------------------------------------


def _bars(
    frame: pl.DataFrame,
    chart_id: str,
    title: str,
    caption: str,
    axis_title: str,
    percent: bool = False,
    notes: Sequence[str] = (),
) -> Chart:
    """Horizontal bars of ``frame`` (label, value, and a ``hover`` text per row)."""
    shown = frame.sort("value")
    fig = go.Figure(
        go.Bar(
            x=shown["value"].to_list(),
            y=[esc(v) for v in shown["label"]],
            orientation="h",
            marker_color=PALETTE[0],
            hovertext=[esc(v) for v in shown["hover"]],
            hoverinfo="text",
        )
    )
    apply_layout(fig, title, height=max(320, 26 * shown.height + 130))
    fig.update_xaxes(value_axis(axis_title, percent))
    return Chart(chart_id, fig, frame.drop("hover"), caption, list(notes))


def _measure_lines(
    frames: dict[Measure, pl.DataFrame], chart_id: str, title: str, caption: str, base: str
) -> Chart:
    """Lines per country for one measure at a time (nominal, constant, PPP), chosen with
    buttons when there are several; plan years greyed. ``frames`` maps each measure shown
    to its ``trend`` rows; ``base`` is the constant dollars' base year."""
    fig = go.Figure()
    names = sorted({n for f in frames.values() for n in f["entity_name"]})
    colour = {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(names)}
    visible: list[int] = []
    for index, (measure, frame) in enumerate(frames.items()):
        for name in names:
            rows = frame.filter(pl.col("entity_name") == name).sort("year")
            if rows.height == 0:
                continue
            fig.add_trace(
                go.Scatter(
                    x=rows["year"].to_list(),
                    y=rows["value"].to_list(),
                    mode="lines+markers",
                    name=esc(name),
                    line={"color": colour[name], "width": 2},
                    marker={"symbol": SYMBOLS[names.index(name) % len(SYMBOLS)]},
                    visible=index == 0,
                    hovertemplate=esc(name)
                    + " %{x}: %{y:,.1f} million "
                    + esc(measure.label)
                    + "<extra></extra>",
                )
            )
            visible.append(index)
    apply_layout(fig, title, height=440)
    labels = [measure.label for measure in frames]
    notes = []
    if len(frames) > 1:
        fig.update_layout(updatemenus=[button_row(labels, visible)], margin={"t": 100})
        said = [measure.said.format(base=base) for measure in frames]
        held = "both" if len(frames) == 2 else f"all {common.number_word(len(frames))}"
        notes.append(
            f"Switch between the commitments {listed(said)} with the buttons above the chart; "
            f"the CSV holds {held}."
        )
    fig.update_yaxes(value_axis("million per year"), rangemode="tozero")
    plans = sorted({y for f in frames.values() for y in plan_years(f)})
    if plans:
        notes.append(shade_plans(fig, plans))
    data = pl.concat([f.with_columns(pl.lit(m.label).alias("measure")) for m, f in frames.items()])
    return Chart(chart_id, fig, data, caption, notes)


def measure_trends(
    data: SiteData, codes: Sequence[str]
) -> tuple[dict[Measure, pl.DataFrame], list[str]]:
    """The yearly commitments of ``codes`` (``trend`` rows, no EU) in every measure with a
    value, by measure, and the keys of ``MEASURES`` without any value: a view of only
    empty lines is not offered."""
    shown, missing = {}, []
    for key, measure in MEASURES.items():
        frame = trend(data, key, codes, eu=False)
        if frame.height and frame["value"].is_not_null().any():
            shown[measure] = frame
        else:
            missing.append(key)
    return shown, missing


def has_price_levels(data: SiteData) -> bool:
    """Whether some country and year of the reviewed economic indicators has both GDP at
    market exchange rates (gdp_usd) and GDP at purchasing power parity (gdp_ppp): their
    ratio is the price level that converts dollars to PPP dollars."""
    table = data.economic_indicators
    if table.height == 0:
        return False
    both = (
        table.filter(pl.col("indicator").is_in(["gdp_usd", "gdp_ppp"]))
        .group_by("country_iso3", "year")
        .agg(pl.col("indicator").n_unique().alias("figures"))
        .filter(pl.col("figures") == 2)
    )
    return both.height > 0


def _no_view_said(data: SiteData, key: str) -> str:
    """Why the measure ``key`` has no view, in plain words: constant or PPP dollars (both
    convert nominal dollars, so nominal dollars have a view whenever another has)."""
    if key == "commitment_usd_constant":
        return (
            "There is no constant-dollar view: the reviewed economic indicators have no US GDP "
            "deflator for the price years of these figures or for the base year."
        )
    needs = (
        "There is no PPP view: converting to PPP dollars needs a country's GDP at market "
        "exchange rates and its GDP at purchasing power parity for the same year, and "
    )
    if not has_price_levels(data):
        return needs + (
            "no year in the reviewed economic indicators (marts.economic_indicators) has both."
        )
    gap = data.methods.get("funding_max_basis_gap", "5")
    return (
        needs + f"none of these countries has both within {gap} years of its figures' price year."
    )


def _trend_chart(frame: pl.DataFrame, chart_id: str, title: str, caption: str, unit: str) -> Chart:
    """Lines of a programme indicator (million units) with plan years greyed."""
    chart = trend_lines(
        frame,
        chart_id,
        title,
        caption,
        percent=False,
        unit=f" million {unit}",
        y_title=f"million {unit}",
    )
    plans = plan_years(frame)
    if plans:
        chart.notes.append(shade_plans(chart.figure, plans))
    bounds = frame.filter(pl.col("has_bounds"))["entity_name"].unique().sort().to_list()
    if bounds:
        chart.notes.append(
            f"{listed(bounds)} include{'s' if len(bounds) == 1 else ''} a figure announced as a "
            "bound ('up to', 'more than', 'about'), counted at the stated figure."
        )
    gaps = frame.filter(pl.col("conversion_gaps") > 0)["entity_name"].unique().sort().to_list()
    if gaps:
        chart.notes.append(
            f"Some money of {listed(gaps)} is left out of some years: no rate to convert it."
        )
    if frame["value"].null_count():
        chart.notes.append(
            "A gap in a line is a year without a counted programme active, or whose figures "
            "have no rate to convert them."
        )
    return chart


def _ranking_title(frame: pl.DataFrame, what: str, unit: str, year: int, active: int = 0) -> str:
    """``Qatar commits the most per unit of GDP in 2026: 683 US dollars per ...``, a tie
    said as one, or a neutral title without rows (``active``: countries with a programme
    active in the year, none of which then has the denominator)."""
    if frame.height == 0:
        return (
            f"No country with a programme active in {year} has the figure to divide by"
            if active
            else f"No counted programme is active in {year}"
        )
    top = frame.filter(pl.col("rank") == 1)
    names = top["entity_name"].to_list()
    value = top["value"][0]
    if len(names) > 1:
        return f"{listed(names)} are tied on {what} in {year}: {value:,.1f} {unit}"
    return f"{names[0]} commits the most {what} in {year}: {value:,.1f} {unit}"


def _ranking_chart(
    data: SiteData, indicator: str, what: str, chart_id: str, year: int, years: int = 5
) -> Chart:
    """Bars of countries by a per-GDP or per-capita indicator, one year at a time (latest
    complete year first), chosen from a menu."""
    unit = str(programme_rows(data, indicator)["unit"].first() or "")
    groups = {}
    titles = {}
    for y in range(year, year - years, -1):
        frame = ranking(data, indicator, y)
        if frame.height:
            groups[str(y)] = frame.with_columns(pl.col("label").alias("entity_name"))
            titles[str(y)] = _ranking_title(frame, what, unit, y)
    # the title and caption are the year shown's: the latest year's when it has a ranking,
    # else the first earlier one's, after which the latest year's lack is a note
    latest = ranking(data, indicator, year)
    title = _ranking_title(latest, what, unit, year, active_programmes(data, year))
    shown = next(iter(groups), str(year))
    bases = sorted({int(b) for b in groups.get(shown, latest)["basis_year"].drop_nulls()})
    basis = (
        f"{'GDP' if 'gdp' in indicator else 'population'} of "
        f"{listed([str(b) for b in bases])} (the nearest year the table has: basis_year in the "
        "CSV, for each year chosen)"
        if bases
        else "no basis year"
    )
    chart = grouped_choice_bars(
        groups,
        chart_id,
        titles.get(shown, title),
        _programme_caption(data, unit, f"{shown}; {basis}"),
        unit,
        percent=False,
        titles=titles,
    )
    if groups and str(year) not in groups:
        chart.notes.insert(0, f"{title}: the chart starts with {next(iter(groups))}.")
    chart.notes.append(
        "Only countries with a counted programme active in the year have a value: a country "
        "whose figures have no stated period is not ranked (see the table of figures not in "
        "the yearly series)."
    )
    key = "gdp" if "gdp" in indicator else "population"
    unranked = missing_denominators(data, year)[key]
    if unranked:
        gap = data.methods.get("funding_max_basis_gap", "5")
        figure = "GDP" if key == "gdp" else "population"
        chart.notes.append(
            f"Not ranked in {year}, with money committed but no {figure} figure within "
            f"{gap} years of it: {listed(unranked)}."
        )
    return chart


# ---- tables ------------------------------------------------------------------------


def figures_table(rows: pl.DataFrame, with_country: bool = True, caption: str = "") -> Table:
    """Reviewed figures as a table: amount as announced, currency, period, US dollars per
    year, source kind and a link to the source, plus the country when ``with_country``."""
    columns = (["Country"] if with_country else []) + FIGURE_COLUMNS
    body = [
        ([r["country_name"]] if with_country else []) + _figure_cells(r)
        for r in rows.iter_rows(named=True)
    ]
    return Table(columns, body, caption)


def reasons_table(rows: pl.DataFrame, with_country: bool = True, why: str = "problem") -> Table:
    """Figures with the reason they are not in the yearly sums (``why`` = 'problem':
    the rule they break) or not counted (``why`` = 'review': the reviewer's note)."""
    columns = ["Country"] if with_country else []
    columns += ["Programme", "Status", "Amount as announced", "Currency", "Reason", "Source"]
    body = []
    for r in rows.iter_rows(named=True):
        reason = (r["problem_detail"] or r["problem"]) if why == "problem" else r["review_note"]
        body.append(
            ([r["country_name"]] if with_country else [])
            + [
                r["programme"],
                STATUS.get(r["status"], r["status"]),
                _amount(r),
                r["currency"] or "-",
                reason or "-",
                source_link(r["source_url"]),
            ]
        )
    return Table(columns, body)


def _fx_table(data: SiteData) -> Table:
    used = fx_used(data)
    return Table(
        ["Currency", "Year", "Units per US dollar", "Programme figures", "Grants", "Source"],
        [
            [
                r["currency"],
                str(r["year"]),
                f"{r['units_per_usd']:,.4f}",
                str(r["figures"]),
                str(r["grants"]),
                source_link(r["source"]),
            ]
            for r in used.iter_rows(named=True)
        ],
        "Yearly average exchange rates (currency units per US dollar) the conversions used, "
        "from marts.fx_rates. US dollar amounts are kept as they are.",
    )


def _deflator_sentence(data: SiteData) -> str:
    base = data.methods.get("funding_price_base_year")
    deflator = common.rows(data.economic_indicators, indicator="gdp_deflator")
    if deflator.height == 0:
        return f"Constant dollars are US dollars of {base}; the table has no US GDP deflator."
    first, last = int(deflator["year"].min()), int(deflator["year"].max())
    unit = deflator["unit"][0]
    return (
        f"Constant dollars are US dollars of {base}, moved with the US GDP deflator ({unit}, "
        f"{first}-{last}); years outside that range cannot be moved and are left out "
        "(conversion_gaps)."
    )


def _rule(data: SiteData, key: str) -> str:
    text = data.method_descriptions.get(key) or ""
    return f"{text.rstrip('. ')} (rule {data.methods.get(key, '-')})."


# ---- the pages ---------------------------------------------------------------------


def _no_funding() -> list[Section]:
    return [Section("Public funding", ["This published file holds no funding tables."])]


def overview(data: SiteData) -> list[Section]:
    """One headline sentence: the world's annualised commitments and who commits most."""
    if not has_funding(data):
        return []
    world = programme_rows(data, "commitment_usd", ("world",))
    year = latest_complete_year(world)
    if year is None:
        return []
    total = world.filter(pl.col("year") == year)["value"].sum()
    top = ranking(data, "commitment_usd", year)
    unplaced = not_in_series(figures(data)).height
    lead = (
        f", {top['entity_name'][0]} the most of the {number_word(top.height)} countries "
        f"with a dollar value ({money(top['value'][0])})"
        if top.height
        else ""
    )
    missing = unconverted_words(data, year)
    return [
        Section(
            "Public funding",
            [
                f"National quantum programmes counted in qcm's reviewed table commit "
                f"{money(total)} in {year} (annualised, US dollars){lead}. "
                f"{unplaced} counted figures state no usable period or have no exchange rate "
                "and are not in that sum. "
                + (f"{missing} " if missing else "")
                + "These are real, sourced announcements: see the "
                "funding page for every figure, its source and how it was converted.",
            ],
        )
    ]


def approach(data: SiteData, approach_id: str) -> list[Section]:
    """Nothing: programme money has no approach, and grant money by approach is on the
    funding page (one chart for all approaches)."""
    return []


def page(data: SiteData) -> list[Section]:
    """The sections of the funding page: commitments over time, per GDP and per person,
    in the measures that have values (nominal, constant, PPP), cumulative, every figure
    with its source, grants by approach, the international share, and how amounts are
    converted."""
    if not has_funding(data):
        return _no_funding()
    commitments = programme_rows(data, "commitment_usd")
    year = latest_complete_year(commitments)
    codes = leaders(data, year)
    rows = figures(data)
    conversion = Markup(
        "Every dollar figure is converted by one published rule: "
        '<a href="#conversion">how amounts are converted</a> (at the end of this page).'
    )
    sections = [
        Section(
            "What this page shows",
            [
                "Funding signals priority, not competitiveness: money committed says what a "
                "government means to spend, not what it achieves. Published world totals "
                "disagree ($30B, $42B, $55.7B) because nobody documents the conversions; here "
                "every figure carries its source and its conversion.",
                "Two kinds of public money, never added together. National programme "
                "commitments are real announced figures from qcm's reviewed table, each with "
                "its source: a counted figure is spread evenly over its stated period. Grant "
                "money comes from three funders only (NSF, UKRI and CORDIS), so it is not a "
                "country's total public money"
                + (
                    "; in this build the grants are the SYNTHETIC SAMPLE (invented)."
                    if grants_are_sample(data)
                    else "."
                ),
                conversion,
            ],
        )
    ]
    sections += _commitment_sections(data, codes, year)
    sections.append(_figures_section(rows))
    sections += _grant_sections(data)
    sections.append(_conversion_section(data))
    return sections


def _commitment_sections(data: SiteData, codes: list[str], year: int | None) -> list[Section]:
    """Commitments over time, per GDP and per person, in the measures that have values
    (nominal, constant, PPP) and cumulative."""
    if year is None:
        return [Section("National programmes", ["No counted programme has a stated period."])]
    unit = "US dollars"
    yearly = trend(data, "commitment_usd", codes)
    top = ranking(data, "commitment_usd", year)
    missing = unconverted_words(data, year)
    title = (
        f"{top['entity_name'][0]} commits the most to quantum programmes in {year}: "
        f"{money(top['value'][0])}" + (" (of the countries with a dollar value)" if missing else "")
        if top.height
        else f"Annualised programme commitments, top {len(codes)} countries and the EU"
    )
    trend_chart = _trend_chart(
        yearly,
        "funding-commitments",
        title,
        _programme_caption(data, "million US dollars per year (price-year exchange rates)"),
        unit,
    )
    if missing:
        trend_chart.notes.append(missing)
    cumulative = trend(data, "commitment_cumulative_usd", codes)
    cumulative_chart = _trend_chart(
        cumulative,
        "funding-cumulative",
        _cumulative_title(cumulative, year),
        _programme_caption(data, "million US dollars, running sum (price-year exchange rates)"),
        unit,
    )
    missing = missing_denominators(data)
    return [
        Section(
            "National programmes: commitments per year",
            [
                f"Annualised commitments of the {len(codes)} countries with the most committed "
                f"money up to {year}, the EU's own programmes, and the EU27 (its members' "
                "programmes in the years they were members plus the EU's own). Figures "
                "without a stated period are not in these lines: they are listed below the "
                "programme table with their reason.",
            ],
            charts=[trend_chart],
        ),
        Section(
            "National programmes: per GDP and per person",
            [
                "Commitments divided by GDP (US dollars per million US dollars of GDP) and by "
                "population, using the GDP or population of the year, else the nearest year "
                "the table has (its basis year)."
                + (
                    f" No GDP figure for {listed(missing['gdp'])}: not ranked per GDP."
                    if missing["gdp"]
                    else ""
                )
                + (
                    f" No population figure for {listed(missing['population'])}: not ranked "
                    "per person."
                    if missing["population"]
                    else ""
                ),
            ],
            charts=[
                _ranking_chart(
                    data, "commitment_per_gdp", "per unit of GDP", "funding-per-gdp", year
                ),
                _ranking_chart(
                    data, "commitment_per_capita", "per person", "funding-per-capita", year
                ),
            ],
        ),
        *_measures_section(data, codes[:LEADERS]),
        Section("National programmes: cumulative commitments", [], charts=[cumulative_chart]),
    ]


def _measures_section(data: SiteData, codes: list[str]) -> list[Section]:
    """The commitments of ``codes`` in each measure that has a value (nominal, constant,
    PPP), saying why any other has no view; [] when no measure has a value."""
    shown, missing = measure_trends(data, codes)
    if not shown:
        return []
    base = str(data.methods.get("funding_price_base_year"))
    words = listed([measure.short for measure in shown])
    chart = _measure_lines(
        shown,
        "funding-measures",
        f"The {len(codes)} countries committing the most, in {words} dollars",
        _programme_caption(
            data,
            "million per year in the chosen measure" if len(shown) > 1 else "million per year",
            constant=MEASURES["commitment_usd_constant"] in shown,
        ),
        base,
    )
    said = [measure.said.format(base=base) for measure in shown]
    ways = (
        f"The same commitments {common.number_word(len(shown))} ways: {listed(said)}."
        if len(shown) > 1
        else f"The same commitments {said[0]}."
    )
    return [
        Section(
            f"National programmes: {words} dollars",
            [" ".join([ways, *(_no_view_said(data, key) for key in missing)])],
            charts=[chart],
        )
    ]


def _cumulative_title(frame: pl.DataFrame, year: int) -> str:
    shown = frame.filter(
        pl.col("year") <= year,
        ~pl.col("entity_code").is_in(list(EU_CODES)),
        pl.col("value").is_not_null(),
    )
    if shown.height == 0:
        return "Cumulative programme commitments"
    last = shown.sort("year").group_by("entity_name").agg(pl.col("value").last())
    top = last.sort([pl.col("value").round(DIGITS), "entity_name"], descending=[True, False]).row(
        0, named=True
    )
    return (
        f"{top['entity_name']} has committed the most up to {year}: "
        f"{money(top['value'] * MILLION)} in total"
    )


def _figures_section(rows: pl.DataFrame) -> Section:
    """Every counted figure next to its alternatives, then the counted figures that are
    not in the yearly sums, with their reason."""
    shown = counted_with_alternatives(rows)
    unplaced = not_in_series(rows)
    other = not_counted(rows)
    counted = rows.filter(pl.col("status") == "counted") if rows.height else rows
    codes = set(counted["country_iso3"]) if counted.height else set()
    who = f"{len(codes - {'EUU'})} countries" + (" and the EU" if "EUU" in codes else "")
    return Section(
        "National programmes: every counted figure and its source",
        [
            f"{counted.height} counted figures from {who} (one per programme). Where "
            "sources disagree, the other figures of the same programme follow the counted "
            "one as alternatives: shown side by side, never added. 'Up to', 'at least' "
            "and 'about' mark amounts announced as bounds, counted at the stated figure.",
            f"{unplaced.height} counted figures are not in the yearly sums: they state no "
            "start or end year (the money cannot be spread over years) or have no exchange "
            "rate (those are in the series as conversion gaps, their dollars unknown). They "
            "are listed in the second table with the reason.",
            f"{other.filter(pl.col('status') == 'excluded').height if other.height else 0} "
            "further figures were reviewed and excluded (private money, estimates, "
            "sub-national budgets...); each country page lists its own with the reason.",
        ],
        tables=[
            figures_table(
                shown,
                caption="Amounts as announced in their currency; US dollars per year for "
                "figures in the yearly series. Sources open in a new tab. "
                "Table: marts.funding_programmes.",
            ),
            reasons_table(unplaced),
        ],
    )


def _grant_sections(data: SiteData) -> list[Section]:
    """Grant money by approach and the share in international consortia."""
    span = grant_window(data)
    if span is None:
        return [
            Section(
                "Grants by approach",
                [
                    "No grant from NSF, UKRI or CORDIS is in this build: the grant charts are "
                    "left out."
                ],
            )
        ]
    first, last = span
    years = f"grants starting {first}-{last}"
    labels = {"all": "All three funders", "nsf": "NSF", "ukri": "UKRI", "cordis": "CORDIS"}
    groups = {}
    for scope, label in labels.items():
        frame = grants_by_approach(data, scope=scope)
        if frame.height:
            groups[label] = frame.select(
                pl.col("label").alias("entity_name"), "value", "grants", "small_n", "approach"
            )
    # under suppression: the approaches left out of any funder's bars, and of all three's
    left_out = {scope: approaches_left_out(data, scope=scope) for scope in labels}
    titles = {}
    for scope, label in labels.items():
        if label in groups:
            top = groups[label]  # largest first (grants_by_approach)
            among = " of the approaches with every year published" if left_out[scope] else ""
            what = "grant money" if scope == "all" else f"grant money from {label}"
            titles[label] = (
                f"{_sample_prefix(data)}{top['entity_name'][0]} received the most {what}"
                f"{among}, {first}-{last}"
            )
    by_approach = grouped_choice_bars(
        groups,
        "funding-grants-approach",
        next(iter(titles.values()), f"Grant money by approach, {first}-{last}"),
        _grant_caption(data, "million US dollars (start year's exchange rate)", years),
        "million US dollars",
        percent=False,
        titles=titles,
    )
    by_approach.notes.append(
        "A grant can belong to several approaches: the bars overlap and must not be added. "
        "Choose a funder with the menu."
    )
    shares = international_shares(data)
    span_said = f"{first}-{last}"
    approaches_said = (
        [common.left_out_of_sums("approaches", span_said)] if any(left_out.values()) else []
    )
    countries_said = (
        [common.left_out_of_sums("countries", span_said)]
        if countries_left_out_of_shares(data)
        else []
    )
    share_chart = _bars(
        shares.with_columns(
            pl.col("entity_name").alias("label"),
            pl.struct("entity_name", "value", "numerator", "denominator")
            .map_elements(
                lambda r: (
                    f"{r['entity_name']}: {r['value']:.0%} of "
                    f"{r['denominator']:,.1f} million US dollars in international consortia"
                ),
                return_dtype=pl.String,
            )
            .alias("hover"),
        ),
        "funding-grants-international",
        (
            f"{_sample_prefix(data)}{shares['entity_name'][0]} has the largest share of its "
            f"grant money in international consortia: {shares['value'][0]:.0%}, {first}-{last}"
        )
        if shares.height
        else "No grant money in international consortia",
        _grant_caption(data, "share of the country's grant money", years),
        "share of grant money in international consortia",
        percent=True,
        notes=[
            f"The {TOP_SHARE} countries with the most grant money"
            + (" of those with every year published" if countries_said else "")
            + ". A consortium is "
            "international when its organisations come from two or more countries "
            "(in practice CORDIS projects: NSF and UKRI grants pay one organisation)."
        ],
    )
    sample = (
        " SYNTHETIC SAMPLE: these grants are invented by qcm's demonstration sample."
        if grants_are_sample(data)
        else ""
    )
    return [
        Section(
            "Grants by approach",
            [
                "Money of the in-scope grants of NSF, UKRI and CORDIS by the approach its "
                f"title and abstract name, pooled over the last {GRANT_WINDOW} complete start "
                "years. Three funders only: this is not any country's total public money." + sample,
                *approaches_said,
            ],
            charts=[by_approach],
        ),
        Section("Grants in international consortia", countries_said, charts=[share_chart]),
    ]


def _conversion_section(data: SiteData) -> Section:
    """The conversion rules, the deflator base year and the exchange rates used."""
    return Section(
        "How amounts are converted",
        [
            Markup('<span id="conversion">{}</span>').format(
                _rule(data, "funding_conversion_rule")
            ),
            *(_rule(data, key) for key in CONVERSION_RULES[1:]),
            _deflator_sentence(data),
            Markup(
                'GDP, population and every rule with its gaps: <a href="methods.html">'
                "Methods and caveats</a>."
            ),
        ],
        tables=[_fx_table(data)],
    )


def country(data: SiteData, iso3: str) -> list[Section]:
    """A country's public funding: counted programmes, annualised commitments, per-GDP
    value and rank, grant money by approach, and the figures not counted, with reasons."""
    if not has_funding(data):
        return _no_funding()
    found = data.countries.filter(pl.col("iso3") == iso3)["name"]
    name = found[0] if found.len() else iso3
    rows = figures(data, iso3)
    counted = rows.filter(pl.col("status") == "counted") if rows.height else rows
    # the years with dollars: a figure without an exchange rate is a gap, not a value; the
    # chart keeps the years between without any as gaps in its line
    series = trend(data, "commitment_usd", [iso3], eu=False)
    yearly = series.filter(pl.col("value").is_not_null())
    paragraphs = [_programmes_said(name, counted, yearly)]
    year = latest_complete_year(programme_rows(data, "commitment_usd"))
    if year is not None and yearly.height:
        paragraphs.append(_per_gdp_said(data, iso3, name, year))
    tables = []
    if counted.height:
        tables.append(
            figures_table(
                counted,
                with_country=False,
                caption="Counted figures, amounts as announced; US dollars per year for those "
                "in the yearly series. Table: marts.funding_programmes.",
            )
        )
    charts = []
    if yearly.height:
        last = (
            yearly.filter(~pl.col("year_incomplete"), pl.col("value").is_not_null())
            .sort("year")
            .tail(1)
        )
        title = (
            f"{name}: {money(last['value'][0] * MILLION)} a year of programme commitments in "
            f"{last['year'][0]}"
            if last.height
            else f"{name}: programme commitments are plans for the coming years"
        )
        charts.append(
            _trend_chart(
                series,
                f"funding-{iso3}-commitments",
                title,
                _programme_caption(data, "million US dollars per year (price-year exchange rates)"),
                "US dollars",
            )
        )
    sections = [
        Section(
            "Public funding",
            paragraphs,
            charts=charts,
            tables=tables,
            links=[
                (
                    "Funding",
                    [
                        ("funding.html", "Every country's programmes and grants"),
                        ("funding.html#conversion", "How amounts are converted"),
                    ],
                )
            ],
        ),
        _country_grants(data, iso3, name),
    ]
    unplaced, other = not_in_series(rows), not_counted(rows)
    if unplaced.height or other.height:
        sections.append(
            Section(
                "Public funding: figures not in the yearly sums or not counted",
                [
                    "Counted figures without a usable period or exchange rate (first table) "
                    "and figures shown but not counted: alternatives (another source's figure "
                    "of a counted programme, never added), parts of a counted total, and "
                    "exclusions (second table), each with its reason."
                ],
                tables=[
                    t
                    for t in (
                        reasons_table(unplaced, with_country=False) if unplaced.height else None,
                        reasons_table(other, with_country=False, why="review")
                        if other.height
                        else None,
                    )
                    if t is not None
                ],
            )
        )
    return sections


def _programmes_said(name: str, counted: pl.DataFrame, yearly: pl.DataFrame) -> str:
    """What the reviewed table holds for a country, in one plain paragraph."""
    if counted.height == 0:
        return (
            f"No counted national quantum programme of {name} is in qcm's reviewed table. "
            "That means no figure was found and reviewed, not that there is no public money."
        )
    in_series = counted.filter(pl.col("problem").is_null()).height
    no_rate = counted.filter(pl.col("problem") == "no_fx_rate").height
    said = (
        f"{name} has {counted.height} counted programme figure"
        f"{'s' if counted.height > 1 else ''} in qcm's reviewed table (real announcements, each "
        f"with its source); {in_series} {'is' if in_series == 1 else 'are'} in the yearly "
        f"series{_rate_gaps_said(no_rate)}."
    )
    if not yearly.height:
        said += (
            " None states a usable period with an exchange rate, so no yearly commitment is shown."
        )
    return said


def _rate_gaps_said(figures: int) -> str:
    """The clause naming ``figures`` counted figures without an exchange rate (empty for
    none)."""
    if not figures:
        return ""
    its = "its" if figures == 1 else "their"
    return (
        f", and {figures} more as {'a conversion gap' if figures == 1 else 'conversion gaps'}: "
        f"no exchange rate for the year of {its} money, so {its} dollars are unknown and left "
        "out of the sums"
    )


def _per_gdp_said(data: SiteData, iso3: str, name: str, year: int) -> str:
    """The country's per-GDP value and rank in ``year``, or the latest year it has one."""
    closed = programme_rows(data, "commitment_per_gdp").filter(
        pl.col("entity_code") == iso3, ~pl.col("year_incomplete")
    )
    own = closed.filter(pl.col("value").is_not_null())
    if own.height == 0:
        if closed.height:
            return (
                f"No per-GDP value for {name}: its counted figures have no exchange rate in the "
                "reviewed table for the year of their money, so their dollars are unknown."
            )
        return f"No per-GDP value for {name}: the table has no GDP figure for it."
    when = year if own.filter(pl.col("year") == year).height else int(own["year"].max())
    ranked = ranking(data, "commitment_per_gdp", when)
    row = ranked.filter(pl.col("entity_code") == iso3).row(0, named=True)
    active = active_programmes(data, when)
    unranked = (
        f" ({active - ranked.height} more without a GDP figure near enough or an exchange rate)"
        if active > ranked.height
        else ""
    )
    money_then = programme_rows(data, "commitment_usd").filter(
        pl.col("entity_code") == iso3, pl.col("year") == year
    )
    if when == year:
        note = ""
    elif money_then.height == 0:
        note = f" (no counted programme of {name} is active in {year})"
    elif money_then["value"][0] is None:
        note = f" (its figures active in {year} have no exchange rate for the year of their money)"
    else:
        note = f" (no GDP figure near enough to {year})"
    bound = " One figure behind it is a bound." if row["has_bounds"] else ""
    gaps = " Some money could not be converted and is left out." if row["conversion_gaps"] else ""
    return (
        f"In {when}{note}, {name} committed {row['value']:,.1f} US dollars per million US "
        f"dollars of GDP (GDP of {row['basis_year']}): rank {row['rank']} of {ranked.height} "
        f"countries ranked with a counted programme active that year{unranked}.{bound}{gaps}"
    )


def _country_grants(data: SiteData, iso3: str, name: str) -> Section:
    """The country's grant money over the grant window and by approach, or a sentence saying
    there is none. When the release suppresses small numbers, a sum that would leave out a
    year published without its numbers is not made: the total is then given year by year
    for the years published, and an approach with such a year is left out of the bars; the
    section says so, and says "no grant" only when no row of the country is published."""
    heading = "Public funding: grants from NSF, UKRI and CORDIS"
    span = grant_window(data)
    frame = grants_by_approach(data, "country", iso3) if span else pl.DataFrame()
    with_bars = span is not None and frame.height > 0 and frame["value"].sum() > 0
    keys = {"entity_type": "country", "entity_code": iso3, "indicator": "grant_funding_usd"}
    total = (
        _rows(data, funding_kind="grants", approach="all", funder_scope="all", **keys).filter(
            pl.col("year").is_between(*span)
        )
        if span
        else pl.DataFrame()
    )
    # under suppression: the years of the country's total and the approaches with a year
    # published without their numbers (none otherwise)
    hidden_years = (
        _hidden_within(data, "year", span, approach="all", funder_scope="all", **keys)
        if span
        else set()
    )
    left_out = approaches_left_out(data, "country", iso3)
    published = data.suppresses and bool(total.height or hidden_years or left_out)
    if span is None or not (with_bars or published):
        return Section(
            heading,
            [
                f"No grant of NSF, UKRI or CORDIS in this build pays an organisation in {name}"
                + (f" ({span[0]}-{span[1]})" if span else "")
                + ". These three funders are all qcm reads: it says nothing of other funders."
            ],
        )
    first, last = span
    sample = " SYNTHETIC SAMPLE: invented grants." if grants_are_sample(data) else ""
    paragraphs = [_grant_total_said(name, total, sorted(hidden_years), first, last) + sample]
    if left_out:
        paragraphs.append(
            common.left_out_of_sums("approaches", f"{first}-{last}")
            if with_bars
            else f"No approach of {possessive(name)} grant money is shown: this release "
            f"suppresses small numbers, and each approach with grants has a year of "
            f"{first}-{last} with too few to publish, so a sum of its other years would "
            "understate it."
        )
    if not with_bars:
        return Section(heading, paragraphs)
    among = " (of the approaches with every year published)" if left_out else ""
    chart = _bars(
        frame.with_columns(
            pl.struct("label", "value", "grants")
            .map_elements(
                lambda r: (
                    f"{r['label']}: {r['value']:,.2f} million US dollars, {r['grants']} grants"
                ),
                return_dtype=pl.String,
            )
            .alias("hover")
        ),
        f"funding-{iso3}-grants",
        f"{_sample_prefix(data)}{frame['label'][0]} received the most of "
        f"{possessive(name)} grant money{among}, {first}-{last}",
        _grant_caption(data, "million US dollars", f"grants starting {first}-{last}"),
        "million US dollars",
        notes=["A grant can belong to several approaches: the bars overlap."],
    )
    return Section(heading, paragraphs, charts=[chart])


def _grant_total_said(
    name: str, total: pl.DataFrame, hidden_years: list[int], first: int, last: int
) -> str:
    """The grant money of a country over ``first``-``last`` (``total``: its published
    all-approach, all-funder rows of those years), or, when the release published some of
    those years without their numbers (``hidden_years``), the money of each year published
    and no total, which would understate it."""
    whose = f"Grant money paid to organisations in {name} by NSF, UKRI and CORDIS"
    three = f" Three funders only: not {possessive(name)} total public money."
    if not hidden_years:
        return (
            f"{whose}: {money(total['value'].sum())} in {int(total['records'].sum())} grants "
            f"starting {first}-{last}.{three}"
        )
    years = [
        f"{money(r['value'])} in {counted(int(r['records']), 'grant')} starting in {r['year']}"
        for r in total.sort("year").iter_rows(named=True)
    ]
    hidden = common.years_words(hidden_years)
    if not years:
        return (
            f"{whose}, {first}-{last}: the grants starting in {hidden} are too few to publish "
            f"(this release suppresses small numbers), so no figure is given.{three}"
        )
    return (
        f"{whose}, {first}-{last}: {'; '.join(years)}. The grants starting in {hidden} are "
        f"too few to publish (this release suppresses small numbers), so no total over "
        f"{first}-{last} is given: a sum of the years published would understate it.{three}"
    )


def methods(data: SiteData) -> list[Section]:
    """Funding definitions, rules, the sources of exchange rates, GDP and population, and
    the gaps (currencies or years without a rate, countries without GDP or population)."""
    if not has_funding(data):
        return []
    defs = Table(
        ["Indicator", "What it means", "Unit", "Method"],
        [
            [r["name"], r["definition"], r["unit"], r["method_version"]]
            for r in data.funding_definitions.iter_rows(named=True)
        ],
    )
    keys = [k for k in data.methods if k.startswith(("funding_", "programme_", "grant_"))]
    rules = Table(
        ["Rule", "Value", "What it says"],
        [[k, data.methods[k], data.method_descriptions.get(k) or "-"] for k in sorted(keys)],
    )
    return [
        Section(
            "Funding: what the numbers mean",
            [
                "National programme figures are real public announcements, reviewed one by "
                "one into qcm's reference table with their source (data kind 'reviewed "
                "reference table'), even in a sample build. One figure per programme is "
                "counted; other sources' figures of the same money are alternatives, shown "
                "and never added; parts of a counted total are components, not added.",
                "Grant money covers three funders only (NSF, UKRI, CORDIS): it is not a "
                "country's total public money."
                + (
                    " In this build the grants are the SYNTHETIC SAMPLE."
                    if grants_are_sample(data)
                    else ""
                ),
                _deflator_sentence(data),
            ],
            tables=[defs],
        ),
        Section("Funding: the rules", [], tables=[rules]),
        Section(
            "Funding: sources of exchange rates, GDP and population",
            [],
            tables=[_fx_sources(data), _economic_sources(data)],
        ),
        Section("Funding: gaps and caveats", _gaps_said(data)),
        Section(
            "Funding: reproduce a year's commitments",
            [
                "The yearly commitments are the counted figures' dollars a year summed per "
                "country; this query rebuilds 2023 from marts.funding_programmes, to compare "
                "with commitment_usd in marts.funding_indicators."
            ],
            code=reproduce_sql(),
        ),
    ]


def _fx_sources(data: SiteData) -> Table:
    rates = data.fx_rates
    if rates.height == 0:
        return Table(["Currency", "Years", "Source"], [])
    covered = (
        rates.group_by("currency", "source")
        .agg(pl.col("year").min().alias("first"), pl.col("year").max().alias("last"))
        .sort("currency", "first")
    )
    return Table(
        ["Currency", "Years", "Source"],
        [
            [r["currency"], f"{r['first']}-{r['last']}", source_link(r["source"])]
            for r in covered.iter_rows(named=True)
        ],
        "Exchange rates: yearly averages, currency units per US dollar (marts.fx_rates).",
    )


def _economic_sources(data: SiteData) -> Table:
    table = data.economic_indicators
    if table.height == 0:
        return Table(["Indicator", "Unit", "Countries", "Years", "Source"], [])
    grouped = (
        table.group_by("indicator", "unit", "source")
        .agg(
            pl.col("country_iso3").unique().sort().alias("countries"),
            pl.col("year").min().alias("first"),
            pl.col("year").max().alias("last"),
        )
        .sort("indicator", "source")
    )
    return Table(
        ["Indicator", "Unit", "Countries", "Years", "Source"],
        [
            [
                r["indicator"],
                r["unit"],
                ", ".join(r["countries"]),
                f"{r['first']}-{r['last']}",
                source_link(r["source"]),
            ]
            for r in grouped.iter_rows(named=True)
        ],
        "GDP, GDP at PPP, population and the US GDP deflator (marts.economic_indicators).",
    )


def _gaps_said(data: SiteData) -> list[str]:
    gaps = rate_gaps(data)
    said = []
    if gaps.height:
        parts = []
        for currency in gaps["currency"].unique().sort():
            rows = gaps.filter(pl.col("currency") == currency)
            years = [str(y) for y in rows["year"].drop_nulls()]
            parts.append(
                f"{currency} "
                + (listed(years) if years else "(no rate for any year)")
                + f" ({counted(rows['figures'].sum(), 'figure')}, "
                f"{counted(rows['grants'].sum(), 'grant')})"
            )
        said.append(
            "No exchange rate, so left out of every dollar figure (never assumed to be "
            f"dollars): {'; '.join(parts)}."
        )
    else:
        said.append("Every amount had an exchange rate.")
    missing = missing_denominators(data)
    if missing["gdp"]:
        said.append(f"No GDP figure, so no per-GDP value: {listed(missing['gdp'])}.")
    if missing["population"]:
        said.append(
            f"No population figure, so no per-person value: {listed(missing['population'])}."
        )
    said += [
        "Per-GDP and per-person values use the GDP or population of the year, else the "
        "nearest year the table has (basis_year): a distant basis year makes them rougher.",
        "A commitment is spread evenly over its stated period: real spending is rarely even. "
        "Future years are plans and are greyed on every trend.",
        "Figures announced as bounds ('up to', 'at least', 'about') are counted at the stated "
        "figure and flagged (has_bounds).",
        "Grants count in the year they start, at that year's exchange rate; the current "
        "year is still being awarded. A grant can belong to several approaches: the values "
        "by approach overlap and must not be added.",
    ]
    return said


def reproduce_sql() -> str:
    """An SQL example that rebuilds one year's programme commitments per country from the
    counted figures, to compare with marts.funding_indicators (commitment_usd)."""
    return (
        "-- duckdb -readonly qcm.duckdb\n"
        "select country_iso3, count(*) as figures,\n"
        "    round(sum(usd_per_year) / 1e6, 1) as usd_million_a_year\n"
        "from marts.funding_programmes\n"
        "where counted and 2023 between start_year and end_year\n"
        "group by country_iso3\n"
        "order by usd_million_a_year desc;"
    )
