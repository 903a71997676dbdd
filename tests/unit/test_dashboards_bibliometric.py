"""The publication pages in a release that suppresses small numbers, on small hand-made
frames: no share of the unknown country read as 0 when its row is suppressed, no sum over
years of co-authorship pairs that would leave a suppressed year out, approaches without a
published ranking said to be too small, and the bloc note exact; the release that flags
small numbers reads as before."""

from __future__ import annotations

import dataclasses

import polars as pl
import pytest

from dashboards.data import SiteData
from dashboards.families import bibliometric, common
from tests import site_pages as pages

pytestmark = pytest.mark.unit
YEAR = 2024
COUNTRIES = {
    "USA": "United States",
    "CHN": "China",
    "DEU": "Germany",
    "FRA": "France",
    "ZZZ": "Unknown country",
}
# world shares of each approach in YEAR: (code, share, works); fewer than 10 works is small.
# In photonic the United States lead; Germany, France and the unknown country are small (the
# EU27, Germany and France, holds 0.15, their sum). In clocks the only country is small.
SHARES = {
    "photonic": [
        ("USA", 0.5, 20),
        ("CHN", 0.3, 12),
        ("DEU", 0.1, 4),
        ("FRA", 0.05, 2),
        ("ZZZ", 0.05, 2),
    ],
    "clocks": [("DEU", 1.0, 3)],
    "all": [
        ("USA", 0.5, 50),
        ("CHN", 0.3, 30),
        ("DEU", 0.1, 10),
        ("FRA", 0.05, 5),
        ("ZZZ", 0.05, 5),
    ],
}
# co-authored works per pair and year 2020-2024 (both approaches alike): United States and
# China 12 a year (60); Germany and the United States 10 a year but 3 in 2022 (43); France
# and the United States 2 a year (10)
PAIRS = {
    ("CHN", "USA"): {year: 12 for year in range(2020, 2025)},
    ("DEU", "USA"): {2020: 10, 2021: 10, 2022: 3, 2023: 10, 2024: 10},
    ("FRA", "USA"): {year: 2 for year in range(2020, 2025)},
}
SUPPRESSED_NUMBERS = ("value", "numerator", "denominator", "works_whole", "value_low", "value_high")


def _row(code: str, approach: str, indicator: str, value: float, works: int) -> dict:
    return {
        "entity_type": "bloc" if code == "EU27" else "country",
        "entity_code": code,
        "entity_name": COUNTRIES.get(code, code),
        "approach": approach,
        "year": YEAR,
        "indicator": indicator,
        "value": value,
        "numerator": value * 40,
        "denominator": 40.0,
        "unit": "share",
        "works_whole": works,
        "small_n": works < 10,
        "value_low": value * 0.8,
        "value_high": value * 1.2,
        "interval_method": "wilson-90",
        "year_incomplete": False,
    }


def _indicators() -> pl.DataFrame:
    rows = []
    for approach, shares in SHARES.items():
        for code, share, works in shares:
            rows.append(_row(code, approach, "world_share", share, works))
            if code != "ZZZ":
                rows.append(_row(code, approach, "activity_index", share * 2, works))
        if approach != "clocks":
            rows.append(
                _row("EU27", approach, "world_share", 0.15, 6 if approach == "photonic" else 15)
            )
    for code, _, works in SHARES["all"]:
        rows.append(_row(code, "all", "publications_fractional", float(works), works))
    return pl.DataFrame(rows)


def _pairs() -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "approach": approach,
                "year": year,
                "country_a": a,
                "country_a_name": COUNTRIES[a],
                "country_b": b,
                "country_b_name": COUNTRIES[b],
                "works": works,
                "small_n": works < 10,
                "year_incomplete": False,
            }
            for approach in ("photonic", "all")
            for (a, b), years in PAIRS.items()
            for year, works in years.items()
        ]
    )


def _flagged() -> SiteData:
    """The release that flags small numbers: every row published with its numbers."""
    return pages.site_data(
        approaches={"all": "All", "photonic": "Photonic", "clocks": "Clocks", "qkd": "QKD"},
        countries=COUNTRIES,
        complete_year=YEAR,
        incomplete_year=None,
        methods={
            "share_interval_level": ("0.9", ""),
            "small_n_threshold": ("10", ""),
            "classifier_version": ("kw-1", ""),
        },
        indicators=_indicators(),
        pairs=_pairs(),
        member_years=pl.DataFrame(
            {"bloc": ["EU27"] * 2, "year": [YEAR] * 2, "iso3": ["DEU", "FRA"]}
        ),
        definitions=pl.DataFrame(
            schema={
                "name": pl.String,
                "definition": pl.String,
                "unit": pl.String,
                "method_version": pl.String,
            }
        ),
        classifier=pl.DataFrame(
            schema={
                "approach": pl.String,
                "labelled_positives": pl.Int64,
                "precision": pl.Float64,
                "recall": pl.Float64,
            }
        ),
        quarantine=pl.DataFrame(schema={"reason": pl.String, "rows": pl.Int64}),
    )


