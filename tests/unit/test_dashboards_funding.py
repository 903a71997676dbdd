"""The funding page and sections on small hand-made frames: rankings, the latest complete
year, exclusion lists, links to sources, synthetic labels, and builds without grants."""

from __future__ import annotations

import html

import polars as pl
import pytest

from dashboards.data import SiteData
from dashboards.families import funding
from dashboards.page import Section
from tests import site_pages as pages

pytestmark = pytest.mark.unit
ATTACK = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
NOW = 2026  # programme years after this are plans
COUNTRIES = {"DEU": "Germany", "FRA": "France", "GBR": "United Kingdom", "QAT": "Qatar"}
# annualised commitments (US dollars) per country and year; QAT's run into the plans
COMMITMENTS = {
    "DEU": {2023: 800e6, 2024: 800e6, 2025: 800e6, 2026: 800e6},
    "GBR": {2024: 300e6, 2025: 300e6, 2026: 300e6, 2027: 300e6},
    "QAT": {2025: 100e6, 2026: 100e6, 2027: 100e6, 2028: 100e6},
}
# per-GDP values: Germany and the United Kingdom tied in 2026, Qatar ahead
PER_GDP = {"DEU": 200.0, "GBR": 200.0, "QAT": 680.0}
METHODS = {
    "small_n_threshold": ("10", ""),
    "funding_method_version": ("fund-1.0", "Version of the funding rules"),
    "funding_price_base_year": ("2024", "Constant-dollar base year"),
    "funding_conversion_rule": (
        "price-year-fx",
        "An amount is converted at its price year's average exchange rate",
    ),
    "programme_annualisation_rule": ("even-over-period", "Spread evenly over its period"),
    "programme_overlap_rule": ("one-figure-per-programme", "Each programme counts once"),
    "programme_range_rule": ("stated-bound", "A bound is counted at the stated figure"),
}


def _indicator(
    code: str,
    name: str,
    year: int,
    indicator: str,
    value: float | None,
    *,
    entity_type: str = "country",
    kind: str = "programmes",
    approach: str = "all",
    scope: str = "all",
    numerator: float | None = None,
    denominator: float | None = None,
    records: int = 1,
    basis_year: int | None = None,
    has_bounds: bool = False,
    data_kind: str = "reviewed reference table",
) -> dict:
    return {
        "entity_type": entity_type,
        "entity_code": code,
        "entity_name": name,
        "approach": approach,
        "year": year,
        "funding_kind": kind,
        "funder_scope": scope,
        "indicator": indicator,
        "value": value,
        "numerator": value if numerator is None else numerator,
        "denominator": denominator,
        "unit": "US dollars per million US dollars of GDP"
        if indicator == "commitment_per_gdp"
        else "US dollars",
        "records": records,
        "small_n": records < 10,
        "conversion_gaps": 0,
        "has_bounds": has_bounds,
        "basis_year": basis_year,
        "year_incomplete": year > NOW if kind == "programmes" else year >= NOW,
        "method_version": "fund-1.0",
        "data_kind": data_kind,
    }


def _programme_indicators(ppp: bool = True) -> list[dict]:
    """Commitments in nominal, constant (10% less) and PPP dollars (twice the nominal, or
    null without ``ppp``, as when no year has both GDP figures), and per GDP."""
    rows = []
    for code, years in COMMITMENTS.items():
        for year, usd in years.items():
            name = COUNTRIES[code]
            rows.append(_indicator(code, name, year, "commitment_usd", usd))
            rows.append(_indicator(code, name, year, "commitment_usd_constant", 0.9 * usd))
            rows.append(_indicator(code, name, year, "commitment_ppp", 2 * usd if ppp else None))
            rows.append(
                _indicator(
                    code,
                    COUNTRIES[code],
                    year,
                    "commitment_per_gdp",
                    PER_GDP[code],
                    basis_year=2022,
                    has_bounds=code == "QAT",
                )
            )
    return rows


