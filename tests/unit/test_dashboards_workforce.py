"""The researcher-flows page and sections on small hand-made frames: the largest flows kept,
small flows flagged, the incomplete year left out, net gains, retention, escaping, sample
labels, SQL that reproduces the charts, no researcher named, and files without the marts."""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
from pathlib import Path

import duckdb
import polars as pl
import pytest

from dashboards import data as site_data
from dashboards.data import SiteData
from dashboards.families import workforce
from dashboards.page import Section
from tests import site_pages as pages

pytestmark = pytest.mark.unit
ATTACK = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
NOW = 2026  # the incomplete year
COUNTRIES = {
    "CHE": "Switzerland",
    "CHN": "China",
    "DEU": "Germany",
    "FRA": "France",
    "GBR": "United Kingdom",
    "USA": "United States",
    "XXA": ATTACK,
}
CODES = sorted(COUNTRIES)
# every ordered pair of countries: 42 flows in 2020 of 1 to 42 moves, each a different size
PAIRS = [(o, d) for o in CODES for d in CODES if o != d]
FLOW_2020 = {pair: index + 1 for index, pair in enumerate(PAIRS)}
# outside the window: a large flow before it and one in the incomplete year
OUTSIDE = {("XXA", "DEU", 2015): 300, ("XXA", "CHN", NOW): 500}
METHODS = {
    "small_n_threshold": ("10", "Few below this"),
    "share_interval_level": ("0.9", "Level of the Wilson intervals of shares of records"),
    "workforce_method_version": ("wf-1.0", "Version of the workforce-flow rules"),
    "workforce_trails": ("profile-then-authorships", "Two trails place a researcher in a year"),
    "workforce_year_country_rule": ("mode-career-alphabetical", "The country with most evidence"),
    "workforce_max_gap_years": ("2", "Gaps of at most this many years are carried"),
    "workforce_move_rule": ("change-between-observed-years", "A move is a change of country"),
    "workforce_approach_rule": ("works-multi-label-from-first", "Every approach from its first"),
    "workforce_producer_rule": ("first-quantum-year", "The country in the first quantum year"),
    "workforce_retention_years": ("5", "Retention: the share still there five years later"),
    "workforce_small_flow": ("5", "A flow below this many moves is flagged small"),
    "workforce_stage_mid_from": ("5", "Mid career from this many years"),
    "workforce_stage_senior_from": ("15", "Senior from this many years"),
}
# producers: (code, produced, stayed, left abroad, arrived); XXA produced few researchers
PRODUCERS = [
    ("CHN", 500, 400, 100, 20),
    ("USA", 400, 360, 40, 90),
    ("DEU", 100, 85, 15, 40),
    ("XXA", 3, 2, 1, 4),
]
# retention cohorts 2015-2020 (producing year: stayed, placed): Germany keeps most,
# France has too few researchers to be ranked
RETENTION = {
    "DEU": {year: (9, 10) for year in range(2015, 2021)},
    "CHN": {year: (6, 10) for year in range(2015, 2021)},
    "FRA": {2016: (2, 3), 2019: (3, 4)},
}
# a cohort whose five-year mark is the incomplete year: never pooled
LATE_COHORT = {"DEU": (0, 50)}


def _flow_rows() -> list[dict]:
    rows = []
    moves = {(o, d, 2020): n for (o, d), n in FLOW_2020.items()} | OUTSIDE
    for (origin, destination, year), n in moves.items():
        for approach, share in (("all", 1.0), ("trapped_ion", 0.15)):
            count = int(n * share)
            if count == 0:
                continue
            rows.append(
                {
                    "origin_iso3": origin,
                    "origin_name": COUNTRIES[origin],
                    "destination_iso3": destination,
                    "destination_name": COUNTRIES[destination],
                    "approach": approach,
                    "year": year,
                    "moves": count,
                    "returns": count // 4,
                    "is_small": count < 5,
                    "year_incomplete": year == NOW,
                    "method_version": "wf-1.0",
                }
            )
    return rows


