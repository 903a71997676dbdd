"""The capability pages and sections on small hand-made frames (not the registry file):
the frontier over time, each country's best and its distance, the index of frontiers,
the country and approach sections, escaping of hostile registry strings, https-only
links, the banner that calls the registry real, the SQL on the pages, and files without
the marts.

The hand-made registry (the current year is 2025; organisations are invented):

    superconducting, physical qubits (higher is better; within reach: log10 2 = 0.30103):
        M001 Alpha Quantum (USA) 2019-10-23: 53, peer-reviewed          -> frontier 2019
        M002 Beta Institute (CHN) 2021-06-28: 66, preprint
        M003 Gamma Systems (USA) 2021-11-16: 127, vendor claim          -> frontier 2021
        M004 <script> (DEU and FIN, joint) 2023-03-01: 20, preprint, javascript: source
        M005 Big Claims (JPN) 2024-01-10: 1000, vendor claim, CONTESTED (not counted)
      2025: USA holds (127); China log10(127/66) = 0.28426, within reach;
            Germany and Finland log10(127/20) = 0.80277, not within reach.
    superconducting, two-qubit gate fidelity (compared as errors 1 - F; reach 1.0):
        M006 Delta Lab (CHE) 2022-05: >= 0.99                           -> frontier 2022
        M007 Alpha Quantum (USA) 2023-02-01: 0.995                      -> frontier 2023
      2025: USA holds; Switzerland log10(0.01 / 0.005) = 0.30103, within reach.
    trapped ions, two-qubit gate fidelity:
        M008 Epsilon Ions (USA) 2024-04-01: 0.999                       -> frontier 2024

Frontiers held in 2025: United States 3; China and Switzerland within reach of one each.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import math
from dataclasses import replace
from pathlib import Path

import duckdb
import polars as pl
import pytest

from dashboards import data as site_data
from dashboards.data import SiteData
from dashboards.families import FAMILIES, capability
from dashboards.page import Section
from tests import site_pages as pages

pytestmark = pytest.mark.unit
SCRIPT = "<script>alert(1)</script>"
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
ATTACK = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
NOW = 2025
PQ, FID = "physical_qubits", "two_qubit_gate_fidelity"
SC, TI = "superconducting", "trapped_ion"
COUNTRIES = {
    "CHE": "Switzerland",
    "CHN": "China",
    "DEU": "Germany",
    "FIN": "Finland",
    "JPN": "Japan",
    "USA": "United States",
}
LABELS = {SC: "Superconducting qubits", TI: "Trapped ions"}
METRICS = {  # metric: label, unit, better, transform, reach_log10
    PQ: ("Physical qubits", "qubits", "higher", "none", math.log10(2)),
    FID: ("Two-qubit gate fidelity", "fraction (0-1)", "higher", "one_minus", 1.0),
}
# id, approach, organisation, countries, result, date, metric, value, bound, quality,
# contested, primary source
MILESTONES = [
    ("M001", SC, "Alpha Quantum", "USA", "53-qubit processor", dt.date(2019, 10, 23), PQ, 53.0,
     "=", "peer_reviewed", "no", "https://doi.org/10.1234/m001"),
    ("M002", SC, "Beta Institute", "CHN", "66-qubit processor", dt.date(2021, 6, 28), PQ, 66.0,
     "=", "preprint", "no", "https://doi.org/10.48550/arXiv.0000.00002"),
    ("M003", SC, "Gamma Systems", "USA", "127-qubit processor", dt.date(2021, 11, 16), PQ,
     127.0, "=", "vendor_claim", "no", "https://www.gamma.example/news/127"),
    ("M004", SC, SCRIPT, "DEU;FIN", ATTACK, dt.date(2023, 3, 1), PQ, 20.0, "=", "preprint",
     "no", "javascript:alert(1)"),
    ("M005", SC, "Big Claims", "JPN", "1000-qubit chip", dt.date(2024, 1, 10), PQ, 1000.0, "=",
     "vendor_claim", "yes", "http://claims.example/1000"),
    ("M006", SC, "Delta Lab", "CHE", "CZ gate", dt.date(2022, 5, 1), FID, 0.99, ">=",
     "peer_reviewed", "no", "https://doi.org/10.1234/m006"),
    ("M007", SC, "Alpha Quantum", "USA", "CZ gates on a 72-qubit chip", dt.date(2023, 2, 1),
     FID, 0.995, "=", "peer_reviewed", "no", "https://doi.org/10.1234/m007"),
    ("M008", TI, "Epsilon Ions", "USA", "MS gate", dt.date(2024, 4, 1), FID, 0.999, "=",
     "peer_reviewed", "no", "https://doi.org/10.1234/m008"),
]  # fmt: skip
# approach, metric, year: (holder, new record, contested milestone that would beat it)
FRONTIER = {
    (SC, PQ, 2019): ("M001", True, None),
    (SC, PQ, 2020): ("M001", False, None),
    (SC, PQ, 2021): ("M003", True, None),
    (SC, PQ, 2022): ("M003", False, None),
    (SC, PQ, 2023): ("M003", False, None),
    (SC, PQ, 2024): ("M003", False, "M005"),
    (SC, PQ, 2025): ("M003", False, "M005"),
    (SC, FID, 2022): ("M006", True, None),
    (SC, FID, 2023): ("M007", True, None),
    (SC, FID, 2024): ("M007", False, None),
    (SC, FID, 2025): ("M007", False, None),
    (TI, FID, 2024): ("M008", True, None),
    (TI, FID, 2025): ("M008", False, None),
}
# approach, metric, year, country, its best milestone, distance (by hand)
COUNTRY_ROWS = [
    (SC, PQ, 2023, "USA", "M003", 0.0),  # an earlier year: not the current best
    (SC, PQ, NOW, "USA", "M003", 0.0),
    (SC, PQ, NOW, "CHN", "M002", math.log10(127 / 66)),
    (SC, PQ, NOW, "DEU", "M004", math.log10(127 / 20)),
    (SC, PQ, NOW, "FIN", "M004", math.log10(127 / 20)),
    (SC, FID, NOW, "USA", "M007", 0.0),
    (SC, FID, NOW, "CHE", "M006", math.log10(0.01 / 0.005)),
    (TI, FID, NOW, "USA", "M008", 0.0),
]
# approach, metric: countries with a result, within reach, frontier countries (2025)
SUMMARY = {(SC, PQ): (4, 2, "USA"), (SC, FID): (2, 2, "USA"), (TI, FID): (1, 1, "USA")}


def _by_id() -> dict[str, tuple]:
    return {m[0]: m for m in MILESTONES}


def _milestones() -> pl.DataFrame:
    rows = []
    for (
        mid,
        a,
        org,
        codes,
        result,
        date,
        metric,
        value,
        bound,
        quality,
        contested,
        url,
    ) in MILESTONES:
        names = sorted(COUNTRIES[c] for c in codes.split(";"))
        rows.append(
            {
                "milestone_id": mid,
                "approach": a,
                "approach_label": LABELS[a],
                "organisation": org,
                "countries": codes,
                "country_names": "; ".join(names),  # in name order, as the mart has them
                "system_or_result": result,
                "demonstrated_on": date,
                "year": date.year,
                "metric": metric,
                "metric_label": METRICS[metric][0],
                "value": value,
                "bound": bound,
                "unit": METRICS[metric][1],
                "source_quality": quality,
                "primary_source": url,
                "primary_source_checked": "no" if mid == "M004" else "yes",
                "secondary_source": None,
                "contested": contested,
                "contested_note": "M005 is disputed by its own later paper"
                if mid == "M005"
                else None,
                "counted": contested == "no" and quality != "secondary",
                "recorded_on": dt.date(2025, 11, 1),
                "note": "",
            }
        )
    return pl.DataFrame(rows)


def _frontier() -> pl.DataFrame:
    rows = []
    by_id = _by_id()
    for (a, metric, year), (mid, new, contested) in FRONTIER.items():
        m = by_id[mid]
        label, unit, better, _, _ = METRICS[metric]
        rows.append(
            {
                "approach": a,
                "metric": metric,
                "metric_label": label,
                "unit": unit,
                "better": better,
                "year": year,
                "best_value": m[7],
                "milestone_id": mid,
                "organisation": m[2],
                "countries": m[3],
                "demonstrated_on": m[5],
                "primary_source": m[11],
                "source_quality": m[9],
                "new_record": new,
                "contested_best_value": by_id[contested][7] if contested else None,
                "contested_milestone_id": contested,
                "method_version": "cap-1.0",
            }
        )
    return pl.DataFrame(rows)


def _countries() -> pl.DataFrame:
    by_id = _by_id()
    return pl.DataFrame(
        [
            {
                "approach": a,
                "metric": metric,
                "year": year,
                "country_iso3": iso3,
                "country_name": COUNTRIES[iso3],
                "best_value": by_id[mid][7],
                "milestone_id": mid,
                "organisation": by_id[mid][2],
                "distance_log10": distance,
                "within_reach": distance <= METRICS[metric][4],
                "holds_frontier": distance == 0,
                "method_version": "cap-1.0",
            }
            for a, metric, year, iso3, mid, distance in COUNTRY_ROWS
        ]
    )


def _summary() -> pl.DataFrame:
    best = {(a, metric): FRONTIER[(a, metric, NOW)][0] for a, metric in SUMMARY}
    return pl.DataFrame(
        [
            {
                "approach": a,
                "metric": metric,
                "year": NOW,
                "countries_with_result": n,
                "countries_within_reach": near,
                "frontier_countries": holders,
                "frontier_value": _by_id()[best[(a, metric)]][7],
                "method_version": "cap-1.0",
            }
            for (a, metric), (n, near, holders) in SUMMARY.items()
        ]
    )


def _metrics() -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "metric": metric,
                "label": label,
                "unit": unit,
                "better": better,
                "transform": transform,
                "valid_min": "0",
                "valid_max": "1" if transform == "one_minus" else "100000",
                "reach_log10": str(reach),
                "description": f"{label} as the primary source states it.",
                "source": "qcm",
            }
            for metric, (label, unit, better, transform, reach) in METRICS.items()
        ]
    )


def _data(with_marts: bool = True, data_kind: str = "synthetic sample") -> SiteData:
    """A SiteData holding only what the capability family reads (its marts left empty,
    their default, without ``with_marts``)."""
    frames = (
        {
            "milestones": _milestones(),
            "capability_frontier": _frontier(),
            "capability_countries": _countries(),
            "capability_summary": _summary(),
            "milestone_metrics": _metrics(),
            "capability_definitions": pl.DataFrame(
                {
                    "indicator": ["distance_log10"],
                    "family": ["capability"],
                    "name": ["Distance to the frontier"],
                    "definition": ["Orders of magnitude from the state of the art"],
                    "unit": ["orders of magnitude"],
                    "method_version": ["cap-1.0"],
                }
            ),
        }
        if with_marts
        else {}
    )
    return pages.site_data(
        approaches={
            "all": "All",
            SC: LABELS[SC],
            TI: LABELS[TI],
            "topological": "Topological qubits",
        },
        countries=COUNTRIES,
        complete_year=NOW - 1,
        incomplete_year=NOW,
        data_kind=data_kind,
        **frames,
    )


def _render(sections: list[Section], kind: str = "capability", sample: bool = True) -> str:
    """The HTML of a page holding ``sections``, through the site's own template."""
    return pages.render(sections, "capability.html", "Capability", kind, sample)


