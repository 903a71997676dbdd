"""The researcher-flows sections of a release that suppresses small numbers, on the
hand-made frames of test_dashboards_workforce with a few small rows more: a flow, country,
cohort pool or year whose sum would take in a suppressed row is left out of it (never
summed short, never read as zero), the charts and pages say so once, and a release that
flags the same rows sums them as before."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import duckdb
import polars as pl
import pytest

from dashboards.data import SiteData
from dashboards.families import workforce
from dashboards.families.common import left_out_of_sums
from tests import site_pages as pages
from tests.unit.test_dashboards_workforce import CODES, COUNTRIES, FLOW_2020, _data, _indicator

pytestmark = pytest.mark.unit
SPAN = "2016-2025"  # the window of the hand-made frames
FRAMES = (
    "workforce_indicators",
    "workforce_flows",
    "workforce_producers",
    "workforce_career_stages",
    "workforce_career_stages_world",
)
# what a suppressed row keeps (keys and flags) and loses (its numbers), frame by frame
NUMBERS = {
    "workforce_indicators": ("value", "numerator", "denominator", "researchers_active"),
    "workforce_flows": ("moves", "returns"),
    "workforce_producers": ("produced", "stayed", "left_abroad", "arrived", "last_seen"),
    "workforce_career_stages": ("active", "inflow", "outflow", "net_flow"),
    "workforce_career_stages_world": ("active", "moves"),
}
FLAGS = {
    "workforce_indicators": "small_n",
    "workforce_flows": "is_small",
    "workforce_producers": "small_n",
    "workforce_career_stages": "small_n",
    "workforce_career_stages_world": "small_n",
}
# a small flow in 2018 (inside the window): XXA to USA, 2 moves of every researcher, and
# with it XXA's and USA's inflow and outflow of 2018 and the world's moves of that year
SMALL_FLOW = {
    "origin_iso3": "XXA",
    "origin_name": COUNTRIES["XXA"],
    "destination_iso3": "USA",
    "destination_name": "United States",
    "approach": "all",
    "year": 2018,
    "moves": 2,
    "returns": 0,
    "is_small": True,
    "year_incomplete": False,
    "method_version": "wf-1.0",
}
# two cohorts of the United Kingdom, each too small alone (under 10 placed), 13 pooled
SMALL_COHORTS = {2016: (4, 6), 2017: (5, 7)}


def _small_indicator(code: str, indicator: str, value: float, **kwargs: object) -> dict:
    row = _indicator(code, 2018, indicator, value, **kwargs)
    return row | {"small_n": True, "flow_moves": 2}


def _extra_rows() -> dict[str, list[dict]]:
    """The small rows the hand-made marts gain: the flow of 2018 and what it makes of its
    countries' and the world's indicators, and the United Kingdom's two small cohorts."""
    indicators = [
        _small_indicator("XXA", "outflow", 2.0),
        _small_indicator("XXA", "inflow", 0.0),
        _small_indicator("USA", "inflow", 2.0),
        _small_indicator("USA", "outflow", 0.0),
        _small_indicator("WLD", "international_moves", 2.0),
    ]
    for year, (stayed, placed) in SMALL_COHORTS.items():
        row = _indicator(
            "GBR", year, "retention_5y", stayed / placed, numerator=stayed, denominator=placed
        )
        indicators.append(row)
    return {"workforce_indicators": indicators, "workforce_flows": [SMALL_FLOW]}


def _with_small_rows() -> SiteData:
    """The hand-made release with the small rows of ``_extra_rows`` published, flagged
    (small_n / is_small) and with their numbers, and career stages flagged as the mart
    flags them (none small)."""
    data = _data()
    frames = {}
    for name, rows in _extra_rows().items():
        frame = getattr(data, name)
        frames[name] = pl.concat([frame, pl.DataFrame(rows, schema=frame.schema)])
    stages = data.workforce_career_stages.with_columns(
        small_n=pl.lit(False), small_flow=pl.lit(False)
    )
    world = data.workforce_career_stages_world.with_columns(
        small_n=pl.lit(False), small_flow=pl.lit(False)
    )
    return dataclasses.replace(
        data, workforce_career_stages=stages, workforce_career_stages_world=world, **frames
    )


