"""Synthesis on hand-made records: shares, scores, composite, blocs, ranks, bootstrap,
sensitivity and the settings file. Every expected number is worked out by hand below.

Publications (each work weighs 1): W1 USA 1; W2 USA 0.5 + CHN 0.5; W3 CHN 1; W4 DEU 0.5 +
ZZZ 0.5. World 4 works: USA 1.5/4 = 0.375, CHN 0.375, DEU 0.125, ZZZ 0.125 (unknown:
in the denominator, never ranked).
Funding (grants weigh their dollars): G1 100 to USA; G2 300 split DEU 0.5, FRA 0.5.
World 400: USA 0.25, DEU 0.375, FRA 0.375.

Scores (value / leading country's value), weights publications 3, funding 1, capability
2 (capability has no data here, so it drops out and the weights are divided by 4):
- publications: USA 1, CHN 1 (tied leaders), DEU 1/3, FRA 0.
- funding: DEU 1, FRA 1, USA 2/3, CHN 0 (no record: its funding is unknown, not zero).
- composite = (3 x publications + 1 x funding) / 4: USA (3 + 2/3)/4 = 11/12; DEU
  (1 + 1)/4 = 1/2; FRA 1/4; CHN, without funding, publications alone: 3/3 = 1. Leader
  CHN; USA's score 11/12.
- bloc NATO in 2024 = USA + DEU + FRA: publications 0.5 -> score 0.5/0.375 = 4/3;
  funding 1.0 -> 1/0.375 = 8/3; composite (3 x 4/3 + 8/3)/4 = 5/3; score (5/3)/1 = 5/3.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

from assets.synthesis import kept_keys
from assets.synthesis.assets import RECORDS_SQL
from assets.synthesis.bootstrap import (
    ONE_CDF,
    family_groups,
    group_rng,
    group_shares,
    poisson_one_counts,
    poisson_ones,
    ranks,
    whole_groups,
)
from assets.synthesis.composite import synthesise
from assets.synthesis.config import (
    FAMILIES,
    SynthesisConfigError,
    check_names,
    load_config,
)
from assets.synthesis.sensitivity import (
    SCENARIOS,
    add_points,
    empty_points,
    rewritten_points,
    sensitivity,
    sensitivity_rows,
)

pytestmark = pytest.mark.unit

RECORDS = [
    # family, record, country, credit, record weight
    ("publications", "W1", "USA", 1.0, 1.0),
    ("publications", "W2", "USA", 0.5, 1.0),
    ("publications", "W2", "CHN", 0.5, 1.0),
    ("publications", "W3", "CHN", 1.0, 1.0),
    ("publications", "W4", "DEU", 0.5, 1.0),
    ("publications", "W4", "ZZZ", 0.5, 1.0),
    ("funding", "G1", "USA", 100.0, 100.0),
    ("funding", "G2", "DEU", 150.0, 300.0),
    ("funding", "G2", "FRA", 150.0, 300.0),
]
WEIGHTS = dict.fromkeys(FAMILIES, 0.0) | {"publications": 3.0, "funding": 1.0, "capability": 2.0}
RANKABLE = {"USA", "CHN", "DEU", "FRA"}
MEMBERS = {("NATO", 2024): ["DEU", "FRA", "USA"]}


def records(rows: list[tuple] = RECORDS) -> pl.DataFrame:
    """The hand-made rows as core.synthesis_records (trapped_ion, 2024)."""
    return pl.DataFrame(
        [
            {
                "family": family,
                "approach": "trapped_ion",
                "year": 2024,
                "record_id": record,
                "country_iso3": country,
                "credit": credit,
                "record_weight": weight,
                "international": None,
                "basis": "keyword rules",
            }
            for family, record, country, credit, weight in rows
        ],
        schema_overrides={"international": pl.Boolean},
    )


def groups(replicates: int = 200, seed: int = 7) -> dict:
    out: dict = {}
    for (family, approach, year), values in family_groups(records(), replicates, seed):
        out.setdefault((approach, year), {})[family] = values
    return out


def test_family_values_are_shares_of_records() -> None:
    found = {key[0]: dict(zip(g.countries, g.value, strict=True)) for key, g in _flat()}
    assert found["publications"] == pytest.approx(
        {"CHN": 0.375, "DEU": 0.125, "USA": 0.375, "ZZZ": 0.125}
    )
    assert found["funding"] == pytest.approx({"DEU": 0.375, "FRA": 0.375, "USA": 0.25})


def _flat() -> list:
    return list(family_groups(records(), 20, 1))


def test_poisson_one_counts_are_the_inversion_of_each_draw() -> None:
    # every draw's count is the number of steps of the cumulative distribution at or
    # below the draw as a fraction: random draws, and draws at and around every step
    # (where the bucket table cannot decide and the fraction is compared)
    random = np.random.default_rng(11).bit_generator.random_raw(200_000)
    edges = [int(step * 2.0**64) for step in ONE_CDF]
    near = [e + d for e in edges for d in (-(2**12), -1, 0, 1, 2**12)]
    bucket = 2**48  # the first and last draw of buckets on either side of a step
    starts = [(e // bucket + k) * bucket for e in edges for k in (-1, 0, 1)]
    ends = [s + bucket - 1 for s in starts]
    extremes = [0, 2**64 - 1]
    crafted = [min(max(d, 0), 2**64 - 1) for d in (*near, *starts, *ends, *extremes)]
    draws = np.array([*random, *crafted], dtype=np.uint64)
    fractions = draws.astype(np.float64) * 2.0**-64
    expected = np.searchsorted(ONE_CDF, fractions, side="right")
    assert np.array_equal(poisson_one_counts(draws), expected)
    # the smallest draw is below every step; the largest, 1.0 in double precision, above all
    extreme = poisson_one_counts(np.array([0, 2**64 - 1], dtype=np.uint64))
    assert extreme.tolist() == [0, len(ONE_CDF)]


def test_poisson_ones_have_the_poisson_one_distribution() -> None:
    counts = poisson_ones(np.random.default_rng(12), (100, 10_000)).ravel()
    n = counts.size
    frequencies = np.bincount(counts, minlength=8)[:8] / n
    expected = np.array([math.exp(-1) / math.factorial(k) for k in range(8)])
    # within five standard errors of each probability (a failure by chance: under 1e-5)
    assert np.all(np.abs(frequencies - expected) < 5 * np.sqrt(expected * (1 - expected) / n))
    assert counts.mean() == pytest.approx(1.0, abs=0.005)
    assert counts.var() == pytest.approx(1.0, abs=0.01)


def test_poisson_ones_are_drawn_row_after_row_whatever_the_chunks() -> None:
    whole = poisson_ones(np.random.default_rng(13), (6, 7))
    rng = np.random.default_rng(13)
    chunked = np.vstack([poisson_ones(rng, (2, 7)) for _ in range(3)])
    assert np.array_equal(whole, chunked)


def test_resampled_shares_match_the_poisson_counts_drawn() -> None:
    # three works: R0 USA 1; R1 USA 0.5 + CHN 0.5; R2 CHN 1 (countries 0 = CHN, 1 = USA)
    record_idx = np.array([0, 1, 1, 2])
    country_idx = np.array([1, 1, 0, 0])
    credit = np.array([1.0, 0.5, 0.5, 1.0])
    weight = np.ones(3)
    _, resampled = group_shares(record_idx, country_idx, credit, weight, 2, group_rng(5, "x"), 120)
    ones, _ = group_rng(5, "x").spawn(2)  # every record stands for one
    counts = poisson_ones(ones, (50, 3))  # the first chunk, drawn again
    for b in range(50):
        k = counts[b]
        if k.sum() == 0:
            assert resampled[b] == pytest.approx([0, 0])
            continue
        usa = (k[0] + 0.5 * k[1]) / k.sum()
        chn = (0.5 * k[1] + k[2]) / k.sum()
        assert resampled[b] == pytest.approx([chn, usa])
    drawn = resampled[resampled.sum(axis=1) > 0]
    assert drawn.sum(axis=1) == pytest.approx(np.ones(len(drawn)))


def test_same_seed_same_resamples_other_seed_others() -> None:
    first = groups(50, seed=11)[("trapped_ion", 2024)]["publications"].resampled
    again = groups(50, seed=11)[("trapped_ion", 2024)]["publications"].resampled
    other = groups(50, seed=12)[("trapped_ion", 2024)]["publications"].resampled
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_competition_ranks() -> None:
    assert ranks(np.array([0.5, 0.9, 0.5, 0.1])).tolist() == [2, 1, 2, 4]
    assert ranks(np.array([[1.0, 2.0], [2.0, 1.0]])).tolist() == [[2, 1], [1, 2]]
    # the same share reached by different sums shares its rank: 1/35 as one share and as
    # the sum of three 1/105 differ in the last bit of a double, yet rank as equals
    mixed = sum([1 / 105] * 3)
    assert mixed != 1 / 35
    assert ranks(np.array([1 / 35, 0.5, mixed, 0.01])).tolist() == [2, 1, 2, 4]
    # nothing in the family ranks last, shared, in every resample alike
    assert ranks(np.array([[0.0, 0.5, 0.0, 0.1], [0.0, 0.0, 0.0, 0.1]])).tolist() == [
        [4, 1, 4, 2],
        [4, 4, 4, 1],
    ]


def test_ranks_and_intervals_taken_together_equal_taking_them_one_by_one() -> None:
    """Every resample is ranked on its own (ties, zeros of either sign), and the intervals
    of several matrices asked at once are each matrix's own quantiles."""
    from assets.synthesis.composite import _Intervals

    rng = np.random.default_rng(7)
    matrices = [rng.integers(0, 4, size=(50, width)) / 3.0 for width in (1, 5, 12)]
    matrices[1][matrices[1] == 0] = -0.0
    for matrix in matrices:
        # one more than the scores above it; a 0 (of either sign) last, as every 0 is
        one_by_one = [
            len(row) if value == 0 else 1 + (row > value).sum() for row in matrix for value in row
        ]
        assert ranks(matrix).ravel().tolist() == one_by_one
    intervals = _Intervals(0.9)
    asked = [intervals.add(m) for m in matrices]
    asked_ranks = [intervals.add(ranks(m), "inverted_cdf") for m in matrices]
    vector = intervals.add(matrices[0][:, 0])  # a vector is one column
    intervals.solve()
    for matrix, linear, by_rank in zip(matrices, asked, asked_ranks, strict=True):
        expected = np.quantile(matrix, [0.05, 0.95], axis=0)
        assert np.array_equal(intervals[linear], expected)
        expected = np.quantile(ranks(matrix), [0.05, 0.95], axis=0, method="inverted_cdf")
        assert np.array_equal(intervals[by_rank], expected)
    assert np.array_equal(intervals[vector], intervals[asked[0]])


