"""The grant sections in a release that suppresses small numbers, on small hand-made frames:
what is published is used (a country's all-approach rows where its approaches are
suppressed), no sum over the grant window leaves a suppressed year out (such an approach
or country is left out, and the page says so), "no grant" is said only of a country without
any grant row; the release that flags small numbers reads as before."""

from __future__ import annotations

import dataclasses

import polars as pl
import pytest

from dashboards.data import SiteData
from dashboards.families import common, funding
from dashboards.page import Section
from tests import site_pages as pages
from tests.unit.test_dashboards_funding import _data, _indicator, _programme_indicators

pytestmark = pytest.mark.unit
WINDOW = range(2021, 2026)  # 2026 is still being awarded: the window is 2021-2025
NUMBERS = ("value", "numerator", "denominator", "records")


def _grant(
    code: str, year: int, usd: float, records: int, approach: str = "all", **extra: object
) -> dict:
    names = {"FRA": "France", "DEU": "Germany", "GBR": "United Kingdom", "WLD": "World"}
    return _indicator(
        code,
        names[code],
        year,
        "grant_funding_usd",
        usd,
        kind="grants",
        approach=approach,
        records=records,
        data_kind="synthetic sample",
        entity_type="world" if code == "WLD" else "country",
        **extra,
    )


def _share(code: str, year: int, international: float, total: float, records: int) -> dict:
    row = _grant(code, year, international / total, records, numerator=international)
    return row | {"indicator": "grant_international_share", "denominator": total}


def _grants() -> list[dict]:
    """Grants of 2021-2026, fewer than 10 in a row being small:
    France: 10 million a year (12 grants), 6 million of trapped ions (10 grants) and 3
    million of superconducting qubits (12 grants, 4 in 2023), 8 million in international
    consortia; Germany: 20 million a year (15 grants) but 5 million in 2022 (5 grants), 2
    million in consortia, trapped ions 4 grants a year; the United Kingdom: 1 million a year
    in 3 grants; the world: 30 million a year (30 grants), 18 million of trapped ions (20
    grants), 9 million of superconducting qubits (12 grants, 8 in 2024)."""
    rows = []
    for year in range(2021, 2027):
        rows += [
            _grant("FRA", year, 10e6, 12),
            _grant("FRA", year, 6e6, 10, "trapped_ion"),
            _grant("FRA", year, 3e6, 4 if year == 2023 else 12, "superconducting"),
            _share("FRA", year, 8e6, 10e6, 12),
            _grant("DEU", year, 5e6 if year == 2022 else 20e6, 5 if year == 2022 else 15),
            _share("DEU", year, 2e6, 5e6 if year == 2022 else 20e6, 5 if year == 2022 else 15),
            _grant("DEU", year, 2e6, 4, "trapped_ion"),
            _grant("GBR", year, 1e6, 3),
            _grant("GBR", year, 1e6, 3, "trapped_ion"),
            _grant("WLD", year, 30e6, 30),
            _grant("WLD", year, 18e6, 20, "trapped_ion"),
            _grant("WLD", year, 9e6, 8 if year == 2024 else 12, "superconducting"),
        ]
    return rows


def _programmes() -> list[dict]:
    """Programme rows as the mart publishes them: never small (their records are figures)."""
    return [row | {"small_n": False} for row in _programme_indicators()]


def _flagged(grants: list[dict] | None = None) -> SiteData:
    return _data(_programmes() + (_grants() if grants is None else grants))


def _suppressed(grants: list[dict] | None = None) -> SiteData:
    """The same rows as a release that suppresses small numbers reads them: the small rows
    published without their numbers, left out of the frame and held in ``left_out``."""
    data = _flagged(grants)
    frame = data.funding_indicators
    small = frame.filter(pl.col("small_n")).with_columns(
        [pl.lit(None, frame.schema[c]).alias(c) for c in NUMBERS]
    )
    return dataclasses.replace(
        data,
        small_numbers="suppress",
        funding_indicators=frame.filter(~pl.col("small_n")),
        left_out={"funding_indicators": small},
    )


def _section(data: SiteData, iso3: str) -> Section:
    """The section of ``iso3``'s country page on grants."""
    (section,) = [
        s for s in funding.country(data, iso3) if s.heading.endswith("NSF, UKRI and CORDIS")
    ]
    return section


