"""Dashboard building blocks: intervals by hand, escaping, chart data for CSV."""

from __future__ import annotations

import json
import re
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
import pytest

from dashboards.families import bibliometric, common
from dashboards.figures import (
    FONT,
    NUMBER_TICKS,
    PALETTE,
    PERCENT_TICKS,
    count_bars,
    dashed_line,
    dropdown_height,
    figures_without_template,
    grey_span,
    grouped_choice_bars,
    ranking_bars,
    reference_bars,
    share_heatmap,
    site_template_script,
    trend_lines,
    value_axis,
)
from dashboards.page import Section
from dashboards.stats import interval_method, level_words, wilson_interval, z_of
from tests import site_pages as pages
from tests.site_pages import replaced, site_data

pytestmark = pytest.mark.unit
ATTACK = "<img src=x onerror=alert(1)>"
REPO = Path(__file__).resolve().parents[2]


def test_the_interval_level_gives_z_and_the_marts_label() -> None:
    assert z_of(0.9) == pytest.approx(1.6449, abs=1e-4)
    assert z_of(0.95) == pytest.approx(1.9600, abs=1e-4)
    assert (level_words(0.9), interval_method(0.9)) == ("90%", "wilson-90")
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        wilson_interval(1, 2, 90)  # a percentage, not a level


def test_wilson_interval_at_90_percent_by_hand() -> None:
    # 10 of 50 at level 0.9: z = 1.6449, z^2 = 2.7055; centre (0.2 + 2.7055/100) /
    # (1 + 2.7055/50) = 0.227055 / 1.054110 = 0.215400; half-width
    # 1.6449 * sqrt(0.2 * 0.8 / 50 + 2.7055 / 10000) / 1.054110 = 0.091926
    low, high = wilson_interval(10, 50, 0.9)
    assert (round(low, 5), round(high, 5)) == (0.12347, 0.30733)
    # at 95% (z = 1.96) the same share gets a wider interval: the level matters
    assert wilson_interval(10, 50, 0.95)[0] < low
    # all of 3: the interval ends at 1 and starts at n / (n + z^2) = 3 / 5.7055
    assert wilson_interval(3, 3, 0.9) == (pytest.approx(0.52580, abs=1e-5), 1.0)
    # none of 40: starts at 0 and ends at z^2 / (n + z^2) = 2.7055 / 42.7055
    assert wilson_interval(0, 40, 0.9) == (0.0, pytest.approx(0.06335, abs=1e-5))
    assert wilson_interval(1, 0, 0.9) == (0.0, 1.0)


def test_data_strings_are_escaped_in_figures() -> None:
    frame = pl.DataFrame(
        {
            "entity_code": ["XXA"],
            "entity_name": [ATTACK],
            "value": [0.4],
            "numerator": [4.0],
            "denominator": [10.0],
            "works_whole": [4],
            "small_n": [True],
            "value_low": [0.2],
            "value_high": [0.6],
            "interval_method": ["wilson-90"],
        }
    )
    figure_json = ranking_bars(frame, "r", ATTACK, "caption", 0.9).figure.to_json()
    assert ATTACK not in figure_json
    assert "&lt;img src=x onerror=alert(1)&gt;" in figure_json


def test_a_figure_is_named_by_its_title_and_offers_its_data_as_a_table() -> None:
    # a title escaped for Plotly, an injected name in the data too; a title that Plotly
    # breaks over two lines reads as one
    frame = pl.DataFrame({"label": [ATTACK, "B"], "value": [2.0, 1.0]})
    chart = count_bars(frame, "bars", f"{ATTACK} & co; second line", "caption")
    assert chart.title == f"{ATTACK} & co; second line"
    broken = count_bars(frame, "broken", "x", "caption")
    broken.figure.update_layout(title={"text": "first &amp; line;<br>second line"})
    assert broken.title == "first & line; second line"
    page = pages.render([Section("S", charts=[chart])], "index.html", "T", "overview")
    # the figure's accessible name is the title, escaped once for HTML; its data stay in
    # the embedded JSON, which site.js writes into the table as text when it is opened
    assert (
        '<figure class="chart-box" aria-label="&lt;img src=x onerror=alert(1)&gt; &amp; '
        'co; second line">' in page
    )
    assert (
        '<details class="data-table" data-chart="bars-data"><summary>The chart\'s data as a '
        "table</summary></details>" in page
    )
    assert ATTACK not in page
    script = (REPO / "dashboards" / "static" / "site.js").read_text(encoding="utf-8")
    assert "textContent = cell === null" in script and "innerHTML" not in script