def scores() -> pl.DataFrame:
    return synthesise(groups(), {}, WEIGHTS, RANKABLE, MEMBERS, 200, 0.9)


def row(frame: pl.DataFrame, family: str, code: str) -> dict:
    return frame.filter((pl.col("family") == family) & (pl.col("entity_code") == code)).row(
        0, named=True
    )


def test_scores_composite_and_ranks_by_hand() -> None:
    frame = scores()
    assert set(frame["entity_code"]) == {"USA", "CHN", "DEU", "FRA", "NATO"}  # never ZZZ
    assert row(frame, "publications", "USA")["score"] == pytest.approx(1)
    assert row(frame, "publications", "CHN")["rank"] == 1  # tied leaders share rank 1
    assert row(frame, "publications", "DEU")["score"] == pytest.approx(1 / 3)
    assert row(frame, "publications", "FRA")["score"] == 0
    assert row(frame, "publications", "FRA")["rank"] == 4
    assert row(frame, "funding", "USA")["score"] == pytest.approx(2 / 3)
    # China has no funding record: no funding row, and the funding ranks are of the three
    # countries with one (DEU and FRA lead together)
    funding = frame.filter((pl.col("family") == "funding") & (pl.col("entity_type") == "country"))
    assert dict(zip(funding["entity_code"], funding["rank"], strict=True)) == {
        "DEU": 1,
        "FRA": 1,
        "USA": 3,
    }
    assert set(funding["countries_ranked"]) == {3}
    composite = {c: row(frame, "composite", c) for c in ("USA", "CHN", "DEU", "FRA")}
    assert {c: r["value"] for c, r in composite.items()} == pytest.approx(
        {"USA": 11 / 12, "CHN": 1, "DEU": 1 / 2, "FRA": 1 / 4}
    )
    assert {c: r["rank"] for c, r in composite.items()} == {"CHN": 1, "USA": 2, "DEU": 3, "FRA": 4}
    assert composite["USA"]["score"] == pytest.approx(11 / 12)
    assert composite["USA"]["families"] == "publications,funding"  # capability: no data
    assert composite["CHN"]["families"] == "publications"  # no funding record: unknown
    assert composite["FRA"]["families"] == "publications,funding"  # no work: 0, not unknown
    assert composite["USA"]["countries_ranked"] == 4


