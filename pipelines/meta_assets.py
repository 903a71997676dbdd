"""The run log, the data dictionary and the publish step.

``meta/runs`` appends this run to ``meta.runs``; ``meta/data_dictionary`` writes
``meta.tables`` and ``meta.columns`` from the contracts of every public table; and
``published`` copies the public schemas out atomically once every blocking check
upstream has passed.
"""

import os
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from assets.reference.assets import REFERENCE_TABLES
from pipelines.as_of import run_day
from pipelines.contracts import load_contracts
from pipelines.db import replace_table, table_exists
from pipelines.lineage import BUILT, UNPUBLISHED
from pipelines.provenance import code_commit
from pipelines.publish import (
    PUBLIC_SCHEMAS,
    REFERENCE_KIND,
    PublishError,
    data_kind,
    publish,
    released_runs,
    run_record,
)
from pipelines.resources import QcmResource
from pipelines.settings import SQL_DIR
from pipelines.sql_assets import reading_only

RUNS_KEY = dg.AssetKey(["meta", "runs"])


def reviewed_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The SQL tables whose rows the reviewed reference tables alone decide in the database
    of ``con``: what they read, followed through the SQL files, is reference tables and
    raw tables this run left empty (the World Bank's refreshed exchange rates outside live
    mode), with at least one reference table among it."""
    empty = {
        f"raw.{name}"
        for (name,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'raw'"
        ).fetchall()
        if not con.execute(f"select count(*) from raw.{name}").fetchone()[0]
    }
    return reading_only({*REFERENCE_TABLES, *empty}, SQL_DIR) - reading_only(empty, SQL_DIR)


# the types of run_record values that can be null and are not integers (a null alone would
# be read as one)
RUN_NULLABLE_TYPES = {
    "trail_agreement": pl.Float64,
    "code_commit": pl.String,
    "code_modified": pl.Boolean,
}


def append_run(con: duckdb.DuckDBPyConnection, record: dict[str, object]) -> None:
    """Add ``record`` to ``meta.runs`` (replacing a row of the same run_id).

    The run history outlives qcm versions: a column this version records and an older
    ``meta.runs`` lacks is added, null for the older runs (which did not record it).
    """
    typed = {name: kind for name, kind in RUN_NULLABLE_TYPES.items() if name in record}
    con.register("_run", pl.DataFrame([record], schema_overrides=typed))
    try:
        if not table_exists(con, "meta.runs"):
            con.execute("create table meta.runs as select * from _run")
            return
        present = {r[0] for r in con.execute("describe meta.runs").fetchall()}
        for name, kind, *_ in con.execute("describe _run").fetchall():
            if name not in present:  # names are run_record's own keys, never input
                con.execute(f'alter table meta.runs add column "{name}" {kind}')
        con.execute("delete from meta.runs where run_id = ?", [record["run_id"]])
        con.execute("insert into meta.runs by name select * from _run")
    finally:
        con.unregister("_run")


def drop_unpublished(con: duckdb.DuckDBPyConnection, released: set[str]) -> list[str]:
    """Take out of ``meta.runs`` the runs that logged themselves and never published (a
    check, the data dictionary or the publish failed after the log, or the build was
    killed), and return their ids. A run whose id is in ``released``, the run ids of the
    last release, published and was killed before it could say so: it stays."""
    pending = {r[0] for r in con.execute(f"select run_id from {UNPUBLISHED}").fetchall()}
    gone = sorted(pending - released)
    if gone and table_exists(con, "meta.runs"):
        con.execute("delete from meta.runs where list_contains(?, run_id)", [gone])
    con.execute(f"delete from {UNPUBLISHED}")
    return gone


DICTIONARY_KEY = dg.AssetKey(["meta", "data_dictionary"])
PUBLISHED_KEY = dg.AssetKey(["published"])


def make_meta_assets(upstream: list[dg.AssetKey]) -> list[dg.AssetsDefinition]:
    """The run log, data dictionary and publish assets, after every key in ``upstream``."""

    @dg.asset(
        key=RUNS_KEY,
        deps=upstream,
        group_name="publish",
        kinds={"duckdb"},
        pool="duckdb",
        description="One row per run that published: time, mode, kind of data "
        "(synthetic sample, live, directory), source checksums, counts and method versions.",
    )
    def run_log(context: dg.AssetExecutionContext, qcm: QcmResource) -> dg.MaterializeResult:
        stats = context.instance.get_run_stats(context.run.run_id)
        started = datetime.fromtimestamp(stats.start_time or datetime.now(UTC).timestamp(), UTC)
        release = qcm.settings.out_dir / "qcm.duckdb"
        released = released_runs(release)
        if released is None:
            context.log.warning(
                f"cannot read the last release {release}: a run that published and was "
                "killed before it could say so is left out of meta.runs with the unpublished"
            )
        code = code_commit()
        if code.problem:
            context.log.warning(code.problem)
        with qcm.connect() as con:
            record = run_record(
                con,
                context.run.run_id,
                qcm.settings.mode,
                started,
                run_day(context, qcm.settings.as_of),
                version("qcm"),
                REFERENCE_TABLES,
                code,
            )
            con.execute("begin")
            gone = drop_unpublished(con, released or set())
            append_run(con, record)
            con.execute(f"insert into {UNPUBLISHED} values (?)", [context.run.run_id])
            con.execute("commit")
        if gone:
            context.log.info(f"meta.runs: left out runs that never published: {', '.join(gone)}")
        context.log.info(f"run {context.run.run_id} logged: {record['data_kind']}")
        return dg.MaterializeResult(metadata={"data_kind": str(record["data_kind"])})

    @dg.asset(
        key=DICTIONARY_KEY,
        deps=[RUNS_KEY],
        group_name="publish",
        kinds={"duckdb"},
        pool="duckdb",
        description="meta.tables and meta.columns: grain, description and row count of every "
        "published table and the type and description of every column, from the contracts.",
    )
    def data_dictionary(
        context: dg.AssetExecutionContext, qcm: QcmResource
    ) -> dg.MaterializeResult:
        contracts = [
            c for c in load_contracts(SQL_DIR).values() if c.table.split(".")[0] in PUBLIC_SCHEMAS
        ]
        with qcm.connect() as con:
            kind = data_kind(con)  # every source's, as the drop guard compares it
            reviewed = reviewed_tables(con)
            # the dictionary's own tables are written below: their counts are known here
            own_counts = {
                "meta.tables": len(contracts),
                "meta.columns": sum(len(c.columns) for c in contracts),
            }
            missing = [
                c.table
                for c in contracts
                if c.table not in own_counts and not table_exists(con, c.table)
            ]
            if missing:
                raise dg.Failure(
                    f"data dictionary: contracted tables missing from the database: {missing}"
                )
            built = {
                table: (run_id, signature)
                for table, run_id, signature in con.execute(
                    f"select table_name, run_id, signature from {BUILT}"
                ).fetchall()
            }
            tables, columns = [], []
            for contract in contracts:
                run_id, signature = built.get(contract.table, (None, None))
                count = own_counts.get(contract.table)
                if count is None:
                    count = con.execute(f"select count(*) from {contract.table}").fetchone()[0]
                tables.append(
                    {
                        "table_name": contract.table,
                        "kind": contract.materialized,
                        "grain": contract.grain,
                        "description": contract.description,
                        "row_count": count,
                        "data_kind": REFERENCE_KIND if contract.table in reviewed else kind,
                        "contract_file": str(Path(contract.path).relative_to(SQL_DIR.parent))
                        if contract.path
                        else None,
                        "built_by_run": run_id,
                        "build_signature": signature,
                    }
                )
                for ordinal, column in enumerate(contract.columns, start=1):
                    columns.append(
                        {
                            "table_name": contract.table,
                            "column_name": column.name,
                            "ordinal": ordinal,
                            "data_type": column.type,
                            "description": column.description,
                        }
                    )
            public = con.execute(
                "select table_schema || '.' || table_name from information_schema.tables "
                "where list_contains(?, table_schema)",
                [list(PUBLIC_SCHEMAS)],
            ).fetchall()
            undocumented = [r[0] for r in public if r[0] not in {c.table for c in contracts}]
            if undocumented:
                raise dg.Failure(
                    f"data dictionary: public tables without a contract: {undocumented}"
                )
            text = {"built_by_run": pl.String, "build_signature": pl.String}  # null for some
            replace_table(con, "meta.tables", pl.DataFrame(tables, schema_overrides=text))
            replace_table(con, "meta.columns", pl.DataFrame(columns))
        context.log.info(f"data dictionary: {len(tables)} tables, {len(columns)} columns")
        return dg.MaterializeResult(metadata={"tables": len(tables), "columns": len(columns)})

    @dg.asset(
        key=PUBLISHED_KEY,
        deps=[DICTIONARY_KEY],
        group_name="publish",
        kinds={"duckdb", "parquet"},
        pool="duckdb",
        description="The published DuckDB file (marts and meta) and Parquet marts, swapped in "
        "atomically after every blocking check has passed.",
    )
    def published(context: dg.AssetExecutionContext, qcm: QcmResource) -> dg.MaterializeResult:
        settings = qcm.settings
        qcm.release()  # publishing opens the working database read-only
        try:
            result = publish(
                settings.working_db,
                settings.out_dir,
                allow_drop=os.environ.get("QCM_ALLOW_DROP") == "1",
            )
        except PublishError as err:
            with qcm.connect() as con:  # this run published nothing: it is not a release
                drop_unpublished(con, set())
            raise dg.Failure(f"publish refused: {err}", allow_retries=False) from err
        with qcm.connect() as con:  # a release now: its row in meta.runs stays
            con.execute(f"delete from {UNPUBLISHED} where run_id = ?", [context.run.run_id])
        updated = (
            f"; {', '.join(result.updated)} taken from it and brought up to date by the works "
            "that changed"
            if result.updated
            else ""
        )
        if result.set_aside is not None:
            context.log.warning(
                f"a write-ahead log beside the last release (a session that opened it "
                f"read-write and died) was moved to {result.set_aside}, so that it is never "
                "replayed into the release: open the published file read-only "
                "(duckdb -readonly)"
            )
        context.log.info(
            f"published {result.database} and {result.parquet_dir}: "
            f"{len(result.reused)} of {len(result.tables)} tables and views taken from the "
            f"last release, being of the same build{updated}"
        )
        return dg.MaterializeResult(
            metadata={
                "database": str(result.database),
                "parquet": str(result.parquet_dir),
                "tables": len(result.tables),
                "reused": len(result.reused),
                "updated_by_works": len(result.updated),
                **{t: n for t, n in result.tables.items()},
            }
        )

    return [run_log, data_dictionary, published]