def test_approaches_metrics_and_current_frontier() -> None:
    data = _data()
    assert capability.has_capability(data)
    assert capability.approaches(data) == [SC, TI]  # taxonomy order; topological has none
    assert capability.metrics(data, SC) == [PQ, FID]  # the metrics table's order
    assert capability.latest_year(data, SC, PQ) == NOW
    top = capability.current_frontier(data, SC, PQ)
    assert top is not None and top["milestone_id"] == "M003" and top["best_value"] == 127.0
    info = capability.metric_info(data, FID)
    assert info["transform"] == "one_minus" and info["reach_log10"] == 1.0
    assert capability.page_path(SC) == "capability/superconducting.html"


def test_current_best_per_country_by_hand() -> None:
    best = capability.current_best(_data(), SC, PQ)
    # the latest year only (2023's row left out); the holder first, ties by name
    assert best["year"].unique().to_list() == [NOW]
    assert best["country_name"].to_list() == ["United States", "China", "Finland", "Germany"]
    assert best["distance_log10"].to_list() == pytest.approx(
        [0.0, 0.28426, 0.80277, 0.80277], abs=1e-5
    )
    assert best["within_reach"].to_list() == [True, True, False, False]


def test_frontier_index_table_and_frontiers_held() -> None:
    data = _data()
    table = capability.frontier_table(data)
    assert table.select("approach", "metric").rows() == [(SC, PQ), (SC, FID), (TI, FID)]
    assert table["best_value"].to_list() == [127.0, 0.995, 0.999]
    assert table["organisation"].to_list() == ["Gamma Systems", "Alpha Quantum", "Epsilon Ions"]
    assert table["country_names"].to_list() == ["United States"] * 3
    assert table["record_year"].to_list() == [2021, 2023, 2024]  # the year the record was set
    assert table["countries_within_reach"].to_list() == [2, 2, 1]
    assert table["others_within_reach"].to_list() == ["China", "Switzerland", ""]
    held = capability.frontiers_held(data)
    assert held.rows() == [
        ("USA", "United States", 3, 0),
        ("CHN", "China", 0, 1),
        ("CHE", "Switzerland", 0, 1),
    ]
    sections = capability.page(data)
    rows = sections[1].tables[0].rows
    assert [str(r[0]) for r in rows] == [
        '<a href="capability/superconducting.html">Superconducting qubits</a>',
        '<a href="capability/superconducting.html">Superconducting qubits</a>',
        '<a href="capability/trapped_ion.html">Trapped ions</a>',
    ]
    assert rows[0][1:7] == [
        "Physical qubits",
        "127 qubits",
        "Gamma Systems",
        "United States",
        "2021",
        "vendor claim",
    ]
    assert rows[1][2] == "0.995 fraction (0-1)" and rows[1][9] == "Switzerland"
    assert sections[1].links[0][1] == [
        ("capability/superconducting.html", LABELS[SC]),
        ("capability/trapped_ion.html", LABELS[TI]),
    ]
    chart = pages.charts(sections)["capability-held"]
    assert chart.data["holds"].to_list() == [3, 0, 0]


