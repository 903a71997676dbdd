"""The frontier: who leads each approach when the indicator families are put together, how
sure that is, and which blocs are within reach, on a page of its own (frontier.html), the
composite with re-weighting sliders on the overview and every country page, a short
section on every approach page, and the method notes.

Each function takes the site's data and returns sections; ``dashboards.site`` places them
on pages. The frames come from marts.synthesis_scores (one row per entity, approach, year
and family, the composite included: value, score = value / leading country's value, rank
and their bootstrap intervals), marts.frontier (the leader of each family and of the
composite), marts.frontier_blocs (the frontier test per bloc), marts.synthesis_weights,
meta.synthesis_settings and the sensitivity summary. Every string from the data is escaped
before it reaches a figure; tables and sentences are escaped by the page template.
"""

from __future__ import annotations

import math
import re

import plotly.graph_objects as go
import polars as pl
from markupsafe import Markup

from dashboards.data import SiteData, derived_per_site
from dashboards.families import common
from dashboards.families.common import counted, listed, number_word, ordinal
from dashboards.figures import PALETTE, Chart, apply_layout, dashed_line, esc, shade_incomplete
from dashboards.page import Composite, Section, Table

NAME = "Frontier"
TITLE = "The frontier: who leads each approach, how surely, and where the blocs stand"
PAGE = "frontier.html"
SOURCE = (
    "Source: qcm's synthesis of the indicator families (marts.synthesis_scores, "
    "marts.frontier, marts.frontier_blocs)"
)
COMPOSITE = "composite"
AGGREGATE = "all"  # every approach together: said apart, never counted as one more approach
# the families in the order the settings file lists them, with the words the pages use
FAMILY_LABELS = {
    "publications": "Publications",
    "patents": "Patents",
    "funding": "Public funding",
    "workforce": "Researchers",
    "supply_chain": "Supply chain",
    "capability": "Capability",
    COMPOSITE: "Composite",
}
# the families in which a member within reach covers a bloc's frontier, besides the
# composite (meta.methods synthesis_frontier_rule); the others are shown, never enough alone,
# each with why
AT_THE_EDGE = ("publications", "patents", "workforce", "capability")
NOT_ENOUGH = {
    "funding": "money put in",
    "supply_chain": "trade in customs lines that are mostly not quantum",
}
WHERE_IT_COUNTS = (
    "in publications, patents or researchers, on a capability metric or in the composite"
)
MAX_METRICS_SAID = 4  # capability metrics named in a sentence; more are counted
TOP = 10  # countries on an approach's composite chart
TREND_YEARS = 10  # complete years on the focus bloc's trend (then the year in progress)
WIDGET_TOP = 15  # rows of the re-weightable ranking on the overview
DIGITS = 6  # decimals of the family scores embedded for the sliders
MIN_SLIDER_MAX = 10  # the sliders reach at least this weight
CAVEAT = (
    "The composite is a summary, not a measurement: it adds up unlike things (publications, "
    "patents, money, researchers, trade and hardware records) with weights someone chose. "
    "Read the family scores beside it, and move the weights to see how much a ranking "
    "depends on them."
)
SAMPLE_NOTE = (
    " SYNTHETIC SAMPLE DATA: every family but capability and the national programme "
    "figures is invented."
)
RANKING_COLUMNS = [
    "Rank",
    "Country",
    "Score (leader = 1)",
    "Rank interval",
    "Leads in (resamples)",
    "Moved",
]
COUNTRY_COLUMNS = [
    "Approach",
    "Rank",
    "Countries ranked",
    "Score (leader = 1)",
    "Rank interval",
    "Leader",
]
MEMBER, OTHER, LEADER = PALETTE[1], PALETTE[0], "#333333"


# ---- reading the marts -------------------------------------------------------------


def has_synthesis(data: SiteData) -> bool:
    """Whether the published file holds the synthesis marts (older files do not)."""
    return {"entity_code", "approach", "year", "family", "score", "rank"} <= set(
        data.synthesis_scores.columns
    )


@derived_per_site
def setting(data: SiteData, key: str) -> str | None:
    """A value of meta.synthesis_settings (``reach``, ``focus_bloc``, ``interval``, ...),
    None when the file does not record it."""
    rows = data.synthesis_settings
    if not {"key", "value"} <= set(rows.columns):
        return None
    found = rows.filter(pl.col("key") == key)["value"]
    return None if found.len() == 0 or found[0] is None else str(found[0])


def as_float(text: str | None) -> float | None:
    """A setting as a number, None when missing or not a number."""
    try:
        return None if text is None else float(text)
    except ValueError:
        return None


def reach(data: SiteData) -> float | None:
    """The score from which a country is within reach of the frontier (``reach``)."""
    return as_float(setting(data, "reach"))


def level(data: SiteData) -> str:
    """The central share of the bootstrap reported as an interval, in words (``90%``)."""
    share = as_float(setting(data, "interval"))
    return "bootstrap" if share is None else f"{share:.0%}"


@derived_per_site
def is_sample(data: SiteData) -> bool:
    """Whether the scores rest on the synthetic sample (their data_kind says so)."""
    kinds = (
        data.synthesis_scores["data_kind"].drop_nulls().unique()
        if "data_kind" in data.synthesis_scores.columns
        else []
    )
    return any("sample" in str(kind) for kind in kinds)


@derived_per_site
def method_version(data: SiteData) -> str:
    """The method version(s) of marts.synthesis_scores, joined by commas."""
    if "method_version" not in data.synthesis_scores.columns:
        return "-"
    versions = data.synthesis_scores["method_version"].drop_nulls().unique().sort()
    return ", ".join(str(v) for v in versions) or "-"


@derived_per_site
def complete_year(data: SiteData) -> int | None:
    """The latest year whose composite is not flagged year_incomplete (a composite is
    incomplete while any family it averages is); None without scores."""
    if not has_synthesis(data):
        return None
    rows = composite_rows(data)
    if "year_incomplete" in rows.columns:
        rows = rows.filter(~pl.col("year_incomplete").fill_null(False))
    year = rows["year"].max()
    return None if year is None else int(year)


@derived_per_site
def incomplete_years(data: SiteData) -> list[int]:
    """The years whose composite is flagged year_incomplete, sorted."""
    if not has_synthesis(data) or "year_incomplete" not in data.synthesis_scores.columns:
        return []
    rows = composite_rows(data).filter(pl.col("year_incomplete").fill_null(False))
    return sorted(int(y) for y in rows["year"].unique())


def composite_rows(data: SiteData) -> pl.DataFrame:
    """The composite's rows of marts.synthesis_scores."""
    return data.synthesis_scores.filter(pl.col("family") == COMPOSITE)


@derived_per_site
def approaches(data: SiteData) -> list[str]:
    """The approaches with scores, in taxonomy order ('all' first), unknown ones last."""
    if not has_synthesis(data):
        return []
    present = set(data.synthesis_scores["approach"].drop_nulls().to_list())
    order = [a for a in data.approaches["approach"] if a in present]
    return order + sorted(present - set(order))


def label(data: SiteData, approach_id: str) -> str:
    """An approach's label, its id when unknown."""
    return common.labels(data).get(approach_id, approach_id)


def together(data: SiteData) -> str:
    """The aggregate approach in a sentence: ``all quantum technology taken together``."""
    return f"{label(data, AGGREGATE).lower()} taken together"


def family_label(family: str) -> str:
    """A family's name on the pages (``supply_chain`` -> ``Supply chain``)."""
    return FAMILY_LABELS.get(family, family.replace("_", " ").capitalize())


@derived_per_site
def weights(data: SiteData) -> dict[str, float]:
    """The published weight of each family (marts.synthesis_weights), in the order of the
    families of ``FAMILY_LABELS`` (unknown ones last)."""
    rows = data.synthesis_weights
    if not {"family", "weight"} <= set(rows.columns):
        return {}
    found = {str(f): float(w or 0.0) for f, w in rows.select("family", "weight").iter_rows()}
    order = [f for f in FAMILY_LABELS if f in found] + sorted(set(found) - set(FAMILY_LABELS))
    return {f: found[f] for f in order}


@derived_per_site
def families(data: SiteData) -> list[str]:
    """The families of the composite: those with a published weight, else those with
    scores (in the order of ``FAMILY_LABELS``)."""
    if weights(data):
        return list(weights(data))
    if not has_synthesis(data):
        return []
    present = set(data.synthesis_scores["family"].drop_nulls().to_list()) - {COMPOSITE}
    return [f for f in FAMILY_LABELS if f in present] + sorted(present - set(FAMILY_LABELS))


