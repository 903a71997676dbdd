"""Family values, normalised scores, composites and ranks, with a bootstrap over records.

A family's value for a country is its share of the family's records in an approach and
year: the sum of the country's credit over the records divided by the sum of the
records' own weights (1 for a work, patent family or researcher; the amount for a grant,
programme or trade flow). Resampling records with replacement (a Poisson(1) count per
record and resample, so groups resample independently and reproducibly) gives the same
shares for every resample; scores, composites and ranks follow resample by resample, and
their percentiles are the intervals.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl

# resamples drawn at once: at most CHUNK, and at most CELLS / rows of the group, so the
# (resamples x rows) matrices of one draw stay near 32 MB each however large the group
# (the draws are the same: both samplers draw a matrix element by element, row after row)
CHUNK = 50
CELLS = 4_000_000
# scores (0 to 1) equal to this many decimals rank as equal (``ranks``)
TIE_DECIMALS = 12


def _one_steps() -> np.ndarray:
    """Poisson(1) by inversion: a count is the number of steps of its cumulative
    distribution at or below a uniform draw. The steps below 1 in double precision,
    those of 0 to 17 (a draw above them all, about one in 10^16, counts 18)."""
    cumulative = np.cumsum([math.exp(-1) / math.factorial(k) for k in range(24)])
    return cumulative[cumulative < 1.0]


ONE_CDF = _one_steps()
# the uniform is a 64-bit draw; its top BUCKET_BITS bits name one of 65,536 equal buckets
# of [0, 1), whose draws all have the same count unless a step falls inside the bucket
BUCKET_BITS = 16
UNDECIDED = 255  # the count of a bucket a step falls inside (8 of them)


def _bucket_counts() -> np.ndarray:
    """Each bucket's count (uint8): the steps at or below its start when none falls inside
    it, else ``UNDECIDED``."""
    start = np.arange(1 << BUCKET_BITS) / (1 << BUCKET_BITS)
    low = np.searchsorted(ONE_CDF, start, side="right")
    high = np.searchsorted(ONE_CDF, start + 1 / (1 << BUCKET_BITS), side="left")
    return np.where(low == high, low, UNDECIDED).astype(np.uint8)


ONE_COUNTS = _bucket_counts()


@dataclass(frozen=True)
class GroupValues:
    """One family's values in one approach and year.

    ``countries`` are the credited codes (unranked ones such as ZZZ included);
    ``value`` their point shares; ``resampled`` a (replicates x countries) matrix of
    shares, or None when not resampled.
    """

    countries: list[str]
    value: np.ndarray
    resampled: np.ndarray | None


def group_rng(seed: int, *parts: object) -> np.random.Generator:
    """A random generator for one group, fixed by the seed and the group's names (so a
    group's resamples do not depend on which other groups exist or their order)."""
    digest = hashlib.sha256(":".join(map(str, (seed, *parts))).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def poisson_one_counts(draws: np.ndarray) -> np.ndarray:
    """The Poisson(1) counts (uint8) of ``draws``, uniform 64-bit integers (uint64, any
    shape): each read as the fraction ``draw / 2**64`` of [0, 1), its count is how many
    steps of ``ONE_CDF`` are at or below it (inversion), looked up by its bucket
    (``ONE_COUNTS``) except in the few buckets a step falls inside."""
    counts = ONE_COUNTS[draws >> np.uint64(64 - BUCKET_BITS)]
    undecided = np.flatnonzero(counts == UNDECIDED)
    if undecided.size:
        fractions = draws.reshape(-1)[undecided].astype(np.float64) * 2.0**-64
        counts.reshape(-1)[undecided] = np.searchsorted(ONE_CDF, fractions, side="right")
    return counts


def poisson_ones(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """A ``shape`` matrix of Poisson(1) counts (uint8) drawn from ``rng``, one 64-bit draw
    per count, element by element and row after row: 4 to 5 times faster than
    ``rng.poisson(1.0, shape)``, with the same distribution."""
    return poisson_one_counts(rng.bit_generator.random_raw(shape))


def group_shares(
    record_idx: np.ndarray,
    country_idx: np.ndarray,
    credit: np.ndarray,
    record_weight: np.ndarray,
    countries: int,
    rng: np.random.Generator | None,
    replicates: int,
    multiplicity: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Shares of ``countries`` codes over the records of one group.

    Rows (``record_idx``, ``country_idx``, ``credit``) give each country's credit in a
    record; ``record_weight[i]`` is record i's own weight. ``multiplicity[i]``, when given,
    says record i stands for that many identical records (a pattern): its Poisson count
    is then drawn with that mean, which is the sum of as many Poisson(1) counts, so the
    resamples have the distribution of resampling every record. ``rng`` gives two
    streams (``Generator.spawn``): the counts of the records standing for one
    (``poisson_ones``), then numpy's Poisson counts of the patterns. Returns the point shares
    and, when ``rng`` is given, a (replicates x countries) matrix of resampled shares. A
    resample drawing no weight at all (possible for a group of one or two records) gives
    shares of 0.
    """
    many = np.ones(record_weight.size) if multiplicity is None else multiplicity
    total = many @ record_weight
    point = np.bincount(country_idx, weights=credit * many[record_idx], minlength=countries)
    point = point / total
    if rng is None:
        return point, None
    # the counts' columns: the records standing for one first, then the patterns
    ones = np.flatnonzero(many == 1)
    patterns = np.flatnonzero(many != 1)
    column = np.empty(many.size, dtype=np.int64)
    column[np.concatenate([ones, patterns])] = np.arange(many.size)
    weight = np.concatenate([record_weight[ones], record_weight[patterns]])
    order = np.argsort(country_idx, kind="stable")
    rec, cty, cre = column[record_idx[order]], country_idx[order], credit[order]
    present, starts = np.unique(cty, return_index=True)
    out = np.zeros((replicates, countries))
    chunk = max(1, min(CHUNK, CELLS // max(rec.size, 1)))
    ones_rng, patterns_rng = rng.spawn(2)
    done = 0
    while done < replicates:
        size = min(chunk, replicates - done)
        counts = np.empty((size, many.size))
        counts[:, : ones.size] = poisson_ones(ones_rng, (size, ones.size))
        counts[:, ones.size :] = patterns_rng.poisson(many[patterns], (size, patterns.size))
        denominators = counts @ weight
        # each row's credits in country order (np.take: a third of the time of counts[:, rec])
        credited = np.take(counts, rec, axis=1)
        credited *= cre
        sums = np.add.reduceat(credited, starts, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            shares = np.where(denominators[:, None] > 0, sums / denominators[:, None], 0.0)
        out[done : done + size][:, present] = shares
        done += size
    return point, out


GROUP_KEY = ("family", "approach", "year")


def whole_groups(batches: Iterable[pl.DataFrame]) -> Iterator[pl.DataFrame]:
    """Regroup record batches ordered by family, approach and year into frames that each
    hold whole groups, so records can be streamed from the database and never held all
    at once (memory: one batch plus the largest group)."""
    pending: pl.DataFrame | None = None
    for batch in batches:
        frame = batch if pending is None else pl.concat([pending, batch], how="vertical")
        if frame.is_empty():
            continue
        family, approach, year = frame.select(GROUP_KEY).row(-1)
        last = pl.all_horizontal(
            pl.col("family") == family, pl.col("approach") == approach, pl.col("year") == year
        )
        done, pending = frame.filter(~last), frame.filter(last)
        if not done.is_empty():
            yield done
    if pending is not None and not pending.is_empty():
        yield pending


def family_groups(
    records: pl.DataFrame, replicates: int, seed: int, resample: bool = True
) -> Iterator[tuple[tuple[str, str, int], GroupValues]]:
    """Yield ((family, approach, year), values) for every group of ``records``, in order
    of first appearance.

    ``records`` has columns family, approach, year, record_id, country_iso3, credit and
    record_weight (one row per record and credited country; see core.synthesis_records),
    and optionally ``records``: how many identical records the record's rows stand for
    (1 when absent). The patterns of every group are found in one pass over the frame
    (``_patterns``), and each group's arrays are slices of that pass's columns: a frame of
    a thousand small groups costs a few Polars queries, not a few thousand.
    """
    if "records" not in records.columns:
        records = records.with_columns(records=pl.lit(1, pl.Int64))
    if records.is_empty():
        return
    # a group is numbered by its first row; each code's place among the group's sorted
    # codes (polars: numpy sorts strings as Python objects, minutes for millions of rows)
    rows = records.with_row_index("group").with_columns(
        group=pl.col("group").min().over(GROUP_KEY),
        country=pl.col("country_iso3").rank("dense").over(GROUP_KEY).cast(pl.Int64) - 1,
    )
    groups = rows.unique("group").sort("group").select("group", *GROUP_KEY)
    codes = rows.select("group", "country_iso3").unique().sort("group", "country_iso3")
    each = _patterns(rows)
    credits = each.select("group", "pattern", "country", "credit").explode(["country", "credit"])
    numbers = groups["group"].to_numpy()
    spans = [_spans(frame["group"].to_numpy(), numbers) for frame in (codes, each, credits)]
    code_list = codes["country_iso3"].to_list()
    weight = each["record_weight"].to_numpy().astype(np.float64)
    multiplicity = each["records"].to_numpy().astype(np.float64)
    pattern = credits["pattern"].to_numpy()
    country = credits["country"].to_numpy()
    credit = credits["credit"].to_numpy().astype(np.float64)
    for (family, approach, year), code_span, each_span, credit_span in zip(
        groups.select(GROUP_KEY).iter_rows(), *spans, strict=True
    ):
        countries = code_list[code_span]
        rng = group_rng(seed, family, approach, year) if resample else None
        point, resampled = group_shares(
            pattern[credit_span],
            country[credit_span],
            credit[credit_span],
            weight[each_span],
            len(countries),
            rng,
            replicates,
            multiplicity[each_span],
        )
        yield (family, approach, int(year)), GroupValues(countries, point, resampled)


def _spans(group: np.ndarray, numbers: np.ndarray) -> list[slice]:
    """The rows of each group of ``numbers`` in a column ``group`` sorted by group."""
    starts = np.searchsorted(group, numbers, side="left")
    ends = np.searchsorted(group, numbers, side="right")
    return [slice(start, end) for start, end in zip(starts.tolist(), ends.tolist(), strict=True)]


def _patterns(rows: pl.DataFrame) -> pl.DataFrame:
    """Each group's records collapsed into patterns: records with the same credits (the
    same countries with the same amounts) and the same weight are exchangeable, so each
    pattern stands for its ``records`` of them. One row per group and pattern, in group
    order, with the pattern's lists of countries and credits; ``pattern`` numbered from 0
    within its group in order of first appearance (of the first record id). A row
    standing for several records (``records``) counts as many. The rows are put in a
    total order first, so the patterns, and the draws, never depend on the order in
    which the rows arrived (two credits of one record to one country tie otherwise)."""
    per_record = (
        rows.sort(["group", "record_id", "country", "credit", "record_weight"])
        .group_by(["group", "record_id"], maintain_order=True)
        .agg(
            pl.col("country"),
            pl.col("credit"),
            pl.col("record_weight").first(),
            pl.col("records").first(),
        )
    )
    return (
        per_record.group_by(["group", "country", "credit", "record_weight"], maintain_order=True)
        .agg(pl.col("records").sum())
        .with_columns(pattern=pl.int_range(pl.len(), dtype=pl.Int64).over("group"))
    )


def ranks(values: np.ndarray) -> np.ndarray:
    """Competition ranks (1 = highest; equal values share the better rank) of each row of
    a (rows x countries) matrix of scores, or of a vector; a score of 0 (nothing in the
    family) ranks last, shared by every 0: the number of countries.

    Scores equal to ``TIE_DECIMALS`` decimals are equal: the same share reached by
    different sums (1/17 of one family, or a mix of families) differs in the last bits of a
    double. Each row is sorted from the highest; a value's rank is one more than the
    position of the first value equal to it there, spread back to the value's own column.
    Zeros take the last rank, not the one after the last positive score, so that a
    country with nothing has the same rank in every resample, and a country a resample
    leaves with nothing falls to the last rank there rather than rising with the ones
    already at 0 (with the better rank, the rank interval of a country at 0 lay wholly
    above its own rank)."""
    matrix = np.round(np.atleast_2d(values), TIE_DECIMALS)
    order = np.argsort(-matrix, axis=1, kind="stable")
    descending = np.take_along_axis(-matrix, order, axis=1)
    positions = np.broadcast_to(np.arange(matrix.shape[1]), matrix.shape)
    starts = np.ones(matrix.shape, dtype=bool)
    starts[:, 1:] = descending[:, 1:] != descending[:, :-1]
    first = np.maximum.accumulate(np.where(starts, positions, 0), axis=1)
    out = np.empty(matrix.shape, dtype=np.int64)
    np.put_along_axis(out, order, first + 1, axis=1)
    out[matrix == 0] = matrix.shape[1]
    return out if values.ndim == 2 else out[0]