def test_frontier_chart_steps_at_each_record_and_colours_points_by_country() -> None:
    data = _data()
    sections = capability.approach_page(data, SC)
    charts = pages.charts(sections)
    assert set(charts) == {
        f"capability-{SC}-{PQ}-frontier",
        f"capability-{SC}-{PQ}-countries",
        f"capability-{SC}-{FID}-frontier",
        f"capability-{SC}-{FID}-countries",
    }
    fig = charts[f"capability-{SC}-{PQ}-frontier"].figure
    step = fig.data[0]
    assert step.line.shape == "hv"
    # records at 2019-10-23 and 2021-11-16, then to the end of 2025
    assert list(step.x) == pytest.approx(
        [2019 + 9 / 12 + 22 / 365, 2021 + 10 / 12 + 15 / 365, 2026.0], abs=1e-4
    )
    assert list(step.y) == [53.0, 127.0, 127.0]
    points = {html.unescape(t.name): t for t in fig.data[1:]}
    # a joint result once per partner; the contested claim drawn, as a cross
    assert list(points) == ["China", "Finland", "Germany", "Japan", "United States"]
    assert list(points["Japan"].marker.symbol) == ["x"]
    assert list(points["United States"].marker.symbol) == ["circle", "diamond"]
    assert list(points["Finland"].y) == [20.0] and list(points["Germany"].y) == [20.0]
    assert fig.layout.yaxis.type == "linear"  # 20 to 1000: under two orders of magnitude
    # fidelities drawn as errors 1 - F on a log axis
    fid = charts[f"capability-{SC}-{FID}-frontier"].figure
    assert list(fid.data[0].y) == pytest.approx([0.01, 0.005, 0.005])
    assert fid.layout.yaxis.type == "log" and "error" in fid.layout.yaxis.title.text
    said = pages.text(sections)
    assert "the frontier is 127 qubits (Gamma Systems, 2021)" in said
    assert "A contested claim (M005: 1,000 qubits) would beat the frontier" in said
    assert "4 countries with a counted result; 2 within reach" in said
    # the bars: holder first, distances by hand, the threshold drawn
    bars = charts[f"capability-{SC}-{PQ}-countries"]
    assert bars.data["country_name"].to_list()[0] == "United States"
    assert bars.figure.layout.shapes[0].x0 == pytest.approx(math.log10(2))
    # every chart: unit, source, the registry called real; every section its SQL
    for chart in charts.values():
        assert "unit:" in chart.caption and "Source: qcm's reviewed registry" in chart.caption
        assert "Real reviewed registry, not sample data." in chart.caption
        assert chart.data.height > 0
    for section in sections[1:]:
        assert (section.code or "").startswith("-- duckdb -readonly qcm.duckdb")


