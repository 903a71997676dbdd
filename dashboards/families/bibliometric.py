"""The bibliometric family's contribution to every page of the site.

Each function takes the site's data and returns sections; ``dashboards.site`` places
them on pages. A new indicator family (patents, funding, ...) is a module like this one
listed in ``dashboards.families.FAMILIES``.
"""

from __future__ import annotations

import polars as pl

from dashboards.data import SiteData, derived_per_site
from dashboards.families import common
from dashboards.families.common import number_word, possessive
from dashboards.figures import (
    Chart,
    count_bars,
    grouped_choice_bars,
    ranking_bars,
    reference_bars,
    share_heatmap,
    trend_lines,
    world_map,
)
from dashboards.page import Section, Table
from dashboards.stats import level_words

NAME = "Publications"
SOURCE = "Source: OpenAlex works (CC0), classified and counted by qcm"
NO_WORKS_GAPS = "A gap is a year in which no such work was published anywhere in the world."
SUPPRESSED_GAPS = (
    "A gap is a year in which no such work was published anywhere in the world, or one whose "
    "works are too few to publish: this release suppresses small numbers."
)
TOP = 15
HEATMAP_COUNTRIES = 15
BLOC_ORDER = ["EU27", "NATO", "G7", "OECD", "QUAD", "AUKUS", "FIVE_EYES", "CHIP4"]
MAP_INDICATORS = {
    "world_share": "Share of world publications",
    "top10_share_of_world": "Share of the world's top-10% cited",
    "pp_top10": "Own output in the top 10% (PP(top10))",
}


def _caption(
    data: SiteData, unit: str, year: int | None = None, counting: str = "fractional"
) -> str:
    """The line under a publication chart: year, unit, source, counting, classifier and
    the sample label (``counting``: fractional, or whole for counts of co-authored works)."""
    when = f"{year}; " if year else ""
    sample = " SYNTHETIC SAMPLE DATA." if data.is_sample else ""
    version = data.methods.get("classifier_version")
    return f"{when}unit: {unit}. {SOURCE}, {counting} counting, {version}.{sample}"


def _unknown_note(shares: pl.DataFrame, year: int, suppressed: bool = False) -> str:
    """What the works of no known country weigh in ``shares`` (world_share rows of one
    approach and year): counted in every share, never ranked. ``suppressed``: the release
    published their row without its numbers (too few works), so no share is said; a share
    of 0 only when there is no such row at all."""
    found = shares.filter(pl.col("entity_code") == "ZZZ")
    if found.height == 0 and suppressed:
        return (
            "Works whose authorships name no known country (the unknown country, ZZZ) are "
            f"too few among {year}'s publications here for their share to be published (this "
            "release suppresses small numbers): counted in every share's total, never ranked."
        )
    unknown = found["value"].sum()
    return (
        f"Works whose authorships name no known country (the unknown country, ZZZ) hold "
        f"{unknown:.1%} of {year}'s publications here: counted in every share's total, never "
        "ranked."
    )


def _unknown_hidden(data: SiteData, approach: str, year: int) -> bool:
    """Whether the release published the unknown country's (ZZZ) world share of
    ``approach`` in ``year`` without its numbers (too few works)."""
    rows = data.hidden(
        "indicators",
        entity_type="country",
        entity_code="ZZZ",
        indicator="world_share",
        approach=approach,
        year=year,
    )
    return rows.height > 0


def _shares_hidden(data: SiteData, year: int) -> set[str]:
    """The classified approaches in which the release published a known country's world
    share in ``year`` without its numbers (too few works); none unless it suppresses small
    numbers."""
    rows = data.hidden("indicators", entity_type="country", indicator="world_share", year=year)
    if rows.height == 0:
        return set()
    return set(
        rows.filter(
            pl.col("entity_code") != "ZZZ", pl.col("approach").is_in(common.classified(data))
        )["approach"].to_list()
    )


def _leaders_title(
    data: SiteData, year: int, lead: pl.DataFrame, top_name: str, top_count: int, firm: int
) -> str:
    """The title of the leaders' heatmap: how many approaches ``top_name`` leads (``firm``
    of them clearly) of those with a leader (``lead``); when the release suppresses small
    numbers and some approach has no leader published, of those whose leader is."""
    if lead.height == 0 and _shares_hidden(data, year):
        return (
            f"In {year}, no country has enough works in any approach for its share to be published"
        )
    whose = " whose leader is published," if _leaders_hidden(data, year, lead) else ""
    of = f"of the {lead.height} approaches{whose}" if whose else f"of {lead.height} approaches"
    return (
        f"In {year}, {top_name} leads {top_count} {of} by share of publications "
        f"({number_word(firm)} of them clearly)"
    )


