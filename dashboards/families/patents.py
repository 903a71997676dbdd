"""The patent family's contribution to every page of the site.

Each function takes the site's data and returns sections; ``dashboards.site`` places
them on pages. Counts are of patent families (DOCDB families) by earliest priority year,
credited to applicant countries unless a chart says otherwise. Headline figures pool the
last five complete priority years: single years are small and the latest two priority
years are still being published.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import plotly.graph_objects as go
import polars as pl

from dashboards.data import SiteData
from dashboards.families import common
from dashboards.families.common import listed, possessive
from dashboards.figures import (
    PALETTE,
    SYMBOLS,
    Chart,
    apply_layout,
    button_row,
    esc,
    reference_bars,
    shade_incomplete,
    trend_lines,
    value_axis,
)
from dashboards.page import Section, Table
from dashboards.stats import interval_method, level_words, wilson_interval

NAME = "Patents"
SOURCE = (
    "Source: EPO OPS (DOCDB families) and PatentsView (USPTO, CC BY 4.0), "
    "classified and counted by qcm"
)
TOP = 15
WINDOW = 5  # complete priority years pooled for rankings, shares and specialisation
SCOPES = {"all": "All families", "international": "International families"}
TYPES = {
    "company": ("Companies", PALETTE[0]),
    "university": ("Universities", PALETTE[1]),
    "government": ("Government and public research", PALETTE[2]),
    "individual": ("Individuals", PALETTE[4]),
    "unknown": ("Unknown type", "#999999"),
}
UNKNOWN_COUNTRY = "ZZZ"
UNKNOWN_TYPE_NOTED = 0.2  # an unknown-type share this large is said in the chart's title
TITLE_LINE = 100  # characters: a longer ranking title is split into one line per clause
DIGITS = 6  # counts equal to this many decimals are tied: float sums differ in the last bits
INCOMPLETE_REASON = "a patent is published about 18 months after its priority date"
SUPPRESSED_GAPS = (
    "A gap is a year whose families are too few to publish: this release suppresses small numbers."
)
NOT_MEASURED = (
    "not measured by the patent classifier (no CPC code or keyword rule assigns it; see Methods)"
)


def _rows(data: SiteData, **equals: object) -> pl.DataFrame:
    """Rows of marts.patent_indicators whose columns equal the given values."""
    return common.rows(data.patent_indicators, **equals)


def measured(data: SiteData) -> set[str]:
    """The approaches the patent classifier can assign a family to.

    An approach is measured when an 'in scope' or 'only with a quantum term' code of
    marts.patent_cpc_map names it, or when it belongs to quantum computing, where the
    publications classifier's keyword rules place families.
    """
    mapped = data.patent_cpc_map.filter(pl.col("use").is_in(["in_scope", "with_term"]))
    computing = data.approaches.filter(pl.col("family") == "computing")["approach"]
    return set(mapped["approach"].drop_nulls()) | set(computing)


def unmeasured(data: SiteData) -> list[str]:
    """Classified approaches that no CPC code or keyword rule assigns, in taxonomy order."""
    assigned = measured(data)
    return [a for a in common.classified(data) if a not in assigned]


def _equal(a: float, b: float) -> bool:
    """Whether two counts (sums of fractions) are the same number, to ``DIGITS`` decimals."""
    return round(a, DIGITS) == round(b, DIGITS)


def window(data: SiteData) -> tuple[int, int]:
    """First and last priority year pooled for headline figures (the last complete five)."""
    last = data.patent_complete_year
    if last is None:
        raise ValueError("no complete priority year in marts.patent_indicators")
    return last - WINDOW + 1, last


def _caption(
    data: SiteData,
    unit: str,
    years: str | None = None,
    counting: str = "fractional counting by applicant country",
) -> str:
    """Unit, years, source, counting basis and versions: the line under every patent chart."""
    when = f"{years}; " if years else ""
    sample = " SYNTHETIC SAMPLE DATA." if data.is_sample else ""
    method = data.methods.get("patent_method_version")
    classifier = data.methods.get("patent_classifier_version")
    return (
        f"{when}unit: {unit}. {SOURCE}, {counting}, "
        f"method {method}, patent classifier {classifier}.{sample}"
    )


def _span(first: int, last: int) -> str:
    return f"priority years {first}-{last}"


def _small_n_threshold(data: SiteData) -> int:
    return int(data.methods.get("small_n_threshold", 10))


def _world_families(data: SiteData, approach: str, scope: str) -> pl.DataFrame:
    """World families (whole count) per priority year: the denominator of world shares."""
    return _rows(
        data,
        entity_type="world",
        indicator="patent_families_whole",
        approach=approach,
        counting="applicant",
        family_scope=scope,
    ).select("year", pl.col("value").alias("world_families"))


def _hidden(data: SiteData, entity_type: str, approach: str, scope: str) -> set[str]:
    """The entities of ``entity_type`` with a year of the window whose families in
    ``approach`` and ``scope`` the release suppressed (``common.hidden_within``; none unless
    it suppresses small numbers): a sum over the window would leave that year out."""
    first, last = window(data)
    return common.hidden_within(
        data,
        "patent_indicators",
        "entity_code",
        first,
        last,
        entity_type=entity_type,
        indicator="patent_families_whole",
        approach=approach,
        counting="applicant",
        family_scope=scope,
    )


class LeftOut(NamedTuple):
    """What a release that suppresses small numbers kept out of a ranking over the window:
    the countries with a suppressed year, and whether a year of the world's count was
    suppressed (then no share over the window can be made, and nothing is ranked)."""

    countries: frozenset[str]
    world: bool

    def __bool__(self) -> bool:
        return bool(self.countries or self.world)


def left_out(data: SiteData, approach: str) -> dict[str, LeftOut]:
    """What ``pooled`` left out of the rankings of ``approach``, by family scope."""
    return {
        scope: LeftOut(
            frozenset(_hidden(data, "country", approach, scope) - {UNKNOWN_COUNTRY}),
            bool(_hidden(data, "world", approach, scope)),
        )
        for scope in SCOPES
    }


def pooled(data: SiteData, approach: str, scope: str) -> pl.DataFrame:
    """Countries' families over the window for one approach and family scope, largest first.

    Returns entity_code, entity_name, families_fractional, families_whole, share (of the
    world's families), numerator, denominator, ci_low, ci_high (the Wilson interval at the
    level of the marts' intervals, ``common.interval_level``: the marts hold no sum over the
    window), interval_method (``wilson-90``) and small_n.
    Unknown-country credit is left out of the ranking (it stays in the denominator). Where
    the release suppressed small numbers, a country with a suppressed year is left out, and
    when a year of the world's count is suppressed nothing is ranked (``left_out``).
    Made once per site for each approach and scope (every country page reads the window's
    ranking).
    """
    return data.derived_once(
        ("patents pooled", approach, scope), lambda: _pooled(data, approach, scope)
    )


def _pooled(data: SiteData, approach: str, scope: str) -> pl.DataFrame:
    """``pooled``, made from the marts."""
    first, last = window(data)
    hidden = _hidden(data, "country", approach, scope)
    counts = (
        _rows(
            data,
            entity_type="country",
            indicator="patent_families_fractional",
            approach=approach,
            counting="applicant",
            family_scope=scope,
        )
        .filter(
            pl.col("year").is_between(first, last),
            pl.col("entity_code") != UNKNOWN_COUNTRY,
            ~pl.col("entity_code").is_in(list(hidden)),
            pl.lit(not _hidden(data, "world", approach, scope)),
        )
        .group_by("entity_code", "entity_name")
        .agg(
            pl.col("value").sum().alias("families_fractional"),
            pl.col("families_whole").sum().alias("families_whole"),
        )
    )
    world = (
        _world_families(data, approach, scope)
        .filter(pl.col("year").is_between(first, last))["world_families"]
        .sum()
    )
    level = common.interval_level(data)
    intervals = [wilson_interval(n, world, level) for n in counts["families_fractional"]]
    return counts.with_columns(
        (pl.col("families_fractional") / world if world else pl.lit(None, pl.Float64)).alias(
            "share"
        ),
        pl.col("families_fractional").alias("numerator"),
        pl.lit(float(world)).alias("denominator"),
        pl.Series("ci_low", [i[0] for i in intervals], dtype=pl.Float64),
        pl.Series("ci_high", [i[1] for i in intervals], dtype=pl.Float64),
        pl.lit(interval_method(level)).alias("interval_method"),
        (pl.col("families_whole") < _small_n_threshold(data)).alias("small_n"),
    ).sort(
        [pl.col("families_fractional").round(DIGITS), pl.col("entity_name")],
        descending=[True, False],
    )


def ranking(data: SiteData, approach: str) -> dict[str, pl.DataFrame]:
    """Every ranked country for all and for international families (scope -> ``pooled``).

    Charts show the first ``TOP``; sentences look further (where a leader ranks).
    """
    return {scope: pooled(data, approach, scope) for scope in SCOPES}


def _switch_ranking(
    frames: dict[str, pl.DataFrame], chart_id: str, title: str, caption: str, level: float
) -> Chart:
    """Bars of the first ``TOP`` countries by fractional families, one trace per family scope,
    chosen with two buttons; hovers and the CSV give world shares with their intervals at
    ``level``."""
    frames = {scope: frame.head(TOP) for scope, frame in frames.items()}
    words = level_words(level)
    fig = go.Figure()
    for index, (scope, frame) in enumerate(frames.items()):
        frame = frame.sort("families_fractional")
        fig.add_trace(
            go.Bar(
                x=frame["families_fractional"].to_list(),
                y=[
                    esc(n) + (" (few families)" if s else "")
                    for n, s in zip(frame["entity_name"], frame["small_n"], strict=True)
                ],
                orientation="h",
                marker_color=PALETTE[index],
                visible=index == 0,
                name=esc(SCOPES[scope]),
                customdata=list(
                    zip(
                        frame["families_whole"],
                        frame["share"],
                        frame["ci_low"],
                        frame["ci_high"],
                        strict=True,
                    )
                ),
                hovertemplate="%{y}: %{x:,.1f} families (fractional), %{customdata[1]:.1%} "
                f"of the world's ({words} interval %{{customdata[2]:.1%}} to "
                "%{customdata[3]:.1%}); "
                "%{customdata[0]:,} families with an applicant there<extra>"
                + esc(SCOPES[scope])
                + "</extra>",
            )
        )
    rows = max((f.height for f in frames.values()), default=1)
    # a long title (two clauses with their caveats) goes on one line per clause
    lines = title.split("; ") if len(title) > TITLE_LINE else [title]
    height = max(380, 26 * rows + 170) + 22 * (len(lines) - 1)
    apply_layout(fig, title, height=height)
    fig.update_layout(
        title={
            "text": ";<br>".join(esc(line) for line in lines),
            "y": 1 - 12 / height,
            "yanchor": "top",
        },
        updatemenus=[button_row([SCOPES[scope] for scope in frames], range(len(frames)))],
        margin={"t": 100 + 22 * (len(lines) - 1)},
        showlegend=False,
    )
    fig.update_xaxes(value_axis("patent families (fractional count)"))
    data = pl.concat(
        [f.with_columns(pl.lit(scope).alias("family_scope")) for scope, f in frames.items()]
    )
    return Chart(
        chart_id,
        fig,
        data,
        caption,
        [
            "Switch between all families and international families (published by two or "
            "more offices) with the buttons above the chart. The CSV holds both rankings "
            f"with world shares and their {words} Wilson intervals."
        ],
    )


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class Lead(NamedTuple):
    """Who is first in one ranking, and how surely."""

    codes: list[str]  # the leader, or every country tied for first
    names: list[str]
    families: float  # the leader's families (fractional)
    runner_up: str | None  # the second country's name when the leader is alone on top
    runner_up_families: float | None
    doubt: str  # "", "overlap" (intervals overlap the runner-up's) or "few" (small_n)


def lead(frame: pl.DataFrame) -> Lead:
    """The top of ``frame`` (a ``pooled`` ranking, largest first, at least one row).

    Countries with equal families are tied: none of them leads. A single leader is in
    doubt when it has few families (small_n) or when the Wilson interval of its world share
    (ci_low, ci_high) overlaps the runner-up's.
    """
    top = frame.row(0, named=True)
    value = top["families_fractional"]
    tied = frame.filter(pl.Series([_equal(v, value) for v in frame["families_fractional"]]))
    if tied.height > 1:
        return Lead(
            tied["entity_code"].to_list(), tied["entity_name"].to_list(), value, None, None, ""
        )
    few = "few" if top["small_n"] else ""
    if frame.height == 1:
        return Lead([top["entity_code"]], [top["entity_name"]], value, None, None, few)
    second = frame.row(1, named=True)
    doubt = few or ("overlap" if top["ci_low"] <= second["ci_high"] else "")
    return Lead(
        [top["entity_code"]],
        [top["entity_name"]],
        value,
        second["entity_name"],
        second["families_fractional"],
        doubt,
    )


def _only(partial: bool) -> str:
    """ "the only country", or, where the release left countries with a suppressed year out
    of the ranking, the only one ranked."""
    return "the only country ranked" if partial else "the only country"


def _title_clause(top: Lead, counted: str, partial: bool = False) -> str:
    """``China leads all patent families``, or the tie or doubt in as few words
    (``partial``: countries with a suppressed year were left out of the ranking)."""
    if len(top.names) > 1:
        return f"{listed(top.names)} are tied on {counted}"
    name = top.names[0]
    if top.runner_up is None:
        return f"{name} is {_only(partial)} with {counted}" + (
            " (few of them)" if top.doubt else ""
        )
    if not top.doubt:
        return f"{name} leads {counted}" + (" among the countries ranked" if partial else "")
    but = "on few families" if top.doubt == "few" else "the intervals overlap"
    return f"{name} is ahead of {top.runner_up} in {counted}, but {but}"


def _sentence_clause(top: Lead, counting: str, level: float, partial: bool = False) -> str:
    """``Counting all families, China leads with 150.0 (fractional count)`` and its kin; an
    overlap names the intervals' ``level`` (``partial``: as ``_title_clause``)."""
    if len(top.names) > 1:
        return (
            f"{counting}, {listed(top.names)} are tied with {top.families:,.1f} families each "
            "(fractional count)"
        )
    name = top.names[0]
    if top.runner_up is None:
        return (
            f"{counting}, {name} is {_only(partial)}, with {top.families:,.1f} families "
            "(fractional count)" + (", few families" if top.doubt else "")
        )
    if not top.doubt:
        among = " among the countries ranked" if partial else ""
        return f"{counting}, {name} leads{among} with {top.families:,.1f} (fractional count)"
    but = (
        "on few families"
        if top.doubt == "few"
        else f"the {level_words(level)} intervals of their world shares overlap"
    )
    return (
        f"{counting}, {name} is ahead of {top.runner_up} ({top.families:,.1f} against "
        f"{top.runner_up_families:,.1f}, fractional count), but {but}"
    )


