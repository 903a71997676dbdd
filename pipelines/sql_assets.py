"""Assets built from ``sql/<layer>/<table>.sql``: one file, one table, one asset.

Each file's name is the table it builds (``sql/core/work_entities.sql`` builds
``core.work_entities``); its dependencies are the qualified tables it reads. Tables
written by Python assets are resolved through ``producers`` (table -> asset key).
"""

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path

import dagster as dg

from pipelines.checks import contract_checks
from pipelines.contracts import load_contracts
from pipelines.resources import QcmResource

LAYERS = ("staging", "core", "indicators", "marts", "meta")
TABLE_REF = re.compile(r"\b(ref|raw|staging|core|indicators|marts|meta)\.([a-z_][a-z0-9_]*)\b")


def sql_table_files(sql_dir: Path) -> dict[str, Path]:
    """Every SQL table file, keyed by ``layer.table``, in layer order."""
    return {
        f"{layer}.{path.stem}": path
        for layer in LAYERS
        for path in sorted((sql_dir / layer).glob("*.sql"))
    }


def referenced_tables(sql: str) -> set[str]:
    """The qualified ``schema.table`` names a SQL text reads (comments ignored)."""
    code = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    return {f"{schema}.{table}" for schema, table in TABLE_REF.findall(code)}


def _sql_asset(
    table: str, path: Path, deps: list[dg.AssetKey], description: str
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
        with qcm.connect() as con:
            con.execute(f"create or replace table {table} as\n{sql}")
            rows = con.execute(f"select count(*) from {table}").fetchone()[0]
        context.log.info(f"built {table}: {rows:,} rows")
        return dg.MaterializeResult(metadata={"rows": rows, "sql_file": str(path.name)})

    return _build


def build_sql_assets(
    sql_dir: Path, producers: Mapping[str, dg.AssetKey]
) -> tuple[list[dg.AssetsDefinition], list[dg.AssetChecksDefinition]]:
    """Assets and contract checks for every SQL file below ``sql_dir``.

    Raises ValueError when a file reads a table nobody produces (a table's mention of
    itself, say in a comment-free self-join, is not a dependency).
    """
    files = sql_table_files(sql_dir)
    contracts = load_contracts(sql_dir)
    known = dict(producers) | {t: dg.AssetKey(t.split(".")) for t in files}
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
        asset = _sql_asset(table, path, deps, description)
        assets.append(asset)
        checks.extend(contract_checks(asset.key, [table], contracts))
    return assets, checks