def _indicator(
    code: str,
    year: int,
    indicator: str,
    value: float,
    *,
    approach: str = "all",
    numerator: float | None = None,
    denominator: float | None = None,
    data_kind: str = "synthetic sample",
) -> dict:
    world = code == "WLD"
    return {
        "entity_type": "world" if world else "country",
        "entity_code": code,
        "entity_name": "World" if world else COUNTRIES[code],
        "approach": approach,
        "year": year,
        "indicator": indicator,
        "value": value,
        "numerator": value if numerator is None else numerator,
        "denominator": denominator,
        "unit": "share (0-1)" if indicator == "retention_5y" else "moves",
        "researchers_active": 100,
        "flow_moves": 0,
        "small_n": denominator is not None and denominator < 10,
        # a cohort's retention is read in its fifth year: open while that year is
        "year_incomplete": year + (5 if indicator == "retention_5y" else 0) >= NOW,
        "method_version": "wf-1.0",
        "data_kind": data_kind,
    }


def _indicator_rows(flows: list[dict], data_kind: str = "synthetic sample") -> list[dict]:
    """Inflow and outflow of every country from ``flows``, active researchers, the world's
    international moves, and five-year retention."""
    frame = pl.DataFrame(flows)
    rows = []
    for approach in ("all", "trapped_ion"):
        moves = frame.filter(pl.col("approach") == approach)
        for year in sorted(set(moves["year"])):
            in_year = moves.filter(pl.col("year") == year)
            for code in CODES:
                inflow = in_year.filter(pl.col("destination_iso3") == code)["moves"].sum()
                outflow = in_year.filter(pl.col("origin_iso3") == code)["moves"].sum()
                for indicator, value in (("inflow", inflow), ("outflow", outflow)):
                    rows.append(
                        _indicator(
                            code,
                            year,
                            indicator,
                            float(value),
                            approach=approach,
                            data_kind=data_kind,
                        )
                    )
            rows.append(
                _indicator(
                    "WLD",
                    year,
                    "international_moves",
                    float(in_year["moves"].sum()),
                    approach=approach,
                    data_kind=data_kind,
                )
            )
    for code in CODES:
        for year in (2020, 2025, NOW):
            rows.append(_indicator(code, year, "researchers_active", 100.0, data_kind=data_kind))
    for code, cohorts in (RETENTION | {"WLD": {2018: (70, 100)}}).items():
        for year, (stayed, placed) in cohorts.items():
            rows.append(
                _indicator(
                    code,
                    year,
                    "retention_5y",
                    stayed / placed,
                    numerator=stayed,
                    denominator=placed,
                    data_kind=data_kind,
                )
            )
    for code, (stayed, placed) in LATE_COHORT.items():
        rows.append(
            _indicator(
                code,
                NOW - 5,
                "retention_5y",
                stayed / placed,
                numerator=stayed,
                denominator=placed,
                data_kind=data_kind,
            )
        )
    return rows


def _producer_rows() -> list[dict]:
    return [
        {
            "country_iso3": code,
            "country_name": COUNTRIES[code],
            "approach": "all",
            "produced": produced,
            "stayed": stayed,
            "left_abroad": left,
            "arrived": arrived,
            "last_seen": stayed + arrived,
            "net_gain": arrived - left,
            "stayed_share": stayed / produced,
            "small_n": produced + arrived < 10,
            "method_version": "wf-1.0",
        }
        for code, produced, stayed, left, arrived in PRODUCERS
    ]


def world_rows(stages: pl.DataFrame) -> pl.DataFrame:
    """The world's rows of the career-stage rows ``stages`` (every country added up), as
    ``marts.workforce_career_stages_world`` publishes them, flagged small where they are
    (``small_n_threshold`` 10, ``workforce_small_flow`` 5)."""
    return (
        stages.group_by("approach", "year", "career_stage", maintain_order=True)
        .agg(pl.col("active").sum(), pl.col("inflow").sum().alias("moves"))
        .with_columns(
            method_version=pl.lit("wf-1.0"),
            small_n=pl.col("active") < 10,
            small_flow=pl.col("moves") < 5,
        )
    )


