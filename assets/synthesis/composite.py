"""Normalised family scores, the composite and ranks per approach and year, with
bootstrap intervals, and the sensitivity scenarios.

A family's score is a country's value divided by the leading country's value in the
same approach and year. The composite is the weighted mean of the family scores over the
families with data for that approach and year (weights divided by their sum over those
families). A family of ``UNKNOWN_WITHOUT_RECORDS`` (funding: national programme figures
and three funders' grants, not every country's budget) counts for a country only when
it has a record there: without one its funding is unknown, not zero, and its composite
is the weighted mean over its other families. A bloc's value is the sum of its members'
values (every family's value is a share of records split over countries, so the members'
shares add up to the bloc's share with each record counted once), except capability,
where the bloc takes its best member's closeness metric by metric (computed in SQL).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from assets.synthesis.bootstrap import GroupValues, ranks

COMPOSITE = "composite"
MEASURES = {
    "publications": "share of the world's works (fractional count)",
    "patents": "share of the world's patent families (applicants, fractional, all families)",
    "funding": "share of public funding in constant US dollars (national programmes for all "
    "quantum; NSF, CORDIS and UKRI grants per approach)",
    "workforce": "share of the world's active quantum researchers",
    "supply_chain": "share of world exports of the approach's component lines (bilateral flows)",
    "capability": "mean closeness to the hardware frontier over the approach's metrics "
    "(10 to the minus orders of magnitude behind; 0 without a result)",
    COMPOSITE: "weighted mean of the family scores",
}

Key = tuple[str, int]  # (approach, year)
# families whose records cover some countries only: a country without a record there has
# no value in them (the composite leaves them out for it), where other families read 0
UNKNOWN_WITHOUT_RECORDS = frozenset({"funding"})


@dataclass(frozen=True)
class Aligned:
    """One family's values of an approach and year aligned to the ranked countries."""

    value: np.ndarray  # (countries,)
    resampled: np.ndarray  # (replicates, countries)
    leader_value: float
    leader_resampled: np.ndarray  # (replicates,)
    credited: np.ndarray  # (countries,) whether the family has records of the country

    @property
    def score(self) -> np.ndarray:
        return self.value / self.leader_value

    @property
    def score_resampled(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.nan_to_num(self.resampled / self.leader_resampled[:, None])


def align(group: GroupValues, ranked: list[str], replicates: int) -> Aligned | None:
    """``group``'s values for the ``ranked`` countries (0 where not credited); None when
    no ranked country has a positive value (the family has no data there)."""
    position = {code: i for i, code in enumerate(group.countries)}
    take = np.array([position.get(code, -1) for code in ranked])
    value = np.where(take >= 0, group.value[np.maximum(take, 0)], 0.0)
    if value.max(initial=0.0) <= 0:
        return None
    # a family held fixed (not resampled) repeats its point values in every resample
    source = group.resampled if group.resampled is not None else group.value[None, :]
    resampled = np.where(take >= 0, source[:, np.maximum(take, 0)], 0.0)
    if group.resampled is None:
        resampled = np.repeat(resampled, replicates, axis=0)
    return Aligned(value, resampled, float(value.max()), resampled.max(axis=1), take >= 0)


def known(family: str, credited: np.ndarray) -> np.ndarray:
    """Where ``family``'s score counts in the composite: everywhere, or for a family of
    ``UNKNOWN_WITHOUT_RECORDS`` where it has records (``credited``)."""
    return credited if family in UNKNOWN_WITHOUT_RECORDS else np.ones_like(credited, bool)


def bloc_values(group: GroupValues, members: list[str]) -> tuple[float, np.ndarray | None]:
    """A bloc's value in ``group`` (its members' values summed) and its resamples."""
    position = {code: i for i, code in enumerate(group.countries)}
    take = [position[code] for code in members if code in position]
    resampled = None if group.resampled is None else group.resampled[:, take].sum(axis=1)
    return float(group.value[take].sum()), resampled


def composite_of(
    scores: Mapping[str, np.ndarray],
    weights: Mapping[str, float],
    counts: Mapping[str, np.ndarray] | None = None,
) -> tuple[np.ndarray, list[str]] | None:
    """The weighted mean of the ``scores`` of the families with a positive weight and the
    families used; None when none.

    ``counts[family]`` (per country, broadcast over resamples; all true when absent) says
    where a family's score counts: each country's weights are divided by their sum over
    the families that count for it, and a country for which none counts gets 0. The sums
    run in the families' alphabetical order, so the result never depends on the order in
    which the scores were gathered."""
    used = [f for f in scores if weights.get(f, 0) > 0]
    if not used:
        return None
    counts = counts or {}
    weight = {f: weights[f] * np.asarray(counts.get(f, True), float) for f in used}
    total = sum(weight[f] for f in sorted(used))
    mean = sum(scores[f] * weight[f] for f in sorted(used))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, mean / total, 0.0), used