@derived_per_site
def country_rows(data: SiteData, approach_id: str, year: int, family: str) -> pl.DataFrame:
    """The countries' rows of marts.synthesis_scores for an approach, year and family, by
    rank (unranked last), ties by ISO3 (as marts.frontier picks its leader)."""
    rows = data.synthesis_scores
    if not has_synthesis(data):
        return rows
    return rows.filter(
        pl.col("entity_type") == "country",
        pl.col("approach") == approach_id,
        pl.col("year") == year,
        pl.col("family") == family,
    ).sort(["rank", "entity_code"], nulls_last=True)


@derived_per_site
def leader(data: SiteData, approach_id: str, year: int, family: str) -> dict | None:
    """The marts.frontier row of an approach, year and family, or None."""
    rows = data.frontier
    if "leader_iso3" not in rows.columns:
        return None
    found = rows.filter(
        pl.col("approach") == approach_id, pl.col("year") == year, pl.col("family") == family
    )
    return None if found.height == 0 else found.row(0, named=True)


@derived_per_site
def bloc_rows(data: SiteData, approach_id: str, year: int) -> pl.DataFrame:
    """The frontier test of every bloc for an approach and year (marts.frontier_blocs):
    the focus bloc first, then by bloc."""
    rows = data.frontier_blocs
    if "is_focus_bloc" not in rows.columns:
        return pl.DataFrame()
    return rows.filter(pl.col("approach") == approach_id, pl.col("year") == year).sort(
        ["is_focus_bloc", "bloc"], descending=[True, False]
    )


def focus_row(data: SiteData, approach_id: str, year: int) -> dict | None:
    """The focus bloc's frontier test for an approach and year, or None."""
    rows = bloc_rows(data, approach_id, year)
    first = rows.row(0, named=True) if rows.height else {}
    return first if first.get("is_focus_bloc") else None


def focus_bloc(data: SiteData) -> str | None:
    """The focus bloc: the rows flagged is_focus_bloc, else the settings' ``focus_bloc``."""
    rows = data.frontier_blocs
    if "is_focus_bloc" in rows.columns:
        focus = rows.filter(pl.col("is_focus_bloc").fill_null(False))
        if focus.height:
            return bloc_code(focus.row(0, named=True))
    return setting(data, "focus_bloc")


def bloc_code(row: dict) -> str:
    """A bloc row's code, such as FIVE_EYES."""
    return str(row.get("bloc") or "-")


def bloc_name(data: SiteData, row: dict) -> str:
    """A bloc row's short name as pages show it, such as Five Eyes (``common.bloc_label``)."""
    return common.bloc_label(data, bloc_code(row))


def focus_label(data: SiteData) -> str | None:
    """The focus bloc's short name as pages show it, or None without a focus bloc."""
    bloc = focus_bloc(data)
    return None if bloc is None else common.bloc_label(data, bloc)


@derived_per_site
def country_names(data: SiteData) -> dict[str, str]:
    """ISO3 -> name, from marts.countries and the scores."""
    names: dict[str, str] = {}
    if {"entity_code", "entity_name"} <= set(data.synthesis_scores.columns):
        pairs = data.synthesis_scores.select("entity_code", "entity_name").unique()
        names |= {str(c): str(n) for c, n in pairs.iter_rows() if c and n}
    if {"iso3", "name"} <= set(data.countries.columns):
        names |= {
            str(c): str(n)
            for c, n in zip(data.countries["iso3"], data.countries["name"], strict=True)
            if c and n
        }
    return names


def sensitivity(data: SiteData, year: int, approach_id: str | None = None) -> pl.DataFrame:
    """The sensitivity summary of ``year`` (of one approach when given) with each
    scenario's label and description, by scenario then approach (taxonomy order)."""
    rows = data.sensitivity_summary
    if "scenario" not in rows.columns:
        return pl.DataFrame()
    rows = rows.filter(pl.col("year") == year)
    if approach_id is not None:
        rows = rows.filter(pl.col("approach") == approach_id)
    scenarios = data.synthesis_scenarios
    if {"scenario", "label"} <= set(scenarios.columns):
        described = scenarios.select(
            "scenario",
            "label",
            pl.col("description") if "description" in scenarios.columns else pl.lit(""),
        )
        rows = rows.join(described, on="scenario", how="left")
    else:
        rows = rows.with_columns(pl.col("scenario").alias("label"), pl.lit("").alias("description"))
    order = {a: i for i, a in enumerate(data.approaches["approach"])}
    return (
        rows.with_columns(
            pl.col("label").fill_null(pl.col("scenario")),
            pl.col("approach")
            .replace_strict(order, default=len(order), return_dtype=pl.Int64)
            .alias("_order"),
        )
        .sort("scenario", "_order", "approach")
        .drop("_order")
    )


# ---- words and cells ---------------------------------------------------------------


def rank_span(low: int | None, high: int | None) -> str:
    """A rank interval: ``1st to 2nd``, ``3rd`` when both ends agree, ``-`` when missing."""
    if low is None or high is None:
        return "-"
    return ordinal(int(low)) if low == high else f"{ordinal(int(low))} to {ordinal(int(high))}"


def share_text(value: float | None) -> str:
    """A share of resamples or of a weight as a whole percentage, ``-`` when missing."""
    return "-" if value is None else f"{value:.0%}"


def score_text(value: float | None) -> str:
    """A score with two decimals, ``-`` when missing."""
    return "-" if value is None else f"{value:.2f}"


def ranked_words(row: dict, interval: str) -> str:
    """A country's composite standing: ``United States, rank 1 (90% interval 1st to 2nd),
    leads in 87% of resamples``."""
    said = f"{row['entity_name']}, rank {row['rank']}"
    span = rank_span(row.get("rank_low"), row.get("rank_high"))
    if span != "-":
        said += f" ({interval} interval {span})"
    chance = row.get("leader_probability")
    if chance:
        said += f", leads in {share_text(chance)} of resamples"
    return said


def composite_title(name: str, first: dict, year: int) -> str:
    """The composite chart's title, with how often its leader leads the resamples: ``All
    quantum technology: United States leads the composite in 2023 (in 97% of resamples)``;
    ``but in only 52% of resamples`` where its rank interval reaches below first."""
    said = f"{name}: {first['entity_name']} leads the composite in {year}"
    chance = first.get("leader_probability")
    if chance is None:
        return said
    if (first.get("rank_high") or 1) > 1:
        return f"{said}, but in only {share_text(chance)} of resamples"
    return f"{said} (in {share_text(chance)} of resamples)"


def amount(value: float | None, measure: object = None) -> str:
    """A family's value as text: a percentage when its measure is a share (0-1), whole
    numbers with separators from 1,000, three significant digits below; ``-`` when
    missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if "share" in str(measure or "").lower() and 0 <= value <= 1:
        return f"{value:.1%}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def how_many(n: int) -> str:
    """A count in words for "in ... of N": ``none``, ``one``, ``two``, ``12``."""
    return "none" if n == 0 else number_word(n)


def within_words(data: SiteData, row: dict) -> list[str]:
    """A bloc row's families within reach as words, in the order of the families."""
    found = split(row.get("families_within_reach"))
    order = [*families(data), COMPOSITE]
    ordered = [f for f in order if f in found] + sorted(set(found) - set(order))
    return [family_label(f).lower() for f in ordered]


@derived_per_site
def metric_labels(data: SiteData) -> dict[str, str]:
    """Capability metric id -> label, from the capability frontier's own labels and the
    metrics table (marts.milestone_metrics); {} when the file has neither."""
    labels: dict[str, str] = {}
    for frame, column in (
        (data.capability_frontier, "metric_label"),
        (data.milestone_metrics, "label"),
    ):
        if {"metric", column} <= set(frame.columns):
            pairs = frame.select("metric", column).unique().iter_rows()
            labels |= {str(m): str(text) for m, text in pairs if m and text}
    return labels


def metric_words(data: SiteData, row: dict) -> list[str]:
    """A bloc row's capability metrics within reach (``capability_metrics_within_reach``) as
    their labels (the id without one); for 'all', whose entries are ``approach:metric``,
    after the approach's: ``Trapped ions: Physical qubits``."""
    words = []
    for key in split(row.get("capability_metrics_within_reach")):
        approach_id, _, metric = key.rpartition(":")
        said = metric_labels(data).get(metric, metric)
        words.append(f"{label(data, approach_id)}: {said}" if approach_id else said)
    return words


def in_family_order(data: SiteData, names: set[str]) -> list[str]:
    """``names`` (families) in the order of ``families``, any others after, sorted."""
    known = families(data)
    return [f for f in known if f in names] + sorted(names - set(known))


def composite_within_reach(data: SiteData, row: dict) -> bool:
    """Whether a bloc row's best member is within reach in the composite (then some member
    is: the best has the highest composite)."""
    threshold, composite = reach(data), row.get("best_member_score")
    return threshold is not None and composite is not None and composite >= threshold


