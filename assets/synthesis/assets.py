"""The synthesis assets: the settings of the run, and the scores, composites, ranks and
sensitivity computed from every family's records.

``ref/synthesis_settings`` reads the settings file into ``ref.synthesis_weights`` and
``ref.synthesis_settings``. ``indicators/synthesis_scores`` resamples the records of
``core.synthesis_records`` and ``core.synthesis_workforce_records`` and writes
``indicators.synthesis_scores`` (families and the composite, countries and blocs, with
bootstrap intervals) and
``indicators.synthesis_sensitivity`` (composite ranks under each scenario). While the
tables it reads (``SCORES_INPUTS``) and the synthesis code are what they were when it last
wrote them, it keeps them whole (a rerun with nothing new).
"""

import sys

import dagster as dg
import duckdb
import numpy as np
import polars as pl

from assets.reference.assets import REFERENCE_KEY
from assets.synthesis import bootstrap, composite, kept, kept_keys, sensitivity
from assets.synthesis.bootstrap import GroupValues, family_groups, whole_groups
from assets.synthesis.composite import Key, synthesise
from assets.synthesis.config import SynthesisConfigError, check_names, load_config
from assets.synthesis.kept import (
    CHANGED,
    KEPT_TABLE,
    RECORDS,
    GroupKey,
    RewrittenKey,
    keep_values,
    kept_values,
    plan_groups,
    settings_digest,
)
from assets.synthesis.sensitivity import (
    add_points,
    empty_points,
    rewritten_points,
    scenario_rows,
    sensitivity_rows,
)
from pipelines import lineage
from pipelines.db import memory_lowered, replace_table, table_exists
from pipelines.parse_cache import code_digest
from pipelines.resources import QcmResource
from pipelines.settings import SQL_DIR
from pipelines.sql_assets import sql_table_files

SETTINGS_KEY = dg.AssetKey(["ref", "synthesis_settings"])
SETTINGS_TABLES = ("ref.synthesis_weights", "ref.synthesis_settings")
SCORES_KEY = dg.AssetKey(["indicators", "synthesis_scores"])
SCORES_WRITTEN = (
    "indicators.synthesis_scores",
    "indicators.synthesis_sensitivity",
    "indicators.synthesis_scenarios",
)
SCORES_TABLES = (KEPT_TABLE, kept_keys.KEY_TABLE, *SCORES_WRITTEN)
# Every table the scores are computed from (the kept group values aside: a cache of what
# the records give). A test reads this module's SQL for any other.
SCORES_INPUTS = (
    "core.bloc_member_years",
    "core.synthesis_records",
    "core.synthesis_workforce_records",
    "indicators.synthesis_capability",
    "ref.countries",
    "ref.synthesis_settings",
    "ref.synthesis_weights",
)


@dg.asset(
    key=SETTINGS_KEY,
    deps=[REFERENCE_KEY],
    group_name="reference",
    kinds={"duckdb", "yaml"},
    pool="duckdb",
    description="The synthesis settings of this run (composite weights, reach, focus bloc, "
    "countries of concern, bootstrap) from assets/reference/synthesis.yml or QCM_SYNTHESIS, "
    "validated, in ref.synthesis_weights and ref.synthesis_settings.",
)
def synthesis_settings(context: dg.AssetExecutionContext, qcm: QcmResource) -> dg.MaterializeResult:
    """Load and check the settings file; fail naming the file and field when unusable."""
    try:
        config = load_config(qcm.settings.synthesis_config)
        with qcm.connect() as con:
            blocs = {r[0] for r in con.execute("select bloc from ref.blocs").fetchall()}
            sets = {
                r[0] for r in con.execute("select set_code from ref.competitor_sets").fetchall()
            }
            check_names(config, blocs, sets)
            replace_table(con, "ref.synthesis_weights", pl.DataFrame(config.weight_rows()))
            replace_table(con, "ref.synthesis_settings", pl.DataFrame(config.settings_rows()))
    except SynthesisConfigError as err:
        raise dg.Failure(str(err), allow_retries=False) from err
    context.log.info(f"synthesis settings from {config.path}: weights {config.weights}")
    return dg.MaterializeResult(
        metadata={"config": str(config.path), "sha256": config.sha256, **config.weights}
    )


def _settings(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("select key, value from ref.synthesis_settings").fetchall())


def _capability(
    frame: pl.DataFrame,
) -> tuple[dict[Key, GroupValues], dict[tuple[str, int, str], float]]:
    """Country values as groups per (approach, year) and bloc values keyed
    (approach, year, bloc), from indicators.synthesis_capability rows."""
    groups = {}
    countries = frame.filter(pl.col("entity_type") == "country").sort("entity_code")
    for (approach, year), rows in countries.group_by(["approach", "year"], maintain_order=True):
        groups[(approach, int(year))] = GroupValues(
            rows["entity_code"].to_list(), rows["value"].to_numpy().astype(np.float64), None
        )
    blocs = {
        (r["approach"], int(r["year"]), r["entity_code"]): float(r["value"])
        for r in frame.filter(pl.col("entity_type") == "bloc").iter_rows(named=True)
    }
    return groups, blocs


