"""The frontier in a real browser: the composite's sliders re-rank the countries from the
family scores on the page (and Reset restores the published ranking and its intervals),
the country page's sliders move its ranks, and the frontier and research-security pages
draw every chart offline with no error; on the hand-made synthesis of
``tests/unit/test_dashboards_frontier.py`` (numbers worked out in its docstring). Then the
same pages of the real sample build: the composite embedded on the overview is the
database's, the leaders and gaps the page states are the database's, and the SQL on the
methods page rebuilds the composite.

The browser tests need Debian's ``chromium`` and Playwright's Python driver; they are
skipped with the reason when either is missing.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dashboards.browser import CHARTS_DRAWN
from dashboards.families import frontier, security
from tests import site_pages as pages
from tests.integration.conftest import Tab
from tests.integration.test_site import open_page
from tests.unit.test_dashboards_frontier import ALL, ATTACK, LABELS, SC, TOPO, hand_made

pytestmark = pytest.mark.integration
TABLE = "#{} table.composite-table tbody tr"


def _rows(page: Any, widget: str) -> list[list[str]]:
    """The cells of a composite's table as the reader sees them."""
    return page.evaluate(
        f"""() => [...document.querySelectorAll('{TABLE.format(widget)}')].map(
            tr => [...tr.querySelectorAll('td')].map(td => td.textContent))"""
    )


def test_moving_a_slider_re_ranks_the_countries_and_reset_restores_them(
    tab: Tab, tmp_path: Path
) -> None:
    data = hand_made()
    sections = frontier.overview(data)
    widget = sections[0].composites[0]
    path = pages.written(tmp_path, sections, "index.html", "Overview", "overview")
    page, problems = open_page(tab, path)
    page.wait_for_load_state("load")
    # the script draws the published ranking exactly as the page was written
    assert _rows(page, widget.id) == widget.rows
    page.select_option(f"#{widget.id} select[data-role=approach]", SC)
    published = _rows(page, widget.id)
    assert [r[1] for r in published] == ["United States", "China", "Germany", ATTACK]
    assert published[0][3:5] == ["1st to 2nd", "87%"]
    # the supply-chain weight from 1 to 10: USA 15/20 = 0.75, China 16/20 = 0.8
    slider = page.locator(f"#{widget.id} input[data-family=supply_chain]")
    slider.press("End")
    assert slider.input_value() == "10"
    moved = _rows(page, widget.id)
    assert [r[:3] for r in moved[:2]] == [["1", "China", "1.00"], ["2", "United States", "0.94"]]
    # intervals belong to the published weights: none for the reader's weights
    assert moved[0][3:] == ["-", "-", "up 1"] and moved[1][5] == "down 1"
    status = page.locator(f"#{widget.id} .composite-status").text_content()
    assert status.startswith("Your weights:")
    share = page.locator(f"#{widget.id} label.weight").nth(4).locator(".share").text_content()
    assert share == "50%"  # 10 of 3 + 2 + 1 + 2 + 10 + 2 = 20
    page.click(f"#{widget.id} button.reset")
    assert _rows(page, widget.id) == published
    assert page.locator(f"#{widget.id} .composite-status").text_content().startswith("Published")
    assert problems == []


def test_a_country_page_shows_how_its_ranks_depend_on_the_weights(tab: Tab, tmp_path: Path) -> None:
    data = hand_made()
    sections = frontier.country(data, "DEU")
    widget = sections[0].composites[0]
    path = pages.written(tmp_path, sections, "DEU.html", "Germany", "country")
    page, problems = open_page(tab, path)
    page.wait_for_load_state("load")
    assert _rows(page, widget.id) == widget.rows
    # every weight but the supply chain's to 0: superconducting ranks China 1, Germany 0.6,
    # the United States 0.5, the fourth 0 (2nd of 4); all: China 1, the United States 0.6,
    # Germany 0.5 (3rd); topological has no supply-chain score, so nothing ranks there
    for family in ("publications", "patents", "funding", "workforce", "capability"):
        page.locator(f"#{widget.id} input[data-family={family}]").press("Home")
    assert _rows(page, widget.id) == [
        [LABELS[ALL], "3", "3", "0.50", "-", "China"],
        [LABELS[SC], "2", "4", "0.60", "-", "China"],
        [LABELS[TOPO], "-", "0", "-", "-", "-"],
    ]
    assert problems == []


