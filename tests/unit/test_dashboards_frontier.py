"""The frontier page, the re-weightable composite on the overview and country pages, the
research-security page and the method notes, on small hand-made frames (not a build):
leaders with their intervals, the blocs' frontier test in words, the weights and the
slider data, sensitivity, escaping, sample labels, the SQL on the pages, and files without
the marts.

The hand-made synthesis (weights publications 3, patents 2, funding 1, workforce 2,
supply chain 1, capability 2: sum 11; reach 0.5; focus bloc NATO = USA and DEU; EU27 = DEU;
2024 the latest complete year, 2025 incomplete). Family scores in 2024 (value / leader's):

    all:             pub  pat  fund  wf   sc   cap    composite = weighted mean
        USA          1    1    1     1    0.6  1      10.6 / 11 = 0.963636  score 1
        CHN          0.9  0.7  0.5   0.8  1    0.3     7.8 / 11 = 0.709091  7.8/10.6 = 0.735849
        DEU          0.3  0.3  0.2   0.3  0.5  0.1     3.0 / 11 = 0.272727  3.0/10.6 = 0.283019
    superconducting:
        USA          1    1    1     1    0.5  1      10.5 / 11 = 0.954545  score 1
        CHN          0.8  0.5  0.4   0.9  1    0.2     7.0 / 11 = 0.636364  7/10.5 = 0.666667
        DEU          0.3  0.2  0.3   0.4  0.6  0.1     3.2 / 11 = 0.290909  3.2/10.5 = 0.304762
        XXA (a hostile name) publications 0.05 only: the other families count 0
                                                       0.15 / 11 = 0.013636 0.15/10.5 = 0.014286
    topological (publications and patents only: weights 3/5 and 2/5):
        CHN          1    1                            1                    score 1
        USA          0.4  0.3                          (1.2 + 0.6) / 5 = 0.36
        DEU          0.1  0.45                         (0.3 + 0.9) / 5 = 0.24

Superconducting: USA leads (rank 1, 90% interval 1st to 2nd, leads in 87% of resamples),
the composite is 10.5 / 7 = 1.5 times China's. Topological: no NATO member reaches 0.5 in
any family (USA 0.4 and 0.3, DEU 0.1 and 0.45): a gap. The frontier test: NATO is within
reach in all six families in all and superconducting (capability on two metrics there, one
in all); EU27 (Germany) only in supply chain, which does not cover a bloc on its own, and
Germany's composite is below 0.5: a gap everywhere. With the supply-chain weight at 10
the superconducting composite is USA (3+2+1+2+5+2)/20 = 0.75, China (2.4+1+0.4+1.8+10+0.4)/20
= 0.8: China leads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import re
from pathlib import Path

import duckdb
import polars as pl
import pytest

from dashboards import data as site_data
from dashboards.data import SiteData
from dashboards.families import frontier, security
from dashboards.page import Section
from tests import site_pages as pages

pytestmark = pytest.mark.unit
ATTACK = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
SCRIPT = "<script>alert(1)</script>"
YEAR, NOW = 2024, 2025
ALL, SC, TOPO = "all", "superconducting", "topological"
LABELS = {ALL: "All quantum technology", SC: "Superconducting qubits", TOPO: "Topological qubits"}
COUNTRIES = {"CHN": "China", "DEU": "Germany", "USA": "United States", "XXA": ATTACK}
FAMILIES = ["publications", "patents", "funding", "workforce", "supply_chain", "capability"]
AT_THE_EDGE = {"publications", "patents", "workforce", "capability"}
METRICS = {
    "physical_qubits": "Physical qubits",
    "two_qubit_gate_fidelity": "Two-qubit gate fidelity",
}
WEIGHTS = [3.0, 2.0, 1.0, 2.0, 1.0, 2.0]
# the leading country's value in each family (the score multiplies it), and its measure
LEADING = {
    "publications": (0.40, "share of world publications"),
    "patents": (0.30, "share of world patent families"),
    "funding": (5e8, "US dollars"),
    "workforce": (0.35, "share of world researchers"),
    "supply_chain": (0.25, "share of world exports"),
    "capability": (0.8, "closeness to the hardware frontier"),
}
SCORES = {  # approach: country: family scores in the order of FAMILIES (None: no row)
    ALL: {
        "USA": [1, 1, 1, 1, 0.6, 1],
        "CHN": [0.9, 0.7, 0.5, 0.8, 1, 0.3],
        "DEU": [0.3, 0.3, 0.2, 0.3, 0.5, 0.1],
    },
    SC: {
        "USA": [1, 1, 1, 1, 0.5, 1],
        "CHN": [0.8, 0.5, 0.4, 0.9, 1, 0.2],
        "DEU": [0.3, 0.2, 0.3, 0.4, 0.6, 0.1],
        "XXA": [0.05, None, None, None, None, None],
    },
    TOPO: {
        "CHN": [1, 1, None, None, None, None],
        "USA": [0.4, 0.3, None, None, None, None],
        "DEU": [0.1, 0.45, None, None, None, None],
    },
}
USED = {ALL: FAMILIES, SC: FAMILIES, TOPO: FAMILIES[:2]}
# approach: country: (composite value by hand, rank, rank_low, rank_high, leads in)
COMPOSITE = {
    ALL: {
        "USA": (10.6 / 11, 1, 1, 1, 1.0),
        "CHN": (7.8 / 11, 2, 2, 2, 0.0),
        "DEU": (3.0 / 11, 3, 3, 3, 0.0),
    },
    SC: {
        "USA": (10.5 / 11, 1, 1, 2, 0.87),
        "CHN": (7.0 / 11, 2, 1, 2, 0.13),
        "DEU": (3.2 / 11, 3, 3, 3, 0.0),
        "XXA": (0.15 / 11, 4, 4, 4, 0.0),
    },
    TOPO: {
        "CHN": (1.0, 1, 1, 1, 0.95),
        "USA": (0.36, 2, 2, 3, 0.05),
        "DEU": (0.24, 3, 2, 3, 0.0),
    },
}
# focus bloc NATO in topological over the years: best member USA's composite score; the
# trend shows the last ten complete years and the year in progress: not 2013 (eleven years
# before 2024), not 2030 (a year only announced funding reaches)
NATO_TOPO = {2013: 0.9, 2022: 0.7, 2023: 0.5, YEAR: 0.36, NOW: 0.3, 2030: 0.1}
# scenario, label, description; then per approach: leader, baseline, rho, mean shift
SCENARIOS = [
    ("equal_weights", "Equal weights", "every family weighs the same"),
    ("strict_classifier", "Strict classifier", "only works the classifier is sure of"),
    ("whole_counting", "Whole counting", "every country of a record counts it whole"),
]
SENSITIVITY = {
    ("equal_weights", ALL): ("USA", "USA", 1.0, 0.0),
    ("equal_weights", SC): ("USA", "USA", 1.0, 0.0),
    ("equal_weights", TOPO): ("CHN", "CHN", 1.0, 0.0),
    ("strict_classifier", ALL): ("USA", "USA", 0.9, 0.5),
    ("strict_classifier", SC): ("USA", "USA", 0.9, 0.5),
    ("strict_classifier", TOPO): ("CHN", "CHN", 0.9, 0.5),
    ("whole_counting", ALL): ("USA", "USA", 1.0, 0.0),
    ("whole_counting", SC): ("CHN", "USA", 0.8, 1.0),
    ("whole_counting", TOPO): ("CHN", "CHN", 1.0, 0.5),
}
SETTINGS = {
    "reach": "0.5",
    "focus_bloc": "NATO",
    "concern_set": "US_FOREIGN_ADVERSARIES",
    "replicates": "200",
    "seed": "20261130",
    "interval": "0.9",
    "config_path": "synthesis.yml",
}
WILSON_Z = "1.6448536269514722"
# security: (approach, indicator, country, year): value, low, high, numerator,
# denominator, five-year change, small_n
SECURITY = {
    (SC, "coauthorship_concern_share", "USA", YEAR): (0.12, 0.10, 0.14, 60, 500, -0.03, False),
    (SC, "coauthorship_concern_share", "USA", 2019): (0.15, 0.12, 0.18, 45, 300, None, False),
    (SC, "coauthorship_concern_share", "DEU", YEAR): (0.08, 0.06, 0.10, 16, 200, 0.02, False),
    (SC, "coauthorship_concern_share", "CHN", YEAR): (0.05, 0.03, 0.08, 5, 100, None, False),
    (SC, "coauthorship_concern_share", "XXA", YEAR): (0.5, 0.1, 0.9, 1, 2, None, True),
    (SC, "coauthorship_concern_share", "WLD", YEAR): (0.10, 0.09, 0.11, 90, 900, None, False),
    (SC, "coauthorship_concern_share", "USA", NOW): (0.2, 0.1, 0.3, 2, 10, None, True),
    (SC, "copatent_concern_share", "USA", 2023): (0.05, 0.03, 0.08, 5, 100, 0.01, False),
    (SC, "copatent_concern_share", "DEU", 2023): (0.02, 0.01, 0.05, 1, 50, None, False),
    (SC, "copatent_concern_share", "USA", YEAR): (0.9, 0.1, 0.99, 1, 1, None, True),
    (SC, "grant_consortium_concern_share", "USA", YEAR): (0.02, 0.01, 0.06, 1, 50, None, False),
    (ALL, "coauthorship_concern_share", "USA", YEAR): (0.11, 0.10, 0.12, 110, 1000, None, False),
}  # fmt: skip
CONTROLS = [  # regime, entry, title, component, approaches, source
    ("US EAR (BIS)", "3A904", "Cryogenic cooling systems", "dilution_refrigerators",
     "superconducting;spin_silicon", "https://www.govinfo.gov/ear-3a904"),
    ("UK", "PL9013", SCRIPT, "lasers", "trapped_ion", "javascript:alert(1)"),
]  # fmt: skip


def _family_rows(approach: str) -> list[dict]:
    """One row per country and family with a score, with its value, interval and rank."""
    rows = []
    countries = SCORES[approach]
    for index, family in enumerate(FAMILIES):
        scored = {c: s[index] for c, s in countries.items() if s[index] is not None}
        ordered = sorted(scored, key=lambda c: -scored[c])
        leading, measure = LEADING[family]
        used = [f for f in USED[approach]]
        share = WEIGHTS[index] / sum(WEIGHTS[FAMILIES.index(f)] for f in used)
        for rank, code in enumerate(ordered, start=1):
            value = scored[code] * leading
            fixed = family == "capability"
            rows.append(
                {
                    "entity_type": "country",
                    "entity_code": code,
                    "entity_name": COUNTRIES[code],
                    "approach": approach,
                    "year": YEAR,
                    "family": family,
                    "measure": measure,
                    "value": value,
                    "value_low": value if fixed else value * 0.9,
                    "value_high": value if fixed else value * 1.1,
                    "score": float(scored[code]),
                    "score_low": float(scored[code]) * 0.9,
                    "score_high": min(1.0, float(scored[code]) * 1.1),
                    "rank": rank,
                    "rank_low": rank,
                    "rank_high": min(rank + 1, len(ordered)),
                    "countries_ranked": len(ordered),
                    "leader_probability": 0.9 if rank == 1 else 0.1 if rank == 2 else 0.0,
                    "within_reach": scored[code] >= 0.5,
                    "is_leader": rank == 1,
                    "weight": share,
                    "families": None,
                }
            )
    return rows


def _composite_rows(approach: str, year: int = YEAR, scale: float = 1.0) -> list[dict]:
    """The composite rows of an approach (``scale`` multiplies every value: other years)."""
    found = COMPOSITE[approach]
    top = max(v for v, *_ in found.values())
    return [
        {
            "entity_type": "country",
            "entity_code": code,
            "entity_name": COUNTRIES[code],
            "approach": approach,
            "year": year,
            "family": "composite",
            "measure": "weighted mean of family scores",
            "value": value * scale,
            "value_low": value * scale * 0.95,
            "value_high": value * scale * 1.05,
            "score": value / top,
            "score_low": max(0.0, value / top - 0.05),
            "score_high": min(1.0, value / top + 0.05),
            "rank": rank,
            "rank_low": low,
            "rank_high": high,
            "countries_ranked": len(found),
            "leader_probability": chance,
            "within_reach": value / top >= 0.5,
            "is_leader": rank == 1,
            "weight": None,
            "families": ",".join(USED[approach]),
        }
        for code, (value, rank, low, high, chance) in found.items()
    ]


def _scores() -> pl.DataFrame:
    rows = [r for a in SCORES for r in _family_rows(a) + _composite_rows(a)]
    # the focus bloc's trend in topological: the composite in other years
    for year, best in NATO_TOPO.items():
        if year != YEAR:
            rows += [
                r | {"score": best, "score_low": best - 0.1, "score_high": best + 0.1}
                if r["entity_code"] == "USA"
                else r
                for r in _composite_rows(TOPO, year)
            ]
    # a bloc row: never ranked
    rows.append(
        _composite_rows(SC)[0]
        | {"entity_type": "bloc", "entity_code": "NATO", "entity_name": "NATO", "rank": None}
    )
    frame = pl.DataFrame(rows, infer_schema_length=None)
    return frame.with_columns(
        (pl.col("year") >= NOW).alias("year_incomplete"),
        pl.lit("sa-1.0").alias("method_version"),
        pl.lit("synthetic sample").alias("data_kind"),
    )


def _frontier(scores: pl.DataFrame) -> pl.DataFrame:
    """marts.frontier from the country rows: leader, runner-up and their ratio."""
    rows = []
    countries = scores.filter(pl.col("entity_type") == "country")
    for (approach, year, family), group in countries.group_by(
        "approach", "year", "family", maintain_order=True
    ):
        ranked = group.sort("rank")
        first = ranked.row(0, named=True)
        second = ranked.row(1, named=True) if ranked.height > 1 else None
        rows.append(
            {
                "approach": approach,
                "year": year,
                "family": family,
                "leader_iso3": first["entity_code"],
                "leader_name": first["entity_name"],
                "leader_value": first["value"],
                "leader_value_low": first["value_low"],
                "leader_value_high": first["value_high"],
                "leader_probability": first["leader_probability"],
                "leader_rank_high": first["rank_high"],
                "runner_up_iso3": second["entity_code"] if second else None,
                "runner_up_name": second["entity_name"] if second else None,
                "leader_runner_up_ratio": first["value"] / second["value"] if second else None,
                "top10_institutions_in_leader": {"publications": 0.7, "patents": 0.6}.get(family),
                "institutions_listed": {"publications": 10, "patents": 5}.get(family),
                "countries_ranked": ranked.height,
                "year_incomplete": year >= NOW,
                "method_version": "sa-1.0",
                "data_kind": "synthetic sample",
            }
        )
    return pl.DataFrame(rows, infer_schema_length=None)


def _bloc(
    approach: str,
    bloc: str,
    year: int,
    best: str,
    score: float,
    rank: tuple[int, int, int],
    within: str,
    assessed: str,
    bloc_score: float,
    leader: str,
    metrics: str = "",
) -> dict:
    """One row of marts.frontier_blocs: the best member, its rank (rank, low, high), the
    families within reach and the families assessed (comma-separated), the capability
    metrics within reach; covered by the frontier test's rule: a family of ``AT_THE_EDGE``
    within reach or a composite of 0.5."""
    covered = bool(set(within.split(",")) & AT_THE_EDGE) or score >= 0.5
    return {
        "approach": approach,
        "year": year,
        "bloc": bloc,
        "bloc_name": {"NATO": "North Atlantic Treaty Organization", "EU27": "European Union"}[bloc],
        "is_focus_bloc": bloc == "NATO",
        "members_with_data": 2 if bloc == "NATO" else 1,
        "best_member_iso3": best,
        "best_member_name": COUNTRIES[best],
        "best_member_score": score,
        "best_member_rank": rank[0],
        "best_member_rank_low": rank[1],
        "best_member_rank_high": rank[2],
        "bloc_score": bloc_score,
        "families_within_reach": within,
        "capability_metrics_within_reach": metrics,
        "families_assessed": assessed,
        "covered": covered,
        "gap": not covered,
        "leader_iso3": leader,
        "leader_is_member": leader in ({"USA", "DEU"} if bloc == "NATO" else {"DEU"}),
        "year_incomplete": year >= NOW,
        "method_version": "sa-1.0",
        "data_kind": "synthetic sample",
    }


SIX = "publications,patents,funding,workforce,supply_chain,capability"
TWO = "publications,patents"


def _blocs() -> pl.DataFrame:
    rows = [
        _bloc(ALL, "EU27", YEAR, "DEU", 3.0 / 10.6, (3, 3, 3), "supply_chain", SIX, 0.4, "USA"),
        _bloc(
            ALL,
            "NATO",
            YEAR,
            "USA",
            1.0,
            (1, 1, 1),
            SIX,
            SIX,
            1.25,
            "USA",
            f"{SC}:two_qubit_gate_fidelity",
        ),
        _bloc(SC, "EU27", YEAR, "DEU", 3.2 / 10.5, (3, 3, 3), "supply_chain", SIX, 0.35, "USA"),
        _bloc(SC, "NATO", YEAR, "USA", 1.0, (1, 1, 2), SIX, SIX, 1.3, "USA", ",".join(METRICS)),
        _bloc(TOPO, "EU27", YEAR, "DEU", 0.24, (3, 2, 3), "", TWO, 0.24, "CHN"),
    ]
    rows += [
        _bloc(TOPO, "NATO", year, "USA", best, (2, 2, 3), "" if best < 0.5 else "publications",
              TWO, best + 0.1, "CHN")
        for year, best in NATO_TOPO.items()
    ]  # fmt: skip
    return pl.DataFrame(rows, infer_schema_length=None)


def _security() -> pl.DataFrame:
    names = COUNTRIES | {"WLD": "World"}
    rows = [
        {
            "entity_type": "world" if code == "WLD" else "country",
            "entity_code": code,
            "entity_name": names[code],
            "approach": approach,
            "year": year,
            "indicator": indicator,
            "value": value,
            "value_low": low,
            "value_high": high,
            "value_5y_change": change,
            "numerator": float(num),
            "denominator": float(den),
            "records": den * 3,
            "unit": "share (0-1)",
            "small_n": small,
            # co-patents: the year before the current one is incomplete too
            "year_incomplete": year >= (NOW - 1 if indicator.startswith("copatent") else NOW),
            "method_version": "sec-1.0",
            "data_kind": "synthetic sample",
            "concern_set": "US_FOREIGN_ADVERSARIES",
            "concern_countries": "CHN, CUB, HKG, IRN, PRK, RUS, VEN",
        }
        for (approach, indicator, code, year), (
            value,
            low,
            high,
            num,
            den,
            change,
            small,
        ) in SECURITY.items()
    ]
    return pl.DataFrame(rows, infer_schema_length=None)


def _controls() -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "regime": regime,
                "entry": entry,
                "title": title,
                "component": component,
                "component_label": component.replace("_", " ").capitalize(),
                "approaches": approaches,
                "effective_date": dt.date(2024, 9, 6),
                "source_url": url,
                "note": "",
            }
            for regime, entry, title, component, approaches, url in CONTROLS
        ]
    )


def hand_made(with_marts: bool = True) -> SiteData:
    """The site data of the module docstring (also read by the browser tests); without the
    synthesis and security marts when ``with_marts`` is false."""
    frames: dict[str, pl.DataFrame] = {
        "member_years": pl.DataFrame(
            [
                {"bloc": bloc, "year": year, "iso3": iso3}
                for year in range(2022, NOW + 1)
                for bloc, iso3 in (("NATO", "USA"), ("NATO", "DEU"), ("EU27", "DEU"))
            ]
        ),
        "export_controls": _controls(),
        "milestone_metrics": pl.DataFrame(
            {"metric": list(METRICS), "label": list(METRICS.values())}
        ),
    }
    if with_marts:
        scores = _scores()
        frames |= {
            "synthesis_scores": scores,
            "frontier": _frontier(scores),
            "frontier_blocs": _blocs(),
            "synthesis_weights": pl.DataFrame(
                {
                    "family": FAMILIES,
                    "weight": WEIGHTS,
                    "weight_share": [w / sum(WEIGHTS) for w in WEIGHTS],
                }
            ),
            "synthesis_settings": pl.DataFrame(
                {
                    "key": list(SETTINGS),
                    "value": list(SETTINGS.values()),
                    "description": [f"what {k} means" for k in SETTINGS],
                }
            ),
            "synthesis_scenarios": pl.DataFrame(
                [{"scenario": s, "label": lb, "description": d} for s, lb, d in SCENARIOS]
            ),
            "sensitivity_summary": pl.DataFrame(
                [
                    {
                        "scenario": scenario,
                        "approach": approach,
                        "year": YEAR,
                        "leader_iso3": lead,
                        "baseline_leader_iso3": base,
                        "leader_changed": lead != base,
                        "spearman_rho": rho,
                        "mean_abs_rank_shift": shift,
                        "countries": len(COMPOSITE[approach]),
                    }
                    for (scenario, approach), (lead, base, rho, shift) in SENSITIVITY.items()
                ]
            ),
            "security_indicators": _security(),
        }
    return pages.site_data(
        approaches={
            ALL: LABELS[ALL],
            SC: LABELS[SC],
            "trapped_ion": "Trapped ions",
            TOPO: LABELS[TOPO],
        },
        countries=COUNTRIES,
        complete_year=YEAR,
        incomplete_year=NOW,
        methods={
            "share_interval_z": (WILSON_Z, "z of the 90% Wilson interval"),
            "share_interval_level": ("0.9", "level of the Wilson intervals"),
            "security_lens_rule": ("descriptive-only", "a shared record is not a judgment"),
        },
        **frames,
    )


def _render(sections: list[Section], kind: str = "frontier", path: str = "frontier.html") -> str:
    return pages.render(sections, path, "Frontier", kind)


def _cells(sections: list[Section]) -> list[list[str]]:
    return [[str(c) for c in row] for s in sections for t in s.tables for row in t.rows]


def _section(sections: list[Section], heading: str) -> Section:
    return next(s for s in sections if s.heading == heading)


# ---- the frontier page ---------------------------------------------------------------


def test_the_leader_is_stated_with_its_interval_and_its_lead() -> None:
    said = pages.text(frontier.page(hand_made()))
    assert (
        "In 2024 the composite leader of Superconducting qubits is United States, rank 1 "
        "(90% interval 1st to 2nd), leads in 87% of resamples. Runner-up: China; the "
        "leader's composite is 1.50 times the runner-up's." in said
    )
    assert (
        "In 2024 the composite leader of Topological qubits is China, rank 1 (90% interval "
        "1st), leads in 95% of resamples." in said
    )
    # concentration: how many of the ten leading institutions are in the family's leader,
    # of those listed when fewer than ten have any credit (0.6 of five applicants: three)
    assert (
        "Leadership concentration: seven of the ten leading institutions in publications are "
        "in its leading country, United States; three of the five patent applicants with any "
        "credit (fewer than ten) in patents are in its leading country, United States." in said
    )


def test_the_blocs_frontier_test_is_said_in_words_focus_bloc_first() -> None:
    sections = frontier.page(hand_made())
    said = pages.text(sections)
    assert (
        "No NATO member is within reach of the frontier in any family for Topological qubits "
        "in 2024: a signal for action, read the caveats. Its best member on the composite, "
        "United States, ranks 2nd (90% interval 2nd to 3rd), at 0.36 of the leader's score." in said
    )
    assert (
        "NATO is within reach of the frontier of Superconducting qubits in 2024: a member is "
        "within reach in 6 of 6 families (publications, patents, public funding, researchers, "
        "supply chain and capability); in capability, of the best published result on "
        "Physical qubits and Two-qubit gate fidelity. Of these, public funding (money put in) "
        "and supply chain (trade in customs lines that are mostly not quantum) do not count "
        "on their own." in said
    )
    # in all quantum technology a metric is named with its approach
    assert (
        "in capability, of the best published result on Superconducting qubits: Two-qubit "
        "gate fidelity. Of these," in said
    )
    # the summary at a glance names the approaches where the focus bloc has a gap
    assert (
        "NATO has no member within reach of the frontier for Topological qubits in 2024 in "
        "publications, patents or researchers, on a capability metric or in the composite: a "
        "signal for action, read the caveats." in said
    )
    blocs = _section(sections, LABELS[TOPO]).tables[1]
    assert [r[:5] for r in blocs.rows] == [
        ["NATO (focus)", "gap", "none (of 2)", "none", "United States"],
        ["EU27", "gap", "none (of 2)", "none", "Germany"],
    ]
    assert blocs.rows[0][5:] == ["2nd (90% interval 2nd to 3rd)", "0.36", "0.46", "no"]
    # what covers NATO in superconducting: the four families that count, capability with its
    # two metrics, and the composite; EU27 is within reach in supply chain alone: a gap
    blocs = _section(sections, LABELS[SC]).tables[1]
    assert [r[:4] for r in blocs.rows] == [
        ["NATO (focus)", "covered", "publications, patents, public funding, researchers, "
         "supply chain, capability (of 6)",
         "publications, patents, researchers, capability (2 metrics), composite"],
        ["EU27", "gap", "supply chain (of 6)", "none"],
    ]  # fmt: skip
    assert "Public funding and supply chain are among the families within reach but do not" in (
        blocs.caption
    )
    glance = _section(sections, "The frontier at a glance").tables[0]
    assert [[str(c) for c in r[1:]] for r in glance.rows] == [
        ["United States", "1st", "100%", "China", f"{10.6 / 7.8:.2f}", "covered", "EU27"],
        ["United States", "1st to 2nd", "87%", "China", "1.50", "covered", "EU27"],
        ["China", "1st", "95%", "United States", f"{1 / 0.36:.2f}", "gap", "NATO, EU27"],
    ]
    assert 'href="#frontier-topological"' in str(glance.rows[2][0])
    assert _section(sections, LABELS[TOPO]).anchor == "frontier-topological"


def test_blocs_are_shown_by_their_short_names_and_found_by_their_codes() -> None:
    short = pl.DataFrame({"bloc": ["NATO", "EU27"], "short_name": ["The Alliance", "The Union"]})
    sections = frontier.page(dataclasses.replace(hand_made(), blocs=short))
    said = pages.text(sections)
    assert "No The Alliance member is within reach of the frontier in any family" in said
    assert "The Alliance is shown first; every bloc is tested." in said
    blocs = _section(sections, LABELS[TOPO]).tables[1]
    assert [r[0] for r in blocs.rows] == ["The Alliance (focus)", "The Union"]
    glance = _section(sections, "The frontier at a glance").tables[0]
    assert "The Alliance" in glance.columns and glance.rows[2][-1] == "The Alliance, The Union"
    charts = pages.charts(sections)
    # members are found by the code (NATO), named by the short name
    assert "Germany (The Alliance)" in charts["frontier-superconducting-composite"].figure.data[0].y
    assert charts["frontier-topological-trend"].figure.layout.title.text == (
        "Topological qubits: The Alliance&#x27;s best member against the leader"
    )


def test_every_family_leader_with_its_interval_ratio_and_weight() -> None:
    table = _section(frontier.page(hand_made()), LABELS[SC]).tables[0]
    rows = {r[0]: r for r in table.rows}
    assert list(rows) == [
        "Publications",
        "Patents",
        "Public funding",
        "Researchers",
        "Supply chain",
        "Capability",
        "Composite",
    ]
    # publications: 1.0 x 0.40 with the interval 0.36 to 0.44; runner-up China 0.8 x 0.40
    assert "Measures: publications, share of world publications; patents, share of world" in (
        table.caption
    )
    assert rows["Publications"] == [
        "Publications",
        "United States",
        "40.0% (36.0% to 44.0%)",
        "1st to 2nd of 4",
        "90%",
        "China",
        "1.25",
        "70%",
        "27%",  # 3 / 11
    ]
    assert rows["Supply chain"][1:3] == ["China", "25.0% (22.5% to 27.5%)"]
    assert rows["Public funding"][2] == "500,000,000 (450,000,000 to 550,000,000)"
    # each family says of how many countries it ranks: funding those with a record
    assert rows["Public funding"][3] == "1st to 2nd of 3"
    # capability is held fixed in the bootstrap: no interval
    assert rows["Capability"][2] == "0.8"
    assert rows["Composite"][1:3] == ["United States", "0.955 (0.907 to 1)"]
    # a leader sharing rank 1 says so
    data = hand_made()
    tied = data.frontier.with_columns(
        leaders_tied=pl.when(pl.col("family") == "patents").then(2).otherwise(1)
    )
    table = _section(frontier.page(pages.replaced(data, frontier=tied)), LABELS[SC]).tables[0]
    rows = {r[0]: r for r in table.rows}
    assert rows["Patents"][1].endswith(" (tied with one more)")
    assert not rows["Publications"][1].endswith("more)")
    assert "shares rank 1 with them" in table.caption
    assert rows["Composite"][6:] == ["1.50", "-", "-"]
    topo = _section(frontier.page(hand_made()), LABELS[TOPO]).tables[0]
    assert [r[0] for r in topo.rows] == ["Publications", "Patents", "Composite"]
    assert (
        "No data for public funding, researchers, supply chain and capability in this "
        "approach: left out of the composite." in topo.caption
    )
    assert topo.rows[0][-1] == "60%"  # 3 / (3 + 2): the weights divided over the two


def test_charts_show_the_composite_with_intervals_and_the_focus_bloc_trend() -> None:
    charts = pages.charts(frontier.page(hand_made()))
    bars = charts["frontier-superconducting-composite"]
    trace = bars.figure.data[0]
    # NATO members named as such, not by their colour alone, in the data too
    assert list(trace.y) == [
        "&lt;img src=x onerror=alert(1)&gt;",
        "Germany (NATO)",
        "China",
        "United States (NATO)",
    ]
    assert bars.data["bloc_member"].to_list() == [True, False, True, False]
    assert list(trace.x) == pytest.approx([0.15 / 10.5, 3.2 / 10.5, 7 / 10.5, 1.0])
    assert list(trace.error_x.array)[-1] == pytest.approx(0.0)  # 1 + 0.05, capped at 1
    assert list(trace.error_x.arrayminus)[-1] == pytest.approx(0.05)
    # NATO members orange, the others blue
    assert list(trace.marker.color) == ["#0072B2", "#E69F00", "#0072B2", "#E69F00"]
    # its rank interval reaches 2nd: the title says how often it leads
    assert bars.figure.layout.title.text == (
        "Superconducting qubits: United States leads the composite in 2024, but in only 87% of "
        "resamples"
    )
    assert frontier.composite_title("X", {"entity_name": "China", "leader_probability": 0.97,
                                          "rank_high": 1}, 2023) == (
        "X: China leads the composite in 2023 (in 97% of resamples)"
    )  # fmt: skip
    assert "SYNTHETIC SAMPLE DATA" in bars.caption
    trend = charts["frontier-topological-trend"]
    assert trend.data["year"].to_list() == [2022, 2023, YEAR, NOW]
    assert trend.data["best_member_score"].to_list() == [0.7, 0.5, 0.36, 0.3]
    assert trend.data["leader_name"].to_list() == ["China"] * 4
    assert trend.data["score_low"].to_list() == pytest.approx([0.6, 0.4, 0.31, 0.2])
    assert list(trend.figure.data[0].y) == [1.0] * 4
    assert "2025 is incomplete" in " ".join(trend.notes)
    # only the approaches with a focus-bloc series have a trend
    assert "frontier-superconducting-trend" not in charts


def test_sensitivity_says_when_the_leader_changes() -> None:
    data = hand_made()
    said = pages.text(frontier.page(data))
    assert (
        "Sensitivity: United States stays the leader under two of three scenarios; under "
        "Whole counting it becomes China." in said
    )
    assert "Sensitivity: China stays the leader under all three scenarios" in said
    assert (
        "The leader of at least one approach changes under one of three scenarios (Whole "
        "counting)." in said
    )
    table = _section(frontier.page(data), "How rankings move: sensitivity").tables[0]
    assert table.rows == [
        [
            "Equal weights",
            "every family weighs the same",
            "none of two, nor all quantum technology",
            "0.0",
            "1.00 to 1.00",
        ],
        [
            "Strict classifier",
            "only works the classifier is sure of",
            "none of two, nor all quantum technology",
            "0.5",
            "0.90 to 0.90",
        ],
        [
            "Whole counting",
            "every country of a record counts it whole",
            "Superconducting qubits: United States to China",
            "0.5",  # (0 + 1 + 0.5) / 3
            "0.80 to 1.00",
        ],
    ]


def test_the_weights_are_shown() -> None:
    data = hand_made()
    table = _section(frontier.page(data), "What this page shows").tables[0]
    assert table.rows == [
        ["Publications", "3", "27%"],
        ["Patents", "2", "18%"],
        ["Public funding", "1", "9%"],
        ["Researchers", "2", "18%"],
        ["Supply chain", "1", "9%"],
        ["Capability", "2", "18%"],
    ]


# ---- the re-weightable composite ----------------------------------------------------


def _weighted(scores: list[float | None], weights: list[float]) -> float:
    """The composite by the rule the page's script uses (written again here)."""
    used = [(s, w) for s, w in zip(scores, weights, strict=True) if s is not None]
    return sum(s * w for s, w in used) / sum(w for _, w in used)