def _rank_of(frame: pl.DataFrame, code: str) -> int | None:
    """The rank of ``code`` in ``frame`` (1 + the number of countries with more families;
    equal counts share a rank), or None when it has no family there."""
    row = frame.filter(pl.col("entity_code") == code)
    if row.height == 0 or row["families_fractional"][0] <= 0:
        return None
    value = row["families_fractional"][0]
    ahead = [v for v in frame["families_fractional"] if v > value and not _equal(v, value)]
    return 1 + len(ahead)


def _too_few(left: LeftOut) -> str:
    """Why a ranking that ``left`` emptied has no country: the sentence's reason."""
    if left.world:
        return "a year of the world's count is too small to publish in this release"
    return "every country with families has a year too small to publish in this release"


def compare_rankings(
    frames: dict[str, pl.DataFrame], level: float, left: dict[str, LeftOut] | None = None
) -> tuple[str, str]:
    """A chart title and a plain sentence saying how the two rankings differ.

    ``frames`` are the full rankings of ``ranking`` (scope -> ``pooled``), their intervals
    at ``level``; ``left`` what a release that suppresses small numbers left out of each
    (``left_out``), which the title and sentence then say. Equal counts are called tied, a
    lead within the intervals or on few families is said to be one.
    """
    left = left or {scope: LeftOut(frozenset(), False) for scope in SCOPES}
    all_, intl = frames["all"], frames["international"]
    if all_.height == 0 and left["all"]:
        return "Too few patent families to rank", f"Nothing is ranked: {_too_few(left['all'])}."
    if all_.height == 0:
        return "No patent families to rank", "No patent families to rank in these years."
    partial_all = bool(left["all"].countries)
    first = lead(all_)
    after = (
        " " + common.left_out_of_sums("countries", "these years")
        if partial_all or left["international"].countries
        else ""
    )
    if intl.height == 0 and left["international"]:
        return (
            f"{_title_clause(first, 'all patent families', partial_all)}; international "
            "families too few to rank",
            f"{_sentence_clause(first, 'Counting all families', level, partial_all)}; "
            f"international families are not ranked: {_too_few(left['international'])}." + after,
        )
    if intl.height == 0:
        return (
            f"{_title_clause(first, 'all patent families', partial_all)}; none are international",
            f"{_sentence_clause(first, 'Counting all families', level, partial_all)}; no "
            "family was published by two or more offices." + after,
        )
    partial_intl = bool(left["international"].countries)
    second = lead(intl)
    clear = (
        len(first.codes) == 1
        and first.codes == second.codes
        and first.runner_up is not None
        and second.runner_up is not None
        and not first.doubt
        and not second.doubt
    )
    if clear:
        title = f"{first.names[0]} leads both all and international patent families" + (
            " among the countries ranked" if partial_all or partial_intl else ""
        )
    else:
        title = (
            f"{_title_clause(first, 'all patent families', partial_all)}; "
            f"{_title_clause(second, 'international families', partial_intl)}"
        )
    counting_intl = "counting only international families"
    sentence = (
        f"{_sentence_clause(first, 'Counting all families', level, partial_all)}; "
        f"{_sentence_clause(second, counting_intl, level, partial_intl)}."
    )
    if not set(first.codes) & set(second.codes):
        if len(first.codes) == 1:
            name = first.names[0]
            rank = _rank_of(intl, first.codes[0])
            sentence += (
                f" The rankings differ: {name} is not ranked by international families, "
                "because one year's count is too small to publish."
                if first.codes[0] in left["international"].countries
                else f" The rankings differ: {name} has no international family; all its "
                "families were filed at one office only."
                if rank is None
                else f" The rankings differ: {name} ranks {_ordinal(rank)} by international "
                "families, because many of its families are filed at one office only."
            )
        else:
            sentence += " The two counts put different countries first."
    elif all_.head(TOP)["entity_code"].to_list() != intl.head(TOP)["entity_code"].to_list():
        sentence += " The order below the top differs between the two counts."
    else:
        sentence += " The two counts give the same order."
    return title, sentence + after


