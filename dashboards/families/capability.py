"""The capability family: who has demonstrated what in quantum hardware, from qcm's reviewed
registry of published milestones, on a capability index page (capability.html), one page
per approach with milestones (capability/<approach>.html), a section on every approach and
country page, and in the methods.

Each function takes the site's data and returns sections; ``dashboards.site`` places them
on pages (``page(data)`` is the index, ``approach_page(data, approach_id)`` an approach's
page). The frames come from marts.milestones (every registry row), marts.capability_frontier
(the best counted value to date per approach, metric and year), marts.capability_countries
(each country's best and its distance to the frontier) and marts.capability_summary. The
registry is real, reviewed data even in a sample build: no caption calls it synthetic.
Every string from the registry is escaped before it reaches a figure or a table, and only
https addresses become links.
"""

from __future__ import annotations

import math
import re
from urllib.parse import urlsplit

import plotly.graph_objects as go
import polars as pl
from markupsafe import Markup

from dashboards.data import SiteData, derived_per_site
from dashboards.families import common
from dashboards.families.common import listed, number_word
from dashboards.figures import PALETTE, Chart, apply_layout, dashed_line, esc
from dashboards.page import Section, Table

NAME = "Capability"
TITLE = "Capability: the state of the art in quantum hardware, and who holds it"
SOURCE = (
    "Source: qcm's reviewed registry of published hardware milestones (marts.milestones, "
    "marts.capability_frontier), each row with its primary publication"
)
REAL = "Real reviewed registry, not sample data."
LOGICAL_CAVEAT = (
    "Logical qubits are not comparable across platforms: codes, distances and what counts "
    "as a logical qubit differ between demonstrations."
)
QUALITY_WORDS = {
    "peer_reviewed": "peer-reviewed",
    "preprint": "preprint",
    "vendor_claim": "vendor claim",
    "secondary": "secondary",
}
HOLDER, REACH, BEHIND = PALETTE[2], PALETTE[0], PALETTE[1]


# ---- reading the marts -------------------------------------------------------------


def has_capability(data: SiteData) -> bool:
    """Whether the published file holds the capability marts (older files do not)."""
    return {"approach", "metric", "year", "best_value"} <= set(data.capability_frontier.columns)


@derived_per_site
def _labels(data: SiteData) -> dict[str, str]:
    """Approach id -> label (taxonomy order), with the labels the milestones carry for
    approaches the taxonomy lacks."""
    found: dict[str, str] = {}
    if {"approach", "label"} <= set(data.approaches.columns):
        found = common.labels(data)
    rows = data.milestones
    if {"approach", "approach_label"} <= set(rows.columns):
        pairs = rows.select("approach", "approach_label").unique().sort("approach")
        for a, label in pairs.iter_rows():
            if a is not None and a not in found:
                found[a] = label or a
    return found


def label(data: SiteData, approach_id: str) -> str:
    """An approach's label, its id when unknown."""
    return _labels(data).get(approach_id, approach_id)


@derived_per_site
def approaches(data: SiteData) -> list[str]:
    """The approaches with at least one milestone, in taxonomy order (unknown ones last,
    by id)."""
    if not has_capability(data) or "approach" not in data.milestones.columns:
        return []
    present = set(data.milestones["approach"].drop_nulls().to_list())
    order = [a for a in _labels(data) if a in present]
    return order + sorted(present - set(order))


@derived_per_site
def metrics(data: SiteData, approach_id: str) -> list[str]:
    """The metrics of an approach's frontier, in the order of the metrics table (then by
    id)."""
    rows = data.capability_frontier.filter(pl.col("approach") == approach_id)
    present = set(rows["metric"].drop_nulls().to_list())
    table = data.milestone_metrics
    order = list(table["metric"]) if "metric" in table.columns else []
    known = [m for m in order if m in present]
    return known + sorted(present - set(known))


@derived_per_site
def metric_info(data: SiteData, metric: str) -> dict[str, object]:
    """A metric's label, unit, better (higher|lower), transform (none|one_minus) and
    reach_log10, from the metrics table, else from the frontier's own columns."""
    info: dict[str, object] = {
        "label": metric,
        "unit": "",
        "better": "higher",
        "transform": "none",
        "reach_log10": None,
        "description": "",
    }
    frontier = data.capability_frontier.filter(pl.col("metric") == metric)
    if frontier.height:
        first = frontier.row(0, named=True)
        for key, column in (("label", "metric_label"), ("unit", "unit"), ("better", "better")):
            if first.get(column):
                info[key] = first[column]
    table = data.milestone_metrics
    if "metric" in table.columns:
        rows = table.filter(pl.col("metric") == metric)
        if rows.height:
            row = rows.row(0, named=True)
            for key in info:
                if row.get(key) not in (None, ""):
                    info[key] = row[key]
    else:
        # a file without the metrics table: fidelities are still compared as errors
        info["transform"] = "one_minus" if metric.endswith("fidelity") else "none"
    if not info["unit"] and {"metric", "unit"} <= set(data.milestones.columns):
        units = data.milestones.filter(pl.col("metric") == metric)["unit"].drop_nulls()
        info["unit"] = units[0] if units.len() else ""
    if info["reach_log10"] is not None:
        try:
            info["reach_log10"] = float(str(info["reach_log10"]))
        except ValueError:
            info["reach_log10"] = None
    return info


@derived_per_site
def frontier(data: SiteData, approach_id: str, metric: str) -> pl.DataFrame:
    """The frontier rows of one approach and metric (marts.capability_frontier), by year."""
    return data.capability_frontier.filter(
        pl.col("approach") == approach_id, pl.col("metric") == metric
    ).sort("year")


def latest_year(data: SiteData, approach_id: str, metric: str) -> int | None:
    """The last year of an approach and metric's frontier (the current year), or None."""
    year = frontier(data, approach_id, metric)["year"].max()
    return None if year is None else int(year)


def current_frontier(data: SiteData, approach_id: str, metric: str) -> dict[str, object] | None:
    """The frontier row of the latest year of an approach and metric, or None."""
    rows = frontier(data, approach_id, metric)
    return None if rows.height == 0 else rows.row(-1, named=True)


def milestones(data: SiteData, approach_id: str, metric: str | None = None) -> pl.DataFrame:
    """The registry rows of an approach (of one metric when given), by date then id."""
    rows = data.milestones
    if "approach" not in rows.columns:
        return rows
    rows = rows.filter(pl.col("approach") == approach_id)
    if metric is not None:
        rows = rows.filter(pl.col("metric") == metric)
    when = "date" if "date" in rows.columns else "demonstrated_on"
    if when not in rows.columns:
        return rows.sort(pl.col("milestone_id").cast(pl.String))
    return rows.sort(
        pl.col(when).cast(pl.String), pl.col("milestone_id").cast(pl.String), nulls_last=True
    )


