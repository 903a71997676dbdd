"""Pure functions from mart frames to Plotly figures, each with its data for CSV export.

Every builder takes Polars frames and plain values and returns a ``Chart``: the figure,
the rows behind it (offered as CSV on the page), and a caption with unit and source.
Strings that came from data are HTML-escaped before they reach a figure.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
from plotly.utils import PlotlyJSONEncoder

from dashboards.stats import level_words

# Okabe-Ito: distinguishable with the common forms of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
# a marker shape per line, so that lines are told apart without their colours (some of the
# palette's colours are faint on white)
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "triangle-down", "star", "cross"]
SEQUENTIAL = "Cividis"
FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13}


# the words every family's caption carries when a chart shows sample data
SAMPLE_MARK = "SYNTHETIC SAMPLE DATA"
PLOTLY_HEIGHT = 450  # px: the height Plotly draws a figure at that sets none


@dataclass
class Chart:
    """A figure, the rows it shows (for CSV), and a caption (unit, source, caveat)."""

    id: str
    figure: go.Figure
    data: pl.DataFrame
    caption: str
    notes: list[str] = field(default_factory=list)

    @property
    def is_sample(self) -> bool:
        """Whether the chart shows synthetic sample data (its caption or notes say so)."""
        return any(SAMPLE_MARK in text for text in (self.caption, *self.notes))

    @property
    def file_stem(self) -> str:
        """The name its downloads take: the chart's id, ``sample-`` before it for sample
        data, so that a file saved from the page says what it holds."""
        return f"sample-{self.id}" if self.is_sample else self.id

    @property
    def height(self) -> int:
        """The height in px the chart is drawn at: its figure's, else Plotly's default. The
        page keeps that room for the chart until it is drawn (``site.js``, drawChart), so
        the page does not move as charts are drawn."""
        return int(self.figure.layout.height or PLOTLY_HEIGHT)

    @property
    def title(self) -> str:
        """The figure's title as plain text (Plotly's markup and line breaks dropped, its
        escapes undone), what the page names the figure by for a screen reader; "" for a
        figure without one."""
        text = re.sub(r"<[^>]+>", " ", self.figure.layout.title.text or "")
        return " ".join(html.unescape(text).split())

    def payload(self) -> dict[str, Any]:
        """The JSON the page embeds: the Plotly figure, its rows for CSV export (with a
        ``data_kind`` column of ``synthetic sample`` on every row of a sample chart, so
        that the file says it once opened), and ``sample``: whether the chart's image
        download is labelled as sample data (``site.js``)."""
        columns = list(self.data.columns)
        rows = [[_plain(v) for v in row] for row in self.data.rows()]
        if self.is_sample and "data_kind" not in columns:
            columns.append("data_kind")
            rows = [[*row, "synthetic sample"] for row in rows]
        return {
            "figure": json.loads(self.figure.to_json()),
            "csv": {"columns": columns, "rows": rows},
            "sample": self.is_sample,
            "file_stem": self.file_stem,
        }


def _plain(value: Any) -> Any:
    """A JSON-ready cell: dates become ISO text."""
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def esc(text: object) -> str:
    """Escape a data string for Plotly labels (which render a subset of HTML)."""
    return html.escape(str(text), quote=True)


# pixels per entry of an open dropdown menu
MENU_ITEM = 35
# Tick formats of value axes (d3-format, as Plotly reads them). '~' trims insignificant
# zeros and, without a precision, up to six decimals stay: two ticks never read alike.
# '.0%' labelled ticks half a percent apart 0%, 1%, 1%, 2%; '~%' labels them 0%, 0.5%,
# 1%, 1.5%; ',~f' labels 0, 0.2, 0.4 where ',.0f' said 0, 0, 0.
PERCENT_TICKS = "~%"
NUMBER_TICKS = ",~f"
# an axis of whole counts whose largest value is below this has a tick at every count, so
# no tick falls between two counts (0, 1, 2 rather than 0, 0.5, 1, 1.5)
WHOLE_TICKS_BELOW = 10


def value_axis(
    title: str, percent: bool = False, whole_up_to: float | None = None
) -> dict[str, Any]:
    """The settings of a chart's value axis: ``title`` (what is counted and its unit,
    escaped here) and tick labels that never repeat, as shares (``percent``) or numbers.

    ``whole_up_to`` is the largest value of an axis of whole counts (researchers, moves):
    below ``WHOLE_TICKS_BELOW`` the ticks are one apart, from 0."""
    axis: dict[str, Any] = {
        "title": {"text": esc(title)},
        "tickformat": PERCENT_TICKS if percent else NUMBER_TICKS,
    }
    if whole_up_to is not None and whole_up_to < WHOLE_TICKS_BELOW:
        axis |= {"tick0": 0, "dtick": 1}
    return axis


def dropdown(
    labels: Sequence[str], traces: Sequence[int], titles: Sequence[str] | None = None
) -> dict:
    """A dropdown above a chart that shows the traces of one choice at a time: ``traces``
    gives the index of the choice each trace belongs to; ``titles``, when given, is the
    chart title of each choice (escaped here)."""
    buttons = []
    for i, label in enumerate(labels):
        args: list[dict] = [{"visible": [i == j for j in traces]}]
        if titles is not None:
            args.append({"title.text": esc(titles[i])})
        buttons.append({"label": esc(label), "method": "update", "args": args})
    return {
        "buttons": buttons,
        "direction": "down",
        "x": 0,
        "y": 1.02,
        "xanchor": "left",
        "yanchor": "bottom",
        "showactive": True,
    }


def button_row(labels: Sequence[str], traces: Sequence[int]) -> dict:
    """A row of buttons above a chart that shows the traces of one choice at a time:
    ``traces`` gives the index of the choice each trace belongs to (labels escaped here)."""
    return {
        "type": "buttons",
        "direction": "right",
        "buttons": [
            {
                "label": esc(label),
                "method": "update",
                "args": [{"visible": [i == j for j in traces]}],
            }
            for i, label in enumerate(labels)
        ],
        "x": 0,
        "y": 1,
        "xanchor": "left",
        "yanchor": "bottom",
        "pad": {"b": 8},
        "showactive": True,
    }


def dropdown_height(entries: int) -> int:
    """The chart height an open dropdown of ``entries`` needs: below the title, every entry
    must stay inside the chart or the reader cannot click it."""
    return 140 + MENU_ITEM * entries


def site_template() -> go.layout.Template:
    """Plotly's own template with the site's look laid over it: font, margins, white
    backgrounds, the palette, and grey grid lines on every x and y axis."""
    template = go.layout.Template(pio.templates["plotly"])
    axis = {"gridcolor": "#e5e5e5", "zerolinecolor": "#999"}
    template.layout.update(
        font=FONT,
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
        plot_bgcolor="white",
        paper_bgcolor="white",
        colorway=PALETTE,
        hoverlabel={"font": FONT},
        xaxis=axis,
        yaxis=axis,
    )
    return template


def figures_without_template() -> None:
    """Make the figures made afterwards in this process carry no template: the site's look
    (``site_template``) is given to the charts once per site, by the page
    (``site_template_script``), not copied into each figure.

    A figure made under a default template holds a validated copy of it, and its JSON
    holds it whole: 7.3 KB of a small chart's 9.8 KB, about 800 times a site. Without it
    the sample's pages are two fifths smaller (14.6 MB became 8.9 MB) and the site about a
    sixth quicker to make. The site builder calls this before it makes a figure."""
    pio.templates.default = None


def site_template_script() -> str:
    """The JavaScript that holds the site's look for the pages: ``site_template`` as
    ``window.QCM_PLOTLY_TEMPLATE``, which ``site.js`` gives to every chart it draws."""
    template = json.dumps(site_template().to_plotly_json(), cls=PlotlyJSONEncoder, sort_keys=True)
    return (
        "// the site's look for every chart (dashboards.figures.site_template), applied by\n"
        "// site.js when it draws a chart; the charts' own JSON carries no template\n"
        f"window.QCM_PLOTLY_TEMPLATE = {template};\n"
    )


def apply_layout(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    """Give ``fig`` (which has neither yet) an escaped title and a height; return it. The
    rest of the site's look is the site's template, which the page gives every chart
    (``figures_without_template``); settings a builder makes (a wider top margin) win over
    the template's.

    Both are assigned rather than passed to ``update_layout``, which merges them through
    Plotly's batch-update machinery: about 1.8 ms a figure against 0.15 ms, for the same
    JSON (a site has about 800 figures)."""
    fig.layout.title = {"text": esc(title), "x": 0, "xanchor": "left", "font": {"size": 16}}
    fig.layout.height = height
    return fig


def share_heatmap(frame: pl.DataFrame, chart_id: str, title: str, caption: str) -> Chart:
    """Country x approach heatmap of world share; the leader of each approach is starred.

    ``frame`` has entity_code, entity_name, approach_label, value (a share), works_whole.
    """
    countries = (
        frame.group_by("entity_name")
        .agg(pl.col("value").sum())
        .sort(["value", "entity_name"], descending=[False, True])["entity_name"]
    )
    approaches = sorted(frame["approach_label"].unique())
    leaders = (
        frame.sort(["value", "entity_name"], descending=[True, False])
        .group_by("approach_label", maintain_order=True)
        .first()
    )
    leader_of = {(r["entity_name"], r["approach_label"]) for r in leaders.iter_rows(named=True)}
    lookup = {(r["entity_name"], r["approach_label"]): r for r in frame.iter_rows(named=True)}
    z, text, hover = [], [], []
    for country in countries:
        z_row, t_row, h_row = [], [], []
        for approach in approaches:
            row = lookup.get((country, approach))
            value = row["value"] if row else None
            z_row.append(value)
            t_row.append(
                ("★ " if (country, approach) in leader_of else "")
                + (f"{value:.0%}" if value else "")
            )
            h_row.append(
                f"{esc(country)} in {esc(approach)}: "
                + (
                    f"{value:.1%} of world publications ({row['works_whole']:,} works)"
                    if row
                    else "none"
                )
            )
        z.append(z_row)
        text.append(t_row)
        hover.append(h_row)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[esc(a) for a in approaches],
            y=[esc(c) for c in countries],
            text=text,
            texttemplate="%{text}",
            hovertext=hover,
            hoverinfo="text",
            colorscale=SEQUENTIAL,
            colorbar={"title": "world share", "tickformat": PERCENT_TICKS},
            zmin=0,
        ),
        layout={"xaxis": {"tickangle": -40, "side": "bottom"}},
    )
    apply_layout(fig, title, height=max(420, 26 * len(countries) + 160))
    return Chart(chart_id, fig, frame, caption, ["★ marks the leading country of each approach."])


def _small_flags(frame: pl.DataFrame) -> list[bool]:
    """Each row's small_n (a value on few records), all False when ``frame`` has none."""
    if "small_n" not in frame.columns:
        return [False] * frame.height
    return frame["small_n"].fill_null(False).to_list()