def _count_trend(
    frame: pl.DataFrame, chart_id: str, title: str, caption: str, data: SiteData
) -> Chart:
    """Lines of families per year (entity_name, year, value), incomplete years greyed; an
    empty value (a year the release suppressed, ``common.filled_years``) is a gap, which a
    note says."""
    chart = trend_lines(
        frame,
        chart_id,
        title,
        caption,
        percent=False,
        incomplete_years=data.patent_incomplete_years,
        incomplete_reason=INCOMPLETE_REASON,
        unit=" families",
        y_title="patent families",
    )
    if frame["value"].null_count():
        chart.notes.append(SUPPRESSED_GAPS)
    return chart


def _world_years(data: SiteData) -> list[int]:
    years = _rows(data, entity_type="world", approach="all")["year"].unique().sort()
    return years.to_list()


def _scope_trend(data: SiteData, entity_type: str, code: str, indicator: str) -> pl.DataFrame:
    """Rows (entity_name = scope label, year, value) of one entity's yearly indicator, a
    year the release suppressed empty."""
    equals = {
        "entity_type": entity_type,
        "entity_code": code,
        "indicator": indicator,
        "approach": "all",
        "counting": "applicant",
    }
    label = pl.col("family_scope").replace_strict(SCOPES).alias("entity_name")
    rows = _rows(data, **equals).select(label, "year", "value")
    hidden = data.hidden("patent_indicators", **equals).select(label, "year")
    return common.filled_years(rows, _world_years(data), list(SCOPES.values()), hidden)


