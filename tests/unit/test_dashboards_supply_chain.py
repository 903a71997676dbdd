"""The supply-chain page and sections on small hand-made frames: import dependence, top
exporters and their concentration, single points of failure, generic lines kept apart,
the proxy caveat under every trade chart, mirror and HS-revision notes, escaping, sample
labels, SQL that reproduces the charts, the page size, and files without the marts.

The trade (current US dollars) of the hand-made build, 2023 (the latest complete year):

    8418.69 dilution refrigerators (core; superconducting):
        USA -> DEU 60, USA -> CHN 20, DEU -> USA 10, DEU -> XXA 10
        exports USA 80, DEU 20: shares 0.8 and 0.2, HHI 0.68, a single point (USA)
    9013.20 lasers (core; trapped ions):
        DEU -> USA 30 (mirror), XXA -> USA 30, DEU -> CHN 20, CHN -> DEU 20
        exports DEU 50, XXA 30, CHN 20: shares 0.5, 0.3, 0.2, HHI 0.38, no single point
    2818.10 alumina (generic):
        CHN -> USA 90, DEU -> USA 10: China 0.9, a single point of a generic line

Import dependence M/(M+X) under every core code ('all'): USA 70/150, DEU 80/150,
CHN 40/60, XXA 10/40. 2021 has one flow (a series break) and 2024 one (incomplete).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
from pathlib import Path

import duckdb
import polars as pl
import pytest

from dashboards import data as site_data
from dashboards.data import SiteData
from dashboards.families import FAMILIES, supply_chain
from dashboards.page import Section
from tests import site_pages as pages

pytestmark = pytest.mark.unit
ATTACK = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
SCRIPT = "<script>alert(1)</script>"
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
YEAR, NOW = 2023, 2024  # the latest complete year and the incomplete one
COUNTRIES = {"CHN": "China", "DEU": "Germany", "USA": "United States", "XXA": ATTACK}
CODES = {  # HS2022 series code: (component label, role, approaches)
    "841869": ("Dilution refrigerators and cryocoolers", "core", ("superconducting",)),
    "901320": ("Lasers", "core", ("trapped_ion",)),
    "281810": ("Alumina", "generic", ("superconducting",)),
}
# (year, code, exporter, importer, US dollars, basis)
FLOWS = [
    (YEAR, "841869", "USA", "DEU", 60.0, "importer_reported"),
    (YEAR, "841869", "USA", "CHN", 20.0, "importer_reported"),
    (YEAR, "841869", "DEU", "USA", 10.0, "importer_reported"),
    (YEAR, "841869", "DEU", "XXA", 10.0, "importer_reported"),
    (YEAR, "901320", "DEU", "USA", 30.0, "mirror"),
    (YEAR, "901320", "XXA", "USA", 30.0, "importer_reported"),
    (YEAR, "901320", "DEU", "CHN", 20.0, "importer_reported"),
    (YEAR, "901320", "CHN", "DEU", 20.0, "importer_reported"),
    (YEAR, "281810", "CHN", "USA", 90.0, "importer_reported"),
    (YEAR, "281810", "DEU", "USA", 10.0, "importer_reported"),
    (2021, "901320", "DEU", "USA", 40.0, "importer_reported"),
    (NOW, "841869", "USA", "DEU", 500.0, "importer_reported"),
]
THRESHOLD = 0.5
METHOD = "supply-1.0"


def _flows(data_kind: str) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "year": year,
                "hs_code": code,
                "component_label": CODES[code][0],
                "importer_iso3": importer,
                "exporter_iso3": exporter,
                "value_usd": value,
                "basis": basis,
                "series_break": year < 2022,
                "data_kind": data_kind,
            }
            for year, code, exporter, importer, value, basis in FLOWS
        ]
    )


def _row(
    indicator: str,
    code: str,
    year: int,
    value: float,
    *,
    entity_type: str = "country",
    level: str = "component",
    hs_code: str | None = None,
    approach: str | None = None,
    numerator: float | None = None,
    denominator: float | None = None,
    mirror: float | None = None,
    unit: str = "USD",
    data_kind: str = "synthetic sample",
    bloc: str | None = None,
) -> dict:
    names = COUNTRIES | {"WLD": "World", "EU27": "EU27", "NATO": "NATO"}
    return {
        "indicator": indicator,
        "entity_type": entity_type,
        "entity_code": code,
        "entity_name": names[code],
        "level": level,
        "hs_code": hs_code,
        "component_label": CODES[hs_code][0] if hs_code else None,
        "approach": approach,
        "bloc": bloc,
        "year": year,
        "value": value,
        "numerator": numerator,
        "denominator": denominator,
        "unit": unit,
        "mirror_share": mirror,
        "value_missing": False,
        "series_break": year < 2022,
        "latest_year_incomplete": year == NOW,
        "data_kind": data_kind,
        "method_version": METHOD,
    }


def _indicators(flows: pl.DataFrame, data_kind: str) -> pl.DataFrame:
    """Exports, imports, world export shares, HHI and import dependence of ``flows``, as the
    mart holds them, plus hand-written bloc and competitor shares."""
    rows = []
    mirror = pl.col("basis") == "mirror"
    for (year, code), group in flows.group_by("year", "hs_code", maintain_order=True):
        exports = group.group_by("exporter_iso3").agg(
            pl.col("value_usd").sum(), pl.col("value_usd").filter(mirror).sum().alias("m")
        )
        imports = group.group_by("importer_iso3").agg(
            pl.col("value_usd").sum(), pl.col("value_usd").filter(mirror).sum().alias("m")
        )
        world = exports["value_usd"].sum()
        for iso3, value, m in exports.iter_rows():
            rows.append(_row("exports", iso3, year, value, hs_code=code, mirror=m / value))
            rows.append(
                _row(
                    "world_export_share",
                    iso3,
                    year,
                    value / world,
                    hs_code=code,
                    numerator=value,
                    denominator=world,
                    mirror=m / value,
                    unit="share (0-1)",
                )
            )
        for iso3, value, m in imports.iter_rows():
            rows.append(_row("imports", iso3, year, value, hs_code=code, mirror=m / value))
        hhi = sum((v / world) ** 2 for v in exports["value_usd"])
        rows.append(
            _row("supplier_hhi", "WLD", year, hhi, entity_type="world", hs_code=code, unit="HHI")
        )
        rows.append(_row("exports", "WLD", year, world, entity_type="world", hs_code=code))
    # approach level: each approach's core codes, and 'all' = every core code
    core = {c: a for c, (_, role, a) in CODES.items() if role == "core"}
    for approach in ("superconducting", "trapped_ion", "all"):
        codes = [c for c, a in core.items() if approach == "all" or approach in a]
        chosen = flows.filter(pl.col("hs_code").is_in(codes))
        for year in sorted(set(chosen["year"])):
            in_year = chosen.filter(pl.col("year") == year)
            for iso3 in COUNTRIES:
                x = in_year.filter(pl.col("exporter_iso3") == iso3)["value_usd"].sum()
                m = in_year.filter(pl.col("importer_iso3") == iso3)["value_usd"].sum()
                mm = in_year.filter(pl.col("importer_iso3") == iso3, mirror)["value_usd"].sum()
                if x + m == 0:
                    continue
                common = {"level": "approach", "approach": approach}
                rows.append(_row("exports", iso3, year, x, **common))
                rows.append(_row("imports", iso3, year, m, mirror=mm / m if m else 0.0, **common))
                rows.append(
                    _row(
                        "import_dependence",
                        iso3,
                        year,
                        m / (m + x),
                        numerator=m,
                        denominator=m + x,
                        unit="share (0-1)",
                        **common,
                    )
                )
    # blocs: the share of their imports bought inside the bloc (hand-made numbers)
    for bloc, approach, value in (
        ("EU27", "all", 0.25),
        ("NATO", "all", 0.75),
        ("EU27", "superconducting", 0.1),
    ):
        rows.append(
            _row(
                "imports_from_bloc_share",
                bloc,
                YEAR,
                value,
                entity_type="bloc",
                level="approach",
                approach=approach,
                numerator=value * 100,
                denominator=100.0,
                unit="share (0-1)",
            )
        )
    rows.append(
        _row(
            "imports_from_competitors_share",
            "USA",
            YEAR,
            0.4,
            level="approach",
            approach="all",
            numerator=28.0,
            denominator=70.0,
            unit="share (0-1)",
        )
    )
    frame = pl.DataFrame(rows, infer_schema_length=None)
    return frame.with_columns(pl.lit(data_kind).alias("data_kind"))


def _single_points(data_kind: str) -> pl.DataFrame:
    def point(approach: str, code: str, year: int, top: str, share: float, runner: str) -> dict:
        return {
            "approach": approach,
            "hs_code": code,
            "component_label": CODES[code][0],
            "role": CODES[code][1],
            "year": year,
            "top_exporter_iso3": top,
            "top_exporter_name": COUNTRIES[top],
            "top_share": share,
            "runner_up_iso3": runner,
            "runner_up_share": 1 - share,
            "world_exports_usd": 100.0,
            "hhi": share**2 + (1 - share) ** 2,
            "is_single_point": share > THRESHOLD,
            "threshold": THRESHOLD,
            "series_break": False,
            "data_kind": data_kind,
        }

    return pl.DataFrame(
        [
            point("superconducting", "841869", YEAR, "USA", 0.8, "DEU"),
            point("trapped_ion", "901320", YEAR, "DEU", 0.5, "XXA"),
            point("superconducting", "281810", YEAR, "CHN", 0.9, "DEU"),
            point("trapped_ion", "901320", NOW, "DEU", 1.0, "XXA"),  # incomplete: left out
        ]
    )


SUPPLIERS = [
    # company, country, component, label, product, url, title, checked
    (
        "Bluefors",
        "FIN",
        "dilution_refrigerators",
        "Dilution refrigerators",
        "LD systems",
        "https://bluefors.com/products/",
        "Products",
        "yes",
    ),
    (
        SCRIPT,
        "USA",
        "lasers",
        "Lasers",
        "Narrow-line lasers",
        "javascript:alert(1)",
        ATTACK,
        "no",
    ),
    (
        "Toptica",
        "DEU",
        "lasers",
        "Lasers",
        "Diode lasers",
        "https://www.toptica.com/",
        None,
        "yes",
    ),
]


def _data(with_marts: bool = True, data_kind: str = "synthetic sample") -> SiteData:
    """A SiteData holding only what the supply-chain family reads (its marts left empty,
    their default, without ``with_marts``)."""
    flows = _flows(data_kind)
    frames = (
        {
            "supply_indicators": _indicators(flows, data_kind),
            "trade_flows": flows,
            "single_points": _single_points(data_kind),
            "suppliers": pl.DataFrame(
                [
                    {
                        "company": c,
                        "country_iso3": iso3,
                        "country_name": {"FIN": "Finland"}.get(iso3, COUNTRIES.get(iso3)),
                        "component": comp,
                        "component_label": label,
                        "approaches": "",
                        "product": product,
                        "source_url": url,
                        "source_title": title,
                        "source_checked": checked,
                        "note": "",
                    }
                    for c, iso3, comp, label, product, url, title, checked in SUPPLIERS
                ]
            ),
            "supplier_counts": pl.DataFrame(
                {
                    "component": ["dilution_refrigerators", "lasers", "lasers"],
                    "component_label": ["Dilution refrigerators", "Lasers", "Lasers"],
                    "entity_type": ["bloc", "bloc", "world"],
                    "entity_code": ["EU27", "EU27", "WLD"],
                    "entity_name": ["EU27", "EU27", "World"],
                    "suppliers": [1, 1, 2],
                    "supplier_countries": [1, 1, 2],
                }
            ),
            "export_controls": pl.DataFrame(
                {
                    "regime": ["US EAR"],
                    "entry": ["3A904"],
                    "title": ["Cryogenic cooling systems"],
                    "component": ["dilution_refrigerators"],
                    "component_label": ["Dilution refrigerators"],
                    "approaches": ["superconducting;spin_silicon"],
                    "effective_date": [dt.date(2024, 9, 6)],
                    "source_url": ["https://www.federalregister.gov/d/2024-19633"],
                    "note": [""],
                }
            ),
            "hs_codes": pl.DataFrame(
                {
                    "hs_revision": ["HS2022"] * 3,
                    "hs_code": list(CODES),
                    "description": ["Refrigerating equipment n.e.c.", "Lasers", "Corundum"],
                    "series_code": list(CODES),
                    "comparable": [True, True, True],
                    "component_label": [c[0] for c in CODES.values()],
                    "component": ["dilution_refrigerators", "lasers", ""],
                    "approaches": [";".join(c[2]) for c in CODES.values()],
                    "role": [c[1] for c in CODES.values()],
                    "note": ["", "", "generic line"],
                    "source": ["hs table"] * 3,
                }
            ),
            "supply_definitions": pl.DataFrame(
                {
                    "indicator": ["import_dependence"],
                    "name": ["Import dependence"],
                    "definition": ["Imports over imports plus exports"],
                    "unit": ["share (0-1)"],
                    "method_version": [METHOD],
                }
            ),
        }
        if with_marts
        else {}
    )
    return pages.site_data(
        approaches={
            "all": "All",
            "superconducting": "Superconducting qubits",
            "trapped_ion": "Trapped ions",
            "topological": "Topological qubits",
        },
        countries=COUNTRIES,
        complete_year=YEAR,
        incomplete_year=NOW,
        data_kind=data_kind,
        **frames,
    )


def _render(sections: list[Section], kind: str = "supply_chain", sample: bool = True) -> str:
    """The HTML of a page holding ``sections``, through the site's own template."""
    return pages.render(sections, "supply_chain.html", "Supply chain", kind, sample)