def current_best(data: SiteData, approach_id: str, metric: str) -> pl.DataFrame:
    """Each country's best of an approach and metric in the latest year
    (marts.capability_countries): the frontier holders first, then by distance to the
    frontier, ties by country name. Made once per site for each approach and metric
    (every country page looks through them all)."""
    return data.derived_once(
        ("capability current best", approach_id, metric),
        lambda: _current_best(data, approach_id, metric),
    )


def _current_best(data: SiteData, approach_id: str, metric: str) -> pl.DataFrame:
    """``current_best``, made from the marts."""
    rows = data.capability_countries
    if "country_iso3" not in rows.columns:
        return pl.DataFrame()
    year = rows.filter(pl.col("approach") == approach_id, pl.col("metric") == metric)["year"].max()
    if year is None:
        return pl.DataFrame()
    return rows.filter(
        pl.col("approach") == approach_id, pl.col("metric") == metric, pl.col("year") == year
    ).sort(
        ["holds_frontier", "distance_log10", "country_name"],
        descending=[True, False, False],
        nulls_last=True,
    )


def summary(data: SiteData, approach_id: str, metric: str) -> dict[str, object] | None:
    """The latest marts.capability_summary row of an approach and metric, or None."""
    rows = data.capability_summary
    if "approach" not in rows.columns:
        return None
    rows = rows.filter(pl.col("approach") == approach_id, pl.col("metric") == metric).sort("year")
    return None if rows.height == 0 else rows.row(-1, named=True)