def _leader_cells(frame: pl.DataFrame) -> list[str]:
    """The leader's name (with "tied", "intervals overlap" or "few families") and families."""
    if frame.height == 0:
        return ["-", "-"]
    top = lead(frame)
    flag = (
        " (tied)"
        if len(top.names) > 1
        else {"few": " (few families)", "overlap": " (intervals overlap)"}.get(top.doubt, "")
    )
    return [listed(top.names) + flag, f"{top.families:,.1f}"]


def _leaders_table(data: SiteData) -> tuple[Table, list[str]]:
    """The leading country of each approach by all and by international families.

    Returns the table and the ids of the approaches without any family to rank.
    """
    labels = common.labels(data)
    first, last = window(data)
    rows, empty = [], []
    for approach_id in common.classified(data):
        frames = ranking(data, approach_id)
        if frames["all"].height == 0:
            empty.append(approach_id)
            continue
        rows.append(
            [
                labels[approach_id],
                *_leader_cells(frames["all"]),
                *_leader_cells(frames["international"]),
            ]
        )
    return Table(
        [
            "Approach",
            "Leader, all families",
            "Families",
            "Leader, international families",
            "Families",
        ],
        rows,
        caption=_caption(data, "patent families (fractional count)", _span(first, last)),
    ), empty


def _missing(data: SiteData, empty: list[str], first: int, last: int) -> list[str]:
    """Sentences naming the approaches without a ranking: unmeasured ones, those whose
    ranking a release that suppresses small numbers emptied, then those without families."""
    labels = common.labels(data)
    assigned = measured(data)
    not_measured = [labels[a] for a in empty if a not in assigned]
    hidden = [labels[a] for a in empty if a in assigned and left_out(data, a)["all"]]
    none = [labels[a] for a in empty if a in assigned and not left_out(data, a)["all"]]
    said = []
    if not_measured:
        them = NOT_MEASURED if len(not_measured) == 1 else NOT_MEASURED.replace("it;", "them;")
        said.append(f"{listed(not_measured)}: {them}.")
    if hidden:
        said.append(
            f"Not ranked, because a year of {first}-{last} has too few families to publish in "
            f"this release: {', '.join(hidden)}."
        )
    if none:
        said.append(f"No patent family in {first}-{last} for: {', '.join(none)}.")
    return said


def overview(data: SiteData) -> list[Section]:
    """The world ranking with the all / international switch, and the world trend."""
    if data.patent_complete_year is None:
        return [Section("Patents", ["No patent data in this build."])]
    first, last = window(data)
    frames = ranking(data, "all")
    level = common.interval_level(data)
    title, sentence = compare_rankings(frames, level, left_out(data, "all"))
    chart = _switch_ranking(
        frames,
        "patents-ranking",
        f"{first}-{last}: {title}",
        _caption(data, "patent families (fractional count)", _span(first, last)),
        level,
    )
    world = _scope_trend(data, "world", "WLD", "patent_families_whole")
    latest = world.filter(pl.col("year") == last)
    total = latest.filter(pl.col("entity_name") == SCOPES["all"])["value"].sum()
    international = latest.filter(pl.col("entity_name") == SCOPES["international"])["value"].sum()
    growth = _rows(
        data,
        entity_type="world",
        indicator="patent_growth_5y_cagr",
        approach="all",
        counting="applicant",
        family_scope="all",
        year=last,
    )["value"]
    grew = f", {growth.item():+.0%} a year over five years" if growth.len() else ""
    trend = _count_trend(
        world,
        "patents-world-trend",
        f"{total:,.0f} quantum patent families had {last} as priority year{grew}; "
        f"{international / total if total else 0:.0%} were international",
        _caption(data, "patent families (world)", counting="each family counted once"),
        data,
    )
    leaders, empty = _leaders_table(data)
    missing = _missing(data, empty, first, last)
    return [
        Section(
            "Patents: who leads",
            [
                f"Quantum patent families by applicant country over {_span(first, last)}, the "
                "latest five complete years. A family is one invention however many offices "
                "publish it; it is shared equally among its applicants. International families "
                "were published by two or more patent offices: they show inventions their "
                "owners thought worth protecting abroad.",
                sentence,
                "The table gives the leader of each approach by both counts (fractional "
                f"families, {first}-{last}).",
                *missing,
            ],
            charts=[chart],
            tables=[leaders],
        ),
        Section("Patents: the world trend", [], charts=[trend]),
    ]


def _index_bars(frame: pl.DataFrame, chart_id: str, title: str, caption: str) -> Chart:
    """Bars of the activity index around 1 (``label``, ``value``, ``families_whole``)."""
    return reference_bars(
        frame,
        chart_id,
        title,
        caption,
        count_column="families_whole",
        noun="families",
        axis_title="activity index (1 = world average)",
    )


def activity(data: SiteData, approach: str | None = None, iso3: str | None = None) -> pl.DataFrame:
    """Activity index over the window from fractional families (all families, applicants).

    (country's families in the approach / its families in all approaches) divided by the
    same ratio for the world. One row per country and approach inside all (none for an
    adjacent approach) with families_whole of at least the small-number threshold: smaller
    counts say nothing about specialisation.
    Where the release suppressed small numbers, a country, or the world, with a suppressed
    year in an approach (or in all) has no index there. Only ``approach``'s rows when given,
    only ``iso3``'s when given.
    """
    rows = data.derived_once(("patents activity",), lambda: _activity(data))
    if approach is not None:
        rows = rows.filter(pl.col("approach") == approach)
    if iso3 is not None:
        rows = rows.filter(pl.col("entity_code") == iso3)
    return rows


def _activity(data: SiteData) -> pl.DataFrame:
    """``activity`` of every country and approach, made from the marts (once per site)."""
    first, last = window(data)
    equals = {"indicator": "patent_families_fractional", "counting": "applicant"}
    keys = ["entity_type", "entity_code", "approach"]
    hidden = (
        data.hidden("patent_indicators", family_scope="all", **equals)
        .filter(pl.col("year").is_between(first, last))
        .select(keys)
        .unique()
    )
    counts = (
        _rows(data, family_scope="all", **equals)
        .filter(pl.col("year").is_between(first, last), pl.col("entity_type") != "bloc")
        .join(hidden, on=keys, how="anti")
        .group_by("entity_type", "entity_code", "entity_name", "approach")
        .agg(pl.col("value").sum().alias("families"), pl.col("families_whole").sum())
    )
    world = counts.filter(pl.col("entity_type") == "world")
    world_all = world.filter(pl.col("approach") == "all")["families"].sum()
    if not world_all:
        counts = counts.clear()
    countries = counts.filter(
        pl.col("entity_type") == "country", pl.col("entity_code") != UNKNOWN_COUNTRY
    )
    own_all = countries.filter(pl.col("approach") == "all").select(
        "entity_code", pl.col("families").alias("own_all")
    )
    # an adjacent approach (post-quantum cryptography) is not inside all: no index (pat-1.4)
    inside_all = [a for a in common.classified(data) if not common.is_adjacent(data, a)]
    rows = (
        countries.filter(pl.col("approach").is_in(inside_all))
        .join(own_all, on="entity_code")
        .join(world.select("approach", pl.col("families").alias("world_approach")), on="approach")
        .with_columns(
            (
                (pl.col("families") / pl.col("own_all")) / (pl.col("world_approach") / world_all)
            ).alias("value")
        )
        .filter(pl.col("families_whole") >= _small_n_threshold(data))
    )
    return rows.sort(["value", "entity_name", "approach"], descending=[True, False, False])


