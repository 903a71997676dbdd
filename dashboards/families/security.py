"""The research-security lens: per country and approach, the share of its international
co-authored works, co-invented patent families and grant consortia that also name a country
of the concern set, with its Wilson interval and five-year change, and beside it the
export-control entries on the approach's items (security.html), with notes in the methods
on what the shares can and cannot mean.

Descriptive, never an accusation: every sentence says what a record shows (addresses in two
countries on one paper, patent or grant) and nothing about anyone's intent or conduct. The
frames come from marts.security_indicators and marts.export_controls; every string from the
data is escaped before it reaches a figure (tables and sentences by the page template).
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from markupsafe import Markup

from dashboards.data import SiteData, derived_per_site
from dashboards.families import capability, common, frontier
from dashboards.figures import (
    PALETTE,
    SYMBOLS,
    Chart,
    apply_layout,
    dropdown,
    dropdown_height,
    esc,
    shade_incomplete,
    value_axis,
)
from dashboards.page import Section, Table
from dashboards.stats import level_words

NAME = "Research security"
TITLE = "Research security: collaboration with the countries of concern, and export controls"
PAGE = "security.html"
SOURCE = (
    "Source: qcm's research-security lens (marts.security_indicators) over OpenAlex works, "
    "patent families (EPO OPS, PatentsView) and grants (NSF, UKRI, CORDIS)"
)
CONTROLS_SOURCE = "Source: qcm's reviewed export-control cross-walk (marts.export_controls)"
# indicator: (what the pages call it, what its records are, what one of them is)
INDICATORS = {
    "coauthorship_concern_share": (
        "Co-authorships",
        "international co-authored works",
        "international co-authored work",
    ),
    # "co-invented", not "international": the patent pages' international families are
    # those published by two or more offices, a different set
    "copatent_concern_share": (
        "Co-patents",
        "co-invented patent families",
        "co-invented patent family",
    ),
    "grant_consortium_concern_share": (
        "Grant consortia",
        "international grant consortia",
        "international grant consortium",
    ),
}
HEADLINE = "coauthorship_concern_share"
TOP = 12  # countries in an approach's table and chart
TREND_COUNTRIES = 5  # lines on the trend chart
DESCRIPTIVE = (
    "These shares describe where the co-authors, co-inventors and consortium partners on "
    "public records were based. They say nothing about any person's or organisation's "
    "intent, conduct or compliance with the law: most such collaboration is open, legal and "
    "published, and a shared record is not collaboration with a government."
)
INCOMPLETE_REASON = (
    "records are still being indexed (patent families are published about 18 months after filing)"
)


# ---- reading the mart ----------------------------------------------------------------


def has_security(data: SiteData) -> bool:
    """Whether the published file holds marts.security_indicators (older files do not)."""
    return {"entity_code", "approach", "year", "indicator", "value"} <= set(
        data.security_indicators.columns
    )


def is_sample(data: SiteData) -> bool:
    """Whether the shares rest on the synthetic sample (their data_kind says so)."""
    rows = data.security_indicators
    kinds = rows["data_kind"].drop_nulls().unique() if "data_kind" in rows.columns else []
    return any("sample" in str(kind) for kind in kinds)


def method_version(data: SiteData) -> str:
    """The method version(s) of marts.security_indicators, joined by commas."""
    rows = data.security_indicators
    if "method_version" not in rows.columns:
        return "-"
    return ", ".join(str(v) for v in rows["method_version"].drop_nulls().unique().sort()) or "-"


def concern(data: SiteData) -> tuple[str, str]:
    """The concern set's name as pages show it and its countries by name (``China and
    Russia``), from the mart (the set's code from a file published before its name), else
    the code in the synthesis settings (countries then ``-``)."""
    rows = data.security_indicators
    if "concern_set" in rows.columns and rows.height:
        first = rows.row(0, named=True)
        name = first.get("concern_set_name") or first["concern_set"]
        codes = [c.strip() for c in str(first.get("concern_countries") or "").split(",")]
        names = dict(zip(data.countries["iso3"], data.countries["name"], strict=True))
        countries = sorted(names.get(code, code) for code in codes if code)
        return str(name), common.listed(countries) if countries else "-"
    return frontier.setting(data, "concern_set") or "-", "-"


def level(data: SiteData) -> str:
    """The Wilson interval's level in words (``90% Wilson``), from meta.methods
    share_interval_level, as every page reads it (``common.interval_level``)."""
    return f"{level_words(common.interval_level(data))} Wilson"


@derived_per_site
def complete_year(data: SiteData, indicator: str) -> int | None:
    """The latest year of ``indicator`` not flagged year_incomplete, or None."""
    if not has_security(data):
        return None
    rows = data.security_indicators.filter(pl.col("indicator") == indicator)
    if "year_incomplete" in rows.columns:
        rows = rows.filter(~pl.col("year_incomplete").fill_null(False))
    year = rows["year"].max()
    return None if year is None else int(year)


def years(data: SiteData) -> dict[str, int]:
    """Each indicator with data and its latest complete year."""
    found = {i: complete_year(data, i) for i in INDICATORS}
    return {i: y for i, y in found.items() if y is not None}


def approaches(data: SiteData) -> list[str]:
    """The approaches with shares, in taxonomy order ('all' first), unknown ones last."""
    if not has_security(data):
        return []
    present = set(data.security_indicators["approach"].drop_nulls().to_list())
    order = [a for a in data.approaches["approach"] if a in present]
    return order + sorted(present - set(order))


@derived_per_site
def latest(data: SiteData, approach_id: str) -> pl.DataFrame:
    """Every country's and the world's row of an approach in each indicator's latest
    complete year."""
    parts = [
        data.security_indicators.filter(
            pl.col("approach") == approach_id,
            pl.col("indicator") == indicator,
            pl.col("year") == year,
            pl.col("entity_type").is_in(["country", "world"]),
        )
        for indicator, year in years(data).items()
    ]
    # no indicator with a complete year (a build whose only years are still filling): no
    # rows, with the table's columns
    return pl.concat(parts, how="diagonal_relaxed") if parts else data.security_indicators.clear()


def top_countries(data: SiteData, approach_id: str, n: int = TOP) -> list[str]:
    """The ``n`` countries with the most international records (every indicator, each in
    its latest complete year) in an approach, ties by code."""
    rows = latest(data, approach_id)
    if rows.height == 0:
        return []
    totals = (
        rows.filter(pl.col("entity_type") == "country")
        .group_by("entity_code")
        .agg(pl.col("denominator").sum())
        .sort(["denominator", "entity_code"], descending=[True, False])
    )
    return totals.head(n)["entity_code"].to_list()


def controls(data: SiteData, approach_id: str) -> pl.DataFrame:
    """The export-control entries naming items of an approach (every entry for 'all')."""
    rows = data.export_controls
    if "approaches" not in rows.columns:
        return pl.DataFrame()
    if approach_id == "all":
        return rows
    return rows.filter(
        pl.col("approaches")
        .fill_null("")
        .str.split(";")
        .list.eval(pl.element().str.strip_chars())
        .list.contains(approach_id)
    )


# ---- words and cells ---------------------------------------------------------------


def share_cell(row: dict | None, nouns: tuple[str, str] | None = None) -> str:
    """A share with its interval and the records behind it: ``12.0% (10.3% to 14.0%) of
    500``, with the records named by ``nouns`` (plural, singular) when given (``of 1
    co-invented patent family``), flagged when few; ``-`` without a row."""
    if row is None or row.get("value") is None:
        return "-"
    said = f"{row['value']:.1%}"
    if row.get("value_low") is not None and row.get("value_high") is not None:
        said += f" ({row['value_low']:.1%} to {row['value_high']:.1%})"
    if row.get("denominator") is not None:
        count = row["denominator"]
        said += f" of {count:,.0f}"
        if nouns:
            said += f" {nouns[1] if count == 1 else nouns[0]}"
    if row.get("small_n"):
        said += " (few records)"
    return said


def change_cell(row: dict | None, base_small: bool = False) -> str:
    """The five-year change in percentage points (``+2.5 points``), ``-`` when absent;
    marked when the share five years before rests on few records (``base_small``)."""
    change = None if row is None else row.get("value_5y_change")
    if change is None:
        return "-"
    return f"{100 * change:+.1f} points" + (" (from few records)" if base_small else "")


def _caption(data: SiteData, years_text: str | None = None) -> str:
    """The line under every chart and table of shares: years, unit, interval, source,
    method and the sample label."""
    when = f"{years_text}; " if years_text else ""
    concern_set, countries = concern(data)
    sample = " SYNTHETIC SAMPLE DATA: invented records." if is_sample(data) else ""
    return (
        f"{when}unit: share (0-1) of the international records naming a country of the concern "
        f"set {concern_set} ({countries}), with its {level(data)} interval. {SOURCE}; method "
        f"{method_version(data)}.{sample}"
    )


def world_share_words(row: dict) -> str:
    """One of the world's shares (a row of marts.security_indicators) with the records behind
    it (its denominator) and its year: ``10.0% of 900 international co-authored works
    (2024)``; a share on few records (small_n) says so, ``100.0% of 1 co-invented patent
    family (2024; few records: read with care)``."""
    _, records, one = INDICATORS[row["indicator"]]
    count = row["denominator"]
    when = f"{row['year']}; few records: read with care" if row["small_n"] else row["year"]
    return f"{row['value']:.1%} of {count:,.0f} {one if count == 1 else records} ({when})"


def world_words(data: SiteData, approach_id: str) -> str | None:
    """The world's shares of an approach in one sentence (each with its records, and a
    warning when they are few), or None."""
    rows = latest(data, approach_id).filter(pl.col("entity_type") == "world")
    said = [
        world_share_words(r)
        for r in rows.sort("indicator").iter_rows(named=True)
        if r["indicator"] in INDICATORS and r["value"] is not None
    ]
    if not said:
        return None
    return (
        f"Worldwide in {frontier.label(data, approach_id)}, a country of the concern set appears "
        f"on {common.listed(said)}."
    )


# ---- figures -----------------------------------------------------------------------


def share_bars(
    frames: dict[str, pl.DataFrame],
    labels: dict[str, str],
    chart_id: str,
    titles: list[str],
    caption: str,
    interval: str,
) -> Chart:
    """Grouped bars of the three shares of an approach's leading countries with their
    intervals, one approach at a time chosen from a menu. ``frames`` maps an approach's
    label to its ``latest`` rows of the countries shown (first country on top); ``labels``
    names each indicator with its year."""
    fig = go.Figure()
    traces: list[int] = []
    for index, frame in enumerate(frames.values()):
        order = list(dict.fromkeys(frame["entity_name"]))[::-1]
        for colour, indicator in zip(PALETTE, INDICATORS, strict=False):
            if indicator not in labels:  # a channel without rows (no grant consortia, say)
                continue
            rows = {
                r["entity_name"]: r
                for r in frame.filter(pl.col("indicator") == indicator).iter_rows(named=True)
            }
            shown = [rows.get(n) for n in order]
            value = [None if r is None else r["value"] for r in shown]
            fig.add_trace(
                go.Bar(
                    x=value,
                    y=[esc(n) for n in order],
                    orientation="h",
                    name=esc(labels[indicator]),
                    marker_color=colour,
                    visible=index == 0,
                    error_x={
                        "type": "data",
                        "symmetric": False,
                        "array": [
                            None if r is None else r["value_high"] - r["value"] for r in shown
                        ],
                        "arrayminus": [
                            None if r is None else r["value"] - r["value_low"] for r in shown
                        ],
                        "color": "#555",
                    },
                    hovertext=[
                        f"{esc(n)}: {esc(share_cell(r, INDICATORS[indicator][1:]))}"
                        for n, r in zip(order, shown, strict=True)
                    ],
                    hoverinfo="text",
                )
            )
            traces.append(index)
    tallest = max((f["entity_name"].n_unique() for f in frames.values()), default=1)
    menu = dropdown_height(len(frames)) if len(frames) > 1 else 0
    apply_layout(fig, titles[0] if titles else "", height=max(380, 3 * 14 * tallest + 160, menu))
    fig.update_layout(barmode="group", legend={"traceorder": "normal"})
    fig.update_xaxes(value_axis("share of international records", percent=True), rangemode="tozero")
    notes = [f"Whiskers: the {interval} interval of each share."]
    if len(frames) > 1:
        fig.update_layout(updatemenus=[dropdown(list(frames), traces, titles)], margin={"t": 110})
        notes.append("Choose the approach with the menu above the chart.")
    data = (
        pl.concat(
            [f.with_columns(pl.lit(name).alias("approach_label")) for name, f in frames.items()],
            how="diagonal_relaxed",
        )
        if frames
        else pl.DataFrame()
    )
    return Chart(chart_id, fig, data, caption, notes)


def share_trend(
    frames: dict[str, pl.DataFrame],
    chart_id: str,
    titles: list[str],
    caption: str,
    interval: str,
    incomplete: list[int],
) -> Chart:
    """The co-authorship share by year of an approach's leading countries, one approach
    at a time chosen from a menu; ``frames`` maps an approach's label to rows of
    entity_name, year, value, value_low, value_high, small_n."""
    fig = go.Figure()
    traces: list[int] = []
    gaps = False
    for index, frame in enumerate(frames.values()):
        names = dict.fromkeys(frame["entity_name"])
        years = list(range(frame["year"].min(), frame["year"].max() + 1)) if frame.height else []
        for colour, symbol, name in zip(PALETTE, SYMBOLS, names, strict=False):
            # a year without the country's row is a gap in its line, not a line across it
            rows = {
                r["year"]: r
                for r in frame.filter(pl.col("entity_name") == name).iter_rows(named=True)
            }
            gaps = gaps or len(rows) < years.index(max(rows)) - years.index(min(rows)) + 1
            fig.add_trace(
                go.Scatter(
                    x=years,
                    y=[rows[y]["value"] if y in rows else None for y in years],
                    mode="lines+markers",
                    name=esc(name),
                    line={"color": colour, "width": 2},
                    marker={"symbol": symbol},
                    visible=index == 0,
                    hovertext=[
                        f"{esc(name)} {y}: {esc(share_cell(rows[y]))}" if y in rows else ""
                        for y in years
                    ],
                    hoverinfo="text",
                )
            )
            traces.append(index)
    menu = dropdown_height(len(frames)) if len(frames) > 1 else 0
    apply_layout(fig, titles[0] if titles else "", height=max(440, menu))
    fig.update_yaxes(
        value_axis("share of international co-authored works", percent=True), rangemode="tozero"
    )
    fig.update_xaxes(dtick=1)
    notes = [f"Hover for each share's {interval} interval and the works behind it."]
    if gaps:
        notes.append(
            "A gap in a line is a year without a share to show for that country: no "
            "international co-authored works in the approach that year (or too few to publish, "
            "where the release suppresses small numbers)."
        )
    if len(frames) > 1:
        fig.update_layout(updatemenus=[dropdown(list(frames), traces, titles)], margin={"t": 110})
        notes.append("Choose the approach with the menu above the chart.")
    all_years = {y for f in frames.values() for y in f["year"].to_list()}
    shown = [y for y in incomplete if y in all_years]
    if shown:
        notes.append(shade_incomplete(fig, shown, INCOMPLETE_REASON))
    data = (
        pl.concat(
            [f.with_columns(pl.lit(name).alias("approach_label")) for name, f in frames.items()],
            how="diagonal_relaxed",
        )
        if frames
        else pl.DataFrame()
    )
    return Chart(chart_id, fig, data, caption, notes)


# ---- tables ------------------------------------------------------------------------


def share_table(data: SiteData, approach_id: str) -> Table:
    """The leading countries of an approach (and the world) with each share, its interval,
    the records behind it and its five-year change."""
    rows = latest(data, approach_id)
    found = {(r["entity_code"], r["indicator"]): r for r in rows.iter_rows(named=True)}
    names = {r["entity_code"]: r["entity_name"] for r in rows.iter_rows(named=True)}
    shown = years(data)
    # the rows five years before whose share rests on few records: a change from them too
    small_bases = {
        (r["entity_code"], r["indicator"])
        for indicator, year in shown.items()
        for r in data.security_indicators.filter(
            pl.col("approach") == approach_id,
            pl.col("indicator") == indicator,
            pl.col("year") == year - 5,
            pl.col("small_n").fill_null(False),
        ).iter_rows(named=True)
    }
    world = [c for c in rows.filter(pl.col("entity_type") == "world")["entity_code"].unique()]
    body = []
    for code in [*top_countries(data, approach_id), *world]:
        line = [names.get(code, code)]
        for indicator in shown:
            line += [
                share_cell(found.get((code, indicator))),
                change_cell(found.get((code, indicator)), (code, indicator) in small_bases),
            ]
        body.append(line)
    columns = ["Country"]
    for indicator, year in shown.items():
        columns += [f"{INDICATORS[indicator][0]}, {year}", "Change over 5 years"]
    return Table(
        columns,
        body,
        _caption(data)
        + " 'of n': the country's international records; change: the share minus the share "
        "five years before, in percentage points, marked 'from few records' when that share "
        "rested on fewer than the small-number threshold.",
    )


def controls_table(data: SiteData, approach_id: str) -> Table:
    """The export-control entries on an approach's items."""
    body = [
        [
            r["regime"] or "-",
            r["entry"] or "-",
            r["title"] or "-",
            r.get("component_label") or r.get("component") or "-",
            str(r["effective_date"] or "-"),
            capability.source_link(r.get("source_url")),
        ]
        for r in controls(data, approach_id).iter_rows(named=True)
    ]
    return Table(
        ["Regime", "Entry", "Title", "Component", "In force from", "Source"],
        body,
        CONTROLS_SOURCE + ". Real, reviewed reference rows; an entry controls exports of the "
        "named items and says nothing about the collaboration beside it.",
    )