def test_bloc_sums_its_members_records() -> None:
    frame = scores()
    assert row(frame, "publications", "NATO")["value"] == pytest.approx(0.5)
    assert row(frame, "publications", "NATO")["score"] == pytest.approx(4 / 3)
    assert row(frame, "funding", "NATO")["score"] == pytest.approx(8 / 3)
    assert row(frame, "composite", "NATO")["value"] == pytest.approx(5 / 3)
    assert row(frame, "composite", "NATO")["score"] == pytest.approx(5 / 3)
    assert row(frame, "composite", "NATO")["families"] == "publications,funding"
    assert row(frame, "composite", "NATO")["rank"] is None


def test_a_bloc_none_of_whose_members_has_a_funding_record_has_no_funding_score() -> None:
    # a bloc of China alone: its funding is unknown, so its composite is its
    # publications' score, 1 (China and the USA lead publications together)
    members = MEMBERS | {("CN_ONLY", 2024): ["CHN"]}
    frame = synthesise(groups(), {}, WEIGHTS, RANKABLE, members, 50, 0.9)
    assert row(frame, "composite", "CN_ONLY")["value"] == pytest.approx(1)
    assert row(frame, "composite", "CN_ONLY")["families"] == "publications"
    # nor a funding row: its funding is unknown, not 0
    assert (
        frame.filter((pl.col("family") == "funding") & (pl.col("entity_code") == "CN_ONLY"))[
            "entity_code"
        ].to_list()
        == []
    )