def test_the_slider_data_embedded_matches_the_frames() -> None:
    widget = frontier.overview(hand_made())[0].composites[0]
    assert widget.mode == "ranking"
    assert widget.data["families"] == FAMILIES and widget.data["weights"] == WEIGHTS
    assert widget.families[0] == ("publications", "Publications", "3", "27%")
    assert widget.approaches == [(ALL, LABELS[ALL]), (SC, LABELS[SC]), (TOPO, LABELS[TOPO])]
    assert (widget.max_weight, widget.step) == (10.0, "0.5")
    for block in widget.data["approaches"]:
        approach = block["id"]
        for code, scores, value, _score, rank, low, high, chance in block["rows"]:
            expected = [
                (s or 0.0) if f in USED[approach] else None
                for f, s in zip(FAMILIES, SCORES[approach][code], strict=True)
            ]
            assert scores == pytest.approx(expected), (approach, code)
            by_hand, *published = COMPOSITE[approach][code]
            assert [rank, low, high, chance] == published
            assert value == pytest.approx(by_hand)
            # the published composite is the weighted mean of the embedded scores
            assert _weighted(scores, WEIGHTS) == pytest.approx(by_hand), (approach, code)
    sc = next(b for b in widget.data["approaches"] if b["id"] == SC)["rows"]
    heavy = [3.0, 2.0, 1.0, 2.0, 10.0, 2.0]  # the supply-chain slider at its end
    moved = {row[0]: _weighted(row[1], heavy) for row in sc}
    assert moved["USA"] == pytest.approx(0.75) and moved["CHN"] == pytest.approx(0.8)
    # the table at the published weights: the first approach ('all'), what no-script shows
    assert widget.rows == [
        ["1", "United States", "1.00", "1st", "100%", ""],
        ["2", "China", "0.74", "2nd", "0%", ""],
        ["3", "Germany", "0.28", "3rd", "0%", ""],
    ]
    assert widget.columns[3] == "Rank interval (90%, published weights)"