def _top_applicants_table(data: SiteData, rows: pl.DataFrame) -> Table:
    """Top applicants as a table: rank, name, country, type, families and active years,
    with a caption saying that all priority years are pooled, the incomplete ones too."""
    columns = [
        "Rank",
        "Applicant",
        "Country",
        "Type",
        "Families (fractional)",
        "Families (whole)",
        "Years",
    ]
    incomplete = " and ".join(str(y) for y in data.patent_incomplete_years)
    years = "all priority years pooled" + (
        f", including the incomplete {incomplete}" if incomplete else ""
    )
    return Table(
        columns,
        [
            [
                str(r["rank"]),
                r["applicant"] or "(no name)",
                r["applicant_country"] or "-",
                TYPES.get(r["applicant_type"], (r["applicant_type"] or "-",))[0],
                f"{r['families_fractional']:,.1f}",
                f"{r['families_whole']:,}",
                f"{r['first_year']}-{r['last_year']}"
                if r["first_year"] != r["last_year"]
                else str(r["first_year"]),
            ]
            for r in rows.sort("rank").iter_rows(named=True)
        ],
        caption=_caption(
            data,
            "patent families (fractional count; whole count alongside)",
            years,
            counting="fractional counting by applicant",
        ),
    )


def _applicants_said(rows: pl.DataFrame, who: str) -> str:
    """``The three applicants{who}`` (or ``The only named applicant{who}``), matching the
    number of rows shown."""
    n = rows.height
    if n == 1:
        return f"The only named applicant{who}"
    return f"The {common.number_word(n)} applicants{who}"


def top_applicants(
    data: SiteData, entity_type: str, code: str, approach: str = "all"
) -> pl.DataFrame:
    """The leading applicants (at most ten) of a country, or of the world (code WLD), for
    all families, in rank order."""
    frame = data.patent_top_applicants
    return frame.filter(
        pl.col("entity_type") == entity_type,
        pl.col("entity_code") == code,
        pl.col("approach") == approach,
        pl.col("family_scope") == "all",
    ).sort("rank")


def approach(data: SiteData, approach_id: str) -> list[Section]:
    """Ranking with the switch, leaders' trends, top applicants and specialisation."""
    label = common.labels(data)[approach_id]
    if data.patent_complete_year is None:
        return [Section("Patents", ["No patent data in this build."])]
    first, last = window(data)
    frames = ranking(data, approach_id)
    if frames["all"].height == 0 and approach_id not in measured(data):
        return [
            Section(
                "Patents: not measured by the patent classifier",
                [f"{label} is {NOT_MEASURED}."],
            )
        ]
    left = left_out(data, approach_id)
    if frames["all"].height == 0 and left["all"]:
        return [
            Section(
                f"Patents: too few {label.lower()} families to rank in {first}-{last}",
                [f"Nothing is ranked: {_too_few(left['all'])}."],
            )
        ]
    if frames["all"].height == 0:
        return [
            Section(
                f"Patents: no {label.lower()} families in {first}-{last}",
                ["Nothing to rank for these priority years."],
            )
        ]
    level = common.interval_level(data)
    title, sentence = compare_rankings(frames, level, left)
    chart = _switch_ranking(
        frames,
        f"patents-{approach_id}-ranking",
        f"{label}, {first}-{last}: {title}",
        _caption(data, "patent families (fractional count)", _span(first, last)),
        level,
    )
    leaders = frames["all"].head(5)["entity_name"].to_list()
    equals = {
        "entity_type": "country",
        "indicator": "patent_families_fractional",
        "approach": approach_id,
        "counting": "applicant",
        "family_scope": "all",
    }
    yearly = _rows(data, **equals).filter(pl.col("entity_name").is_in(leaders))
    hidden_years = data.hidden("patent_indicators", **equals).select("entity_name", "year")
    latest = yearly.filter(pl.col("year") == last).sort(
        ["value", "entity_name"], descending=[True, False]
    )
    few = latest.height and bool(latest["small_n"].fill_null(False)[0])
    trend_title = (
        f"{latest['entity_name'][0]} had the most {label.lower()} patent families with {last} "
        f"priority ({latest['value'][0]:,.1f}"
        + (", few families" if few else "")
        + ") among the five leaders"
        if latest.height
        else f"Patent families per priority year of the five leaders in {label.lower()}"
    )
    trend = _count_trend(
        common.filled_years(
            yearly.select("entity_name", "year", "value"), _world_years(data), leaders, hidden_years
        ),
        f"patents-{approach_id}-trend",
        trend_title,
        _caption(data, "patent families (fractional count), all families"),
        data,
    )
    world_top = top_applicants(data, "world", "WLD", approach_id)
    threshold = _small_n_threshold(data)
    specialised = activity(data, approach=approach_id).filter(
        pl.col("entity_code").is_in(frames["all"].head(TOP)["entity_code"].to_list())
    )
    special_title = (
        f"{specialised['entity_name'][0]} is the most specialised in {label.lower()} "
        f"patents, {first}-{last}"
        if common.clear_top(specialised["value"].to_list(), DIGITS)
        else f"Activity index of the countries with {threshold}+ {label.lower()} families, "
        f"{first}-{last}"
    )
    special = (
        [
            _index_bars(
                specialised.select(pl.col("entity_name").alias("label"), "value", "families_whole"),
                f"patents-{approach_id}-specialisation",
                special_title,
                _caption(data, "activity index (1 = world average)", _span(first, last)),
            )
        ]
        if specialised.height
        else []
    )
    sections = [
        Section("Patents: ranking", [sentence], charts=[chart]),
        Section("Patents: trends of the leaders", [], charts=[trend]),
        Section(
            "Patents: top applicants worldwide",
            [
                _applicants_said(world_top, " with the most families in this approach")
                + " over all priority years, including the incomplete latest ones (fractional "
                "count: a family shared by two applicants gives each a half). Applicant types "
                "are assigned from names and may be wrong."
                + (" SYNTHETIC SAMPLE DATA: invented names." if data.is_sample else "")
            ]
            if world_top.height
            else ["No applicants found for this approach."],
            tables=[_top_applicants_table(data, world_top)] if world_top.height else [],
        ),
        Section(
            "Patents: specialisation",
            [
                f"No activity index for {label.lower()}: it is an adjacent approach, reported "
                "apart, and a family only on it is not in all quantum technology, the families "
                "an activity index divides by."
                if common.is_adjacent(data, approach_id)
                else "Activity index of the ranked countries over "
                f"{_span(first, last)}: the approach's share of the country's families divided "
                f"by its share of the world's. Only countries with at least {threshold} "
                "families in the approach are shown."
                if special
                else f"No country has {threshold} or more {label.lower()} families over "
                f"{_span(first, last)}: too few to measure specialisation."
            ],
            charts=special,
        ),
    ]
    return sections