def test_intervals_are_ordered_and_leader_probability_is_a_share() -> None:
    frame = scores().filter(pl.col("entity_type") == "country")
    assert (frame["value_low"] <= frame["value_high"]).all()
    assert (frame["rank_low"] <= frame["rank_high"]).all()
    usa = row(frame, "composite", "USA")
    # USA leads the point estimate; with four works and two grants the lead is not sure
    assert 0 < usa["leader_probability"] < 1
    assert usa["rank_low"] == 1 and usa["rank_high"] >= 2
    fra = row(frame, "publications", "FRA")  # no work at all: 0 in every resample
    assert (fra["value_low"], fra["value_high"]) == (0, 0)


def test_capability_is_held_fixed() -> None:
    from assets.synthesis.bootstrap import GroupValues

    base = groups(50)
    base[("trapped_ion", 2024)]["capability"] = GroupValues(
        ["CHN", "USA"], np.array([1.0, 0.1]), None
    )
    frame = synthesise(
        base, {("trapped_ion", 2024, "NATO"): 0.1}, WEIGHTS, RANKABLE, MEMBERS, 50, 0.9
    )
    chn = row(frame, "capability", "CHN")
    assert (chn["value_low"], chn["value"], chn["value_high"]) == (1, 1, 1)
    assert row(frame, "capability", "USA")["score"] == pytest.approx(0.1)
    assert row(frame, "capability", "NATO")["score"] == pytest.approx(0.1)
    # composite = (3 pub + 1 funding + 2 capability) / 6: USA (3 + 2/3 + 0.2)/6; CHN,
    # without a funding record, (3 pub + 2 capability) / 5
    assert row(frame, "composite", "USA")["value"] == pytest.approx((3 + 2 / 3 + 0.2) / 6)
    assert row(frame, "composite", "CHN")["value"] == pytest.approx(1)
    assert row(frame, "composite", "CHN")["rank"] == 1


def test_sensitivity_without_publications_hands_the_lead_to_the_funding_leaders() -> None:
    moves = sensitivity(records(), {}, WEIGHTS, RANKABLE)
    baseline = moves.filter(pl.col("scenario") == "equal_weights")
    # equal weights, capability absent: (publications + funding) / 2: USA (1 + 2/3)/2,
    # DEU (1/3 + 1)/2, FRA 1/2; CHN, without a funding record, publications alone: 1
    assert dict(zip(baseline["country_iso3"], baseline["value"], strict=True)) == pytest.approx(
        {"CHN": 1.0, "DEU": 2 / 3, "FRA": 0.5, "USA": 5 / 6}
    )
    without = moves.filter(pl.col("scenario") == "without_publications")
    # funding alone: CHN has no family that counts for it, and scores 0
    got = dict(zip(without["country_iso3"], without["rank"], strict=True))
    assert got == {"DEU": 1, "FRA": 1, "USA": 3, "CHN": 4}
    assert dict(zip(without["country_iso3"], without["baseline_rank"], strict=True)) == {
        "CHN": 1,
        "USA": 2,
        "DEU": 3,
        "FRA": 4,
    }