def _suppress(data: SiteData, small: dict[str, pl.Expr]) -> SiteData:
    """``data`` as ``dashboards.data.load`` reads a release that suppresses small numbers:
    each frame's rows matching ``small`` (by the frame's name) left out of it, kept in
    ``left_out`` flagged and with their numbers empty."""
    frames, left_out = {}, {}
    for name in FRAMES:
        frame = getattr(data, name)
        hidden = frame.filter(small.get(name, pl.lit(False)))
        frames[name] = frame.filter(~small.get(name, pl.lit(False)))
        flag = [pl.lit(True).alias(FLAGS[name])] if FLAGS[name] in frame.columns else []
        left_out[name] = hidden.with_columns(
            *(pl.lit(None, frame.schema[c]).alias(c) for c in NUMBERS[name]), *flag
        )
    return dataclasses.replace(data, small_numbers="suppress", left_out=left_out, **frames)


# the rows the suppressing release leaves out: every flagged indicator (the small flow's,
# France's two and the United Kingdom's two cohorts), the small flow, and the senior
# researchers of 2020, Germany's and so the world's (too few: a year of the career stages)
SMALL = {
    "workforce_indicators": pl.col("small_n"),
    "workforce_flows": pl.col("is_small"),
    "workforce_career_stages": (pl.col("year") == 2020) & (pl.col("career_stage") == "senior"),
    "workforce_career_stages_world": (pl.col("year") == 2020)
    & (pl.col("career_stage") == "senior"),
}


def _flagged() -> SiteData:
    return _with_small_rows()


def _suppressed() -> SiteData:
    return _suppress(_with_small_rows(), SMALL)


def _net_2020(code: str) -> int:
    """A country's net flow of the 2020 flows: moves in minus moves out."""
    return sum(n for (o, d), n in FLOW_2020.items() if d == code) - sum(
        n for (o, d), n in FLOW_2020.items() if o == code
    )


def test_a_flow_with_a_suppressed_year_is_left_out_of_the_period_sums() -> None:
    # flagged: the 2 moves of 2018 are added to the 42 of 2020
    flagged = workforce.period_flows(_flagged(), 2016, 2025)
    assert flagged.height == 42 and flagged.row(0, named=True)["moves"] == 44
    assert workforce.left_out_pairs(_flagged(), 2016, 2025) == set()
    # suppressed: XXA to USA is not shown at 42 (its 2018 unknown) but left out, as are
    # the four flows of 2020 under 5 moves (Switzerland to China, Germany, France and the
    # United Kingdom: 1 to 4 moves)
    data = _suppressed()
    small = {("CHE", "CHN"), ("CHE", "DEU"), ("CHE", "FRA"), ("CHE", "GBR")}
    assert workforce.left_out_pairs(data, 2016, 2025) == small | {("XXA", "USA")}
    assert workforce.left_out_pairs(data, 2019, 2025) == small  # 2018 outside the years
    flows = workforce.period_flows(data, 2016, 2025)
    assert flows.height == 42 - 5 and flows["moves"].min() == 5
    pairs = zip(flows["origin_iso3"], flows["destination_iso3"], strict=True)
    assert ("XXA", "USA") not in set(pairs)
    assert flows["moves"].to_list()[:2] == [41, 40]
    # a sum over years without 2018 is whole again
    assert workforce.period_flows(data, 2019, 2025)["moves"].max() == 42
    # in trapped ions (no flow in 2018) only the flows of 2020 under 5 moves are left out
    ions = workforce.period_flows(data, 2016, 2025, "trapped_ion")
    assert ions.equals(
        workforce.period_flows(_flagged(), 2016, 2025, "trapped_ion").filter(~pl.col("is_small"))
    )