def _without_families(
    data: SiteData, approach: str, codes: list[str], dropped: list[str]
) -> SiteData:
    """``data`` with the composites of ``codes`` in ``approach`` listing their families
    without the ``dropped`` pieces of the list ("funding," drops public funding)."""
    families = pl.col("families")
    for piece in dropped:
        families = families.str.replace(piece, "", literal=True)
    lacking = (
        (pl.col("family") == "composite")
        & (pl.col("approach") == approach)
        & pl.col("entity_code").is_in(codes)
    )
    return dataclasses.replace(
        data,
        synthesis_scores=data.synthesis_scores.with_columns(
            families=pl.when(lacking).then(families).otherwise(pl.col("families"))
        ),
    )


def test_the_composite_is_on_the_overview_and_every_country_page() -> None:
    data = hand_made()
    overview = frontier.overview(data)
    said = pages.text(overview)
    # the two approaches are counted; all quantum technology together is said apart
    assert (
        "Composite leaders: China in one and United States in one of two approaches; United "
        "States leads all quantum technology taken together." in said
    )
    germany = frontier.country(data, "DEU")
    mine = germany[0].composites[0]
    assert mine.mode == "country" and mine.data["country"] == "DEU"
    assert mine.rows == [
        [LABELS[ALL], "3", "3", "0.28", "3rd", "United States"],
        [LABELS[SC], "3", "4", "0.30", "3rd", "United States"],
        [LABELS[TOPO], "3", "3", "0.24", "2nd to 3rd", "China"],
    ]
    assert (
        "In 2024, Germany is ranked on the composite in two approaches; it leads in none and "
        "is within reach of the frontier (a score of at least 0.5) in none. On all quantum "
        "technology taken together it ranks 3rd." in pages.text(germany)
    )
    china = pages.text(frontier.country(data, "CHN"))
    assert "China is ranked on the composite in two approaches; it leads in one" in china
    assert (
        "within reach of the frontier (a score of at least 0.5) in two. On all quantum "
        "technology taken together it ranks 2nd." in china
    )
    # every country there has every family: nothing said of a missing one
    assert "highest ranked for all quantum technology" not in said
    # a country without a family's data is averaged over the others, and said so
    lacking = _without_families(data, ALL, ["CHN", "DEU"], ["funding,", ",capability"])
    assert (
        "Of the three highest ranked for all quantum technology taken together in 2024, China "
        "and Germany have no public funding and capability score: a composite averages"
        in pages.text(frontier.overview(lacking))
    )
    # each approach's section on the frontier page says it of its own composite
    lacking_sc = _without_families(data, SC, ["CHN"], ["funding,"])
    section = _section(frontier.page(lacking_sc), LABELS[SC])
    assert any(
        p.startswith(f"Of the four highest ranked for {LABELS[SC].lower()} in 2024, China has no "
                     "public funding score")
        for p in section.paragraphs
    )  # fmt: skip
    # a country with no composite in the year says so, not a missing section
    japan = pages.text(frontier.country(data, "JPN"))
    assert "In 2024, the latest year whose composite is complete, JPN has no score" in japan
    assert "It has none in any year." in japan
    html_text = pages.render(overview, "index.html", "Overview", "overview")
    assert html_text.count('type="range"') == 6
    assert '<button type="button" class="reset">Reset to the published weights</button>' in (
        html_text
    )
    assert "The intervals belong to the published weights" in html_text
    # the embedded JSON is the widget's data, escaped for a script element
    found = re.search(
        r'<script type="application/json" id="composite-overview-data">(.*?)</script>',
        html_text,
        re.S,
    )
    widget = overview[0].composites[0]
    assert found and json.loads(found.group(1)) == json.loads(json.dumps(widget.data))
    approach = pages.text(frontier.approach(data, TOPO))
    assert "No NATO member is within reach" in approach
    assert frontier.approach(data, "trapped_ion") == []