def frontier_table(data: SiteData) -> pl.DataFrame:
    """One row per approach and metric with milestones: the current frontier holder, its
    value, the year the record was set, the countries within reach (holders included) and
    by name the other countries within reach, a country whose equal result holds the
    frontier too among them.

    Returns approach, approach_label, metric, metric_label, unit, best_value, organisation,
    countries, country_names, record_year, milestone_id, primary_source, source_quality,
    countries_with_result, countries_within_reach, others_within_reach.
    """
    rows = []
    for approach_id in approaches(data):
        for metric in metrics(data, approach_id):
            top = current_frontier(data, approach_id, metric)
            if top is None or top.get("best_value") is None:
                continue
            info = metric_info(data, metric)
            best = current_best(data, approach_id, metric)
            names = _names(data)
            # every other country within reach, one whose equal result holds it too
            credited = _credited(top)
            others = (
                best.filter(pl.col("within_reach"), ~pl.col("country_iso3").is_in(credited))[
                    "country_name"
                ].to_list()
                if best.height
                else []
            )
            total = summary(data, approach_id, metric) or {}
            rows.append(
                {
                    "approach": approach_id,
                    "approach_label": label(data, approach_id),
                    "metric": metric,
                    "metric_label": str(info["label"]),
                    "unit": str(info["unit"]),
                    "best_value": top["best_value"],
                    "organisation": top.get("organisation"),
                    "countries": top.get("countries"),
                    "country_names": _country_words(top.get("countries"), names),
                    "record_year": _year_of(_date(top)),
                    "milestone_id": top.get("milestone_id"),
                    "primary_source": top.get("primary_source"),
                    "source_quality": top.get("source_quality"),
                    "countries_with_result": total.get("countries_with_result"),
                    "countries_within_reach": total.get("countries_within_reach"),
                    "others_within_reach": "; ".join(str(n) for n in others),
                }
            )
    schema = {
        "approach": pl.String,
        "approach_label": pl.String,
        "metric": pl.String,
        "metric_label": pl.String,
        "unit": pl.String,
        "best_value": pl.Float64,
        "organisation": pl.String,
        "countries": pl.String,
        "country_names": pl.String,
        "record_year": pl.Int64,
        "milestone_id": pl.String,
        "primary_source": pl.String,
        "source_quality": pl.String,
        "countries_with_result": pl.Int64,
        "countries_within_reach": pl.Int64,
        "others_within_reach": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def frontiers_held(data: SiteData) -> pl.DataFrame:
    """Per country, how many approach-metric frontiers it holds and how many more it is
    within reach of in the latest year: country_iso3, country_name, holds, within_reach
    (not holding), most frontiers first, ties by name."""
    parts = []
    for approach_id in approaches(data):
        for metric in metrics(data, approach_id):
            best = current_best(data, approach_id, metric)
            if best.height:
                parts.append(
                    best.select("country_iso3", "country_name", "holds_frontier", "within_reach")
                )
    if not parts:
        return pl.DataFrame(
            schema={
                "country_iso3": pl.String,
                "country_name": pl.String,
                "holds": pl.Int64,
                "within_reach": pl.Int64,
            }
        )
    return (
        pl.concat(parts)
        .group_by("country_iso3", "country_name")
        .agg(
            pl.col("holds_frontier").fill_null(False).sum().cast(pl.Int64).alias("holds"),
            (pl.col("within_reach").fill_null(False) & ~pl.col("holds_frontier").fill_null(False))
            .sum()
            .cast(pl.Int64)
            .alias("within_reach"),
        )
        .filter((pl.col("holds") + pl.col("within_reach")) > 0)
        .sort(["holds", "within_reach", "country_name"], descending=[True, True, False])
    )


def country_rows(data: SiteData, iso3: str) -> pl.DataFrame:
    """The approach-metric frontiers a country holds or is within reach of in the latest
    year, holders first: rows of marts.capability_countries with approach_label,
    metric_label, unit and frontier_value."""
    rows = _held_or_within_reach(data)
    mine = rows.filter(pl.col("country_iso3") == iso3) if rows.height else rows
    if mine.height == 0:
        return pl.DataFrame()
    # ties stay in the order the rows were made, approach by approach and metric by metric
    return mine.sort(
        ["holds_frontier", "distance_log10"],
        descending=[True, False],
        nulls_last=True,
        maintain_order=True,
    )


@derived_per_site
def _held_or_within_reach(data: SiteData) -> pl.DataFrame:
    """Every country's rows of ``country_rows``, approach by approach and metric by metric,
    made once per site (a country page used to look through every approach and metric)."""
    parts = []
    for approach_id in approaches(data):
        for metric in metrics(data, approach_id):
            best = current_best(data, approach_id, metric)
            if best.height == 0:
                continue
            close = best.filter(
                pl.col("holds_frontier").fill_null(False) | pl.col("within_reach").fill_null(False)
            )
            if close.height:
                info = metric_info(data, metric)
                top = current_frontier(data, approach_id, metric) or {}
                parts.append(
                    close.with_columns(
                        pl.lit(label(data, approach_id)).alias("approach_label"),
                        pl.lit(str(info["label"])).alias("metric_label"),
                        pl.lit(str(info["unit"])).alias("unit"),
                        pl.lit(top.get("best_value"), pl.Float64).alias("frontier_value"),
                    )
                )
    return pl.concat(parts, how="diagonal_relaxed") if parts else pl.DataFrame()


# ---- words and cells ---------------------------------------------------------------


@derived_per_site
def _names(data: SiteData) -> dict[str, str]:
    """ISO3 -> country name from marts.countries, the milestones and the country rows."""
    names: dict[str, str] = {}
    rows = data.milestones
    if {"countries", "country_names"} <= set(rows.columns):
        for codes, words in rows.select("countries", "country_names").iter_rows():
            # a joint result's names are in name order, not code order: single ones only
            split_codes = _codes(codes)
            if len(split_codes) == 1 and words and ";" not in str(words):
                names[split_codes[0]] = str(words).strip()
    best = data.capability_countries
    if {"country_iso3", "country_name"} <= set(best.columns):
        names |= dict(best.select("country_iso3", "country_name").unique().iter_rows())
    if {"iso3", "name"} <= set(data.countries.columns):
        names |= dict(zip(data.countries["iso3"], data.countries["name"], strict=True))
    return {k: v for k, v in names.items() if k and v}


def _codes(countries: object) -> list[str]:
    """A ';'-separated list of ISO3 codes as a list."""
    return [c.strip() for c in str(countries or "").split(";") if c.strip()]


def _country_words(countries: object, names: dict[str, str]) -> str:
    """A ';'-separated list of ISO3 codes as country names joined by commas."""
    return ", ".join(names.get(c, c) for c in _codes(countries)) or "-"


def _date(row: dict) -> object:
    """A registry row's date: ``date`` (the registry's text) or ``demonstrated_on`` (the
    typed date of the marts), None when neither."""
    value = row.get("date")
    return value if value is not None else row.get("demonstrated_on")


def _year_of(date: object) -> int | None:
    """The year of a registry date (YYYY-MM-DD, YYYY-MM or a date), or None."""
    match = re.match(r"\s*(\d{4})", str(date or ""))
    return int(match.group(1)) if match else None


def decimal_year(date: object) -> float | None:
    """A registry date as a decimal year for the time axis: ``2019-10-23`` -> 2019.81,
    ``2019-10`` -> the middle of October (2019.79), ``2019`` -> the middle of the year."""
    match = re.match(r"\s*(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", str(date or ""))
    if not match:
        return None
    year = int(match.group(1))
    if match.group(2) is None:
        return year + 0.5
    month = min(max(int(match.group(2)), 1), 12)
    day = 15 if match.group(3) is None else min(max(int(match.group(3)), 1), 31)
    return round(year + (month - 1) / 12 + (day - 1) / 365, 4)


# the registry's units of things counted, said in the singular of one
COUNTED_UNITS = ("qubits", "logical qubits", "photons", "modes")
# a time under a second in milliseconds, microseconds or nanoseconds
SUBSECONDS = ((1e3, "ms"), (1e6, "µs"), (1e9, "ns"))


def in_sentence(label: object) -> str:
    """A metric's label inside a sentence: its first letter lower-cased unless its first
    word is an acronym (``qubit coherence time``, ``QKD distance over fibre``); other
    words as written (``logical error rate per QEC cycle``)."""
    text = str(label)
    first = text.split(" ", 1)[0]
    return text if first.isupper() else text[:1].lower() + text[1:]


def reach_words(reach_log10: float) -> str:
    """A within-reach threshold in orders of magnitude, with the factor it means:
    ``0.30103 orders of magnitude (a factor of 2)``."""
    orders = "order" if reach_log10 == 1 else "orders"
    return (
        f"{number(round(reach_log10, 5))} {orders} of magnitude (a factor of {10**reach_log10:.3g})"
    )


def number(value: float | None) -> str:
    """A registry value as text: whole numbers with thousands separators, others with up to
    six significant digits (``0.9995``, ``9.4e-19``); ``-`` when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:.6g}"


def stated(value: float | None, bound: object = None, unit: object = None) -> str:
    """A value with its bound and unit as the source states it, for people: ``≥ 0.99``,
    ``127 qubits``, ``1 logical qubit``; seconds under one in the unit that makes them a
    number from 1 up (``7.2e-05`` s is ``72 µs``)."""
    sign = {">=": "≥ ", "<=": "≤ "}.get(str(bound or "").strip(), "")
    unit = str(unit or "")
    if unit == "s" and value is not None and 0 < abs(value) < 1:
        scale, unit = next((f, u) for f, u in SUBSECONDS if abs(value) * f >= 1 or u == "ns")
        value = value * scale
    if unit in COUNTED_UNITS and value == 1:
        unit = unit.removesuffix("s")
    unit_text = f" {unit}" if unit not in ("", "-", "count") else ""
    return f"{sign}{number(value)}{unit_text}"


def _quality(value: object) -> str:
    """A source_quality key in words."""
    return QUALITY_WORDS.get(str(value or ""), str(value or "-"))


def _yes(value: object) -> bool:
    """True for yes/true/1 (registry flags are text)."""
    return str(value).strip().lower() in ("yes", "true", "1")


def _counted(row: dict) -> bool:
    """Whether a milestone counts towards the frontier (marts.milestones.counted; without
    that column: not contested and not a secondary source)."""
    if row.get("counted") is not None:
        return bool(row["counted"])
    return not _yes(row.get("contested")) and row.get("source_quality") != "secondary"


WORSE_BOUND = "not counted: a bound on the worse side"


def unchecked_words(data: SiteData, frontiers: pl.DataFrame) -> str:
    """How many counted milestones' figures have not been checked against their primary
    publication (marts.milestones.primary_source_checked), and how many of those hold one
    of the ``frontiers`` (``frontier_table``'s rows), as a sentence; '' when none."""
    rows = [r for r in data.milestones.iter_rows(named=True) if _counted(r)]
    unchecked = {r["milestone_id"] for r in rows if not _yes(r.get("primary_source_checked"))}
    if not unchecked:
        return ""
    held = len(set(frontiers["milestone_id"].to_list()) & unchecked)
    holding = (
        "none of them holds a frontier"
        if held == 0
        else f"{number_word(held)} of them {'holds' if held == 1 else 'hold'} a frontier"
    )
    return (
        f"{number_word(len(unchecked)).capitalize()} of the {len(rows)} counted figures "
        f"{'has' if len(unchecked) == 1 else 'have'} not yet been checked against the "
        f"publication {'it is' if len(unchecked) == 1 else 'they are'} cited to ({holding}): "
        "marked 'source not opened yet', a reviewer's check may change "
        f"{'it' if len(unchecked) == 1 else 'them'}."
    )


def _status(row: dict) -> str:
    """Why a milestone counts or not: ``counted``, ``not counted: contested``, ..."""
    if _counted(row):
        vendor = row.get("source_quality") == "vendor_claim"
        return "counted" + (" (vendor claim)" if vendor else "")
    if _yes(row.get("contested")):
        return "not counted: contested"
    if row.get("source_quality") == "secondary":
        return "not counted: secondary source only"
    if row.get("bound") in ("<=", ">="):  # a bound on the better side counts (cap-1.1)
        return WORSE_BOUND
    return "not counted"


def source_link(url: object) -> str:
    """A table cell linking to a primary source: only https addresses become links (a DOI
    shown as ``doi:10....``, other pages by their host); anything else is shown as escaped
    text. Everything from the data is escaped."""
    if not url:
        return "-"
    text = str(url)
    parts = urlsplit(text)
    if parts.scheme != "https" or not parts.netloc:
        return text
    host = parts.netloc.lower().removeprefix("www.")
    shown = f"doi:{parts.path.lstrip('/')}" if host in ("doi.org", "dx.doi.org") else host
    return Markup('<a href="{}" rel="noopener" target="_blank">{}</a>').format(text, shown)


def _safe_id(*parts: str) -> str:
    """A chart id from data keys: letters, digits, ``-`` and ``_`` only."""
    return "-".join(re.sub(r"[^A-Za-z0-9_-]", "_", str(p)) for p in parts)


def page_path(approach_id: str) -> str:
    """The site path of an approach's capability page: ``capability/<approach>.html``."""
    return f"capability/{_safe_id(approach_id)}.html"


def _sql_text(value: str) -> str:
    """A key quoted for SQL (quotes doubled)."""
    return "'" + str(value).replace("'", "''") + "'"


def plotted(value: float | None, transform: object) -> float | None:
    """The value on the chart's scale: the error 1 - F for a fidelity (``one_minus``),
    the value itself otherwise."""
    if value is None:
        return None
    return 1.0 - value if transform == "one_minus" else float(value)


def _axis_title(info: dict[str, object]) -> str:
    """The value axis of a frontier chart: the metric (or its error), unit and direction."""
    better = "lower is better" if info["better"] == "lower" else "higher is better"
    if info["transform"] == "one_minus":
        return f"error: 1 - {in_sentence(info['label'])} (lower is better)"
    unit = f", {info['unit']}" if info["unit"] else ""
    return f"{info['label']}{unit} ({better})"


def _caption(info: dict[str, object], years: str | None = None) -> str:
    """The line under every capability chart: years, unit, source and the registry label."""
    when = f"{years}; " if years else ""
    unit = info["unit"] or "as stated by the source"
    scale = (
        " Plotted as the error 1 - F on a log scale; distances are orders of magnitude of "
        "that error."
        if info["transform"] == "one_minus"
        else ""
    )
    return f"{when}unit: {unit}.{scale} {SOURCE}. {REAL}"


# ---- figures -----------------------------------------------------------------------


def frontier_chart(
    frame: pl.DataFrame,
    points: pl.DataFrame,
    info: dict[str, object],
    names: dict[str, str],
    chart_id: str,
    title: str,
    caption: str,
) -> Chart:
    """The frontier (best counted value to date) as a step line over time, and every
    milestone as a point coloured by country (a joint result once per partner country).

    ``frame`` has the rows of ``frontier`` (the step moves at each record's date and runs
    to the end of the last year); ``points`` the rows of ``milestones``. Counted results
    are filled circles, vendor claims diamonds, contested results crosses and secondary
    ones open circles. Fidelities are drawn as the error 1 - F on a log axis; other metrics
    on a log axis when all values are positive and span two orders of magnitude.
    """
    transform = info["transform"]
    unit = str(info["unit"] or "")
    fig = go.Figure()
    # a step wherever the holding milestone changes (new_record), the first year included
    records = (
        frame.filter(
            pl.col("milestone_id").ne_missing(pl.col("milestone_id").shift(1))
            | (pl.int_range(pl.len()) == 0)
        )
        if frame.height
        else frame
    )
    xs: list[float] = []
    ys: list[float | None] = []
    hover: list[str] = []
    for r in records.iter_rows(named=True):
        x = decimal_year(_date(r)) or float(r["year"])
        xs.append(x)
        ys.append(plotted(r["best_value"], transform))
        hover.append(
            f"Frontier from {esc(_date(r) or r['year'])}: "
            f"{esc(stated(r['best_value'], None, unit))}<br>{esc(r.get('organisation') or '-')} "
            f"({esc(_country_words(r.get('countries'), names))}), {esc(r.get('milestone_id'))}"
        )
    if xs and frame.height:
        last = frame.row(-1, named=True)
        xs.append(float(last["year"]) + 1.0)
        ys.append(plotted(last["best_value"], transform))
        hover.append(
            f"Frontier at the end of {last['year']}: {esc(stated(last['best_value'], None, unit))}"
        )
    if xs:
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"shape": "hv", "color": "#333333", "width": 2},
                name="Frontier (best counted result to date)",
                hovertext=hover,
                hoverinfo="text",
            )
        )
    rows = []
    for r in points.iter_rows(named=True):
        for code in _codes(r.get("countries")) or ["-"]:
            rows.append((names.get(code, code), r))
    countries = sorted({country for country, _ in rows})
    for index, country in enumerate(countries):
        mine = [r for c, r in rows if c == country]
        symbols = []
        for r in mine:
            if _yes(r.get("contested")):
                symbols.append("x")
            elif _status(r) == WORSE_BOUND:
                symbols.append("triangle-down-open")
            elif not _counted(r):
                symbols.append("circle-open")
            elif r.get("source_quality") == "vendor_claim":
                symbols.append("diamond")
            else:
                symbols.append("circle")
        fig.add_trace(
            go.Scatter(
                x=[decimal_year(_date(r)) or r.get("year") for r in mine],
                y=[plotted(r.get("value"), transform) for r in mine],
                mode="markers",
                name=esc(country),
                marker={
                    "color": PALETTE[index % len(PALETTE)],
                    "size": 11,
                    "symbol": symbols,
                    "line": {"width": 1.5, "color": PALETTE[index % len(PALETTE)]},
                },
                hovertext=[_point_hover(r, unit, names) for r in mine],
                hoverinfo="text",
            )
        )
    apply_layout(fig, title, height=460)
    values = [y for y in ys if y is not None] + [
        y
        for r in points.iter_rows(named=True)
        if (y := plotted(r.get("value"), transform)) is not None
    ]
    log = transform == "one_minus" or (
        bool(values) and min(values) > 0 and max(values) / min(values) >= 100
    )
    if values and min(values) <= 0:
        log = False
    fig.update_yaxes(title=_axis_title(info), type="log" if log else "linear")
    if log and transform == "one_minus":
        fig.update_yaxes(exponentformat="power")
    fig.update_xaxes(title="year of the primary publication", dtick=1, tickformat="d")
    fig.update_layout(legend={"title": {"text": "country"}})
    notes = [
        "The line is the frontier: the best counted result to date. Points are every "
        "milestone in the registry, coloured by country (a joint result appears once per "
        "partner country). Filled circle: counted; diamond: vendor claim (counted, not "
        "independently reviewed); cross: contested (shown, not counted); open circle: "
        "secondary source only (not counted); open triangle pointing down: a bound on the "
        "worse side, such as 'fewer than 100 qubits' (drawn at its bound; the result may be "
        "anything worse; not counted)."
    ]
    if log:
        notes.append("The value axis is logarithmic.")
    data = pl.concat(
        [
            frame.with_columns(pl.lit("frontier").alias("row")),
            points.with_columns(pl.lit("milestone").alias("row")),
        ],
        how="diagonal_relaxed",
    )
    return Chart(chart_id, fig, data, caption, notes)


