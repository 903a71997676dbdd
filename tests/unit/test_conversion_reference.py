"""The committed conversion tables: sourced, plausible, unique, and consistent with each other."""

from __future__ import annotations

import re

import polars as pl
import pytest

from assets.funding.world_bank_parse import (
    FX_COLUMNS,
    INDICATOR_COLUMNS,
    INDICATORS,
    check_one_deflator_base,
)
from assets.reference.tables import read_csv

pytestmark = pytest.mark.unit
# The currencies programme amounts are announced in (issue 5, national programmes).
PROGRAMME_CURRENCIES = {
    *("AUD", "BRL", "CAD", "CHF", "CNY", "DKK", "EUR", "GBP", "ILS", "INR", "JPY"),
    *("KRW", "NOK", "NZD", "PLN", "RUB", "SEK", "SGD", "THB", "TWD", "USD", "ZAR"),
}
INDICATOR_NAMES = {name for name, _ in INDICATORS.values()}
# Units per US$ a yearly average could plausibly take, 2010-2025 (wide on purpose).
FX_RANGE = {"JPY": (70, 200), "KRW": (900, 1600), "INR": (40, 100), "EUR": (0.6, 1.2)}
SOURCE = re.compile(r"^https?://\S+ \(.+\)$|^World Bank WDI \S+ via api\.worldbank\.org")


@pytest.fixture(scope="module")
def fx() -> pl.DataFrame:
    return read_csv("fx_rates.csv")


@pytest.fixture(scope="module")
def indicators() -> pl.DataFrame:
    return read_csv("economic_indicators.csv")


@pytest.fixture(scope="module")
def currencies() -> pl.DataFrame:
    return read_csv("currencies.csv")


def test_the_tables_have_their_documented_columns(
    fx: pl.DataFrame, indicators: pl.DataFrame, currencies: pl.DataFrame
) -> None:
    assert tuple(fx.columns) == FX_COLUMNS
    assert tuple(indicators.columns) == INDICATOR_COLUMNS
    assert currencies.columns[:4] == ["currency", "name", "world_bank_country", "source"]


@pytest.mark.parametrize("name", ["fx_rates.csv", "economic_indicators.csv", "currencies.csv"])
def test_every_row_names_the_page_it_was_read_on(name: str) -> None:
    for row in read_csv(name).iter_rows(named=True):
        assert row["source"] and SOURCE.match(row["source"]), row


def test_fx_rates_are_positive_plausible_and_unique(fx: pl.DataFrame) -> None:
    assert fx.select("currency", "year").is_duplicated().sum() == 0
    assert "USD" not in fx["currency"].to_list(), "USD is 1 by definition and never listed"
    for row in fx.iter_rows(named=True):
        value = float(row["units_per_usd"])
        low, high = FX_RANGE.get(row["currency"], (0.1, 100))
        assert low < value < high, row
        assert 2000 <= int(row["year"]) <= 2025, row


def test_fx_covers_the_programme_years_for_the_g5a_currencies(fx: pl.DataFrame) -> None:
    """Every currency the Federal Reserve publishes has 2017 to 2023, the years that matter most."""
    have = {(r["currency"], int(r["year"])) for r in fx.iter_rows(named=True)}
    # ILS and RUB come from the IRS table, which the stored copy gives for 2019-2023 only.
    g5a = fx.filter(pl.col("source").str.contains("federalreserve.gov/releases/g5a"))
    for currency in set(g5a["currency"].to_list()):
        assert {(currency, y) for y in range(2017, 2024)} <= have, currency


def test_every_programme_currency_is_described(currencies: pl.DataFrame, fx: pl.DataFrame) -> None:
    listed = currencies["currency"].to_list()
    assert len(listed) == len(set(listed))
    assert set(listed) >= PROGRAMME_CURRENCIES
    assert set(fx["currency"].to_list()) <= set(listed)


def test_world_bank_countries_exist(currencies: pl.DataFrame) -> None:
    known = set(read_csv("countries.csv")["iso3"].to_list()) | {"EUU", "EMU"}
    for row in currencies.iter_rows(named=True):
        code = row["world_bank_country"]
        # Taiwan alone has no World Bank series; its row says so.
        assert code in known or (code is None and row["currency"] == "TWD" and row["note"]), row
    mapped = currencies.filter(pl.col("world_bank_country").is_not_null())
    assert mapped["world_bank_country"].is_duplicated().sum() == 0


def test_indicator_rows_are_unique_known_and_positive(indicators: pl.DataFrame) -> None:
    assert indicators.select("country_iso3", "year", "indicator").is_duplicated().sum() == 0
    known = set(read_csv("countries.csv")["iso3"].to_list()) | {"EUU"}
    for row in indicators.iter_rows(named=True):
        assert row["indicator"] in INDICATOR_NAMES, row
        assert row["country_iso3"] in known, row
        assert float(row["value"]) > 0 and row["unit"], row


def test_magnitudes_are_plausible(indicators: pl.DataFrame) -> None:
    """GDP between 10 billion and 40 trillion; the deflator within 20..200 of its base."""
    for row in indicators.iter_rows(named=True):
        value = float(row["value"])
        if row["indicator"] in ("gdp_usd", "gdp_ppp"):
            assert 1e10 < value < 4e13, row
        if row["indicator"] == "population":
            assert 1e5 < value < 2e9, row
        if row["indicator"] == "gdp_deflator":
            assert 20 < value < 200, row


def test_the_usa_deflator_is_one_series_2010_on(indicators: pl.DataFrame) -> None:
    deflator = indicators.filter(pl.col("indicator") == "gdp_deflator")
    assert set(deflator["country_iso3"].to_list()) == {"USA"}
    assert check_one_deflator_base(deflator.iter_rows(named=True)) == "index 2017=100"
    years = sorted(int(y) for y in deflator["year"].to_list())
    assert years[0] == 2010 and years == list(range(2010, years[-1] + 1))
    by_year = {int(r["year"]): float(r["value"]) for r in deflator.iter_rows(named=True)}
    assert by_year[2017] == 100.0
