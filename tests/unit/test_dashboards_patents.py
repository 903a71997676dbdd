"""The patent pages on a small hand-made published file: rankings, applicants, escaping, SQL."""

from __future__ import annotations

import dataclasses
import html
import json
from pathlib import Path

import duckdb
import polars as pl
import pytest

from dashboards.data import SiteData, load
from dashboards.families import patents
from dashboards.page import Page, Section
from dashboards.site import _drop_empty_charts, _environment, country_codes, facts
from tests.site_pages import charts, replaced, site_data

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


def _indicator_rows(
    families: dict[str, tuple[str, float, float, float]],
    inventors: dict[str, tuple[str, float]] | None = None,
) -> list[dict]:
    """Whole, fractional and world-share rows for every country and the world.

    ``families`` maps a code to (name, all, international, superconducting share) per
    priority year, by applicant; ``inventors`` adds countries credited by inventor only.
    """
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
                    for code, (name, a, i, s) in families.items()
                }
                world = sum(n for _, n in counts.values())
                entities = [
                    ("country", code, name, n, "applicant")
                    for code, (name, n) in counts.items()
                    if n
                ]
                entities.append(("world", "WLD", "World", world, "applicant"))
                entities += [
                    ("country", code, name, n * late, "inventor")
                    for code, (name, n) in (inventors or {}).items()
                ]
                for kind, code, name, n, counting in entities:
                    base = {
                        "entity_type": kind,
                        "entity_code": code,
                        "entity_name": name,
                        "approach": approach,
                        "year": year,
                        "counting": counting,
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
    """Types of the United States (companies lead), Germany (a third of unknown type) and
    the attack country (too few families to say)."""
    countries = {
        "USA": ("United States", {"company": 0.6, "university": 0.3, "government": 0.1}),
        "DEU": ("Germany", {"company": 0.45, "university": 0.2, "unknown": 0.35}),
        "XXA": (ATTACK, {"company": 1.0}),
    }
    return [
        {
            "entity_type": "country",
            "entity_code": code,
            "entity_name": name,
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
        for code, (name, shares) in countries.items()
        for year in YEARS
        for scope in ("all", "international")
        for kind, share in shares.items()
    ]


def _publish(
    path: Path,
    families: dict[str, tuple[str, float, float, float]] = FAMILIES,
    families_in_scope: int | None = 1234,
) -> Path:
    """Write at ``path`` a published file holding what ``dashboards.data.load`` reads, with
    patents of ``families`` (see ``_indicator_rows``); France has inventors only."""
    con = duckdb.connect(str(path))
    for schema in ("marts", "meta"):
        con.execute(f"create schema {schema}")
    frames = {
        "marts.patent_indicators": pl.DataFrame(
            _indicator_rows(families, {"FRA": ("France", 2.0)})
        ),
        "marts.patent_top_applicants": pl.DataFrame(_top_applicants()),
        "marts.patent_applicant_types": pl.DataFrame(_applicant_types()),
        "marts.patent_cpc_map": pl.DataFrame(
            {
                "cpc_code": ["G06N10/00", "G06N10/60", "H04L9/0816"],
                "use": ["in_scope", "in_scope", "context"],
                "approach": [None, "algorithms_software", None],
                "domain": ["computing", "computing", "communication"],
                "in_live_query": ["yes", "no", "no"],
                "official_title": ["Quantum computing", None, "Key distribution"],
                "title_checked": ["yes", "no", "yes"],
                "note": ["", "", ""],
                "source": ["review", "review", "review"],
            }
        ),
        "marts.publication_indicators": pl.DataFrame(
            {
                "entity_type": ["world", "world"],
                "entity_code": ["WLD", "WLD"],
                "entity_name": ["World", "World"],
                "indicator": ["publications_whole", "publications_whole"],
                "approach": ["all", "all"],
                "year": [2025, 2026],
                "value": [100.0, 50.0],
                "year_incomplete": [False, True],
            }
        ),
        "marts.approaches": pl.DataFrame(
            {
                "approach": [
                    "all",
                    "superconducting",
                    "algorithms_software",
                    "quantum_imaging",
                    "unclassified",
                ],
                "family": ["all", "computing", "computing", "sensing", "unclassified"],
                "label": [
                    "All",
                    "Superconducting qubits",
                    "Algorithms",
                    "Quantum imaging",
                    "Not classified",
                ],
            }
        ),
        "marts.countries": pl.DataFrame(
            {
                "iso3": [*families, "FRA"],
                "name": [v[0] for v in families.values()] + ["France"],
            }
        ),
        "meta.indicators": pl.DataFrame(
            {
                "indicator": ["publications_whole", "patent_families_fractional"],
                "family": ["publications", "patents"],
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
                    "share_interval_level",
                    "patent_method_version",
                    "patent_classifier_version",
                    "patent_family_rule",
                    "patent_international_rule",
                ],
                "value": ["10", "0.9", "pat-1.0", "pat-1.0", "docdb-family", "two-or-more-offices"],
                "description": [
                    "",
                    "",
                    "",
                    "",
                    "The unit is the DOCDB patent family.",
                    "A family is international when two or more offices published it.",
                ],
            }
        ),
        "meta.runs": pl.DataFrame(
            {
                "run_id": ["0123456789abcdef"],
                "published_at": ["2026-11-29"],
                "mode": ["sample"],
                "data_kind": ["synthetic sample"],
                "works_in_scope": [6952],
                "source_sha256": ["9153b3d41a6155b56a9b2334"],
                "patent_families_in_scope": [families_in_scope],
            },
            schema_overrides={"patent_families_in_scope": pl.Int64},
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
def published(tmp_path: Path) -> Path:
    """A published file holding what ``dashboards.data.load`` reads, patents filled in."""
    return _publish(tmp_path / "qcm.duckdb")


@pytest.fixture
def data(published: Path) -> SiteData:
    return load(published)


def _render(sections: list[Section], data: SiteData) -> str:
    """The HTML of a page holding ``sections``, through the site's own template."""
    for section in sections:
        _drop_empty_charts(section)
    page = Page("country/USA.html", "United States", sections, "country")
    return (
        _environment()
        .get_template("page.html.j2")
        .render(page=page, root="../", facts=facts(data), sample=data.is_sample)
    )


# Sweden and Switzerland are tied, but Switzerland's float sum is larger in the last bits
# (0.1 + 0.2 > 0.3) and its code sorts first: only a rounded count and the name put
# Sweden first, on the page and in the reproduce SQL alike.
TIED = {
    "SWE": ("Sweden", 30.0, 6, 0.4),
    "CHE": ("Switzerland", (0.1 + 0.2) * 100, 6, 0.4),
    "DEU": ("Germany", 10, 2, 0.2),
}


def _ranked(tmp_path: Path, families: dict[str, tuple[str, float, float, float]]) -> SiteData:
    return load(_publish(tmp_path / "ranked.duckdb", families))


def test_load_reads_the_patent_marts(data: SiteData) -> None:
    assert data.patent_complete_year == 2024
    assert data.patent_incomplete_years == [2025, 2026]
    assert patents.window(data) == (2020, 2024)
    assert data.definitions["family"].to_list() == ["publications"]
    assert data.patent_definitions["family"].to_list() == ["patents"]
    assert data.is_sample and "synthetic sample" in data.data_kinds


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
    assert chart.figure.layout.title.text == (
        "2020-2024: China leads all patent families; United States leads international families"
    )
    said = " ".join(ranking_section.paragraphs)
    assert "The rankings differ: China ranks 3rd by international families" in said
    # the latest two priority years are greyed on the world trend, with the reason
    (trend,) = trend_section.charts
    assert [(s.x0, s.x1) for s in trend.figure.layout.shapes] == [(2024.5, 2026.5)]
    assert any("2025 and 2026 are incomplete: a patent is published" in n for n in trend.notes)
    assert trend.figure.data[0].hovertemplate.endswith("} families<extra></extra>")
    assert trend.figure.layout.yaxis.title.text == "patent families"
    assert "SYNTHETIC SAMPLE DATA" in chart.caption and "pat-1.0" in chart.caption


def test_leaders_table_has_a_caption_and_names_unmeasured_approaches(data: SiteData) -> None:
    ranking_section, _ = patents.overview(data)
    (table,) = ranking_section.tables
    assert table.caption
    assert table.rows == [
        ["Superconducting qubits", "United States", "40.0", "United States", "24.0"]
    ]
    assert "priority years 2020-2024; unit: patent families (fractional count)" in table.caption
    assert "patent classifier pat-1.0" in table.caption
    assert table.caption.endswith("SYNTHETIC SAMPLE DATA.")
    said = ranking_section.paragraphs
    assert (
        "Quantum imaging: not measured by the patent classifier (no CPC code or keyword rule "
        "assigns it; see Methods)." in said
    )
    assert "No patent family in 2020-2024 for: Algorithms." in said


def test_an_unmeasured_approach_says_so_instead_of_no_families(data: SiteData) -> None:
    assert patents.unmeasured(data) == ["quantum_imaging"]
    (section,) = patents.approach(data, "quantum_imaging")
    assert section.heading == "Patents: not measured by the patent classifier"
    assert section.paragraphs == [
        "Quantum imaging is not measured by the patent classifier (no CPC code or keyword "
        "rule assigns it; see Methods)."
    ]
    (measured_but_empty,) = patents.approach(data, "algorithms_software")
    assert measured_but_empty.heading == "Patents: no algorithms families in 2020-2024"
    strengths = {s.heading: s for s in patents.country(data, "USA")}
    assert (
        "Quantum imaging is not measured by the patent classifier"
        in (strengths["Patents: strengths across approaches"].paragraphs[0])
    )


def test_most_specialised_only_when_two_qualify_and_the_top_is_above_one(
    data: SiteData, tmp_path: Path
) -> None:
    # superconducting: China 0.47, Germany 0.94, United States 1.88 (all 10+ families)
    sections = {s.heading: s for s in patents.approach(data, "superconducting")}
    (special,) = sections["Patents: specialisation"].charts
    assert special.figure.layout.title.text == (
        "United States is the most specialised in superconducting qubits patents, 2020-2024"
    )
    assert special.figure.data[0].hovertemplate == (
        "%{y}: %{x:.2f} (%{customdata:,} families)<extra></extra>"
    )
    assert special.figure.layout.xaxis.title.text == "activity index (1 = world average)"
    # the United States has 10+ families in one approach only: nothing to compare
    profile = {s.heading: s for s in patents.country(data, "USA")}
    (bars,) = profile["Patents: strengths across approaches"].charts
    assert html.unescape(bars.figure.layout.title.text) == (
        "Activity index of United States' approaches with 10+ families, 2020-2024"
    )
    # everyone at the world average: nobody is the most specialised
    even = _ranked(tmp_path, {"CHN": ("China", 30, 3, 0.2), "USA": ("United States", 20, 12, 0.2)})
    (flat,) = {s.heading: s for s in patents.approach(even, "superconducting")}[
        "Patents: specialisation"
    ].charts
    assert flat.figure.layout.title.text == (
        "Activity index of the countries with 10+ superconducting qubits families, 2020-2024"
    )


def test_applicant_type_titles(data: SiteData) -> None:
    def title(iso3: str) -> str:
        sections = {s.heading: s for s in patents.country(data, iso3)}
        (chart,) = sections["Patents: who applies"].charts
        return html.unescape(chart.figure.layout.title.text)

    assert title("USA") == "Companies hold 60% of United States' applicant credit, 2020-2024"
    assert title("DEU") == (
        "Companies hold 45% of Germany's applicant credit, 2020-2024; "
        "35% of the credit is of unknown type"
    )
    # five families over the window: below the small-number threshold of ten
    assert title("XXA").startswith("Applicant types of ")
    assert "hold" not in title("XXA")
    types = patents.applicant_types(data, "country", "DEU")
    assert patents.types_title(types, 0, "Germany", 10, "2020-2024") == (
        "Applicant types of Germany's patent families, 2020-2024"
    )


def test_country_lists_its_top_applicants_in_rank_order(data: SiteData) -> None:
    sections = {s.heading: s for s in patents.country(data, "USA")}
    applicants = sections["Patents: top applicants"]
    (table,) = applicants.tables
    assert [row[:4] for row in table.rows] == [
        ["1", "Alpha Corp", "USA", "Companies"],
        ["2", ATTACK, "USA", "Companies"],
        ["3", "Gamma Labs", "USA", "Universities"],
    ]
    assert applicants.paragraphs[0].startswith(
        "The three applicants from United States with the most quantum patent families over "
        "all priority years, including the incomplete latest ones."
    )
    assert table.caption.startswith("all priority years pooled, including the incomplete 2025 ")
    assert "SYNTHETIC SAMPLE DATA" in table.caption and "pat-1.0" in table.caption
    share = sections["Patents: share of the world"].charts[0]
    assert "United States holds 32.8% of the world" in share.figure.layout.title.text
    assert [(s.x0, s.x1) for s in share.figure.layout.shapes] == [(2024.5, 2026.5)]
    (types,) = sections["Patents: who applies"].charts
    assert types.data.filter(pl.col("applicant_type") == "company")["share"].to_list() == (
        pytest.approx([0.6, 0.6])
    )


def test_a_country_without_patents_gets_a_sentence_not_empty_charts(data: SiteData) -> None:
    # France is credited by inventors only: no family has an applicant there
    (section,) = patents.country(data, "FRA")
    assert section.charts == [] and "France" in section.paragraphs[0]


def test_country_pages_count_applicant_families_only(data: SiteData) -> None:
    codes = [code for code, _ in country_codes(data)]
    assert sorted(codes) == ["CHN", "DEU", "USA", "XXA"]  # not FRA (inventors only)


def test_injected_names_are_escaped_in_charts_and_html(data: SiteData) -> None:
    sections = patents.overview(data) + patents.approach(data, "superconducting")
    sections += patents.country(data, "USA") + patents.country(data, "XXA")
    payloads = json.dumps([c.payload()["figure"] for s in sections for c in s.charts])
    assert ATTACK not in payloads and ESCAPED in payloads
    page = _render(sections, data)
    assert ATTACK not in page and ESCAPED in page


def test_every_table_caption_reaches_the_page(data: SiteData) -> None:
    page = _render(patents.overview(data) + patents.country(data, "USA"), data)
    assert page.count("<caption>") == 2
    assert "including the incomplete 2025 and 2026; unit: patent families" in page


def test_header_counts_works_and_patent_families(data: SiteData, tmp_path: Path) -> None:
    header = _render([], data).split('<p class="facts">')[1].split("</p>")[0]
    assert "6,952 works and 1,234 patent families in scope" in header
    assert "latest complete year 2025 for publications, 2024 for patent priority" in header
    assert "sources snapshot 9153b3d41a61 (SHA-256 over every source file)" in header
    older = load(_publish(tmp_path / "older.duckdb", families_in_scope=None))
    header = _render([], older).split('<p class="facts">')[1].split("</p>")[0]
    assert "6,952 works in scope" in header and "patent families" not in header
    # a build whose every publication year is still filling (a first fetch of one year)
    filling = dataclasses.replace(data, complete_year_filling=True)
    header = _render([], filling).split('<p class="facts">')[1].split("</p>")[0]
    assert "no complete publication year yet (2025 still filling), 2024 for patent" in header


def test_methods_mark_unchecked_cpc_titles(data: SiteData) -> None:
    sections = {s.heading: s for s in patents.methods(data)}
    cpc_section = sections["Patents: which families count (the CPC map)"]
    (cpc,) = cpc_section.tables
    checked = {row[0]: row[-1] for row in cpc.rows}
    assert checked == {"G06N10/00": "yes", "G06N10/60": "NO: title unverified", "H04L9/0816": "yes"}
    approach = {row[0]: row[2] for row in cpc.rows}
    assert approach == {
        "G06N10/00": "keyword rules decide",
        "G06N10/60": "Algorithms",
        "H04L9/0816": "-",  # context only: places nothing
    }
    assert any(
        "No CPC code or keyword rule assigns Quantum imaging" in p for p in cpc_section.paragraphs
    )
    assert sections["Patents: reproduce the ranking"].code == patents.reproduce_sql()


def _sql_rows(database: Path) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    rows = con.execute(patents.reproduce_sql()).fetchall()
    con.close()
    return rows


def _chart_rows(data: SiteData) -> list[tuple]:
    """The overview ranking chart's rows, as the reproduce SQL prints them."""
    chart = patents.overview(data)[0].charts[0]
    return [
        (
            r["family_scope"],
            r["entity_code"],
            r["entity_name"],
            round(r["families_fractional"], 1),
            r["families_whole"],
        )
        for r in chart.data.iter_rows(named=True)
    ]


def test_reproduce_sql_gives_the_charts_rows_in_the_charts_order(
    published: Path, data: SiteData, tmp_path: Path
) -> None:
    rows = _sql_rows(published)
    assert rows == _chart_rows(data)
    assert rows[0][:4] == ("all", "CHN", "China", 150.0)
    # a tie, broken by name on the page and in the SQL, though codes sort the other way and
    # the float sums differ in the last bits
    database = _publish(tmp_path / "tied.duckdb", TIED)
    rows = _sql_rows(database)
    assert [r[2] for r in rows[:3]] == ["Sweden", "Switzerland", "Germany"]
    assert rows == _chart_rows(load(database))


def test_equal_counts_are_tied_not_led(tmp_path: Path) -> None:
    data = _ranked(tmp_path, TIED)
    title, sentence = patents.compare_rankings(patents.ranking(data, "all"), 0.9)
    assert title == (
        "Sweden and Switzerland are tied on all patent families; "
        "Sweden and Switzerland are tied on international families"
    )
    assert "leads" not in title and "leads" not in sentence
    assert "Sweden and Switzerland are tied with 150.0 families each" in sentence
    (table,) = patents.overview(data)[0].tables
    assert table.rows[0][1] == "Sweden and Switzerland (tied)"


def test_a_lead_within_the_intervals_or_on_few_families_is_said_to_be_one(
    tmp_path: Path,
) -> None:
    close = _ranked(tmp_path, {"SWE": ("Sweden", 20, 7, 0.4), "CHE": ("Switzerland", 19, 6, 0.4)})
    ranked = patents.ranking(close, "all")
    # 100 and 95 of the window's 195 families at the file's level 0.9 (z^2 = 2.7055): centres
    # (p + 2.7055/390) / (1 + 2.7055/195), half-width 1.6449 * sqrt(p(1 - p)/195 +
    # 2.7055/152100) / 1.01387 = 0.05847: Sweden from 0.4542 and Switzerland to 0.5458
    sweden, switzerland = ranked["all"].head(2).iter_rows(named=True)
    assert (round(sweden["ci_low"], 4), round(sweden["ci_high"], 4)) == (0.4542, 0.5711)
    assert (round(switzerland["ci_low"], 4), round(switzerland["ci_high"], 4)) == (0.4289, 0.5458)
    assert sweden["interval_method"] == "wilson-90"
    title, sentence = patents.compare_rankings(ranked, 0.9)
    assert title.startswith(
        "Sweden is ahead of Switzerland in all patent families, but the intervals overlap; "
    )
    assert "but the 90% intervals of their world shares overlap" in sentence
    few = _ranked(
        tmp_path / "..", {"SWE": ("Sweden", 1, 1, 0.5), "CHE": ("Switzerland", 0.2, 0, 0.0)}
    )
    title, sentence = patents.compare_rankings(patents.ranking(few, "all"), 0.9)
    assert title == (
        "Sweden is ahead of Switzerland in all patent families, but on few families; "
        "Sweden is the only country with international families (few of them)"
    )
    assert "leads" not in sentence


def test_a_leader_without_international_families_is_said_to_have_none(tmp_path: Path) -> None:
    data = _ranked(tmp_path, {"CHN": ("China", 30, 0, 0.1), "USA": ("United States", 20, 12, 0.4)})
    title, sentence = patents.compare_rankings(patents.ranking(data, "all"), 0.9)
    assert title == (
        "China leads all patent families; "
        "United States is the only country with international families"
    )
    assert "The rankings differ: China has no international family" in sentence
    assert "not in the top" not in sentence


def test_applicant_type_shares_sum_the_years_in_order_whatever_the_rows_order() -> None:
    # fractional credits whose float sum depends on its order (0.6 or 0.6000000000000001)
    rows = pl.DataFrame(
        [
            {
                "entity_type": "country",
                "entity_code": "DEU",
                "approach": "all",
                "year": year,
                "family_scope": "all",
                "applicant_type": "company",
                "numerator": credit,
                "denominator": credit,
            }
            for year, credit in ((2022, 0.1), (2023, 0.2), (2024, 0.3))
        ]
    )
    data = site_data(
        approaches={"all": "All"},
        countries={"DEU": "Germany"},
        complete_year=2024,
        incomplete_year=None,
        patent_complete_year=2024,
        patent_applicant_types=rows,
    )
    # a grouping's sum of 0.1, 0.2, 0.3 in year order (the order of groups changes with the
    # process's hash seed, so one process cannot show the old fault)
    years = pl.DataFrame({"scope": ["all"] * 3, "credit": [0.1, 0.2, 0.3]})
    in_year_order = years.group_by("scope").agg(pl.col("credit").sum()).item(0, "credit")
    assert patents.applicant_types(data, "country", "DEU").rows() == [
        ("All families", "company", 1.0, in_year_order, in_year_order)
    ]
    for seed in range(10):
        shuffled = replaced(
            data, patent_applicant_types=rows.sample(fraction=1.0, shuffle=True, seed=seed)
        )
        assert patents.applicant_types(shuffled, "country", "DEU")["denominator"].to_list() == [
            in_year_order
        ]


def _suppressed(path: Path) -> SiteData:
    """The release at ``path`` as one that suppresses small numbers publishes it: every
    patent indicator row flagged small without its numbers, the setting recorded."""
    con = duckdb.connect(str(path))
    con.execute(
        "update marts.patent_indicators set value = null, numerator = null, "
        "denominator = null, families_whole = null where small_n"
    )
    con.execute("create table meta.publication_settings (key varchar, value varchar)")
    con.execute("insert into meta.publication_settings values ('small_numbers', 'suppress')")
    con.close()
    return load(path)


def test_suppressed_years_are_left_out_of_sums_and_never_read_as_none(tmp_path: Path) -> None:
    # every year (2020-2024 ranked): China 30 families, 3 international; the United States
    # 20 and 12; Germany 10 and 6; XXA 1 and 1: international families of all but the
    # United States are under 10, suppressed
    data = _suppressed(_publish(tmp_path / "suppressed.duckdb"))
    assert data.suppresses and data.suppressed["patent_indicators"] > 0
    frames = patents.ranking(data, "all")
    # Germany's 50 families over the window are whole; XXA's suppressed years leave it out
    assert frames["all"]["entity_code"].to_list() == ["CHN", "USA", "DEU"]
    assert frames["all"]["families_fractional"].to_list() == [150.0, 100.0, 50.0]
    # the world's 61 families a year are all published: the shares are of all of them
    assert frames["all"]["share"][0] == pytest.approx(150 / 305)
    assert frames["international"]["entity_code"].to_list() == ["USA"]
    left = patents.left_out(data, "all")
    assert left["international"].countries == {"CHN", "DEU", "XXA"}
    assert left["all"].countries == {"XXA"} and not left["all"].world
    title, sentence = patents.compare_rankings(frames, 0.9, left)
    assert "United States is the only country ranked with international families" in title
    assert "China is not ranked by international families" in sentence
    assert "has no international family" not in sentence
    assert "countries with a year too small to publish in these years are left out" in sentence
    # superconducting: every country's count is under 10 a year (the world's 13 is not)
    assert patents.ranking(data, "superconducting")["all"].height == 0
    [section] = patents.approach(data, "superconducting")
    assert section.heading == (
        "Patents: too few superconducting qubits families to rank in 2020-2024"
    )
    assert "every country with families has a year too small" in section.paragraphs[0]
    # Germany's page: its international years are gaps, never zeros
    trend, share = (s.charts[0] for s in patents.country(data, "DEU")[:2])
    assert trend.figure.layout.title.text == (
        "Germany: 10.0 quantum patent families with 2024 priority, the international ones "
        "too few to publish"
    )
    international = trend.data.filter(pl.col("entity_name") == "International families")
    assert international["value"].null_count() == international.height
    assert patents.SUPPRESSED_GAPS in trend.notes and patents.SUPPRESSED_GAPS in share.notes
    shares = share.data.filter(pl.col("entity_name") == "International families")
    assert shares["value"].null_count() == shares.height
    assert shares["ci_low"].null_count() == shares.height
    # XXA, all of whose rows are suppressed, is too small, not without patents
    [only] = patents.country(data, "XXA")
    assert only.paragraphs == [
        f"{ATTACK}'s quantum patent families are too few to publish in every year: this "
        "release suppresses small numbers."
    ]


def test_an_adjacent_approach_has_no_patent_activity_index_and_the_page_says_why(
    data: SiteData,
) -> None:
    # superconducting made adjacent (as post-quantum cryptography is): its families are not
    # all in all, so no country has an index there, and its page says why
    families = data.approaches.with_columns(
        family=pl.when(pl.col("approach") == "superconducting")
        .then(pl.lit("adjacent"))
        .otherwise(pl.lit("computing"))
    )
    adjacent = dataclasses.replace(data, approaches=families)
    assert patents.activity(data, approach="superconducting").height > 0
    assert patents.activity(adjacent, approach="superconducting").height == 0
    special = {s.heading: s for s in patents.approach(adjacent, "superconducting")}[
        "Patents: specialisation"
    ]
    assert special.charts == []
    assert special.paragraphs[0].startswith(
        "No activity index for superconducting qubits: it is an adjacent approach"
    )


def test_a_leaders_trend_title_on_few_families_says_so(data: SiteData) -> None:
    # the United States' 8 superconducting families of 2024 are under the threshold (10)
    trend = charts(patents.approach(data, "superconducting"))["patents-superconducting-trend"]
    assert trend.figure.layout.title.text == (
        "United States had the most superconducting qubits patent families with 2024 priority "
        "(8.0, few families) among the five leaders"
    )