def test_whole_counting_gives_every_country_the_whole_record() -> None:
    moves = sensitivity(records(), {}, WEIGHTS | {"funding": 0.0}, RANKABLE)
    whole = moves.filter(pl.col("scenario") == "whole_counting")
    # whole counts: USA 2 works, CHN 2, DEU 1 of 4 -> USA and CHN tie at the top; FRA (in
    # the funding family, weighted 0) is ranked with nothing
    assert dict(zip(whole["country_iso3"], whole["value"], strict=True)) == pytest.approx(
        {"USA": 1.0, "CHN": 1.0, "DEU": 0.5, "FRA": 0.0}
    )


SETTINGS = """
weights: {publications: 3, patents: 2, funding: 1, workforce: 2, supply_chain: 1,
  capability: 2}
reach: 0.5
focus_bloc: NATO
concern_set: US_FOREIGN_ADVERSARIES
bootstrap: {replicates: 200, seed: 1, interval: 0.9}
"""


def test_settings_file_loads_and_shares_weights(tmp_path: Path) -> None:
    path = tmp_path / "synthesis.yml"
    path.write_text(SETTINGS)
    config = load_config(path)
    assert config.weight_shares["publications"] == pytest.approx(3 / 11)
    assert {r["key"]: r["value"] for r in config.settings_rows()}["reach"] == "0.5"
    check_names(config, {"NATO"}, {"US_FOREIGN_ADVERSARIES"})
    with pytest.raises(SynthesisConfigError, match="focus_bloc 'NATO' is not a bloc"):
        check_names(config, {"EU27"}, {"US_FOREIGN_ADVERSARIES"})


def test_a_large_seed_is_kept_as_the_file_states_it(tmp_path: Path) -> None:
    # above 2**53 a double cannot hold every integer: the seed is read as the integer it is
    path = tmp_path / "synthesis.yml"
    path.write_text(SETTINGS.replace("seed: 1", "seed: 9007199254740993"))
    assert load_config(path).seed == 9007199254740993


def test_the_default_settings_file_is_valid() -> None:
    config = load_config(Path(__file__).parents[2] / "assets" / "reference" / "synthesis.yml")
    assert set(config.weights) == set(FAMILIES)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("publications: 3", "publication: 3"), "must name exactly the families"),
        (("publications: 3", "publications: -1"), "must lie between 0"),
        (("reach: 0.5", "reach: 2"), "reach 2 must lie between"),
        (("replicates: 200", "replicates: 5"), "replicates 5 must lie between 20"),
        (("seed: 1", "seed: 1.5"), "must be integers"),
        (("seed: 1", "seed: 9007199254740993.0"), "must be integers"),
        (("seed: 1", "seed: -1"), "seed -1 must lie between 0"),
        (("focus_bloc: NATO", "focus_bloc: ''"), "focus_bloc must name one entry"),
        (("reach: 0.5", "reach: 0.5\nweight: 1"), "unknown settings"),
    ],
)
def test_bad_settings_name_the_field(tmp_path: Path, change: tuple, message: str) -> None:
    path = tmp_path / "synthesis.yml"
    path.write_text(SETTINGS.replace(*change))
    with pytest.raises(SynthesisConfigError, match=message):
        load_config(path)


def test_all_weights_zero_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "synthesis.yml"
    zero = "weights: {" + ", ".join(f"{family}: 0" for family in FAMILIES) + "}"
    path.write_text(zero + SETTINGS.split("capability: 2}", 1)[1])
    with pytest.raises(SynthesisConfigError, match="at least one family needs a weight"):
        load_config(path)


def test_records_streamed_in_batches_give_the_groups_of_reading_them_at_once() -> None:
    frame = records().sort(["family", "approach", "year", "record_id", "country_iso3"])
    whole = list(family_groups(frame, 20, 1))
    for size in (1, 2, 7, frame.height):
        batches = [frame.slice(start, size) for start in range(0, frame.height, size)]
        streamed = [group for part in whole_groups(batches) for group in family_groups(part, 20, 1)]
        assert [key for key, _ in streamed] == [key for key, _ in whole]
        for (_, a), (_, b) in zip(streamed, whole, strict=True):
            assert a.countries == b.countries
            assert np.array_equal(a.value, b.value) and np.array_equal(a.resampled, b.resampled)


def test_a_large_group_draws_fewer_resamples_at_once_and_the_same_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 40 records (79 rows) standing for 1 to 8 records each; room for 3 resamples at once
    rng = np.random.default_rng(0)
    record_idx = np.repeat(np.arange(40), 2)[:-1]
    country_idx = rng.integers(0, 5, record_idx.size)
    credit = rng.random(record_idx.size)
    weight, many = rng.random(40) + 0.5, rng.integers(1, 9, 40).astype(np.float64)
    args = (record_idx, country_idx, credit, weight, 5)
    _, whole = group_shares(*args, group_rng(7, "z"), 120, many)
    monkeypatch.setattr("assets.synthesis.bootstrap.CELLS", 3 * record_idx.size)
    _, chunked = group_shares(*args, group_rng(7, "z"), 120, many)
    # the same draws (other draws would move shares by about 0.01); the denominators'
    # matrix products may differ in their last bit with the matrix's shape
    np.testing.assert_allclose(chunked, whole, rtol=1e-14, atol=0)