def world_map(frames: dict[str, pl.DataFrame], chart_id: str, title: str, caption: str) -> Chart:
    """Choropleth of one indicator per country, with a dropdown to choose the indicator.

    ``frames`` maps an indicator label to rows of entity_code, entity_name, value, unit,
    and optionally small_n: a value on few works, marked so where it is hovered.
    """
    fig = go.Figure()
    labels = list(frames)
    few = False
    for index, (label, frame) in enumerate(frames.items()):
        is_share = frame["unit"].str.contains("share").any() if frame.height else False
        fmt = ".1%" if is_share else ".2f"
        small = _small_flags(frame)
        few = few or any(small)
        fig.add_trace(
            go.Choropleth(
                locations=frame["entity_code"].to_list(),
                z=frame["value"].to_list(),
                text=[
                    esc(n) + (" (few works)" if s else "")
                    for n, s in zip(frame["entity_name"], small, strict=True)
                ],
                hovertemplate="%{text}: %{z:" + fmt + "}<extra></extra>",
                colorscale=SEQUENTIAL,
                colorbar={
                    "title": esc(label),
                    "tickformat": PERCENT_TICKS if is_share else NUMBER_TICKS,
                },
                visible=index == 0,
                name=esc(label),
            )
        )
    buttons = [
        {
            "label": esc(label),
            "method": "update",
            "args": [{"visible": [i == j for j in range(len(labels))]}],
        }
        for i, label in enumerate(labels)
    ]
    apply_layout(fig, title, height=480)
    fig.update_layout(
        geo={
            "showframe": False,
            "showcoastlines": False,
            "projection": {"type": "natural earth"},
            "resolution": 110,
            "scope": "world",
        },
        updatemenus=[
            {
                "buttons": buttons,
                "direction": "down",
                "x": 0,
                "y": 1.08,
                "xanchor": "left",
                "showactive": True,
            }
        ],
        margin={"l": 0, "r": 0, "t": 90, "b": 0},
    )
    data = pl.concat(
        [f.with_columns(pl.lit(label).alias("indicator_label")) for label, f in frames.items()]
    )
    notes = ["Choose the indicator with the menu above the map."]
    if few:
        notes.append(
            "A country marked (few works) when hovered has too few works for its value to say "
            "much (small_n in the CSV): a share of one or two works can be 0% or 100%."
        )
    return Chart(chart_id, fig, data, caption, notes)