def covering_words(data: SiteData, row: dict) -> list[str]:
    """What covers a bloc row, as words: its families within reach that count
    (``AT_THE_EDGE``, in the order of the families; capability with how many metrics), then
    the composite when its best member's is within reach; [] for a gap."""
    found = set(split(row.get("families_within_reach"))) & set(AT_THE_EDGE)
    order = in_family_order(data, found)
    metrics = len(split(row.get("capability_metrics_within_reach")))
    words = [
        f"{family_label(f).lower()} ({counted(metrics, 'metric')})"
        if f == "capability" and metrics
        else family_label(f).lower()
        for f in order
    ]
    if composite_within_reach(data, row):
        words.append(family_label(COMPOSITE).lower())
    return words


def not_enough_words(data: SiteData, row: dict) -> list[str]:
    """The families of a bloc row's families within reach that do not cover it on their own
    (``NOT_ENOUGH``), as words: ``public funding (money put in)``."""
    found = split(row.get("families_within_reach"))
    return [f"{family_label(f).lower()} ({why})" for f, why in NOT_ENOUGH.items() if f in found]


def split(text: object) -> list[str]:
    """A comma-separated list of keys (``families``, ``families_within_reach``)."""
    return [part.strip() for part in str(text or "").split(",") if part.strip()]


def weight_text(weight: float) -> str:
    """A weight as typed in the settings file: ``3``, ``0.5``."""
    return f"{weight:g}"


def safe_id(*parts: str) -> str:
    """An element id from data keys: letters, digits, ``-`` and ``_`` only."""
    return "-".join(re.sub(r"[^A-Za-z0-9_-]", "_", str(p)) for p in parts)


def anchor(approach_id: str) -> str:
    """The id of an approach's section on the frontier page."""
    return safe_id("frontier", approach_id)


def sql_text(value: str) -> str:
    """A key quoted for SQL (quotes doubled)."""
    return "'" + str(value).replace("'", "''") + "'"


def _caption(data: SiteData, unit: str, years: str | None = None) -> str:
    """The line under every synthesis chart and table: years, unit, source, method and
    the sample label."""
    when = f"{years}; " if years else ""
    sample = SAMPLE_NOTE if is_sample(data) else ""
    return f"{when}unit: {unit}. {SOURCE}; method {method_version(data)}.{sample}"


def leader_paragraph(data: SiteData, approach_id: str, year: int) -> str | None:
    """Who leads an approach's composite, how surely, and by how much over the runner-up;
    None without a ranking."""
    rows = country_rows(data, approach_id, year, COMPOSITE)
    if rows.height == 0 or rows["rank"][0] is None:
        return None
    said = (
        f"In {year} the composite leader of {label(data, approach_id)} is "
        f"{ranked_words(rows.row(0, named=True), level(data))}."
    )
    front = leader(data, approach_id, year, COMPOSITE)
    if front and front.get("runner_up_name"):
        ratio = front.get("leader_runner_up_ratio")
        said += f" Runner-up: {front['runner_up_name']}" + (
            f"; the leader's composite is {ratio:.2f} times the runner-up's." if ratio else "."
        )
    return said


def coverage_words(data: SiteData, row: dict, approach_label: str, year: int, interval: str) -> str:
    """The frontier test of one bloc in words: covered (in which families, on which
    capability metrics, or through the composite alone) or a gap, the families within reach
    that do not count on their own, and where its best member stands on the composite."""
    bloc = bloc_name(data, row)
    if not row.get("members_with_data"):
        return (
            f"No {bloc} member has data for {approach_label} in {year}, so none is within reach "
            "of the frontier: a gap, a signal for action, read the caveats."
        )
    best = ""
    if row.get("best_member_name"):
        best = (
            f" Its best member on the composite, {row['best_member_name']}, ranks "
            f"{ordinal(int(row['best_member_rank']))}"
            if row.get("best_member_rank") is not None
            else f" Its best member on the composite is {row['best_member_name']}"
        )
        span = rank_span(row.get("best_member_rank_low"), row.get("best_member_rank_high"))
        if span != "-":
            best += f" ({interval} interval {span})"
        if row.get("best_member_score") is not None:
            best += f", at {score_text(row['best_member_score'])} of the leader's score"
        best += "."
    aside = not_enough_words(data, row)
    one = len(aside) == 1
    not_alone = f"{'does' if one else 'do'} not count on {'its' if one else 'their'} own"
    alone = f"{listed(aside)}, which {not_alone}"
    if row.get("gap"):
        if not aside:
            return (
                f"No {bloc} member is within reach of the frontier in any family for "
                f"{approach_label} in {year}: a signal for action, read the caveats.{best}"
            )
        return (
            f"No {bloc} member is within reach of the frontier for {approach_label} in {year} "
            f"{WHERE_IT_COUNTS}: a signal for action, read the caveats. A member is within "
            f"reach in {alone}.{best}"
        )
    within = within_words(data, row)
    assessed = len(split(row.get("families_assessed")))
    of = f" of {assessed}" if assessed else ""
    if not set(split(row.get("families_within_reach"))) & set(AT_THE_EDGE) and (
        composite_within_reach(data, row)
    ):
        return (
            f"{bloc} is within reach of the frontier of {approach_label} in {year} through "
            "the composite alone: a member's composite is within reach, but "
            + (f"among the families only in {alone}" if aside else "in no family")
            + f".{best}"
        )
    said = (
        f"{bloc} is within reach of the frontier of {approach_label} in {year}: a member is "
        f"within reach in {len(within)}{of} "
        f"famil{'y' if (assessed or len(within)) == 1 else 'ies'}"
        + (f" ({listed(within)})" if within else "")
    )
    metrics = metric_words(data, row)
    if len(metrics) > MAX_METRICS_SAID:
        said += (
            f"; in capability, of the best published result on {len(metrics)} metrics "
            "(marts.frontier_blocs capability_metrics_within_reach names them)"
        )
    elif metrics:
        said += f"; in capability, of the best published result on {listed(metrics)}"
    if aside:
        said += f". Of these, {listed(aside)} {not_alone}"
    return f"{said}.{best}"


def concentration_words(data: SiteData, approach_id: str, year: int) -> str | None:
    """How concentrated leadership is: how many of the ten leading institutions
    (publications) and applicants (patents) are located in each family's leading country,
    said as a count of those listed (fewer than ten when fewer have any credit)."""
    said = []
    for family, who in (("publications", "institutions"), ("patents", "patent applicants")):
        front = leader(data, approach_id, year, family)
        share = None if front is None else front.get("top10_institutions_in_leader")
        named = None if front is None else front.get("institutions_listed")
        if share is None or not named:
            continue
        inside = round(share * named)
        leading = (
            f"the ten leading {who}"
            if named >= 10
            else f"the {number_word(named)} {who} with any credit (fewer than ten)"
        )
        said.append(
            f"{number_word(inside)} of {leading} in {family} "
            f"{'is' if inside == 1 else 'are'} in its leading country, {front['leader_name']}"
        )
    if not said:
        return None
    return "Leadership concentration: " + "; ".join(said) + "."


def sensitivity_words(data: SiteData, approach_id: str, year: int) -> str | None:
    """Whether the approach's leader holds under every sensitivity scenario, in words."""
    rows = sensitivity(data, year, approach_id)
    if rows.height == 0:
        return None
    names = country_names(data)
    changed = rows.filter(pl.col("leader_changed").fill_null(False))
    base = rows["baseline_leader_iso3"].drop_nulls()
    who = names.get(str(base[0]), str(base[0])) if base.len() else "the leader"
    total = rows.height
    if changed.height == 0:
        return (
            f"Sensitivity: {who} stays the leader under all {number_word(total)} scenarios "
            "(other weights, counting or classifier)."
        )
    moves = [
        f"under {r['label']} it becomes {names.get(str(r['leader_iso3']), r['leader_iso3'])}"
        for r in changed.iter_rows(named=True)
    ]
    return (
        f"Sensitivity: {who} stays the leader under {number_word(total - changed.height)} of "
        f"{number_word(total)} scenarios; {listed(moves)}."
    )


# ---- figures -----------------------------------------------------------------------