def _point_hover(row: dict, unit: str, names: dict[str, str]) -> str:
    """A milestone's hover text: organisation, countries, result, value, date, source
    quality and whether it counts (every data string escaped)."""
    return (
        f"{esc(row.get('organisation') or '-')} "
        f"({esc(_country_words(row.get('countries'), names))})<br>"
        f"{esc(row.get('system_or_result') or '-')}<br>"
        f"{esc(stated(row.get('value'), row.get('bound'), unit))}, {esc(_date(row) or '-')}"
        f"<br>source: {esc(_quality(row.get('source_quality')))}; {esc(_status(row))}"
    )


def distance_bars(
    frame: pl.DataFrame,
    info: dict[str, object],
    chart_id: str,
    title: str,
    caption: str,
) -> Chart:
    """Each country's distance to the frontier in orders of magnitude (0: it holds the
    frontier), the holders on top, with the within-reach threshold as a dashed line and
    each country's best value beside its bar. ``frame`` has the rows of ``current_best``."""
    unit = str(info["unit"] or "")
    reach = info["reach_log10"]
    shown = frame.reverse()
    colours = [
        HOLDER if holds else (REACH if near else BEHIND)
        for holds, near in zip(
            shown["holds_frontier"].fill_null(False),
            shown["within_reach"].fill_null(False),
            strict=True,
        )
    ]
    hover = []
    for r in shown.iter_rows(named=True):
        distance = r["distance_log10"]
        where = (
            "holds the frontier"
            if r["holds_frontier"]
            else (
                f"{'-' if distance is None else f'{distance:.2f}'} orders of magnitude behind"
                + ("; within reach" if r["within_reach"] else "")
            )
        )
        hover.append(
            f"{esc(r['country_name'])}: best {esc(stated(r['best_value'], None, unit))} "
            f"({esc(r.get('organisation') or '-')}, {esc(r.get('milestone_id') or '-')}); "
            f"{where}"
        )
    fig = go.Figure(
        go.Bar(
            x=[d if d is not None else None for d in shown["distance_log10"]],
            y=[esc(n) for n in shown["country_name"]],
            orientation="h",
            marker_color=colours,
            text=[esc(stated(v, None, unit)) for v in shown["best_value"]],
            textposition="outside",
            cliponaxis=False,
            hovertext=hover,
            hoverinfo="text",
        )
    )
    apply_layout(fig, title, height=max(300, 30 * shown.height + 150))
    largest = max([d for d in shown["distance_log10"].to_list() if d is not None] + [0.0])
    top = max(largest, float(reach or 0)) * 1.35 + 0.3
    fig.update_xaxes(title="orders of magnitude behind the frontier (0: holds it)", range=[0, top])
    fig.update_layout(margin={"r": 120})
    notes = [
        "Green: holds the frontier; blue: within reach; orange: further behind. The text "
        "beside each bar is the country's best counted value."
    ]
    if reach is not None:
        dashed_line(fig, "within reach", x=reach)
        notes.append(
            f"Within reach: at most {reach_words(reach)} from the frontier (the dashed "
            "line), the threshold set for this metric."
        )
    else:
        notes.append("Within reach: see the metric's threshold in Methods.")
    return Chart(chart_id, fig, frame, caption, notes)