def _grant_indicators(data_kind: str = "synthetic sample") -> list[dict]:
    """Grants of 2021-2026 (2026 still being awarded): France's money is mostly in
    international consortia, Germany's not; trapped ions get the most money."""
    rows = []
    for year in range(2021, 2027):
        for code, total, international in (("FRA", 10e6, 8e6), ("DEU", 20e6, 2e6)):
            name = COUNTRIES[code]
            common = {"kind": "grants", "records": 4, "data_kind": data_kind}
            rows.append(_indicator(code, name, year, "grant_funding_usd", total, **common))
            rows.append(
                _indicator(
                    code,
                    name,
                    year,
                    "grant_international_share",
                    international / total,
                    numerator=international,
                    denominator=total,
                    **common,
                )
            )
            for approach, share in (("trapped_ion", 0.6), ("superconducting", 0.3)):
                rows.append(
                    _indicator(
                        code,
                        name,
                        year,
                        "grant_funding_usd",
                        total * share,
                        approach=approach,
                        **common,
                    )
                )
        for approach, usd in (("all", 30e6), ("trapped_ion", 18e6), ("superconducting", 9e6)):
            rows.append(
                _indicator(
                    "WLD",
                    "World",
                    year,
                    "grant_funding_usd",
                    usd,
                    entity_type="world",
                    kind="grants",
                    approach=approach,
                    records=12,
                    data_kind=data_kind,
                )
            )
    return rows


def _figure(row_id: str, programme_id: str, iso3: str, status: str, **extra: object) -> dict:
    base = {
        "row_id": row_id,
        "programme_id": programme_id,
        "country_iso3": iso3,
        "country_name": COUNTRIES.get(iso3, iso3),
        "programme": f"Programme {programme_id}",
        "amount": 1e9,
        "amount_kind": "exact",
        "currency": "EUR",
        "start_year": 2023,
        "end_year": 2026,
        "status": status,
        "source_kind": "official",
        "source_url": f"https://example.org/{row_id}?a=1&b=2",
        "review_note": f"note on {row_id}",
        "price_year": 2023,
        "problem": None,
        "problem_detail": None,
        "units_per_usd": 0.9245,
        "usd_per_year": 270e6,
        "period_basis": "stated years",
    }
    return base | extra


FIGURES = [
    _figure("deu_main", "deu_plan", "DEU", "counted"),
    _figure("deu_news", "deu_plan", "DEU", "alternative", amount=1.1e9, usd_per_year=None),
    _figure("deu_part", "deu_plan", "DEU", "component", amount=2e8, usd_per_year=None),
    _figure(
        "deu_nqi",
        "deu_act",
        "DEU",
        "counted",
        start_year=None,
        end_year=None,
        usd_per_year=None,
        problem="no_period",
        problem_detail="no start or end year: the commitment cannot be spread over years",
    ),
    _figure("deu_private", "deu_private", "DEU", "excluded", review_note="private money"),
    _figure(
        "fra_attack",
        "fra_plan",
        "FRA",
        "counted",
        programme=ATTACK,
        source_url='javascript:alert(1)"',
        usd_per_year=None,
        problem="no_fx_rate",
        problem_detail="EUR has no exchange rate for 2025 in ref.fx_rates",
        units_per_usd=None,
        price_year=2025,
    ),
]