def test_milestone_table_links_only_https_and_marks_what_counts() -> None:
    sections = capability.approach_page(_data(), SC)
    table = next(s for s in sections if s.heading == "Physical qubits").tables[0]
    by_date = {r[0]: r for r in table.rows}
    assert list(by_date) == ["2019-10-23", "2021-06-28", "2021-11-16", "2023-03-01", "2024-01-10"]
    assert str(by_date["2019-10-23"][7]) == (
        '<a href="https://doi.org/10.1234/m001" rel="noopener" target="_blank">doi:10.1234/m001</a>'
    )
    assert "gamma.example</a>" in str(by_date["2021-11-16"][7])
    assert by_date["2023-03-01"][7] == "javascript:alert(1)"  # shown as text, not a link
    assert by_date["2024-01-10"][7] == "http://claims.example/1000"  # https only
    assert by_date["2024-01-10"][6] == "not counted: contested"
    assert by_date["2024-01-10"][8] == "M005 is disputed by its own later paper"
    assert by_date["2021-11-16"][6] == "counted (vendor claim)"
    assert by_date["2023-03-01"][2] == "Germany, Finland"
    assert by_date["2023-03-01"][5] == "preprint (source not opened yet)"
    fidelity = next(s for s in sections if s.heading == "Two-qubit gate fidelity").tables[0]
    assert fidelity.rows[0][4] == "≥ 0.99 fraction (0-1)"