def held_bars(frame: pl.DataFrame, chart_id: str, title: str, caption: str) -> Chart:
    """Stacked bars per country: frontiers held and frontiers within reach (not held),
    most on top. ``frame`` has the rows of ``frontiers_held``."""
    shown = frame.reverse()
    names = [esc(n) for n in shown["country_name"]]
    fig = go.Figure()
    for column, colour, said in (
        ("holds", HOLDER, "frontiers held"),
        ("within_reach", REACH, "within reach (not held)"),
    ):
        fig.add_trace(
            go.Bar(
                x=shown[column].to_list(),
                y=names,
                orientation="h",
                marker_color=colour,
                name=said,
                hovertemplate="%{y}: %{x} " + said + "<extra></extra>",
            )
        )
    apply_layout(fig, title, height=max(320, 26 * shown.height + 150))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title="approach-metric frontiers", dtick=1)
    return Chart(
        chart_id,
        fig,
        frame,
        caption,
        ["A joint record counts for every partner country."],
    )


# ---- the pages ---------------------------------------------------------------------


def _no_capability() -> list[Section]:
    """The one section shown when the published file has no capability marts."""
    return [Section("Capability", ["This published file holds no capability tables."])]


def _credited(top: dict) -> list[str]:
    """The ISO3 codes a frontier row's record credits (its ``countries``, ';'-joined)."""
    return str(top.get("countries") or "").split(";")