def _leaders_hidden(data: SiteData, year: int, lead: pl.DataFrame) -> bool:
    """Whether a classified approach has no leader in ``lead`` (``leaders``) because the
    release published its countries' shares without their numbers: a count of approaches
    led then says it counts only those with a leader published."""
    return bool(_shares_hidden(data, year) - set(lead["approach"].to_list()))


def _pairs_hidden(data: SiteData, approach: str, first: int, last: int) -> pl.DataFrame:
    """The country pairs (country_a, country_b) co-authoring in ``approach`` with a year of
    ``first``-``last`` that the release published without its number of works: a sum of
    their other years would understate them, so they are left out of the sums (none unless
    the release suppresses small numbers)."""
    rows = data.hidden("pairs", approach=approach)
    if rows.height == 0:
        return pl.DataFrame(schema={"country_a": pl.String, "country_b": pl.String})
    return (
        rows.filter(pl.col("year").is_between(first, last))
        .select("country_a", "country_b")
        .unique()
    )


def _year_words(data: SiteData) -> str:
    """What ``data.complete_year`` is, in words: the latest complete year, or, when no
    publication year is complete yet, the latest year, still filling."""
    return (
        "the latest year, still filling (no year is complete yet)"
        if data.complete_year_filling
        else "the latest complete year"
    )


def yearly(data: SiteData, indicator: str, approach: str, codes: list[str]) -> pl.DataFrame:
    """Rows (entity_name, year, value) of the countries ``codes`` for ``indicator`` (a count
    or share of works) in ``approach``, in every year from the world's first to its last:
    zero in a year a country has no works there (the marts hold no row), empty in one the
    release published without its numbers and in one without works in the world (no share
    to draw), so that the line breaks there (``common.filled_years``)."""
    equals = {"entity_type": "country", "indicator": indicator, "approach": approach}
    rows = common.rows(data.indicators, **equals).filter(pl.col("entity_code").is_in(codes))
    hidden = data.hidden("indicators", **equals).filter(pl.col("entity_code").is_in(codes))
    world = common.rows(data.indicators, **(equals | {"entity_type": "world"}))["year"]
    names = pl.concat([rows["entity_name"], hidden["entity_name"]]).unique().sort().to_list()
    years = list(range(world.min(), world.max() + 1)) if world.len() else []
    no_world = pl.DataFrame(
        [(name, year) for name in names for year in sorted(set(years) - set(world))],
        schema={"entity_name": pl.String, "year": rows.schema["year"]},
        orient="row",
    )
    return common.filled_years(
        rows.select("entity_name", "year", "value"),
        years,
        names,
        pl.concat([hidden.select("entity_name", "year"), no_world]),
    )


def _note_gaps(data: SiteData, trend: Chart) -> None:
    """Add to ``trend`` a note on where a line breaks, if one does: a year without works in
    the world, or one the release suppressed."""
    if any(None in (line.y or ()) for line in trend.figure.data):
        trend.notes.append(SUPPRESSED_GAPS if data.suppresses else NO_WORKS_GAPS)


@derived_per_site
def leaders(data: SiteData, year: int) -> pl.DataFrame:
    """The leading country of each classified approach by world share in ``year`` (of
    countries tied, the first by name), with the runner-up's share and ``doubt``: "few"
    when the leader has few works (small_n), "overlap" when the interval of its share
    (value_low) reaches the runner-up's (value_high), "hidden" when the release suppresses
    small numbers and no runner-up is published to compare with (suppressed, or none),
    else ""."""
    rows = common.rows(
        data.indicators, entity_type="country", indicator="world_share", year=year
    ).filter(pl.col("entity_code") != "ZZZ", pl.col("approach").is_in(common.classified(data)))
    ranked = rows.sort(["value", "entity_name"], descending=[True, False])
    first = ranked.group_by("approach", maintain_order=True).first()
    second = ranked.group_by("approach", maintain_order=True).agg(
        pl.col("value").slice(1, 1).first().alias("runner_up"),
        pl.col("value_high").slice(1, 1).first().alias("runner_up_high"),
    )
    return (
        first.join(second, on="approach", how="left")
        .with_columns(
            doubt=pl.when(pl.col("small_n").fill_null(False))
            .then(pl.lit("few"))
            .when(pl.col("value_low") <= pl.col("runner_up_high"))
            .then(pl.lit("overlap"))
            .when(pl.col("runner_up").is_null() & pl.lit(data.suppresses))
            .then(pl.lit("hidden"))
            .otherwise(pl.lit(""))
        )
        .sort("approach")
    )