def test_ranking_bars_draw_and_export_the_published_intervals() -> None:
    # the rows as marts.publications_long publishes them: 30 and 50 of 100 works with their
    # wilson-90 intervals; the chart draws and exports those, computing none of its own
    frame = pl.DataFrame(
        {
            "entity_code": ["USA", "CHN"],
            "entity_name": ["United States", "China"],
            "value": [0.3, 0.5],
            "numerator": [30.0, 50.0],
            "denominator": [100.0, 100.0],
            "works_whole": [31, 52],
            "small_n": [False, False],
            "value_low": [0.23070, 0.41885],
            "value_high": [0.37983, 0.58115],
            "interval_method": ["wilson-90", "wilson-90"],
        }
    )
    chart = ranking_bars(frame, "rank", "China leads", "caption", 0.9)
    payload = chart.payload()
    assert payload["csv"]["columns"][-3:] == ["value_low", "value_high", "interval_method"]
    rows = {r[1]: r for r in payload["csv"]["rows"]}
    assert rows["China"][-3:] == [0.41885, 0.58115, "wilson-90"]
    bars = payload["figure"]["data"][0]
    assert bars["y"] == ["United States", "China"]  # largest on top
    assert bars["error_x"]["array"] == pytest.approx([0.07983, 0.08115])
    assert bars["error_x"]["arrayminus"] == pytest.approx([0.06930, 0.08115])
    assert "(90% interval " in bars["hovertemplate"]
    assert chart.notes == [
        "Bars show 90% Wilson intervals treating the world's works as the sample, as published "
        "in marts.publications_long (value_low, value_high)."
    ]


def test_a_chart_carries_no_template_and_the_site_script_holds_the_look() -> None:
    figures_without_template()
    frame = pl.DataFrame({"label": ["a"], "value": [3]})
    assert "template" not in count_bars(frame, "c", "t", "cap").payload()["figure"]["layout"]
    prefix = "window.QCM_PLOTLY_TEMPLATE = "
    (line,) = [x for x in site_template_script().splitlines() if x.startswith(prefix)]
    look = json.loads(line.removeprefix(prefix).removesuffix(";"))
    assert look["layout"]["font"].items() >= FONT.items()  # over Plotly's own font colour
    assert look["layout"]["colorway"] == PALETTE
    assert look["layout"]["plot_bgcolor"] == look["layout"]["paper_bgcolor"] == "white"
    assert look["layout"]["xaxis"]["gridcolor"] == look["layout"]["yaxis"]["gridcolor"]
    assert {"bar", "scatter", "heatmap"} <= set(look["data"])  # Plotly's own look beneath


def test_heatmap_stars_the_leader_of_each_approach() -> None:
    frame = pl.DataFrame(
        {
            "entity_code": ["USA", "CHN", "USA", "CHN"],
            "entity_name": ["US", "CN", "US", "CN"],
            "approach_label": ["A", "A", "B", "B"],
            "value": [0.6, 0.4, 0.1, 0.2],
            "works_whole": [6, 4, 1, 2],
        }
    )
    trace = share_heatmap(frame, "h", "t", "c").figure.data[0]
    cells = dict(zip(trace.y, trace.text, strict=True))
    assert cells["US"][0].startswith("★") and not cells["US"][1].startswith("★")
    assert cells["CN"][1].startswith("★")