def _data(
    indicators: list[dict] | None = None,
    programmes: list[dict] | None = FIGURES,
    with_marts: bool = True,
    gdp_ppp: bool = True,
) -> SiteData:
    """A SiteData holding only what the funding family reads; Germany's GDP of 2022 is
    there at market rates, and at PPP too when ``gdp_ppp``."""
    empty = pl.DataFrame()
    if not with_marts:
        funding_frames = dict.fromkeys(
            (
                "funding_indicators",
                "funding_programmes",
                "fx_rates",
                "economic_indicators",
                "grant_currencies",
                "funding_definitions",
            ),
            empty,
        )
    else:
        rows = _programme_indicators() + _grant_indicators() if indicators is None else indicators
        funding_frames = {
            "funding_indicators": pl.DataFrame(rows, infer_schema_length=None),
            "funding_programmes": pl.DataFrame(programmes, infer_schema_length=None),
            "fx_rates": pl.DataFrame(
                {
                    "currency": ["EUR", "EUR"],
                    "year": [2023, 2024],
                    "units_per_usd": [0.9245, 0.9239],
                    "source": ["https://federalreserve.gov/releases/g5a/ (Fed G.5A)"] * 2,
                }
            ),
            "economic_indicators": pl.DataFrame(
                {
                    "country_iso3": ["USA", "DEU", "DEU"],
                    "year": [2024, 2022, 2022],
                    "indicator": ["gdp_deflator", "gdp_usd", "gdp_ppp"],
                    "value": [125.0, 4.08e12, 5.3e12],
                    "unit": ["index 2017=100", "current US$", "current international $"],
                    "source": [
                        "https://example.org/deflator (deflator)",
                        "https://example.org/gdp",
                        "https://example.org/gdp-ppp",
                    ],
                }
            ).head(3 if gdp_ppp else 2),
            "grant_currencies": pl.DataFrame(
                {
                    "service": ["cordis", "cordis"],
                    "currency": ["EUR", "EUR"],
                    "year": [2023, 2025],
                    "grants": [5, 2],
                    "no_rate": [0, 2],
                }
            ),
            "funding_definitions": pl.DataFrame(
                {
                    "name": ["Programme commitments per GDP"],
                    "definition": ["commitment_usd over GDP"],
                    "unit": ["US dollars per million US dollars of GDP"],
                    "method_version": ["fund-1.0"],
                }
            ),
        }
    return pages.site_data(
        approaches={
            "all": "All",
            "trapped_ion": "Trapped ions",
            "superconducting": "Superconducting qubits",
        },
        countries=COUNTRIES,
        complete_year=2025,
        incomplete_year=None,
        methods=METHODS,
        **funding_frames,
    )


def _render(sections: list[Section], kind: str = "funding") -> str:
    """The HTML of a page holding ``sections``, through the site's own template."""
    return pages.render(sections, "funding.html", "Funding", kind)


def test_latest_complete_year_skips_plans_and_is_none_without_rows() -> None:
    data = _data()
    commitments = funding.programme_rows(data, "commitment_usd")
    assert funding.latest_complete_year(commitments) == NOW
    assert funding.latest_complete_year(commitments.filter(pl.col("year") > NOW)) is None
    assert funding.latest_complete_year(commitments.head(0)) is None
    assert funding.plan_years(commitments) == [2027, 2028]


def test_per_gdp_ranking_is_largest_first_and_ties_share_a_rank() -> None:
    ranked = funding.ranking(_data(), "commitment_per_gdp", NOW)
    assert ranked["entity_code"].to_list() == ["QAT", "DEU", "GBR"]
    assert ranked["rank"].to_list() == [1, 2, 2]
    assert ranked["label"][0] == "Qatar (bound)"
    # a year with fewer active programmes ranks only them
    assert funding.ranking(_data(), "commitment_per_gdp", 2023)["entity_code"].to_list() == ["DEU"]


def test_leaders_sum_commitments_up_to_the_year() -> None:
    data = _data()
    assert funding.leaders(data, NOW) == ["DEU", "GBR", "QAT"]
    # up to 2024 Qatar has committed nothing yet
    assert funding.leaders(data, 2024) == ["DEU", "GBR"]
    assert funding.leaders(data, NOW, n=1) == ["DEU"]


