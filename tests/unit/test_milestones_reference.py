"""The reviewed milestones registry keeps its own rules.

Every row: one unit per metric, a value in the metric's plausible range, a past date, a
primary source (DOI or the organisation's own release), a known source quality, real
approach and country keys, no demonstration recorded twice, and contested figures kept on
both sides, each naming the other.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import duckdb
import polars as pl
import pytest

from assets.reference.tables import read_csv, reference_frames
from pipelines import as_of
from pipelines.contracts import check_values, load_contracts
from pipelines.db import replace_table
from pipelines.settings import SQL_DIR

pytestmark = pytest.mark.unit

COLUMNS = [
    "milestone_id",
    "approach",
    "organisation",
    "countries",
    "system_or_result",
    "date",
    "metric",
    "value",
    "bound",
    "unit",
    "source_quality",
    "primary_source",
    "primary_source_checked",
    "secondary_source",
    "contested",
    "contested_note",
    "recorded",
    "note",
]
METRIC_COLUMNS = [
    "metric",
    "label",
    "unit",
    "better",
    "transform",
    "valid_min",
    "valid_max",
    "reach_log10",
    "description",
    "source",
]
QUALITIES = {"peer_reviewed", "preprint", "vendor_claim", "secondary"}
MILESTONE_ID = re.compile(r"M\d{3}")
# a DOI as https://doi.org/10.<registrant>/<suffix>
DOI = re.compile(r"https://doi\.org/10\.\d{4,9}/\S+")
# the milestones a specialist would name, over the last decade, per approach
MIN_ROWS = 50


@pytest.fixture(scope="module")
def milestones() -> pl.DataFrame:
    """The registry as the pipeline reads it (every column text)."""
    return read_csv("milestones.csv")


@pytest.fixture(scope="module")
def metrics() -> pl.DataFrame:
    """The metric definitions as the pipeline reads them."""
    return read_csv("milestone_metrics.csv")


def parse_date(text: str) -> date:
    """A YYYY-MM-DD or YYYY-MM date (the first of the month); ValueError otherwise."""
    if re.fullmatch(r"\d{4}-\d{2}", text):
        text += "-01"
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(f"not a YYYY-MM(-DD) date: {text!r}")
    return date.fromisoformat(text)


def test_columns_are_the_fixed_interface(milestones: pl.DataFrame, metrics: pl.DataFrame) -> None:
    assert milestones.columns == COLUMNS
    assert metrics.columns == METRIC_COLUMNS
    assert milestones.height >= MIN_ROWS


def test_milestone_ids_are_unique_and_well_formed(milestones: pl.DataFrame) -> None:
    ids = milestones["milestone_id"].to_list()
    assert len(ids) == len(set(ids))
    assert [i for i in ids if not MILESTONE_ID.fullmatch(i)] == []


def test_metric_definitions_are_complete(metrics: pl.DataFrame) -> None:
    assert metrics["metric"].n_unique() == metrics.height
    assert metrics.select(pl.all().is_null().any()).row(0) == (False,) * len(METRIC_COLUMNS)
    assert set(metrics["better"]) <= {"higher", "lower"}
    assert set(metrics["transform"]) <= {"none", "one_minus"}
    for row in metrics.iter_rows(named=True):
        low, high, reach = (float(row[k]) for k in ("valid_min", "valid_max", "reach_log10"))
        assert low < high, row["metric"]
        assert reach > 0, row["metric"]
        if row["transform"] == "one_minus":
            assert (low, high, row["better"]) == (0, 1, "higher"), row["metric"]


def test_every_metric_used_is_defined_and_every_definition_used(
    milestones: pl.DataFrame, metrics: pl.DataFrame
) -> None:
    assert set(milestones["metric"]) == set(metrics["metric"])


def test_a_rows_unit_is_its_metrics_unit(milestones: pl.DataFrame, metrics: pl.DataFrame) -> None:
    joined = milestones.join(metrics.select("metric", "unit"), on="metric", suffix="_metric")
    wrong = joined.filter(pl.col("unit") != pl.col("unit_metric"))
    assert wrong.select("milestone_id", "unit", "unit_metric").rows() == []


def test_values_are_numbers_within_the_plausible_range(
    milestones: pl.DataFrame, metrics: pl.DataFrame
) -> None:
    ranges = {
        r["metric"]: (float(r["valid_min"]), float(r["valid_max"]))
        for r in metrics.iter_rows(named=True)
    }
    for row in milestones.iter_rows(named=True):
        value = float(row["value"])
        low, high = ranges[row["metric"]]
        assert low <= value <= high, (row["milestone_id"], value)
        # a logarithmic comparison needs a positive value (and an error 1 - F above zero)
        assert value > 0, row["milestone_id"]
    fidelities = set(metrics.filter(pl.col("transform") == "one_minus")["metric"])
    assert all(
        float(v) < 1 for m, v in milestones.select("metric", "value").rows() if m in fidelities
    )
    assert set(milestones["bound"]) <= {"=", ">=", "<="}


def test_dates_parse_and_are_not_in_the_future(milestones: pl.DataFrame) -> None:
    today = date.today()
    for row in milestones.iter_rows(named=True):
        demonstrated = parse_date(row["date"])
        recorded = parse_date(row["recorded"])
        assert len(row["recorded"]) == len("YYYY-MM-DD"), row["milestone_id"]
        assert demonstrated <= today, row["milestone_id"]
        assert recorded <= today, row["milestone_id"]
        assert demonstrated <= recorded, row["milestone_id"]


def test_every_row_names_a_primary_source_and_its_quality(milestones: pl.DataFrame) -> None:
    for row in milestones.iter_rows(named=True):
        primary = row["primary_source"]
        assert primary and primary.startswith("https://"), row["milestone_id"]
        if primary.startswith("https://doi.org/"):
            assert DOI.fullmatch(primary), row["milestone_id"]
        assert row["source_quality"] in QUALITIES, row["milestone_id"]
        assert row["primary_source_checked"] in {"yes", "no"}, row["milestone_id"]
        # a preprint is cited by its arXiv DOI or its own page, a vendor claim by the vendor
        if row["source_quality"] == "preprint":
            assert "arXiv" in primary or "arxiv.org" in primary, row["milestone_id"]


def test_approaches_and_countries_are_known_keys(milestones: pl.DataFrame) -> None:
    approaches = set(read_csv("approaches.csv")["approach"])
    iso3 = set(read_csv("countries.csv")["iso3"])
    assert set(milestones["approach"]) <= approaches - {"all", "unclassified"}
    for row in milestones.iter_rows(named=True):
        codes = row["countries"].split(";")
        assert codes and len(codes) == len(set(codes)), row["milestone_id"]
        assert set(codes) <= iso3, (row["milestone_id"], codes)


def test_no_demonstration_is_recorded_twice(milestones: pl.DataFrame) -> None:
    key = ["approach", "organisation", "metric", "value", "date"]
    duplicated = milestones.filter(pl.struct(key).is_duplicated())
    assert duplicated.select("milestone_id", *key).rows() == []


def test_contested_rows_point_at_each_other(milestones: pl.DataFrame) -> None:
    assert set(milestones["contested"]) <= {"yes", "no"}
    contested = milestones.filter(pl.col("contested") == "yes")
    ids = set(milestones["milestone_id"])
    status = dict(milestones.select("milestone_id", "contested").rows())
    for row in contested.iter_rows(named=True):
        named = set(re.findall(r"M\d{3}", row["contested_note"] or "")) - {row["milestone_id"]}
        assert named, row["milestone_id"]
        assert named <= ids, row["milestone_id"]
        assert all(status[other] == "yes" for other in named), row["milestone_id"]
        # the other side points back
        for other in named:
            note = milestones.filter(pl.col("milestone_id") == other)["contested_note"][0]
            assert row["milestone_id"] in (note or ""), (row["milestone_id"], other)
    uncontested = milestones.filter(pl.col("contested") == "no")
    assert uncontested["contested_note"].null_count() == uncontested.height


def test_checked_sources_and_counted_rows_are_the_majority(milestones: pl.DataFrame) -> None:
    """The registry rests on primary sources: secondary-only rows never enter."""
    assert "secondary" not in set(milestones["source_quality"])
    assert (milestones["primary_source_checked"] == "yes").sum() >= milestones.height // 3


def test_the_build_refuses_a_bad_row(con: duckdb.DuckDBPyConnection) -> None:
    """The contract's checks (run in every build) catch what the review could miss: a
    future date, a duplicate demonstration, a value out of range and a unit mismatch."""
    frames = reference_frames()
    for table in ("ref.milestone_metrics", "ref.approaches", "ref.countries"):
        replace_table(con, table, frames[table])
    milestones = frames["ref.milestones"]
    first = milestones.head(1)
    bad = pl.concat(
        [
            milestones,
            first.with_columns(milestone_id=pl.lit("M998")),  # the same demonstration again
            first.with_columns(milestone_id=pl.lit("M999"), date=pl.lit("2099-01"),
                               value=pl.lit("-5"), unit=pl.lit("furlongs")),
        ]
    )  # fmt: skip
    replace_table(con, "ref.milestones", bad)
    outcome = check_values(con, load_contracts(SQL_DIR)["ref.milestones"])
    assert not outcome.passed
    failed = " ".join(str(f) for f in outcome.failures)
    for name in (
        "date_parses_and_is_not_in_the_future",
        "no_duplicate_demonstration",
        "value_in_metric_range",
        "unit_is_metric_unit",
    ):
        assert name in failed, name


def test_no_milestone_is_dated_after_the_day_the_build_is_as_of(
    con: duckdb.DuckDBPyConnection,
) -> None:
    frames = reference_frames()
    for table in ("ref.milestone_metrics", "ref.approaches", "ref.countries", "ref.milestones"):
        replace_table(con, table, frames[table])
    contract = load_contracts(SQL_DIR)["ref.milestones"]
    rows = frames["ref.milestones"].iter_rows(named=True)
    latest = max((parse_date(row["date"]), row["milestone_id"]) for row in rows)
    assert check_values(con, as_of.dated_checks(contract, latest[0])).passed
    # as of the day before the latest demonstration's: it had not been made yet
    outcome = check_values(con, as_of.dated_checks(contract, latest[0] - timedelta(days=1)))
    assert [f["expectation"].split(" ")[0] for f in outcome.failures] == [
        "date_parses_and_is_not_in_the_future"
    ]
    assert latest[1] in {example[0] for example in outcome.failures[0]["examples"]}