def _tables(sections: list[Section]) -> list:
    return [t for s in sections for t in s.tables]


def test_years_codes_and_roles() -> None:
    data = _data()
    assert supply_chain.has_supply_chain(data) and supply_chain.is_sample(data)
    assert supply_chain.complete_year(data) == YEAR
    assert supply_chain.incomplete_years(data) == [NOW]
    assert supply_chain.hs_label("841869") == "8418.69"
    assert [c for c, _ in supply_chain.component_codes(data)] == ["841869", "901320"]
    assert supply_chain.component_codes(data, "generic") == [("281810", "Alumina")]
    assert supply_chain.single_points_year(data) == YEAR


def test_import_dependence_matrix_by_hand() -> None:
    data = _data()
    matrix = supply_chain.dependence_matrix(data, YEAR)
    everything = {
        r["entity_code"]: r
        for r in matrix.filter(pl.col("approach") == "all").iter_rows(named=True)
    }
    assert everything["USA"]["import_dependence"] == pytest.approx(70 / 150)
    assert everything["DEU"]["import_dependence"] == pytest.approx(80 / 150)
    assert everything["CHN"]["import_dependence"] == pytest.approx(40 / 60)
    assert everything["XXA"]["import_dependence"] == pytest.approx(10 / 40)
    assert (everything["USA"]["imports_usd"], everything["USA"]["exports_usd"]) == (70.0, 80.0)
    # the largest traders first: DEU and USA tie at 150 (by name), then CHN 60, XXA 40
    assert supply_chain.top_traders(matrix) == ["DEU", "USA", "CHN", "XXA"]
    assert supply_chain.top_traders(matrix, 2) == ["DEU", "USA"]
    chart = pages.charts(supply_chain.page(data))["supply-dependence"]
    heat = chart.figure.data[0]
    assert list(heat.x) == ["All core codes", "Superconducting qubits", "Trapped ions"]
    assert heat.y[-1] == "Germany"  # the largest trader on top
    usa = list(heat.y).index("United States")
    assert heat.z[usa][2] == pytest.approx(1.0)  # no laser exports, 60 imported
    assert "imports $70, exports $80" in heat.hovertext[usa][0]
    said = html.unescape(chart.figure.layout.title.text)
    assert said == "Synthetic sample: China imports 67% of its quantum-component trade, 2023"


