"""The patent pages on a small hand-made published file: rankings, applicants, escaping, SQL."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl
import pytest

from dashboards.data import SiteData, load
from dashboards.families import patents
from dashboards.page import Page, Section
from dashboards.site import _drop_empty_charts, _environment

pytestmark = pytest.mark.unit
ATTACK = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
YEARS = range(2015, 2027)
INCOMPLETE = (2025, 2026)
# families per priority year (all, international) and the share in superconducting:
# China files most, mostly at one office; the United States files most abroad.
FAMILIES = {
    "CHN": ("China", 30, 3, 0.1),
    "USA": ("United States", 20, 12, 0.4),
    "DEU": ("Germany", 10, 6, 0.2),
    "XXA": (ATTACK, 1, 1, 0.0),
}


def _indicator_rows() -> list[dict]:
    """Whole, fractional and world-share rows for every country and the world."""
    rows = []
    for year in YEARS:
        late = 0.5 if year in INCOMPLETE else 1.0  # the latest years thin out
        for scope in ("all", "international"):
            for approach in ("all", "superconducting"):
                counts = {
                    code: (
                        name,
                        (a if scope == "all" else i) * late * (1 if approach == "all" else s),
                    )
                    for code, (name, a, i, s) in FAMILIES.items()
                }
                world = sum(n for _, n in counts.values())
                entities = [("country", code, name, n) for code, (name, n) in counts.items() if n]
                entities.append(("world", "WLD", "World", world))
                for kind, code, name, n in entities:
                    base = {
                        "entity_type": kind,
                        "entity_code": code,
                        "entity_name": name,
                        "approach": approach,
                        "year": year,
                        "counting": "applicant",
                        "family_scope": scope,
                        "families_whole": round(n),
                        "small_n": n < 10,
                        "year_incomplete": year in INCOMPLETE,
                        "method_version": "pat-1.0",
                        "data_kind": "synthetic sample",
                    }
                    for indicator, value, denominator, unit in (
                        ("patent_families_whole", float(round(n)), None, "patent families"),
                        ("patent_families_fractional", n, None, "patent families (fractional)"),
                        ("patent_world_share", n / world, float(world), "share (0-1)"),
                    ):
                        rows.append(
                            base
                            | {
                                "indicator": indicator,
                                "value": value,
                                "numerator": n,
                                "denominator": denominator,
                                "unit": unit,
                            }
                        )
    return rows


def _top_applicants() -> list[dict]:
    """Top applicants, inserted out of rank order on purpose; one name is an attack."""
    names = [(3, "Gamma Labs", "university", 5.0), (1, "Alpha Corp", "company", 40.0)]
    names.append((2, ATTACK, "company", 12.5))
    rows = []
    for kind, code, name in (("country", "USA", "United States"), ("world", "WLD", "World")):
        for rank, applicant, applicant_type, fractional in names:
            rows.append(
                {
                    "entity_type": kind,
                    "entity_code": code,
                    "entity_name": name,
                    "approach": "all",
                    "family_scope": "all",
                    "rank": rank,
                    "applicant": applicant,
                    "applicant_type": applicant_type,
                    "applicant_country": "USA",
                    "families_whole": int(fractional) + 1,
                    "families_fractional": fractional,
                    "first_year": 2016,
                    "last_year": 2024,
                    "method_version": "pat-1.0",
                    "data_kind": "synthetic sample",
                }
            )
    return [r | {"approach": "superconducting"} for r in rows] + rows


def _applicant_types() -> list[dict]:
    shares = {"company": 0.6, "university": 0.3, "government": 0.1}
    return [
        {
            "entity_type": "country",
            "entity_code": "USA",
            "entity_name": "United States",
            "approach": "all",
            "year": year,
            "family_scope": scope,
            "applicant_type": kind,
            "share": share,
            "numerator": share * 20,
            "denominator": 20.0,
            "method_version": "pat-1.0",
            "data_kind": "synthetic sample",
        }
        for year in YEARS
        for scope in ("all", "international")
        for kind, share in shares.items()
    ]


@pytest.fixture
def published(tmp_path: Path) -> Path:
    """A published file holding what ``dashboards.data.load`` reads, patents filled in."""
    path = tmp_path / "qcm.duckdb"
    con = duckdb.connect(str(path))
    for schema in ("marts", "meta"):
        con.execute(f"create schema {schema}")
    frames = {
        "marts.patent_indicators": pl.DataFrame(_indicator_rows()),
        "marts.patent_top_applicants": pl.DataFrame(_top_applicants()),
        "marts.patent_applicant_types": pl.DataFrame(_applicant_types()),
        "marts.patent_cpc_map": pl.DataFrame(
            {
                "cpc_code": ["G06N10/00", "G06N10/60"],
                "use": ["in_scope", "in_scope"],
                "approach": [None, "algorithms_software"],
                "domain": ["computing", "computing"],
                "in_live_query": ["yes", "no"],
                "official_title": ["Quantum computing", None],
                "title_checked": ["yes", "no"],
                "note": ["", ""],
                "source": ["review", "review"],
            }
        ),
        "marts.publication_indicators": pl.DataFrame(
            {"year": [2025, 2026], "year_incomplete": [False, True]}
        ),
        "marts.approaches": pl.DataFrame(
            {
                "approach": ["all", "superconducting", "algorithms_software", "unclassified"],
                "label": ["All", "Superconducting qubits", "Algorithms", "Not classified"],
            }
        ),
        "marts.countries": pl.DataFrame(
            {
                "iso3": [*FAMILIES, "FRA"],
                "name": [v[0] for v in FAMILIES.values()] + ["France"],
            }
        ),
        "meta.indicators": pl.DataFrame(
            {
                "indicator": ["publications_whole", "patent_families_fractional"],
                "family": ["bibliometric", "patents"],
                "name": ["Publications", "Patent families (fractional count)"],
                "definition": ["works", "families shared among applicants"],
                "unit": ["works", "patent families (fractional)"],
                "method_version": ["bib-1.0", "pat-1.0"],
            }
        ),
        "meta.methods": pl.DataFrame(
            {
                "key": [
                    "small_n_threshold",
                    "patent_method_version",
                    "patent_classifier_version",
                    "patent_family_rule",
                    "patent_international_rule",
                ],
                "value": ["10", "pat-1.0", "pat-1.0", "docdb-family", "two-or-more-offices"],
                "description": [
                    "",
                    "",
                    "",
                    "The unit is the DOCDB patent family.",
                    "A family is international when two or more offices published it.",
                ],
            }
        ),
        "meta.runs": pl.DataFrame(
            {"published_at": ["2026-11-29"], "data_kind": ["synthetic sample"]}
        ),
    }
    for table, frame in frames.items():
        con.register("frame", frame)
        con.execute(f"create table {table} as select * from frame")
        con.unregister("frame")
    for table in ("marts.coauthorship_pairs", "marts.blocs", "marts.bloc_member_years"):
        con.execute(f"create table {table} (iso3 varchar)")
    con.execute("create table meta.classifier_evaluation (approach varchar)")
    con.execute("create table meta.quarantine (reason varchar)")
    con.close()
    return path


@pytest.fixture
def data(published: Path) -> SiteData:
    return load(published)


def _render(sections: list[Section]) -> str:
    """The HTML of a page holding ``sections``, through the site's own template."""
    for section in sections:
        _drop_empty_charts(section)
    facts = dict.fromkeys(
        ("published", "data_kind", "works", "complete_year", "snapshot", "run_id", "mode"), "x"
    ) | {"version": "0", "sources": "x"}
    page = Page("country/USA.html", "United States", sections, "country")
    return (
        _environment()
        .get_template("page.html.j2")
        .render(page=page, root="../", facts=facts, sample=True)
    )