def test_counted_figures_alternatives_and_exclusions_are_listed_apart() -> None:
    rows = funding.figures(_data())
    shown = funding.counted_with_alternatives(rows)
    # countries by name, each programme's counted figure before its alternatives
    assert shown["row_id"].to_list() == ["fra_attack", "deu_nqi", "deu_main", "deu_news"]
    assert funding.not_in_series(rows)["row_id"].to_list() == ["fra_attack", "deu_nqi"]
    assert funding.not_counted(rows)["status"].to_list() == [
        "alternative",
        "component",
        "excluded",
    ]
    germany = funding.figures(_data(), "DEU")
    assert set(germany["country_iso3"]) == {"DEU"} and germany.height == 5


def test_source_links_are_escaped_and_only_for_web_addresses() -> None:
    link = funding.source_link("https://example.org/a?x=1&y=<b> (the <b> page)")
    assert link.startswith('<a href="https://example.org/a?x=1&amp;y=&lt;b&gt;"')
    assert 'rel="noopener"' in link and "(the &lt;b&gt; page)" in link
    assert funding.source_link('javascript:alert(1)"') == 'javascript:alert(1)"'
    assert "<a" not in funding.source_link("US dollar: 1 by definition")
    assert funding.source_link(None) == "-"


def test_funding_page_names_the_rules_links_sources_and_labels_synthetic_grants() -> None:
    data = _data()
    sections = funding.page(data)
    said = pages.text(sections)
    assert "price-year-fx" in said and "Spread evenly over its period" in said
    assert "Synthetic sample: Trapped ions received the most grant money, 2021-2025" in said
    assert "SYNTHETIC SAMPLE DATA: invented grants" in said
    assert "Real announced figures, not sample data" in said
    assert "Qatar commits the most per unit of GDP in 2026" in said
    assert "Funding signals priority, not competitiveness" in said
    # only the chart that offers constant dollars names their base year
    charts = pages.charts(sections)
    # every value axis with data names its unit, not only the caption (the hand-made data
    # have no per-person values)
    lines = ("funding-commitments", "funding-measures", "funding-cumulative")
    assert {
        key: (chart.figure.layout.yaxis if key in lines else chart.figure.layout.xaxis).title.text
        for key, chart in charts.items()
        if key != "funding-per-capita"
    } == {
        "funding-commitments": "million US dollars",
        "funding-per-gdp": "US dollars per million US dollars of GDP",
        "funding-measures": "million per year",
        "funding-cumulative": "million US dollars",
        "funding-grants-approach": "million US dollars",
        "funding-grants-international": "share of grant money in international consortia",
    }
    captions = {key: chart.caption for key, chart in charts.items()}
    assert "constant dollars of" in captions["funding-measures"]
    assert "constant dollars of" not in captions["funding-commitments"]
    html = _render(sections)
    assert 'id="conversion"' in html and 'href="#conversion"' in html
    assert 'href="https://example.org/deu_main?a=1&amp;b=2" rel="noopener"' in html
    # a hostile programme name and source are text, never markup or a link
    assert ATTACK not in html and ESCAPED in html
    assert 'href="javascript' not in html
    assert "The grants on this page come from qcm's invented demonstration sample" in html


def test_international_share_pools_money_over_the_complete_years() -> None:
    shares = funding.international_shares(_data())
    assert shares["entity_code"].to_list() == ["FRA", "DEU"]
    assert shares["value"].to_list() == pytest.approx([0.8, 0.1])
    # 2026 is still being awarded: the window is the five complete years 2021-2025
    assert funding.grant_window(_data()) == (2021, 2025)
    assert shares["denominator"].to_list() == pytest.approx([50.0, 100.0])


def test_live_grants_are_not_labelled_synthetic() -> None:
    live = _programme_indicators() + _grant_indicators(data_kind="live")
    said = pages.text(funding.page(_data(live)))
    assert "SYNTHETIC" not in said and "Synthetic sample" not in said