def test_the_flow_diagram_says_once_what_its_sums_left_out() -> None:
    sentence = left_out_of_sums("flows between two countries", SPAN)
    chart = pages.charts(workforce.page(_suppressed()))["workforce-sankey"]
    assert chart.notes.count(sentence) == 1
    assert "Grey links" not in " ".join(chart.notes)
    # the largest 20 of the 37 flows left (41 down to 22) of their 903 - 42 - 10 = 851 moves
    assert (
        "All researchers: the 20 largest flows carry 630 of the 851 moves between countries in "
        "2016-2025 (74%); the rest are smaller flows, in the published file (a flow with a year "
        "of under 5 moves, suppressed in this release, is not counted in either)." in chart.notes
    )
    flagged = pages.charts(workforce.page(_flagged()))["workforce-sankey"]
    assert sentence not in flagged.notes
    # 44 + (41 + ... + 23) = 652 of 903 + 2 = 905
    assert (
        "All researchers: the 20 largest flows carry 652 of the 905 moves between countries in "
        "2016-2025 (72%); the rest are smaller flows, in the published file." in flagged.notes
    )


def test_a_country_with_a_suppressed_year_is_left_out_of_net_gains() -> None:
    expected = {code: _net_2020(code) for code in CODES}
    flagged = workforce.net_gain(_flagged(), 2016, 2025)
    assert dict(zip(flagged["entity_code"], flagged["net_flow"], strict=True)) == expected | {
        "USA": expected["USA"] + 2,
        "XXA": expected["XXA"] - 2,
    }
    data = _suppressed()
    assert workforce.left_out_countries(data, 2016, 2025) == {"USA", "XXA"}
    gains = workforce.net_gain(data, 2016, 2025)
    assert dict(zip(gains["entity_code"], gains["net_flow"], strict=True)) == {
        code: net for code, net in expected.items() if code not in ("USA", "XXA")
    }
    # every country of trapped ions is summed: none of its rows is suppressed
    assert workforce.net_gain(data, 2016, 2025, "trapped_ion").height == len(CODES)
    sentence = left_out_of_sums("countries", SPAN)
    chart = pages.charts(workforce.page(data))["workforce-net"]
    assert chart.notes.count(sentence) == 1
    assert set(chart.data.filter(pl.col("group") == "All researchers")["entity_code"]) == (
        set(CODES) - {"USA", "XXA"}
    )
    assert sentence not in pages.text(workforce.page(_flagged()))
    # so are they of the net gains for a country's size, and the chart says so once
    rates = workforce.net_rates(data, 2016, 2025)
    assert set(rates["entity_code"]) == set(CODES) - {"USA", "XXA"}
    assert set(workforce.net_rates(_flagged(), 2016, 2025)["entity_code"]) == set(CODES)
    chart = pages.charts(workforce.page(data))["workforce-net-rate"]
    assert chart.notes.count(sentence) == 1
    assert (
        "For its size, over 2016-2025: no rate, as a year of its moves or active researchers "
        "is too small to publish in this release (suppressed)."
        in pages.text(workforce.country(data, "USA"))
    )


def test_a_country_with_a_suppressed_year_of_researchers_has_no_rate_for_its_size() -> None:
    # Germany's active researchers of 2020 too few to publish: no rate, and no sum short
    flagged = _flagged()
    rows = flagged.workforce_indicators
    small = (
        (pl.col("entity_code") == "DEU")
        & (pl.col("indicator") == "researchers_active")
        & (pl.col("year") == 2020)
    )
    flagged = dataclasses.replace(
        flagged, workforce_indicators=rows.with_columns(small_n=pl.col("small_n") | small)
    )
    data = _suppress(flagged, {"workforce_indicators": small})
    assert "DEU" not in set(workforce.net_rates(data, 2016, 2025)["entity_code"])
    assert "DEU" in set(workforce.net_gain(data, 2016, 2025)["entity_code"])  # moves intact
    said = pages.text(workforce.country(data, "DEU"))
    assert "For its size, over 2016-2025: no rate, as a year of its moves or active" in said


def test_the_overview_gives_no_total_short_of_a_suppressed_year() -> None:
    (flagged,) = workforce.overview(_flagged())
    assert flagged.paragraphs[0].startswith(
        "905 moves of quantum researchers between countries in 2016-2025"
    )
    (said,) = workforce.overview(_suppressed())
    text = said.paragraphs[0]
    assert text.startswith(
        "Quantum researchers moved between countries in 2016-2025, as their OpenAlex "
        "affiliations place them (no total: the moves of 2018 are too few to publish in this "
        "release)"
    )
    assert not re.search(r"\b\d[\d,]* moves of quantum researchers", text)
    assert left_out_of_sums("countries", SPAN) in text
    # the gains named are of the countries summed whole
    best = max((c for c in CODES if c not in ("USA", "XXA")), key=_net_2020)
    assert f"largest net inflow of the countries ranked ({_net_2020(best):+,} moves)" in text


