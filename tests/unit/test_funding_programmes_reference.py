"""The reviewed national quantum programme table keeps its own rules.

One counted figure per programme, conflicts kept as alternatives, parts of a counted total
as components, never the same money counted twice, and (where ../shared is present) every
figure traceable to an input row with the same page and amount.
"""

import csv
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import polars as pl
import pytest

from assets.reference.tables import read_csv

pytestmark = pytest.mark.unit

INPUT = (Path(__file__).resolve().parents[2] / ".." / "shared" / "reference").resolve()
COLUMNS = [
    "row_id",
    "programme_id",
    "country_iso3",
    "programme",
    "amount",
    "amount_kind",
    "currency",
    "start_year",
    "end_year",
    "stated_duration_years",
    "announced_year",
    "scope",
    "public_money",
    "status",
    "part_of",
    "source_kind",
    "source_url",
    "accessed",
    "review_note",
]
ALLOWED = {
    "amount_kind": {"exact", "up_to", "at_least", "about"},
    "scope": {
        "national_strategy_total",
        "programme",
        "flagship",
        "budget_line",
        "subnational",
        "company_investment",
        "estimate",
        "private_and_public",
    },
    "public_money": {"yes", "no", "mixed"},
    "status": {"counted", "alternative", "component", "excluded"},
    "source_kind": {"official", "reputable_news", "aggregator", "vendor"},
}
MIN_COUNTED_COUNTRIES = 25
# a programme length a source states ("over five years", "a ten-year programme")
MAX_DURATION_YEARS = 30


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str | None]]:
    """Every row of the table, as text (empty fields are None)."""
    return read_csv("funding_programmes.csv").to_dicts()


def amount(row: dict[str, str | None]) -> Decimal:
    """The row's amount as a number; a malformed amount fails the test that reads it."""
    try:
        return Decimal(row["amount"] or "")
    except InvalidOperation:
        pytest.fail(f"{row['row_id']}: amount {row['amount']!r} is not a number")


def programmes_with(rows: list[dict[str, str | None]], *statuses: str) -> set[str]:
    return {r["programme_id"] for r in rows if r["status"] in statuses}


def test_columns_and_allowed_values(rows: list[dict[str, str | None]]) -> None:
    assert read_csv("funding_programmes.csv").columns == COLUMNS
    for row in rows:
        for column, allowed in ALLOWED.items():
            assert row[column] in allowed, (row["row_id"], column, row[column])


def test_row_ids_are_unique_slugs(rows: list[dict[str, str | None]]) -> None:
    ids = [r["row_id"] for r in rows]
    assert len(ids) == len(set(ids))
    for row in rows:
        assert re.fullmatch(r"[a-z0-9_]+", row["row_id"] or ""), row["row_id"]
        assert re.fullmatch(r"[a-z0-9_]+", row["programme_id"] or ""), row["programme_id"]
        # the slug starts with its programme, so a row is findable from its programme
        assert row["row_id"].startswith(row["programme_id"]), row["row_id"]


def test_every_row_is_sourced_and_reviewed(rows: list[dict[str, str | None]]) -> None:
    for row in rows:
        assert (row["source_url"] or "").startswith(("http://", "https://")), row["row_id"]
        assert row["review_note"], row["row_id"]
        assert row["programme"], row["row_id"]
        assert amount(row) > 0, row["row_id"]
        assert row["currency"] is None or re.fullmatch(r"[A-Z]{3}", row["currency"]), row
        for column in ("start_year", "end_year", "announced_year"):
            assert row[column] is None or re.fullmatch(r"(19|20)\d\d", row[column]), row
        if row["start_year"] and row["end_year"]:
            assert int(row["start_year"]) <= int(row["end_year"]), row["row_id"]


def test_stated_durations_are_whole_years_that_agree_with_the_period(
    rows: list[dict[str, str | None]],
) -> None:
    """A stated length is empty or 1..30 years, and never contradicts stated years.

    The pipeline derives a period from the length only when a year is missing, so a row
    that has both years and a length must give the same period either way.
    """
    for row in rows:
        duration = row["stated_duration_years"]
        if duration is None:
            continue
        assert re.fullmatch(r"[1-9]\d?", duration), (row["row_id"], duration)
        assert 1 <= int(duration) <= MAX_DURATION_YEARS, (row["row_id"], duration)
        if row["start_year"] and row["end_year"]:
            years = int(row["end_year"]) - int(row["start_year"]) + 1
            assert years == int(duration), (row["row_id"], years, duration)


