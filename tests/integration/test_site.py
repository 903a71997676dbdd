"""The dashboards in a real browser: every page offline, every chart drawn, controls, safety.

Needs Debian's ``chromium`` (``.ci/run`` installs it) and Playwright's Python driver
(a dev dependency); skipped with the reason when either is missing.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

from dashboards import site as site_module
from dashboards.browser import CHARTS_DRAWN, SHOWCASE, take_screenshots
from dashboards.families import supply_chain
from dashboards.figures import FONT, PALETTE
from dashboards.page import Section
from dashboards.site import build_site
from dashboards.site_key import KEY_FILE
from tests import site_pages
from tests.integration.conftest import Tab

# one worker builds the shared sample once and runs every test that reads it (pytest-xdist)
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("sample")]
ATTACK = "<img src=x onerror=\"document.title='pwned'\">"


def site_of(sample: tuple[Path, str]) -> Path:
    return sample[0] / "out" / "site"


# JavaScript: true once no chart is being fitted to its width (``site.js``, fitToWidth)
FITTED_TO_WIDTH = "() => !document.querySelector('div.chart[data-fitting]')"


def show_narrow(page: Any, path: Path) -> None:
    """Show ``path`` in ``page`` on a phone's narrow screen (320 px), once its charts are
    drawn and fitted to the width (``site.js``: titles, legends, labels, menus)."""
    page.set_viewport_size({"width": 320, "height": 900})
    page.goto(path.as_uri())
    page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
    page.wait_for_function(FITTED_TO_WIDTH, timeout=30_000)


def widen(page: Any) -> None:
    """Show ``page`` on a wide screen (1280 px), once its charts are fitted to the new width
    (the page fits them 300 ms after the last change of width)."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.wait_for_timeout(600)
    page.wait_for_function(FITTED_TO_WIDTH, timeout=30_000)


def save_image(page: Any, chart: Any, folder: Path) -> Path:
    """Click the image button of a sample site's ``chart`` (shown when hovered) and save
    what it downloads in ``folder``; the saved file's path."""
    chart.hover()
    button = chart.locator(
        '.modebar-btn[data-title="Download plot as a png (labelled synthetic sample data)"]'
    )
    with page.expect_download() as download:
        button.click()
    saved = folder / download.value.suggested_filename
    download.value.save_as(saved)
    return saved


def open_page(tab: Tab, path: Path) -> Tab:
    """Open ``path`` in ``tab``; return the tab and its problems' list."""
    page, problems = tab
    page.goto(path.as_uri())
    return page, problems


LOADED_FROM_WEB = re.compile(
    r"<(script|link|img|iframe|source)\b[^>]*\b(src|href)=[\"']?(https?:)?//"
)


def test_site_structure(sample: tuple[Path, str]) -> None:
    site = site_of(sample)
    assert (site / "index.html").exists() and (site / "methods.html").exists()
    assert len(list((site / "approach").glob("*.html"))) == 19
    assert len(list((site / "country").glob("*.html"))) >= 30
    # plotly.js once per site, not once per chart; so is the site's look
    assert [p.name for p in site.rglob("plotly*.js")] == ["plotly.min.js"]
    assert [p.name for p in site.rglob("site_template.js")] == ["site_template.js"]
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "Synthetic sample data" in text, page
        assert '"template"' not in text, page  # no chart carries a copy of the look
        # nothing is loaded from the web (links to sources are clicked, not loaded)
        assert "cdn.plot.ly" not in text and not LOADED_FROM_WEB.search(text), page