def _headline(data: SiteData, approach_id: str, metric: str) -> str | None:
    """One sentence on an approach and metric's frontier: holder, value, year, and the
    countries within reach; None without a frontier."""
    top = current_frontier(data, approach_id, metric)
    if top is None or top.get("best_value") is None:
        return None
    info = metric_info(data, metric)
    names = _names(data)
    best = current_best(data, approach_id, metric)
    others = (
        best.filter(pl.col("within_reach").fill_null(False), ~pl.col("holds_frontier"))[
            "country_name"
        ].to_list()
        if best.height
        else []
    )
    credited = _credited(top)
    # countries whose own result equals the record: they hold the frontier too
    also = (
        best.filter(
            pl.col("holds_frontier").fill_null(False), ~pl.col("country_iso3").is_in(credited)
        )["country_name"].to_list()
        if best.height
        else []
    )
    said = (
        f"{info['label']}: {stated(top['best_value'], None, info['unit'])}, "
        f"{top.get('organisation') or '-'} ({_country_words(top.get('countries'), names)}, "
        f"{_year_of(_date(top)) or top['year']})"
    )
    if also:
        said += f"; held as well by {', '.join(str(a) for a in also)} (an equal result)"
    # the countries with a result of their own that do not hold the record
    behind = best.filter(~pl.col("holds_frontier").fill_null(False)).height if best.height else 0
    if others:
        said += f"; within reach: {', '.join(str(o) for o in others)}."
    elif behind:
        said += (
            f"; no other country within reach ({number_word(behind)} other"
            f"{'' if behind == 1 else 's'} with a result)."
        )
    else:
        said += "; no other country has a result in the registry."
    if top.get("contested_best_value") is not None:
        said += (
            f" A contested claim ({top.get('contested_milestone_id') or '-'}, "
            f"{stated(top['contested_best_value'], None, info['unit'])}) would beat it; it is "
            "shown, not counted."
        )
    return said


def overview(data: SiteData) -> list[Section]:
    """One headline paragraph: the size of the registry and which country holds the most
    frontiers, with a pointer to the capability page."""
    if not has_capability(data):
        return []
    table = frontier_table(data)
    if table.height == 0:
        return []
    held = frontiers_held(data)
    said = (
        f"The capability registry holds {data.milestones.height:,} reviewed hardware "
        f"milestones; {table.height:,} frontiers (approach and metric) over "
        f"{len(approaches(data)):,} approaches."
    )
    if held.height:
        top = held.row(0, named=True)
        tied = held.filter(pl.col("holds") == top["holds"])["country_name"].to_list()
        said += (
            f" {top['country_name']} holds the most ({top['holds']:,} of {table.height:,}, "
            "joint records counting for every partner)."
            if len(tied) == 1
            else f" {listed([str(t) for t in tied])} hold the most, {top['holds']:,} of "
            f"{table.height:,} each (joint records counting for every partner)."
        )
    said += (
        " These are real, reviewed results with their primary sources, not sample data. "
        "Every frontier: the capability page (under Explore)."
    )
    return [Section("Capability", [said])]


def approach(data: SiteData, approach_id: str) -> list[Section]:
    """An approach page's capability section: the headline of each metric and a link to
    the approach's capability page; [] when the approach has no milestones."""
    if approach_id not in approaches(data):
        return []
    said = [
        line
        for metric in metrics(data, approach_id)
        if (line := _headline(data, approach_id, metric)) is not None
    ]
    if not said:
        said = ["The registry holds milestones for this approach but no frontier yet."]
    said.append(REAL)
    return [
        Section(
            "Capability: the state of the art",
            said,
            links=[
                (
                    "Capability",
                    [
                        (
                            page_path(approach_id),
                            f"{label(data, approach_id)}: the frontier over time, every "
                            "country's best and the sources",
                        )
                    ],
                )
            ],
        )
    ]


def country(data: SiteData, iso3: str) -> list[Section]:
    """A country's capability section: the frontiers it holds or is within reach of in the
    latest year (a table); nothing when it has none."""
    rows = country_rows(data, iso3)
    if rows.height == 0:
        return []
    name = _names(data).get(iso3, iso3)
    held = rows.filter(pl.col("holds_frontier").fill_null(False)).height
    near = rows.height - held
    body = [
        [
            r["approach_label"],
            r["metric_label"],
            stated(r["best_value"], None, r["unit"]),
            r["organisation"] or "-",
            stated(r["frontier_value"], None, r["unit"]),
            "holds the frontier"
            if r["holds_frontier"]
            else f"{r['distance_log10']:.2f} orders of magnitude behind (within reach)",
        ]
        for r in rows.iter_rows(named=True)
    ]
    links = [("Capability", [("capability.html", "Every approach's frontier")])]
    links[0][1].extend((page_path(a), label(data, a)) for a in dict.fromkeys(rows["approach"]))
    return [
        Section(
            "Capability",
            [
                f"{name} holds {held:,} frontier{'' if held == 1 else 's'} and is within reach "
                f"of {near:,} more (approach and metric, latest year). {REAL}"
            ],
            tables=[
                Table(
                    ["Approach", "Metric", "Its best", "By", "Frontier", "Distance"],
                    body,
                    f"marts.capability_countries, latest year. {SOURCE}.",
                )
            ],
            links=links,
        )
    ]


def page(data: SiteData) -> list[Section]:
    """The capability index page: what counts, the frontier of every approach and metric
    (holder, value, year, countries within reach, a link to each approach's page), and the
    frontiers held per country."""
    if not has_capability(data):
        return _no_capability()
    table = frontier_table(data)
    unchecked = unchecked_words(data, table)
    unchecked += " " if unchecked else ""
    intro = Section(
        "What this page shows",
        [
            _box(),
            "The state of the art in quantum hardware per approach and metric: the best "
            "published result to date (the frontier), who holds it, and which countries are "
            "within reach of it. Every number is cited to its primary publication (a "
            "paper's DOI or the organisation's own release); contested figures are shown "
            "but not counted, and vendor claims are flagged. " + unchecked + LOGICAL_CAVEAT,
        ],
    )
    body = [
        [
            Markup('<a href="{}">{}</a>').format(page_path(r["approach"]), r["approach_label"]),
            r["metric_label"],
            stated(r["best_value"], None, r["unit"]),
            r["organisation"] or "-",
            r["country_names"],
            "-" if r["record_year"] is None else str(r["record_year"]),
            _quality(r["source_quality"]),
            source_link(r["primary_source"]),
            "-" if r["countries_within_reach"] is None else f"{r['countries_within_reach']:,}",
            r["others_within_reach"] or "-",
        ]
        for r in table.iter_rows(named=True)
    ]
    frontier_section = Section(
        "The frontier of every approach",
        [
            "Per approach and metric, the best counted result to date and who holds it. "
            "'Within reach' counts the countries (the holder included) whose best is within "
            "the metric's threshold of the frontier (see Methods)."
        ],
        tables=[
            Table(
                [
                    "Approach",
                    "Metric",
                    "Frontier",
                    "Held by",
                    "Countries",
                    "Set in",
                    "Source quality",
                    "Primary source",
                    "Countries within reach",
                    "Others within reach",
                ],
                body,
                f"marts.capability_frontier and marts.capability_summary, latest year. "
                f"{SOURCE}. {REAL}",
            )
        ],
        code=index_sql(),
        links=[
            (
                "Approaches",
                [(page_path(a), label(data, a)) for a in approaches(data)],
            )
        ],
    )
    held = frontiers_held(data)
    charts = []
    if held.height:
        charts.append(
            held_bars(
                held,
                "capability-held",
                "Frontiers held and within reach, per country",
                "latest year; unit: approach-metric frontiers (count). "
                f"{SOURCE}. {REAL} {LOGICAL_CAVEAT}",
            )
        )
    held_section = Section(
        "Who holds the frontiers",
        [
            "How many approach-metric frontiers each country holds, and how many more it is "
            "within reach of. Metrics are not equally important and are not added by weight: "
            "read this as a count, not a score."
        ],
        charts=charts,
        code=held_sql(),
    )
    return [intro, frontier_section, held_section]


