"""Capability SQL on hand-made milestones: every value below is worked out by hand.

Two-qubit gate fidelity (higher is better, compared as the error 1 - F; within reach = at
most one order of magnitude from the frontier), superconducting:

- M1 USA, October 2019, F = 0.99 (error 10^-2: goodness 2 orders of magnitude).
- M2 CHN, 15 June 2021, F = 0.995 (error 5 x 10^-3: goodness 2.30103).
- M3 USA and GBR (joint), January 2023, F = 0.999 (error 10^-3: goodness 3).
- M4 NLD, May 2024, F = 0.9999, contested: shown, never counted.
- M5 DEU, 2022, F = 0.9 (error 10^-1: goodness 1).

The frontier: M1 in 2019-2020 (new in 2019), M2 in 2021-2022 (new in 2021), M3 from 2023
(new in 2023); from 2024 the contested M4 would beat it. In 2023: USA and GBR hold it
(distance 0), CHN is 3 - 2.30103 = 0.69897 orders of magnitude behind (within reach), DEU
2 behind (out of reach); NLD has no counted result. Four countries with a result, three
within reach.

Physical qubits (higher is better; within reach = within a factor of 2): M6 USA 2019, 53
qubits; M7 CHN 2021, 66 qubits. In 2021 CHN holds it and the USA is log10(66/53) behind.

Readout fidelity (as the gate fidelity): M8 USA 2020, F = 0.9999; M9 FRA 2020, F = 0.999,
exactly one order of magnitude behind (a double makes it 1.0000000000000484): within reach.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import duckdb
import polars as pl
import pytest

from assets.reference.tables import reference_frames
from pipelines.db import replace_table
from tests.unit.test_core_sql import run_sql

pytestmark = pytest.mark.unit
TABLES = (
    "staging.milestones",
    "core.milestone_countries",
    "indicators.capability_frontier",
    "indicators.capability_countries",
    "indicators.capability_summary",
    "marts.milestones",
    "marts.capability_frontier",
    "marts.capability_countries",
    "marts.capability_summary",
)
FIDELITY = "two_qubit_gate_fidelity"
MILESTONES = [
    # id, countries, date, metric, value, contested
    ("M1", "USA", "2019-10", FIDELITY, "0.99", "no"),
    ("M2", "CHN", "2021-06-15", FIDELITY, "0.995", "no"),
    ("M3", "USA;GBR", "2023-01", FIDELITY, "0.999", "no"),
    ("M4", "NLD", "2024-05", FIDELITY, "0.9999", "yes"),
    ("M5", "DEU", "2022-03", FIDELITY, "0.9", "no"),
    ("M6", "USA", "2019-10", "physical_qubits", "53", "no"),
    ("M7", "CHN", "2021-06-15", "physical_qubits", "66", "no"),
    ("M8", "USA", "2020-02", "readout_fidelity", "0.9999", "no"),
    ("M9", "FRA", "2020-03", "readout_fidelity", "0.999", "no"),
]
METRICS = [
    (FIDELITY, "Two-qubit gate fidelity", "fraction", "higher", "one_minus", "0", "1", "1"),
    ("physical_qubits", "Physical qubits", "qubits", "higher", "none", "1", "100000", "0.30103"),
    ("readout_fidelity", "Readout fidelity", "fraction", "higher", "one_minus", "0", "1", "1"),
]


@pytest.fixture
def capability(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Real approaches, countries and indicators; the hand-made milestones; every table."""
    frames = reference_frames()
    for table in ("ref.approaches", "ref.countries", "ref.indicators"):
        replace_table(con, table, frames[table])
    rows = [
        {
            "milestone_id": mid, "approach": "superconducting", "organisation": f"Lab {mid}",
            "countries": countries, "system_or_result": f"Device {mid}", "date": date,
            "metric": metric, "value": value, "bound": "=",
            "unit": "qubits" if metric == "physical_qubits" else "fraction",
            "source_quality": "peer_reviewed", "primary_source": f"https://doi.org/10.0/{mid}",
            "primary_source_checked": "no", "secondary_source": None, "contested": contested,
            "contested_note": "disputed" if contested == "yes" else None,
            "recorded": "2026-11-29", "note": None,
        }
        for mid, countries, date, metric, value, contested in MILESTONES
    ]  # fmt: skip
    replace_table(con, "ref.milestones", pl.DataFrame(rows, schema={k: pl.String for k in rows[0]}))
    metrics = pl.DataFrame(
        [(*m, "test", "qcm test") for m in METRICS],
        schema=["metric", "label", "unit", "better", "transform", "valid_min", "valid_max",
                "reach_log10", "description", "source"],
        orient="row",
    )  # fmt: skip
    replace_table(con, "ref.milestone_metrics", metrics)
    for table in TABLES:
        run_sql(con, table)
    return con


def test_the_frontier_steps_up_with_each_record(capability: duckdb.DuckDBPyConnection) -> None:
    rows = capability.execute(
        "select year, milestone_id, best_value, new_record, contested_milestone_id "
        "from marts.capability_frontier where metric = ? order by year",
        [FIDELITY],
    ).fetchall()
    this_year = datetime.now(UTC).year
    assert [r[0] for r in rows] == list(range(2019, this_year + 1))
    assert rows[:6] == [
        (2019, "M1", 0.99, True, None),
        (2020, "M1", 0.99, False, None),
        (2021, "M2", 0.995, True, None),
        (2022, "M2", 0.995, False, None),
        (2023, "M3", 0.999, True, None),
        (2024, "M3", 0.999, False, "M4"),
    ]
    contested = capability.execute(
        "select contested_best_value from marts.capability_frontier "
        "where metric = ? and year = 2024",
        [FIDELITY],
    ).fetchone()
    assert contested == (0.9999,)