def composite_bars(
    frame: pl.DataFrame,
    bloc_members: set[str],
    bloc: str | None,
    threshold: float | None,
    interval: str,
    chart_id: str,
    title: str,
    caption: str,
) -> Chart:
    """The composite scores of the leading countries (first row on top) with their
    bootstrap intervals as whiskers, members of ``bloc`` in a contrasting colour and the
    within-reach threshold as a dashed line. ``frame`` has the rows of ``country_rows``."""
    shown = frame.reverse()
    score = [s or 0.0 for s in shown["score"]]
    low = [lo if lo is not None else s for lo, s in zip(shown["score_low"], score, strict=True)]
    high = [hi if hi is not None else s for hi, s in zip(shown["score_high"], score, strict=True)]
    hover = [
        f"{esc(r['entity_name'])}: score {score_text(r['score'])} ({interval} interval "
        f"{score_text(r['score_low'])} to {score_text(r['score_high'])}); rank {r['rank']} "
        f"({interval} interval {rank_span(r['rank_low'], r['rank_high'])})"
        + (
            f"; leads in {share_text(r['leader_probability'])} of resamples"
            if r["leader_probability"]
            else ""
        )
        for r in shown.iter_rows(named=True)
    ]
    member = [c in bloc_members for c in shown["entity_code"]]
    fig = go.Figure(
        go.Bar(
            x=score,
            # the label says membership too: a colour alone is lost to many readers
            y=[
                esc(f"{n} ({bloc})" if m and bloc is not None else n)
                for n, m in zip(shown["entity_name"], member, strict=True)
            ],
            orientation="h",
            marker_color=[MEMBER if m else OTHER for m in member],
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [h - s for h, s in zip(high, score, strict=True)],
                "arrayminus": [s - lo for s, lo in zip(score, low, strict=True)],
                "color": "#555",
            },
            hovertext=hover,
            hoverinfo="text",
        )
    )
    apply_layout(fig, title, height=max(320, 30 * shown.height + 140))
    fig.update_xaxes(title="composite score (the leading country = 1)", rangemode="tozero")
    notes = [f"Whiskers: the {interval} bootstrap interval of each score."]
    if bloc is not None:
        notes.append(f"Orange, and ({bloc}) after the name: members of {bloc}; blue: others.")
    if threshold is not None:
        dashed_line(fig, "within reach", x=threshold)
        notes.append(f"Dashed line: within reach of the frontier (a score of {threshold:g}).")
    if bloc is not None:
        frame = frame.with_columns(
            pl.col("entity_code").is_in(sorted(bloc_members)).alias("bloc_member")
        )
    return Chart(chart_id, fig, frame, caption, notes)


def bloc_trend(
    frame: pl.DataFrame,
    bloc: str,
    threshold: float | None,
    interval: str,
    chart_id: str,
    title: str,
    caption: str,
    incomplete: list[int],
) -> Chart:
    """The composite score of ``bloc``'s best member against the leader's (1) by year,
    with the best member's bootstrap interval and the within-reach threshold.
    ``frame`` has the rows of ``trend``."""
    fig = go.Figure()
    years = frame["year"].to_list()
    fig.add_trace(
        go.Scatter(
            x=years,
            y=[1.0] * frame.height,
            mode="lines+markers",
            name="The leader",
            line={"color": LEADER, "width": 2, "dash": "dot"},
            hovertext=[
                f"{y}: the leader, {esc(n or '-')} (score 1)"
                for y, n in zip(years, frame["leader_name"], strict=True)
            ],
            hoverinfo="text",
        )
    )
    score = frame["best_member_score"].to_list()
    low = [lo if lo is not None else s for lo, s in zip(frame["score_low"], score, strict=True)]
    high = [hi if hi is not None else s for hi, s in zip(frame["score_high"], score, strict=True)]
    fig.add_trace(
        go.Scatter(
            x=years,
            y=score,
            mode="lines+markers",
            name=esc(f"{bloc}'s best member"),
            line={"color": MEMBER, "width": 2},
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [
                    None if h is None or s is None else h - s
                    for h, s in zip(high, score, strict=True)
                ],
                "arrayminus": [
                    None if lo is None or s is None else s - lo
                    for s, lo in zip(score, low, strict=True)
                ],
                "color": MEMBER,
            },
            hovertext=[
                f"{r['year']}: {esc(r['best_member_name'] or '-')}, score "
                f"{score_text(r['best_member_score'])} ({interval} interval "
                f"{score_text(r['score_low'])} to {score_text(r['score_high'])}), rank "
                f"{'-' if r['best_member_rank'] is None else r['best_member_rank']}"
                for r in frame.iter_rows(named=True)
            ],
            hoverinfo="text",
        )
    )
    apply_layout(fig, title, height=420)
    fig.update_yaxes(title="composite score (the leader = 1)", rangemode="tozero")
    fig.update_xaxes(dtick=1, title="year")
    notes = [
        f"The leader's score is 1 by construction; the orange line is {bloc}'s best member "
        f"that year (hover for its name), with its {interval} bootstrap interval."
    ]
    if threshold is not None:
        dashed_line(fig, "within reach", y=threshold)
        notes.append(f"Dashed line: within reach (a score of {threshold:g}).")
    shown = [y for y in incomplete if y in set(years)]
    if shown:
        notes.append(shade_incomplete(fig, shown, "the families' data are still coming in"))
    return Chart(chart_id, fig, frame, caption, notes)


def trend(data: SiteData, approach_id: str) -> pl.DataFrame:
    """The focus bloc's best member against the composite leader per year of an approach,
    over the last ``TREND_YEARS`` complete years and the year in progress (not the later
    years that only announced funding reaches): year, leader_name, best_member_iso3,
    best_member_name, best_member_score, its bootstrap interval (score_low, score_high)
    and best_member_rank."""
    schema = {
        "year": pl.Int64,
        "leader_name": pl.String,
        "best_member_iso3": pl.String,
        "best_member_name": pl.String,
        "best_member_score": pl.Float64,
        "score_low": pl.Float64,
        "score_high": pl.Float64,
        "best_member_rank": pl.Int64,
    }
    rows = data.frontier_blocs
    if "is_focus_bloc" not in rows.columns:
        return pl.DataFrame(schema=schema)
    last = complete_year(data)
    # then the open years up to the one in progress
    current = data.incomplete_year
    after = [
        y
        for y in incomplete_years(data)
        if (last is None or y > last) and (current is None or y <= current)
    ]
    end = max(after, default=last)
    focus = rows.filter(pl.col("approach") == approach_id, pl.col("is_focus_bloc").fill_null(False))
    if last is not None and end is not None:
        focus = focus.filter(pl.col("year").is_between(last - TREND_YEARS + 1, end))
    leaders = (
        data.frontier.filter(
            pl.col("approach") == approach_id, pl.col("family") == COMPOSITE
        ).select("year", "leader_name")
        if "leader_name" in data.frontier.columns
        else pl.DataFrame(schema={"year": pl.Int64, "leader_name": pl.String})
    )
    intervals = (
        data.synthesis_scores.filter(
            pl.col("entity_type") == "country",
            pl.col("approach") == approach_id,
            pl.col("family") == COMPOSITE,
        ).select(
            "year",
            pl.col("entity_code").alias("best_member_iso3"),
            "score_low",
            "score_high",
        )
        if has_synthesis(data)
        else pl.DataFrame(schema={"year": pl.Int64, "best_member_iso3": pl.String})
    )
    return (
        focus.select(
            "year", "best_member_iso3", "best_member_name", "best_member_score", "best_member_rank"
        )
        .join(leaders, on="year", how="left")
        .join(intervals, on=["year", "best_member_iso3"], how="left")
        .select(list(schema))
        .cast(schema)
        .sort("year")
    )


# ---- tables ------------------------------------------------------------------------


def _of_ranked(span: str, row: dict) -> str:
    """A rank interval with how many countries the family ranks (``countries_ranked`` of
    ``row``): funding ranks only the countries with a funding record."""
    ranked = row.get("countries_ranked")
    return span if ranked is None else f"{span} of {int(ranked)}"


def family_table(data: SiteData, approach_id: str, year: int) -> Table:
    """The leader of every family and of the composite for an approach and year: value
    with its interval, how surely it leads, the runner-up and the ratio between them,
    the share of the ten leading institutions in the leader, and the family's weight."""
    interval = level(data)
    body = []
    missing = []
    measures = []
    for family in [*families(data), COMPOSITE]:
        front = leader(data, approach_id, year, family)
        rows = country_rows(data, approach_id, year, family)
        if front is None or front.get("leader_iso3") is None:
            missing.append(family_label(family).lower())
            continue
        mine = rows.filter(pl.col("entity_code") == front["leader_iso3"])
        own = mine.row(0, named=True) if mine.height else {}
        measure = own.get("measure") or front.get("measure") or ""
        if measure:
            measures.append(f"{family_label(family).lower()}, {measure}")
        value = amount(front.get("leader_value"), measure)
        low, high = front.get("leader_value_low"), front.get("leader_value_high")
        if low is not None and high is not None and low != high:
            value += f" ({amount(low, measure)} to {amount(high, measure)})"
        ratio = front.get("leader_runner_up_ratio")
        top10 = front.get("top10_institutions_in_leader")
        weight = own.get("weight")
        tied = front.get("leaders_tied") or 1
        body.append(
            [
                family_label(family),
                (front.get("leader_name") or "-")
                + (f" (tied with {number_word(tied - 1)} more)" if tied > 1 else ""),
                value,
                _of_ranked(rank_span(own.get("rank_low"), own.get("rank_high")), own)
                if own
                else _of_ranked(f"worst {ordinal(int(front['leader_rank_high']))}", front)
                if front.get("leader_rank_high") is not None
                else "-",
                share_text(front.get("leader_probability")),
                front.get("runner_up_name") or "-",
                "-" if ratio is None else f"{ratio:.2f}",
                share_text(top10),
                "-" if family == COMPOSITE else share_text(weight),
            ]
        )
    return Table(
        [
            "Family",
            "Leader",
            f"Value ({interval} interval)",
            "Leader's rank interval (of the countries ranked)",
            "Leads in (resamples)",
            "Runner-up",
            "Leader / runner-up",
            "Top-10 institutions in the leader",
            "Weight in that leader's composite",
        ],
        body,
        _caption(data, "each family's own measure; ratios and shares 0-1", str(year))
        + (f" Measures: {'; '.join(measures)}." if measures else "")
        + (
            f" No data for {listed(missing)} in this approach: left out of the composite."
            if missing
            else ""
        )
        + " Top-10 institutions: publications (institutions) and patents (applicants) only. "
        "Capability is held fixed in the bootstrap (a census of claims), so it has no interval. "
        "A leader 'tied with' others shares rank 1 with them (named: the first by ISO3; "
        "marts.frontier.leaders_tied); its runner-up is one of them.",
    )