class _Intervals:
    """Bootstrap intervals of many (replicates x k) matrices, taken column by column in
    one ``np.quantile`` call per method: a quantile of a column depends on that column
    alone, so the bounds are those of one call per matrix, at a fraction of the calls
    (there were tens of thousands, most of the composite's time outside the bootstrap)."""

    def __init__(self, level: float) -> None:
        self.low = (1 - level) / 2
        self.parts: dict[str, list[np.ndarray]] = {"linear": [], "inverted_cdf": []}
        self.bounds: dict[str, np.ndarray] = {}

    def add(self, matrix: np.ndarray, method: str = "linear") -> tuple[str, int, int]:
        """Ask for the interval of each column of ``matrix`` (a vector is one column); the
        handle gives the (2 x k) bounds once ``solve`` has run."""
        columns = matrix.reshape(len(matrix), -1)
        parts = self.parts[method]
        start = sum(part.shape[1] for part in parts)
        parts.append(columns)
        return method, start, start + columns.shape[1]

    def solve(self) -> None:
        """Take every interval asked for, one quantile call per method."""
        self.bounds = {
            method: np.quantile(np.hstack(parts), [self.low, 1 - self.low], axis=0, method=method)
            for method, parts in self.parts.items()
            if parts
        }

    def __getitem__(self, handle: tuple[str, int, int]) -> np.ndarray:
        method, start, stop = handle
        return self.bounds[method][:, start:stop]


Rows = Callable[[], list[dict[str, object]]]


def _country_rows(
    key: Key,
    family: str,
    ranked: list[str],
    value: np.ndarray,
    resampled: np.ndarray,
    score: np.ndarray,
    score_resampled: np.ndarray,
    intervals: _Intervals,
) -> Rows:
    """The rows of the ``ranked`` countries, made once ``intervals`` is solved."""
    rank = ranks(score)
    rank_resampled = ranks(score_resampled)
    value_asked = intervals.add(resampled)
    score_asked = intervals.add(score_resampled)
    rank_asked = intervals.add(rank_resampled, "inverted_cdf")
    leads = (rank_resampled == 1).mean(axis=0)

    def rows() -> list[dict[str, object]]:
        value_bounds = intervals[value_asked]
        score_bounds = intervals[score_asked]
        rank_bounds = intervals[rank_asked]
        return [
            {
                "entity_type": "country",
                "entity_code": code,
                "approach": key[0],
                "year": key[1],
                "family": family,
                "measure": MEASURES[family],
                "value": float(value[i]),
                "value_low": float(value_bounds[0, i]),
                "value_high": float(value_bounds[1, i]),
                "score": float(score[i]),
                "score_low": float(score_bounds[0, i]),
                "score_high": float(score_bounds[1, i]),
                "rank": int(rank[i]),
                "rank_low": int(rank_bounds[0, i]),
                "rank_high": int(rank_bounds[1, i]),
                "countries_ranked": len(ranked),
                "leader_probability": float(leads[i]),
            }
            for i, code in enumerate(ranked)
        ]

    return rows


