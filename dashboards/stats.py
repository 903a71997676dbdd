"""Small statistics for charts: intervals that say how sure a number is.

The level is never fixed here: charts pass the level the published file states
(meta.methods share_interval_level, ``common.interval_level``), the one its marts'
intervals use.
"""

from __future__ import annotations

import math
from statistics import NormalDist


def z_of(level: float) -> float:
    """The z of a central interval of ``level`` (0 < level < 1): the standard normal
    quantile of (1 + level) / 2, 1.6449 for 0.9."""
    if not 0 < level < 1:
        raise ValueError(f"an interval level lies strictly between 0 and 1, not {level}")
    return NormalDist().inv_cdf((1 + level) / 2)


def level_words(level: float) -> str:
    """The level in words, ``90%`` for 0.9."""
    return f"{level:.0%}"


def interval_method(level: float) -> str:
    """The label the marts give a Wilson interval of ``level`` (interval_method), ``wilson-90``
    for 0.9."""
    return f"wilson-{round(100 * level)}"


def wilson_interval(successes: float, trials: float, level: float) -> tuple[float, float]:
    """Wilson score interval at ``level`` of a share ``successes / trials``, as the marts
    compute it (meta.methods share_interval_rule).

    Fractional successes are allowed (fractional counts). Returns (low, high) in [0, 1]
    holding the share (rounding at a share of 0 or 1 clamped, as in the marts); (0, 1) when
    there are no trials.
    """
    z = z_of(level)
    if trials <= 0:
        return 0.0, 1.0
    p = min(max(successes / trials, 0.0), 1.0)
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    margin = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return min(max(centre - margin, 0.0), p), max(min(centre + margin, 1.0), p)