def bloc_table(data: SiteData, approach_id: str, year: int) -> Table:
    """The frontier test of every bloc for an approach and year, the focus bloc first."""
    interval = level(data)
    body = []
    for r in bloc_rows(data, approach_id, year).iter_rows(named=True):
        within = within_words(data, r)
        assessed = len(split(r.get("families_assessed")))
        rank = r.get("best_member_rank")
        body.append(
            [
                bloc_name(data, r) + (" (focus)" if r.get("is_focus_bloc") else ""),
                "gap" if r.get("gap") else "covered",
                (", ".join(within) or "none") + (f" (of {assessed})" if assessed else ""),
                ", ".join(covering_words(data, r)) or "none",
                r.get("best_member_name") or "-",
                "-"
                if rank is None
                else f"{ordinal(int(rank))} ({interval} interval "
                f"{rank_span(r.get('best_member_rank_low'), r.get('best_member_rank_high'))})",
                score_text(r.get("best_member_score")),
                score_text(r.get("bloc_score")),
                "yes" if r.get("leader_is_member") else "no",
            ]
        )
    return Table(
        [
            "Bloc",
            "Frontier test",
            "Families within reach",
            "What covers it",
            "Best member",
            "Its composite rank",
            "Its score",
            "The bloc as one entity",
            "Leader a member",
        ],
        body,
        _caption(data, "composite score (the leading country = 1)", str(year))
        + f" What covers it: a member within reach {WHERE_IT_COUNTS} (capability: within "
        "reach of the best published result on at least one of the approach's metrics, how "
        "many in brackets). Public funding and supply chain are among the families within "
        "reach but do not cover a bloc on their own: money put in and trade in proxy lines "
        "are not capacity at the cutting edge. A bloc counted as one entity (its members' "
        "records once) may score above 1.",
    )


def glance_table(data: SiteData, year: int) -> Table:
    """One row per approach: the composite leader with its rank interval and how often it
    leads, the runner-up and the ratio, and the focus bloc's frontier test."""
    interval = level(data)
    bloc = focus_label(data)
    body = []
    for approach_id in approaches(data):
        rows = country_rows(data, approach_id, year, COMPOSITE)
        if rows.height == 0:
            continue
        top = rows.row(0, named=True)
        front = leader(data, approach_id, year, COMPOSITE) or {}
        focus = focus_row(data, approach_id, year)
        test = "-" if focus is None else "gap" if focus.get("gap") else "covered"
        gaps = bloc_rows(data, approach_id, year)
        gaps = gaps.filter(pl.col("gap").fill_null(False)) if gaps.height else gaps
        ratio = front.get("leader_runner_up_ratio")
        body.append(
            [
                Markup('<a href="#{}">{}</a>').format(
                    anchor(approach_id), label(data, approach_id)
                ),
                top["entity_name"],
                rank_span(top.get("rank_low"), top.get("rank_high")),
                share_text(top.get("leader_probability")),
                front.get("runner_up_name") or "-",
                "-" if ratio is None else f"{ratio:.2f}",
                test,
                ", ".join(bloc_name(data, r) for r in gaps.iter_rows(named=True)) or "none",
            ]
        )
    return Table(
        [
            "Approach",
            "Composite leader",
            f"Leader's rank ({interval} interval)",
            "Leads in (resamples)",
            "Runner-up",
            "Leader / runner-up",
            f"{bloc or 'Focus bloc'}",
            "Blocs with a gap",
        ],
        body,
        _caption(data, "rank; share of resamples; ratio of composites", str(year)),
    )


def scenario_rows(data: SiteData, year: int) -> list[dict]:
    """One summary per sensitivity scenario of ``year``: label, description, the
    approaches whose leader changes (in words: ``Superconducting qubits: United States to
    China``), how many approaches were compared and whether the aggregate 'all' was too,
    the average over approaches of the mean absolute rank shift, and the lowest and highest
    Spearman's rho."""
    rows = sensitivity(data, year)
    names = country_names(data)
    found = []
    for scenario in rows["scenario"].unique(maintain_order=True) if rows.height else []:
        mine = rows.filter(pl.col("scenario") == scenario)
        first = mine.row(0, named=True)
        shift = mine["mean_abs_rank_shift"].drop_nulls()
        rho = mine["spearman_rho"].drop_nulls()
        found.append(
            {
                "label": first["label"],
                "description": first["description"] or "",
                "changes": [
                    f"{label(data, r['approach'])}: "
                    f"{names.get(str(r['baseline_leader_iso3']), r['baseline_leader_iso3'])} to "
                    f"{names.get(str(r['leader_iso3']), r['leader_iso3'])}"
                    for r in mine.filter(pl.col("leader_changed").fill_null(False)).iter_rows(
                        named=True
                    )
                ],
                "approaches": mine.filter(pl.col("approach") != AGGREGATE).height,
                "aggregate": AGGREGATE in mine["approach"],
                "shift": shift.mean() if shift.len() else None,
                "rho": (rho.min(), rho.max()) if rho.len() else None,
            }
        )
    return found


def sensitivity_table(data: SiteData, year: int) -> Table:
    """Per scenario: what it changes, the approaches whose leader changes, how far ranks
    move on average and Spearman's rank correlation with the published ranking."""
    body = [
        [
            r["label"],
            r["description"] or "-",
            "; ".join(r["changes"])
            or f"none of {number_word(r['approaches'])}"
            + (f", nor {label(data, AGGREGATE).lower()}" if r["aggregate"] else ""),
            "-" if r["shift"] is None else f"{r['shift']:.1f}",
            "-" if r["rho"] is None else f"{r['rho'][0]:.2f} to {r['rho'][1]:.2f}",
        ]
        for r in scenario_rows(data, year)
    ]
    return Table(
        [
            "Scenario",
            "What changes",
            "Approaches whose leader changes",
            "Mean rank shift (places, average over approaches)",
            "Spearman's rho (lowest to highest)",
        ],
        body,
        _caption(data, "places; rank correlation (1 = the same order)", str(year))
        + " Source: marts.synthesis_sensitivity_summary (every approach in the SQL below).",
    )


def weights_table(data: SiteData) -> Table:
    """The published weights: family, weight as set, share of all weights."""
    published = weights(data)
    total = sum(published.values())
    return Table(
        ["Family", "Weight", "Share of all weights"],
        [
            [family_label(f), weight_text(w), share_text(w / total if total else None)]
            for f, w in published.items()
        ],
        "marts.synthesis_weights, from the synthesis settings file "
        f"({setting(data, 'config_path') or 'synthesis.yml'}). A family with no data for an "
        "approach drops out and the others' weights are divided by their sum.",
    )


# ---- the re-weightable composite ---------------------------------------------------


def _ranking(
    data: SiteData, approach_id: str, year: int, fams: list[str]
) -> tuple[pl.DataFrame, list[list]]:
    """The ranked countries' composite rows of an approach and year (``country_rows``),
    and the widget's row of each (see ``composite_widget``): the same on every page that
    shows the approach, so made once per site (``SiteData.derived_once``)."""
    comp = country_rows(data, approach_id, year, COMPOSITE).filter(pl.col("rank").is_not_null())
    parts = data.synthesis_scores.filter(
        pl.col("entity_type") == "country",
        pl.col("approach") == approach_id,
        pl.col("year") == year,
        pl.col("family").is_in(fams),
    )
    lookup = {
        (c, f): s
        for c, f, s in parts.select("entity_code", "family", "score").iter_rows()
        if s is not None
    }
    rows = []
    for r in comp.iter_rows(named=True):
        code = r["entity_code"]
        used = set(split(r.get("families"))) or set(fams)
        rows.append(
            [
                code,
                [round(lookup.get((code, f), 0.0), DIGITS) if f in used else None for f in fams],
                r["value"],
                r["score"],
                r["rank"],
                r.get("rank_low"),
                r.get("rank_high"),
                r.get("leader_probability"),
            ]
        )
    return comp, rows