def test_hostile_names_are_escaped_everywhere() -> None:
    data = hand_made()
    for sections, kind, path in (
        (frontier.page(data), "frontier", "frontier.html"),
        (frontier.overview(data), "overview", "index.html"),
        (frontier.country(data, "XXA"), "country", "country.html"),
        (security.page(data), "security", "security.html"),
    ):
        text = _render(sections, kind, path)
        assert ATTACK not in text and SCRIPT not in text, kind
    security_html = _render(security.page(data), "security", "security.html")
    assert 'href="javascript' not in security_html
    assert 'href="https://www.govinfo.gov/ear-3a904" rel="noopener"' in security_html
    country_html = _render(frontier.country(data, "XXA"), "country", "country.html")
    assert f"In 2024, {ESCAPED} is ranked on the composite in one approach;" in country_html


def test_sample_labels_and_the_banner() -> None:
    data = hand_made()
    text = _render(frontier.page(data))
    assert "Synthetic sample data." in text and "describes no real country" in text
    assert "SYNTHETIC SAMPLE: the scores combine the invented demonstration sample" in text
    shares = _render(security.page(data), "security", "security.html")
    assert "The export-control entries are real, reviewed reference rows" in shares
    assert "SYNTHETIC SAMPLE DATA: invented records." in shares
    live = pages.replaced(
        data,
        synthesis_scores=data.synthesis_scores.with_columns(pl.lit("live").alias("data_kind")),
    )
    assert "SYNTHETIC SAMPLE" not in pages.text(frontier.page(live))