def _ranking_title(
    data: SiteData, approach: str, label: str, year: int, ranked: pl.DataFrame
) -> str:
    """``China leads photonic quantum computing with 25% of 2025 publications``, with the
    doubt said where the lead is not clear (``leaders``): few works, or an interval
    overlapping the runner-up's. ``ranked``: the countries by share, largest first."""
    name = ranked["entity_name"][0]
    share = f"{ranked['value'][0]:.0%} of {year} publications"
    found = leaders(data, year).filter(pl.col("approach") == approach)["doubt"]
    doubt = found[0] if found.len() else ""
    if doubt == "few":
        return f"{name} leads {label.lower()} with {share}, but on few works"
    if doubt == "overlap" and ranked.height > 1:
        return (
            f"{name} is ahead of {ranked['entity_name'][1]} in {label.lower()} with {share}, "
            "but the intervals overlap"
        )
    if doubt == "hidden":
        return f"{name} leads {label.lower()} with {share} (no runner-up published)"
    return f"{name} leads {label.lower()} with {share}"


def overview(data: SiteData) -> list[Section]:
    """Who leads each approach, the world map, the headline trends."""
    year = data.complete_year
    labels = common.labels(data)
    lead = leaders(data, year)
    counts = (
        lead.group_by("entity_name").len().sort(["len", "entity_name"], descending=[True, False])
    )
    top_name, top_count = counts.row(0) if counts.height else ("nobody", 0)
    firm = lead.filter(pl.col("entity_name") == top_name, pl.col("doubt") == "").height
    doubted = lead.filter(pl.col("doubt") != "").height
    shares = common.rows(
        data.indicators, entity_type="country", indicator="world_share", year=year
    ).filter(pl.col("entity_code") != "ZZZ")
    biggest = (
        shares.filter(pl.col("approach") == "all")
        .sort(["value", "entity_name"], descending=[True, False])
        .head(HEATMAP_COUNTRIES)
    )["entity_code"]
    heat = shares.filter(
        pl.col("entity_code").is_in(biggest.to_list()),
        pl.col("approach").is_in(common.classified(data)),
    ).with_columns(pl.col("approach").replace_strict(labels).alias("approach_label"))
    heatmap = share_heatmap(
        heat.select(
            "entity_code", "entity_name", "approach", "approach_label", "value", "works_whole"
        ),
        "leaders-heatmap",
        _leaders_title(data, year, lead, top_name, top_count, firm),
        _caption(data, "share of the world's publications in the approach", year),
    )
    heatmap.notes.append(
        _unknown_note(
            common.rows(
                data.indicators, entity_type="country", indicator="world_share", year=year
            ).filter(pl.col("approach") == "all"),
            year,
            _unknown_hidden(data, "all", year),
        )
    )
    # no activity index: that of all quantum technology, the map's, is 1 for every country
    map_frames = {
        label: common.rows(
            data.indicators, entity_type="country", indicator=indicator, year=year, approach="all"
        )
        .filter(pl.col("entity_code") != "ZZZ")
        .select("entity_code", "entity_name", "value", "unit", "small_n")
        for indicator, label in MAP_INDICATORS.items()
    }
    mapped = world_map(
        map_frames,
        "world-map",
        f"Where quantum research is published, {year}",
        _caption(data, "see the chosen indicator", year),
    )
    top5 = (
        shares.filter(pl.col("approach") == "all")
        .sort(["value", "entity_name"], descending=[True, False])
        .head(5)["entity_code"]
    )
    trend = trend_lines(
        yearly(data, "world_share", "all", top5.to_list()),
        "headline-trend",
        "Share of world quantum publications of today's five largest producers",
        _caption(data, "share of the world's publications"),
        "share of world publications",
        latest_year=data.incomplete_year,
    )
    _note_gaps(data, trend)
    table = Table(
        ["Approach", "Leader", "Share", "Runner-up share", "Lead"],
        [
            [
                labels[r["approach"]],
                r["entity_name"]
                + {
                    "few": " (few works)",
                    "overlap": " (intervals overlap)",
                    "hidden": " (no runner-up published)",
                }.get(r["doubt"], ""),
                f"{r['value']:.1%}",
                "-" if r["runner_up"] is None else f"{r['runner_up']:.1%}",
                "-" if not r["runner_up"] else f"{r['value'] / r['runner_up']:.1f}x",
            ]
            for r in lead.iter_rows(named=True)
        ],
        caption=_caption(data, "share of the world's publications in the approach", year),
    )
    return [
        Section(
            "Who leads each technology approach",
            [
                f"Share of the world's publications in each approach in {year}, "
                + _year_words(data)
                + ", for the fifteen countries that publish most. Approaches overlap "
                "(a paper can belong to several), so rows do not add up.",
                f"A lead is clear when the leader has at least "
                f"{data.methods.get('small_n_threshold')} works and the "
                f"{level_words(common.interval_level(data))} intervals of the two shares do "
                f"not overlap; {number_word(doubted)} of the {number_word(lead.height)} leads "
                "below are not (marked "
                + (
                    "intervals overlap, or no runner-up published where the second country "
                    "has too few works to publish, or none"
                    if data.suppresses
                    else "few works or intervals overlap"
                )
                + "): there the order of the first two may be chance.",
            ],
            charts=[heatmap],
            tables=[table],
        ),
        Section("The world map", [], charts=[mapped]),
        Section("Headline trends", [], charts=[trend]),
    ]