def test_counted_rows_are_complete_public_figures(rows: list[dict[str, str | None]]) -> None:
    for row in (r for r in rows if r["status"] == "counted"):
        assert row["programme_id"] and row["source_url"], row["row_id"]
        assert amount(row) > 0 and row["currency"], row["row_id"]
        # private and mixed money is shown, never counted as a public commitment
        assert row["public_money"] == "yes", row["row_id"]


def test_mixed_and_private_scopes_say_so(rows: list[dict[str, str | None]]) -> None:
    for row in rows:
        if row["scope"] == "private_and_public":
            assert row["public_money"] == "mixed", row["row_id"]


def test_at_most_one_counted_row_per_programme(rows: list[dict[str, str | None]]) -> None:
    counted = pl.DataFrame([r for r in rows if r["status"] == "counted"])
    twice = counted.group_by("programme_id").len().filter(pl.col("len") > 1)
    assert twice.is_empty(), twice


def test_alternatives_and_components_point_at_a_programme(
    rows: list[dict[str, str | None]],
) -> None:
    known = {r["programme_id"] for r in rows}
    shown = programmes_with(rows, "counted", "component")
    counted = programmes_with(rows, "counted")
    country = {r["programme_id"]: r["country_iso3"] for r in rows}
    for row in rows:
        if row["status"] == "alternative":
            # a conflicting figure sits beside the figure it conflicts with
            assert row["programme_id"] in shown, row["row_id"]
            assert not row["part_of"], row["row_id"]
        if row["status"] == "component":
            assert row["part_of"] in counted, row["row_id"]
            assert row["programme_id"] not in counted, row["row_id"]
        if row["part_of"]:
            assert row["part_of"] in known and row["part_of"] != row["programme_id"], row
            assert country[row["part_of"]] == row["country_iso3"], row["row_id"]


def test_no_money_is_counted_twice(rows: list[dict[str, str | None]]) -> None:
    counted = programmes_with(rows, "counted")
    for row in rows:
        # a counted part of a total is allowed only when the total itself is not counted
        if row["status"] == "counted" and row["part_of"]:
            assert row["part_of"] not in counted, row["row_id"]


def test_enough_countries_have_a_counted_programme(rows: list[dict[str, str | None]]) -> None:
    countries = {r["country_iso3"] for r in rows if r["status"] == "counted"}
    assert "EUU" in countries
    assert len(countries - {"EUU"}) >= MIN_COUNTED_COUNTRIES, sorted(countries)


def test_country_codes_are_known(rows: list[dict[str, str | None]]) -> None:
    iso3 = set(read_csv("countries.csv")["iso3"])
    for row in rows:
        # world totals (WLD) are not national programmes and stay out of the table
        assert row["country_iso3"] in iso3 | {"EUU"}, row["row_id"]


def test_china_publishes_no_budget_so_nothing_is_counted(
    rows: list[dict[str, str | None]],
) -> None:
    china = [r for r in rows if r["country_iso3"] == "CHN"]
    assert china, "every Chinese estimate stays visible"
    assert {r["status"] for r in china} == {"excluded"}


@pytest.fixture(scope="module")
def input_rows() -> list[dict[str, str]]:
    """The gathered figures in ../shared/reference; skipped with the reason when absent."""
    path = INPUT / "quantum_programmes.csv"
    if not path.is_file():
        pytest.skip(f"input figures not available: {path} is absent")
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_figure_traces_to_an_input_row(
    rows: list[dict[str, str | None]], input_rows: list[dict[str, str]]
) -> None:
    figures = {(r["source_url"], Decimal(r["amount"])) for r in input_rows if r["amount"]}
    urls = {url for url, _ in figures}
    for row in rows:
        assert row["source_url"] in urls, row["row_id"]
        # every row, counted or not, is a figure a page gave: no number of our own
        assert (row["source_url"], amount(row)) in figures, row["row_id"]


def test_the_input_is_reviewed_whole(
    rows: list[dict[str, str | None]], input_rows: list[dict[str, str]]
) -> None:
    """Each national or EU input row has exactly one reviewed row (WLD rows stay out)."""
    ours = {(r["source_url"], amount(r), r["currency"]) for r in rows}
    national = [r for r in input_rows if r["country_iso3"] != "WLD"]
    theirs = {(r["source_url"], Decimal(r["amount"]), r["currency"] or None) for r in national}
    assert ours == theirs
    assert len(rows) == len(national)