def _box() -> Markup:
    """The boxed note at the top of a capability page: what the registry is."""
    return Markup('<span class="caveat" role="note"><strong>Read first.</strong> {}</span>').format(
        "A curated registry of published hardware results, each with its primary source "
        "and a source-quality flag. It is real, reviewed data, not sample data; it lists "
        "the results a reviewer has entered, not every result ever published."
    )


def approach_page(data: SiteData, approach_id: str) -> list[Section]:
    """The capability page of one approach: the headlines, then per metric the frontier
    over time with every milestone coloured by country, each country's current best and
    its distance to the frontier, and the milestones with their primary sources; each
    chart with its SQL."""
    name = label(data, approach_id)
    headlines = [
        line
        for metric in metrics(data, approach_id)
        if (line := _headline(data, approach_id, metric)) is not None
    ]
    sections = [
        Section(
            "What this page shows",
            [
                _box(),
                f"The state of the art in {name}: per metric, the best counted result over "
                "time, every milestone in the registry, each country's current best, and the "
                "sources one click away.",
                *headlines,
            ],
            links=[
                (
                    "See also",
                    [
                        ("capability.html", "Every approach's frontier"),
                        (f"approach/{approach_id}.html", f"{name}: publications and patents"),
                        ("methods.html#what-counts", "What counts and how distance is measured"),
                    ],
                )
            ],
        )
    ]
    names = _names(data)
    for metric in metrics(data, approach_id):
        sections.append(_metric_section(data, approach_id, metric, names))
    rest = milestones(data, approach_id).filter(~pl.col("metric").is_in(metrics(data, approach_id)))
    if rest.height:
        sections.append(
            Section(
                "Other milestones",
                ["Milestones of metrics without a frontier yet."],
                tables=[_milestone_table(rest, names, data)],
            )
        )
    return sections


def _metric_section(
    data: SiteData, approach_id: str, metric: str, names: dict[str, str]
) -> Section:
    """One metric of an approach's page: frontier chart, distance bars, milestone table."""
    info = metric_info(data, metric)
    rows = frontier(data, approach_id, metric)
    points = milestones(data, approach_id, metric)
    top = current_frontier(data, approach_id, metric) or {}
    name = label(data, approach_id)
    years = f"{rows['year'].min()}-{rows['year'].max()}" if rows.height else None
    holder = top.get("organisation") or "-"
    title = (
        f"{name}, {in_sentence(info['label'])}: the frontier is "
        f"{stated(top.get('best_value'), None, info['unit'])} ({holder}, "
        f"{_year_of(_date(top)) or top.get('year') or '-'})"
    )
    charts = [
        frontier_chart(
            rows,
            points,
            info,
            names,
            _safe_id("capability", approach_id, metric, "frontier"),
            title,
            _caption(info, years),
        )
    ]
    best = current_best(data, approach_id, metric)
    said = []
    if best.height:
        year = int(best["year"].max())
        holders = best.filter(pl.col("holds_frontier").fill_null(False))["country_name"].to_list()
        near = best.filter(pl.col("within_reach").fill_null(False)).height
        charts.append(
            distance_bars(
                best,
                info,
                _safe_id("capability", approach_id, metric, "countries"),
                f"{name}, {in_sentence(info['label'])}: each country's best, {year}",
                _caption(info, str(year)),
            )
        )
        said.append(
            f"{best.height:,} countr{'y' if best.height == 1 else 'ies'} with a counted "
            f"result; {near:,} within reach of the frontier (held by "
            f"{', '.join(str(h) for h in holders) or '-'})."
        )
    if top.get("contested_best_value") is not None:
        said.append(
            f"A contested claim ({top.get('contested_milestone_id') or '-'}: "
            f"{stated(top['contested_best_value'], None, info['unit'])}) would beat the "
            "frontier; it is shown on the chart and in the table, not counted."
        )
    if "logical" in metric:
        said.append(LOGICAL_CAVEAT)
    if info.get("description"):
        said.insert(0, str(info["description"]))
    return Section(
        str(info["label"]),
        said,
        charts=charts,
        tables=[_milestone_table(points, names, data, with_metric=False)] if points.height else [],
        code=frontier_sql(approach_id, metric),
    )


MILESTONE_COLUMNS = [
    "Date",
    "Organisation",
    "Countries",
    "Result",
    "Value",
    "Source quality",
    "Counted",
    "Primary source",
    "Note",
]


def _milestone_table(
    rows: pl.DataFrame, names: dict[str, str], data: SiteData, with_metric: bool = True
) -> Table:
    """Milestones as a table: date, organisation, countries, result, value with bound and
    unit, source quality, whether it counts, the primary source (a link when https) and the
    contested note (the metric first when ``with_metric``)."""
    body = []
    for r in rows.iter_rows(named=True):
        info = metric_info(data, r["metric"]) if r.get("metric") else {"unit": "", "label": "-"}
        note = r.get("contested_note") if _yes(r.get("contested")) else r.get("note")
        body.append(
            ([str(info["label"])] if with_metric else [])
            + [
                str(_date(r) or "-"),
                r.get("organisation") or "-",
                _country_words(r.get("countries"), names),
                r.get("system_or_result") or "-",
                stated(r.get("value"), r.get("bound"), r.get("unit") or info["unit"]),
                _quality(r.get("source_quality"))
                + ("" if _yes(r.get("primary_source_checked")) else " (source not opened yet)"),
                _status(r),
                source_link(r.get("primary_source")),
                note or "",
            ]
        )
    columns = (["Metric"] if with_metric else []) + MILESTONE_COLUMNS
    return Table(
        columns,
        body,
        f"marts.milestones. {SOURCE}; 'source not opened yet' marks a primary source cited "
        "from the literature that a reviewer has not opened. " + REAL,
    )