def test_top_exporters_hhi_and_generic_lines_apart() -> None:
    data = _data()
    top = supply_chain.top_exporters(data, YEAR, "841869")
    assert top["entity_code"].to_list() == ["USA", "DEU"]
    assert top["world_export_share"].to_list() == pytest.approx([0.8, 0.2])
    assert supply_chain.world_value(data, "supplier_hhi", "841869", YEAR) == pytest.approx(0.68)
    charts = pages.charts(supply_chain.page(data))
    chart = charts["supply-exporters"]
    buttons = chart.figure.layout.updatemenus[0].buttons
    labels = [b.label for b in buttons]
    # core codes only: alumina is never in the headline chart
    assert labels == ["Dilution refrigerators and cryocoolers (8418.69)", "Lasers (9013.20)"]
    assert html.unescape(chart.figure.layout.title.text) == (
        "Synthetic sample: United States supplies 80% of world exports of 8418.69, 2023 "
        "(supplier HHI 0.68)"
    )
    assert "(supplier HHI 0.38)" in html.unescape(buttons[1].args[1]["title.text"])
    assert "281810" not in set(chart.data["hs_code"])
    assert list(chart.figure.data[1].x) == pytest.approx([0.2, 0.3, 0.5])  # largest on top
    generic = charts["supply-generic"]
    assert set(generic.data["hs_code"]) == {"281810"}
    assert "generic line" in html.unescape(generic.figure.layout.title.text)
    assert "Alumina" not in pages.text([s for s in supply_chain.page(data) if s.charts][0:2])