RECORD_BATCH = 500_000  # rows read from DuckDB at a time
SORTED_RECORDS = "_qcm_synthesis_records"  # the records of RECORDS_SQL, in its order
# DuckDB's memory limit while the sorted records are streamed (a table scan in order)
STREAM_MEMORY = "256MB"
# The records of the groups named in the table {changed}, in group order. A record
# crediting several countries comes row by row; the records crediting one country (most
# works; the researchers, already one row per approach, year and country in the table)
# are collapsed here into one row per country, credit, weight, office reach and basis,
# standing for ``records`` such records and named by the first of them: the bootstrap
# treats them as one pattern anyway (bootstrap._patterns), and the group by is far
# cheaper than streaming every record.
RECORDS_SQL = f"""
    select family, approach, year, record_id, country_iso3, credit, record_weight,
        international, basis, records
    from {RECORDS}
    semi join {{changed}} using (family, approach, year)
    where record_credits > 1
    union all
    select family, approach, year, min(record_id), country_iso3, credit, record_weight,
        international, basis, sum(records)::bigint
    from {RECORDS}
    semi join {{changed}} using (family, approach, year)
    where record_credits = 1
    group by family, approach, year, country_iso3, credit, record_weight, international, basis
    order by family, approach, year, record_id, country_iso3  -- a total order: same sums
"""
# codes that are ranked: countries of the reference table, not the unknown country
RANKABLE_SQL = "select iso3 from ref.countries where iso3 <> 'ZZZ'"
# a bloc sums its members of the year; the EU's own programmes (EUU) count for the EU27
MEMBERS_SQL = """
    select bloc, year, list(iso3 order by iso3) as members
    from (
        select bloc, iso3, year from core.bloc_member_years
        union all
        select distinct 'EU27', 'EUU', year from core.bloc_member_years where bloc = 'EU27'
    )
    group by all
"""