def test_security_page_without_one_channel_shows_the_others() -> None:
    # a build whose funders paid no consortium: no grant_consortium rows at all
    data = hand_made()
    rows = data.security_indicators
    fewer = pages.replaced(
        data,
        security_indicators=rows.filter(pl.col("indicator") != "grant_consortium_concern_share"),
    )
    sections = security.page(fewer)
    shares = _section(sections, LABELS[SC]).tables[0]
    assert shares.columns == [
        "Country",
        "Co-authorships, 2024",
        "Change over 5 years",
        "Co-patents, 2023",
        "Change over 5 years",
    ]
    bars = pages.charts(sections)["security-shares"]
    assert {t.name for t in bars.figure.data} == {"Co-authorships (2024)", "Co-patents (2023)"}


def test_security_page_whose_every_year_is_still_filling_still_renders() -> None:
    # a small build whose every year is flagged incomplete (its latest year read is its
    # only one): no complete year to show, and the page says so instead of failing
    data = hand_made()
    filling = pages.replaced(
        data,
        security_indicators=data.security_indicators.with_columns(year_incomplete=pl.lit(True)),
    )
    sections = security.page(filling)
    assert "security-shares" not in pages.charts(sections)


def test_methods_say_what_the_composite_intervals_and_frontier_test_are() -> None:
    data = hand_made()
    said = html.unescape(pages.text(frontier.methods(data) + security.methods(data)))
    for phrase in (
        "divided by the leading country's value",
        "the other families' weights are divided by their sum",
        "resampled with replacement 200 times (seed 20261130)",
        "the central 90% of the results",
        "Capability is held fixed: the milestone registry is a census of published claims",
        "score is at least 0.5",
        "A bloc covers an approach when at least one member is within reach where capacity at "
        "the cutting edge is measured: in publications, patents or researchers; on a "
        "capability metric, within reach of the best published hardware result",
        "Public funding (money put in) and supply chain (trade in customs lines that are "
        "mostly not quantum) are shown beside the test but do not cover a bloc on their own",
        "Capability is read metric by metric, not by its family score",
        "NATO is shown first; every bloc is tested",
        "Spearman's rank correlation",
        "the 90% Wilson score interval",
        "What it cannot mean: it is not collaboration with a government",
        "security_lens_rule = descriptive-only: a shared record is not a judgment",
    ):
        assert phrase in said, phrase
    settings = _cells(frontier.methods(data))
    assert ["focus_bloc", "NATO", "what focus_bloc means"] in settings
    assert ["Whole counting", "every country of a record counts it whole"] in settings


