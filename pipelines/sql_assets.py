"""Assets built from ``sql/<layer>/<table>.sql``: one file, one table, one asset.

Each file's name is the table it builds (``sql/core/work_entities.sql`` builds
``core.work_entities``); its dependencies are the qualified tables it reads. Tables
written by Python assets are resolved through ``producers`` (table -> asset key). A file
whose contract says ``materialized: view`` builds a view instead, which may read only
the published schemas (the published file recreates it from its definition). A table
whose SQL and inputs are those it was last built from is kept, not built again (see
``pipelines.lineage``); a view is always made again (it costs nothing).
"""

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path

import dagster as dg
import duckdb

from pipelines import lineage
from pipelines.checks import contract_checks
from pipelines.contracts import load_contracts
from pipelines.lineage import referenced_tables, sql_code
from pipelines.publish import PUBLIC_SCHEMAS
from pipelines.resources import QcmResource

LAYERS = ("staging", "core", "indicators", "marts", "meta")
# DuckDB 1.5 stores a view's "a cross join b left join c on c.k = a.k" as "a, b left join c
# ...", which no longer binds: the published file, made from the stored definitions, fails
CROSS_JOIN = re.compile(r"\bcross\s+join\b", re.IGNORECASE)


def sql_table_files(sql_dir: Path) -> dict[str, Path]:
    """Every SQL table file, keyed by ``layer.table``, in layer order."""
    return {
        f"{layer}.{path.stem}": path
        for layer in LAYERS
        for path in sorted((sql_dir / layer).glob("*.sql"))
    }


def build_statements(table: str, sql: str, materialized: str, existing: str | None) -> list[str]:
    """The statements that (re)build ``table`` from the select ``sql`` as a table or a view.

    ``existing`` is the kind of object of that name already in the database (``BASE
    TABLE``, ``VIEW`` or None); one of the other kind is dropped first, as DuckDB will not
    replace a table with a view or a view with a table.
    """
    kind = "view" if materialized == "view" else "table"
    statements = []
    if existing == "VIEW" and kind == "table":
        statements.append(f"drop view {table}")
    elif existing == "BASE TABLE" and kind == "view":
        statements.append(f"drop table {table}")
    statements.append(f"create or replace {kind} {table} as\n{sql}")
    return statements


def _existing_kind(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    """``BASE TABLE``, ``VIEW`` or None: what ``schema.table`` is in the database now."""
    schema, name = table.split(".")
    row = con.execute(
        "select table_type from information_schema.tables "
        "where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return row[0] if row else None


def _sql_asset(
    table: str,
    path: Path,
    reads: set[str],
    deps: list[dg.AssetKey],
    description: str,
    materialized: str,
    sql_tables: frozenset[str],
) -> dg.AssetsDefinition:
    layer, name = table.split(".")

    @dg.asset(
        key=dg.AssetKey([layer, name]),
        deps=deps,
        group_name=layer,
        description=description,
        kinds={"duckdb", "sql"},
        pool="duckdb",
        code_version=hashlib.sha256(path.read_bytes()).hexdigest()[:12],
    )
    def _build(context: dg.AssetExecutionContext, qcm: QcmResource) -> dg.MaterializeResult:
        sql = path.read_text(encoding="utf-8")
        run_id = context.run.run_id
        with qcm.connect() as con:
            inputs = lineage.signatures(con, reads, run_id, sql_tables)
            signed = lineage.lineage_signature(sql, materialized, inputs)
            kept = lineage.kept_rows(con, table, signed) if materialized == "table" else None
            if kept is None:
                lineage.forget(con, table)
                for statement in build_statements(
                    table, sql, materialized, _existing_kind(con, table)
                ):
                    con.execute(statement)
                rows = con.execute(f"select count(*) from {table}").fetchone()[0]
                lineage.record_build(con, table, signed, rows, run_id)
        if kept is None:
            context.log.info(f"built {table} ({materialized}): {rows:,} rows")
        else:
            rows = kept
            context.log.info(
                f"kept {table}: {rows:,} rows, built before from the same SQL and inputs"
            )
        return dg.MaterializeResult(
            metadata={
                "rows": rows,
                "sql_file": str(path.name),
                "materialized": materialized,
                "kept": kept is not None,
            }
        )

    return _build


def build_sql_assets(
    sql_dir: Path, producers: Mapping[str, dg.AssetKey]
) -> tuple[list[dg.AssetsDefinition], list[dg.AssetChecksDefinition]]:
    """Assets and contract checks for every SQL file below ``sql_dir``.

    Raises ValueError when a file reads a table nobody produces (a table's mention of
    itself, say in a comment-free self-join, is not a dependency), or a view reads a
    table outside the published schemas or uses a cross join (the published file, made
    from the views' stored definitions, could not hold it).
    """
    files = sql_table_files(sql_dir)
    contracts = load_contracts(sql_dir)
    known = dict(producers) | {t: dg.AssetKey(t.split(".")) for t in files}
    sql_tables = frozenset(files)
    assets, checks = [], []
    for table, path in files.items():
        sql = path.read_text(encoding="utf-8")
        reads = referenced_tables(sql) - {table}
        unknown = sorted(t for t in reads if t not in known)
        if unknown:
            raise ValueError(f"{path}: reads tables no asset produces: {unknown}")
        deps = sorted({known[t] for t in reads}, key=lambda k: k.to_user_string())
        contract = contracts.get(table)
        description = f"{contract.grain}. {contract.description}" if contract else table
        materialized = contract.materialized if contract else "table"
        private = sorted(t for t in reads if t.split(".")[0] not in PUBLIC_SCHEMAS)
        if materialized == "view" and private:
            raise ValueError(
                f"{path}: a view may read only the published schemas {list(PUBLIC_SCHEMAS)}, "
                f"but reads {private}; read their marts instead, or make it a table"
            )
        if materialized == "view" and CROSS_JOIN.search(sql_code(sql)):
            raise ValueError(
                f"{path}: a view may not use 'cross join' (DuckDB stores it as a comma, which "
                "binds after the joins that follow it); write 'inner join ... on true'"
            )
        asset = _sql_asset(table, path, reads, deps, description, materialized, sql_tables)
        assets.append(asset)
        checks.extend(contract_checks(asset.key, [table], contracts, sql_tables))
    return assets, checks