def methods(data: SiteData) -> list[Section]:
    """Capability definitions (meta.indicators), the metrics with their within-reach
    thresholds, and what counts, in plain language, with SQL that rebuilds the frontier."""
    if not has_capability(data):
        return []
    defs = data.capability_definitions
    table = Table(
        ["Indicator", "What it means", "Unit", "Method"],
        [
            [
                r.get("name") or r.get("indicator"),
                r["definition"],
                r.get("unit"),
                r.get("method_version"),
            ]
            for r in defs.iter_rows(named=True)
        ]
        if "definition" in defs.columns
        else [],
    )
    known = data.milestone_metrics
    thresholds = Table(
        ["Metric", "Unit", "Better", "Compared as", "Within reach"],
        [
            [
                r.get("label") or r["metric"],
                r.get("unit") or "-",
                r.get("better") or "-",
                "the error 1 - F" if r.get("transform") == "one_minus" else "the value",
                "-" if r.get("reach_log10") in (None, "") else reach_words(float(r["reach_log10"])),
            ]
            for r in known.iter_rows(named=True)
        ]
        if "metric" in known.columns
        else [],
        "The metrics table of the registry (assets/reference/milestone_metrics.csv).",
    )
    said = [
        Markup('<span id="what-counts">{}</span>').format(
            "What counts. A milestone enters the registry only with its primary publication "
            "named: the paper's DOI or the organisation's own release. News, summaries and "
            "mirrors are not sources, though a figure may have been recorded as one of them "
            "quotes it until a reviewer opens the publication (the row then says 'source not "
            "opened yet'). Each row says its source quality (peer-reviewed, "
            "preprint, vendor claim, secondary); a vendor claim counts but is flagged. A "
            "figure another source disputes is marked contested: both sides are kept, "
            "shown on the charts and tables, and neither is counted towards a frontier. A "
            "figure stated as a bound counts when the bound is on the better side ('more "
            "than 99.9%'), as its stated value; one on the worse side ('fewer than 100 "
            "qubits') shows no achieved value and is never counted."
        ),
        "The frontier is the best counted value to date for an approach and metric; its "
        "holder is the organisation (and every partner country of a joint result) that "
        "published it first.",
        "Distance to the frontier is measured in orders of magnitude (log10). For "
        "fidelities it is measured on the error scale 1 - F: a gate fidelity of 99% is "
        "one order of magnitude behind 99.9%. For other metrics it is the log10 of the "
        "ratio of the frontier to the country's best (or the reverse when lower is better).",
        "Within reach: a country whose best counted result is at most the metric's "
        "threshold from the frontier, in orders of magnitude"
        + (
            " (table below)."
            if thresholds.rows
            else " (see within_reach in the definitions below)."
        ),
        LOGICAL_CAVEAT + " Qubit counts, too, say nothing of quality.",
        "The registry is curated by hand, not fetched: it lists the results a reviewer has "
        "entered, and a country without a row may simply not have been reviewed yet. It is "
        "real, reviewed data even when the rest of the site is the synthetic sample.",
    ]
    return [
        Section(
            "Capability: what counts",
            said,
            tables=[table, thresholds] if thresholds.rows else [table],
            links=[("Capability", [("capability.html", "Every approach's frontier")])],
        ),
        Section(
            "Capability: reproduce the current frontiers",
            [
                "The frontier is rebuilt from the counted milestones: the highest value "
                "(lowest when lower is better) of each approach and metric; compare with the "
                "last year of marts.capability_frontier."
            ],
            code=reproduce_sql(),
        ),
    ]


# ---- SQL to reproduce each chart ---------------------------------------------------


def reproduce_sql() -> str:
    """SQL that rebuilds the current frontier of every approach and metric from the counted
    milestones, to compare with the last year of marts.capability_frontier."""
    return (
        "-- duckdb -readonly qcm.duckdb\n"
        "with better as (\n"
        "    select distinct approach, metric, better from marts.capability_frontier\n"
        ")\n"
        "select m.approach, m.metric,\n"
        "    case when b.better = 'lower' then min(m.value) else max(m.value) end\n"
        "        as best_value\n"
        "from marts.milestones m join better b using (approach, metric)\n"
        "where m.counted\n"
        "group by m.approach, m.metric, b.better\n"
        "order by m.approach, m.metric;"
    )


def index_sql() -> str:
    """SQL for the index table: every approach and metric's latest frontier."""
    return (
        "-- duckdb -readonly qcm.duckdb\n"
        "select f.approach, f.metric, f.best_value, f.organisation, f.countries,\n"
        "    s.countries_within_reach\n"
        "from marts.capability_frontier f\n"
        "join marts.capability_summary s using (approach, metric, year)\n"
        "where f.year = (select max(year) from marts.capability_frontier)\n"
        "order by f.approach, f.metric;"
    )


def held_sql() -> str:
    """SQL for the frontiers held and within reach per country (latest year)."""
    return (
        "-- duckdb -readonly qcm.duckdb\n"
        "select country_name, count(*) filter (where holds_frontier) as holds,\n"
        "    count(*) filter (where within_reach and not holds_frontier) as within_reach\n"
        "from marts.capability_countries\n"
        "where year = (select max(year) from marts.capability_countries)\n"
        "group by country_name\n"
        "having holds + within_reach > 0\n"
        "order by holds desc, within_reach desc, country_name;"
    )


def frontier_sql(approach_id: str, metric: str) -> str:
    """SQL for one approach and metric: the frontier by year, then each country's best and
    its distance in the latest year."""
    a, m = _sql_text(approach_id), _sql_text(metric)
    return (
        "-- duckdb -readonly qcm.duckdb\n"
        "select year, best_value, organisation, countries, milestone_id, new_record\n"
        "from marts.capability_frontier\n"
        f"where approach = {a} and metric = {m}\n"
        "order by year;\n"
        "select country_name, best_value, round(distance_log10, 2) as distance_log10,\n"
        "    within_reach, holds_frontier\n"
        "from marts.capability_countries\n"
        f"where approach = {a} and metric = {m}\n"
        "  and year = (select max(year) from marts.capability_countries\n"
        f"      where approach = {a} and metric = {m})\n"
        "order by holds_frontier desc, distance_log10, country_name;"
    )