def _stage_rows() -> list[dict]:
    rows = []
    for year in range(2019, NOW + 1):
        for stage, moves, active in (
            ("early career", 6, 100),
            ("mid career", 3, 100),
            ("senior", 1, 50),
        ):
            rows.append(
                {
                    "country_iso3": "DEU",
                    "country_name": "Germany",
                    "approach": "all",
                    "year": year,
                    "career_stage": stage,
                    "active": active,
                    "inflow": moves,
                    "outflow": 0,
                    "net_flow": moves,
                    "method_version": "wf-1.0",
                }
            )
    return rows


def _data(with_marts: bool = True, data_kind: str = "synthetic sample") -> SiteData:
    """A SiteData holding only what the workforce family reads (the workforce marts are
    left empty, their default, without ``with_marts``)."""
    flows = _flow_rows()
    workforce_frames = (
        {
            "workforce_indicators": pl.DataFrame(
                _indicator_rows(flows, data_kind), infer_schema_length=None
            ),
            "workforce_flows": pl.DataFrame(flows),
            "workforce_producers": pl.DataFrame(_producer_rows()),
            "workforce_career_stages": pl.DataFrame(_stage_rows()),
            "workforce_career_stages_world": world_rows(pl.DataFrame(_stage_rows())),
            "workforce_definitions": pl.DataFrame(
                {
                    "name": ["Inflow of researchers"],
                    "definition": ["Moves arriving in the entity in the year"],
                    "unit": ["moves"],
                    "method_version": ["wf-1.0"],
                }
            ),
        }
        if with_marts
        else {}
    )
    return pages.site_data(
        approaches={
            "all": "All",
            "trapped_ion": "Trapped ions",
            "superconducting": "Superconducting qubits",
            "unclassified": "Not classified",
        },
        countries=COUNTRIES,
        complete_year=NOW - 1,
        incomplete_year=NOW,
        data_kind=data_kind,
        methods=METHODS,
        **workforce_frames,
    )


def _render(sections: list[Section], kind: str = "workforce") -> str:
    """The HTML of a page holding ``sections``, through the site's own template."""
    return pages.render(sections, "workforce.html", "Researcher flows", kind)


def test_window_is_the_last_ten_complete_years() -> None:
    data = _data()
    assert workforce.complete_year(data) == NOW - 1
    assert workforce.incomplete_years(data) == [NOW]
    assert workforce.window(data) == (2016, 2025)


def test_the_sankey_keeps_the_largest_flows_of_the_window_and_flags_small_ones() -> None:
    data = _data()
    flows = workforce.period_flows(data, 2016, 2025)
    # the flows of 2015 and of the incomplete year are outside the window
    assert flows.height == len(PAIRS) and flows["moves"].max() == len(PAIRS)
    top = workforce.top_flows(flows)
    assert top["moves"].to_list() == list(range(42, 22, -1))
    assert flows.filter(pl.col("is_small"))["moves"].to_list() == [4, 3, 2, 1]
    chart = pages.charts(workforce.page(data))["workforce-sankey"]
    sankey = chart.figure.data[0]
    assert sankey.type == "sankey" and sankey.visible
    assert list(sankey.link.value) == list(range(42, 22, -1))
    # origins on the left, destinations on the right: every link goes from one to the other
    origins = len(set(top["origin_name"]))
    assert all(
        s < origins <= t for s, t in zip(sankey.link.source, sankey.link.target, strict=True)
    )
    # one diagram per approach, chosen from a menu that also changes the title
    assert [t.visible for t in chart.figure.data] == [True, False]
    buttons = chart.figure.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == ["All researchers", "Trapped ions"]
    assert buttons[1].args[0] == {"visible": [False, True]}
    assert buttons[1].args[1]["title.text"].startswith("Synthetic sample: Trapped ions: ")
    # in trapped ions (a seventh of the moves) the small flows are drawn grey and say so
    ions = chart.figure.data[1]
    small = [i for i, v in enumerate(ions.link.value) if v < 5]
    assert small and all(ions.link.color[i] == workforce.SMALL_GREY for i in small)
    assert all("small: under 5 moves" in ions.link.customdata[i] for i in small)
    assert "Grey links are small flows (under 5 moves)" in " ".join(chart.notes)
    assert chart.data.filter(pl.col("is_small")).height == len(small)