def test_a_heatmap_and_trend_lines_order_ties_by_name_whatever_the_rows_order() -> None:
    frame = pl.DataFrame(
        {
            "entity_code": ["USA", "CHN", "DEU", "USA", "CHN", "DEU"],
            "entity_name": ["US", "CN", "DE", "US", "CN", "DE"],
            "approach_label": ["A", "A", "A", "B", "B", "B"],
            "year": [2023, 2023, 2023, 2024, 2024, 2024],
            "value": [0.4, 0.4, 0.2, 0.3, 0.3, 0.4],
            "works_whole": [4, 4, 2, 3, 3, 4],
        }
    )
    for seed in range(10):
        rows = frame.sample(fraction=1.0, shuffle=True, seed=seed)
        trace = share_heatmap(rows, "h", "t", "c").figure.data[0]
        cells = dict(zip(trace.y, trace.text, strict=True))
        # CN and US tie in A (and in their sums): the star and the order go by name
        # bottom to top: the smallest sum first; CN reads above US
        assert list(trace.y) == ["DE", "US", "CN"]
        assert cells["CN"][0].startswith("★") and not cells["US"][0].startswith("★")
        # lines by their latest year's value (2024, whatever the rows' order), ties by name
        lines = trend_lines(rows.select("entity_name", "year", "value"), "l", "t", "c", "share")
        assert [t.name for t in lines.figure.data] == ["DE", "CN", "US"]


def test_count_bars_keep_their_rows() -> None:
    frame = pl.DataFrame({"label": ["a - b", "c - d"], "value": [3, 5]})
    chart = count_bars(frame, "c", "t", "caption")
    assert chart.payload()["csv"]["rows"] == [["a - b", 3], ["c - d", 5]]


def test_reference_bars_name_their_count_and_axis() -> None:
    frame = pl.DataFrame({"label": ["a", "b"], "value": [0.5, 1.5], "families_whole": [12, 30]})
    chart = reference_bars(
        frame, "r", "t", "c", count_column="families_whole", noun="families", axis_title="index"
    )
    (bars,) = chart.figure.data
    assert list(bars.customdata) == [12, 30]
    assert bars.hovertemplate == "%{y}: %{x:.2f} (%{customdata:,} families)<extra></extra>"
    assert chart.figure.layout.xaxis.title.text == "index"
    default = reference_bars(frame.rename({"families_whole": "works_whole"}), "r", "t", "c", "i")
    assert "works)" in default.figure.data[0].hovertemplate


def test_trend_lines_grey_the_incomplete_years() -> None:
    frame = pl.DataFrame(
        {"entity_name": ["A"] * 4, "year": [2023, 2024, 2025, 2026], "value": [1.0, 2, 3, 4]}
    )
    band = trend_lines(
        frame,
        "t",
        "t",
        "c",
        percent=False,
        incomplete_years=[2026, 2025],
        incomplete_reason="late",
        unit=" families",
        y_title="families",
    )
    assert [(s.x0, s.x1) for s in band.figure.layout.shapes] == [(2024.5, 2026.5)]
    assert band.figure.layout.annotations[0].text == "incomplete years"
    assert band.notes[-1] == "2025 and 2026 are incomplete: late."
    assert band.figure.data[0].hovertemplate == "A %{x}: %{y:,.1f} families<extra></extra>"
    assert band.figure.layout.yaxis.title.text == "families"
    single = trend_lines(frame, "t", "t", "c", "families", latest_year=2026)
    assert [(s.x0, s.x1) for s in single.figure.layout.shapes] == [(2025.5, 2026.5)]
    assert single.notes[-1] == "2026 is incomplete: publications keep being indexed."


@pytest.mark.parametrize(
    ("values", "clear"),
    [
        ([1.8, 1.2], True),
        ([1.8], False),  # a single qualifying row names no strength
        ([0.9, 0.7], False),  # below the world average is no specialisation
        ([1.5000000001, 1.5], False),  # tied to six decimals
    ],
)
def test_a_strength_is_named_only_when_the_data_support_it(
    values: list[float], clear: bool
) -> None:
    assert common.clear_top(values) is clear


