"""The researcher-flows page and the workforce sections of a site built from the real sample
build: the charts and method notes, the SQL that reproduces the flow diagram, the country
sections, the links, and no researcher named or identified anywhere."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from dashboards.families import workforce

# one worker builds the shared sample once and runs every test that reads it (pytest-xdist)
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("sample")]
CHARTS = (
    "workforce-sankey",
    "workforce-net",
    "workforce-net-rate",
    "workforce-producers",
    "workforce-retention",
    "workforce-stages",
)


def _site(sample: tuple[Path, str]) -> Path:
    return sample[0] / "out" / "site"


def _payload(text: str, chart: str) -> dict:
    """The JSON a page embeds for ``chart`` (figure and CSV rows)."""
    found = re.search(
        rf'<script type="application/json" id="{chart}-data">(.*?)</script>', text, re.S
    )
    assert found, chart
    return json.loads(found.group(1))


def test_workforce_page_has_its_charts_sql_and_method_notes(sample: tuple[Path, str]) -> None:
    page = _site(sample) / "workforce.html"
    assert page.exists()
    text = page.read_text(encoding="utf-8")
    for chart in CHARTS:
        assert f'id="{chart}"' in text, chart
    assert text.count("-- duckdb -readonly qcm.duckdb") == len(CHARTS)
    assert "<h2>What a move is, and what it is not</h2>" in text and 'id="caveats"' in text
    for rule in (
        "workforce_trails = profile-then-authorships",
        "workforce_year_country_rule = mode-career-alphabetical",
        "workforce_max_gap_years = 2",
        "workforce_move_rule = change-between-observed-years",
        "workforce_producer_rule = first-quantum-year",
        "workforce_retention_years = 5",
        "workforce_small_flow = 5",
    ):
        assert rule in text, rule
    assert "not a visa, a contract" in text and "Researchers who stop publishing vanish" in text
    # the sample is labelled: banner, captions and the page's own words
    assert "The researchers and moves on this page come from qcm's invented" in text
    assert "SYNTHETIC SAMPLE DATA: invented researchers and moves" in text


def test_the_flow_diagram_is_the_sql_on_the_page(sample: tuple[Path, str]) -> None:
    text = (_site(sample) / "workforce.html").read_text(encoding="utf-8")
    figure = _payload(text, "workforce-sankey")["figure"]
    sankey = figure["data"][0]
    assert sankey["type"] == "sankey" and len(sankey["link"]["value"]) == workforce.TOP_FLOWS
    menu = [b["label"] for b in figure["layout"]["updatemenus"][0]["buttons"]]
    assert menu[0] == "All researchers" and "Superconducting qubits" in menu
    code = re.search(r"<pre><code>(-- duckdb.*?marts\.workforce_flows.*?)</code></pre>", text, re.S)
    assert code
    sql = code.group(1).replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">")
    con = duckdb.connect(str(sample[0] / "out" / "qcm.duckdb"), read_only=True)
    rows = con.execute(sql).fetchall()
    con.close()
    assert [r[2] for r in rows] == sankey["link"]["value"]


def test_country_pages_have_a_workforce_section_and_the_site_links_to_the_page(
    sample: tuple[Path, str],
) -> None:
    site = _site(sample)
    germany = (site / "country" / "DEU.html").read_text(encoding="utf-8")
    assert "<h2>Researcher flows</h2>" in germany
    for chart in ("active", "flows", "origins", "destinations"):
        assert f'id="workforce-DEU-{chart}"' in germany, chart
    for column in ("Produced", "Last seen there"):
        assert f'<th scope="col">{column}</th>' in germany
    assert 'href="../workforce.html"' in germany
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="workforce.html"' in index and "<h2>Researcher flows</h2>" in index
    methods = (site / "methods.html").read_text(encoding="utf-8")
    assert "<h2>Researcher flows: the rules</h2>" in methods


def test_no_page_names_or_identifies_a_researcher(sample: tuple[Path, str]) -> None:
    con = duckdb.connect(str(sample[0] / "out" / "qcm.duckdb"), read_only=True)
    ids = {r[0] for r in con.execute("select researcher_id from marts.researchers").fetchall()}
    # the published file identifies researchers by OpenAlex id only: no names
    named = con.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'marts' and column_name in ('display_name', 'author_name')"
    ).fetchall()
    con.close()
    assert len(ids) > 1000 and named == []
    for path in _site(sample).rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not set(re.findall(r"\bA\d{6,}\b", text)) & ids, path
        # how the sample names its invented authors (in the raw records only)
        assert not re.search(r"\bResearcher \d+\b", text), path