def test_countries_at_0_under_the_readers_weights_are_counted_not_listed(
    tab: Tab, tmp_path: Path
) -> None:
    # the supply chain alone: superconducting ranks China 1, Germany 0.6, the United
    # States 0.5, and the fourth country has nothing in it (0, last of 4)
    sections = frontier.overview(hand_made())
    widget = sections[0].composites[0]
    path = pages.written(tmp_path, sections, "index.html", "Overview", "overview")
    page, problems = open_page(tab, path)
    page.wait_for_load_state("load")
    page.select_option(f"#{widget.id} select[data-role=approach]", SC)
    for family in ("publications", "patents", "funding", "workforce", "capability"):
        page.locator(f"#{widget.id} input[data-family={family}]").press("Home")
    rows = _rows(page, widget.id)
    assert [r[:3] for r in rows[:3]] == [
        ["1", "China", "1.00"],
        ["2", "Germany", "0.60"],
        ["3", "United States", "0.50"],
    ]
    assert rows[3] == [
        "1 country scores 0 with these weights (nothing in any family they weigh): ranked "
        "last (4 of 4), not listed."
    ]
    assert len(rows) == 4 and problems == []


def test_the_sliders_rank_as_the_marts_do(tab: Tab, tmp_path: Path) -> None:
    # equal scores share the better rank, and every composite of 0 ranks last (syn-1.5)
    sections = frontier.overview(hand_made())
    path = pages.written(tmp_path, sections, "index.html", "Overview", "overview")
    page, problems = open_page(tab, path)
    page.wait_for_load_state("load")
    rows = [["A", [0.5]], ["B", [0.0]], ["C", [0.2]], ["D", [0.0]], ["E", [0.2]]]
    ranked = page.evaluate(
        "(rows) => rankApproach({rows: rows}, [1], false).map((e) => [e.row[0], e.rank])",
        rows,
    )
    assert ranked == [["A", 1], ["C", 2], ["E", 2], ["B", 5], ["D", 5]]
    assert problems == []


def test_the_frontier_and_security_pages_draw_offline(tab: Tab, tmp_path: Path) -> None:
    data = hand_made()
    for sections, path, kind in (
        (frontier.page(data), "frontier.html", "frontier"),
        (security.page(data), "security.html", "security"),
    ):
        written = pages.written(tmp_path, sections, path, kind, kind)
        page, problems = open_page(tab, written)
        page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
        drawn = page.evaluate("() => document.querySelectorAll('div.chart').length")
        assert drawn == len(pages.charts(sections)), path
        assert problems == [], (path, problems)


# ---- the real sample build ------------------------------------------------------------

SAMPLE = pytest.mark.xdist_group("sample")  # one worker builds the shared sample once


def _site(sample: tuple[Path, str]) -> Path:
    return sample[0] / "out" / "site"


def _database(sample: tuple[Path, str]) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(sample[0] / "out" / "qcm.duckdb"), read_only=True)


def _payload(text: str, element: str) -> dict:
    """The JSON a page embeds in the script element ``element``."""
    found = re.search(rf'<script type="application/json" id="{element}">(.*?)</script>', text, re.S)
    assert found, element
    return json.loads(found.group(1))


@SAMPLE
def test_the_overview_embeds_the_databases_composite(sample: tuple[Path, str]) -> None:
    """Every embedded row re-weighted by the page's rule (the weighted mean of the family
    scores over the families the composite used) gives the published composite."""
    text = (_site(sample) / "index.html").read_text(encoding="utf-8")
    payload = _payload(text, "composite-overview-data")
    con = _database(sample)
    weights = dict(con.execute("select family, weight from marts.synthesis_weights").fetchall())
    year = con.execute(
        "select max(year) from marts.synthesis_scores "
        "where family = 'composite' and not year_incomplete"
    ).fetchone()[0]
    published = {
        (a, c): (v, r)
        for a, c, v, r in con.execute(
            "select approach, entity_code, value, rank from marts.synthesis_scores "
            "where family = 'composite' and entity_type = 'country' and year = ?",
            [year],
        ).fetchall()
    }
    con.close()
    assert dict(zip(payload["families"], payload["weights"], strict=True)) == weights
    checked = 0
    for block in payload["approaches"]:
        for code, scores, value, _score, rank, *_ in block["rows"]:
            used = [
                (s, w) for s, w in zip(scores, payload["weights"], strict=True) if s is not None
            ]
            total = sum(w for _, w in used)
            mean = sum(s * w for s, w in used) / total
            assert mean == pytest.approx(published[(block["id"], code)][0], abs=1e-6), code
            assert (value, rank) == pytest.approx(published[(block["id"], code)])
            checked += 1
    assert checked == len(published)


