"""Rules of the supply-chain reference tables (issue 7).

Reads the reviewed CSVs (supply_components, suppliers, export_controls, competitor_sets)
with ``assets.reference.tables.read_csv`` and checks keys, vocabularies and formats.
No network; the HS2022 nomenclature beside the repo is read only when it exists.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from assets.reference.tables import read_csv

pytestmark = pytest.mark.unit

NOMENCLATURE = Path(__file__).resolve().parents[3] / "shared/reference/hs2022_nomenclature.csv"

# The registry component keys fixed in the issue-7 design (design.md).
DESIGN_COMPONENTS = {
    "dilution_refrigerators",
    "cryocoolers",
    "helium_3",
    "isotopes",
    "lasers",
    "optical_components",
    "single_photon_detectors",
    "cryo_electronics",
    "control_electronics",
    "photonic_chips",
    "vacuum_systems",
    "synthetic_diamond",
    "optical_fibre",
    "superconducting_magnets",
    "coaxial_cryo_cabling",
    "quantum_computers",
}


def _split(value: str | None) -> list[str]:
    """Items of a ';'-separated cell (empty list for an empty cell)."""
    return [item for item in (value or "").split(";") if item]


def _column_items(frame: pl.DataFrame, column: str) -> set[str]:
    """Every item of every ';'-separated cell of ``column``."""
    return {item for cell in frame[column].to_list() for item in _split(cell)}


@pytest.fixture(scope="module")
def components() -> pl.DataFrame:
    """ref.supply_components as read from its CSV."""
    return read_csv("supply_components.csv")


@pytest.fixture(scope="module")
def suppliers() -> pl.DataFrame:
    """ref.suppliers as read from its CSV."""
    return read_csv("suppliers.csv")


@pytest.fixture(scope="module")
def controls() -> pl.DataFrame:
    """ref.export_controls as read from its CSV."""
    return read_csv("export_controls.csv")


@pytest.fixture(scope="module")
def competitors() -> pl.DataFrame:
    """ref.competitor_sets as read from its CSV."""
    return read_csv("competitor_sets.csv")


@pytest.fixture(scope="module")
def iso3_codes() -> set[str]:
    """ISO3 codes of ref.countries."""
    return set(read_csv("countries.csv")["iso3"].to_list())


@pytest.fixture(scope="module")
def approach_keys() -> set[str]:
    """Approach keys of ref.approaches."""
    return set(read_csv("approaches.csv")["approach"].to_list())


def test_headers_match_design(
    components: pl.DataFrame,
    suppliers: pl.DataFrame,
    controls: pl.DataFrame,
    competitors: pl.DataFrame,
) -> None:
    assert components.columns == [
        "component",
        "label",
        "approaches",
        "hs_proxies",
        "description",
        "source",
    ]
    assert suppliers.columns == [
        "company",
        "country_iso3",
        "component",
        "approaches",
        "product",
        "source_url",
        "source_title",
        "source_checked",
        "note",
    ]
    assert controls.columns == [
        "regime",
        "entry",
        "title",
        "component",
        "approaches",
        "effective_date",
        "source_url",
        "note",
    ]
    assert competitors.columns == [
        "set_code",
        "set_name",
        "name",
        "iso3",
        "viewpoint",
        "source_url",
        "note",
    ]


def test_component_keys_are_exactly_the_design_keys(components: pl.DataFrame) -> None:
    keys = components["component"].to_list()
    assert len(keys) == len(set(keys)), "duplicate component key"
    assert set(keys) == DESIGN_COMPONENTS


def test_required_cells_are_filled(
    components: pl.DataFrame,
    suppliers: pl.DataFrame,
    controls: pl.DataFrame,
    competitors: pl.DataFrame,
) -> None:
    required = {
        "components": (components, ["component", "label", "approaches", "description", "source"]),
        "suppliers": (
            suppliers,
            [
                "company",
                "country_iso3",
                "component",
                "product",
                "source_url",
                "source_title",
                "source_checked",
            ],
        ),
        "controls": (
            controls,
            ["regime", "entry", "title", "approaches", "effective_date", "source_url"],
        ),
        "competitors": (competitors, ["set_code", "name", "iso3", "viewpoint", "source_url"]),
    }
    for table, (frame, columns) in required.items():
        for column in columns:
            assert frame[column].null_count() == 0, f"{table}.{column} has empty cells"


def test_component_keys_of_suppliers_and_controls_exist(
    components: pl.DataFrame, suppliers: pl.DataFrame, controls: pl.DataFrame
) -> None:
    known = set(components["component"].to_list())
    assert set(suppliers["component"].to_list()) <= known
    assert set(controls["component"].drop_nulls().to_list()) <= known


def test_every_registry_component_but_whole_systems_has_suppliers(
    components: pl.DataFrame, suppliers: pl.DataFrame
) -> None:
    missing = set(components["component"].to_list()) - set(suppliers["component"].to_list())
    assert missing <= {"quantum_computers"}


def test_approach_lists_use_known_keys(
    approach_keys: set[str],
    components: pl.DataFrame,
    suppliers: pl.DataFrame,
    controls: pl.DataFrame,
) -> None:
    usable = approach_keys - {"all", "unclassified"}
    tables = {"components": components, "suppliers": suppliers, "controls": controls}
    for name, frame in tables.items():
        unknown = _column_items(frame, "approaches") - usable
        assert not unknown, f"{name}: unknown approach keys {sorted(unknown)}"
    for row in components.iter_rows(named=True):
        items = _split(row["approaches"])
        assert len(items) == len(set(items)), f"{row['component']}: repeated approach"


def test_country_codes_exist(
    iso3_codes: set[str], suppliers: pl.DataFrame, competitors: pl.DataFrame
) -> None:
    assert set(suppliers["country_iso3"].to_list()) <= iso3_codes
    assert set(competitors["iso3"].to_list()) <= iso3_codes


def test_suppliers_unique_on_company_and_component(suppliers: pl.DataFrame) -> None:
    pairs = suppliers.select("company", "component")
    assert pairs.n_unique() == suppliers.height


def test_suppliers_cover_enough_rows_and_countries(suppliers: pl.DataFrame) -> None:
    assert 60 <= suppliers.height <= 100
    assert suppliers["country_iso3"].n_unique() >= 12


def test_source_urls_are_https(
    suppliers: pl.DataFrame, controls: pl.DataFrame, competitors: pl.DataFrame
) -> None:
    for frame in (suppliers, controls, competitors):
        urls = frame["source_url"].to_list()
        assert all(url.startswith("https://") for url in urls), urls


def test_source_checked_is_yes_or_no(suppliers: pl.DataFrame) -> None:
    assert set(suppliers["source_checked"].to_list()) <= {"yes", "no"}


def test_hs_proxies_are_six_digit_codes(components: pl.DataFrame) -> None:
    for row in components.iter_rows(named=True):
        for code in _split(row["hs_proxies"]):
            assert len(code) == 6 and code.isdigit(), (row["component"], code)


@pytest.mark.skipif(
    not NOMENCLATURE.exists(),
    reason=f"HS2022 nomenclature not found at {NOMENCLATURE} (the shared folder beside the repo)",
)
def test_hs_proxies_exist_in_hs2022(components: pl.DataFrame) -> None:
    with NOMENCLATURE.open(encoding="utf-8", newline="") as handle:
        codes = {row["hscode"] for row in csv.DictReader(handle) if row["level"] == "6"}
    proxies = _column_items(components, "hs_proxies")
    assert proxies, "no HS proxies at all"
    assert proxies <= codes, sorted(proxies - codes)


def test_effective_dates_parse(controls: pl.DataFrame) -> None:
    for value in controls["effective_date"].to_list():
        parsed = date.fromisoformat(value)
        assert date(2020, 1, 1) <= parsed <= date(2030, 12, 31), value


def test_export_controls_unique_and_cover_the_us_rule(controls: pl.DataFrame) -> None:
    keys = controls.select("regime", "entry", pl.col("component").fill_null(""))
    assert keys.n_unique() == controls.height
    us = controls.filter(pl.col("regime") == "US EAR (BIS)")
    assert {"3A901", "3A904", "4A906"} <= set(us["entry"].to_list())
    mapped = {(r["entry"], r["component"]) for r in us.iter_rows(named=True)}
    assert ("3A904", "dilution_refrigerators") in mapped
    assert ("3A904", "cryocoolers") in mapped
    assert ("3A901", "cryo_electronics") in mapped
    assert ("4A906", "quantum_computers") in mapped


def test_us_foreign_adversaries_set(competitors: pl.DataFrame) -> None:
    us = competitors.filter(pl.col("set_code") == "US_FOREIGN_ADVERSARIES")
    assert set(us["iso3"].to_list()) >= {"CHN", "HKG", "CUB", "IRN", "PRK", "RUS", "VEN"}
    assert set(us["viewpoint"].to_list()) == {"United States"}
    assert competitors.select("set_code", "iso3").n_unique() == competitors.height
    # a set is named once: the same set_name on each of its rows
    assert (
        competitors.group_by("set_code").agg(pl.col("set_name").n_unique())["set_name"].max() == 1
    )