def _suppressed() -> SiteData:
    """The same data as a release that suppresses small numbers reads them: the small rows
    published without their numbers, left out of their frames and held in ``left_out``."""
    data = _flagged()
    left_out = {}
    kept = {}
    for name in ("indicators", "pairs"):
        frame = getattr(data, name)
        numbers = [c for c in (*SUPPRESSED_NUMBERS, "works") if c in frame.columns]
        kept[name] = frame.filter(~pl.col("small_n"))
        left_out[name] = frame.filter(pl.col("small_n")).with_columns(
            [pl.lit(None, frame.schema[c]).alias(c) for c in numbers]
        )
    return dataclasses.replace(data, small_numbers="suppress", left_out=left_out, **kept)


TOO_FEW_UNKNOWN = (
    "Works whose authorships name no known country (the unknown country, ZZZ) are too few "
    "among 2024's publications here for their share to be published (this release suppresses "
    "small numbers): counted in every share's total, never ranked."
)
BLOC_NOTE = (
    "A bloc's value is computed from the papers themselves, a paper counted once however many "
    "of its members took part. Its shares are fractional (a paper's credit shared among its "
    "countries), so a bloc's share equals the sum of the shares of the countries that were its "
    "members that year; its number of works (works_whole in the CSV) is at most the sum of "
    "theirs."
)
MEMBERS_LEFT_OUT = (
    " This release suppresses small numbers: members with too few works to publish are left "
    "out of the members chart, so the members shown of such a bloc add up to less than it."
)


def test_the_unknown_countrys_suppressed_share_is_said_too_small_never_zero() -> None:
    shares = pl.DataFrame({"entity_code": ["USA"], "value": [0.9]})
    assert bibliometric._unknown_note(shares, YEAR, suppressed=True) == TOO_FEW_UNKNOWN
    # without a row and without suppression there are no such works: 0.0%, as before
    assert " hold 0.0% of 2024's publications" in bibliometric._unknown_note(shares, YEAR)
    flagged = pages.charts(bibliometric.approach(_flagged(), "photonic"))["photonic-ranking"]
    assert flagged.notes[-1] == (
        "Works whose authorships name no known country (the unknown country, ZZZ) hold 5.0% "
        "of 2024's publications here: counted in every share's total, never ranked."
    )
    suppressed = pages.charts(bibliometric.approach(_suppressed(), "photonic"))
    assert suppressed["photonic-ranking"].notes[-1] == TOO_FEW_UNKNOWN
    assert "hold 0.0%" not in pages.text(bibliometric.approach(_suppressed(), "photonic"))
    heatmap = pages.charts(bibliometric.overview(_suppressed()))["leaders-heatmap"]
    assert heatmap.notes[-1] == TOO_FEW_UNKNOWN


def test_the_methods_page_says_the_unknown_share_is_too_small_rather_than_zero() -> None:
    flagged = pages.text(bibliometric.methods(_flagged()))
    assert "counted under 'Unknown country': 5.0% of 2024 publications. They are" in flagged
    suppressed = pages.text(bibliometric.methods(_suppressed()))
    assert (
        "counted under 'Unknown country': too few of 2024 publications for their share to be "
        "published (this release suppresses small numbers). They are never dropped."
    ) in suppressed
    assert "0.0%" not in suppressed


def test_pairs_with_a_suppressed_year_are_left_out_of_the_five_year_sums() -> None:
    # flag: every year summed, 60, 43 and 10 works
    flagged = bibliometric.approach(_flagged(), "photonic")
    chart = pages.charts(flagged)["photonic-pairs"]
    # (the bars' rows smallest first, drawn bottom up)
    assert chart.data.rows() == [
        ("France - United States", 10),
        ("Germany - United States", 43),
        ("China - United States", 60),
    ]
    collaboration = next(s for s in flagged if s.heading == "Collaboration")
    assert collaboration.paragraphs == []
    # suppress: Germany's 2022 and every year of France are suppressed, so 40 and 0 would
    # understate them; only China's 60 is summed, and the page says why once
    suppressed = bibliometric.approach(_suppressed(), "photonic")
    assert pages.charts(suppressed)["photonic-pairs"].data.rows() == [("China - United States", 60)]
    collaboration = next(s for s in suppressed if s.heading == "Collaboration")
    assert collaboration.paragraphs == [common.left_out_of_sums("country pairs", "2020-2024")]
    assert collaboration.paragraphs[0] == (
        "This release suppresses small numbers: country pairs with a year too small to publish "
        "in 2020-2024 are left out, as a sum of their other years would understate them."
    )