def test_hostile_registry_strings_are_escaped_everywhere() -> None:
    data = _data()
    sections = (
        capability.page(data)
        + capability.approach_page(data, SC)
        + capability.approach(data, SC)
        + capability.country(data, "CHN")
        + capability.overview(data)
    )
    payloads = json.dumps([c.payload()["figure"] for s in sections for c in s.charts])
    assert SCRIPT not in payloads and SCRIPT_ESCAPED in payloads
    assert ATTACK not in payloads and ESCAPED in payloads
    page = _render(sections)
    assert SCRIPT not in page and SCRIPT_ESCAPED in page
    assert ATTACK not in page and "<img" not in page
    assert 'href="javascript' not in page and 'href="http://' not in page


def test_country_and_approach_sections_by_hand() -> None:
    data = _data()
    china = capability.country(data, "CHN")
    assert len(china) == 1 and china[0].heading == "Capability"
    assert china[0].tables[0].rows == [
        [
            "Superconducting qubits",
            "Physical qubits",
            "66 qubits",
            "Beta Institute",
            "127 qubits",
            "0.28 orders of magnitude behind (within reach)",
        ]
    ]
    assert "China holds 0 frontiers and is within reach of 1 more" in pages.text(china)
    usa = capability.country(data, "USA")
    assert [r[5] for r in usa[0].tables[0].rows] == ["holds the frontier"] * 3
    # rows that tie (each held, 0 orders behind) stay approach by approach, metric by metric
    assert [r[:2] for r in usa[0].tables[0].rows] == [
        [LABELS[SC], "Physical qubits"],
        [LABELS[SC], "Two-qubit gate fidelity"],
        [LABELS[TI], "Two-qubit gate fidelity"],
    ]
    assert ("capability/trapped_ion.html", LABELS[TI]) in usa[0].links[0][1]
    # Germany has a result, but neither holds nor is within reach: nothing
    assert capability.country(data, "DEU") == []
    section = capability.approach(data, SC)
    said = pages.text(section)
    assert (
        "Physical qubits: 127 qubits, Gamma Systems (United States, 2021); within reach: China."
        in said
    )
    assert "Two-qubit gate fidelity: 0.995 fraction (0-1), Alpha Quantum" in said
    assert section[0].links[0][1][0][0] == "capability/superconducting.html"
    assert capability.approach(data, "topological") == []
    # a record no other country has any result against is not said to outrun them
    assert "(United States, 2024); no other country has a result in the registry." in (
        pages.text(capability.approach(data, TI))
    )
    # without China, Germany and Finland have results but none within reach
    rows = data.capability_countries
    no_china = dataclasses.replace(
        data, capability_countries=rows.filter(pl.col("country_iso3") != "CHN")
    )
    assert (
        "Physical qubits: 127 qubits, Gamma Systems (United States, 2021); no other country "
        "within reach (two others with a result)." in pages.text(capability.approach(no_china, SC))
    )