def approach(data: SiteData, approach_id: str) -> list[Section]:
    """Rankings, leaders' trends, blocs, specialisation and collaboration for one approach."""
    year = data.complete_year
    label = common.labels(data)[approach_id]
    keys = {
        "entity_type": "country",
        "indicator": "world_share",
        "approach": approach_id,
        "year": year,
    }
    shares = common.rows(data.indicators, **keys)
    # under suppression: the countries whose share is published without its numbers
    hidden_shares = data.hidden("indicators", **keys)
    ranked = (
        shares.filter(pl.col("entity_code") != "ZZZ")
        .sort(["value", "entity_name"], descending=[True, False])
        .head(TOP)
    )
    if ranked.height == 0:
        if hidden_shares.filter(pl.col("entity_code") != "ZZZ").height:
            return [
                Section(
                    f"{label}: too few publications in {year} to publish",
                    [
                        f"Every country publishing in {label.lower()} in {year} has fewer than "
                        f"{data.methods.get('small_n_threshold')} works, and this release "
                        "suppresses small numbers: nothing to rank for this year."
                    ],
                )
            ]
        return [Section(f"{label}: no publications in {year}", ["Nothing to rank for this year."])]
    leader = ranked.row(0, named=True)
    ranking = ranking_bars(
        ranked.select(
            "entity_code",
            "entity_name",
            "value",
            "numerator",
            "denominator",
            "works_whole",
            "small_n",
            "value_low",
            "value_high",
            "interval_method",
        ),
        f"{approach_id}-ranking",
        _ranking_title(data, approach_id, label, year, ranked),
        _caption(data, "share of the world's publications in the approach", year),
        common.interval_level(data),
    )
    ranking.notes.append(_unknown_note(shares, year, _unknown_hidden(data, approach_id, year)))
    leaders5 = ranked.head(5)["entity_code"]
    trend = trend_lines(
        yearly(data, "world_share", approach_id, leaders5.to_list()),
        f"{approach_id}-trend",
        f"How the five leaders' shares of {label.lower()} publications moved",
        _caption(data, "share of the world's publications in the approach"),
        "share of world publications in the approach",
        latest_year=data.incomplete_year,
    )
    _note_gaps(data, trend)
    bloc_groups = {}
    for indicator in ("world_share", "top10_share_of_world"):
        rows = common.rows(
            data.indicators,
            entity_type="bloc",
            indicator=indicator,
            approach=approach_id,
            year=year,
        )
        bloc_groups[MAP_INDICATORS[indicator]] = rows.select(
            "entity_code",
            pl.col("entity_code").replace(common.bloc_labels(data)).alias("entity_name"),
            "value",
            "works_whole",
        )
    blocs = grouped_choice_bars(
        bloc_groups,
        f"{approach_id}-blocs",
        f"Blocs in {label.lower()}, {year}: computed from records, "
        "each paper counted once per bloc",
        _caption(data, "share (0-1)", year),
        "share of the world (the indicator chosen)",
    )
    members = {}
    every_member: set[str] = set()
    for bloc in BLOC_ORDER:
        codes = common.bloc_members(data, bloc, year)
        every_member |= codes
        rows = shares.filter(pl.col("entity_code").is_in(sorted(codes))).select(
            "entity_code", "entity_name", "value"
        )
        if rows.height:
            members[common.bloc_label(data, bloc)] = rows
    members_hidden = hidden_shares.filter(pl.col("entity_code").is_in(sorted(every_member)))
    inside = grouped_choice_bars(
        members,
        f"{approach_id}-bloc-members",
        f"Members of each bloc in {label.lower()}, {year}",
        _caption(data, "share of the world's publications in the approach", year),
        "share of world publications in the approach",
        highlight=leader["entity_name"],
    )
    activity = common.rows(
        data.indicators,
        entity_type="country",
        indicator="activity_index",
        approach=approach_id,
        year=year,
    )
    activity = activity.filter(pl.col("entity_code").is_in(ranked["entity_code"].to_list())).select(
        pl.col("entity_name").alias("label"), "value", "works_whole", "small_n"
    )
    adjacent = common.is_adjacent(data, approach_id)
    special = (
        Section(
            "Specialisation",
            [
                f"No activity index for {label.lower()}: it is an adjacent approach, reported "
                "apart, and a work only on it is not in all quantum technology, the output an "
                "activity index divides by."
            ],
        )
        if adjacent
        else Section(
            "Specialisation",
            [],
            charts=[
                reference_bars(
                    activity,
                    f"{approach_id}-specialisation",
                    f"Which of the top producers specialise in {label.lower()}, {year}",
                    _caption(data, "activity index (1 = world average)", year),
                    "activity index (1 = world average)",
                )
            ],
        )
    )
    recent = data.pairs.filter(
        pl.col("approach") == approach_id, pl.col("year").is_between(year - 4, year)
    )
    pairs_hidden = _pairs_hidden(data, approach_id, year - 4, year)
    if pairs_hidden.height:
        recent = recent.join(pairs_hidden, on=["country_a", "country_b"], how="anti")
    pairs = (
        recent.group_by("country_a_name", "country_b_name")
        .agg(pl.col("works").sum().alias("value"))
        .sort(["value", "country_a_name", "country_b_name"], descending=[True, False, False])
        .head(10)
        .select(
            (pl.col("country_a_name") + " - " + pl.col("country_b_name")).alias("label"), "value"
        )
    )
    collaboration = count_bars(
        pairs,
        f"{approach_id}-pairs",
        f"The strongest international partnerships in {label.lower()}, {year - 4}-{year}",
        _caption(data, "co-authored works", counting="whole"),
    )
    return [
        Section("Ranking", [], charts=[ranking]),
        Section("Trends of the leaders", [], charts=[trend]),
        Section(
            "Blocs compared",
            [
                "A bloc's value is computed from the papers themselves, a paper counted once "
                "however many of its members took part. Its shares are fractional (a "
                "paper's credit shared among its countries), so a bloc's share equals the "
                "sum of the shares of the countries that were its members that year; its "
                "number of works (works_whole in the CSV) is at most the sum of theirs."
                + (
                    " This release suppresses small numbers: members with too few works to "
                    "publish are left out of the members chart, so the members shown of such "
                    "a bloc add up to less than it."
                    if members_hidden.height
                    else ""
                ),
            ],
            charts=[blocs, inside],
        ),
        special,
        Section(
            "Collaboration",
            [common.left_out_of_sums("country pairs", f"{year - 4}-{year}")]
            if pairs_hidden.height
            else [],
            charts=[collaboration],
        ),
    ]