@dg.asset(
    key=SCORES_KEY,
    deps=[
        REFERENCE_KEY,  # ref.countries: the codes ranked (RANKABLE_SQL)
        SETTINGS_KEY,
        dg.AssetKey(["core", "synthesis_records"]),
        dg.AssetKey(["core", "synthesis_workforce_records"]),
        dg.AssetKey(["indicators", "synthesis_capability"]),
        dg.AssetKey(["core", "bloc_member_years"]),
    ],
    group_name="indicators",
    kinds={"duckdb", "python"},
    pool="duckdb",
    description="Normalised family scores and the weighted composite per country and bloc, "
    "approach and year, with bootstrap intervals of values, scores and ranks "
    "(indicators.synthesis_scores), and composite ranks under each sensitivity scenario "
    "(indicators.synthesis_sensitivity, scenarios in indicators.synthesis_scenarios).",
)
def synthesis_scores(context: dg.AssetExecutionContext, qcm: QcmResource) -> dg.MaterializeResult:
    """Keep the score and sensitivity tables whole when what they are computed from did
    not change (``scores_decided_by``); else resample the records of every group not kept
    from an earlier build (``assets.synthesis.kept``), score again every approach and year
    whose values changed (``assets.synthesis.kept_keys``), and write the tables."""
    fresh: dict[GroupKey, GroupValues] = {}
    fresh_rewritten: dict[RewrittenKey, GroupValues] = {}
    run_id = context.run.run_id
    with qcm.connect() as con:
        decided = scores_decided_by(con, run_id)
        if all(
            table_exists(con, t) and lineage.last_signed(con, t) == lineage.declared(t, decided)
            for t in SCORES_WRITTEN
        ):
            for table in SCORES_WRITTEN:
                lineage.declare(con, table, decided, run_id)
            rows = con.execute("select count(*) from indicators.synthesis_scores").fetchone()[0]
            context.log.info(
                f"synthesis: kept {rows:,} score rows, computed before from the same records, "
                "settings, reference tables and code"
            )
            return dg.MaterializeResult(metadata={"rows": rows, "kept": True})
        # the last build's rows can be taken only if it wrote them whole (and signed them)
        whole = all(lineage.last_signed(con, t) is not None for t in SCORES_WRITTEN)
        lineage.unsign(con, SCORES_WRITTEN)  # a step stopped midway leaves none to trust
        settings = _settings(con)
        replicates, seed = int(settings["replicates"]), int(settings["seed"])
        weights = dict(con.execute("select family, weight from ref.synthesis_weights").fetchall())
        capability_rows = con.execute("select * from indicators.synthesis_capability").pl()
        rankable = {r[0] for r in con.execute(RANKABLE_SQL).fetchall()}
        members = {
            (bloc, int(year)): list(codes)
            for bloc, year, codes in con.execute(MEMBERS_SQL).fetchall()
        }
        credits = con.execute(
            f"select coalesce(sum(records), 0)::bigint from {RECORDS}"
        ).fetchone()[0]
        digest = settings_digest(replicates, seed)
        changed, groups_kept = plan_groups(con, digest)
        # the changed groups' records sorted by DuckDB under its limit, then streamed in
        # batches (a million works make tens of millions of record credits) with DuckDB's
        # cache given up: the bootstrap's frames are never held beside a full buffer pool
        con.execute(
            f"create or replace temp table {SORTED_RECORDS} as "
            + RECORDS_SQL.format(changed=CHANGED)
        )
        try:
            with memory_lowered(con, STREAM_MEMORY, qcm.memory_limit):
                sorted_records = con.execute(f"select * from {SORTED_RECORDS}")
                reader = sorted_records.to_arrow_reader(RECORD_BATCH)
                for records in whole_groups(pl.from_arrow(batch) for batch in reader):
                    fresh.update(family_groups(records, replicates, seed))
                    fresh_rewritten.update(rewritten_points(records))
        finally:  # the run's connection outlives the step: never leave the copy behind
            con.execute(f"drop table if exists {SORTED_RECORDS}")
        values, rewritten = kept_values(con)
        keep_values(con, digest, fresh, fresh_rewritten)
    # in group order, as if every group had been streamed
    values = dict(sorted((values | fresh).items()))
    rewritten = dict(sorted((rewritten | fresh_rewritten).items()))
    groups: dict[Key, dict[str, GroupValues]] = {}
    for (family, approach, year), group in values.items():
        groups.setdefault((approach, year), {})[family] = group
    points = empty_points()
    add_points(points, values, rewritten)
    capability, bloc_capability = _capability(capability_rows)
    for key, group in capability.items():
        groups.setdefault(key, {})["capability"] = group
    level = float(settings["interval"])
    blocs = sorted([bloc, year, codes] for (bloc, year), codes in members.items())
    code = code_digest([sys.modules[__name__], composite, kept_keys])
    shared = kept_keys.shared_digest([digest, code, weights, sorted(rankable), level, blocs])
    prints = kept_keys.fingerprints(groups, rewritten, bloc_capability, shared)
    with qcm.connect() as con:
        last = kept_keys.stored(con) if whole else {}
        same = {key for key, made in prints.items() if last.get(key) == made}
        if same:
            previous_scores = con.execute("select * from indicators.synthesis_scores").pl()
            previous_moves = con.execute("select * from indicators.synthesis_sensitivity").pl()
    todo = {key: families for key, families in groups.items() if key not in same}
    scores = synthesise(todo, bloc_capability, weights, rankable, members, replicates, level)
    todo_points = {name: {k: v for k, v in g.items() if k in todo} for name, g in points.items()}
    todo_capability = {key: group for key, group in capability.items() if key in todo}
    moves = sensitivity_rows(todo_points, todo_capability, weights, rankable)
    if same:
        scores = kept_keys.merged_scores(previous_scores, scores, same, groups)
        moves = kept_keys.merged_sensitivity(previous_moves, moves, same)
    with qcm.connect() as con:
        rows = replace_table(con, "indicators.synthesis_scores", scores)
        moved = replace_table(con, "indicators.synthesis_sensitivity", moves)
        replace_table(con, "indicators.synthesis_scenarios", scenario_rows())
        kept_keys.store(con, prints)
        for table in SCORES_WRITTEN:
            lineage.declare(con, table, decided, run_id)
    context.log.info(
        f"synthesis: {rows:,} score rows from {credits:,} record credits "
        f"({replicates} resamples); {moved:,} sensitivity rows; resampled {changed:,} "
        f"groups whose records are new or changed, kept the values of {groups_kept:,}; "
        f"scored {len(todo):,} of {len(groups):,} approaches and years again, kept the rows "
        f"of {len(same):,}"
    )
    return dg.MaterializeResult(
        metadata={
            "rows": rows,
            "sensitivity_rows": moved,
            "replicates": replicates,
            "groups_resampled": changed,
            "groups_kept": groups_kept,
            "keys_scored": len(todo),
            "keys_kept": len(same),
            "kept": False,
        }
    )


def scores_decided_by(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, object]:
    """What decides the scores, for run ``run_id``: the signature of each of
    ``SCORES_INPUTS`` (``pipelines.lineage.signatures``) and a digest of the code that
    computes them."""
    inputs = lineage.signatures(con, SCORES_INPUTS, run_id, frozenset(sql_table_files(SQL_DIR)))
    code = code_digest([sys.modules[__name__], bootstrap, composite, kept, sensitivity])
    return {"inputs": inputs, "code": code}