def test_a_countrys_partners_with_a_suppressed_year_are_left_out_and_the_page_says_so() -> None:
    assert bibliometric.partners(_flagged(), "USA", YEAR).rows() == [
        ("China", 60), ("Germany", 43), ("France", 10)
    ]  # fmt: skip
    assert bibliometric.partners_left_out(_flagged(), "USA", YEAR) == set()
    suppressed = _suppressed()
    assert bibliometric.partners_left_out(suppressed, "USA", YEAR) == {"DEU", "FRA"}
    assert bibliometric.partners_left_out(suppressed, "CHN", YEAR) == set()
    assert bibliometric.partners(suppressed, "USA", YEAR).rows() == [("China", 60)]
    sections = bibliometric.country(suppressed, "USA")
    collaborators = next(s for s in sections if s.heading == "Main collaborators")
    assert collaborators.paragraphs == [
        "This release suppresses small numbers: co-authoring countries with a year too small "
        "to publish in 2020-2024 are left out, as a sum of their other years would understate "
        "them."
    ]
    # China co-authors only with the United States, every year published: nothing to say
    china = bibliometric.country(suppressed, "CHN")
    assert next(s for s in china if s.heading == "Main collaborators").paragraphs == []
    flagged = bibliometric.country(_flagged(), "USA")
    assert next(s for s in flagged if s.heading == "Main collaborators").paragraphs == []


def test_the_bloc_note_is_exact_and_says_when_members_are_left_out() -> None:
    # the EU27's 0.15 is the sum of Germany's 0.1 and France's 0.05: fractional shares add up
    rows = _indicators().filter(
        pl.col("approach") == "photonic", pl.col("indicator") == "world_share"
    )
    members = rows.filter(pl.col("entity_code").is_in(["DEU", "FRA"]))["value"].sum()
    assert rows.filter(pl.col("entity_code") == "EU27")["value"].item() == pytest.approx(members)
    flagged = bibliometric.approach(_flagged(), "photonic")
    blocs = next(s for s in flagged if s.heading == "Blocs compared")
    assert blocs.paragraphs == [BLOC_NOTE]
    assert "it is not the sum" not in pages.text(flagged)
    # suppress: both members are small, the members chart shows none of the EU27's 0.15
    suppressed = bibliometric.approach(_suppressed(), "photonic")
    blocs = next(s for s in suppressed if s.heading == "Blocs compared")
    assert blocs.paragraphs == [BLOC_NOTE + MEMBERS_LEFT_OUT]
    assert pages.charts(suppressed)["photonic-bloc-members"].data.height == 0


def test_blocs_are_shown_by_their_short_names() -> None:
    named = pages.replaced(
        _flagged(), blocs=pl.DataFrame({"bloc": ["EU27"], "short_name": ["European Union"]})
    )
    charts = pages.charts(bibliometric.approach(named, "photonic"))
    assert list(charts["photonic-blocs"].figure.data[0].y) == ["European Union"]
    assert charts["photonic-bloc-members"].data["group"].unique().to_list() == ["European Union"]
    inside = pages.charts(bibliometric.country(named, "DEU"))["DEU-blocs"]
    assert inside.data["group"].unique().to_list() == ["European Union"]
    # a file published before marts.blocs had short names shows the codes, as before
    assert list(
        pages.charts(bibliometric.approach(_flagged(), "photonic"))["photonic-blocs"]
        .figure.data[0]
        .y
    ) == ["EU27"]
    # a bloc without a short name shows its code
    unnamed = pages.replaced(
        _flagged(), blocs=pl.DataFrame({"bloc": ["EU27"], "short_name": [None]})
    )
    assert common.bloc_labels(unnamed) == {} and common.bloc_label(unnamed, "EU27") == "EU27"