def test_every_trade_chart_carries_the_caveat_mirror_and_revision_notes() -> None:
    data = _data()
    sections = supply_chain.page(data) + supply_chain.country(data, "USA")
    sections += supply_chain.approach(data, "superconducting")
    charts = pages.charts(sections)
    assert len(charts) >= 8
    for chart_id, chart in charts.items():
        if chart_id == "supply-registry-counts":
            assert supply_chain.CAVEAT not in chart.caption  # a registry, not trade
            continue
        assert supply_chain.CAVEAT in chart.caption, chart_id
        assert "unit: " in chart.caption and "UN Comtrade" in chart.caption, chart_id
        assert "SYNTHETIC SAMPLE DATA" in chart.caption, chart_id
    # German laser exports rest 60% on the United States' missing report: said so
    exporters = " ".join(charts["supply-exporters"].notes)
    assert "Mirror flows" in exporters and "up to 60%" in exporters and "CIF" in exporters
    trend = " ".join(charts["supply-USA-trade"].notes)
    assert "some values of 2021 rest on an HS2017 line" in trend and "2024 is incomplete" in trend
    # the caveat box opens the page
    first = str(supply_chain.page(data)[0].paragraphs[0])
    assert 'class="caveat"' in first and supply_chain.CAVEAT in first


def test_single_points_of_failure_latest_complete_year() -> None:
    data = _data()
    core = supply_chain.single_points(data, YEAR)
    # lasers: 0.5 is not above the threshold; 2024 is incomplete; alumina is generic
    assert core[["approach", "hs_code", "top_exporter_iso3"]].rows() == [
        ("superconducting", "841869", "USA")
    ]
    generic = supply_chain.single_points(data, YEAR, core=False)
    assert generic["hs_code"].to_list() == ["281810"]
    sections = supply_chain.page(data)
    points = next(s for s in sections if s.heading == "Single points of failure")
    assert points.tables[0].rows == [
        [
            "Superconducting qubits",
            "Dilution refrigerators and cryocoolers",
            "8418.69",
            "United States",
            "80%",
            "Germany (20%)",
            "50%",
            "$100",
        ]
    ]
    assert "threshold 50%" in points.paragraphs[0]
    generic_section = next(s for s in sections if s.heading == "Generic lines, shown apart")
    assert generic_section.tables[0].rows[0][1] == "Alumina"