def test_a_build_without_grants_still_renders_and_says_so() -> None:
    data = _data(_programme_indicators())
    sections = funding.page(data)
    said = pages.text(sections)
    assert "No grant from NSF, UKRI or CORDIS is in this build" in said
    assert funding.international_shares(data).height == 0
    html = _render(sections)
    assert "Qatar commits the most" in html
    country = funding.country(data, "DEU")
    assert "No grant of NSF, UKRI or CORDIS in this build pays an organisation in Germany" in (
        pages.text(country)
    )
    _render(country, "country")


def test_a_file_without_funding_marts_says_so() -> None:
    data = _data(with_marts=False)
    assert not funding.has_funding(data)
    assert funding.overview(data) == [] and funding.methods(data) == []
    assert "no funding tables" in pages.text(funding.page(data))
    assert "no funding tables" in pages.text(funding.country(data, "DEU"))


def test_country_section_gives_programmes_rank_grants_and_reasons() -> None:
    sections = funding.country(_data(), "DEU")
    assert sections[0].heading == "Public funding"
    said = pages.text(sections)
    assert "Germany has 2 counted programme figures" in said
    assert "rank 2 of 3 countries" in said and "GDP of 2022" in said
    assert "SYNTHETIC SAMPLE: invented grants" in said
    assert "Trapped ions received the most of Germany's grant money" in said
    reasons = sections[-1].tables
    assert (
        reasons[0].rows[0][4] == "no start or end year: the commitment cannot be spread over years"
    )
    assert [r[1] for r in reasons[1].rows] == [
        "alternative figure (shown, never added)",
        "part of a counted total (not added)",
        "excluded",
    ]
    assert ("funding.html#conversion", "How amounts are converted") in sections[0].links[0][1]


def test_a_country_without_programmes_or_grants_is_told_plainly() -> None:
    said = pages.text(funding.country(_data(), "GBR"))
    assert "No counted national quantum programme of United Kingdom" in said
    assert "No grant of NSF, UKRI or CORDIS in this build pays an organisation" in said


def test_gaps_name_currencies_without_a_rate_and_countries_without_gdp() -> None:
    data = _data()
    gaps = funding.rate_gaps(data)
    assert gaps.rows() == [("EUR", 2025, 1, 2)]
    assert funding.missing_denominators(data) == {
        "gdp": [],
        "population": ["Germany", "Qatar", "United Kingdom"],
    }
    no_gdp = [r for r in _programme_indicators() if r["entity_code"] != "QAT"]
    no_gdp.append(_indicator("QAT", "Qatar", 2025, "commitment_usd", 1e8))
    assert funding.missing_denominators(_data(no_gdp))["gdp"] == ["Qatar"]
    said = pages.text(funding.methods(data))
    assert "EUR 2025 (1 figure, 2 grants)" in said


def test_fx_rows_used_count_figures_and_grants() -> None:
    used = funding.fx_used(_data())
    assert used.select("currency", "year", "figures", "grants").rows() == [("EUR", 2023, 5, 5)]


def test_countries_with_money_but_no_gdp_near_enough_are_named_in_the_year_shown() -> None:
    # Qatar's GDP is too old for 2026 (and 2027): it committed money, yet has no per-GDP
    # value those years; the leader is then the tie of Germany and the United Kingdom
    rows = [
        r
        for r in _programme_indicators() + _grant_indicators()
        if not (r["entity_code"] == "QAT" and r["indicator"] == "commitment_per_gdp"
                and r["year"] >= 2026)
    ]  # fmt: skip
    data = _data(indicators=rows)
    charts = pages.charts(funding.page(data))
    per_gdp = charts["funding-per-gdp"]
    title = per_gdp.figure.layout.title.text
    assert "Germany and United Kingdom are tied on per unit of GDP in 2026" in title
    assert (
        "Not ranked in 2026, with money committed but no GDP figure within 5 years of it: "
        "Qatar." in per_gdp.notes
    )
    said = pages.text(funding.country(data, "DEU"))
    assert "countries ranked with a counted programme active that year (1 more without a " in said