def _rgba(colour: str, alpha: float) -> str:
    """``#RRGGBB`` as a CSS rgba() colour with opacity ``alpha``."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def _share_trend(
    frame: pl.DataFrame,
    chart_id: str,
    title: str,
    caption: str,
    incomplete: Sequence[int],
    level: float,
) -> Chart:
    """World share per year with its Wilson interval at ``level`` as a band, one line per
    scope.

    ``frame`` has entity_name (the scope label), year, value, ci_low, ci_high; the
    ``incomplete`` priority years are greyed; an empty value (a year the release suppressed)
    is a gap in the line and left out of the band.
    """
    words = level_words(level)
    traces = []
    for index, name in enumerate(SCOPES.values()):
        rows = frame.filter(pl.col("entity_name") == name).sort("year")
        if rows.height == 0:
            continue
        band = rows.drop_nulls("ci_low")
        years = band["year"].to_list()
        traces.append(
            go.Scatter(
                x=years + years[::-1],
                y=band["ci_high"].to_list() + band["ci_low"].to_list()[::-1],
                fill="toself",
                fillcolor=_rgba(PALETTE[index], 0.15),
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                name=esc(f"{name}: {words} interval"),
            )
        )
        traces.append(
            go.Scatter(
                x=rows["year"].to_list(),
                y=rows["value"].to_list(),
                mode="lines+markers",
                name=esc(name),
                line={"color": PALETTE[index], "width": 2},
                marker={"symbol": SYMBOLS[index]},
                customdata=list(zip(rows["ci_low"], rows["ci_high"], strict=True)),
                hovertemplate=esc(name)
                + f" %{{x}}: %{{y:.1%}} ({words} interval %{{customdata[0]:.1%}} to "
                "%{customdata[1]:.1%})<extra></extra>",
            )
        )
    fig = go.Figure(
        traces,
        layout={
            "yaxis": value_axis("share of world families", percent=True) | {"rangemode": "tozero"},
            "xaxis": {"dtick": 2},
        },
    )
    apply_layout(fig, title)
    notes = [
        f"Shaded bands are {words} Wilson intervals treating the world's families of the year "
        "as the sample: wide where the world had few families."
    ]
    if incomplete:
        notes.append(shade_incomplete(fig, incomplete, INCOMPLETE_REASON))
    if frame["value"].null_count():
        notes.append(SUPPRESSED_GAPS)
    return Chart(chart_id, fig, frame, caption, notes)


def _world_share_rows(data: SiteData, iso3: str) -> pl.DataFrame:
    """Per year and scope: the country's share of world families with its interval, the one
    marts.patents_long publishes for its patent_world_share row; a year without its families
    has no row there, so its share of 0 gets the Wilson interval at the level of the
    published ones (``common.interval_level``), as does a row of a file without the long
    views. A year the release published without its numbers (suppressed) stays empty.

    Returns entity_name (the scope label), year, value, numerator, denominator (the world's
    families), ci_low, ci_high and interval_method (``wilson-90``).
    """
    level = common.interval_level(data)
    parts = []
    for scope, label in SCOPES.items():
        world = _world_families(data, "all", scope)
        equals = {
            "entity_type": "country",
            "entity_code": iso3,
            "indicator": "patent_world_share",
            "approach": "all",
            "counting": "applicant",
            "family_scope": scope,
        }
        hidden = data.hidden("patent_indicators", **equals)["year"].to_list()
        own = _rows(data, **equals).select(
            "year",
            "value",
            "numerator",
            pl.col("value_low").alias("ci_low"),
            pl.col("value_high").alias("ci_high"),
            "interval_method",
        )
        zero = pl.when(pl.col("year").is_in(hidden)).then(None).otherwise(0.0)
        rows = world.join(own, on="year", how="left", maintain_order="left").with_columns(
            pl.col("value", "numerator").fill_null(zero), pl.lit(label).alias("entity_name")
        )
        parts.append(rows)
    rows = pl.concat(parts).filter(pl.col("world_families") > 0)
    computed = [
        (None, None) if n is None else wilson_interval(n, d, level)
        for n, d in zip(rows["numerator"], rows["world_families"], strict=True)
    ]
    return rows.select(
        "entity_name",
        "year",
        "value",
        "numerator",
        pl.col("world_families").alias("denominator"),
        pl.col("ci_low").fill_null(pl.Series([c[0] for c in computed], dtype=pl.Float64)),
        pl.col("ci_high").fill_null(pl.Series([c[1] for c in computed], dtype=pl.Float64)),
        pl.col("interval_method").fill_null(interval_method(level)),
    ).sort("entity_name", "year")


def _type_bars(frame: pl.DataFrame, chart_id: str, title: str, caption: str) -> Chart:
    """Stacked bars of applicant-type shares, one bar per family scope.

    ``frame`` has scope (label), applicant_type, share, numerator, denominator.
    """
    fig = go.Figure()
    scopes = [s for s in SCOPES.values() if s in frame["scope"].to_list()]
    for kind, (label, colour) in TYPES.items():
        rows = frame.filter(pl.col("applicant_type") == kind)
        lookup = dict(zip(rows["scope"], rows["share"], strict=True))
        fig.add_trace(
            go.Bar(
                x=[lookup.get(s, 0.0) for s in reversed(scopes)],
                y=[esc(s) for s in reversed(scopes)],
                orientation="h",
                name=esc(label),
                marker_color=colour,
                hovertemplate="%{y}: " + esc(label) + " %{x:.1%}<extra></extra>",
            )
        )
    apply_layout(fig, title, height=360)
    fig.update_layout(
        barmode="stack",
        legend={"orientation": "h", "y": -0.2, "x": 0, "traceorder": "normal"},
        margin={"b": 90},
    )
    fig.update_xaxes(value_axis("share of the patent families", percent=True), range=[0, 1])
    return Chart(
        chart_id,
        fig,
        frame,
        caption,
        ["Types are assigned from applicants' names and the source's assignee type."],
    )


def applicant_types(data: SiteData, entity_type: str, code: str) -> pl.DataFrame:
    """Shares of applicant types over the window (all approaches), one row per scope and type;
    none for a scope with a year the release suppressed (its other years alone would be
    another window)."""
    first, last = window(data)
    equals = {"entity_type": entity_type, "entity_code": code, "approach": "all"}
    hidden = common.hidden_within(
        data, "patent_applicant_types", "family_scope", first, last, **equals
    )
    rows = common.rows(data.patent_applicant_types, **equals).filter(
        pl.col("year").is_between(first, last), ~pl.col("family_scope").is_in(list(hidden))
    )
    # each sum is taken in year order: summed in the order a grouping left them, the
    # fractional counts differed in their last bits from one build to the next
    totals = rows.group_by("family_scope", "year").agg(pl.col("denominator").first()).sort("year")
    denominators = totals.group_by("family_scope").agg(pl.col("denominator").sum())
    return (
        rows.sort("year")
        .group_by("family_scope", "applicant_type")
        .agg(pl.col("numerator").sum())
        .join(denominators, on="family_scope")
        .with_columns(
            (pl.col("numerator") / pl.col("denominator")).alias("share"),
            pl.col("family_scope").replace_strict(SCOPES).alias("scope"),
        )
        .select("scope", "applicant_type", "share", "numerator", "denominator")
        .sort("scope", "applicant_type")
    )


def types_title(types: pl.DataFrame, families: int, name: str, threshold: int, years: str) -> str:
    """The title of a country's applicant-type chart over ``years`` ("2020-2024").

    ``types`` is ``applicant_types``; ``families`` the country's families (whole count) in
    the window. With no families, or fewer than ``threshold``, the title only names the
    chart; otherwise it states the largest typed category and, when a fifth or more of
    the credit is of unknown type, says so.
    """
    neutral = f"Applicant types of {possessive(name)} patent families, {years}"
    if families <= 0 or families < threshold:
        return neutral
    shares = dict(
        types.filter(pl.col("scope") == SCOPES["all"]).select("applicant_type", "share").iter_rows()
    )
    unknown = shares.pop("unknown", 0.0)
    if not shares:
        return f"All of {possessive(name)} applicant credit is of unknown type, {years}"
    top = max(shares.values())
    largest = [TYPES[k][0] for k in TYPES if k in shares and _equal(shares[k], top)]
    said = listed([largest[0]] + [label.lower() for label in largest[1:]])
    title = (
        f"{said} hold {top:.0%}{' each' if len(largest) > 1 else ''} of "
        f"{possessive(name)} applicant credit, {years}"
    )
    if unknown >= UNKNOWN_TYPE_NOTED:
        title += f"; {unknown:.0%} of the credit is of unknown type"
    return title


def country(data: SiteData, iso3: str) -> list[Section]:
    """A country's families per year, world share, applicants and specialisation."""
    name = data.countries.filter(pl.col("iso3") == iso3)["name"].item()
    own = _rows(data, entity_type="country", entity_code=iso3, counting="applicant")
    if data.patent_complete_year is None or own.height == 0:
        hidden = data.hidden(
            "patent_indicators", entity_type="country", entity_code=iso3, counting="applicant"
        )
        return [
            Section(
                "Patents",
                [
                    f"{possessive(name)} quantum patent families are too few to publish in "
                    "every year: this release suppresses small numbers."
                    if hidden.height
                    else f"No quantum patent family in the data has an applicant in {name}."
                ],
            )
        ]
    first, last = window(data)
    threshold = _small_n_threshold(data)
    yearly = _scope_trend(data, "country", iso3, "patent_families_fractional")
    latest = yearly.filter(pl.col("year") == last)
    total = latest.filter(pl.col("entity_name") == SCOPES["all"])["value"]
    international = latest.filter(pl.col("entity_name") == SCOPES["international"])["value"]
    if total.null_count():
        trend_title = f"{name}: too few quantum patent families with {last} priority to publish"
    elif total.sum() > 0:
        trend_title = (
            f"{name}: {total.sum():,.1f} quantum patent families with {last} priority, "
            + (
                "the international ones too few to publish"
                if international.null_count()
                else f"{international.sum():,.1f} of them international"
            )
        )
    else:
        trend_title = f"{name}: no quantum patent family with {last} priority"
    trend = _count_trend(
        yearly,
        f"patents-{iso3}-trend",
        trend_title,
        _caption(data, "patent families (fractional count)"),
        data,
    )
    shares = _world_share_rows(data, iso3)
    level = common.interval_level(data)
    window_share = pooled(data, "all", "all").filter(pl.col("entity_code") == iso3)
    if window_share.height:
        r = window_share.row(0, named=True)
        share_title = (
            f"{name} holds {r['share']:.1%} of the world's quantum patent families over "
            f"{first}-{last} ({level_words(level)} interval {r['ci_low']:.1%} to "
            f"{r['ci_high']:.1%})"
        )
    elif (kept_out := left_out(data, "all")["all"]).world or iso3 in kept_out.countries:
        share_title = (
            f"{possessive(name)} share of the world's quantum patent families over "
            f"{first}-{last} is not shown: a year's count is too small to publish"
        )
    else:
        share_title = f"{name} has no quantum patent family with priority in {first}-{last}"
    share_chart = _share_trend(
        shares,
        f"patents-{iso3}-share",
        share_title,
        _caption(data, "share of the world's patent families"),
        data.patent_incomplete_years,
        level,
    )
    applicants = top_applicants(data, "country", iso3)
    types = applicant_types(data, "country", iso3)
    families = int(window_share["families_whole"].sum()) if window_share.height else 0
    type_chart = _type_bars(
        types,
        f"patents-{iso3}-types",
        types_title(types, families, name, threshold, f"{first}-{last}"),
        _caption(data, "share of the fractional applicant credit", _span(first, last)),
    )
    labels = common.labels(data)
    profile = activity(data, iso3=iso3).with_columns(
        pl.col("approach").replace_strict(labels).alias("label")
    )
    profile_title = (
        f"{possessive(name)} patents are most specialised in "
        f"{profile['label'][0].lower()}, {first}-{last}"
        if common.clear_top(profile["value"].to_list(), DIGITS)
        else f"Activity index of {possessive(name)} approaches with {threshold}+ families, "
        f"{first}-{last}"
    )
    index_charts = (
        [
            _index_bars(
                profile.select("label", "value", "families_whole"),
                f"patents-{iso3}-profile",
                profile_title,
                _caption(data, "activity index (1 = world average)", _span(first, last)),
            )
        ]
        if profile.height
        else []
    )
    not_measured = [labels[a] for a in unmeasured(data)]
    unmeasured_said = (
        f" {listed(not_measured)} {'are' if len(not_measured) > 1 else 'is'} not measured by "
        "the patent classifier (see Methods)."
        if not_measured
        else ""
    )
    return [
        Section(
            "Patents: families per year",
            [
                "Families credited to the country's applicants (fractional count), all and "
                "international (published by two or more offices)."
            ],
            charts=[trend],
        ),
        Section("Patents: share of the world", [], charts=[share_chart]),
        Section(
            "Patents: top applicants",
            [
                _applicants_said(applicants, f" from {name} with the most quantum patent families")
                + " over all priority years, including the incomplete latest ones. Types are "
                "assigned from names and may be wrong."
                + (" SYNTHETIC SAMPLE DATA: invented names." if data.is_sample else "")
            ]
            if applicants.height
            else [f"No named applicant from {name}."],
            tables=[_top_applicants_table(data, applicants)] if applicants.height else [],
        ),
        Section("Patents: who applies", [], charts=[type_chart]),
        Section(
            "Patents: strengths across approaches",
            [
                (
                    f"Activity index over {_span(first, last)} for the approaches in which "
                    f"{name} has at least {threshold} families (1 = world average)."
                    if index_charts
                    else f"{name} has fewer than {threshold} families in every approach over "
                    f"{_span(first, last)}"
                    + (
                        " (or a year of its count too small to publish in this release)"
                        if common.hidden_within(
                            data,
                            "patent_indicators",
                            "approach",
                            first,
                            last,
                            entity_type="country",
                            entity_code=iso3,
                            indicator="patent_families_fractional",
                            counting="applicant",
                            family_scope="all",
                        )
                        else ""
                    )
                    + ": too few to say where it specialises."
                )
                + unmeasured_said
            ],
            charts=index_charts,
        ),
    ]