def test_a_country_page_says_its_suppressed_moves_are_too_few_not_zero() -> None:
    # every year of France's moves in the window suppressed: neither 0 moves nor a net
    data = _suppress(
        _with_small_rows(),
        SMALL
        | {
            "workforce_indicators": pl.col("small_n")
            | (
                (pl.col("entity_code") == "FRA")
                & pl.col("indicator").is_in(["inflow", "outflow"])
                & (pl.col("approach") == "all")
            )
        },
    )
    said = pages.text(workforce.country(data, "FRA"))
    assert (
        "Over 2016-2025, fewer than 5 moves a year went into or out of France: too few to "
        "publish in this release (suppressed)." in said
    )
    assert not re.search(r"\b0 moves", said) and "net +0" not in said
    assert "Under 5 moves in all" not in said
    # the United States: 2018 suppressed, 2020 published: no total short of 2018
    usa = pages.text(workforce.country(_suppressed(), "USA"))
    assert (
        "In 2018, fewer than 5 moves a year went into or out of United States, too few to "
        "publish in this release, so no total over 2016-2025 is given: a sum of the other "
        "years would understate it." in usa
    )
    assert "moves into United States" not in usa
    # flagged, its moves are summed with the small year's
    inflow = sum(n for (o, d), n in FLOW_2020.items() if d == "USA") + 2
    outflow = sum(n for (o, d), n in FLOW_2020.items() if o == "USA")
    assert (
        f"Over 2016-2025: {inflow} moves into United States and {outflow} moves out of it, "
        f"net {inflow - outflow:+,}." in pages.text(workforce.country(_flagged(), "USA"))
    )


def test_a_country_page_leaves_a_suppressed_flow_out_of_its_partners() -> None:
    data = _suppressed()
    charts = pages.charts(workforce.country(data, "USA"))
    sentence = left_out_of_sums("flows", SPAN)
    origins, destinations = charts["workforce-USA-origins"], charts["workforce-USA-destinations"]
    # XXA's 42 moves to the United States in 2020 are not shown as the whole of 2016-2025
    assert "XXA" not in origins.data["iso3"].to_list()
    assert origins.data["value"].to_list() == [29, 23, 17, 11, 5]  # GBR, FRA, DEU, CHN, CHE
    assert sentence in origins.notes and sentence not in destinations.notes
    flagged = pages.charts(workforce.country(_flagged(), "USA"))["workforce-USA-origins"]
    assert flagged.data.row(0, named=True)["iso3"] == "XXA"
    assert flagged.data["value"][0] == 44 and sentence not in flagged.notes


def test_a_suppressed_active_year_is_said_too_small_not_skipped() -> None:
    # Germany's active researchers of 2025 (the latest complete year) suppressed
    base = _data()
    data = _suppress(
        base,
        {
            "workforce_indicators": (pl.col("entity_code") == "DEU")
            & (pl.col("indicator") == "researchers_active")
            & (pl.col("year") == 2025)
        },
    )
    said = pages.text(workforce.country(data, "DEU"))
    assert (
        "Fewer than 10 quantum researchers were placed in Germany in 2025 by their OpenAlex "
        "affiliations (too few to publish in this release)." in said
    )
    assert "placed in Germany in 2020" not in said
    assert "100 quantum researchers placed in Germany in 2025" in pages.text(
        workforce.country(base, "DEU")
    )


def test_a_country_whose_every_row_is_suppressed_is_not_said_to_have_none() -> None:
    data = _suppress(_data(), {"workforce_indicators": pl.col("entity_code") == "CHE"})
    said = pages.text(workforce.country(data, "CHE"))
    assert "In every year, too few quantum researchers are placed in Switzerland" in said
    assert "No quantum researcher is placed" not in said