def partners_left_out(data: SiteData, iso3: str, year: int) -> set[str]:
    """The countries (ISO3) co-authoring with ``iso3`` whose pair the release published
    without its number of works in a year of the five to ``year``: ``partners`` leaves
    them out, as a sum of their other years would understate them (none unless the release
    suppresses small numbers)."""
    hidden = _pairs_hidden(data, "all", year - 4, year)
    return set(hidden.filter(pl.col("country_a") == iso3)["country_b"].to_list()) | set(
        hidden.filter(pl.col("country_b") == iso3)["country_a"].to_list()
    )


def partners(data: SiteData, iso3: str, year: int, top: int = 10) -> pl.DataFrame:
    """A country's ``top`` co-authoring countries over the five years to ``year``: label
    (the partner's name) and value (co-authored works, whole count), most first; partners
    with as many works by name, so the same data always show the same partners. When the
    release suppresses small numbers, a partner with a year published without its number
    of works is left out (``partners_left_out``), never shown understated."""
    recent = data.pairs.filter(
        pl.col("approach") == "all", pl.col("year").is_between(year - 4, year)
    )
    as_a = recent.filter(pl.col("country_a") == iso3)
    as_b = recent.filter(pl.col("country_b") == iso3)
    left_out = sorted(partners_left_out(data, iso3, year))
    if left_out:
        as_a = as_a.filter(~pl.col("country_b").is_in(left_out))
        as_b = as_b.filter(~pl.col("country_a").is_in(left_out))
    return (
        pl.concat(
            [
                as_a.select(pl.col("country_b_name").alias("label"), "works"),
                as_b.select(pl.col("country_a_name").alias("label"), "works"),
            ]
        )
        .group_by("label")
        .agg(pl.col("works").sum().alias("value"))
        .sort(["value", "label"], descending=[True, False])
        .head(top)
    )


