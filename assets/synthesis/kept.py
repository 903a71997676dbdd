"""The bootstrap's values kept per group between builds, so a build resamples only the
groups whose records changed.

A group's values (its point shares, resampled shares and the point shares of each
sensitivity scenario that rewrites its family) depend only on the group's records, the
seed, the number of resamples and the code of ``bootstrap`` and ``sensitivity``: the
random draws are fixed by the seed and the group's names (``bootstrap.group_rng``). So
they are kept in ``core.synthesis_group_values`` beside a fingerprint of the group's
records and a digest of the rest, and reused while both match: a refresh that adds a
year of works resamples that year's groups and whatever else its records changed.

In: ``core.synthesis_records`` and ``core.synthesis_workforce_records`` (``RECORDS``).
Out: the kept values of unchanged groups, the temp table ``CHANGED`` naming the groups to
resample, and the kept table brought up to date.
"""

import hashlib
import json
from collections.abc import Mapping

import duckdb
import numpy as np
import polars as pl

from assets.synthesis import bootstrap, sensitivity
from assets.synthesis.bootstrap import GroupValues
from pipelines.parse_cache import code_digest

KEPT_TABLE = "core.synthesis_group_values"
CHANGED = "_qcm_synthesis_changed"  # temp: (family, approach, year) of the groups to resample
GroupKey = tuple[str, str, int]  # family, approach, year
RewrittenKey = tuple[str, str, str, int]  # scenario, family, approach, year
BOOTSTRAP = "bootstrap"  # the variant holding a group's point and resampled shares
# the records of every family: those of a record a row (core.synthesis_records, refreshed by
# year) and the workforce's (a row for the researchers of an approach, year and country)
RECORDS = (
    "(select * from core.synthesis_records "
    "union all by name select * from core.synthesis_workforce_records)"
)

# a group's records, summarised: their rows and the sum of each row's hash over every
# column its values depend on (the record names order the draws; ``records`` says how many
# researchers a workforce row stands for)
FINGERPRINTS_SQL = f"""
    select family, approach, year,
        count(*)::varchar || ':'
            || sum(hash(
                record_id, country_iso3, credit, record_weight, international, basis, records
            ))::varchar as fingerprint
    from {RECORDS}
    group by family, approach, year
"""
CREATE_SQL = f"""
    create table if not exists {KEPT_TABLE} (
        family varchar, approach varchar, year bigint, variant varchar, fingerprint varchar,
        settings_sha256 varchar, countries varchar[], value double[], replicates bigint,
        resampled blob
    )
"""


def settings_digest(replicates: int, seed: int) -> str:
    """SHA-256 of what a group's values depend on besides its records: the code that
    computes them, the number of resamples and the seed."""
    parts = [code_digest([bootstrap, sensitivity]), replicates, seed]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def plan_groups(con: duckdb.DuckDBPyConnection, digest: str) -> tuple[int, int]:
    """Compare each group of ``core.synthesis_records`` with the kept values; return how
    many groups must be resampled and how many are kept.

    Writes the temp table ``CHANGED`` of the groups to resample (new, or whose records'
    fingerprint changed) and drops from the kept table every group gone, changed or kept
    under other settings.
    """
    con.execute(CREATE_SQL)
    con.execute(f"create or replace temp table _qcm_synthesis_groups as {FINGERPRINTS_SQL}")
    con.execute(
        f"delete from {KEPT_TABLE} as k where settings_sha256 <> ? or not exists ("
        "select 1 from _qcm_synthesis_groups as g where g.family = k.family "
        "and g.approach = k.approach and g.year = k.year and g.fingerprint = k.fingerprint)",
        [digest],
    )
    con.execute(
        f"create or replace temp table {CHANGED} as "
        "select family, approach, year, fingerprint from _qcm_synthesis_groups as g "
        f"where not exists (select 1 from {KEPT_TABLE} as k where k.variant = '{BOOTSTRAP}' "
        "and k.family = g.family and k.approach = g.approach and k.year = g.year)"
    )
    changed = con.execute(f"select count(*) from {CHANGED}").fetchone()[0]
    groups = con.execute("select count(*) from _qcm_synthesis_groups").fetchone()[0]
    con.execute("drop table _qcm_synthesis_groups")
    return changed, groups - changed


def kept_values(
    con: duckdb.DuckDBPyConnection,
) -> tuple[dict[GroupKey, GroupValues], dict[RewrittenKey, GroupValues]]:
    """The kept groups' values: (family, approach, year) -> point and resampled shares,
    and (scenario, family, approach, year) -> a rewritten family's point shares."""
    values: dict[GroupKey, GroupValues] = {}
    rewritten: dict[RewrittenKey, GroupValues] = {}
    rows = con.execute(
        "select family, approach, year, variant, countries, value, replicates, resampled "
        f"from {KEPT_TABLE}"
    ).fetchall()
    for family, approach, year, variant, countries, value, replicates, blob in rows:
        point = np.array(value, dtype=np.float64)
        if variant == BOOTSTRAP:
            matrix = np.frombuffer(blob, dtype="<f8").reshape(replicates, len(countries))
            values[(family, approach, int(year))] = GroupValues(countries, point, matrix)
        else:
            rewritten[(variant, family, approach, int(year))] = GroupValues(countries, point, None)
    return values, rewritten


def keep_values(
    con: duckdb.DuckDBPyConnection,
    digest: str,
    values: Mapping[GroupKey, GroupValues],
    rewritten: Mapping[RewrittenKey, GroupValues],
) -> None:
    """Add the resampled groups' values to the kept table (their fingerprints from
    ``CHANGED``) and drop ``CHANGED``."""
    rows = [
        _row(BOOTSTRAP, family, approach, year, group)
        for (family, approach, year), group in values.items()
    ] + [
        _row(scenario, family, approach, year, group)
        for (scenario, family, approach, year), group in rewritten.items()
    ]
    frame = pl.DataFrame(
        rows,
        schema={
            "family": pl.String,
            "approach": pl.String,
            "year": pl.Int64,
            "variant": pl.String,
            "countries": pl.List(pl.String),
            "value": pl.List(pl.Float64),
            "replicates": pl.Int64,
            "resampled": pl.Binary,
        },
        orient="row",
    )
    con.register("_qcm_fresh_groups", frame)
    try:
        con.execute(
            f"insert into {KEPT_TABLE} select f.family, f.approach, f.year, f.variant, "
            "c.fingerprint, ?, f.countries, f.value, f.replicates, f.resampled "
            f"from _qcm_fresh_groups as f inner join {CHANGED} as c "
            "using (family, approach, year)",
            [digest],
        )
    finally:
        con.unregister("_qcm_fresh_groups")
    con.execute(f"drop table {CHANGED}")


def _row(variant: str, family: str, approach: str, year: int, group: GroupValues) -> tuple:
    """A kept table row (without fingerprint and digest) of one group's values."""
    matrix = group.resampled
    return (
        family,
        approach,
        year,
        variant,
        list(group.countries),
        group.value.tolist(),
        None if matrix is None else matrix.shape[0],
        None if matrix is None else np.ascontiguousarray(matrix, dtype="<f8").tobytes(),
    )