def test_a_figure_without_a_rate_is_said_to_be_a_conversion_gap() -> None:
    said = html.unescape(pages.text(funding.country(_data(), "FRA")))
    assert (
        "0 are in the yearly series, and 1 more as a conversion gap: no exchange rate for the "
        "year of its money, so its dollars are unknown and left out of the sums."
    ) in said


def test_the_measures_chart_offers_every_measure_with_values() -> None:
    sections = funding.page(_data())
    chart = pages.charts(sections)["funding-measures"]
    assert chart.figure.layout.title.text == (
        "The 3 countries committing the most, in nominal, constant and PPP dollars"
    )
    buttons = chart.figure.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == [
        "US dollars (price-year exchange rates)",
        "constant US dollars",
        "PPP international dollars",
    ]
    # Qatar's PPP line is twice its nominal one
    ppp = chart.data.filter(
        pl.col("measure") == "PPP international dollars", pl.col("entity_code") == "QAT"
    )
    assert ppp.drop_nulls("value")["value"].to_list() == [200.0, 200.0, 200.0, 200.0]
    assert chart.notes[0].endswith("the CSV holds all three.")
    said = pages.text(sections)
    assert "The same commitments three ways: at the price year's exchange rate, in constant " in (
        said
    )
    assert "at purchasing power parity (what the money buys at home)." in said
    assert "There is no PPP view" not in said


@pytest.mark.parametrize(
    ("gdp_ppp", "why"),
    [
        (
            False,
            "and no year in the reviewed economic indicators (marts.economic_indicators) has both.",
        ),
        (True, "and none of these countries has both within 5 years of its figures' price year."),
    ],
)
def test_a_measure_without_any_value_is_not_offered_and_the_page_says_why(
    gdp_ppp: bool, why: str
) -> None:
    data = _data(_programme_indicators(ppp=False) + _grant_indicators(), gdp_ppp=gdp_ppp)
    sections = funding.page(data)
    chart = pages.charts(sections)["funding-measures"]
    assert chart.figure.layout.title.text == (
        "The 3 countries committing the most, in nominal and constant dollars"
    )
    buttons = chart.figure.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == [
        "US dollars (price-year exchange rates)",
        "constant US dollars",
    ]
    # a trace per country and measure shown: no empty PPP line
    assert [b.args[0]["visible"] for b in buttons] == [
        [True] * 3 + [False] * 3,
        [False] * 3 + [True] * 3,
    ]
    assert set(chart.data["measure"]) == {
        "US dollars (price-year exchange rates)",
        "constant US dollars",
    }
    assert chart.notes[0].endswith("the CSV holds both.")
    section = next(s for s in sections if chart in s.charts)
    assert section.heading == "National programmes: nominal and constant dollars"
    assert section.paragraphs == [
        "The same commitments two ways: at the price year's exchange rate and in constant US "
        "dollars of 2024. There is no PPP view: converting to PPP dollars needs a country's GDP "
        "at market exchange rates and its GDP at purchasing power parity for the same year, " + why
    ]


def test_without_a_deflator_the_constant_dollars_are_not_offered() -> None:
    rows = [
        r | {"value": None, "numerator": None} if r["indicator"] == "commitment_usd_constant" else r
        for r in _programme_indicators()
    ]
    sections = funding.page(_data(rows))
    chart = pages.charts(sections)["funding-measures"]
    assert chart.figure.layout.title.text == (
        "The 3 countries committing the most, in nominal and PPP dollars"
    )
    assert "constant dollars of" not in chart.caption
    assert (
        "There is no constant-dollar view: the reviewed economic indicators have no US GDP "
        "deflator for the price years of these figures or for the base year."
        in pages.text(sections)
    )