def test_overview_methods_and_the_banner_calls_the_registry_real() -> None:
    data = _data()
    overview = pages.text(capability.overview(data))
    assert "8 reviewed hardware milestones; 3 frontiers" in overview
    assert "United States holds the most (3 of 3" in overview
    methods = capability.methods(data)
    said = pages.text(methods)
    for words in (
        "primary publication",
        "contested",
        "vendor claim",
        "orders of magnitude",
        "error scale 1 - F",
        "not comparable across platforms",
    ):
        assert words in said, words
    thresholds = methods[0].tables[1]
    assert thresholds.rows == [
        [
            "Physical qubits",
            "qubits",
            "higher",
            "the value",
            "0.30103 orders of magnitude (a factor of 2)",
        ],
        [
            "Two-qubit gate fidelity",
            "fraction (0-1)",
            "higher",
            "the error 1 - F",
            "1 order of magnitude (a factor of 10)",
        ],
    ]
    assert methods[0].tables[0].rows[0][0] == "Distance to the frontier"
    assert (methods[-1].code or "").startswith("-- duckdb -readonly")
    page = _render(capability.page(data))
    assert "Real, reviewed registry." in page and "they are not sample data" in page
    assert "Synthetic sample data" in page  # the rest of the site is the sample
    assert "Every number on this page comes from qcm" not in page
    approach_page = _render(capability.approach(data, SC), kind="approach")
    assert "capability milestones (hardware results) are a real, reviewed registry" in (
        approach_page
    )
    assert "sample-banner" not in _render(capability.page(data), sample=False)
    assert "SYNTHETIC" not in pages.text(capability.page(_data(data_kind="live")))


def test_a_file_without_capability_marts_still_renders() -> None:
    data = _data(with_marts=False)
    assert not capability.has_capability(data) and capability.approaches(data) == []
    assert capability.overview(data) == [] and capability.methods(data) == []
    assert capability.country(data, "USA") == [] and capability.approach(data, SC) == []
    assert "no capability tables" in pages.text(capability.page(data))
    _render(capability.page(data))
    assert capability in FAMILIES


def test_dates_values_and_a_metrics_table_missing() -> None:
    assert capability.decimal_year("2019-10") == pytest.approx(2019 + 9 / 12 + 14 / 365, abs=1e-4)
    assert capability.decimal_year(dt.date(2021, 1, 1)) == 2021.0
    assert capability.decimal_year("2020") == 2020.5 and capability.decimal_year(None) is None
    assert capability.stated(0.99, ">=", "fraction (0-1)") == "≥ 0.99 fraction (0-1)"
    assert capability.stated(9.4e-19, "=", "") == "9.4e-19"
    assert capability.stated(1500.0, None, "km") == "1,500 km"
    # for people: one of a counted unit in the singular, a time under a second scaled
    assert capability.stated(1.0, None, "logical qubits") == "1 logical qubit"
    assert capability.stated(2.0, None, "logical qubits") == "2 logical qubits"
    assert capability.stated(7.2e-05, None, "s") == "72 µs"
    assert capability.stated(0.0025, "<=", "s") == "≤ 2.5 ms"
    assert capability.stated(12.6, None, "s") == "12.6 s"
    # a label inside a sentence keeps its acronyms; a threshold says the factor it means
    assert capability.in_sentence("Logical error rate per QEC cycle") == (
        "logical error rate per QEC cycle"
    )
    assert capability.in_sentence("QKD distance over fibre") == "QKD distance over fibre"
    assert capability.reach_words(0.30103) == "0.30103 orders of magnitude (a factor of 2)"
    # a file without the metrics table: fidelities still compared as errors, unit from rows
    data = pages.replaced(_data(), milestone_metrics=pl.DataFrame())
    info = capability.metric_info(data, FID)
    assert info["transform"] == "one_minus" and info["unit"] == "fraction (0-1)"
    assert info["reach_log10"] is None
    charts = pages.charts(capability.approach_page(data, SC))  # no threshold line, still drawn
    bars = charts[f"capability-{SC}-{PQ}-countries"]
    assert not bars.figure.layout.shapes
    assert "Within reach: see the metric's threshold in Methods." in bars.notes
    methods = capability.methods(data)
    assert len(methods[0].tables) == 1  # the definitions; no empty metrics table
    assert "see within_reach in the definitions below" in pages.text(methods)