def test_load_reads_the_patent_marts(data: SiteData) -> None:
    assert data.patent_complete_year == 2024
    assert data.patent_incomplete_years == [2025, 2026]
    assert patents.window(data) == (2020, 2024)
    assert data.definitions["family"].to_list() == ["bibliometric"]
    assert data.patent_definitions["family"].to_list() == ["patents"]


def test_overview_ranks_all_and_international_families_differently(data: SiteData) -> None:
    frames = patents.ranking(data, "all")
    assert frames["all"]["entity_code"].to_list() == ["CHN", "USA", "DEU", "XXA"]
    assert frames["international"]["entity_code"].to_list() == ["USA", "DEU", "CHN", "XXA"]
    assert frames["all"]["families_fractional"].to_list()[:3] == pytest.approx([150, 100, 50])
    ranking_section, trend_section = patents.overview(data)
    chart = ranking_section.charts[0]
    shown_all, shown_intl = chart.figure.data
    assert list(shown_all.y)[::-1][:2] == ["China", "United States"]  # largest on top
    assert list(shown_intl.y)[::-1][:2] == ["United States", "Germany"]
    assert shown_all.visible and shown_intl.visible is False
    buttons = chart.figure.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == ["All families", "International families"]
    assert "China leads all patent families, United States leads international" in (
        chart.figure.layout.title.text
    )
    said = " ".join(ranking_section.paragraphs)
    assert "The rankings differ: China ranks 3rd by international families" in said
    # the latest two priority years are greyed on the world trend
    (trend,) = trend_section.charts
    assert [(s.x0, s.x1) for s in trend.figure.layout.shapes] == [(2024.5, 2026.5)]
    assert "SYNTHETIC SAMPLE DATA" in chart.caption and "pat-1.0" in chart.caption