def test_what_pages_derive_alike_is_made_once_per_data_and_never_shared_with_a_copy() -> None:
    data = site_data(
        approaches={"all": "All"}, countries={}, complete_year=2024, incomplete_year=None
    )
    made: list[str] = []

    def make(label: str) -> str:
        made.append(label)
        return label

    assert data.derived_once(("ranking", "all"), lambda: make("first")) == "first"
    assert data.derived_once(("ranking", "all"), lambda: make("again")) == "first"
    assert data.derived_once(("ranking", "other"), lambda: make("other")) == "other"
    copy = replaced(data, complete_year=2025)  # other frames: nothing derived carries over
    assert copy.derived_once(("ranking", "all"), lambda: make("copy")) == "copy"
    assert made == ["first", "other", "copy"]


def test_a_countrys_partners_tied_at_the_cut_are_taken_by_name() -> None:
    pairs = pl.DataFrame(
        {
            "approach": ["all"] * 4,
            "year": [2024] * 4,
            "country_a": ["SWE", "SWE", "AUS", "SWE"],
            "country_a_name": ["Sweden", "Sweden", "Australia", "Sweden"],
            "country_b": ["IND", "ESP", "SWE", "FRA"],
            "country_b_name": ["India", "Spain", "Sweden", "France"],
            "works": [3099, 3106, 3099, 4863],
        }
    )
    data = site_data(
        approaches={"all": "All"}, countries={}, complete_year=2024, incomplete_year=None
    )
    # the hash grouping orders the partners anew in every process: 3,099 works each for
    # Australia and India, so the third place must not depend on it
    for _ in range(20):
        top = bibliometric.partners(
            replaced(data, pairs=pairs.sample(fraction=1.0, shuffle=True)), "SWE", 2024, top=3
        )
        assert top.rows() == [("France", 4863), ("Spain", 3106), ("Australia", 3099)]


def test_the_leader_of_an_approach_tied_in_world_share_is_the_first_by_name() -> None:
    indicators = pl.DataFrame(
        {
            "entity_type": ["country"] * 3,
            "indicator": ["world_share"] * 3,
            "year": [2024] * 3,
            "entity_code": ["USA", "CHN", "DEU"],
            "entity_name": ["United States", "China", "Germany"],
            "approach": ["photonic"] * 3,
            "value": [0.4, 0.4, 0.2],
            "value_low": [0.3, 0.3, 0.1],
            "value_high": [0.5, 0.5, 0.3],
            "small_n": [False] * 3,
        }
    )
    data = site_data(
        approaches={"all": "All", "photonic": "Photonic"},
        countries={},
        complete_year=2024,
        incomplete_year=None,
    )
    for seed in range(10):
        shuffled = indicators.sample(fraction=1.0, shuffle=True, seed=seed)
        lead = bibliometric.leaders(replaced(data, indicators=shuffled), 2024)
        assert lead.select("entity_name", "runner_up").rows() == [("China", 0.4)]