def _capability_file(path: Path, data: SiteData) -> Path:
    """A DuckDB file holding the capability marts of ``data``, to run the pages' SQL on."""
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists marts")
    for table, frame in (
        ("milestones", data.milestones),
        ("capability_frontier", data.capability_frontier),
        ("capability_countries", data.capability_countries),
        ("capability_summary", data.capability_summary),
    ):
        con.register("frame", frame)
        con.execute(f"create table marts.{table} as select * from frame")
        con.unregister("frame")
    con.close()
    return path


def test_the_sql_on_the_pages_reproduces_them(tmp_path: Path) -> None:
    data = _data()
    con = duckdb.connect(str(_capability_file(tmp_path / "qcm.duckdb", data)), read_only=True)
    rebuilt = con.execute(capability.reproduce_sql()).fetchall()
    latest = capability.frontier_table(data)
    assert rebuilt == latest.select("approach", "metric", "best_value").rows()
    index = con.execute(capability.index_sql()).fetchall()
    assert [(r[0], r[1], r[2], r[5]) for r in index] == [
        (SC, PQ, 127.0, 2),
        (SC, FID, 0.995, 2),
        (TI, FID, 0.999, 1),
    ]
    held = con.execute(capability.held_sql()).fetchall()
    assert held == [("United States", 3, 0), ("China", 0, 1), ("Switzerland", 0, 1)]
    steps, best = (
        con.execute(sql).fetchall() for sql in capability.frontier_sql(SC, PQ).split(";\n")[:2]
    )
    expected = [(year, 53.0 if year < 2021 else 127.0) for year in range(2019, NOW + 1)]
    assert [(r[0], r[1]) for r in steps] == expected
    assert [r[0] for r in best] == ["United States", "China", "Finland", "Germany"]
    assert [r[2] for r in best] == [0.0, 0.28, 0.8, 0.8]
    con.close()


def test_load_reads_the_capability_marts(tmp_path: Path) -> None:
    """``dashboards.data.load`` on a file with the capability marts (and the few tables
    every build has): the frames arrive, and the registry adds no data kind."""
    data = _data()
    path = _capability_file(tmp_path / "qcm.duckdb", data)
    con = duckdb.connect(str(path))
    con.execute("create schema meta")
    for sql in [
        "create table marts.publication_indicators as select 2023 as year, false as "
        "year_incomplete, 'synthetic sample' as data_kind",
        "create table marts.patent_indicators as select 2023 as year, false as year_incomplete",
        "create table meta.runs as select now() as published_at, 'synthetic sample' as data_kind",
        "create table marts.coauthorship_pairs (a varchar)",
        "create table marts.approaches (approach varchar, label varchar)",
        "create table marts.countries (iso3 varchar, name varchar)",
        "create table marts.blocs (bloc varchar)",
        "create table marts.bloc_member_years (bloc varchar)",
        "create table meta.indicators (indicator varchar, family varchar, name varchar)",
        "insert into meta.indicators values ('distance_log10', 'capability', 'Distance'), "
        "('inflow', 'workforce', 'Inflow')",
        "create table meta.methods (key varchar, value varchar, description varchar)",
        "create table meta.classifier_evaluation (approach varchar)",
        "create table meta.quarantine (reason varchar)",
        "create table marts.patent_top_applicants (entity_type varchar, entity_code varchar, "
        "approach varchar, family_scope varchar, rank integer)",
        "create table marts.patent_applicant_types (a varchar)",
        "create table marts.patent_cpc_map (cpc_code varchar)",
    ]:
        con.execute(sql)
    con.close()
    loaded = site_data.load(path)
    assert loaded.milestones["milestone_id"].to_list()[:3] == ["M001", "M002", "M003"]
    assert loaded.capability_frontier.height == len(FRONTIER)
    assert loaded.capability_countries.height == len(COUNTRY_ROWS)
    assert loaded.capability_summary.height == 3
    assert loaded.milestone_metrics.is_empty()  # the file publishes no metrics table
    assert loaded.capability_definitions["indicator"].to_list() == ["distance_log10"]
    assert loaded.data_kinds == ("synthetic sample",)
    assert capability.frontier_table(loaded)["best_value"].to_list() == [127.0, 0.995, 0.999]