def composite_widget(
    data: SiteData,
    widget_id: str,
    year: int,
    approach_ids: list[str],
    country: str | None = None,
) -> Composite | None:
    """The composite with a slider per family: in ``ranking`` mode the countries of one
    approach at a time (the first of ``approach_ids`` shown first), in ``country`` mode
    ``country``'s rank in each approach where it has a composite. The embedded JSON holds
    per approach one row per ranked country: [ISO3, family scores (in the order of
    ``families``; null for a family not used for it, 0 for a used one without a score),
    published composite value, score, rank, rank_low, rank_high, leader_probability].
    None when there is nothing to rank."""
    fams = families(data)
    published = weights(data)
    if not fams or not has_synthesis(data):
        return None
    interval = level(data)
    names: dict[str, str] = {}
    blocks = []
    shown_rows: list[list[str]] = []
    for approach_id in approach_ids:
        comp, rows = data.derived_once(
            ("composite ranking", approach_id, year, tuple(fams)),
            lambda approach_id=approach_id: _ranking(data, approach_id, year, fams),
        )
        if comp.height == 0 or (country is not None and country not in {r[0] for r in rows}):
            continue
        names.update(zip(comp["entity_code"], comp["entity_name"], strict=True))
        blocks.append({"id": approach_id, "label": label(data, approach_id), "rows": rows})
        if country is None and len(blocks) == 1:
            shown_rows = [
                [
                    str(r["rank"]),
                    r["entity_name"],
                    score_text(r["score"]),
                    rank_span(r.get("rank_low"), r.get("rank_high")),
                    share_text(r.get("leader_probability")),
                    "",
                ]
                for r in comp.head(WIDGET_TOP).iter_rows(named=True)
            ]
        elif country is not None:
            # the country's first row (by position: a Polars filter per page and approach
            # was hundreds of queries a site)
            mine = comp.row(comp["entity_code"].to_list().index(country), named=True)
            shown_rows.append(
                [
                    label(data, approach_id),
                    str(mine["rank"]),
                    str(comp.height),
                    score_text(mine["score"]),
                    rank_span(mine.get("rank_low"), mine.get("rank_high")),
                    comp.row(0, named=True)["entity_name"],
                ]
            )
    if not blocks:
        return None
    values = [published.get(f, 0.0) for f in fams]
    total = sum(values)
    columns = list(COUNTRY_COLUMNS if country else RANKING_COLUMNS)
    columns[columns.index("Rank interval")] = f"Rank interval ({interval}, published weights)"
    return Composite(
        id=widget_id,
        mode="country" if country else "ranking",
        data={
            "families": fams,
            "weights": values,
            "names": names,
            "country": country,
            "top": WIDGET_TOP,
            "approaches": blocks,
        },
        families=[
            (f, family_label(f), weight_text(w), share_text(w / total if total else None))
            for f, w in zip(fams, values, strict=True)
        ],
        approaches=[(b["id"], b["label"]) for b in blocks],
        columns=columns,
        rows=shown_rows,
        caption=_caption(data, "composite score (the leading country = 1)", str(year))
        + " Shares beside the sliders are of all weights; where a country has no data in a "
        "family for an approach, its composite divides the other families' weights by their "
        "sum. A rank interval spans the middle "
        f"{interval} of a country's ranks over resamples of the records; where few records "
        "stand behind a small score, the resampled scores are skewed and the interval can "
        "leave out the published rank itself.",
        max_weight=float(max(MIN_SLIDER_MAX, math.ceil(2 * max(values, default=0)))),
        step="0.5" if all((2 * w).is_integer() for w in values) else "any",
    )


# ---- the pages ---------------------------------------------------------------------


def _box() -> Markup:
    """The boxed note at the top of the frontier page: what the composite is."""
    return Markup('<span class="caveat" role="note"><strong>Read first.</strong> {}</span>').format(
        CAVEAT + " A gap is a signal to look closer, not a verdict; see Methods for what "
        "the intervals cover and what they do not."
    )


def overview(data: SiteData) -> list[Section]:
    """The composite on the overview: who leads how many approaches, and the ranking of
    one approach at a time with sliders for the weights."""
    year = complete_year(data)
    if year is None:
        return []
    ids = approaches(data)
    widget = composite_widget(data, "composite-overview", year, ids)
    if widget is None:
        return []
    leaders: dict[str, int] = {}
    overall = None
    # an adjacent approach (post-quantum cryptography) is not quantum technology: its
    # leader is said apart, not counted among the approaches led
    apart: list[str] = []
    for approach_id in ids:
        rows = country_rows(data, approach_id, year, COMPOSITE)
        if rows.height and rows["rank"][0] == 1:
            name = str(rows["entity_name"][0])
            if approach_id == AGGREGATE:
                overall = name
            elif common.is_adjacent(data, approach_id):
                apart.append(f"{name} leads {label(data, approach_id).lower()}")
            else:
                leaders[name] = leaders.get(name, 0) + 1
    ranked = sorted(leaders.items(), key=lambda item: (-item[1], item[0]))
    shown = [a for a, _ in widget.approaches if a != AGGREGATE and not common.is_adjacent(data, a)]
    said = [
        f"Who leads each approach when every indicator family is put together, in {year} "
        "(the latest year complete in every family it averages: patents and trade are "
        "complete later than publications): each family's score is a country's value "
        "divided by the leading country's, and the composite is their weighted mean. "
        + (
            "Composite leaders: "
            + listed([f"{name} in {number_word(n)}" for name, n in ranked])
            + f" of {number_word(len(shown))} approach{'' if len(shown) == 1 else 'es'}"
            + (f"; {overall} leads {together(data)}." if overall else ".")
            + (f" Adjacent, reported apart: {listed(apart)}." if apart else "")
            if ranked
            else ""
        ),
        CAVEAT,
    ]
    missing = missing_families_words(data, year)
    if missing:
        said.append(missing)
    if is_sample(data):
        said.append("SYNTHETIC SAMPLE: the scores mix invented and reviewed data.")
    return [
        Section(
            "Who leads overall: the composite",
            said,
            composites=[widget],
            links=[
                (
                    "See also",
                    [
                        (PAGE, "Every approach's frontier, blocs and sensitivity"),
                        ("methods.html#composite", "How the composite is made"),
                    ],
                )
            ],
        )
    ]


def missing_families_words(
    data: SiteData, year: int, top: int = 5, approach_id: str = AGGREGATE
) -> str | None:
    """Which of the ``top`` countries of the composite of ``approach_id`` (every approach
    together by default) in ``year`` lack a family that others there have (a composite
    averages the families a country has data in, so one country's family can lift it
    above rivals without it), in words; None when none lacks one."""
    rows = country_rows(data, approach_id, year, COMPOSITE).head(top)
    if rows.height == 0 or "families" not in rows.columns:
        return None
    held = {
        code: set(str(f or "").split(",")) - {""}
        for code, f in rows.select("entity_code", "families").iter_rows()
    }
    used = set().union(*held.values())
    order = in_family_order(data, used)
    # the countries lacking the same families said together, in the order of rank
    by_gap: dict[tuple[str, ...], list[str]] = {}
    for code, name in rows.select("entity_code", "entity_name").iter_rows():
        gap = tuple(f for f in order if f not in held[code])
        if gap:
            by_gap.setdefault(gap, []).append(str(name))
    lacking = [
        f"{listed(names)} {'has' if len(names) == 1 else 'have'} no "
        + listed([family_label(f).lower() for f in gap])
        + " score"
        for gap, names in by_gap.items()
    ]
    if not lacking:
        return None
    return (
        f"Of the {number_word(rows.height)} highest ranked for "
        + (together(data) if approach_id == AGGREGATE else label(data, approach_id).lower())
        + f" in {year}, "
        + listed(lacking)
        + ": a composite averages the families a country has data in, so a country can rank "
        "above one that lacks a family on the strength of that family alone (read the "
        "family scores, and the sensitivity without it)."
    )


def approach(data: SiteData, approach_id: str) -> list[Section]:
    """An approach page's frontier section: the composite leader, the focus bloc's
    frontier test and the sensitivity, with a link to the frontier page; [] without."""
    year = complete_year(data)
    if year is None or approach_id not in approaches(data):
        return []
    focus = focus_row(data, approach_id, year)
    said = [
        line
        for line in (
            leader_paragraph(data, approach_id, year),
            coverage_words(data, focus, label(data, approach_id), year, level(data))
            if focus
            else None,
            sensitivity_words(data, approach_id, year),
        )
        if line
    ]
    if not said:
        return []
    return [
        Section(
            "The frontier: the composite of every family",
            said,
            links=[
                (
                    "Frontier",
                    [(f"{PAGE}#{anchor(approach_id)}", "Every family's leader and every bloc")],
                )
            ],
        )
    ]