def ranking_bars(
    frame: pl.DataFrame, chart_id: str, title: str, caption: str, level: float
) -> Chart:
    """Horizontal bars of the top entities by a share, with the Wilson intervals the marts
    publish at ``level`` (meta.methods share_interval_level) as whiskers.

    ``frame`` has entity_name, value (share), numerator, denominator, works_whole, small_n,
    and the row's published interval: value_low, value_high, interval_method (the columns
    of marts.publications_long). The CSV holds them under the same names.
    """
    frame = frame.sort("value")
    words = level_words(level)
    fig = go.Figure(
        go.Bar(
            x=frame["value"].to_list(),
            y=[
                esc(n) + (" (few works)" if s else "")
                for n, s in zip(frame["entity_name"], frame["small_n"], strict=True)
            ],
            orientation="h",
            marker_color=PALETTE[0],
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (frame["value_high"] - frame["value"]).to_list(),
                "arrayminus": (frame["value"] - frame["value_low"]).to_list(),
                "color": "#555",
            },
            customdata=list(
                zip(frame["works_whole"], frame["value_low"], frame["value_high"], strict=True)
            ),
            hovertemplate=f"%{{y}}: %{{x:.1%}} ({words} interval %{{customdata[1]:.1%}} "
            "to %{customdata[2]:.1%}; "
            "%{customdata[0]:,} works)<extra></extra>",
        ),
        layout={"xaxis": value_axis("share of world publications", percent=True)},
    )
    apply_layout(fig, title, height=max(360, 26 * frame.height + 120))
    return Chart(
        chart_id,
        fig,
        frame,
        caption,
        [
            f"Bars show {words} Wilson intervals treating the world's works as the sample, "
            "as published in marts.publications_long (value_low, value_high)."
        ],
    )