def test_blocs_competitors_registry_and_export_controls() -> None:
    data = _data()
    sections = supply_chain.page(data)
    charts = pages.charts(sections)
    blocs = charts["supply-blocs"]
    assert [b.label for b in blocs.figure.layout.updatemenus[0].buttons] == [
        "All core codes",
        "Superconducting qubits",
    ]
    assert list(blocs.figure.data[0].y) == ["EU27", "NATO"]  # highest on top
    assert list(blocs.figure.data[0].x) == pytest.approx([0.25, 0.75])
    assert charts["supply-competitors"].data["value"].to_list() == [0.4]
    counts = charts["supply-registry-counts"]
    assert counts.data["entity_code"].to_list() == ["EU27", "EU27"]  # blocs only
    assert "Reviewed public facts" in counts.caption
    tables = {tuple(t.columns): t for t in _tables(sections)}
    registry = tables[
        ("Company", "Headquarters", "Component", "Product", "Source", "Source checked")
    ]
    # by component label, then company ("<" sorts before "T")
    assert [r[0] for r in registry.rows] == ["Bluefors", SCRIPT, "Toptica"]
    assert [r[5] for r in registry.rows] == ["yes", "no", "yes"]
    links = {r[0]: str(r[4]) for r in registry.rows}
    assert links["Bluefors"] == (
        '<a href="https://bluefors.com/products/" rel="noopener" target="_blank">Products</a>'
    )
    assert "toptica.com</a>" in links["Toptica"]
    assert "<a" not in links[SCRIPT]  # a javascript: address is never a link
    controls = next(t for t in _tables(sections) if t.columns[0] == "Regime")
    assert controls.rows[0][:6] == [
        "US EAR",
        "3A904",
        "Cryogenic cooling systems",
        "Dilution refrigerators",
        "Superconducting qubits, spin_silicon",
        "2024-09-06",
    ]


def test_blocs_are_shown_by_their_short_names(tmp_path: Path) -> None:
    short = pl.DataFrame({"bloc": ["EU27", "NATO"], "short_name": ["The Union", "The Alliance"]})
    data = dataclasses.replace(_data(), blocs=short)
    charts = pages.charts(supply_chain.page(data))
    assert list(charts["supply-blocs"].figure.data[0].y) == ["The Union", "The Alliance"]
    assert list(charts["supply-registry-counts"].figure.data[0].x) == ["The Union"]
    # and so does the SQL beside them
    con = duckdb.connect(str(_supply_file(tmp_path / "qcm.duckdb", data)), read_only=True)
    blocs = con.execute(supply_chain.bloc_sql(YEAR)).fetchall()
    assert [r[:2] for r in blocs if r[0] == "all"] == [
        ("all", "The Alliance"),
        ("all", "The Union"),
    ]
    counts = con.execute(supply_chain.registry_sql()).fetchall()
    assert {r[1] for r in counts} == {"The Union"}
    con.close()


def test_hostile_names_are_escaped_everywhere() -> None:
    data = _data()
    sections = (
        supply_chain.page(data)
        + supply_chain.country(data, "USA")
        + supply_chain.country(data, "XXA")
        + supply_chain.approach(data, "superconducting")
        + supply_chain.overview(data)
    )
    payloads = json.dumps([c.payload()["figure"] for s in sections for c in s.charts])
    assert ATTACK not in payloads and ESCAPED in payloads
    page = _render(sections)
    assert SCRIPT not in page and SCRIPT_ESCAPED in page
    assert ATTACK not in page and "<img" not in page
    assert 'href="javascript' not in page


def test_country_section_by_hand() -> None:
    data = _data()
    sections = supply_chain.country(data, "USA")
    assert len(sections) == 1 and sections[0].heading == "Supply chain"
    charts = pages.charts(sections)
    assert set(charts) == {"supply-USA-trade", "supply-USA-dependence", "supply-USA-partners"}
    partners = charts["supply-USA-partners"].data
    # core codes only (China's alumina is left out): Germany 10 + 30 (mirror), XXA 30
    assert partners["exporter_iso3"].to_list() == ["DEU", "XXA"]
    assert partners["value"].to_list() == [40.0, 30.0]
    assert partners["share"].to_list() == pytest.approx([40 / 70, 30 / 70])
    assert partners["mirror_usd"].to_list() == [30.0, 0.0]
    said = pages.text(sections)
    assert "In 2023, United States imported $70 and exported $80" in said
    assert "import dependence 47%" in said
    assert "1 registry supplier headquartered in United States" in said
    assert sections[0].tables[0].rows[0][0] == SCRIPT
    trade = charts["supply-USA-trade"]
    assert [b.label for b in trade.figure.layout.updatemenus[0].buttons] == [
        "All core codes",
        "Superconducting qubits",
        "Trapped ions",
    ]
    assert [t.visible for t in trade.figure.data] == [True, True] + [False] * 4
    # no trade rows: nothing at all
    assert supply_chain.country(data, "FRA") == []