def test_countries_distance_and_reach(capability: duckdb.DuckDBPyConnection) -> None:
    rows = capability.execute(
        "select country_iso3, milestone_id, distance_log10, within_reach, holds_frontier "
        "from marts.capability_countries where metric = ? and year = 2023 order by 1",
        [FIDELITY],
    ).fetchall()
    assert [r[:2] for r in rows] == [("CHN", "M2"), ("DEU", "M5"), ("GBR", "M3"), ("USA", "M3")]
    distances = {r[0]: r[2] for r in rows}
    assert distances["CHN"] == pytest.approx(3 - math.log10(200))
    assert distances["DEU"] == pytest.approx(2.0)
    assert distances["GBR"] == distances["USA"] == 0
    assert [(r[0], r[3], r[4]) for r in rows] == [
        ("CHN", True, False), ("DEU", False, False), ("GBR", True, True), ("USA", True, True),
    ]  # fmt: skip
    summary = capability.execute(
        "select countries_with_result, countries_within_reach, frontier_countries, "
        "frontier_value from marts.capability_summary where metric = ? and year = 2023",
        [FIDELITY],
    ).fetchone()
    assert summary == (4, 3, "GBR;USA", 0.999)


def test_counts_compare_on_a_log_scale(capability: duckdb.DuckDBPyConnection) -> None:
    rows = capability.execute(
        "select country_iso3, distance_log10, within_reach from marts.capability_countries "
        "where metric = 'physical_qubits' and year = 2021 order by 1"
    ).fetchall()
    assert rows[0] == ("CHN", 0.0, True)
    assert rows[1][0] == "USA" and rows[1][1] == pytest.approx(math.log10(66 / 53))
    assert rows[1][2] is True


def test_one_order_of_magnitude_behind_is_within_a_reach_of_one(
    capability: duckdb.DuckDBPyConnection,
) -> None:
    rows = capability.execute(
        "select country_iso3, distance_log10, within_reach from marts.capability_countries "
        "where metric = 'readout_fidelity' and year = 2020 order by 1"
    ).fetchall()
    assert rows == [("FRA", 1.0, True), ("USA", 0.0, True)]


def test_the_registry_mart_says_what_counts(capability: duckdb.DuckDBPyConnection) -> None:
    rows = dict(capability.execute("select milestone_id, counted from marts.milestones").fetchall())
    assert rows == {"M1": True, "M2": True, "M3": True, "M4": False, "M5": True, "M6": True,
                    "M7": True, "M8": True, "M9": True}  # fmt: skip
    names = capability.execute(
        "select country_names, year, demonstrated_on from marts.milestones "
        "where milestone_id = 'M3'"
    ).fetchone()
    assert names[0] == "United Kingdom; United States" and names[1] == 2023
    assert str(names[2]) == "2023-01-01"


def test_the_marts_flag_the_current_year_when_the_build_runs(
    capability: duckdb.DuckDBPyConnection,
) -> None:
    this_year = datetime.now(UTC).year
    for table in ("marts.capability_countries", "marts.capability_summary"):
        flagged = capability.execute(
            f"select distinct year from {table} where year_incomplete order by 1"
        ).fetchall()
        assert flagged == [(this_year,)], table


def test_a_bound_counts_only_on_the_better_side(capability: duckdb.DuckDBPyConnection) -> None:
    # physical qubits, higher is better: M10 GBR 2022 "more than 70 qubits" demonstrates 70;
    # M11 JPN 2022 "fewer than 1000 qubits" demonstrates nothing, though 1000 would lead
    capability.execute(
        "insert into ref.milestones by name select m.* replace ("
        "  ids.id as milestone_id, ids.country as countries, '2022-05' as date,"
        "  ids.value as value, ids.bound as bound) "
        "from ref.milestones as m, "
        "  (values ('M10', 'GBR', '70', '>='), ('M11', 'JPN', '1000', '<='))"
        "  as ids(id, country, value, bound) "
        "where m.milestone_id = 'M7'"
    )
    for table in TABLES:
        run_sql(capability, table)
    rows = capability.execute(
        "select milestone_id, counted, goodness_log10 from staging.milestones "
        "where milestone_id in ('M10', 'M11') order by 1"
    ).fetchall()
    assert rows[0][:2] == ("M10", True) and rows[0][2] == pytest.approx(math.log10(70))
    assert rows[1] == ("M11", False, None)
    frontier = capability.execute(
        "select year, milestone_id, contested_milestone_id from marts.capability_frontier "
        "where metric = 'physical_qubits' and year between 2021 and 2023 order by year"
    ).fetchall()
    # the upper bound is not a contested figure that would beat the frontier either
    assert frontier == [(2021, "M7", None), (2022, "M10", None), (2023, "M10", None)]
    holders = capability.execute(
        "select country_iso3 from marts.capability_countries "
        "where metric = 'physical_qubits' and year = 2022 order by 1"
    ).fetchall()
    assert holders == [("CHN",), ("GBR",), ("USA",)]