def test_net_gain_sums_the_window_and_flags_few_moves() -> None:
    data = _data()
    gains = workforce.net_gain(data, 2016, 2025)
    expected = {
        code: sum(n for (o, d), n in FLOW_2020.items() if d == code)
        - sum(n for (o, d), n in FLOW_2020.items() if o == code)
        for code in CODES
    }
    assert dict(zip(gains["entity_code"], gains["net_flow"], strict=True)) == expected
    assert gains["net_flow"].to_list() == sorted(expected.values(), reverse=True)
    assert not gains["small_n"].any()
    trimmed = workforce.gainers_and_losers(gains, "net_flow", n=2)
    assert trimmed["entity_code"].to_list() == gains["entity_code"][:2].to_list() + (
        gains["entity_code"][-2:].to_list()
    )
    # the largest gains and losses by their sign: a small gain is never drawn as a loss
    signs = pl.DataFrame({"entity_code": list("ABCDE"), "net_flow": [5, 3, 2, 1, -4]})
    assert workforce.gainers_and_losers(signs, "net_flow", n=2)["entity_code"].to_list() == [
        "A",
        "B",
        "E",
    ]
    assert workforce.not_drawn(5, 3, "countries") == [
        "2 more countries, between the largest gains and losses (or at 0), are not drawn: "
        "the SQL below lists every one."
    ]
    # few moves in trapped ions for some countries: flagged, and the bar says so
    few = workforce.net_gain(data, 2016, 2025, "trapped_ion").with_columns(
        (pl.col("flow_moves") < 5).alias("expected")
    )
    assert few["small_n"].to_list() == few["expected"].to_list()
    chart = pages.charts(workforce.page(data))["workforce-net"]
    assert chart.figure.data[0].y[-1].startswith(gains["entity_name"][0])  # largest on top


def test_net_rates_divide_the_net_flow_by_the_researchers_active_over_the_years() -> None:
    data = _data()
    assert workforce.rate_window(data) == (2016, 2025)
    rates = workforce.net_rates(data, 2016, 2025)
    rows = {r["entity_code"]: r for r in rates.iter_rows(named=True)}
    # Switzerland, first of the codes: out 1 + 2 + ... + 6 = 21 (its six flows come first);
    # in 7 + 13 + 19 + 25 + 31 + 37 = 132 (each other country's first flow); 100 active
    # researchers in 2020 and in 2025: net 111 over 200 researcher-years
    swiss = rows["CHE"]
    assert (swiss["inflow"], swiss["outflow"], swiss["researcher_years"]) == (132, 21, 200)
    assert swiss["rate"] == pytest.approx(55.5)  # 100 * 111 / 200
    assert swiss["efficiency"] == pytest.approx(111 / 153)
    assert rates["rate"].to_list() == sorted(rates["rate"].to_list(), reverse=True)
    assert not rates["small_n"].any()
    # trapped ions have no active researchers in these frames: no rate, not a rate of zero
    assert workforce.net_rates(data, 2016, 2025, "trapped_ion").height == 0
    # under 10 active researchers a year on average (200 over 21 years): too few, and the
    # ranking leaves every country out and says so
    assert workforce.net_rates(data, 2005, 2025)["small_n"].all()
    strict = dataclasses.replace(data, methods=data.methods | {"small_n_threshold": "25"})
    (section,) = [s for s in workforce.page(strict) if s.charts and s.charts[0].id.endswith("rate")]
    assert section.charts[0].data.height == 0  # dropped by the site, notes and all
    assert section.paragraphs[-1].startswith(
        "All researchers: not ranked, with too few moves or researchers: "
        f"{ATTACK}, China, France, Germany, Switzerland, "
        "United Kingdom and United States (their figures are in the database, "
        "marts.workforce_indicators). A country with under 5 moves in and out over "
        "2016-2025, or under 25 active researchers a year on average, is not ranked"
    )
    # the moves and the researchers placed end the same year here: nothing said of it
    assert "These are ten years too" not in pages.text(workforce.page(data))