def _bloc_row(
    key: Key,
    family: str,
    bloc: str,
    value: float,
    resampled: np.ndarray,
    score: float,
    score_resampled: np.ndarray,
    intervals: _Intervals,
) -> Rows:
    """The bloc's row, made once ``intervals`` is solved."""
    value_asked = intervals.add(resampled)
    score_asked = intervals.add(score_resampled)

    def rows() -> list[dict[str, object]]:
        value_bounds = intervals[value_asked][:, 0]
        score_bounds = intervals[score_asked][:, 0]
        return [
            {
                "entity_type": "bloc",
                "entity_code": bloc,
                "approach": key[0],
                "year": key[1],
                "family": family,
                "measure": MEASURES[family],
                "value": value,
                "value_low": float(value_bounds[0]),
                "value_high": float(value_bounds[1]),
                "score": score,
                "score_low": float(score_bounds[0]),
                "score_high": float(score_bounds[1]),
            }
        ]

    return rows


def _composite_rows(
    key: Key,
    ranked: list[str],
    aligned: Mapping[str, Aligned],
    bloc_scores: Mapping[str, Mapping[str, tuple[float, np.ndarray, bool]]],
    weights: Mapping[str, float],
    intervals: _Intervals,
) -> list[Rows]:
    """The composite's rows of the ``ranked`` countries and of each bloc of
    ``bloc_scores`` (bloc -> family -> score, resampled scores and whether a member has
    records), each naming the families it combines for that entity; none when no family
    with a weight has data."""
    counts = {f: known(f, a.credited) for f, a in aligned.items()}
    combined = composite_of({f: a.score for f, a in aligned.items()}, weights, counts)
    if combined is None:
        return []
    value, used = combined
    resampled = composite_of({f: aligned[f].score_resampled for f in used}, weights, counts)[0]
    leader, leader_resampled = value.max(), resampled.max(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        score_resampled = np.nan_to_num(resampled / leader_resampled[:, None])
    rows = _country_rows(
        key, COMPOSITE, ranked, value, resampled, value / leader, score_resampled, intervals
    )
    names = {code: [f for f in used if counts[f][i]] for i, code in enumerate(ranked)}
    made = [_naming(rows, names)]
    for bloc, scores in bloc_scores.items():
        bloc_counts = {f: known(f, np.array(scores[f][2])) for f in used}
        bloc_value = composite_of({f: scores[f][0] for f in used}, weights, bloc_counts)[0]
        bloc_resampled = composite_of({f: scores[f][1] for f in used}, weights, bloc_counts)[0]
        with np.errstate(invalid="ignore", divide="ignore"):
            bloc_score_resampled = np.nan_to_num(bloc_resampled / leader_resampled)
        row = _bloc_row(
            key,
            COMPOSITE,
            bloc,
            float(bloc_value),
            bloc_resampled,
            float(bloc_value / leader),
            bloc_score_resampled,
            intervals,
        )
        made.append(_naming(row, {bloc: [f for f in used if bloc_counts[f]]}))
    return made


def _naming(rows: Rows, families: Mapping[str, list[str]]) -> Rows:
    """``rows``, each naming the families the composite combines for its entity."""
    return lambda: [row | {"families": ",".join(families[row["entity_code"]])} for row in rows()]


def synthesise(
    groups: Mapping[Key, Mapping[str, GroupValues]],
    bloc_capability: Mapping[tuple[str, int, str], float],
    weights: Mapping[str, float],
    rankable: set[str],
    members: Mapping[tuple[str, int], list[str]],
    replicates: int,
    level: float,
) -> pl.DataFrame:
    """Score rows of every family and the composite, per approach and year.

    ``groups[(approach, year)][family]`` are a family's values there; ``bloc_capability``
    maps (approach, year, bloc) to the bloc's capability value; ``rankable`` the codes
    that are countries (not unknown, not the EU as a funder); ``members[(bloc, year)]``
    the codes whose values a bloc sums. Returns one row per entity, approach, year and
    family (see indicators.synthesis_scores).
    """
    rows: list[dict[str, object]] = []
    for key, families in groups.items():
        ranked = sorted({c for g in families.values() for c in g.countries if c in rankable})
        if not ranked:
            continue
        aligned = {
            family: a
            for family, group in families.items()
            if (a := align(group, ranked, replicates)) is not None
        }
        blocs = sorted({bloc for bloc, year in members if year == key[1]})
        intervals = _Intervals(level)
        pending: list[Rows] = []
        bloc_scores: dict[str, dict[str, tuple[float, np.ndarray, bool]]] = {b: {} for b in blocs}
        for family, a in aligned.items():
            # the countries with a score in the family, ranked among themselves
            scored = known(family, a.credited)
            pending.append(
                _country_rows(
                    key,
                    family,
                    [code for code, has in zip(ranked, scored, strict=True) if has],
                    a.value[scored],
                    a.resampled[:, scored],
                    a.score[scored],
                    a.score_resampled[:, scored],
                    intervals,
                )
            )
            for bloc in blocs:
                if family == "capability":
                    value = bloc_capability.get((key[0], key[1], bloc), 0.0)
                    resampled = np.full(replicates, value)
                else:
                    value, maybe = bloc_values(families[family], members[(bloc, key[1])])
                    resampled = maybe if maybe is not None else np.full(replicates, value)
                score = value / a.leader_value
                with np.errstate(invalid="ignore", divide="ignore"):
                    score_resampled = np.nan_to_num(resampled / a.leader_resampled)
                credited = bool(set(members[(bloc, key[1])]) & set(families[family].countries))
                bloc_scores[bloc][family] = (score, score_resampled, credited)
                if known(family, np.array(credited)):
                    pending.append(
                        _bloc_row(
                            key, family, bloc, value, resampled, score, score_resampled, intervals
                        )
                    )
        pending += _composite_rows(key, ranked, aligned, bloc_scores, weights, intervals)
        intervals.solve()
        rows += [row for made in pending for row in made()]
    return pl.DataFrame(rows, schema=SCORE_SCHEMA)


SCORE_SCHEMA = {
    "entity_type": pl.String,
    "entity_code": pl.String,
    "approach": pl.String,
    "year": pl.Int64,
    "family": pl.String,
    "measure": pl.String,
    "value": pl.Float64,
    "value_low": pl.Float64,
    "value_high": pl.Float64,
    "score": pl.Float64,
    "score_low": pl.Float64,
    "score_high": pl.Float64,
    "rank": pl.Int64,
    "rank_low": pl.Int64,
    "rank_high": pl.Int64,
    "countries_ranked": pl.Int64,
    "leader_probability": pl.Float64,
    "families": pl.String,
}


def composite_ranks(
    groups: Mapping[Key, Mapping[str, GroupValues]],
    weights: Mapping[str, float],
    rankable: set[str],
) -> dict[Key, tuple[list[str], np.ndarray, np.ndarray]]:
    """Point composites and ranks per approach and year: (countries, composite, rank)."""
    out = {}
    for key, families in groups.items():
        ranked = sorted({c for g in families.values() for c in g.countries if c in rankable})
        if not ranked:
            continue
        aligned = {
            family: a
            for family, group in families.items()
            if (a := align(group, ranked, 1)) is not None
        }
        combined = composite_of(
            {f: a.score for f, a in aligned.items()},
            weights,
            {f: known(f, a.credited) for f, a in aligned.items()},
        )
        if combined is not None:
            out[key] = (ranked, combined[0], ranks(combined[0]))
    return out
