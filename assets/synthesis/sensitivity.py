"""Sensitivity scenarios: how composite ranks move when weights, counting or the patent
classifier change (point estimates; each scenario changes one thing)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from assets.synthesis.bootstrap import GroupValues, family_groups
from assets.synthesis.composite import Key, composite_ranks
from assets.synthesis.config import FAMILIES

Groups = dict[Key, dict[str, GroupValues]]


@dataclass(frozen=True)
class Scenario:
    """One change to the baseline: new weights, or records rewritten before counting.

    ``families`` are the families whose records ``records`` rewrites; it leaves every
    other family's records as they are, so their values are the baseline's.
    """

    scenario: str
    label: str
    description: str
    weights: Callable[[Mapping[str, float]], Mapping[str, float]] | None = None
    records: Callable[[pl.DataFrame], pl.DataFrame] | None = None
    families: tuple[str, ...] = ()


def _without(family: str) -> Callable[[Mapping[str, float]], Mapping[str, float]]:
    return lambda weights: {f: (0.0 if f == family else w) for f, w in weights.items()}


def _whole(records: pl.DataFrame) -> pl.DataFrame:
    counted = pl.col("family").is_in(["publications", "patents"])
    return records.with_columns(
        credit=pl.when(counted).then(pl.col("record_weight")).otherwise(pl.col("credit"))
    )


def _international(records: pl.DataFrame) -> pl.DataFrame:
    return records.filter((pl.col("family") != "patents") | pl.col("international"))


def _cpc_only(records: pl.DataFrame) -> pl.DataFrame:
    return records.filter(
        (pl.col("family") != "patents") | pl.col("basis").is_in(["CPC map", "in scope"])
    )


SCENARIOS = (
    Scenario(
        "equal_weights",
        "Equal weights",
        "Every family weighs the same in the composite.",
        weights=lambda weights: dict.fromkeys(weights, 1.0),
    ),
    *(
        Scenario(
            f"without_{family}",
            f"Without {family.replace('_', ' ')}",
            f"The composite leaves the {family.replace('_', ' ')} family out (weight 0).",
            weights=_without(family),
        )
        for family in FAMILIES
    ),
    Scenario(
        "whole_counting",
        "Whole counting",
        "Publications and patent families counted whole: every country taking part in a "
        "record gets all of it, instead of an equal fraction.",
        records=_whole,
        families=("publications", "patents"),
    ),
    Scenario(
        "international_patents",
        "International patent families only",
        "The patent family counts only families filed at two or more offices (OECD-EPO's "
        "measure) instead of all families.",
        records=_international,
        families=("patents",),
    ),
    Scenario(
        "patent_cpc_only",
        "Patent classifier: CPC map only",
        "A classifier change: patent families are placed in an approach by the reviewed CPC "
        "map alone; the approaches the keyword rules added are dropped.",
        records=_cpc_only,
        families=("patents",),
    ),
)


# the families each scenario that rewrites records rewrites
SCENARIO_FAMILIES = {s.scenario: s.families for s in SCENARIOS if s.records}

Points = dict[str, Groups]  # "baseline" and each scenario that rewrites records -> groups


def empty_points() -> Points:
    """Point groups to fill with ``add_points``: the baseline and every record scenario."""
    return {"baseline": {}} | {s.scenario: {} for s in SCENARIOS if s.records}


def rewritten_points(records: pl.DataFrame) -> dict[tuple[str, str, str, int], GroupValues]:
    """The point values of the families each scenario rewrites, counted again from
    whole groups of records: (scenario, family, approach, year) -> values. A group the
    rewrite leaves no records in has none."""
    out = {}
    for scenario in SCENARIOS:
        if scenario.records is None:
            continue
        rows = scenario.records(records.filter(pl.col("family").is_in(scenario.families)))
        for (family, approach, year), group in family_groups(rows, 1, 0, resample=False):
            out[(scenario.scenario, family, approach, year)] = group
    return out


def add_points(
    points: Points,
    values: Mapping[tuple[str, str, int], GroupValues],
    rewritten: Mapping[tuple[str, str, str, int], GroupValues],
) -> None:
    """Add groups' point values to the baseline and every scenario that rewrites records.

    ``values`` are the groups as ``family_groups`` gives them, keyed (family, approach,
    year): their points are the baseline's, and a scenario's for the families it does not
    rewrite. ``rewritten`` are those groups' ``rewritten_points``.
    """
    for (family, approach, year), group in values.items():
        point = GroupValues(group.countries, group.value, None)
        for name, groups in points.items():
            if name == "baseline" or family not in SCENARIO_FAMILIES[name]:
                groups.setdefault((approach, year), {})[family] = point
    for (name, family, approach, year), group in rewritten.items():
        points[name].setdefault((approach, year), {})[family] = group


def sensitivity(
    records: pl.DataFrame,
    capability: Mapping[Key, GroupValues],
    weights: Mapping[str, float],
    rankable: set[str],
) -> pl.DataFrame:
    """``sensitivity_rows`` of a frame holding every record."""
    points = empty_points()
    values = dict(family_groups(records, 1, 0, resample=False))
    add_points(points, values, rewritten_points(records))
    return sensitivity_rows(points, capability, weights, rankable)


def sensitivity_rows(
    points: Points,
    capability: Mapping[Key, GroupValues],
    weights: Mapping[str, float],
    rankable: set[str],
) -> pl.DataFrame:
    """One row per scenario, approach, year and ranked country: the scenario's composite
    and rank beside the baseline's (a country ranked in only one of them has a null on the
    other side). ``points`` are the records' point groups (``add_points``)."""
    for groups in points.values():
        for key, values in capability.items():
            groups.setdefault(key, {})["capability"] = values
    base_groups = points["baseline"]
    baseline = composite_ranks(base_groups, weights, rankable)
    rows = []
    for scenario in SCENARIOS:
        groups = points[scenario.scenario] if scenario.records else base_groups
        changed = composite_ranks(
            groups, scenario.weights(weights) if scenario.weights else weights, rankable
        )
        for key in sorted(set(baseline) | set(changed)):
            before = _by_country(baseline.get(key))
            after = _by_country(changed.get(key))
            for code in sorted(set(before) | set(after)):
                value, rank = after.get(code, (None, None))
                base_value, base_rank = before.get(code, (None, None))
                rows.append(
                    {
                        "scenario": scenario.scenario,
                        "approach": key[0],
                        "year": key[1],
                        "country_iso3": code,
                        "rank": rank,
                        "baseline_rank": base_rank,
                        "value": value,
                        "baseline_value": base_value,
                    }
                )
    return pl.DataFrame(
        rows,
        schema={
            "scenario": pl.String,
            "approach": pl.String,
            "year": pl.Int64,
            "country_iso3": pl.String,
            "rank": pl.Int64,
            "baseline_rank": pl.Int64,
            "value": pl.Float64,
            "baseline_value": pl.Float64,
        },
    )


def _by_country(
    result: tuple[list[str], np.ndarray, np.ndarray] | None,
) -> dict[str, tuple[float, int]]:
    if result is None:
        return {}
    codes, values, ranks = result
    return {code: (float(values[i]), int(ranks[i])) for i, code in enumerate(codes)}


def scenario_rows() -> pl.DataFrame:
    """The scenarios as rows: scenario, label, description."""
    return pl.DataFrame(
        [
            {"scenario": s.scenario, "label": s.label, "description": s.description}
            for s in SCENARIOS
        ]
    )