def _placements_open_longer() -> SiteData:
    """The hand-made data with the active researchers flagged incomplete two years longer
    than moves, as the mart flags them (a later observation can still carry someone
    through those years)."""
    data = _data()
    flagged = data.workforce_indicators.with_columns(
        year_incomplete=pl.col("year_incomplete")
        | ((pl.col("indicator") == "researchers_active") & (pl.col("year") >= NOW - 2))
    )
    return dataclasses.replace(data, workforce_indicators=flagged)


def test_the_rate_ends_where_the_researchers_placed_are_complete() -> None:
    # as the mart flags them, the researchers placed stay open two years longer than moves
    data = _placements_open_longer()
    # the latest year with rows outside the placements' open years: 2021 in these frames
    assert workforce.window(data) == (2016, 2025)
    assert workforce.rate_window(data) == (2012, 2021)
    rates = workforce.net_rates(data, 2012, 2021)
    assert set(rates["researcher_years"]) == {100}  # 2020's 100 active, not 2025's
    said = pages.text(workforce.page(data))
    assert (
        "These are ten years too, but 2012-2021, 4 years earlier than the net flows above "
        "(2016-2025)" in said
    )
    assert "over 2012-2021" in said


def test_the_ranking_for_a_countrys_size_names_its_leader_and_hover_figures() -> None:
    data = _data()
    chart = pages.charts(workforce.page(data))["workforce-net-rate"]
    top = workforce.net_rates(data, 2016, 2025).row(0, named=True)
    assert chart.figure.layout.title.text == (
        f"Synthetic sample: {workforce.esc(top['entity_name'])} gained the most for its size, "
        f"2016-2025: {top['rate']:+.2f} net moves a year per 100 active researchers (7 countries "
        "ranked)"
    )
    swiss = next(h for h in chart.figure.data[0].hovertext if h.startswith("Switzerland"))
    assert swiss == (
        "Switzerland: net +55.50 moves a year per 100 active researchers (132 arrived, 21 "
        "left; 200 researcher-years active); migration efficiency +0.73: arrivals were 86% of "
        "the moves in and out"
    )
    said = pages.text(workforce.country(data, "CHE"))
    rank = 1 + workforce.net_rates(data, 2016, 2025).filter(pl.col("rate") > 55.5).height
    assert (
        "For its size, over 2016-2025: net +55.50 moves a year per 100 researchers active in "
        f"Switzerland ({workforce.ordinal(rank)} of the 7 countries ranked), migration "
        "efficiency +0.73." in said
    )
    few = dataclasses.replace(data, methods=data.methods | {"small_n_threshold": "25"})
    assert (
        "For its size, over 2016-2025: too few for a rate (20.0 active researchers a year on "
        "average)." in pages.text(workforce.country(few, "CHE"))
    )


def test_retention_pools_complete_cohorts_and_ranks_only_enough_researchers() -> None:
    data = _data()
    # the last cohort whose five-year mark is complete is 2020; 2021's is the incomplete year
    assert workforce.retention_cohorts(data) == (2015, 2020)
    pooled = workforce.retention(data, 2015, 2020)
    rows = {r["entity_code"]: r for r in pooled.iter_rows(named=True)}
    assert rows["DEU"]["value"] == pytest.approx(0.9) and rows["DEU"]["placed"] == 60
    assert rows["FRA"]["placed"] == 7 and not rows["FRA"]["enough"]
    # 54 of 60 at the file's level 0.9 (z = 1.6449, z^2 = 2.7055): centre
    # (0.9 + 2.7055/120) / (1 + 2.7055/60) = 0.88274, half-width
    # 1.6449 * sqrt(0.09/60 + 2.7055/14400) / 1.04509 = 0.06466
    assert (round(rows["DEU"]["ci_low"], 4), round(rows["DEU"]["ci_high"], 4)) == (0.8181, 0.9474)
    assert rows["DEU"]["interval_method"] == "wilson-90"
    chart = pages.charts(workforce.page(data))["workforce-retention"]
    assert chart.data["entity_code"].to_list() == ["DEU", "CHN"]
    assert chart.data["interval_method"].to_list() == ["wilson-90", "wilson-90"]
    assert "Bars show 90% Wilson intervals" in chart.notes[0]
    assert "90% interval 82% to 95%" in chart.figure.data[0].hovertext[-1]  # Germany on top
    assert "Not ranked, fewer than 10 researchers placed 5 years later: France." in chart.notes
    assert chart.figure.layout.shapes[0].x0 == pytest.approx(0.7)  # the world line