def test_a_publication_lead_is_marked_when_few_works_or_overlapping_intervals_make_it_unsure() -> (
    None
):
    # photonic: 0.5 [0.42, 0.58] against 0.3 [0.22, 0.38], clear; qkd: 0.5 [0.35, 0.65]
    # against 0.4 [0.30, 0.50], the intervals overlap; clocks: the leader has few works
    def rows(approach: str, values: list[tuple[float, float, float]], few: bool) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "entity_type": ["country"] * 2,
                "indicator": ["world_share"] * 2,
                "year": [2024] * 2,
                "entity_code": ["CHN", "USA"],
                "entity_name": ["China", "United States"],
                "approach": [approach] * 2,
                "value": [v[0] for v in values],
                "value_low": [v[1] for v in values],
                "value_high": [v[2] for v in values],
                "small_n": [few, False],
                "works_whole": [4 if few else 50, 30],
                "unit": ["share"] * 2,
            }
        )

    indicators = pl.concat(
        [
            rows("photonic", [(0.5, 0.42, 0.58), (0.3, 0.22, 0.38)], False),
            rows("qkd", [(0.5, 0.35, 0.65), (0.4, 0.30, 0.50)], False),
            rows("clocks", [(0.6, 0.5, 0.7), (0.1, 0.05, 0.15)], True),
        ]
    )
    labels = {"all": "All", "photonic": "Photonic", "qkd": "QKD", "clocks": "Clocks"}
    data = site_data(
        approaches=labels,
        countries={},
        complete_year=2024,
        incomplete_year=None,
        methods={"share_interval_level": ("0.9", ""), "small_n_threshold": ("10", "")},
    )
    lead = bibliometric.leaders(replaced(data, indicators=indicators), 2024)
    assert lead.select("approach", "doubt").rows() == [
        ("clocks", "few"), ("photonic", ""), ("qkd", "overlap")
    ]  # fmt: skip
    sections = bibliometric.overview(replaced(data, indicators=indicators))
    said = pages.text(sections)
    assert (
        "In 2024, China leads 3 of 3 approaches by share of publications (one of them clearly)"
        in (said)
    )
    assert "two of the three leads below are not (marked few works or intervals overlap)" in said
    # a build whose every year is still filling says so, not "the latest complete year"
    filling = pages.text(
        bibliometric.overview(replaced(data, indicators=indicators, complete_year_filling=True))
    )
    assert "in 2024, the latest year, still filling (no year is complete yet), for" in filling
    assert "in 2024, the latest complete year" in said
    assert [row[1] for row in sections[0].tables[0].rows] == [
        "China (few works)", "China", "China (intervals overlap)"
    ]  # fmt: skip


def test_grey_spans_and_dashed_lines_are_plotlys_own_shapes_and_labels() -> None:
    # the helpers add directly what add_vrect, add_vline and add_hline lay out
    def chart() -> go.Figure:
        return go.Figure(go.Scatter(x=[2020, 2024], y=[0.1, 0.9]))

    ours, plotlys = chart(), chart()
    grey_span(ours, 2023.5, 2024.5, "incomplete year")
    dashed_line(ours, "world", x=2022)
    dashed_line(ours, "within reach", y=0.5)
    plotlys.add_vrect(
        x0=2023.5, x1=2024.5, fillcolor="#999", opacity=0.15, line_width=0,
        annotation_text="incomplete year", annotation_position="top left",
    )  # fmt: skip
    plotlys.add_vline(
        x=2022, line_dash="dash", line_color="#333", annotation_text="world",
        annotation_position="top",
    )  # fmt: skip
    plotlys.add_hline(
        y=0.5, line_dash="dash", line_color="#333", annotation_text="within reach",
        annotation_position="bottom right",
    )  # fmt: skip
    assert ours.to_json() == plotlys.to_json()


def test_the_unknown_country_is_named_beside_a_ranking_with_its_share() -> None:
    # a twentieth of the year's publications name no known country: never ranked, always said
    shares = pl.DataFrame(
        {
            "entity_code": ["USA", "ZZZ", "CHN"],
            "entity_name": ["United States", "Unknown country", "China"],
            "value": [0.55, 0.05, 0.40],
        }
    )
    assert bibliometric._unknown_note(shares, 2024) == (
        "Works whose authorships name no known country (the unknown country, ZZZ) hold 5.0% "
        "of 2024's publications here: counted in every share's total, never ranked."
    )


def _d3(value: float, spec: str) -> str:
    """``value`` as d3-format (Plotly's tick labels) writes it for the specs of value axes:
    an optional ',' (thousands), '.P' (P decimals; 6 without it), '~' (insignificant zeros
    trimmed), then 'f' or '%' (times 100, with a percent sign)."""
    found = re.fullmatch(r"(,?)(?:\.(\d+))?(~?)([f%])", spec)
    assert found, spec
    comma, precision, trim, kind = found.groups()
    text = f"{value * 100 if kind == '%' else value:{comma}.{precision or 6}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + ("%" if kind == "%" else "")