def country(data: SiteData, iso3: str) -> list[Section]:
    """A country's composite standing: its rank in every approach with its interval, the
    approaches it leads and where it is within reach, with sliders for the weights."""
    year = complete_year(data)
    if year is None:
        return []
    widget = composite_widget(data, safe_id("composite", iso3), year, approaches(data), iso3)
    if widget is None:
        return [_no_standing(data, iso3, year)] if families(data) and has_synthesis(data) else []
    mine = data.synthesis_scores.filter(
        pl.col("entity_type") == "country",
        pl.col("entity_code") == iso3,
        pl.col("year") == year,
        pl.col("family") == COMPOSITE,
        pl.col("rank").is_not_null(),
    )
    name = str(mine["entity_name"][0])
    own = mine.filter(pl.col("approach") != AGGREGATE)
    overall = mine.filter(pl.col("approach") == AGGREGATE)
    leads = own.filter(pl.col("rank") == 1).height
    threshold = reach(data)
    within = (
        own.filter(pl.col("within_reach").fill_null(False)).height
        if "within_reach" in own.columns
        else 0
    )
    said = (
        f"In {year}, {name} is ranked on the composite in {number_word(own.height)} "
        f"approach{'' if own.height == 1 else 'es'}; it leads in {how_many(leads)}"
        + (
            f" and is within reach of the frontier (a score of at least {threshold:g}) in "
            f"{how_many(within)}."
            if threshold is not None
            else "."
        )
        + (
            f" On {together(data)} it ranks {ordinal(int(overall['rank'][0]))}."
            if overall.height
            else ""
        )
        + " Move the weights to see how its ranks depend on them."
    )
    return [
        Section(
            "The composite: where it stands",
            [said],
            composites=[widget],
            links=[("Frontier", [(PAGE, "Every approach's frontier, blocs and sensitivity")])],
        )
    ]


def _no_standing(data: SiteData, iso3: str, year: int) -> Section:
    """The composite section of a country with no composite in ``year`` (no score in any
    family of any approach then): says so, and names the years it has one, incomplete
    ones marked."""
    name = country_names(data).get(iso3, iso3)
    rows = data.synthesis_scores.filter(
        pl.col("entity_type") == "country",
        pl.col("entity_code") == iso3,
        pl.col("family") == COMPOSITE,
    )
    incomplete = (
        set(rows.filter(pl.col("year_incomplete"))["year"].to_list())
        if "year_incomplete" in rows.columns
        else set()
    )
    years = [
        f"{y} (incomplete)" if y in incomplete else str(y)
        for y in sorted(set(rows["year"].to_list()))
    ]
    said = (
        f"In {year}, the latest year whose composite is complete, {name} has no score in "
        "any family of any approach (a funding figure has none in a year without a "
        "deflator to put it in constant dollars), so it has no place in the composite and "
        "no sliders to move. "
        + (f"It has one in {listed(years)}." if years else "It has none in any year.")
    )
    return Section(
        "The composite: where it stands",
        [said],
        links=[("Frontier", [(PAGE, "Every approach's frontier, blocs and sensitivity")])],
    )


def _approach_section(data: SiteData, approach_id: str, year: int) -> Section:
    """One approach on the frontier page: the leaders of every family and of the
    composite, the blocs' frontier test, the composite chart and the focus bloc's trend."""
    name = label(data, approach_id)
    interval = level(data)
    bloc, shown = focus_bloc(data), focus_label(data)
    threshold = reach(data)
    focus = focus_row(data, approach_id, year)
    said = [
        line
        for line in (
            leader_paragraph(data, approach_id, year),
            coverage_words(data, focus, name, year, interval) if focus else None,
            concentration_words(data, approach_id, year),
            sensitivity_words(data, approach_id, year),
            missing_families_words(data, year, approach_id=approach_id),
        )
        if line
    ]
    top = country_rows(data, approach_id, year, COMPOSITE).filter(pl.col("rank").is_not_null())
    top = top.head(TOP).select(
        "entity_code",
        "entity_name",
        "value",
        "score",
        "score_low",
        "score_high",
        "rank",
        "rank_low",
        "rank_high",
        "leader_probability",
    )
    charts = []
    if top.height:
        first = top.row(0, named=True)
        charts.append(
            composite_bars(
                top,
                common.bloc_members(data, bloc, year),
                shown,
                threshold,
                interval,
                safe_id("frontier", approach_id, "composite"),
                composite_title(name, first, year),
                _caption(data, "composite score (the leading country = 1)", str(year)),
            )
        )
    series = trend(data, approach_id)
    if series.height > 1 and shown is not None:
        charts.append(
            bloc_trend(
                series,
                shown,
                threshold,
                interval,
                safe_id("frontier", approach_id, "trend"),
                f"{name}: {shown}'s best member against the leader",
                _caption(
                    data,
                    "composite score (the leader = 1)",
                    f"{series['year'].min()}-{series['year'].max()}",
                ),
                incomplete_years(data),
            )
        )
    tables = [family_table(data, approach_id, year)]
    if bloc_rows(data, approach_id, year).height:
        tables.append(bloc_table(data, approach_id, year))
    return Section(
        name,
        said or [f"Nothing to rank for {name} in {year}."],
        charts=charts,
        tables=tables,
        code=approach_sql(approach_id, year),
        anchor=anchor(approach_id),
    )


def _sensitivity_section(data: SiteData, year: int) -> Section:
    """How rankings move under every scenario, in words and as a table."""
    found = scenario_rows(data, year)
    if not found:
        return Section(
            "How rankings move: sensitivity",
            ["This published file holds no sensitivity scenarios."],
        )
    moved = [r["label"] for r in found if r["changes"]]
    said = [
        "Each scenario recomputes the composite with one choice changed (the weights, the "
        "counting or the classifier) and compares it with the published ranking.",
        f"The leader of at least one approach changes under {how_many(len(moved))} of "
        f"{number_word(len(found))} scenarios"
        + (f" ({listed(moved)})." if moved else ": every leader holds."),
    ]
    return Section(
        "How rankings move: sensitivity",
        said,
        tables=[sensitivity_table(data, year)],
        code=sensitivity_sql(year),
        anchor="sensitivity",
    )


def page(data: SiteData) -> list[Section]:
    """The frontier page: what it shows and the weights, every approach at a glance, one
    section per approach, and the sensitivity of the rankings."""
    if not has_synthesis(data):
        return [Section("The frontier", ["This published file holds no synthesis tables."])]
    year = complete_year(data)
    if year is None:
        return [Section("The frontier", ["No complete year of synthesis scores yet."])]
    bloc = focus_label(data)
    threshold = reach(data)
    intro = [
        _box(),
        "Per technology approach: who leads each indicator family and the composite of "
        "all of them, how sure that is (bootstrap intervals of ranks and the share of "
        "resamples in which the leader leads), how far ahead the leader is, and which blocs "
        "have a member within reach of the frontier"
        + (f" (a score of at least {threshold:g}, the leader being 1)" if threshold else "")
        + f". {bloc or 'The focus bloc'} is shown first; every bloc is tested.",
    ]
    if is_sample(data):
        intro.append(
            "SYNTHETIC SAMPLE: the scores combine the invented demonstration sample with the "
            "real, reviewed capability registry and programme figures; do not cite them."
        )
    sections = [
        Section(
            "What this page shows",
            intro,
            tables=[weights_table(data)] if weights(data) else [],
            links=[
                (
                    "See also",
                    [
                        ("security.html", "The research-security lens"),
                        ("methods.html#composite", "How the composite and intervals are made"),
                    ],
                )
            ],
        )
    ]
    ids = approaches(data)
    # an adjacent approach (post-quantum cryptography) is tested, but said apart
    tested = [
        a for a in ids if focus_row(data, a, year) is not None and not common.is_adjacent(data, a)
    ]
    gaps = [label(data, a) for a in tested if (focus_row(data, a, year) or {}).get("gap")]
    adjacent = [a for a in ids if focus_row(data, a, year) is not None and a not in tested]
    glance = [
        f"The composite leader of every approach in {year}, how surely it leads, and the "
        "frontier test of the blocs. Click an approach for its section."
    ]
    if bloc is not None and tested:
        glance.append(
            f"{bloc} has no member within reach of the frontier for {listed(gaps)} in {year} "
            f"{WHERE_IT_COUNTS}: a signal for action, read the caveats."
            if gaps
            else f"{bloc} has a member within reach of the frontier in all "
            f"{number_word(len([a for a in tested if a != AGGREGATE]))} approaches where a "
            "member is ranked"
            + (f" and in {together(data)}" if AGGREGATE in tested else "")
            + f", in {year}."
        )
    for approach_id in adjacent if bloc is not None else []:
        row = focus_row(data, approach_id, year) or {}
        glance.append(
            f"{label(data, approach_id)} (adjacent, reported apart): {bloc} "
            + (
                "has no member within reach."
                if row.get("gap")
                else "has a member within reach."
                if row.get("covered")
                else "has no member ranked."
            )
        )
    sections.append(
        Section(
            "The frontier at a glance",
            glance,
            tables=[glance_table(data, year)],
            code=glance_sql(year),
        )
    )
    sections += [_approach_section(data, a, year) for a in ids]
    sections.append(_sensitivity_section(data, year))
    return sections