# ---- the research-security page --------------------------------------------------------


def test_security_shares_with_intervals_change_and_the_export_controls() -> None:
    data = hand_made()
    sections = security.page(data)
    sc = _section(sections, LABELS[SC])
    shares = sc.tables[0]
    assert shares.columns == [
        "Country",
        "Co-authorships, 2024",
        "Change over 5 years",
        "Co-patents, 2023",
        "Change over 5 years",
        "Grant consortia, 2024",
        "Change over 5 years",
    ]
    # most international records first: USA 500 + 100 + 50, DEU 200 + 50, CHN 100, XXA 2
    assert [r[0] for r in shares.rows] == ["United States", "Germany", "China", ATTACK, "World"]
    assert shares.rows[0][1:] == [
        "12.0% (10.0% to 14.0%) of 500",
        "-3.0 points",
        "5.0% (3.0% to 8.0%) of 100",
        "+1.0 points",
        "2.0% (1.0% to 6.0%) of 50",
        "-",
    ]
    assert shares.rows[3][1] == "50.0% (10.0% to 90.0%) of 2 (few records)"
    controls = sc.tables[1]
    assert [r[:2] for r in controls.rows] == [["US EAR (BIS)", "3A904"]]
    said = pages.text(sections)
    assert (
        "Worldwide in Superconducting qubits, a country of the concern set appears on 10.0% of "
        "900 international co-authored works (2024)." in said
    )
    assert "Export-control entries on items used in Superconducting qubits: 1" in said
    # a file without the set's name shows its code; its countries by name where known
    assert "US_FOREIGN_ADVERSARIES (CUB, China, HKG, IRN, PRK, RUS and VEN" in said
    named = dataclasses.replace(
        hand_made(),
        security_indicators=hand_made().security_indicators.with_columns(
            concern_set_name=pl.lit("US foreign adversaries under 15 CFR 791.4")
        ),
    )
    said = pages.text(security.page(named) + security.methods(named))
    assert "US_FOREIGN_ADVERSARIES" not in said
    assert (
        "the concern set US foreign adversaries under 15 CFR 791.4 (CUB, China, HKG, IRN, PRK, "
        "RUS and VEN; the set qcm's synthesis settings choose)" in said
    )
    assert "Descriptive, never an accusation." in _render(sections, "security", "security.html")
    charts = pages.charts(sections)
    bars = charts["security-shares"]
    # one trace per indicator and approach; the menu shows one approach at a time
    assert len(bars.figure.data) == 6
    assert [b.label for b in bars.figure.layout.updatemenus[0].buttons] == [
        LABELS[ALL],
        LABELS[SC],
    ]
    trend = charts["security-trend"]
    usa = next(t for t in trend.figure.data if t.name == "United States" and t.visible is False)
    # the years without a share (2020 to 2023) are gaps in the line, not a slope across them
    assert list(usa.x) == list(range(2019, NOW + 1))
    assert list(usa.y) == [0.15] + [None] * (YEAR - 2020) + [0.12, 0.2]
    assert "2025 is incomplete" in " ".join(trend.notes)
    assert "A gap in a line is a year without a share to show" in " ".join(trend.notes)
    # every export-control entry on the 'all' section
    every = _section(sections, LABELS[ALL]).tables[1]
    assert [r[1] for r in every.rows] == ["3A904", "PL9013"]
    assert every.rows[1][-1] == "javascript:alert(1)"  # shown as text, never a link