@pytest.mark.parametrize("percent", [True, False])
def test_value_axis_ticks_never_repeat_a_label_however_small_the_range(percent: bool) -> None:
    spec = value_axis("share", percent)["tickformat"]
    assert spec == (PERCENT_TICKS if percent else NUMBER_TICKS)
    # Plotly puts ticks 1, 2 or 5 times a power of ten apart, from zero
    for power in range(-6, 4):
        for step in (1, 2, 5):
            ticks = [i * step * 10.0**power for i in range(12)]
            labels = [_d3(t, spec) for t in ticks]
            assert len(set(labels)) == len(labels), labels
    # the formats they replace said 0%, 0%, 0%, 1% and 0, 0, 0, 1
    assert [_d3(v, ".0%") for v in (0, 0.002, 0.004, 0.006)] == ["0%", "0%", "0%", "1%"]
    assert [_d3(v, ",.0f") for v in (0, 0.2, 0.4, 0.6)] == ["0", "0", "0", "1"]
    assert [_d3(v, spec) for v in (0, 0.002, 0.004, 12)] == (
        ["0%", "0.2%", "0.4%", "1200%"] if percent else ["0", "0.002", "0.004", "12"]
    )


def test_a_small_count_axis_has_a_tick_at_every_count() -> None:
    assert value_axis("moves", whole_up_to=3) == {
        "title": {"text": "moves"},
        "tickformat": NUMBER_TICKS,
        "tick0": 0,
        "dtick": 1,
    }
    assert value_axis("share", percent=True, whole_up_to=250) == {
        "title": {"text": "share"},
        "tickformat": PERCENT_TICKS,
    }
    assert value_axis("<b>")["title"] == {"text": "&lt;b&gt;"}


def test_a_choice_of_groups_puts_its_menu_above_the_plot_with_room_to_open() -> None:
    # a short chart's menu sat 12% of the plot's height above it: over its first bars
    groups = {
        f"Bloc {i}": pl.DataFrame({"entity_name": ["A", "B"], "value": [0.1, 0.2]})
        for i in range(12)
    }
    chart = grouped_choice_bars(groups, "g", "t", "c", "share", titles={k: k for k in groups})
    (menu,) = chart.figure.layout.updatemenus
    assert (menu.yanchor, menu.y) == ("bottom", 1.02)  # from its bottom, above the plot
    assert [b.args[1]["title.text"] for b in menu.buttons] == list(groups)
    # twelve choices open below the menu: the chart is tall enough to show them all
    assert chart.figure.layout.height >= dropdown_height(12)


def test_charts_take_their_value_axis_from_the_shared_helper() -> None:
    # members of a bloc with shares under 4%: ticks half a percent apart
    members = pl.DataFrame({"entity_name": ["A", "B"], "value": [0.012, 0.037]})
    bars = grouped_choice_bars({"NATO": members}, "m", "t", "c", "share").figure.layout.xaxis
    assert (bars.tickformat, bars.title.text) == (PERCENT_TICKS, "share")
    few = pl.DataFrame({"entity_name": ["A"] * 3, "year": [2022, 2023, 2024], "value": [0, 1, 2]})
    lines = trend_lines(few, "f", "t", "c", "moves", percent=False, whole=True)
    axis = lines.figure.layout.yaxis
    assert (axis.tickformat, axis.title.text, axis.dtick, axis.rangemode) == (
        NUMBER_TICKS,
        "moves",
        1,
        "tozero",
    )
    shares = trend_lines(few.with_columns(pl.col("value") / 100), "s", "t", "c", "share")
    assert shares.figure.layout.yaxis.tickformat == PERCENT_TICKS
    assert shares.figure.layout.yaxis.dtick is None
    works = count_bars(pl.DataFrame({"label": ["a"], "value": [4]}), "w", "t", "c")
    assert (works.figure.layout.xaxis.title.text, works.figure.layout.xaxis.dtick) == ("works", 1)
