"""A live World Bank refresh written into (copies of) the committed conversion tables."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from assets.funding.conversion_update import update_tables
from assets.funding.world_bank_live import WorldBankFetcher
from assets.reference.tables import REFERENCE_DIR
from pipelines.landing import LandingZone
from tests import world_bank_bodies as wb
from tests.mock_server import MockServer, Reply

pytestmark = pytest.mark.unit
TABLES = ("fx_rates.csv", "economic_indicators.csv", "currencies.csv")


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def reference(tmp_path: Path) -> Path:
    """Copies of the committed tables the update may rewrite."""
    folder = tmp_path / "reference"
    folder.mkdir()
    for name in TABLES:
        shutil.copy(REFERENCE_DIR / name, folder / name)
    return folder


def land(zone: LandingZone, indicator: str, records: list[dict]) -> None:
    """One complete fetch of ``indicator`` in ``zone`` (through the real client)."""
    with MockServer([Reply(200, wb.page(records))]) as server:
        fetcher = WorldBankFetcher(
            zone, base_url=server.url, min_interval=0, sleep=lambda s: None, log=lambda m: None
        )
        fetcher.fetch_indicator(indicator, ["DEU", "USA"], 2024, 2024)


def test_the_refresh_adds_rows_and_keeps_what_it_lacks(tmp_path: Path, reference: Path) -> None:
    zone = LandingZone(tmp_path / "raw", "world_bank")
    land(
        zone,
        "PA.NUS.FCRF",
        [wb.record("PA.NUS.FCRF", "DEU", 2024, 0.924), wb.record("PA.NUS.FCRF", "USA", 2024, 1)],
    )
    land(zone, "SP.POP.TOTL", [wb.record("SP.POP.TOTL", "DEU", 2024, 83_500_000)])
    before = rows(reference / "fx_rates.csv")
    lines = update_tables(zone, reference)
    fx = rows(reference / "fx_rates.csv")
    assert len(fx) == len(before) + 1  # EUR 2024 added; the dollar is never a fetched rate
    eur = [r for r in fx if (r["currency"], r["year"]) == ("EUR", "2024")]
    assert eur[0]["units_per_usd"] == "0.924" and "World Bank" in eur[0]["source"]
    assert not [r for r in fx if r["currency"] == "USD"]
    kept = {(r["currency"], r["year"]) for r in before}
    assert kept <= {(r["currency"], r["year"]) for r in fx}
    population = [
        r for r in rows(reference / "economic_indicators.csv")
        if (r["country_iso3"], r["year"], r["indicator"]) == ("DEU", "2024", "population")
    ]  # fmt: skip
    assert population[0]["value"] == "83500000"
    assert lines[0].startswith("fx_rates.csv: 1 rows added")


def test_nothing_landed_is_an_error_and_changes_nothing(tmp_path: Path, reference: Path) -> None:
    before = (reference / "fx_rates.csv").read_bytes()
    with pytest.raises(ValueError, match="no complete World Bank fetch"):
        update_tables(LandingZone(tmp_path / "raw", "world_bank"), reference)
    assert (reference / "fx_rates.csv").read_bytes() == before


def test_a_deflator_of_another_base_is_refused(tmp_path: Path, reference: Path) -> None:
    zone = LandingZone(tmp_path / "raw", "world_bank")
    # a rebased series (2015 = 100) must not be merged over the committed 2017 = 100 rows
    land(zone, "NY.GDP.DEFL.ZS", [wb.record("NY.GDP.DEFL.ZS", "USA", 2024, 100.0)])
    before = (reference / "economic_indicators.csv").read_bytes()
    with pytest.raises(ValueError, match="several bases"):
        update_tables(zone, reference)
    assert (reference / "economic_indicators.csv").read_bytes() == before