def methods(data: SiteData) -> list[Section]:
    """Families, priority years, counting, the CPC map, caveats and a reproducible query."""
    m = data.methods
    defs = Table(
        ["Indicator", "What it means", "Unit", "Method"],
        [
            [r["name"], r["definition"], r["unit"], r["method_version"]]
            for r in data.patent_definitions.iter_rows(named=True)
        ],
    )
    labels = common.labels(data)
    cpc = Table(
        ["CPC code", "Use", "Approach", "Domain", "Official title", "Title checked"],
        [
            [
                r["cpc_code"],
                {
                    "in_scope": "in scope alone",
                    "with_term": "only with a quantum term",
                    "context": "context (not used)",
                }.get(r["use"], r["use"]),
                "-"
                if r["use"] == "context"
                else labels.get(r["approach"], r["approach"] or "keyword rules decide"),
                r["domain"],
                r["official_title"] or "(no checked copy of the title)",
                "yes" if r["title_checked"] == "yes" else "NO: title unverified",
            ]
            for r in data.patent_cpc_map.iter_rows(named=True)
        ],
    )
    unchecked = data.patent_cpc_map.filter(pl.col("title_checked") == "no").height
    not_measured = [labels[a] for a in unmeasured(data)]
    incomplete = " and ".join(str(y) for y in data.patent_incomplete_years) or "none"
    return [
        Section(
            "Patents: what the numbers mean",
            [
                "Patent families come from EPO Open Patent Services and PatentsView (USPTO). "
                f"{_method_text(data, 'patent_family_rule')}. Rule: {m.get('patent_family_rule')}.",
                "A family's year is its earliest priority year: the first filing anywhere, the "
                "closest date to the invention. Because patents are published about 18 months "
                "after that date, the latest two priority years are incomplete "
                f"({incomplete} in this build) and are greyed on every trend; rankings pool the "
                "latest five complete priority years.",
                f"{_method_text(data, 'patent_international_rule')}. Rule: "
                f"{m.get('patent_international_rule')}. Rankings can be switched "
                "between all and international families: single-office families are mostly "
                "domestic filings, so the two counts can crown different countries.",
                "Counting is fractional: each family weighs one, shared equally among its "
                "distinct applicants, each applicant's share going to its country. The same "
                "counts by inventor country (counting = 'inventor' in "
                "marts.patent_indicators) measure where inventions are made rather than who "
                "owns them; the pages show applicant counting.",
            ],
            tables=[defs],
        ),
        Section(
            "Patents: which families count (the CPC map)",
            [
                f"Patent classifier {m.get('patent_classifier_version')} "
                f"(method {m.get('patent_method_version')}). A family is quantum when it "
                "carries a code marked 'in scope alone', or a code marked 'only with a quantum "
                "term' and its title or abstract matches the quantum-term pattern "
                f"{m.get('patent_quantum_term_pattern')}. Approaches come from the map or, "
                "inside quantum computing, from the keyword rules of the publications "
                f"classifier ({m.get('classifier_version')}). Context codes are listed for "
                "reference only: they never place a family in scope or in an approach.",
                f"{unchecked} of the {data.patent_cpc_map.height} codes have a title that could "
                "not be checked against a published copy of the CPC scheme: they are marked "
                "NO below; the code itself was seen in use.",
                *(
                    [
                        f"No CPC code or keyword rule assigns {listed(not_measured)}: the patent "
                        "classifier does not measure "
                        f"{'them' if len(not_measured) > 1 else 'it'}, and "
                        f"{'their pages say so' if len(not_measured) > 1 else 'its page says so'} "
                        "rather than showing no families."
                    ]
                    if not_measured
                    else []
                ),
            ],
            tables=[cpc],
        ),
        Section(
            "Patents: known gaps and caveats",
            [
                "A US document from PatentsView that no EPO record ties to a DOCDB family "
                "joins the family of the documents claiming the same foreign priorities; "
                "one claiming none forms a family with the other documents of its US "
                "application. Foreign priorities are compared as PatentsView lists them, "
                "not with EPO's records, and US provisional applications are not read: "
                "an invention also filed abroad, or filed twice in the US, may still count "
                "twice.",
                f"The latest priority years ({incomplete}) are incomplete and are not used "
                "for rankings; trends show them greyed.",
                "Applicant types (company, university, government, individual) are assigned "
                "from applicants' names and, for US records, the source's assignee type; "
                "unusual names end up as 'unknown' or in the wrong type.",
                "Applicant names are not merged across spellings beyond simple cleaning: one "
                "company can appear under two names in the top applicants.",
                "Families with no applicant country count for 'Unknown country'; they stay "
                "in the world's total and are never dropped.",
            ],
        ),
        Section(
            "Patents: reproduce the ranking",
            [
                f"The query below gives the overview's patent rankings (the top {TOP} countries "
                "by all and by international families, ties broken by name as on the page) "
                "from the published file."
            ],
            code=reproduce_sql(),
        ),
    ]