def test_a_frontier_held_by_an_equal_result_names_every_holder() -> None:
    # China's own results equal each of the three records of 2025: it holds them too, and
    # shares the lead in frontiers held with the United States
    data = _data()
    rows = data.capability_countries
    china = rows.filter(pl.col("year") == NOW, pl.col("country_iso3") == "USA").with_columns(
        country_iso3=pl.lit("CHN"), country_name=pl.lit("China"), milestone_id=pl.lit("M099")
    )
    tied = dataclasses.replace(
        data,
        capability_countries=pl.concat(
            [rows.filter(~((pl.col("year") == NOW) & (pl.col("country_iso3") == "CHN"))), china]
        ),
    )
    said = pages.text(capability.approach(tied, TI))
    assert "held as well by China (an equal result)" in said
    assert "China and United States hold the most, 3 of 3 each" in pages.text(
        capability.overview(tied)
    )
    index = capability.frontier_table(tied).filter(pl.col("approach") == TI)
    assert index["others_within_reach"].to_list() == ["China"]


def test_the_figures_not_checked_against_their_publication_are_counted_and_said() -> None:
    data = _data()
    # M004 (a preprint, counted, no frontier) is the one figure not checked
    said = (
        "One of the 7 counted figures has not yet been checked against the publication it "
        "is cited to (none of them holds a frontier): marked 'source not opened yet', a "
        "reviewer's check may change it."
    )
    assert capability.unchecked_words(data, capability.frontier_table(data)) == said
    assert said in " ".join(str(p) for p in capability.page(data)[0].paragraphs)
    # M007, which holds the 2023 fidelity frontier, unchecked too
    rows = data.milestones.with_columns(
        primary_source_checked=pl.when(pl.col("milestone_id").is_in(["M004", "M007"]))
        .then(pl.lit("no"))
        .otherwise(pl.lit("yes"))
    )
    words = capability.unchecked_words(
        replace(data, milestones=rows), capability.frontier_table(data)
    )
    assert words.startswith("Two of the 7 counted figures have not yet been checked")
    assert "(one of them holds a frontier)" in words
    checked = data.milestones.with_columns(primary_source_checked=pl.lit("yes"))
    assert (
        capability.unchecked_words(
            replace(data, milestones=checked), capability.frontier_table(data)
        )
        == ""
    )


def test_a_milestone_says_why_it_does_not_count() -> None:
    base = {"contested": "no", "source_quality": "peer_reviewed", "bound": "="}
    assert capability._status(base | {"counted": True}) == "counted"
    assert capability._status(base | {"counted": False, "contested": "yes"}) == (
        "not counted: contested"
    )
    assert capability._status(base | {"counted": False, "source_quality": "secondary"}) == (
        "not counted: secondary source only"
    )
    # "fewer than 1000 qubits" (cap-1.1); a bound on the better side counts
    assert capability._status(base | {"counted": False, "bound": "<="}) == (
        "not counted: a bound on the worse side"
    )
    assert capability._status(base | {"counted": True, "bound": ">="}) == "counted"


def test_a_bound_on_the_worse_side_is_drawn_apart_and_explained() -> None:
    # M009: "fewer than 5,000 qubits" (China, 2024): shown, never counted
    data = _data()
    bound = data.milestones.filter(pl.col("milestone_id") == "M002").with_columns(
        milestone_id=pl.lit("M009"),
        value=pl.lit(5000.0),
        bound=pl.lit("<="),
        demonstrated_on=pl.lit(dt.date(2024, 3, 1)),
        year=pl.lit(2024, dtype=pl.Int64),
        counted=pl.lit(False),
    )
    sections = capability.approach_page(
        dataclasses.replace(data, milestones=pl.concat([data.milestones, bound])), SC
    )
    chart = pages.charts(sections)[f"capability-{SC}-{PQ}-frontier"]
    points = {html.unescape(t.name): t for t in chart.figure.data[1:]}
    assert list(points["China"].marker.symbol) == ["circle", "triangle-down-open"]
    assert "open triangle pointing down: a bound on the worse side" in chart.notes[0]
    table = next(s for s in sections if s.heading == "Physical qubits").tables[0]
    assert [r[6] for r in table.rows if r[0] == "2024-03-01"] == [
        "not counted: a bound on the worse side"
    ]
    method = html.unescape(pages.text(capability.methods(data)))
    assert "one on the worse side ('fewer than 100 qubits') shows no achieved value" in method