def test_the_approaches_and_countries_with_a_suppressed_year_are_found() -> None:
    flagged, suppressed = _flagged(), _suppressed()
    assert funding.grant_window(flagged) == funding.grant_window(suppressed) == (2021, 2025)
    assert funding.approaches_left_out(flagged) == set()
    assert funding.countries_left_out_of_shares(flagged) == set()
    assert funding.approaches_left_out(suppressed) == {"superconducting"}
    assert funding.approaches_left_out(suppressed, "country", "FRA") == {"superconducting"}
    assert funding.approaches_left_out(suppressed, "country", "DEU") == {"trapped_ion"}
    assert funding.countries_left_out_of_shares(suppressed) == {"DEU"}


def test_the_grant_window_and_sample_label_read_the_suppressed_rows_too() -> None:
    # every grant row of the United Kingdom is small: the window and the synthetic label
    # come from the rows published without their numbers
    only = [r for r in _grants() if r["entity_code"] == "GBR"]
    data = _suppressed(only)
    assert data.funding_indicators.filter(pl.col("funding_kind") == "grants").height == 0
    assert funding.grant_window(data) == (2021, 2025)
    assert funding.grants_are_sample(data)


def test_an_approach_with_a_suppressed_year_is_left_out_of_the_pooled_money() -> None:
    # flag: 5 x 18 = 90 million of trapped ions in 100 grants, 5 x 9 = 45 million of
    # superconducting qubits in 4 x 12 + 8 = 56 grants
    flagged = funding.grants_by_approach(_flagged())
    assert flagged.select("approach", "value", "grants").rows() == [
        ("trapped_ion", 90.0, 100),
        ("superconducting", 45.0, 56),
    ]
    # suppress: 2024's superconducting row has no number, 36 million would understate it
    suppressed = funding.grants_by_approach(_suppressed())
    assert suppressed.select("approach", "value", "grants").rows() == [("trapped_ion", 90.0, 100)]


def test_a_country_with_a_suppressed_year_is_left_out_of_the_international_shares() -> None:
    flagged = funding.international_shares(_flagged())
    # Germany: 5 x 2 = 10 of 4 x 20 + 5 = 85 million
    assert flagged["entity_code"].to_list() == ["FRA", "DEU"]
    assert flagged["value"].to_list() == pytest.approx([0.8, 10 / 85])
    assert flagged["denominator"].to_list() == pytest.approx([50.0, 85.0])
    # suppress: 8 of 80 million would not be Germany's share of its money
    suppressed = funding.international_shares(_suppressed())
    assert suppressed["entity_code"].to_list() == ["FRA"]
    assert suppressed["value"].to_list() == pytest.approx([0.8])
    assert suppressed["denominator"].to_list() == pytest.approx([50.0])


def test_the_funding_page_says_once_what_the_sums_leave_out() -> None:
    approaches = common.left_out_of_sums("approaches", "2021-2025")
    countries = common.left_out_of_sums("countries", "2021-2025")
    assert approaches == (
        "This release suppresses small numbers: approaches with a year too small to publish in "
        "2021-2025 are left out, as a sum of their other years would understate them."
    )
    flagged = funding.page(_flagged())
    said = pages.text(flagged)
    assert approaches not in said and countries not in said
    charts = pages.charts(flagged)
    assert charts["funding-grants-approach"].figure.layout.title.text == (
        "Synthetic sample: Trapped ions received the most grant money, 2021-2025"
    )
    assert (
        charts["funding-grants-international"]
        .notes[0]
        .startswith("The 10 countries with the most grant money. A consortium")
    )
    suppressed = funding.page(_suppressed())
    said = pages.text(suppressed)
    assert said.count(approaches) == 1 and said.count(countries) == 1
    by_approach = next(s for s in suppressed if s.heading == "Grants by approach")
    assert by_approach.paragraphs[-1] == approaches
    shares = next(s for s in suppressed if s.heading == "Grants in international consortia")
    assert shares.paragraphs == [countries]
    charts = pages.charts(suppressed)
    assert charts["funding-grants-approach"].figure.layout.title.text == (
        "Synthetic sample: Trapped ions received the most grant money of the approaches with "
        "every year published, 2021-2025"
    )
    assert (
        charts["funding-grants-international"]
        .notes[0]
        .startswith(
            "The 10 countries with the most grant money of those with every year published. A "
        )
    )