def methods(data: SiteData) -> list[Section]:
    """Plain-language notes on the composite (normalisation, weights, families without
    data), the bootstrap, the frontier test and the sensitivity scenarios, with the
    settings of the run and SQL that rebuilds the composite."""
    if not has_synthesis(data):
        return []
    interval = level(data)
    threshold = reach(data)
    replicates = setting(data, "replicates")
    seed = setting(data, "seed")
    bloc = focus_label(data)
    said = [
        Markup('<span id="composite">{}</span>').format(
            "Normalisation. Each family's score is a country's value divided by the leading "
            "country's value in the same approach and year: 1 is the leader, 0.5 half the "
            "leader's value. A bloc, its members' records counted once, is divided by the "
            "same leading country's value and may score above 1."
        ),
        "Weights. The composite is the weighted mean of the family scores, with the weights "
        "of the synthesis settings file (table below); they need not add up to one. A "
        "family with no data for an approach (no hardware milestones, say) drops out, and "
        "the other families' weights are divided by their sum, so the composite stays on "
        "the same scale. Funding drops out in the same way for a country without a "
        "funding record in the approach and year: the family reads national programme "
        "figures and the grants of three funders (NSF, CORDIS, UKRI), not every country's "
        "budget, so a missing record means its funding is unknown, not zero. The sliders "
        "on the overview and country pages recompute the composite in your browser from "
        "the family scores on the page; the intervals belong to the published weights.",
        "Intervals. The records behind each family (works, patent families, grants and "
        "national programme figures of each year, researchers, trade flows) are resampled "
        "with replacement"
        + (f" {replicates} times" if replicates else "")
        + (f" (seed {seed})" if seed else "")
        + "; every score, composite and rank is recomputed in each resample, and the central "
        f"{interval} of the results is reported. 'Leads in 87% of resamples' means the "
        "country ranked first in 87% of them. Capability is held fixed: the milestone "
        "registry is a census of published claims, not a sample, so resampling it would "
        "invent an uncertainty that is not there. The intervals say how much a ranking "
        "depends on which records happen to be in the data; they do not cover errors of "
        "coverage, classification or choice of weights. The scores on the frontier page "
        "carry no small-number flag of their own: where a family rests on a few records (a "
        "handful of works or families in a small approach), its wide interval and a leader "
        "leading in few resamples are the sign; the family pages flag such values.",
        "The frontier test. A country is within reach of the frontier in a family when its "
        "score is at least "
        + (f"{threshold:g}" if threshold is not None else "the reach setting")
        + ". A bloc covers an approach when at least one member is within reach where "
        "capacity at the cutting edge is measured: in publications, patents or researchers; "
        "on a capability metric, within reach of the best published hardware result (holding "
        "it counts; each metric has its own reach, a factor of two for counts and distances, "
        "an order of magnitude for the others); or in the composite. Otherwise it has a gap. "
        "Public funding (money put in) and supply chain (trade in customs lines that are "
        "mostly not quantum) are shown beside the test but do not cover a bloc on their own. "
        "Capability is read metric by metric, not by its family score, which averages over "
        "all of the approach's metrics with 0 where a country has no result: a country "
        "holding one record can score below the reach. "
        "A gap is a signal to look closer, not a verdict: a family with few records, a "
        "blind spot of the classifier or a missing source can make one. "
        f"{bloc or 'The focus bloc'} is shown first; every bloc is tested.",
        "Leadership concentration. The leader / runner-up ratio divides the leader's value by "
        "the runner-up's (2 means twice as much); the share of the ten leading institutions "
        "(publications) or applicants (patents) located in the leading country says whether "
        "a lead rests on a few organisations.",
        "Sensitivity. Each scenario recomputes the composite with one choice changed and "
        "compares it with the published ranking: whether the leader changes, Spearman's "
        "rank correlation (1 = the same order) and the mean absolute change of rank.",
    ]
    tables = []
    if weights(data):
        tables.append(weights_table(data))
    scenarios = data.synthesis_scenarios
    if {"scenario", "label"} <= set(scenarios.columns) and scenarios.height:
        tables.append(
            Table(
                ["Scenario", "What changes"],
                [
                    [r["label"] or r["scenario"], r.get("description") or "-"]
                    for r in scenarios.iter_rows(named=True)
                ],
                "marts.synthesis_scenarios.",
            )
        )
    settings = data.synthesis_settings
    if {"key", "value"} <= set(settings.columns) and settings.height:
        tables.append(
            Table(
                ["Setting", "Value", "What it means"],
                [
                    [r["key"], r["value"] or "-", r.get("description") or "-"]
                    for r in settings.iter_rows(named=True)
                ],
                "meta.synthesis_settings: the settings this build used.",
            )
        )
    return [
        Section(
            "The composite, its intervals and the frontier test",
            said,
            tables=tables,
            links=[("Frontier", [(PAGE, TITLE)])],
        ),
        Section(
            "The composite: rebuild it from the family scores",
            [
                "The composite of every country, approach and year from the family scores and "
                "the published weights, over the families each composite used; compare with "
                "value in the composite rows of marts.synthesis_scores."
            ],
            code=reproduce_sql(),
        ),
    ]


# ---- SQL to reproduce each chart and table ----------------------------------------


def reproduce_sql() -> str:
    """SQL that rebuilds every composite value from the family scores and the weights."""
    return (
        "-- duckdb -readonly qcm.duckdb\n"
        "with used as (\n"
        "    select entity_code, approach, year,\n"
        "        trim(unnest(string_split(families, ','))) as family\n"
        "    from marts.synthesis_scores\n"
        "    where family = 'composite' and entity_type = 'country'\n"
        ")\n"
        "select used.entity_code, used.approach, used.year,\n"
        "    sum(w.weight * coalesce(s.score, 0)) / sum(w.weight) as composite\n"
        "from used\n"
        "inner join marts.synthesis_weights as w on w.family = used.family\n"
        "left join marts.synthesis_scores as s\n"
        "    on s.entity_type = 'country' and s.entity_code = used.entity_code\n"
        "    and s.approach = used.approach and s.year = used.year and s.family = used.family\n"
        "group by all\n"
        "order by used.approach, used.year, composite desc;"
    )


def glance_sql(year: int) -> str:
    """SQL for the table at a glance: the composite leader of every approach."""
    return (
        "-- duckdb -readonly qcm.duckdb\n"
        "select approach, leader_name, leader_probability, leader_rank_high,\n"
        "    runner_up_name, round(leader_runner_up_ratio, 2) as ratio\n"
        "from marts.frontier\n"
        f"where family = 'composite' and year = {year}\n"
        "order by approach;"
    )


def approach_sql(approach_id: str, year: int) -> str:
    """SQL for an approach's section: the composite ranking, then the blocs' test."""
    a = sql_text(approach_id)
    return (
        "-- duckdb -readonly qcm.duckdb\n"
        "select rank, entity_name, round(score, 3) as score, rank_low, rank_high,\n"
        "    leader_probability\n"
        "from marts.synthesis_scores\n"
        f"where family = 'composite' and entity_type = 'country' and approach = {a}\n"
        f"  and year = {year}\n"
        "order by rank\n"
        f"limit {TOP};\n"
        "select bloc, covered, gap, families_within_reach, capability_metrics_within_reach,\n"
        "    best_member_name, best_member_rank,\n"
        "    round(best_member_score, 3) as best_member_score\n"
        "from marts.frontier_blocs\n"
        f"where approach = {a} and year = {year}\n"
        "order by is_focus_bloc desc, bloc;"
    )


def sensitivity_sql(year: int) -> str:
    """SQL for the sensitivity table."""
    return (
        "-- duckdb -readonly qcm.duckdb\n"
        "select s.label, m.approach, m.baseline_leader_iso3, m.leader_iso3, m.leader_changed,\n"
        "    round(m.spearman_rho, 2) as spearman_rho,\n"
        "    round(m.mean_abs_rank_shift, 1) as mean_abs_rank_shift\n"
        "from marts.synthesis_sensitivity_summary as m\n"
        "inner join marts.synthesis_scenarios as s using (scenario)\n"
        f"where m.year = {year}\n"
        "order by m.scenario, m.approach;"
    )