def test_career_stages_start_at_the_first_move_and_grey_the_incomplete_year() -> None:
    data = _data()
    moves = workforce.stage_moves(data)
    assert moves["year"].min() == 2019 and moves["year"].max() == NOW
    rates = workforce.stage_rates(moves, 2016, 2025)
    assert rates["career_stage"].to_list() == list(workforce.STAGES)
    assert rates["share"].to_list() == pytest.approx([0.6, 0.3, 0.1])
    assert rates["per_100"].to_list() == pytest.approx([6.0, 3.0, 2.0])
    said = pages.text(workforce.page(data))
    assert "Early career researchers make 60% of moves between countries, 2016-2025" in said
    assert f"{NOW} is incomplete" in said
    assert "early career 6.0; mid career 3.0; senior 2.0." in said
    assert "in the first 15 years of the data nobody can yet be senior" in said
    # a stage's rate on fewer than workforce_small_flow (5) moves says so
    world = data.workforce_career_stages_world
    few = world.with_columns(
        moves=pl.when(pl.col("career_stage") == "senior").then(0).otherwise(pl.col("moves"))
    )
    fewer = pages.text(workforce.page(dataclasses.replace(data, workforce_career_stages_world=few)))
    assert "senior 0.0 (few moves: 0)." in fewer


def test_a_file_from_before_the_worlds_career_stages_adds_up_its_countries() -> None:
    data = _data()
    older = dataclasses.replace(data, workforce_career_stages_world=pl.DataFrame())
    assert workforce.stage_moves(older).equals(workforce.stage_moves(data))
    (section,) = [s for s in workforce.page(older) if s.heading == "Career stages of movers"]
    assert "from marts.workforce_career_stages\n" in (section.code or "")
    assert "_world" not in (section.code or "")


def test_page_has_each_chart_with_its_sql_and_the_method_notes() -> None:
    data = _data()
    sections = workforce.page(data)
    charts = pages.charts(sections)
    assert set(charts) == {
        "workforce-sankey",
        "workforce-net",
        "workforce-net-rate",
        "workforce-producers",
        "workforce-retention",
        "workforce-stages",
    }
    for section in sections:
        if section.charts:
            assert section.code and section.code.startswith("-- duckdb -readonly qcm.duckdb")
    said = pages.text(sections)
    for key in workforce.NOTE_RULES:
        assert f"({key} = {METHODS[key][0]})" in said, key
        assert METHODS[key][1] in said
    assert "not a visa, a contract" in said
    assert "Researchers who stop publishing vanish" in said
    assert (
        f"Moves of {NOW} are incomplete: publications, and so affiliations, keep being "
        f"indexed for months. Retention is complete for the researchers produced up to "
        f"{NOW - 6}. Incomplete years are greyed on trends, and every sum on this page stops "
        "before them." in said
    )
    page = _render(sections)
    assert 'id="caveats"' in page and 'href="#caveats"' in page


def test_sample_data_is_labelled_and_live_data_is_not() -> None:
    said = pages.text(workforce.page(_data()))
    assert "SYNTHETIC SAMPLE DATA: invented researchers and moves" in said
    assert re.search(r"Synthetic sample: .+ is the largest flow, 2016-2025", said)
    page = _render(workforce.page(_data()))
    assert "The researchers and moves on this page come from qcm's invented" in page
    live = pages.text(
        workforce.page(_data(data_kind="live")) + workforce.country(_data(data_kind="live"), "DEU")
    )
    assert "SYNTHETIC" not in live and "Synthetic sample" not in live