# Plotly's add_vrect, add_vline and add_hline lay their shape and label out for every
# subplot they might span (about 2.5 ms a call); a site chart has one plot, so these two
# add the same shape and label to it directly (under 1 ms), as the same JSON.


def grey_span(fig: go.Figure, x0: float, x1: float, label: str) -> None:
    """Grey the x range ``x0`` to ``x1`` over the plot's height, ``label`` inside its top
    left corner."""
    fig.add_shape(
        type="rect",
        xref="x",
        yref="y domain",
        x0=x0,
        x1=x1,
        y0=0,
        y1=1,
        fillcolor="#999",
        opacity=0.15,
        line={"width": 0},
    )
    fig.add_annotation(
        text=label, x=x0, xref="x", y=1, yref="y domain", xanchor="left", yanchor="top",
        showarrow=False,
    )  # fmt: skip


def dashed_line(
    fig: go.Figure, label: str, *, x: float | None = None, y: float | None = None
) -> None:
    """A dashed dark line across the plot: at ``x`` from bottom to top, ``label`` centred
    above it; or at ``y`` from left to right, ``label`` under its right end."""
    line = {"color": "#333", "dash": "dash"}
    if x is not None:
        fig.add_shape(type="line", xref="x", yref="y domain", x0=x, x1=x, y0=0, y1=1, line=line)
        fig.add_annotation(
            text=label, x=x, xref="x", y=1, yref="y domain", xanchor="center",
            yanchor="bottom", showarrow=False,
        )  # fmt: skip
    else:
        fig.add_shape(type="line", xref="x domain", yref="y", x0=0, x1=1, y0=y, y1=y, line=line)
        fig.add_annotation(
            text=label, x=1, xref="x domain", y=y, yref="y", xanchor="right", yanchor="top",
            showarrow=False,
        )  # fmt: skip