def _method_text(data: SiteData, key: str) -> str:
    """The description of a meta.methods entry (the value alone when there is none)."""
    text = data.method_descriptions.get(key) or str(data.methods.get(key, ""))
    return text.rstrip(". ")


def reproduce_sql() -> str:
    """An SQL example that reproduces the overview's patent rankings from the published file."""
    return (
        "-- duckdb -readonly qcm.duckdb\n"
        "with complete as (\n"
        "    select max(year) as last_year from marts.patent_indicators where not year_incomplete\n"
        ")\n"
        "select family_scope, entity_code, entity_name,\n"
        "    round(sum(value), 1) as families_fractional,\n"
        "    sum(families_whole) as families_whole\n"
        "from marts.patent_indicators, complete\n"
        "where indicator = 'patent_families_fractional' and entity_type = 'country'\n"
        "  and entity_code <> 'ZZZ' and approach = 'all' and counting = 'applicant'\n"
        "  and year between complete.last_year - 4 and complete.last_year\n"
        "group by family_scope, entity_code, entity_name\n"
        "qualify row_number() over (\n"
        f"    partition by family_scope order by round(sum(value), {DIGITS}) desc, entity_name\n"
        f") <= {TOP}\n"
        f"order by family_scope, round(sum(value), {DIGITS}) desc, entity_name;"
    )