def test_an_approach_whose_every_country_is_suppressed_is_not_said_to_have_none() -> None:
    flagged = bibliometric.approach(_flagged(), "clocks")
    assert "Germany leads clocks with 100% of 2024 publications" in pages.text(flagged)
    (section,) = bibliometric.approach(_suppressed(), "clocks")
    assert section.heading == "Clocks: too few publications in 2024 to publish"
    assert section.paragraphs == [
        "Every country publishing in clocks in 2024 has fewer than 10 works, and this release "
        "suppresses small numbers: nothing to rank for this year."
    ]
    # an approach with no row at all has none, suppressed or not
    for data in (_flagged(), _suppressed()):
        (none,) = bibliometric.approach(data, "qkd")
        assert none.heading == "QKD: no publications in 2024"


def test_the_count_of_approaches_led_names_those_whose_leader_is_published() -> None:
    flagged = pages.charts(bibliometric.overview(_flagged()))["leaders-heatmap"]
    # flag: Germany leads clocks, the United States photonic (tied on one each, by name)
    assert flagged.figure.layout.title.text == (
        "In 2024, Germany leads 1 of 2 approaches by share of publications (no of them clearly)"
    )
    suppressed = pages.charts(bibliometric.overview(_suppressed()))["leaders-heatmap"]
    assert suppressed.figure.layout.title.text == (
        "In 2024, United States leads 1 of the 1 approaches whose leader is published, by "
        "share of publications (one of them clearly)"
    )


def _yearly_data() -> SiteData:
    """World shares in photonic over 2020-2024: the world has no works in 2022; the United
    States none in 2021; Germany 3 works (small) in 2021 alone."""
    rows = [
        _row(code, "photonic", "world_share", share, works) | {"year": year}
        for code, year, share, works in [
            ("WLD", 2020, 1.0, 20),
            ("WLD", 2021, 1.0, 10),
            ("WLD", 2023, 1.0, 30),
            ("WLD", 2024, 1.0, 40),
            ("USA", 2020, 0.5, 10),
            ("USA", 2023, 0.4, 12),
            ("USA", 2024, 0.5, 20),
            ("DEU", 2021, 0.3, 3),
        ]
    ]
    for row in rows:
        if row["entity_code"] == "WLD":
            row |= {"entity_type": "world", "entity_name": "World", "small_n": False}
    return dataclasses.replace(_flagged(), indicators=pl.DataFrame(rows))


def test_a_leaders_trend_is_zero_without_works_and_breaks_without_a_share() -> None:
    # the United States: 0 in 2021 (no works; the marts hold no row), nothing in 2022 (no
    # works in the world: no share); Germany 0 but in 2021, and empty there when suppressed
    flagged = bibliometric.yearly(_yearly_data(), "world_share", "photonic", ["USA", "DEU"])
    assert flagged.select("entity_name", "year", "value").rows() == [
        ("Germany", 2020, 0.0),
        ("Germany", 2021, 0.3),
        ("Germany", 2022, None),
        ("Germany", 2023, 0.0),
        ("Germany", 2024, 0.0),
        ("United States", 2020, 0.5),
        ("United States", 2021, 0.0),
        ("United States", 2022, None),
        ("United States", 2023, 0.4),
        ("United States", 2024, 0.5),
    ]
    data = _yearly_data()
    small = data.indicators["small_n"]
    suppressed = dataclasses.replace(
        data,
        small_numbers="suppress",
        indicators=data.indicators.filter(~small),
        left_out={"indicators": data.indicators.filter(small)},
    )
    hidden = bibliometric.yearly(suppressed, "world_share", "photonic", ["USA", "DEU"])
    assert hidden.filter(pl.col("entity_name") == "Germany")["value"].to_list() == [
        0.0,
        None,
        None,
        0.0,
        0.0,
    ]
    trend = pages.charts(bibliometric.approach(data, "photonic"))["photonic-trend"]
    usa = next(line for line in trend.figure.data if line.name == "United States")
    assert list(usa.x) == list(range(2020, 2025)) and list(usa.y) == [0.5, 0.0, None, 0.4, 0.5]
    assert bibliometric.NO_WORKS_GAPS in trend.notes