# ---- the pages ---------------------------------------------------------------------


def _box() -> Markup:
    """The boxed note at the top of the page: descriptive, never an accusation."""
    return Markup(
        '<span class="caveat" role="note"><strong>Descriptive, never an accusation.</strong> '
        "{}</span>"
    ).format(DESCRIPTIVE + " See Methods for what the shares can and cannot mean.")


def _approach_section(data: SiteData, approach_id: str) -> Section:
    """One approach: the leading countries' shares and beside them the export controls."""
    name = frontier.label(data, approach_id)
    entries = controls(data, approach_id)
    said = [line for line in (world_words(data, approach_id),) if line]
    if "approaches" in data.export_controls.columns:
        said.append(
            f"Export-control entries on items used in {name}: {entries.height:,}"
            + (" (the table below the shares)." if entries.height else ".")
        )
    tables = [share_table(data, approach_id)]
    if entries.height:
        tables.append(controls_table(data, approach_id))
    return Section(
        name,
        said,
        tables=tables,
        code=share_sql(approach_id),
        anchor=frontier.safe_id("security", approach_id),
    )


def page(data: SiteData) -> list[Section]:
    """The research-security page: what the shares are (and are not), every approach's
    shares at a glance and over time, and per approach the shares beside the export
    controls on its items."""
    if not has_security(data):
        return [Section(NAME, ["This published file holds no research-security tables."])]
    concern_set, countries = concern(data)
    interval = level(data)
    ids = approaches(data)
    shown = years(data)
    intro = [
        _box(),
        f"Per country and technology approach: the share of its international co-authored "
        f"works, co-invented patent families (inventors in two or more countries: not the "
        f"patent pages' international families, published by two or more offices) and grant "
        f"consortia that also name a country of "
        f"the concern set {concern_set} ({countries}; the set qcm's synthesis settings "
        "choose), with its "
        f"{interval} interval and its change over five years; beside it, the published export "
        "controls on the approach's items. A country inside the set is measured against the "
        "other members. Grant consortia come from CORDIS alone: NSF and UKRI pay one "
        "organisation a grant, so their grants are never international here, and a year "
        "with only their grants has no consortium to measure.",
    ]
    if is_sample(data):
        intro.append(
            "SYNTHETIC SAMPLE: the shares on this page are computed from invented records; "
            "the export-control entries are real."
        )
    labels = {i: f"{INDICATORS[i][0]} ({y})" for i, y in shown.items()}
    bars: dict[str, pl.DataFrame] = {}
    lines: dict[str, pl.DataFrame] = {}
    for approach_id in ids:
        top = top_countries(data, approach_id)
        rows = latest(data, approach_id).filter(pl.col("entity_code").is_in(top))
        if rows.height:
            order = {c: i for i, c in enumerate(top)}
            bars[frontier.label(data, approach_id)] = rows.sort(
                pl.col("entity_code").replace_strict(order, return_dtype=pl.Int64)
            ).select(
                "entity_code",
                "entity_name",
                "indicator",
                "year",
                "value",
                "value_low",
                "value_high",
                "numerator",
                "denominator",
                "small_n",
            )
        series = data.security_indicators.filter(
            pl.col("approach") == approach_id,
            pl.col("indicator") == HEADLINE,
            pl.col("entity_code").is_in(top[:TREND_COUNTRIES]),
            pl.col("entity_type") == "country",
        )
        if series.height:
            lines[frontier.label(data, approach_id)] = series.select(
                "entity_code",
                "entity_name",
                "year",
                "value",
                "value_low",
                "value_high",
                "denominator",
                "small_n",
            ).sort(
                pl.col("entity_code").replace_strict(
                    {c: i for i, c in enumerate(top)}, return_dtype=pl.Int64
                ),
                "year",
            )
    charts = []
    if bars:
        charts.append(
            share_bars(
                bars,
                labels,
                "security-shares",
                [f"{name}: shares of international records with the concern set" for name in bars],
                _caption(
                    data, ", ".join(f"{INDICATORS[i][0].lower()} {y}" for i, y in shown.items())
                ),
                interval,
            )
        )
    if lines:
        incomplete = (
            sorted(
                int(y)
                for y in data.security_indicators.filter(
                    pl.col("indicator") == HEADLINE, pl.col("year_incomplete").fill_null(False)
                )["year"].unique()
            )
            if "year_incomplete" in data.security_indicators.columns
            else []
        )
        charts.append(
            share_trend(
                lines,
                "security-trend",
                [f"{name}: co-authorships with the concern set over time" for name in lines],
                _caption(data),
                interval,
                incomplete,
            )
        )
    sections = [
        Section(
            "What this page shows",
            intro,
            links=[
                (
                    "See also",
                    [
                        ("methods.html#security", "What the shares can and cannot mean"),
                        ("supply_chain.html", "The supply chain and the full export-control table"),
                        (frontier.PAGE, "The frontier"),
                    ],
                )
            ],
        ),
        Section(
            "At a glance",
            [
                f"The {TOP} countries with the most international records in each approach; "
                "each share in its latest complete year."
            ],
            charts=charts,
        ),
    ]
    sections += [_approach_section(data, a) for a in ids]
    return sections