def test_the_worlds_shares_on_few_records_say_so_in_the_sentence() -> None:
    # the world's co-patents of 2023 and grant consortia of 2024 in superconducting: 1 of 1
    # family and 4 of 5 consortia, both small_n; the co-authorships (90 of 900) are not
    data = hand_made()
    world = data.security_indicators.filter(pl.col("entity_code") == "WLD")
    few = pl.concat(
        [
            world.with_columns(
                pl.lit(indicator).alias("indicator"),
                pl.lit(year, world["year"].dtype).alias("year"),
                pl.lit(value).alias("value"),
                pl.lit(float(n)).alias("numerator"),
                pl.lit(float(d)).alias("denominator"),
                pl.lit(True).alias("small_n"),
            )
            for indicator, year, value, n, d in (
                ("copatent_concern_share", 2023, 1.0, 1, 1),
                ("grant_consortium_concern_share", YEAR, 0.8, 4, 5),
            )
        ]
    )
    data = pages.replaced(data, security_indicators=pl.concat([data.security_indicators, few]))
    assert security.world_words(data, SC) == (
        "Worldwide in Superconducting qubits, a country of the concern set appears on 10.0% of "
        "900 international co-authored works (2024), 100.0% of 1 co-invented patent family "
        "(2023; few records: read with care) and 80.0% of 5 international grant consortia "
        "(2024; few records: read with care)."
    )
    said = pages.text(security.page(data))
    assert "100.0% of 1 co-invented patent family (2023; few records: read with care)" in said


# ---- files without the marts, the SQL on the pages, reading the file --------------------


def test_a_file_without_the_marts_still_renders() -> None:
    data = hand_made(with_marts=False)
    assert not frontier.has_synthesis(data) and not security.has_security(data)
    assert frontier.overview(data) == [] and frontier.methods(data) == []
    assert frontier.country(data, "USA") == [] and frontier.approach(data, SC) == []
    assert security.methods(data) == []
    assert "no synthesis tables" in pages.text(frontier.page(data))
    assert "no research-security tables" in pages.text(security.page(data))
    _render(frontier.page(data))
    _render(security.page(data), "security", "security.html")


def _database(path: Path, data: SiteData) -> Path:
    """A DuckDB file holding the marts of ``data``, to run the pages' SQL on."""
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("create schema meta")
    for table, frame in (
        ("marts.synthesis_scores", data.synthesis_scores),
        ("marts.frontier", data.frontier),
        ("marts.frontier_blocs", data.frontier_blocs),
        ("marts.synthesis_weights", data.synthesis_weights),
        ("meta.synthesis_settings", data.synthesis_settings),
        ("marts.synthesis_scenarios", data.synthesis_scenarios),
        ("marts.synthesis_sensitivity_summary", data.sensitivity_summary),
        ("marts.security_indicators", data.security_indicators),
    ):
        con.register("frame", frame)
        con.execute(f"create table {table} as select * from frame")
        con.unregister("frame")
    con.close()
    return path


def test_the_sql_on_the_pages_reproduces_them(tmp_path: Path) -> None:
    data = hand_made()
    con = duckdb.connect(str(_database(tmp_path / "qcm.duckdb", data)), read_only=True)
    rebuilt = {
        (a, c): v for c, a, y, v in con.execute(frontier.reproduce_sql()).fetchall() if y == YEAR
    }
    expected = {(a, c): v[0] for a, rows in COMPOSITE.items() for c, v in rows.items()}
    assert rebuilt == pytest.approx(expected)
    composite, blocs = frontier.approach_sql(SC, YEAR).split(";\n")
    ranking = con.execute(composite).fetchall()
    assert [r[1] for r in ranking] == ["United States", "China", "Germany", ATTACK]
    assert [r[0] for r in con.execute(blocs).fetchall()] == ["NATO", "EU27"]
    glance = con.execute(frontier.glance_sql(YEAR)).fetchall()
    assert [(r[0], r[1], r[5]) for r in glance] == [
        (ALL, "United States", round(10.6 / 7.8, 2)),
        (SC, "United States", 1.5),
        (TOPO, "China", round(1 / 0.36, 2)),
    ]
    moved = con.execute(frontier.sensitivity_sql(YEAR)).fetchall()
    assert [(r[0], r[1]) for r in moved if r[4]] == [("Whole counting", SC)]
    shares = con.execute(security.share_sql(SC)).fetchall()
    assert [(r[0], r[1], r[3]) for r in shares[:3]] == [
        ("United States", "coauthorship_concern_share", 0.12),
        ("United States", "copatent_concern_share", 0.05),
        ("United States", "grant_consortium_concern_share", 0.02),
    ]
    con.close()


def test_load_reads_the_synthesis_and_security_marts(tmp_path: Path) -> None:
    """``dashboards.data.load`` on a file with the marts (and the few tables every build
    has): the frames arrive, ordered, and their data kind counts as sample."""
    data = hand_made()
    path = _database(tmp_path / "qcm.duckdb", data)
    con = duckdb.connect(str(path))
    for sql in (
        "create table marts.publication_indicators as select 2023 as year, false as "
        "year_incomplete, 'live' as data_kind",
        "create table marts.patent_indicators as select 2023 as year, false as year_incomplete",
        "create table meta.runs as select now() as published_at, 'live' as data_kind",
        "create table marts.coauthorship_pairs (a varchar)",
        "create table marts.approaches (approach varchar, label varchar)",
        "create table marts.countries (iso3 varchar, name varchar)",
        "create table marts.blocs (bloc varchar)",
        "create table marts.bloc_member_years (bloc varchar)",
        "create table meta.indicators (indicator varchar, family varchar, name varchar)",
        "insert into meta.indicators values ('coauthorship_concern_share', 'security', "
        "'Co-authorships with the concern set')",
        "create table meta.methods (key varchar, value varchar, description varchar)",
        "create table meta.classifier_evaluation (approach varchar)",
        "create table meta.quarantine (reason varchar)",
        "create table marts.patent_top_applicants (entity_type varchar, entity_code varchar, "
        "approach varchar, family_scope varchar, rank integer)",
        "create table marts.patent_applicant_types (a varchar)",
        "create table marts.patent_cpc_map (cpc_code varchar)",
    ):
        con.execute(sql)
    con.close()
    loaded = site_data.load(path)
    assert loaded.synthesis_scores.height == data.synthesis_scores.height
    assert loaded.frontier.height == data.frontier.height
    # the focus bloc first within each approach and year
    first = loaded.frontier_blocs.filter(pl.col("approach") == TOPO, pl.col("year") == YEAR)
    assert first["bloc"].to_list() == ["NATO", "EU27"]
    assert loaded.synthesis_weights["family"].to_list() == FAMILIES
    assert frontier.setting(loaded, "focus_bloc") == "NATO"
    assert loaded.synthesis_scenarios["scenario"].to_list() == [s for s, _, _ in SCENARIOS]
    assert loaded.sensitivity_summary.height == len(SENSITIVITY)
    assert loaded.security_indicators.height == len(SECURITY)
    assert loaded.security_definitions["indicator"].to_list() == ["coauthorship_concern_share"]
    assert "synthetic sample" in loaded.data_kinds and loaded.is_sample