def test_identical_records_resample_as_one_pattern_with_the_same_distribution() -> None:
    # 600 works: 300 USA alone, 200 CHN alone, 100 shared half and half
    rows = (
        [("publications", f"U{i}", "USA", 1.0, 1.0) for i in range(300)]
        + [("publications", f"C{i}", "CHN", 1.0, 1.0) for i in range(200)]
        + [("publications", f"S{i}", c, 0.5, 1.0) for i in range(100) for c in ("USA", "CHN")]
    )
    ((_, collapsed),) = family_groups(records(rows), 4000, 3)
    assert collapsed.value == pytest.approx([200 / 600 + 50 / 600, 300 / 600 + 50 / 600])
    # every record drawn on its own (multiplicity 1): the same mean and spread
    record_idx = np.array([*range(500), *np.repeat(np.arange(500, 600), 2)])
    country_idx = np.array([1] * 300 + [0] * 200 + [1, 0] * 100)
    credit = np.array([1.0] * 500 + [0.5] * 200)
    _, one_by_one = group_shares(
        record_idx, country_idx, credit, np.ones(600), 2, group_rng(9, "y"), 4000
    )
    assert collapsed.resampled.mean(axis=0) == pytest.approx(one_by_one.mean(axis=0), abs=0.002)
    assert collapsed.resampled.std(axis=0) == pytest.approx(one_by_one.std(axis=0), rel=0.08)


def test_the_resamples_do_not_depend_on_the_order_the_rows_arrive_in() -> None:
    # W1 and W2 credit USA twice (two bases): the same record pattern, whatever the order
    # of their tied rows, so one pattern of two records in every order
    rows = [
        ("publications", "W1", "USA", 0.25, 1.0),
        ("publications", "W1", "USA", 0.5, 1.0),
        ("publications", "W1", "CHN", 0.25, 1.0),
        ("publications", "W2", "CHN", 0.25, 1.0),
        ("publications", "W2", "USA", 0.5, 1.0),
        ("publications", "W2", "USA", 0.25, 1.0),
        *[("publications", f"W{i}", "USA", 1.0, 1.0) for i in range(3, 40)],
        *[("publications", f"C{i}", "CHN", 1.0, 1.0) for i in range(30)],
    ]
    frame = records(rows)
    ((_, first),) = family_groups(frame, 50, 4)
    for seed in range(5):
        ((_, again),) = family_groups(frame.sample(fraction=1.0, shuffle=True, seed=seed), 50, 4)
        assert np.array_equal(again.resampled, first.resampled)


def _mixed_records() -> pl.DataFrame:
    """Several groups of records crediting one country or several, patents with and
    without office reach, two bases, some records identical, in no particular order."""
    rng = np.random.default_rng(11)
    rows = []
    for i in range(400):
        family = ("publications", "patents")[i % 2]
        approach = ("trapped_ion", "photonic")[i % 3 == 0]
        codes = list(rng.choice(["USA", "CHN", "DEU", "ZZZ"], size=1 + i % 3, replace=False))
        for code in codes:
            rows.append(
                {
                    "family": family,
                    "approach": approach,
                    "year": 2020 + i % 2,
                    "record_id": f"R{i:03d}",
                    "country_iso3": code,
                    "credit": 1.0 / len(codes),
                    "record_weight": 1.0,
                    "international": (i % 5 == 0) if family == "patents" else None,
                    "basis": ("CPC map", "keyword rules")[i % 7 == 0],
                }
            )
    for i in range(300):  # researchers: one country each, a record apiece
        rows.append(
            {
                "family": "workforce",
                "approach": ("trapped_ion", "photonic")[i % 3 == 0],
                "year": 2020 + i % 2,
                "record_id": f"P{i:03d}",
                "country_iso3": str(rng.choice(["USA", "CHN", "DEU"])),
                "credit": 1.0,
                "record_weight": 1.0,
                "international": None,
                "basis": "active researcher",
            }
        )
    return pl.DataFrame(rows).sample(fraction=1.0, shuffle=True, seed=2)