def test_country_lists_its_top_applicants_in_rank_order(data: SiteData) -> None:
    sections = {s.heading: s for s in patents.country(data, "USA")}
    (table,) = sections["Patents: top applicants"].tables
    assert [row[:4] for row in table.rows] == [
        ["1", "Alpha Corp", "USA", "Companies"],
        ["2", ATTACK, "USA", "Companies"],
        ["3", "Gamma Labs", "USA", "Universities"],
    ]
    share = sections["Patents: share of the world"].charts[0]
    assert "United States holds 32.8% of the world" in share.figure.layout.title.text
    (types,) = sections["Patents: who applies"].charts
    assert types.data.filter(pl.col("applicant_type") == "company")["share"].to_list() == (
        pytest.approx([0.6, 0.6])
    )


def test_a_country_without_patents_gets_a_sentence_not_empty_charts(data: SiteData) -> None:
    (section,) = patents.country(data, "FRA")
    assert section.charts == [] and "France" in section.paragraphs[0]


def test_injected_names_are_escaped_in_charts_and_html(data: SiteData) -> None:
    sections = patents.overview(data) + patents.approach(data, "superconducting")
    sections += patents.country(data, "USA") + patents.country(data, "XXA")
    payloads = json.dumps([c.payload()["figure"] for s in sections for c in s.charts])
    assert ATTACK not in payloads and ESCAPED in payloads
    html = _render(sections)
    assert ATTACK not in html and ESCAPED in html


def test_methods_mark_unchecked_cpc_titles(data: SiteData) -> None:
    sections = {s.heading: s for s in patents.methods(data)}
    (cpc,) = sections["Patents: which families count (the CPC map)"].tables
    checked = {row[0]: row[-1] for row in cpc.rows}
    assert checked == {"G06N10/00": "yes", "G06N10/60": "NO: title unverified"}
    assert sections["Patents: reproduce the ranking"].code == patents.reproduce_sql()


def test_reproduce_sql_runs_on_the_published_file(published: Path) -> None:
    con = duckdb.connect(str(published), read_only=True)
    rows = con.execute(patents.reproduce_sql()).fetchall()
    con.close()
    by_scope = {}
    for scope, name, families, _ in rows:
        by_scope.setdefault(scope, []).append((name, families))
    assert by_scope["all"][0] == ("China", 150.0)
    assert by_scope["international"][0] == ("United States", 60.0)