def test_one_process_makes_the_pages_two_make_byte_for_byte(
    sample: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database, shared = sample[0] / "out" / "qcm.duckdb", site_of(sample)
    alone = build_site(database, tmp_path / "site", processes=1).root
    pages = sorted(p.relative_to(shared) for p in shared.rglob("*.html"))
    assert sorted(p.relative_to(alone) for p in alone.rglob("*.html")) == pages
    for name in pages:  # the same pages, byte for byte: no tie or sum left to a hash order
        assert (alone / name).read_bytes() == (shared / name).read_bytes(), name
    # a helper process that fails fails the build, with what it said, and the last site
    # stays: here this process reads the release, its helper a file that is not there (and
    # the site is made again, not kept: its record is gone)
    data = site_module.load(database)
    monkeypatch.setattr(site_module, "load", lambda _: data)
    missing = tmp_path / "missing.duckdb"
    (alone / KEY_FILE).unlink()
    with pytest.raises(site_module.SiteError, match=r"(?s)exit status 1\).*missing\.duckdb"):
        build_site(missing, alone, processes=2)
    assert sorted(p.relative_to(alone) for p in alone.rglob("*.html")) == pages
    # a page this process cannot make stops its helper too, and the last site stays
    monkeypatch.setattr(site_module, "make_page", broken_page)
    with pytest.raises(ValueError, match="no page"):
        build_site(database, alone, processes=2)
    assert sorted(p.relative_to(alone) for p in alone.rglob("*.html")) == pages
    assert not list(tmp_path.glob(".site.tmp-*"))  # its half-made folder is gone


def broken_page(*_: object) -> None:
    """A page maker that fails."""
    raise ValueError("no page")


def test_each_page_is_claimed_by_one_process(tmp_path: Path) -> None:
    assert site_module.claimed(tmp_path, 3)
    assert not site_module.claimed(tmp_path, 3)  # the second claim of a page loses
    assert site_module.claimed(tmp_path, 4)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["3", "4"]


def test_every_helper_is_waited_for_and_what_it_wrote_passed_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    helpers = []
    for number, (said, status) in enumerate([("a warning", 0), ("a traceback", 3)]):
        errors = tmp_path / f"helper-{number}.err"
        with errors.open("wb") as stderr:
            script = f"import sys; sys.stderr.write({said!r}); sys.exit({status})"
            process = subprocess.Popen([sys.executable, "-c", script], stderr=stderr)
        helpers.append((process, errors))
    with pytest.raises(site_module.SiteError, match=r"\(exit status 3\): a traceback$"):
        site_module._wait_for(helpers)
    assert all(helper.returncode is not None for helper, _ in helpers)
    assert capsys.readouterr().err == "a warning"


# the pages of one template drawn beside a cross-section of the others: the countries with
# the most charts, the approach with most records, the adjacent one (sections of its own)
# and the one with fewest, and the capability page with most milestones
ALWAYS_DRAWN = {
    "country": ("USA", "DEU"),
    "approach": ("superconducting", "pqc", "control_electronics"),
    "capability": ("superconducting",),
}
EVERY = {"country": 4, "approach": 3, "capability": 3}  # the cross-section's step


def pages_to_render(site: Path) -> list[Path]:
    """Every page of its own (overview, families, methods), and of the pages that share a
    template (a country's, an approach's, an approach's capability) a fixed cross-section:
    every fourth country page and every third of the others in name order, plus
    ``ALWAYS_DRAWN``. Their sections are tested on hand-made frames page by page."""
    chosen = set(site.glob("*.html"))
    for folder, step in EVERY.items():
        chosen |= set(sorted((site / folder).glob("*.html"))[::step])
        chosen |= {site / folder / f"{name}.html" for name in ALWAYS_DRAWN[folder]}
    return sorted(p for p in chosen if p.is_file())


def test_every_kind_of_page_renders_offline_with_all_charts_drawn(
    sample: tuple[Path, str], tab: Tab
) -> None:
    site = site_of(sample)
    pages = pages_to_render(site)
    assert len(pages) >= len(list(site.glob("*.html"))) + 8 + 4 + 10
    assert {p.parent.name for p in pages} >= set(EVERY)
    # one tab, as a reader goes from page to page; its problems are never cleared, so a
    # late error of one page still fails the test (naming the page open when it came)
    page, problems = tab
    for path in pages:
        page.goto(path.as_uri())
        page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
        drawn = page.evaluate(
            """() => [...document.querySelectorAll('div.chart')].map(d => [d.id,
                d.querySelectorAll(
                    'g.trace, path.choroplethlocation, g.hm, image, path.sankey-link').length])"""
        )
        assert all(count > 0 for _, count in drawn), (path.name, drawn)
        # every chart has the site's look, which the page gives it (site_template.js)
        looks = page.evaluate(
            """() => [...document.querySelectorAll('div.chart')].map(d => [d._fullLayout
                .font.family, d._fullLayout.paper_bgcolor, d._fullLayout.colorway.join()])"""
        )
        site_look = [FONT["family"], "white", ",".join(PALETTE)]
        assert all(look == site_look for look in looks), (path.name, looks)
        assert problems == [], (path.name, problems)


# JavaScript: for each chart div of the page, whether Plotly has drawn it, and its height
CHARTS_STATE = """() => [...document.querySelectorAll('div.chart')].map(
    d => [d.classList.contains('js-plotly-plot'), Math.round(d.getBoundingClientRect().height)])"""


def test_a_long_page_draws_its_charts_as_they_near_the_screen_and_all_to_print(
    sample: tuple[Path, str], tab: Tab
) -> None:
    page, problems = open_page(tab, site_of(sample) / "country" / "USA.html")
    page.wait_for_function("() => document.querySelector('div.chart.js-plotly-plot')")
    opened = page.evaluate(CHARTS_STATE)
    assert len(opened) >= 15  # a long page
    drawn = [d for d, _ in opened]
    assert drawn[0] and not drawn[-1] and sum(drawn) < len(drawn) / 2, drawn
    # the last chart, reached, is drawn; the middle of the page still waits for the reader
    page.locator("div.chart").last.scroll_into_view_if_needed()
    last = "[...document.querySelectorAll('div.chart')].at(-1)"
    page.wait_for_function(f"() => {last}.classList.contains('js-plotly-plot')")
    scrolled = page.evaluate(CHARTS_STATE)
    assert not all(d for d, _ in scrolled), scrolled
    # printing draws every chart; each kept its height until drawn: the page never moved
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    printed = page.evaluate(CHARTS_STATE)
    assert all(d for d, _ in printed)
    assert [h for _, h in printed] == [h for _, h in opened]
    assert problems == []


def test_a_keyboard_meets_each_charts_menus_before_its_downloads_though_drawn_late(
    sample: tuple[Path, str], tab: Tab
) -> None:
    """Tab by Tab down a page whose charts are drawn as they near the screen: each chart is
    drawn before the keyboard reaches it, so its menus' selects come before its buttons."""
    page, problems = open_page(tab, site_of(sample) / "approach" / "superconducting.html")
    focused: dict[str, list[str]] = {}
    for _ in range(400):
        page.keyboard.press("Tab")
        tag, kind, chart = page.evaluate(
            """() => { const e = document.activeElement, f = e.closest('figure');
                return [e.tagName, e.className, f ? f.querySelector('div.chart').id : null]; }"""
        )
        if tag == "BODY":  # past the page's last control
            break
        if chart:
            focused.setdefault(chart, []).append("select" if tag == "SELECT" else kind)
    with_menus = page.evaluate(
        """() => [...new Set([...document.querySelectorAll('.chart-views select')].map(
            s => s.closest('figure').querySelector('div.chart').id))]"""
    )
    assert len(with_menus) >= 3 and len(focused) == len(page.locator("div.chart").all())
    for chart in with_menus:
        kinds = focused[chart]
        assert "select" in kinds and kinds.index("select") < kinds.index("csv"), (chart, kinds)
    assert problems == []


def test_map_indicator_control_switches_the_shown_indicator(
    sample: tuple[Path, str], tab: Tab
) -> None:
    page, problems = open_page(tab, site_of(sample) / "index.html")
    page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
    visible = "() => document.getElementById('world-map').data.map(t => t.visible !== false)"
    # three layers: the activity index of all quantum technology (1 everywhere) is not one
    assert page.evaluate(visible) == [True, False, False]
    page.locator("#world-map .updatemenu-header-group").click()
    page.locator("#world-map .updatemenu-dropdown-button").nth(1).click()
    page.wait_for_timeout(300)
    assert page.evaluate(visible) == [False, True, False]
    assert problems == []


def test_patent_ranking_switches_between_all_and_international_families(
    sample: tuple[Path, str], tab: Tab
) -> None:
    page, problems = open_page(tab, site_of(sample) / "index.html")
    page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
    chart = "document.getElementById('patents-ranking')"
    visible = f"() => {chart}.data.map(t => t.visible !== false)"
    leader = f"() => {chart}.data.filter(t => t.visible !== false)[0].y.at(-1)"
    assert page.evaluate(visible) == [True, False]
    all_leader = page.evaluate(leader)
    page.locator("#patents-ranking .updatemenu-button").nth(1).click()
    page.wait_for_timeout(300)
    assert page.evaluate(visible) == [False, True]
    # the sample is built so that the two counts have different leaders, as in reality
    assert page.evaluate(leader) != all_leader
    assert problems == []


def test_a_keyboard_switches_a_charts_menu_through_its_select(
    sample: tuple[Path, str], tab: Tab
) -> None:
    page, problems = open_page(tab, site_of(sample) / "index.html")
    page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
    chart = "document.getElementById('patents-ranking')"
    visible = f"() => {chart}.data.map(t => t.visible !== false)"
    # the drawn buttons' select sits before the chart, out of sight until it has focus
    select = page.locator("label.chart-views:has(+ #patents-ranking) select")
    assert select.locator("option").all_inner_texts() == [
        "All families",
        "International families",
    ]
    assert select.bounding_box()["x"] < 0  # out of sight
    select.focus()
    assert select.bounding_box()["x"] >= 0  # over the chart's corner while it has focus
    assert select.get_attribute("aria-label").startswith("View of the chart: ")
    select.select_option("1")
    page.wait_for_timeout(300)
    assert page.evaluate(visible) == [False, True]
    assert page.evaluate(f"() => {chart}.layout.updatemenus[0].active") == 1
    # a click on the drawn buttons moves the select with it
    page.locator("#patents-ranking .updatemenu-button").nth(0).click()
    page.wait_for_timeout(300)
    assert page.evaluate(visible) == [True, False] and select.input_value() == "0"
    assert problems == []


def test_a_keyboard_chooses_a_range_sliders_years_through_two_lists(
    sample: tuple[Path, str], tab: Tab
) -> None:
    page, problems = open_page(tab, site_of(sample) / "index.html")
    page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
    chart = "document.getElementById('headline-trend')"
    first = page.locator(".chart-years:has(+ #headline-trend) select[data-end='from']")
    last = page.locator(".chart-years:has(+ #headline-trend) select[data-end='to']")
    years = [int(y) for y in first.locator("option").all_inner_texts()]
    assert years == sorted(years) and len(years) > 5
    assert (first.input_value(), last.input_value()) == (str(years[0]), str(years[-1]))
    assert first.bounding_box()["x"] < 0  # out of sight until focused, as a menu's select
    first.focus()
    assert first.bounding_box()["x"] >= 0
    assert first.get_attribute("aria-label").startswith("Years shown from: ")
    first.select_option(str(years[2]))
    last.select_option(str(years[-2]))
    page.wait_for_timeout(300)
    shown = page.evaluate(f"() => {chart}.layout.xaxis.range")
    assert shown == [years[2] - 0.5, years[-2] + 0.5]
    # a first year after the last takes the last with it
    first.select_option(str(years[-1]))
    page.wait_for_timeout(300)
    assert last.input_value() == str(years[-1])
    assert page.evaluate(f"() => {chart}.layout.xaxis.range") == [years[-1] - 0.5, years[-1] + 0.5]
    # the handles dragged (a relayout of the range, as a drag makes, to no whole year): the
    # lists follow the nearest years (a range far past the years, as a drag cannot make,
    # had Plotly draw a tick a year up to it: 40 s)
    page.evaluate(
        f"() => Plotly.relayout({chart}, {{'xaxis.range': [{years[3]} - 0.2, {years[-1]} + 0.9]}})"
    )
    page.wait_for_timeout(300)
    assert (first.input_value(), last.input_value()) == (str(years[3]), str(years[-1]))
    assert problems == []


def test_a_title_too_wide_for_a_narrow_screen_goes_above_its_chart(
    sample: tuple[Path, str], tab: Tab
) -> None:
    page, problems = tab
    show_narrow(page, site_of(sample) / "index.html")
    charts = """() => [...document.querySelectorAll('div.chart.js-plotly-plot')].map(d => {
        const drawn = d.querySelector('.gtitle'), moved = d.previousElementSibling;
        return {
            title: d.layout.title.text,
            over: drawn && d.layout.title.text
                ? drawn.getBoundingClientRect().right - d.getBoundingClientRect().right : 0,
            moved: moved && moved.matches('p.chart-title') ? moved.textContent : null,
            name: d.closest('figure').getAttribute('aria-label'),
        };
    })"""
    narrow = page.evaluate(charts)
    assert all(c["over"] <= 1 for c in narrow), narrow  # nothing cut at the chart's edge
    moved = [c for c in narrow if c["moved"]]
    assert moved and all(c["title"] == "" and c["moved"] == c["name"] for c in moved)
    widen(page)
    wide = page.evaluate(charts)
    assert page.locator("p.chart-title").count() == 0
    assert all(c["title"] and c["over"] <= 1 for c in wide)
    assert problems == []


# each chart's rows cut at its left edge (a y category label left of the chart) and axis
# titles past its box, whether its legend is set below the chart, and whether its labels are
# wrapped
NARROWED = """() => [...document.querySelectorAll('div.chart.js-plotly-plot')]
    .map(d => {
        const box = d.getBoundingClientRect(), left = box.left;
        const cut = [...d.querySelectorAll('.ytick text')]
            .filter(t => t.getBoundingClientRect().left < left - 1).map(t => t.textContent);
        for (const title of d.querySelectorAll('.g-xtitle text, .g-ytitle text')) {
            const b = title.getBoundingClientRect();
            if (b.left < box.left - 1 || b.right > box.right + 1 || b.top < box.top - 1
                || b.bottom > box.bottom + 1) cut.push(title.textContent);
        }
        const legend = (d.layout.legend || {}).orientation === 'h' && d.layout.legend.y === 0;
        return {id: d.id, cut, below: legend, wrapped: !!(d.layout.yaxis || {}).ticktext};
    })"""


def test_a_narrow_screen_puts_legends_below_and_wraps_the_row_labels_it_would_cut(
    sample: tuple[Path, str], tab: Tab
) -> None:
    page, problems = tab
    seen = {}
    for name in ("security.html", "workforce.html", "capability.html", "funding.html"):
        show_narrow(page, site_of(sample) / name)
        charts = page.evaluate(NARROWED)
        assert [c for c in charts if c["cut"]] == []  # no row's name or axis title cut
        seen |= {c["id"]: c for c in charts}
    assert seen["security-shares"]["below"] and seen["capability-held"]["below"]
    assert seen["workforce-producers"]["wrapped"]  # "United Kingdom (86% stayed)"
    # a wrapped label is its row's whole name, on lines; a chart whose rows need more lines
    # than they hold is made taller (on the funding page, the last one shown)
    rows, labels, height, own = page.evaluate(
        """() => { const d = document.getElementById('funding-grants-approach');
            const own = JSON.parse(document.getElementById(d.dataset.chart).textContent);
            return [d.layout.yaxis.tickvals, d.layout.yaxis.ticktext, d.layout.height,
                own.figure.layout.height]; }"""
    )
    assert any(label.count("<br>") >= 2 for label in labels)  # "Error correction and ..."
    assert [html.unescape(label.replace("<br>", " ")) for label in labels] == [
        html.unescape(row) for row in rows
    ]
    assert height > own
    # wide again: every legend and label as the figure sets it
    widen(page)
    wide = page.evaluate(NARROWED)
    assert not [c for c in wide if c["cut"] or c["below"] or c["wrapped"]], wide
    # and every chart as tall as its figure says, though Plotly fitted it to two new widths
    heights = page.evaluate(
        """() => [...document.querySelectorAll('div.chart.js-plotly-plot')].map(d => [
            d._fullLayout.height,
            JSON.parse(document.getElementById(d.dataset.chart).textContent).figure.layout.height,
        ])"""
    )
    assert len(heights) == 7 and all(drawn == own for drawn, own in heights), heights
    assert problems == []


# each chart's id and what of its drawing runs past its sides: column labels, drawn menus,
# legend entries, colour scales, annotations (by their class)
PAST_SIDES = """() => [...document.querySelectorAll('div.chart.js-plotly-plot')].map(d => {
    const box = d.getBoundingClientRect();
    const past = [...d.querySelectorAll('[class*="tick"] > text, .updatemenu-header-group, '
        + '.legend .traces, .colorbar, g.annotation')].filter(e => {
            const b = e.getBoundingClientRect();
            return b.width > 0 && (b.left < box.left - 1 || b.right > box.right + 1);
        }).map(e => e.closest('[class]').getAttribute('class'));
    return [d.id, past];
})"""

# per chart, what narrow() may change, as drawn now and as the figure sets it: each drawn
# menu's visibility, each trace's name and colour scale's thickness and title side, each
# x axis's label angle, each annotation's place
FITTED = """() => [...document.querySelectorAll('div.chart.js-plotly-plot')].map(d => {
    const fitted = (figure) => JSON.stringify([
        (figure.layout.updatemenus || []).map(m => m.visible ?? null),
        figure.data.map(t => [t.name ?? null, (t.colorbar || {}).thickness ?? null,
            ((t.colorbar || {}).title || {}).side ?? null]),
        ['xaxis', 'xaxis2', 'xaxis3'].map(k => (figure.layout[k] || {}).tickangle ?? null),
        (figure.layout.annotations || []).map(a => [a.xref ?? null, a.x, a.xanchor ?? null]),
    ]);
    const own = JSON.parse(document.getElementById(d.dataset.chart).textContent).figure;
    return [d.id, fitted({data: d.data, layout: d.layout}), fitted(own)];
})"""


# JavaScript: each heatmap's id, the width of its columns, whether its box scrolls sideways
# and whether its title is shown above it (site.js: keepColumnsReadable, fitTitle)
HEATMAPS = """() => [...document.querySelectorAll('div.chart')].filter(d => d.querySelector('g.hm'))
    .map(d => { const box = d.parentElement;
        const columns = d._fullData.filter(t => t.type === 'heatmap').map(t => t.x.length);
        return [d.id, d._fullLayout._size.w / Math.max(...columns),
            box.scrollWidth > box.clientWidth, !!box.querySelector('p.chart-title')]; })"""


def test_a_narrow_screen_fits_menus_colour_scales_columns_legends_and_notes_inside_the_chart(
    sample: tuple[Path, str], tab: Tab
) -> None:
    page, problems = tab
    pages = ("index.html", "funding.html", "approach/superconducting.html", "supply_chain.html")
    for name in pages:
        show_narrow(page, site_of(sample) / name)
        assert [c for c in page.evaluate(PAST_SIDES) if c[1]] == [], name
        # a heatmap keeps its columns readable (26 px; the sample's have 8 to 19 columns): it
        # is drawn wider than the screen, its box scrolls sideways, its title is shown above
        heatmaps = page.evaluate(HEATMAPS)
        if name in ("index.html", "supply_chain.html"):
            assert heatmaps and all(h[1] >= 25.9 and h[2] and h[3] for h in heatmaps), heatmaps
        if name == "index.html":
            # the world map's list gives way to its select; its scale is made slimmer
            assert page.evaluate(
                """() => { const d = document.getElementById('world-map');
                    return [d.layout.updatemenus[0].visible,
                        d._fullData.find(t => t.visible === true).colorbar.thickness]; }"""
            ) == [False, 10]
        if name == "funding.html":
            # the long legend entries are wrapped onto lines
            names = page.evaluate(
                "() => document.getElementById('funding-commitments').data.map(t => t.name)"
            )
            assert any("<br>" in name for name in names)
        if name == "supply_chain.html":
            fitted_supply_chain(page)
        # wide again: each chart as its figure sets it, no select shown, no box scrolling
        widen(page)
        assert not any(h[2] for h in page.evaluate(HEATMAPS)), name
        assert [c for c in page.evaluate(FITTED) if c[1] != c[2]] == [], name
        assert page.locator("label.chart-views.shown").count() == 0
    assert problems == []


def fitted_supply_chain(page: Any) -> None:
    """Check the supply-chain page as a narrow screen fits it (shown in ``page``)."""
    # each drawn menu too wide for its chart is hidden and its select shown above the
    # chart, under its title
    menus = page.evaluate(
        """() => [...document.querySelectorAll('div.chart.js-plotly-plot')]
            .filter(d => (d.layout.updatemenus || []).length).map(d => {
                const shown = [...d.parentElement.querySelectorAll('label.chart-views.shown')];
                const title = d.parentElement.querySelector('p.chart-title');
                return {id: d.id, hidden: d.layout.updatemenus.map(m => m.visible === false),
                    shown: shown.length, visible: shown.every(l => l.offsetWidth > 0
                        && l.getBoundingClientRect().left >= 0),
                    under_title: !title || shown.every(l => title.compareDocumentPosition(l)
                        === Node.DOCUMENT_POSITION_FOLLOWING)};
            })"""
    )
    hidden = [m for m in menus if any(m["hidden"])]
    assert hidden and all(m["shown"] == sum(m["hidden"]) for m in menus), menus
    assert all(m["visible"] and m["under_title"] for m in hidden), hidden
    # the registry's heatmap's colour scale is slimmer, its title along it
    scale, side = page.evaluate(
        """() => { const scale = document.getElementById('supply-registry-counts')
            ._fullData[0].colorbar; return [scale.thickness, scale.title.side]; }"""
    )
    assert (scale, side) == (10, "right")
    # a shown select still switches the chart's view, and stays shown
    chart = page.locator(f"#{hidden[0]['id']}")
    before = chart.evaluate("d => d.data.map(t => t.visible)")
    select = chart.locator("xpath=..").locator("label.chart-views.shown select").first
    select.select_option(index=1)
    page.wait_for_timeout(300)  # the view drawn, and a fitting of it begun
    page.wait_for_function(FITTED_TO_WIDTH, timeout=30_000)
    assert chart.evaluate("d => d.data.map(t => t.visible)") != before
    assert select.is_visible()


def test_slanted_column_labels_past_a_narrow_charts_edges_turn_vertical_and_back(
    tab: Tab, tmp_path: Path
) -> None:
    # a heatmap whose columns have long names (the site's blocs have short ones now)
    names = [f"{word} Semiconductor Supply Chain Resilience Working Group" for word in "ABC"]
    frame = pl.DataFrame(
        {
            "component_label": ["Lasers"] * 3,
            "entity_name": names,
            "suppliers": [1, 2, 3],
            "supplier_countries": [1, 1, 2],
        }
    )
    chart = supply_chain.supplier_heatmap(frame, "long-columns", "Long column names", "unit")
    path = site_pages.written(
        tmp_path, [Section("Heatmap", [], charts=[chart])], "x.html", "X", "x"
    )
    page, problems = tab
    show_narrow(page, path)
    angle = "() => document.getElementById('long-columns')._fullLayout.xaxis.tickangle"
    assert page.evaluate(angle) == -90
    widen(page)  # the chart's own angle again
    assert page.evaluate(angle) == -30
    assert problems == []


def test_a_chart_whose_title_went_above_it_is_saved_with_its_title(
    sample: tuple[Path, str], tab: Tab, tmp_path: Path
) -> None:
    page, problems = tab
    show_narrow(page, site_of(sample) / "index.html")
    title = page.locator("p.chart-title").first
    name = title.text_content()
    chart = title.locator("xpath=following-sibling::div[1]")
    # what the button draws, seen on its way to Plotly's download
    page.evaluate(
        """() => {
            window.saved = [];
            const download = Plotly.downloadImage;
            Plotly.downloadImage = (figure, options) => {
                window.saved.push({title: figure.layout.title.text, width: options.width});
                return download(figure, options);
            };
        }"""
    )
    assert save_image(page, chart, tmp_path).read_bytes().startswith(b"\x89PNG")
    [drawn] = page.evaluate("() => window.saved")
    words = page.evaluate(f"() => titleText({json.dumps(drawn['title'])})")
    assert words == name  # the whole title, as the page shows it above the chart
    # wide enough for it; the page's chart keeps its title above it
    assert drawn["width"] > chart.evaluate("d => d.offsetWidth")
    assert chart.evaluate("d => d.layout.title.text") == ""
    assert problems == []


def test_every_chart_offers_its_data_as_csv(
    sample: tuple[Path, str], tab: Tab, tmp_path: Path
) -> None:
    page, problems = open_page(tab, site_of(sample) / "index.html")
    page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
    assert page.locator("button.csv").count() == page.locator("div.chart").count()
    assert page.locator("button.image").count() == page.locator("div.chart").count()
    with page.expect_download() as download:
        page.locator("button.csv").first.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    lines = saved.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("entity_code,entity_name,approach")
    # a file saved from a sample chart says so: in its name and on every row
    assert saved.name == "sample-leaders-heatmap.csv"
    assert lines[0].endswith(",data_kind")
    assert all(line.endswith(",synthetic sample") for line in lines[1:])
    assert problems == []


def test_every_chart_offers_its_data_as_a_table_and_is_named_by_its_title(
    sample: tuple[Path, str], tab: Tab
) -> None:
    page, problems = open_page(tab, site_of(sample) / "index.html")
    page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
    charts = page.locator("div.chart").count()
    assert page.locator("details.data-table").count() == charts
    # a screen reader names each figure by its chart's title
    named = page.evaluate(
        """() => [...document.querySelectorAll('figure.chart-box')].map(f => [
            f.getAttribute('aria-label'), f.querySelector('div.chart')._fullLayout.title.text])"""
    )
    assert len(named) == charts and all(label for label, _ in named)
    assert named[0][0] == " ".join(html.unescape(re.sub(r"<[^>]+>", " ", named[0][1])).split())
    # the table is made when the reader opens it, with every row up to 500
    first = page.locator("details.data-table").first
    assert first.locator("table").count() == 0
    first.locator("summary").click()
    payload = page.evaluate(
        "() => JSON.parse(document.getElementById('leaders-heatmap-data').textContent).csv"
    )
    headers = first.locator("thead th").all_inner_texts()
    assert headers == payload["columns"]
    assert first.locator("tbody tr").count() == min(500, len(payload["rows"]))
    # text cells as the data hold them (numbers are written as the browser writes them)
    cells = first.locator("tbody tr").first.locator("td").all_inner_texts()
    row = payload["rows"][0]
    assert len(cells) == len(row)
    assert [c for c, v in zip(cells, row, strict=True) if isinstance(v, str)] == [
        v for v in row if isinstance(v, str)
    ]
    assert problems == []


def test_a_sample_charts_image_is_saved_with_the_sample_label(
    sample: tuple[Path, str], tab: Tab, tmp_path: Path
) -> None:
    page, problems = open_page(tab, site_of(sample) / "index.html")
    page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
    chart = page.locator("div.chart").first
    chart.hover()
    # Plotly's own image button is replaced on a sample chart by one that adds the label;
    # nothing offers to send the chart to a server
    titles = chart.locator(".modebar-btn").evaluate_all("bs => bs.map(b => b.dataset.title)")
    assert "Download plot as a png" not in titles
    assert not [t for t in titles if "Share" in t or "Cloud" in t or "Studio" in t], titles
    saved = save_image(page, chart, tmp_path)
    assert saved.name == "sample-leaders-heatmap.png"
    assert saved.read_bytes().startswith(b"\x89PNG")
    # the same image from the button under the chart, which a keyboard reaches
    page.locator("button.image").first.focus()
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == saved.name
    pressed = tmp_path / "pressed.png"
    download.value.save_as(pressed)
    assert pressed.read_bytes().startswith(b"\x89PNG")
    # the label is drawn on the image, not on the page's own chart
    labels = page.evaluate(
        "() => (document.querySelector('div.chart').layout.annotations || []).map(a => a.text)"
    )
    assert "SYNTHETIC SAMPLE DATA: do not cite" not in labels
    assert problems == []


def test_source_strings_cannot_inject_script(
    sample: tuple[Path, str], tab: Tab, tmp_path: Path
) -> None:
    database = tmp_path / "qcm.duckdb"
    shutil.copyfile(sample[0] / "out" / "qcm.duckdb", database)
    con = duckdb.connect(str(database))
    con.execute(
        "update marts.publication_indicators set entity_name = ? where entity_code = 'DEU'",
        [ATTACK],
    )
    con.execute("update marts.countries set name = ? where iso3 = 'DEU'", [ATTACK])
    con.execute(
        "update marts.coauthorship_pairs set country_a_name = ? where country_a = 'DEU'", [ATTACK]
    )
    con.execute(
        "update marts.workforce_flows set origin_name = ? where origin_iso3 = 'DEU'", [ATTACK]
    )
    con.execute(
        "update marts.workforce_indicators set entity_name = ? where entity_code = 'DEU'", [ATTACK]
    )
    con.execute(
        "update marts.workforce_producers set country_name = ? where country_iso3 = 'DEU'", [ATTACK]
    )
    con.close()
    site = tmp_path / "site"
    build_site(database, site)
    for path in site.rglob("*.html"):
        assert ATTACK not in path.read_text(encoding="utf-8"), path
    page, problems = tab
    for name in ("index.html", "country/DEU.html", "approach/trapped_ion.html", "workforce.html"):
        page.goto((site / name).as_uri())
        page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
        assert page.title() != "pwned" and problems == [], (name, problems)
        assert page.locator("img[src=x]").count() == 0


def test_screenshots_of_the_main_pages(
    sample: tuple[Path, str], browser: Any, tmp_path: Path
) -> None:
    # every page of the showcase is in the site (each is drawn by the test of every kind
    # of page); two of them are shot here, in order, and a page the site lacks is skipped
    site = site_of(sample)
    assert all((site / name).is_file() for name in SHOWCASE)
    absent = "country/NOT-A-COUNTRY.html"
    assert not (site / absent).exists()
    pages = ("workforce.html", absent, "index.html")
    shots = take_screenshots(site, tmp_path / "shots", pages, browser=browser)
    assert [p.name for p in shots] == ["workforce.png", "index.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") and p.stat().st_size > 20_000 for p in shots)