def shade_incomplete(fig: go.Figure, years: Sequence[int], reason: str) -> str:
    """Grey ``years`` on ``fig`` (x axis = year) and return the note that explains why.

    ``reason`` ends the note: "2025 and 2026 are incomplete: {reason}."
    """
    years = sorted(years)
    label = "incomplete years" if len(years) > 1 else "incomplete year"
    grey_span(fig, years[0] - 0.5, years[-1] + 0.5, label)
    shown = ", ".join(str(y) for y in years[:-1]) + " and " if len(years) > 1 else ""
    return f"{shown}{years[-1]} {'are' if len(years) > 1 else 'is'} incomplete: {reason}."


def trend_lines(
    frame: pl.DataFrame,
    chart_id: str,
    title: str,
    caption: str,
    y_title: str,
    percent: bool = True,
    latest_year: int | None = None,
    incomplete_years: Sequence[int] = (),
    incomplete_reason: str = "publications keep being indexed",
    unit: str = "",
    whole: bool = False,
) -> Chart:
    """Lines of a value by year per entity, with a range slider to choose the years.

    ``frame`` has entity_name, year, value. The incomplete years (``incomplete_years``,
    or the single ``latest_year``) are greyed with a note giving ``incomplete_reason``.
    ``y_title`` names the value axis with its unit ("share of world publications");
    ``unit`` follows the value in the hover text (" families"); ``whole`` says the values
    are whole counts (ticks one apart for small ones).
    The lines are in the order of their latest year's value, largest first, ties by name.
    """
    names = (
        frame.group_by("entity_name")
        .agg(pl.col("value").sort_by("year").last())
        .sort(["value", "entity_name"], descending=[True, False])["entity_name"]
    )
    # each entity's rows by year, in one pass (a filter per entity was a Polars query each)
    by_name = frame.sort("year", maintain_order=True).partition_by(
        "entity_name", as_dict=True, maintain_order=True
    )
    number = ".1%" if percent else ",.0f" if whole else ",.1f"
    whole_up_to = frame["value"].max() if whole and frame.height else None
    traces = []
    for index, name in enumerate(names):
        rows = by_name[(name,)]
        traces.append(
            go.Scatter(
                x=rows["year"].to_list(),
                y=rows["value"].to_list(),
                mode="lines+markers",
                name=esc(name),
                line={"color": PALETTE[index % len(PALETTE)], "width": 2},
                marker={"symbol": SYMBOLS[index % len(SYMBOLS)], "size": 7},
                hovertemplate=f"{esc(name)} %{{x}}: %{{y:{number}}}{esc(unit)}<extra></extra>",
            )
        )
    # the axes given with the traces: Figure.update_xaxes and update_yaxes took about 2 ms
    # a call, the same layout made this way a fifth of that
    fig = go.Figure(
        traces,
        layout={
            "yaxis": value_axis(y_title, percent, whole_up_to) | {"rangemode": "tozero"},
            "xaxis": {"rangeslider": {"visible": True, "thickness": 0.08}, "dtick": 2},
        },
    )
    apply_layout(fig, title)
    notes = [
        "Drag the handles under the chart to choose the years (from the keyboard: the two "
        "lists of years before the chart)."
    ]
    years = list(incomplete_years) or ([] if latest_year is None else [latest_year])
    if years:
        notes.append(shade_incomplete(fig, years, incomplete_reason))
    return Chart(chart_id, fig, frame, caption, notes)