def country(data: SiteData, iso3: str) -> list[Section]:
    """A country's profile across approaches, its trend, collaborators and blocs."""
    year = data.complete_year
    labels = common.labels(data)
    name = data.countries.filter(pl.col("iso3") == iso3)["name"].item()
    activity = common.rows(
        data.indicators,
        entity_type="country",
        entity_code=iso3,
        indicator="activity_index",
        year=year,
    )
    activity = activity.filter(pl.col("approach").is_in(common.classified(data))).select(
        pl.col("approach").replace_strict(labels).alias("label"), "value", "works_whole", "small_n"
    )
    ordered = activity.sort(["value", "label"], descending=[True, False])
    # a strength is named only on enough works: an index on one or two can be far above 1
    enough = ordered.filter(~pl.col("small_n").fill_null(False))
    if common.clear_top(enough["value"].to_list()):
        finding = f"{name} is most specialised in {enough['label'][0].lower()}, {year}" + (
            ""
            if enough["label"][0] == ordered["label"][0]
            else " (of approaches with enough works)"
        )
    elif ordered.height:
        # one approach, or none above the world average, or a tie: no single strength
        finding = f"{name}: activity index across approaches, {year}"
    elif data.suppresses:
        finding = f"{name}: too few publications in {year} to publish (suppressed), or none"
    else:
        finding = f"{name}: no classified publications in {year}"
    profile = reference_bars(
        activity,
        f"{iso3}-profile",
        finding,
        _caption(data, "activity index (1 = world average)", year),
        "activity index (1 = world average)",
    )
    trend = trend_lines(
        yearly(data, "publications_fractional", "all", [iso3]),
        f"{iso3}-trend",
        f"{possessive(name)} quantum publications per year (fractional count)",
        _caption(data, "works (fractional)"),
        "works (fractional count)",
        percent=False,
        latest_year=data.incomplete_year,
    )
    _note_gaps(data, trend)
    collaborators = count_bars(
        partners(data, iso3, year),
        f"{iso3}-partners",
        f"{possessive(name)} main co-authoring countries, {year - 4}-{year}",
        _caption(data, "co-authored works", counting="whole"),
    )
    shares = common.rows(
        data.indicators, entity_type="country", indicator="world_share", approach="all", year=year
    )
    groups = {}
    for bloc in BLOC_ORDER:
        current = common.bloc_members(data, bloc, year)
        if iso3 in current:
            groups[common.bloc_label(data, bloc)] = shares.filter(
                pl.col("entity_code").is_in(sorted(current))
            ).select("entity_code", "entity_name", "value")
    sections = [
        Section("Strengths and weaknesses across approaches", [], charts=[profile]),
        Section("Trend", [], charts=[trend]),
        Section(
            "Main collaborators",
            [common.left_out_of_sums("co-authoring countries", f"{year - 4}-{year}")]
            if partners_left_out(data, iso3, year)
            else [],
            charts=[collaborators],
        ),
    ]
    if groups:
        blocs = grouped_choice_bars(
            groups,
            f"{iso3}-blocs",
            f"Where {name} stands inside its blocs, {year}",
            _caption(data, "share of the world's quantum publications", year),
            "share of world publications",
            highlight=name,
        )
        sections.append(Section("Inside its blocs", [], charts=[blocs]))
    return sections