def test_a_bloc_none_of_whose_members_has_data_is_said_to_be_a_gap() -> None:
    sections = frontier.page(
        _nato_topological(
            members_with_data=0, best_member_iso3=None, best_member_name=None,
            best_member_score=None, best_member_rank=None, best_member_rank_low=None,
            best_member_rank_high=None,
        )
    )  # fmt: skip
    assert (
        "No NATO member has data for Topological qubits in 2024, so none is within reach of "
        "the frontier: a gap, a signal for action, read the caveats." in pages.text(sections)
    )
    blocs = _section(sections, LABELS[TOPO]).tables[1]
    assert [r[:5] for r in blocs.rows] == [
        ["NATO (focus)", "gap", "none (of 2)", "none", "-"],
        ["EU27", "gap", "none (of 2)", "none", "Germany"],
    ]


def _nato_topological(**values: object) -> SiteData:
    """The hand-made data with NATO's topological row of 2024 changed (column: value)."""
    data = hand_made()
    row = (pl.col("approach") == TOPO) & (pl.col("bloc") == "NATO") & (pl.col("year") == YEAR)
    blocs = data.frontier_blocs.with_columns(
        [
            pl.when(row)
            .then(pl.lit(value, dtype=data.frontier_blocs.schema[name]))
            .otherwise(pl.col(name))
            .alias(name)
            for name, value in values.items()
        ]
    )
    return dataclasses.replace(data, frontier_blocs=blocs)


def test_a_gap_says_that_funding_or_supply_chain_within_reach_does_not_count() -> None:
    # the United States within reach in funding and supply chain alone: still a gap
    data = _nato_topological(families_within_reach="funding,supply_chain")
    sections = frontier.page(data)
    assert (
        "No NATO member is within reach of the frontier for Topological qubits in 2024 in "
        "publications, patents or researchers, on a capability metric or in the composite: a "
        "signal for action, read the caveats. A member is within reach in public funding "
        "(money put in) and supply chain (trade in customs lines that are mostly not "
        "quantum), which do not count on their own. Its best member on the composite, United "
        "States, ranks 2nd" in pages.text(sections)
    )
    blocs = _section(sections, LABELS[TOPO]).tables[1]
    assert blocs.rows[0][:4] == [
        "NATO (focus)", "gap", "public funding, supply chain (of 2)", "none"
    ]  # fmt: skip


def test_a_capability_metric_within_reach_covers_a_low_capability_score() -> None:
    # the family score may stay under 0.5 (an average over every metric, 0 without a
    # result): holding or nearing one metric's best published result covers the bloc
    data = _nato_topological(
        families_within_reach="capability",
        capability_metrics_within_reach="physical_qubits",
        covered=True,
        gap=False,
    )
    sections = frontier.page(data)
    said = pages.text(sections)
    assert (
        "NATO is within reach of the frontier of Topological qubits in 2024: a member is "
        "within reach in 1 of 2 families (capability); in capability, of the best published "
        "result on Physical qubits. Its best member on the composite" in said
    )
    assert "NATO has no member within reach" not in said
    blocs = _section(sections, LABELS[TOPO]).tables[1]
    assert blocs.rows[0][:4] == [
        "NATO (focus)",
        "covered",
        "capability (of 2)",
        "capability (1 metric)",
    ]


def test_a_bloc_covered_through_the_composite_alone_says_so() -> None:
    data = _nato_topological(
        families_within_reach="funding", best_member_score=0.6, covered=True, gap=False
    )
    sections = frontier.page(data)
    assert (
        "NATO is within reach of the frontier of Topological qubits in 2024 through the "
        "composite alone: a member's composite is within reach, but among the families only "
        "in public funding (money put in), which does not count on its own. Its best member "
        "on the composite, United States, ranks 2nd" in pages.text(sections)
    )
    blocs = _section(sections, LABELS[TOPO]).tables[1]
    assert blocs.rows[0][3] == "composite"


def test_the_glance_counts_approaches_and_says_the_aggregate_apart() -> None:
    # NATO within reach in topological qubits too: no gap left in any approach
    data = hand_made()
    blocs = data.frontier_blocs.with_columns(
        pl.when(pl.col("families_within_reach") == "")
        .then(pl.lit("publications"))
        .otherwise(pl.col("families_within_reach"))
        .alias("families_within_reach"),
        pl.lit(True).alias("covered"),
        pl.lit(False).alias("gap"),
    )
    said = pages.text(frontier.page(dataclasses.replace(data, frontier_blocs=blocs)))
    assert (
        "NATO has a member within reach of the frontier in all two approaches where a member is "
        "ranked and in all quantum technology taken together, in 2024." in said
    )


def test_the_headline_year_is_the_last_whose_composite_is_complete() -> None:
    # the researchers of 2024 can still be carried through it: its composite is flagged
    # incomplete though its publications are not, so the page leads with 2023
    data = hand_made()
    scores = data.synthesis_scores.with_columns(
        year_incomplete=pl.col("year_incomplete")
        | ((pl.col("year") == YEAR) & (pl.col("family").is_in(["composite", "workforce"])))
    )
    flagged = dataclasses.replace(data, synthesis_scores=scores)
    assert frontier.complete_year(data) == YEAR
    assert frontier.complete_year(flagged) == YEAR - 1
    assert frontier.incomplete_years(flagged) == [YEAR, NOW, 2030]
    # the trend still runs to the year in progress, not to the first open year
    assert frontier.trend(flagged, TOPO)["year"].to_list()[-2:] == [YEAR, NOW]


def test_a_change_from_a_share_on_few_records_is_marked() -> None:
    # the United States' co-authorships of 2019 (the base of 2024's -3.0 points) made small
    data = hand_made()
    base = (
        (pl.col("entity_code") == "USA")
        & (pl.col("year") == YEAR - 5)
        & (pl.col("indicator") == "coauthorship_concern_share")
    )
    small = pages.replaced(
        data,
        security_indicators=data.security_indicators.with_columns(
            small_n=pl.when(base).then(True).otherwise(pl.col("small_n"))
        ),
    )
    for case, cell in ((data, "-3.0 points"), (small, "-3.0 points (from few records)")):
        shares = _section(security.page(case), LABELS[SC]).tables[0]
        assert shares.rows[0][2] == cell
    assert "marked 'from few records'" in shares.caption


def test_an_adjacent_approach_is_led_and_tested_apart_not_counted_among_the_approaches() -> None:
    # topological made adjacent (as post-quantum cryptography is): superconducting alone is
    # counted, topological's leader and the focus bloc's test there are said apart
    data = hand_made()
    families = data.approaches.with_columns(
        family=pl.when(pl.col("approach") == TOPO)
        .then(pl.lit("adjacent"))
        .otherwise(pl.lit("computing"))
    )
    adjacent = dataclasses.replace(data, approaches=families)
    said = pages.text(frontier.overview(adjacent))
    assert "Composite leaders: United States in one of one approach; " in said
    assert f"Adjacent, reported apart: China leads {LABELS[TOPO].lower()}." in said
    glance = next(
        s for s in frontier.page(adjacent) if s.heading == "The frontier at a glance"
    ).paragraphs
    assert any(p.startswith(f"{LABELS[TOPO]} (adjacent, reported apart): NATO has") for p in glance)
    assert not any("all two approaches" in p for p in glance)


def test_a_share_names_its_records_in_the_number_they_are() -> None:
    nouns = security.INDICATORS["copatent_concern_share"][1:]
    one = {"value": 1.0, "value_low": 0.2, "value_high": 1.0, "denominator": 1, "small_n": True}
    assert security.share_cell(one, nouns) == (
        "100.0% (20.0% to 100.0%) of 1 co-invented patent family (few records)"
    )
    many = one | {"value": 0.1, "denominator": 900, "small_n": False}
    assert security.share_cell(many, nouns).endswith("of 900 co-invented patent families")
    assert security.share_cell(many).endswith("of 900")  # a table's cell: the column says what