def test_hostile_country_names_are_escaped_everywhere() -> None:
    data = _data()
    sections = workforce.page(data) + workforce.country(data, "XXA") + workforce.overview(data)
    payloads = json.dumps([c.payload()["figure"] for s in sections for c in s.charts])
    assert ATTACK not in payloads and ESCAPED in payloads
    page = _render(sections)
    assert ATTACK not in page and ESCAPED in page
    assert "<img" not in page


def test_no_researcher_is_named_or_identified() -> None:
    # the per-researcher marts are never read, so no page can show a name or an id
    source = inspect.getsource(site_data)
    assert not re.search(r"\"[^\"\n]*marts\.researcher", source)  # in no SQL string
    assert not any(
        "researcher" in f and "workforce" not in f for f in SiteData.__dataclass_fields__
    )
    data = _data()
    sections = workforce.page(data) + workforce.country(data, "DEU") + workforce.methods(data)
    page = _render(sections)
    assert not re.search(r"\bA\d{6,}\b", page)  # OpenAlex author ids
    assert not re.search(r"Researcher \d", page)  # the sample's author names
    for chart in (c for s in sections for c in s.charts):
        assert not {"researcher_id", "display_name", "author_id"} & set(chart.data.columns)


def test_country_section_gives_flows_partners_and_producer_figures() -> None:
    data = _data()
    sections = workforce.country(data, "DEU")
    assert sections[0].heading == "Researcher flows"
    charts = pages.charts(sections)
    assert set(charts) == {
        "workforce-DEU-active",
        "workforce-DEU-flows",
        "workforce-DEU-origins",
        "workforce-DEU-destinations",
    }
    origins = charts["workforce-DEU-origins"].data
    arriving = sorted(
        ((n, COUNTRIES[o]) for (o, d), n in FLOW_2020.items() if d == "DEU"), reverse=True
    )
    assert origins["value"].to_list() == [n for n, _ in arriving][: workforce.TOP_PARTNERS]
    table = sections[0].tables[0]
    assert table.rows == [["100", "85", "15", "40", "125", "+25", "85%"]]
    said = pages.text(sections)
    assert "Germany produced 100 researchers" in said
    assert "90% were in Germany (54 of 60)" in said
    assert "destination_iso3 = 'DEU'" in (sections[1].code or "")
    # France: too few researchers for a retention figure
    assert "Too few researchers produced in France" in pages.text(workforce.country(data, "FRA"))


def test_a_file_without_workforce_marts_still_renders() -> None:
    data = _data(with_marts=False)
    assert not workforce.has_workforce(data) and workforce.window(data) is None
    assert workforce.overview(data) == [] and workforce.methods(data) == []
    assert "no researcher-flow tables" in pages.text(workforce.page(data))
    assert "no researcher-flow tables" in pages.text(workforce.country(data, "DEU"))
    _render(workforce.page(data))


def _workforce_file(path: Path, data: SiteData) -> Path:
    """A DuckDB file holding the workforce marts of ``data``, to run the page's SQL on."""
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    for table, frame in (
        ("workforce_indicators", data.workforce_indicators),
        ("workforce_flows", data.workforce_flows),
        ("workforce_producers", data.workforce_producers),
        ("workforce_career_stages", data.workforce_career_stages),
        ("workforce_career_stages_world", data.workforce_career_stages_world),
    ):
        con.register("frame", frame)
        con.execute(f"create table marts.{table} as select * from frame")
        con.unregister("frame")
    con.close()
    return path