@SAMPLE
def test_the_frontier_page_states_the_databases_leaders_and_gaps(
    sample: tuple[Path, str],
) -> None:
    text = html.unescape((_site(sample) / "frontier.html").read_text(encoding="utf-8"))
    con = _database(sample)
    year = con.execute(
        "select max(year) from marts.synthesis_scores "
        "where family = 'composite' and not year_incomplete"
    ).fetchone()[0]
    leaders = con.execute(
        "select f.approach, f.leader_name, s.rank_low, s.rank_high, f.leader_probability "
        "from marts.frontier f join marts.synthesis_scores s on s.approach = f.approach "
        "and s.year = f.year and s.family = 'composite' and s.entity_code = f.leader_iso3 "
        "where f.family = 'composite' and f.year = ?",
        [year],
    ).fetchall()
    gaps = con.execute(
        "select approach, bloc, families_within_reach from marts.frontier_blocs "
        "where is_focus_bloc and gap and year = ?",
        [year],
    ).fetchall()
    labels = dict(con.execute("select approach, label from marts.approaches").fetchall())
    con.close()
    assert leaders
    for approach, name, low, high, chance in leaders:
        span = frontier.rank_span(low, high)
        said = f"the composite leader of {labels[approach]} is {name}, rank 1 (90% interval {span})"
        assert said in text, said
        if chance:
            assert f"{said}, leads in {chance:.0%} of resamples" in text
    for approach, bloc, within in gaps:
        # a member may be within reach in funding or supply chain, which do not cover a bloc
        said = (
            f"No {bloc} member is within reach of the frontier in any family for {labels[approach]}"
            if within == ""
            else f"No {bloc} member is within reach of the frontier for {labels[approach]} in "
            f"{year} in publications, patents or researchers, on a capability metric or in the "
            "composite"
        )
        assert said in text, said
    assert 'id="frontier-all"' in text and "How rankings move: sensitivity" in text
    assert "Synthetic sample data." in text and "describes no real country" in text


@SAMPLE
def test_the_sql_on_the_methods_page_rebuilds_the_composite(sample: tuple[Path, str]) -> None:
    text = (_site(sample) / "methods.html").read_text(encoding="utf-8")
    assert 'id="composite"' in text and 'id="security"' in text
    con = _database(sample)
    rebuilt = {(c, a, y): v for c, a, y, v in con.execute(frontier.reproduce_sql()).fetchall()}
    published = {
        (c, a, y): v
        for c, a, y, v in con.execute(
            "select entity_code, approach, year, value from marts.synthesis_scores "
            "where family = 'composite' and entity_type = 'country'"
        ).fetchall()
    }
    con.close()
    assert rebuilt == pytest.approx(published)


@SAMPLE
def test_country_and_security_pages_of_the_sample(sample: tuple[Path, str]) -> None:
    site = _site(sample)
    germany = (site / "country" / "DEU.html").read_text(encoding="utf-8")
    assert '<div class="composite" id="composite-DEU" data-mode="country"' in germany
    assert "<h2>The composite: where it stands</h2>" in germany
    shares = (site / "security.html").read_text(encoding="utf-8")
    assert "Descriptive, never an accusation." in shares and 'id="security-shares"' in shares
    assert "3A904" in shares  # an export-control entry beside the shares
    assert 'href="frontier.html"' in (site / "index.html").read_text(encoding="utf-8")


@SAMPLE
def test_a_slider_on_the_sample_overview_recomputes_without_an_error(
    sample: tuple[Path, str], tab: Tab
) -> None:
    page, problems = open_page(tab, _site(sample) / "index.html")
    page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
    before = _rows(page, "composite-overview")
    for family in ("publications", "patents", "funding", "workforce", "capability"):
        page.locator(f"#composite-overview input[data-family={family}]").press("Home")
    after = _rows(page, "composite-overview")
    # only the supply chain counts now: a ranking by exports, intervals withdrawn
    assert after != before and all(row[3] == "-" for row in after)
    page.click("#composite-overview button.reset")
    assert _rows(page, "composite-overview") == before
    assert problems == []