def test_approach_section_ranks_dependence_and_lists_its_single_points() -> None:
    data = _data()
    sections = supply_chain.approach(data, "superconducting")
    chart = pages.charts(sections)["supply-superconducting-dependence"]
    # superconducting imports / (imports + exports): XXA 1, CHN 1 (ties by name: "<" sorts
    # before "C"), DEU 0.75, USA 10/90
    assert chart.data["label"].to_list() == [ATTACK, "China", "Germany", "United States"]
    assert chart.data["value"].to_list() == pytest.approx([1.0, 1.0, 0.75, 10 / 90])
    assert sections[0].tables[0].rows[0][2] == "United States"
    assert (
        "1 single point of failure in 2023: Dilution refrigerators and cryocoolers (HS 8418.69), "
        "United States 80% of world exports." in pages.text(sections)
    )
    assert supply_chain.approach(data, "topological") == []


def test_methods_overview_and_sample_labels() -> None:
    data = _data()
    said = pages.text(supply_chain.methods(data))
    for words in ("CIF", "FOB", "not adjust", "HS2017", "revealed comparative", "HHI", "50%"):
        assert words in said, words
    assert "registry" in said and "not a census" in said
    assert (supply_chain.methods(data)[-1].code or "").startswith("-- duckdb -readonly")
    overview = pages.text(supply_chain.overview(data))
    assert "1 core component line had a single point of failure" in overview
    # the four traders of the data, not the TOP_COUNTRIES of the matrix, are compared
    opening = f"Of the 4 countries with a {YEAR} import dependence, China depends most on "
    assert opening + "imports (67%" in overview
    page = _render(supply_chain.page(data))
    assert "Synthetic sample data." in page
    live = _data(data_kind="live")
    text = pages.text(
        supply_chain.page(live) + supply_chain.country(live, "USA") + supply_chain.methods(live)
    )
    assert "SYNTHETIC" not in text and "Synthetic sample" not in text
    for section in supply_chain.page(data):
        if section.charts:
            assert (section.code or "").startswith("-- duckdb -readonly qcm.duckdb"), (
                section.heading
            )


def test_the_dependence_sentence_counts_the_countries_compared() -> None:
    # 16 traders, all kept by a matrix of 20, 14 of them with a dependence
    assert supply_chain.dependence_scope(14, 16, 16, 2024) == (
        "Of the 14 countries with a 2024 import dependence"
    )
    # more traders than the matrix keeps: the largest, all with a dependence, or not all
    assert supply_chain.dependence_scope(20, 20, 31, 2024) == "Of the 20 largest traders in 2024"
    assert supply_chain.dependence_scope(18, 20, 31, 2024) == (
        "Of the 18 countries with a 2024 import dependence among the 20 largest traders"
    )
    assert supply_chain.dependence_scope(1, 1, 1, 2024) == (
        "Of the 1 country with a 2024 import dependence"
    )


def test_a_file_without_supply_marts_still_renders() -> None:
    data = _data(with_marts=False)
    assert not supply_chain.has_supply_chain(data) and supply_chain.complete_year(data) is None
    assert supply_chain.overview(data) == [] and supply_chain.methods(data) == []
    assert supply_chain.country(data, "USA") == []
    assert supply_chain.approach(data, "superconducting") == []
    assert "no supply-chain tables" in pages.text(supply_chain.page(data))
    _render(supply_chain.page(data))
    assert supply_chain in FAMILIES


def _supply_file(path: Path, data: SiteData) -> Path:
    """A DuckDB file holding the supply-chain marts of ``data``, to run the page's SQL on."""
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    for table, frame in (
        ("supply_chain_indicators", data.supply_indicators),
        ("trade_flows", data.trade_flows),
        ("supply_single_points", data.single_points),
        ("supplier_counts", data.supplier_counts),
        ("hs_codes", data.hs_codes),
    ):
        con.register("frame", frame)
        con.execute(f"create table marts.{table} as select * from frame")
        con.unregister("frame")
    # the blocs' short names, where the frames hold any
    con.execute("create table marts.blocs (bloc varchar, short_name varchar)")
    if {"bloc", "short_name"} <= set(data.blocs.columns):
        con.register("frame", data.blocs)
        con.execute("insert into marts.blocs select bloc, short_name from frame")
        con.unregister("frame")
    # the exporters' totals of these hand-made flows are the sums of the flows
    con.execute(
        "create table marts.trade_country_totals as select year, hs_code, "
        "exporter_iso3 as country_iso3, 'exports' as flow, sum(value_usd) as value_usd "
        "from marts.trade_flows where exporter_iso3 <> 'UNK' group by all"
    )
    con.close()
    return path