def test_the_countries_whose_commitments_have_no_dollar_value_are_named_beside_the_leader() -> None:
    # France commits money in 2026 too, but its figure has no exchange rate: no value, one
    # conversion gap; the leader is the leader of the three countries with a value
    gap = _indicator("FRA", "France", 2026, "commitment_usd", None) | {"conversion_gaps": 1}
    world = [
        _indicator("WLD", "World", year, "commitment_usd", total, entity_type="world")
        for year, total in ((2025, 1_200e6), (2026, 1_200e6))
    ]
    data = _data(_programme_indicators() + world + [gap])
    assert funding.unconverted(data, 2026) == ["France"]
    said = pages.text(funding.overview(data))
    assert "Germany the most of the three countries with a dollar value ($800.0 million)" in said
    assert (
        "France has counted programmes active in 2026 too, but no exchange rate for its "
        "figures' price years, so their dollars are unknown and they are not ranked." in said
    )
    page = funding.page(data)
    titles = [c.figure.layout.title.text for s in page for c in s.charts]
    assert (
        "Germany commits the most to quantum programmes in 2026: $800.0 million (of the "
        "countries with a dollar value)" in titles
    )
    # without such a country nothing is added
    plain = _data(_programme_indicators() + world)
    assert funding.unconverted(plain, 2026) == []
    assert "not ranked" not in pages.text(funding.overview(plain))


def test_a_countrys_years_without_a_programme_are_a_gap_in_its_line() -> None:
    # Germany's programmes cover 2020 and 2023-2026: 2021 and 2022 are gaps, not a slope
    rows = [
        row
        for row in _programme_indicators()
        if not (row["entity_code"] == "DEU" and row["year"] < 2023)
    ]
    rows.append(_indicator("DEU", "Germany", 2020, "commitment_usd", 500e6))
    charts = pages.charts(funding.country(_data(rows), "DEU"))
    line = charts["funding-DEU-commitments"].figure.data[0]
    assert list(line.x) == list(range(2020, 2027))
    assert list(line.y) == [500.0, None, None, 800.0, 800.0, 800.0, 800.0]
    assert "A gap in a line is a year without a counted programme active" in " ".join(
        charts["funding-DEU-commitments"].notes
    )


def test_a_ranking_chart_titles_the_year_or_funder_its_menu_shows() -> None:
    # per GDP: Qatar first from 2025, Germany alone before (Qatar's programme starts then)
    charts = pages.charts(funding.page(_data()))
    per_gdp = charts["funding-per-gdp"].figure
    titles = {
        button.label: button.args[1]["title.text"]
        for button in per_gdp.layout.updatemenus[0].buttons
    }
    assert list(titles) == ["2026", "2025", "2024", "2023"]
    assert titles["2026"].startswith("Qatar commits the most per unit of GDP in 2026: 680.0")
    assert titles["2023"].startswith("Germany commits the most per unit of GDP in 2023: 200.0")
    assert per_gdp.layout.title.text == titles["2026"]
    # grant money: each funder's title names its own first approach
    grants = charts["funding-grants-approach"].figure
    for button, bars in zip(grants.layout.updatemenus[0].buttons, grants.data, strict=True):
        top = bars.y[-1]  # bars are drawn smallest first
        assert f"{top} received the most" in button.args[1]["title.text"]
        if button.label != "All three funders":
            assert f"the most grant money from {button.label}" in button.args[1]["title.text"]


def test_a_ranking_without_its_latest_year_opens_on_the_year_it_shows() -> None:
    # no per-GDP figure of 2026: the chart opens on 2025, titled and captioned with it
    rows = [
        row
        for row in _programme_indicators()
        if not (row["indicator"] == "commitment_per_gdp" and row["year"] == NOW)
    ]
    chart = pages.charts(funding.page(_data(rows)))["funding-per-gdp"]
    assert chart.figure.layout.title.text.startswith(
        "Qatar commits the most per unit of GDP in 2025"
    )
    assert chart.caption.startswith("2025; ")
    assert chart.notes[0].endswith(": the chart starts with 2025.")