def methods(data: SiteData) -> list[Section]:
    """What the shares measure, what they can and cannot mean, the interval and the
    change, the rules of meta.methods and the definitions of meta.indicators."""
    if not has_security(data):
        return []
    concern_set, countries = concern(data)
    said = [
        Markup('<span id="security">{}</span>').format(
            "What is measured. For each country and approach: of its international records "
            "(co-authored works with authors in two or more countries, patent families with "
            "inventors in two or more, grants paying organisations in two or more), the share "
            f"that also name a country of the concern set {concern_set} ({countries}). A country "
            "inside the set is measured against the other members. A record of three "
            "countries counts once for each."
        ),
        f"The interval is the {level(data)} score interval of the share; the change is the "
        "share minus the share five years before, in percentage points. Shares resting on "
        + (
            "few records are suppressed in this release, as is a change from such a share."
            if data.suppresses
            else "few records are flagged."
        ),
        "What it can mean: how connected a country's research in an approach is to research "
        "in the concern set, and how that changes; where to read the export controls "
        "closely.",
        "What it cannot mean: it is not collaboration with a government, an army or a listed "
        "entity; it does not say that anything controlled, secret or sensitive was shared, "
        "nor judge any person (a researcher counts where the record places them, whatever "
        "their nationality); most such collaboration is open, legal and published. Records "
        "are whole counts, classified by keywords that can err; the concern set is a "
        "policy choice of one viewpoint, changed in the synthesis settings file.",
        "Export controls are shown beside the shares because a reader weighing collaboration "
        "will ask about them, not because the shares show any control being broken: an "
        "entry controls exports of the named items and says nothing about the records.",
    ]
    rules = [
        f"{key} = {value}: {data.method_descriptions.get(key, '')}".rstrip(": ")
        for key, value in sorted(data.methods.items())
        if key.startswith("security_")
    ]
    defs = data.security_definitions
    table = Table(
        ["Indicator", "What it means", "Unit", "Method"],
        [
            [
                r.get("name") or r["indicator"],
                r["definition"],
                r.get("unit"),
                r.get("method_version"),
            ]
            for r in defs.iter_rows(named=True)
        ]
        if "definition" in defs.columns
        else [],
    )
    return [
        Section(
            "The research-security lens: what it can and cannot mean",
            said + rules,
            tables=[table] if table.rows else [],
            links=[("Research security", [(PAGE, TITLE)])],
        )
    ]


# ---- SQL to reproduce each chart and table ----------------------------------------


def share_sql(approach_id: str) -> str:
    """SQL for an approach's shares: every country's three shares with their intervals in
    each indicator's latest complete year, most international records first."""
    a = frontier.sql_text(approach_id)
    return (
        "-- duckdb -readonly qcm.duckdb\n"
        "with latest as (\n"
        "    select indicator, max(year) as year\n"
        "    from marts.security_indicators\n"
        "    where not year_incomplete\n"
        "    group by indicator\n"
        ")\n"
        "select entity_name, indicator, year, round(value, 3) as share,\n"
        "    round(value_low, 3) as low, round(value_high, 3) as high, denominator,\n"
        "    round(value_5y_change, 3) as change_5y,\n"
        "    sum(denominator) over (partition by entity_code) as international_records\n"
        "from marts.security_indicators\n"
        "inner join latest using (indicator, year)\n"
        f"where approach = {a} and entity_type = 'country'\n"
        "order by international_records desc, entity_code, indicator;"
    )