def test_the_sql_on_the_page_reproduces_the_charts(tmp_path: Path) -> None:
    data = _data()
    con = duckdb.connect(str(_supply_file(tmp_path / "qcm.duckdb", data)), read_only=True)
    charts = pages.charts(supply_chain.page(data))
    rows = con.execute(supply_chain.dependence_sql(YEAR)).fetchall()
    heat = charts["supply-dependence"].data
    expected = {
        (r["entity_name"], r["approach"]): round(r["import_dependence"], 3)
        for r in heat.iter_rows(named=True)
    }
    assert {(r[0], r[1]): r[2] for r in rows} == expected
    top = con.execute(supply_chain.exporters_sql("841869", YEAR)).fetchall()
    assert top == [("United States", 0.8), ("Germany", 0.2)]
    points = con.execute(supply_chain.single_points_sql(YEAR)).fetchall()
    assert [(r[0], r[2], r[6]) for r in points] == [
        ("superconducting", "281810", "generic"),
        ("superconducting", "841869", "core"),
    ]
    blocs = con.execute(supply_chain.bloc_sql(YEAR)).fetchall()
    assert blocs[0][:3] == ("all", "NATO", 0.75)
    partners = con.execute(supply_chain.country_sql("USA", YEAR)).fetchall()
    assert partners == [("DEU", 40.0, 30.0), ("XXA", 30.0, None)]
    counts = con.execute(supply_chain.registry_sql()).fetchall()
    assert [r[2] for r in counts] == charts["supply-registry-counts"].data["suppliers"].to_list()
    shares = con.execute(supply_chain.reproduce_sql()).fetchall()
    laser = {r[2]: r[3] for r in shares if r[0] == "901320" and r[1] == YEAR}
    assert laser == pytest.approx({"DEU": 0.5, "XXA": 0.3, "CHN": 0.2})
    con.close()


def test_load_reads_the_supply_marts_and_their_data_kind(tmp_path: Path) -> None:
    """``dashboards.data.load`` on a file with the supply marts (and the few tables every
    build has): the frames arrive, and the trade's data kind counts as sample."""
    data = _data()
    path = _supply_file(tmp_path / "qcm.duckdb", data)
    con = duckdb.connect(str(path))
    con.execute("create schema meta")
    statements = [
        "create table marts.publication_indicators as select 2023 as year, false as "
        "year_incomplete, 'live' as data_kind",
        "create table marts.patent_indicators as select 2023 as year, false as year_incomplete",
        "create table meta.runs as select now() as published_at, 'live' as data_kind",
        "create table marts.coauthorship_pairs (a varchar)",
        "create table marts.approaches (approach varchar, label varchar)",
        "create table marts.countries (iso3 varchar, name varchar)",
        "create table marts.bloc_member_years (bloc varchar)",
        "create table meta.indicators (indicator varchar, family varchar, name varchar)",
        "insert into meta.indicators values ('import_dependence', 'supply_chain', 'Import "
        "dependence'), ('inflow', 'workforce', 'Inflow')",
        "create table meta.methods (key varchar, value varchar, description varchar)",
        "create table meta.classifier_evaluation (approach varchar)",
        "create table meta.quarantine (reason varchar)",
        "create table marts.patent_top_applicants (entity_type varchar, entity_code varchar, "
        "approach varchar, family_scope varchar, rank integer)",
        "create table marts.patent_applicant_types (a varchar)",
        "create table marts.patent_cpc_map (cpc_code varchar)",
    ]
    for sql in statements:
        con.execute(sql)
    con.register("frame", data.suppliers)
    con.execute("create table marts.suppliers as select * from frame")
    con.unregister("frame")
    con.register("frame", data.export_controls)
    con.execute("create table marts.export_controls as select * from frame")
    con.close()
    loaded = site_data.load(path)
    assert loaded.supply_indicators.height == data.supply_indicators.height
    assert loaded.trade_flows.height == len(FLOWS)
    assert loaded.single_points.height == 4 and loaded.hs_codes.height == 3
    assert loaded.suppliers["company"].to_list() == ["Bluefors", "Toptica", SCRIPT]
    assert loaded.export_controls["entry"].to_list() == ["3A904"]
    assert loaded.supply_definitions["indicator"].to_list() == ["import_dependence"]
    assert "synthetic sample" in loaded.data_kinds and loaded.is_sample