def test_the_sql_on_the_page_reproduces_the_charts(tmp_path: Path) -> None:
    data = _data()
    con = duckdb.connect(str(_workforce_file(tmp_path / "qcm.duckdb", data)), read_only=True)
    charts = pages.charts(workforce.page(data))
    flows = con.execute(workforce.flows_sql(2016, 2025, 5)).fetchall()
    everyone = charts["workforce-sankey"].data.filter(pl.col("approach") == "All researchers")
    assert flows == list(
        everyone.select("origin_name", "destination_name", "moves", "returns", "is_small").rows()
    )
    net = con.execute(workforce.net_sql(2016, 2025, 5)).fetchall()
    gains = workforce.net_gain(data, 2016, 2025)
    assert [(r[0], r[3]) for r in net] == list(gains.select("entity_name", "net_flow").rows())
    rates = con.execute(workforce.rate_sql(2016, 2025, 5, 10)).fetchall()
    ranked = workforce.net_rates(data, 2016, 2025).filter(~pl.col("small_n"))
    assert [(r[0], r[4]) for r in rates] == [
        (name, round(rate, 2)) for name, rate in ranked.select("entity_name", "rate").rows()
    ]
    retention = con.execute(workforce.retention_sql(2015, 2020, 10)).fetchall()
    ranked = charts["workforce-retention"].data
    assert [r[0] for r in retention] == ranked["entity_name"].to_list()
    assert [r[3] for r in retention] == pytest.approx(ranked["value"].to_list(), abs=1e-3)
    producers = con.execute(workforce.producers_sql()).fetchall()
    assert [r[0] for r in producers] == charts["workforce-producers"].data["country_name"].to_list()
    stages = con.execute(workforce.stages_sql()).fetchall()
    assert sum(r[2] for r in stages) == charts["workforce-stages"].data["moves"].sum()
    con.close()


def test_each_indicator_keeps_its_own_incomplete_years() -> None:
    # as the mart flags them: active researchers stay open two years longer than moves (a
    # later observation can still carry someone through them)
    data = _placements_open_longer()
    assert workforce.complete_year(data) == NOW - 1  # the moves of 2025 are complete
    assert workforce.incomplete_years(data, workforce.ACTIVE) == [NOW - 1, NOW]
    said = pages.text(workforce.country(data, "DEU"))
    # the researchers placed in 2025 are not counted as if complete: 2020's are
    assert "100 quantum researchers placed in Germany in 2020" in said
    caveats = pages.text(workforce.page(data))
    assert f"The researchers placed in {NOW - 1} and {NOW} (active researchers" in caveats
    assert "those produced) are incomplete too" in caveats
    active = pages.charts(workforce.country(data, "DEU"))["workforce-DEU-active"]
    assert "a later observation can still carry" in " ".join(active.notes)


def test_a_countrys_flows_start_after_the_datas_first_year() -> None:
    # the world places researchers from 2015: no move can arrive then (it needs a year
    # observed before), so the flows chart starts in 2016 while the active line keeps 2015
    data = _data()
    world = pl.DataFrame(
        [_indicator("WLD", year, "researchers_active", 500.0) for year in range(2015, 2027)]
    )
    data = dataclasses.replace(
        data,
        workforce_indicators=pl.concat([data.workforce_indicators, world], how="diagonal_relaxed"),
    )
    charts = pages.charts(workforce.country(data, "USA"))
    flows = charts["workforce-USA-flows"].figure.data
    assert all(min(line.x) == 2016 for line in flows)
    assert min(charts["workforce-USA-active"].figure.data[0].x) == 2015


def test_a_countrys_charts_count_moves_and_researchers_in_words_that_agree() -> None:
    charts = pages.charts(workforce.country(_data(), "CHN"))
    origins = charts["workforce-CHN-origins"]
    # Switzerland's one move into China (the first of the hand-made flows)
    assert "Switzerland: 1 move to China" in origins.figure.data[0].hovertext
    assert any(h.endswith("moves to China") for h in origins.figure.data[0].hovertext)
    # six countries sent researchers to China: every one is drawn, and said to be
    assert origins.data.height == 6 and origins.notes[0].startswith("Every one;")
    # whole counts are hovered as whole numbers
    active = charts["workforce-CHN-active"].figure.data[0]
    assert ",.0f" in active.hovertemplate