def grouped_choice_bars(
    groups: dict[str, pl.DataFrame],
    chart_id: str,
    title: str,
    caption: str,
    axis_title: str,
    highlight: str | None = None,
    percent: bool = True,
    titles: dict[str, str] | None = None,
) -> Chart:
    """Bars for one group at a time (a bloc, an indicator) chosen from a dropdown.

    ``groups`` maps a label to rows of entity_name, value; ``axis_title`` names the value
    axis with its unit; ``highlight`` names an entity drawn in a contrasting colour;
    ``titles``, when a title tells what one group shows (its leader), maps each label to
    the title shown with it (``title`` is then the first group's).
    """
    labels = list(groups)
    traces = []
    for index, (label, frame) in enumerate(groups.items()):
        frame = frame.sort("value")
        traces.append(
            go.Bar(
                x=frame["value"].to_list(),
                y=[esc(n) for n in frame["entity_name"]],
                orientation="h",
                marker_color=[
                    PALETTE[1] if n == highlight else PALETTE[0] for n in frame["entity_name"]
                ],
                visible=index == 0,
                name=esc(label),
                hovertemplate="%{y}: %{x:"
                + (".1%" if percent else ".2f")
                + "}<extra>"
                + esc(label)
                + "</extra>",
            )
        )
    # the menu above the plot, never over its first bars (a short chart's 12% of its height
    # above the plot was less than the menu's own)
    menu = dropdown(
        labels, list(range(len(labels))), [titles[label] for label in labels] if titles else None
    )
    fig = go.Figure(
        traces,
        layout={
            "updatemenus": [menu],
            "margin": {"t": 100},
            "xaxis": value_axis(axis_title, percent),
        },
    )
    bars = max((f.height for f in groups.values()), default=1)
    apply_layout(fig, title, height=max(360, 26 * bars + 140, dropdown_height(len(labels))))
    data = (
        pl.concat([f.with_columns(pl.lit(label).alias("group")) for label, f in groups.items()])
        if groups
        else pl.DataFrame()
    )
    return Chart(chart_id, fig, data, caption, ["Choose with the menu above the chart."])


def reference_bars(
    frame: pl.DataFrame,
    chart_id: str,
    title: str,
    caption: str,
    axis_title: str,
    reference: float = 1.0,
    count_column: str = "works_whole",
    noun: str = "works",
) -> Chart:
    """Bars of an index around a reference value (activity index: 1 = world average).

    ``frame`` has label, value, ``count_column`` (the count behind each bar, shown in
    the hover text as "n {noun}") and optionally small_n (a bar on few of them, labelled
    so); ``axis_title`` names the value axis.
    """
    frame = frame.sort("value")
    small = _small_flags(frame)
    fig = go.Figure(
        go.Bar(
            x=frame["value"].to_list(),
            y=[
                esc(v) + (f" (few {esc(noun)})" if s else "")
                for v, s in zip(frame["label"], small, strict=True)
            ],
            orientation="h",
            marker_color=[PALETTE[2] if v >= reference else PALETTE[3] for v in frame["value"]],
            customdata=frame[count_column].to_list(),
            hovertemplate="%{y}: %{x:.2f} (%{customdata:,} " + esc(noun) + ")<extra></extra>",
        ),
        layout={"xaxis": value_axis(axis_title)},
    )
    dashed_line(fig, "world average", x=reference)
    apply_layout(fig, title, height=max(360, 26 * frame.height + 120))
    notes = ["Green: more specialised than the world average; orange: less."]
    if any(small):
        notes.append(
            f"An index marked (few {noun}) rests on too few {noun} to say much about "
            f"specialisation (small_n in the CSV): one or two {noun} can make it far above 1."
        )
    return Chart(chart_id, fig, frame, caption, notes)


def count_bars(frame: pl.DataFrame, chart_id: str, title: str, caption: str) -> Chart:
    """Horizontal bars of counts (``label``, ``value``), largest on top."""
    frame = frame.sort("value")
    fig = go.Figure(
        go.Bar(
            x=frame["value"].to_list(),
            y=[esc(v) for v in frame["label"]],
            orientation="h",
            marker_color=PALETTE[5],
            hovertemplate="%{y}: %{x:,} works<extra></extra>",
        ),
        layout={"xaxis": value_axis("works", whole_up_to=frame["value"].max())},
    )
    apply_layout(fig, title, height=max(360, 26 * frame.height + 120))
    return Chart(chart_id, fig, frame, caption)