def test_an_approach_pages_headline_says_when_its_lead_is_not_clear() -> None:
    def title(data: SiteData, approach: str) -> str:
        chart = pages.charts(bibliometric.approach(data, approach))[f"{approach}-ranking"]
        return chart.figure.layout.title.text

    # photonic: the United States' interval (0.40 to 0.60) clears China's (0.24 to 0.36)
    assert (
        title(_flagged(), "photonic")
        == "United States leads photonic with 50% of 2024 publications"
    )
    # clocks: Germany alone, on 3 works
    assert title(_flagged(), "clocks") == (
        "Germany leads clocks with 100% of 2024 publications, but on few works"
    )
    # the United States at 0.35 (0.28 to 0.42) against China's 0.3 (0.24 to 0.36): overlap
    data = _flagged()
    closer = data.indicators.with_columns(
        pl.when(
            (pl.col("entity_code") == "USA")
            & (pl.col("approach") == "photonic")
            & (pl.col("indicator") == "world_share")
        )
        .then(pl.struct(value=pl.lit(0.35), value_low=pl.lit(0.28), value_high=pl.lit(0.42)))
        .otherwise(pl.struct("value", "value_low", "value_high"))
        .struct.unnest()
    )
    assert title(dataclasses.replace(data, indicators=closer), "photonic") == (
        "United States is ahead of China in photonic with 35% of 2024 publications, but the "
        "intervals overlap"
    )


def test_a_strength_on_few_works_is_marked_and_never_named_the_countrys_specialism() -> None:
    # Germany's activity index in 2024: clocks 5.0 on 3 works (few), photonic 1.5 on 20, QKD
    # 0.8 on 12: photonic is named, clocks drawn but marked
    data = _flagged()
    rows = [
        _row("DEU", approach, "activity_index", value, works)
        for approach, value, works in (("clocks", 5.0, 3), ("photonic", 1.5, 20), ("qkd", 0.8, 12))
    ]
    indicators = pl.concat(
        [
            data.indicators.filter(
                ~((pl.col("entity_code") == "DEU") & (pl.col("indicator") == "activity_index"))
            ),
            pl.DataFrame(rows),
        ]
    )
    sections = bibliometric.country(dataclasses.replace(data, indicators=indicators), "DEU")
    profile = pages.charts(sections)["DEU-profile"]
    assert profile.figure.layout.title.text == (
        "Germany is most specialised in photonic, 2024 (of approaches with enough works)"
    )
    assert list(profile.figure.data[0].y) == ["QKD", "Photonic", "Clocks (few works)"]
    assert any("(few works) rests on too few works" in note for note in profile.notes)


def test_the_world_map_marks_values_on_few_works_and_leaves_out_the_index_of_all() -> None:
    mapped = pages.charts(bibliometric.overview(_flagged()))["world-map"]
    layers = [trace.name for trace in mapped.figure.data]
    assert len(layers) == 3 and not any("Activity index" in layer for layer in layers)
    # in all, Germany (10 works) is not few, France (5) is
    assert list(mapped.figure.data[0].text) == [
        "United States",
        "China",
        "Germany",
        "France (few works)",
    ]
    assert any("(few works) when hovered" in note for note in mapped.notes)


def test_an_adjacent_approach_has_no_specialisation_chart_but_says_why() -> None:
    data = _flagged()
    families = data.approaches.with_columns(
        family=pl.when(pl.col("approach") == "clocks")
        .then(pl.lit("adjacent"))
        .otherwise(pl.lit("sensing"))
    )
    sections = bibliometric.approach(dataclasses.replace(data, approaches=families), "clocks")
    special = next(s for s in sections if s.heading == "Specialisation")
    assert special.charts == []
    assert special.paragraphs == [
        "No activity index for clocks: it is an adjacent approach, reported apart, and a work "
        "only on it is not in all quantum technology, the output an activity index divides by."
    ]
    # not adjacent: the chart
    special = next(
        s for s in bibliometric.approach(data, "clocks") if s.heading == "Specialisation"
    )
    assert [c.id for c in special.charts] == ["clocks-specialisation"]


def test_a_headline_says_when_no_runner_up_is_published() -> None:
    # photonic with every country but the United States small, in a release that suppresses
    # small numbers: nothing to compare the lead with
    data = _flagged()
    others_small = (
        (pl.col("approach") == "photonic")
        & (pl.col("entity_code") != "USA")
        & (pl.col("entity_type") == "country")
    )
    indicators = data.indicators.with_columns(
        small_n=pl.when(others_small).then(True).otherwise(pl.col("small_n"))
    )
    small = indicators["small_n"]
    suppressed = dataclasses.replace(
        data,
        small_numbers="suppress",
        indicators=indicators.filter(~small),
        left_out={"indicators": indicators.filter(small), "pairs": data.pairs.clear()},
    )
    chart = pages.charts(bibliometric.approach(suppressed, "photonic"))["photonic-ranking"]
    assert chart.figure.layout.title.text == (
        "United States leads photonic with 50% of 2024 publications (no runner-up published)"
    )