def test_groups_found_together_equal_each_group_found_alone() -> None:
    # the groups of a frame whose rows interleave (shuffled), in their order of first
    # appearance, each as if its rows came alone
    mixed = _mixed_records()
    together = list(family_groups(mixed, 30, 5))
    keys = list(dict.fromkeys(mixed.select("family", "approach", "year").iter_rows()))
    assert [key for key, _ in together] == keys and len(keys) == 8
    for key, values in together:
        family, approach, year = key
        alone = mixed.filter(family=family, approach=approach, year=year)
        ((_, expected),) = family_groups(alone, 30, 5)
        assert values.countries == expected.countries
        assert np.array_equal(values.value, expected.value)
        assert np.array_equal(values.resampled, expected.resampled)


def test_records_collapsed_in_sql_give_the_groups_of_every_record() -> None:
    records_frame = _mixed_records()
    con = duckdb.connect()
    con.execute("create schema core")
    # as sql/core/synthesis_records.sql, a record a row; as synthesis_workforce_records.sql,
    # the researchers of an approach, year and country one row named by the first of them
    con.execute(
        """
        create table core.synthesis_records as
        select *, count(*) over (partition by family, approach, year, record_id)
            as record_credits, 1 as records
        from records_frame where family <> 'workforce'
        """
    )
    con.execute(
        """
        create table core.synthesis_workforce_records as
        select family, approach, year, min(record_id) as record_id, country_iso3, credit,
            record_weight, international, basis, 1 as record_credits, count(*) as records
        from records_frame where family = 'workforce'
        group by all
        """
    )
    con.execute(
        "create table every_group as select distinct family, approach, year from records_frame"
    )
    collapsed = con.execute(RECORDS_SQL.format(changed="every_group")).pl()
    assert collapsed["records"].sum() == records_frame.height
    assert collapsed.filter(pl.col("records") > 1).height > 10  # single-country records
    ordered = records_frame.sort(["family", "approach", "year", "record_id", "country_iso3"])
    every = list(family_groups(ordered, 30, 5))
    streamed = [
        group
        for part in whole_groups(collapsed.slice(start, 50) for start in range(0, 1000, 50))
        for group in family_groups(part, 30, 5)
    ]
    assert [key for key, _ in streamed] == [key for key, _ in every]
    for (_, a), (_, b) in zip(streamed, every, strict=True):
        assert a.countries == b.countries
        assert np.array_equal(a.value, b.value) and np.array_equal(a.resampled, b.resampled)
    # the point values of every sensitivity scenario too (office reach, basis, whole counts)
    from_sql, from_records = empty_points(), empty_points()
    add_points(from_sql, dict(family_groups(collapsed, 30, 5)), rewritten_points(collapsed))
    add_points(from_records, dict(every), rewritten_points(ordered))
    assert from_sql.keys() == from_records.keys()
    for scenario, groups_by_key in from_records.items():
        assert from_sql[scenario].keys() == groups_by_key.keys()
        for key, families in groups_by_key.items():
            for family, values in families.items():
                found = from_sql[scenario][key][family]
                assert found.countries == values.countries, (scenario, key, family)
                assert np.array_equal(found.value, values.value), (scenario, key, family)


def test_scenarios_count_again_only_the_families_they_rewrite() -> None:
    frame = _mixed_records()
    for scenario in SCENARIOS:
        if scenario.records is None:
            continue
        # a scenario leaves the families it does not name as they are
        others = frame.filter(~pl.col("family").is_in(scenario.families))
        assert scenario.records(others).equals(others), scenario.scenario
    points = empty_points()
    add_points(points, dict(family_groups(frame, 30, 5)), rewritten_points(frame))
    # the same points as counting every family's rewritten records again
    for name, groups in points.items():
        rewrite = next((s.records for s in SCENARIOS if s.scenario == name), None)
        rows = frame if rewrite is None else rewrite(frame)
        expected = {
            (approach, year, family): values
            for (family, approach, year), values in family_groups(rows, 1, 0, resample=False)
        }
        got = {
            (approach, year, family): values
            for (approach, year), families in groups.items()
            for family, values in families.items()
        }
        assert got.keys() == expected.keys(), name
        for key, values in expected.items():
            assert got[key].countries == values.countries, (name, key)
            assert np.array_equal(got[key].value, values.value), (name, key)
            assert got[key].resampled is None, (name, key)