def test_retention_is_not_pooled_over_a_suppressed_cohort() -> None:
    # flagged: the United Kingdom's two small cohorts pool to 9 of 13, enough to rank
    flagged = workforce.retention(_flagged(), 2015, 2020)
    gbr = flagged.filter(pl.col("entity_code") == "GBR").row(0, named=True)
    assert (gbr["stayed"], gbr["placed"], gbr["enough"]) == (9, 13, True)
    assert "69% were in United Kingdom (9 of 13)" in pages.text(
        workforce.country(_flagged(), "GBR")
    )
    # suppressed: each of its cohorts (and France's) unpublished, so no pooled figure
    data = _suppressed()
    assert workforce.left_out_of_retention(data, 2015, 2020) == {"GBR", "FRA"}
    pooled = workforce.retention(data, 2015, 2020)
    assert dict(zip(pooled["entity_code"], pooled["placed"], strict=True)) == {
        "DEU": 60,
        "WLD": 100,
        "CHN": 60,
    }
    for code, name in (("GBR", "United Kingdom"), ("FRA", "France")):
        said = pages.text(workforce.country(data, code))
        assert (
            f"The retention of the researchers {name} produced in 2015-2020 cannot be pooled: "
            f"in one of those years {name} produced too few researchers to publish in this "
            "release" in said
        )
        assert "Too few researchers" not in said
    chart = pages.charts(workforce.page(data))["workforce-retention"]
    assert chart.data["entity_code"].to_list() == ["DEU", "CHN"]
    assert (
        "This release suppresses small numbers: countries with a producing year too small to "
        "publish in 2015-2020 are left out, as their other years alone would misstate the "
        "pooled retention." in chart.notes
    )
    assert not any(n.startswith("Not ranked") for n in chart.notes)  # France is not "few"
    # a cohort outside the pooled years does not stop the pooling
    assert workforce.left_out_of_retention(data, 2018, 2020) == {"FRA"}


def test_a_year_with_a_suppressed_career_stage_row_is_left_out() -> None:
    flagged = workforce.stage_moves(_flagged())
    assert sorted(set(flagged["year"])) == list(range(2019, 2027))
    data = _suppressed()
    assert workforce.left_out_stage_years(data) == [2020]
    moves = workforce.stage_moves(data)
    # 2020 is not drawn with its early and mid career researchers alone
    assert sorted(set(moves["year"])) == [2019, *range(2021, 2027)]
    rates = workforce.stage_rates(moves, 2016, 2025)  # 2019 and 2021-2025: six years
    assert rates["moves"].to_list() == [36, 18, 6]
    assert workforce.stage_rates(flagged, 2016, 2025)["moves"].to_list() == [42, 21, 7]
    assert rates["share"].to_list() == pytest.approx([0.6, 0.3, 0.1])
    said = pages.text(workforce.page(data))
    assert (
        "This release suppresses small numbers: the year with a career stage too small to "
        "publish for the world (2020) is left out, not drawn with that stage missing." in said
    )
    assert "too small to publish for the world" not in pages.text(workforce.page(_flagged()))


def test_a_small_countrys_career_stage_row_leaves_the_worlds_year_whole() -> None:
    # Germany's senior researchers of 2020 suppressed, the world's not (other countries
    # make it large enough): the world's 2020 is drawn whole, from its own row
    small = {k: v for k, v in SMALL.items() if k != "workforce_career_stages_world"}
    data = _suppress(_with_small_rows(), small)
    assert data.hidden("workforce_career_stages", approach="all").height == 1
    assert workforce.left_out_stage_years(data) == []
    assert workforce.stage_moves(data).equals(workforce.stage_moves(_flagged()))
    assert "too small to publish for the world" not in pages.text(workforce.page(data))


def test_a_chart_left_empty_says_what_it_left_out_in_its_section() -> None:
    # every flow suppressed: the diagram has no rows, and the site drops such a chart with
    # its notes, so the section says what was left out
    data = _suppress(_with_small_rows(), SMALL | {"workforce_flows": pl.lit(True)})
    (section,) = [s for s in workforce.page(data) if s.charts and s.charts[0].id.endswith("sankey")]
    assert section.charts[0].data.height == 0
    assert left_out_of_sums("flows between two countries", SPAN) in section.paragraphs