def methods(data: SiteData) -> list[Section]:
    """Definitions, counting rules, classifier quality and known gaps, in plain words."""
    defs = Table(
        ["Indicator", "What it means", "Unit", "Method"],
        [
            [r["name"], r["definition"], r["unit"], r["method_version"]]
            for r in data.definitions.iter_rows(named=True)
        ],
    )
    classifier = Table(
        ["Approach", "Labelled", "Precision", "Recall"],
        [
            [
                r["approach"],
                str(r["labelled_positives"]),
                "-" if r["precision"] is None else f"{r['precision']:.0%}",
                "-" if r["recall"] is None else f"{r['recall']:.0%}",
            ]
            for r in data.classifier.iter_rows(named=True)
        ],
    )
    unknown = common.rows(
        data.indicators,
        entity_code="ZZZ",
        indicator="world_share",
        approach="all",
        year=data.complete_year,
    )
    unknown_share = unknown["value"].item() if unknown.height else 0.0
    unknown_said = (
        "too few of "
        f"{data.complete_year} publications for their share to be published (this release "
        "suppresses small numbers)"
        if unknown.height == 0 and _unknown_hidden(data, "all", data.complete_year)
        else f"{unknown_share:.1%} of {data.complete_year} publications"
    )
    quarantine = Table(["Reason", "Rows"], [[r, f"{n:,}"] for r, n in data.quarantine.iter_rows()])
    return [
        Section(
            "Publications: what the numbers mean",
            [
                "Publications come from OpenAlex, an open index of scholarly works. qcm selects "
                "quantum works by topic and keyword, then places each work in technology "
                "approaches with keyword rules over its title and abstract. A work can belong to "
                "several approaches, so approach totals do not add up.",
                "Counting is fractional: each paper counts as one, shared equally among its "
                "authors, and each author's part shared equally among the countries of their "
                "institutions. A country with half the authors of a paper gets half the paper. "
                "A bloc's value is computed from the papers themselves, so a paper written by "
                "two EU countries counts once for the EU.",
                "Citation measures reflect citations at the time of the snapshot: recent papers "
                "have had less time to be cited, which is why the top-10% measure compares each "
                "paper only with papers of the same year and approach.",
            ],
            tables=[defs],
        ),
        Section(
            "How good is the classification",
            [
                f"Classifier version {data.methods.get('classifier_version')}. Precision says how "
                "often a paper put in an approach belongs there; recall says how many of the "
                "approach's papers are found. Measured on a labelled set of real publication "
                "titles (titles only: in the pipeline abstracts are used too). The rules were "
                "revised once after a first measurement on this same set, so these figures are "
                "optimistic.",
            ],
            tables=[classifier],
        ),
        Section(
            "Known gaps and caveats",
            [
                "The current year is incomplete in every source (publications keep being "
                "indexed for months), and so is the latest year read when it is earlier (an "
                "older snapshot); both are marked on every trend. Headline charts use "
                f"{_year_words(data)} ({data.complete_year}).",
                f"Authors with no usable country are counted under 'Unknown country': "
                f"{unknown_said}. "
                "They are never dropped.",
                "Values based on fewer than "
                f"{data.methods.get('small_n_threshold')} works are "
                + (
                    "suppressed in this release (see Small numbers below). "
                    if data.suppresses
                    else "flagged as few works; read them with care. "
                )
                + "Records the pipeline could not use are kept aside with their reason:",
            ],
            tables=[quarantine],
        ),
    ]


def reproduce_sql() -> str:
    """An SQL example that reproduces the overview's leaders from the published file."""
    return (
        "-- duckdb -readonly qcm.duckdb\n"
        "select approach, entity_name, round(value, 3) as world_share, works_whole\n"
        "from marts.publication_indicators\n"
        "where indicator = 'world_share' and entity_type = 'country'\n"
        "  and entity_code <> 'ZZZ' and not year_incomplete\n"
        "qualify row_number() over (partition by approach, year order by value desc) = 1\n"
        "order by approach, year desc;"
    )