def test_a_country_whose_approaches_are_suppressed_shows_its_published_total() -> None:
    # Germany's approaches are all small; its total is published but for 2022
    flagged = _section(_flagged(), "DEU")
    assert flagged.paragraphs == [
        "Grant money paid to organisations in Germany by NSF, UKRI and CORDIS: $85.0 million in "
        "65 grants starting 2021-2025. Three funders only: not Germany's total public money. "
        "SYNTHETIC SAMPLE: invented grants."
    ]
    assert [c.data["value"].to_list() for c in flagged.charts] == [[10.0]]
    suppressed = _section(_suppressed(), "DEU")
    assert suppressed.paragraphs == [
        "Grant money paid to organisations in Germany by NSF, UKRI and CORDIS, 2021-2025: "
        "$20.0 million in 15 grants starting in 2021; $20.0 million in 15 grants starting in "
        "2023; $20.0 million in 15 grants starting in 2024; $20.0 million in 15 grants "
        "starting in 2025. The grants starting in 2022 are too few to publish (this release "
        "suppresses small numbers), so no total over 2021-2025 is given: a sum of the years "
        "published would understate it. Three funders only: not Germany's total public money. "
        "SYNTHETIC SAMPLE: invented grants.",
        "No approach of Germany's grant money is shown: this release suppresses small numbers, "
        "and each approach with grants has a year of 2021-2025 with too few to publish, so a "
        "sum of its other years would understate it.",
    ]
    assert suppressed.charts == []


def test_a_country_with_every_year_published_keeps_its_total_and_its_whole_approaches() -> None:
    flagged = _section(_flagged(), "FRA")
    total = (
        "Grant money paid to organisations in France by NSF, UKRI and CORDIS: $50.0 million in "
        "60 grants starting 2021-2025. Three funders only: not France's total public money. "
        "SYNTHETIC SAMPLE: invented grants."
    )
    assert flagged.paragraphs == [total]
    (chart,) = flagged.charts
    assert chart.data.select("approach", "value", "grants").rows() == [
        ("trapped_ion", 30.0, 50),
        ("superconducting", 15.0, 52),
    ]
    assert chart.figure.layout.title.text == (
        "Synthetic sample: Trapped ions received the most of France&#x27;s grant money, 2021-2025"
    )
    suppressed = _section(_suppressed(), "FRA")
    assert suppressed.paragraphs == [total, common.left_out_of_sums("approaches", "2021-2025")]
    (chart,) = suppressed.charts
    assert chart.data.select("approach", "value", "grants").rows() == [("trapped_ion", 30.0, 50)]
    assert chart.figure.layout.title.text == (
        "Synthetic sample: Trapped ions received the most of France&#x27;s grant money (of the "
        "approaches with every year published), 2021-2025"
    )


def test_no_grant_is_said_only_of_a_country_without_any_grant_row() -> None:
    # the United Kingdom's grants are all small: too few to publish, never "no grant"
    flagged = _section(_flagged(), "GBR")
    assert flagged.paragraphs[0].startswith(
        "Grant money paid to organisations in United Kingdom by NSF, UKRI and CORDIS: $5.0 "
        "million in 15 grants starting 2021-2025."
    )
    suppressed = _section(_suppressed(), "GBR")
    assert suppressed.paragraphs[0] == (
        "Grant money paid to organisations in United Kingdom by NSF, UKRI and CORDIS, "
        "2021-2025: the grants starting in 2021-2025 are too few to "
        "publish (this release suppresses small numbers), so no figure is given. Three funders "
        "only: not United Kingdom's total public money. SYNTHETIC SAMPLE: invented grants."
    )
    assert "No grant" not in pages.text([suppressed]) and suppressed.charts == []
    # Qatar has no grant row at all: the same sentence in both releases
    for data in (_flagged(), _suppressed()):
        assert _section(data, "QAT").paragraphs == [
            "No grant of NSF, UKRI or CORDIS in this build pays an organisation in Qatar "
            "(2021-2025). These three funders are all qcm reads: it says nothing of other "
            "funders."
        ]