def _large_data() -> SiteData:
    """About 200 countries x 35 codes x 9 years of trade, for the page's size."""
    countries = [f"C{i:02d}" for i in range(200)]
    codes = [f"{900000 + i}" for i in range(35)]
    years = list(range(2016, 2025))
    approaches = [f"approach_{i}" for i in range(19)] + ["all"]
    grid = pl.DataFrame({"entity_code": countries}).join(pl.DataFrame({"year": years}), how="cross")
    value = (pl.col("entity_code").str.slice(1).cast(pl.Int64) + 1) * 1000.0
    base = grid.with_columns(
        pl.lit("country").alias("entity_type"),
        pl.concat_str(pl.lit("Country "), pl.col("entity_code")).alias("entity_name"),
        pl.lit(None, pl.String).alias("bloc"),
        pl.lit(None, pl.Float64).alias("numerator"),
        pl.lit(None, pl.Float64).alias("denominator"),
        pl.lit("USD").alias("unit"),
        pl.lit(0.1).alias("mirror_share"),
        pl.lit(False).alias("value_missing"),
        (pl.col("year") < 2022).alias("series_break"),
        (pl.col("year") == 2024).alias("latest_year_incomplete"),
        pl.lit("synthetic sample").alias("data_kind"),
        pl.lit(METHOD).alias("method_version"),
    )
    component = base.join(pl.DataFrame({"hs_code": codes}), how="cross").with_columns(
        pl.lit("component").alias("level"),
        pl.concat_str(pl.lit("Component "), pl.col("hs_code")).alias("component_label"),
        pl.lit(None, pl.String).alias("approach"),
    )
    parts = []
    for indicator, expr in (
        ("exports", value),
        ("imports", value / 2),
        ("world_export_share", value / 2e7),
    ):
        parts.append(
            component.with_columns(pl.lit(indicator).alias("indicator"), expr.alias("value"))
        )
    by_approach = base.join(pl.DataFrame({"approach": approaches}), how="cross").with_columns(
        pl.lit("approach").alias("level"),
        pl.lit(None, pl.String).alias("hs_code"),
        pl.lit(None, pl.String).alias("component_label"),
    )
    for indicator, expr in (
        ("exports", value),
        ("imports", value / 2),
        ("import_dependence", pl.lit(1 / 3)),
    ):
        parts.append(
            by_approach.with_columns(pl.lit(indicator).alias("indicator"), expr.alias("value"))
        )
    columns = parts[0].columns
    indicators = pl.concat([p.select(columns) for p in parts])
    small = _data()
    return pages.replaced(
        small,
        supply_indicators=indicators,
        approaches=pl.DataFrame(
            {"approach": approaches, "label": [f"Approach {a}" for a in approaches]}
        ),
        countries=pl.DataFrame({"iso3": countries, "name": [f"Country {c}" for c in countries]}),
        hs_codes=pl.DataFrame(),
        single_points=pl.DataFrame(),
    )


def test_the_page_stays_small_on_a_full_size_build() -> None:
    data = _large_data()
    page = _render(supply_chain.page(data))
    assert len(page.encode("utf-8")) < 400_000, len(page)
    assert len(pages.charts(supply_chain.page(data))["supply-exporters"].figure.data) == 35


def test_withheld_values_are_explained() -> None:
    from dashboards.families.supply_chain import _trade_notes

    frame = pl.DataFrame(
        {"value": [1.0, 2.0, 3.0], "value_missing": [True, False, None], "year": [2023] * 3}
    )
    (note,) = _trade_notes(frame)
    assert note.startswith("Withheld values: 1 of the 3 values shown rest on trade a reporter")
    assert "a lower bound" in note and "too high where the country's own value" in note
    assert _trade_notes(frame.with_columns(value_missing=pl.lit(False))) == []


def test_a_withheld_flow_is_a_lower_bound_and_the_dependence_it_leaves_out_is_explained() -> None:
    # China's exports of 2023 under every core code: a reporter withheld part of them, so
    # the mart leaves China's import dependence out
    data = _data()
    china = (
        (pl.col("entity_code") == "CHN")
        & (pl.col("year") == YEAR)
        & (pl.col("level") == "approach")
    )
    indicators = data.supply_indicators.with_columns(
        value_missing=pl.when(china & (pl.col("indicator") == "exports"))
        .then(True)
        .otherwise(pl.col("value_missing"))
    ).filter(~(china & (pl.col("indicator") == "import_dependence")))
    data = dataclasses.replace(data, supply_indicators=indicators)
    chart = pages.charts(supply_chain.page(data))["supply-dependence"]
    heat = chart.figure.data[0]
    row = list(heat.y).index("China")
    assert heat.z[row][0] is None
    assert heat.hovertext[row][0] == (
        "China, All core codes: import dependence left out: a reporter withheld a value "
        "(imports $40, exports at least $20)"
    )
    assert any(note.startswith("Withheld values: ") for note in chart.notes)
    said = pages.text(supply_chain.country(data, "CHN"))
    assert (
        "In 2023, China imported $40 and exported at least $20 under the core codes (a "
        "reporter withheld part of the exports, value_missing in the CSV; import dependence "
        "left out)." in said
    )


def test_a_year_without_trade_reported_is_a_gap_in_the_line() -> None:
    # the United States' exports of every core code reported for the first and last years
    # of its series only: the years between are gaps, not a line across them
    series = pl.DataFrame(
        {
            "approach": ["all"] * 3,
            "indicator": ["exports", "exports", "imports"],
            "year": [2020, 2023, 2021],
            "value": [2e6, 4e6, 1e6],
        }
    )
    chart = supply_chain.trade_lines(series, "t", {"all": "All core codes"}, "T", "C", [])
    exports, imports = chart.figure.data
    assert list(exports.x) == [2020, 2021, 2022, 2023]
    assert list(exports.y) == [2.0, None, None, 4.0]
    assert list(imports.y) == [None, 1.0, None, None]
    assert "A gap in a line is a year without that trade reported under the codes." in chart.notes