def test_the_scores_inputs_name_every_table_the_synthesis_reads() -> None:
    """The scores are kept whole while SCORES_INPUTS are unchanged: a table the synthesis
    code reads but the list lacks would leave them stale."""
    import inspect

    from assets.synthesis import assets, bootstrap, composite, kept, sensitivity
    from pipelines.lineage import referenced_tables

    read = set()
    for module in (assets, bootstrap, composite, kept, sensitivity):
        read |= referenced_tables(inspect.getsource(module))
    own = {*assets.SCORES_TABLES, *assets.SETTINGS_TABLES, kept.KEPT_TABLE}
    # the settings asset reads the blocs and competitor sets to check the settings file
    settings_checks = {"ref.blocs", "ref.competitor_sets"}
    assert read - own - settings_checks <= set(assets.SCORES_INPUTS)
    assert set(assets.SETTINGS_TABLES) <= set(assets.SCORES_INPUTS)


def two_years(credit_2025: float = 1.0) -> tuple[dict, dict, dict]:
    """The hand-made records in 2024 and again in 2025 (W3's credit there
    ``credit_2025``): the groups by (approach, year), the rewritten points and the
    scenarios' point groups, as the synthesis asset gathers them."""
    frame = pl.concat(
        [
            records(),
            records().with_columns(
                year=pl.lit(2025, pl.Int64),
                credit=pl.when(pl.col("record_id") == "W3")
                .then(credit_2025)
                .otherwise(pl.col("credit")),
            ),
        ]
    )
    values = dict(sorted(family_groups(frame, 50, 7)))
    rewritten = dict(sorted(rewritten_points(frame).items()))
    by_key: dict = {}
    for (family, approach, year), group in values.items():
        by_key.setdefault((approach, year), {})[family] = group
    points = empty_points()
    add_points(points, values, rewritten)
    return by_key, rewritten, points


def test_a_key_whose_values_are_unchanged_keeps_its_rows_and_the_whole_is_the_same() -> None:
    members = MEMBERS | {("NATO", 2025): ["DEU", "FRA", "USA"]}
    by_key, rewritten, points = two_years()
    prints = kept_keys.fingerprints(by_key, rewritten, {}, "shared")
    assert prints == kept_keys.fingerprints(*two_years()[:2], {}, "shared")
    # W3's credit changes in 2025 alone: only that year's fingerprint changes
    changed_groups, changed_rewritten, changed_points = two_years(credit_2025=0.5)
    again = kept_keys.fingerprints(changed_groups, changed_rewritten, {}, "shared")
    assert [key for key in prints if prints[key] != again[key]] == [("trapped_ion", 2025)]
    assert kept_keys.fingerprints(by_key, rewritten, {}, "other") != prints  # shared inputs

    # the rows of 2024 taken from the last build, 2025 scored again: as scoring both
    last_scores = synthesise(by_key, {}, WEIGHTS, RANKABLE, members, 50, 0.9)
    last_moves = sensitivity_rows(points, {}, WEIGHTS, RANKABLE)
    whole_scores = synthesise(changed_groups, {}, WEIGHTS, RANKABLE, members, 50, 0.9)
    whole_moves = sensitivity_rows(two_years(credit_2025=0.5)[2], {}, WEIGHTS, RANKABLE)
    same = {("trapped_ion", 2024)}
    todo = {key: groups for key, groups in changed_groups.items() if key not in same}
    todo_points = {n: {k: v for k, v in g.items() if k in todo} for n, g in changed_points.items()}
    scores = kept_keys.merged_scores(
        last_scores,
        synthesise(todo, {}, WEIGHTS, RANKABLE, members, 50, 0.9),
        same,
        changed_groups,
    )
    moves = kept_keys.merged_sensitivity(
        last_moves, sensitivity_rows(todo_points, {}, WEIGHTS, RANKABLE), same
    )
    assert scores.equals(whole_scores)
    assert moves.equals(whole_moves)
    assert not whole_scores.equals(last_scores)  # 2025's rows did change
    # the later year kept and the earlier scored again: the rows come in the order of a
    # build that scores both
    first = {key: groups for key, groups in by_key.items() if key == ("trapped_ion", 2024)}
    first_points = {n: {k: v for k, v in g.items() if k in first} for n, g in points.items()}
    kept = {("trapped_ion", 2025)}
    fresh = synthesise(first, {}, WEIGHTS, RANKABLE, members, 50, 0.9)
    assert kept_keys.merged_scores(last_scores, fresh, kept, by_key).equals(last_scores)
    fresh_moves = sensitivity_rows(first_points, {}, WEIGHTS, RANKABLE)
    assert kept_keys.merged_sensitivity(last_moves, fresh_moves, kept).equals(last_moves)