def test_suppression_with_nothing_left_out_sums_as_the_flagged_release() -> None:
    flagged = _data()
    data = dataclasses.replace(flagged, small_numbers="suppress", left_out={})
    for first, last in ((2016, 2025), (2010, 2026)):
        assert workforce.period_flows(data, first, last).equals(
            workforce.period_flows(flagged, first, last)
        )
        assert workforce.net_gain(data, first, last).equals(
            workforce.net_gain(flagged, first, last)
        )
        assert workforce.net_rates(data, first, last).equals(
            workforce.net_rates(flagged, first, last)
        )
    assert workforce.retention(data, 2015, 2020).equals(workforce.retention(flagged, 2015, 2020))
    assert workforce.stage_moves(data).equals(workforce.stage_moves(flagged))
    for code in CODES:
        said, was = workforce.country(data, code), workforce.country(flagged, code)
        assert [s.paragraphs for s in said] == [s.paragraphs for s in was]
    assert "left out" not in pages.text(workforce.overview(data))


def _file(path: Path, data: SiteData) -> Path:
    """A DuckDB file holding the marts of ``data`` as the release publishes them: the rows
    the dashboards left out back in, flagged, without their numbers."""
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    for name in FRAMES:
        frame = pl.concat([getattr(data, name), data.left_out[name]], how="diagonal_relaxed")
        con.register("frame", frame)
        con.execute(f"create table marts.{name} as select * from frame")
        con.unregister("frame")
    con.close()
    return path


def test_the_sql_on_a_suppressing_page_reproduces_its_charts(tmp_path: Path) -> None:
    data = _suppressed()
    con = duckdb.connect(str(_file(tmp_path / "qcm.duckdb", data)), read_only=True)
    sections = workforce.page(data)
    codes = {s.charts[0].id: s.code for s in sections if s.charts}
    assert "having count(moves) = count(*)" in codes["workforce-sankey"]
    flows = con.execute(codes["workforce-sankey"]).fetchall()
    everyone = workforce.top_flows(workforce.period_flows(data, 2016, 2025))
    assert flows == list(
        everyone.select("origin_name", "destination_name", "moves", "returns", "is_small").rows()
    )
    net = con.execute(codes["workforce-net"]).fetchall()
    gains = workforce.net_gain(data, 2016, 2025)
    assert [(r[0], r[3]) for r in net] == list(gains.select("entity_name", "net_flow").rows())
    assert "and count(value) = count(*)" in codes["workforce-net-rate"]
    rates = con.execute(codes["workforce-net-rate"]).fetchall()
    ranked = workforce.net_rates(data, 2016, 2025).filter(~pl.col("small_n"))
    assert [(r[0], r[4]) for r in rates] == [
        (name, round(rate, 2)) for name, rate in ranked.select("entity_name", "rate").rows()
    ]
    retention = con.execute(codes["workforce-retention"]).fetchall()
    assert [r[0] for r in retention] == ["Germany", "China"]
    stages = con.execute(codes["workforce-stages"]).fetchall()
    assert sorted({r[0] for r in stages}) == [2019, *range(2021, 2027)]
    assert sum(r[2] for r in stages) == workforce.stage_moves(data)["moves"].sum()
    usa = workforce.country(data, "USA")[1].code or ""
    origins = con.execute(usa).fetchall()
    assert [r[0] for r in origins] == workforce.partners(data, "USA", 2016, 2025, "origin")[
        "name"
    ].to_list()
    con.close()
    # the flagging release's SQL is as it was
    assert "count(*)" not in (workforce.page(_flagged())[1].code or "")


def test_a_suppressed_year_is_a_gap_in_a_countrys_lines_not_a_line_across_it() -> None:
    # Germany's active researchers of 2020 suppressed: the line breaks there, and says so
    data = _suppress(
        _data(),
        {
            "workforce_indicators": (pl.col("entity_code") == "DEU")
            & (pl.col("indicator") == "researchers_active")
            & (pl.col("year") == 2020)
        },
    )
    active = pages.charts(workforce.country(data, "DEU"))["workforce-DEU-active"]
    line = active.figure.data[0]
    years = list(line.x)
    assert years == list(range(years[0], years[-1] + 1)) and 2020 in years
    assert line.y[years.index(2020)] is None
    assert all(v is not None for y, v in zip(years, line.y, strict=True) if y != 2020)
    assert "A gap is a year with fewer than 10 researchers placed" in " ".join(active.notes)
