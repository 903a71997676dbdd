"""Assets built from ``sql/<layer>/<table>.sql``: one file, one table, one asset.

Each file's name is the table it builds (``sql/core/work_entities.sql`` builds
``core.work_entities``); its dependencies are the qualified tables it reads. Tables
written by Python assets are resolved through ``producers`` (table -> asset key). A file
whose contract says ``materialized: view`` builds a view instead, which may read only
the published schemas (the published file recreates it from its definition). A table
whose SQL and inputs are those it was last built from is kept, not built again (see
``pipelines.lineage``); a view is always made again (it costs nothing). Each asset runs
its table's blocking contract check in its own step, right after the build: a separate
step would cost Dagster about 30 ms of its own bookkeeping, more than most checks whose
pass is reported again.
"""

import hashlib
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from graphlib import TopologicalSorter
from pathlib import Path

import dagster as dg
import duckdb

from pipelines import as_of, db, lineage, work_delta
from pipelines.checks import ChangedRows, contract_result, contract_spec
from pipelines.contracts import Contract, load_contracts
from pipelines.lineage import referenced_tables, sql_code
from pipelines.publish import PUBLIC_SCHEMAS
from pipelines.resources import QcmResource

LAYERS = ("staging", "core", "indicators", "marts", "meta")
# DuckDB 1.5 stores a view's "a cross join b left join c on c.k = a.k" as "a, b left join c
# ...", which no longer binds: the published file, made from the stored definitions, fails
CROSS_JOIN = re.compile(r"\bcross\s+join\b", re.IGNORECASE)
# what building a SQL table gives: its materialization, and the rows written again when it
# was brought up to date by the works that changed (for its check)
Built = tuple[dg.MaterializeResult, ChangedRows | None]


def sql_table_files(sql_dir: Path) -> dict[str, Path]:
    """Every SQL table file, keyed by ``layer.table``, in layer order."""
    return {
        f"{layer}.{path.stem}": path
        for layer in LAYERS
        for path in sorted((sql_dir / layer).glob("*.sql"))
    }


def in_build_order(tables: Collection[str], sql_dir: Path) -> list[str]:
    """``tables`` (``layer.table``, each with a SQL file below ``sql_dir``) in an order
    that builds each after those of them its SQL reads: for running some SQL tables
    outside Dagster (tests, the workforce benchmark)."""
    wanted = sorted(tables)
    files = sql_table_files(sql_dir)
    reads = {table: referenced_tables(files[table].read_text(encoding="utf-8")) for table in wanted}
    graph = {table: sorted(reads[table] & set(wanted) - {table}) for table in wanted}
    return list(TopologicalSorter(graph).static_order())


def reading_only(sources: Collection[str], sql_dir: Path) -> set[str]:
    """The SQL tables (``layer.table``, with a file below ``sql_dir``) whose rows come from
    ``sources`` alone: their SQL reads at least one table, and every table it reads, and
    what those read in turn, is one of ``sources`` or such a table. A table reading anything
    else (a raw table, a table written by Python) is not among them."""
    files = sql_table_files(sql_dir)
    reads = {
        table: referenced_tables(path.read_text(encoding="utf-8")) - {table}
        for table, path in files.items()
    }
    found = set(sources)
    for table in TopologicalSorter(
        {table: reads[table] & set(files) for table in files}
    ).static_order():
        if reads.get(table) and reads[table] <= found:
            found.add(table)
    return found - set(sources)


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
    """``BASE TABLE``, ``VIEW`` or None: what ``schema.table`` is in the database now.

    Asked of ``duckdb_views()`` (a view, even one whose tables are gone) and then of the
    table itself (``db.table_exists``): each a fraction of a millisecond, where
    ``information_schema.tables`` lists every table of the database (3 ms to 4 ms)."""
    schema, name = table.split(".")
    views = con.execute(
        "select count(*) from duckdb_views() where schema_name = ? and view_name = ?",
        [schema, name],
    ).fetchone()[0]
    if views:
        return "VIEW"
    return "BASE TABLE" if db.table_exists(con, table) else None


def _sql_asset(
    table: str,
    path: Path,
    reads: set[str],
    deps: list[dg.AssetKey],
    contract: Contract,
    sql_tables: frozenset[str],
) -> dg.AssetsDefinition:
    """The asset that builds (or keeps) ``table`` from ``path`` and, in the same step,
    runs its blocking contract check (``pipelines.checks.contract_result``). Either can be
    run alone: a check run alone reads the table as it is."""
    layer, name = table.split(".")
    key = dg.AssetKey([layer, name])
    check = contract_spec(key, contract)

    @dg.multi_asset(
        name=f"{layer}__{name}",
        specs=[
            dg.AssetSpec(
                key,
                deps=deps,
                group_name=layer,
                description=f"{contract.grain}. {contract.description}",
                kinds={"duckdb", "sql"},
                code_version=hashlib.sha256(path.read_bytes()).hexdigest()[:12],
            )
        ],
        check_specs=[check],
        can_subset=True,
        pool="duckdb",
    )
    def _build(context: dg.AssetExecutionContext, qcm: QcmResource) -> Iterator[object]:
        changed = None
        day = as_of.run_day(context, qcm.settings.as_of)
        if key in context.selected_asset_keys:
            sql = as_of.dated(path.read_text(encoding="utf-8"), day)
            result, changed = _retrying_out_of_memory(
                context,
                qcm,
                ".".join(key.path),
                lambda con: _materialize(
                    context, con, key, path.name, sql, reads, contract, sql_tables
                ),
            )
            yield result
        if check.key in context.selected_asset_check_keys:
            with qcm.connect() as con:
                yield contract_result(context, con, key, contract, sql_tables, day, changed)

    return _build


def _retrying_out_of_memory(
    context: dg.AssetExecutionContext,
    qcm: QcmResource,
    table: str,
    materialize: Callable[[duckdb.DuckDBPyConnection], Built],
) -> Built:
    """``materialize`` (``_materialize`` of ``table``) in the run's connection; when
    DuckDB runs out of memory there, once more in a fresh one.

    DuckDB should spill rather than fail; when it does fail (now and then in
    ``indicators.security_counts`` in the benchmark), what its buffer pool held is logged
    by tag (``db.memory_held``), and the database is closed, which frees all it held, and
    opened again. The attempt that failed wrote nothing (``_materialize`` writes a table
    and its records in one transaction), so the second does what the first would have:
    brings the table up to date by the works that changed, or builds it. A second failure
    fails the step, with what DuckDB held both times."""
    with qcm.connect() as con:
        try:
            return materialize(con)
        except duckdb.OutOfMemoryException as error:
            first = f"{_first_line(error)} (held after it: {db.memory_held(con)})"
    context.log.warning(
        f"{table}: {db.OUT_OF_MEMORY} {qcm.memory_limit}: {first}. "
        "Building it again in a freshly opened database"
    )
    qcm.release()
    with qcm.connect() as con:
        try:
            return materialize(con)
        except duckdb.OutOfMemoryException as error:
            raise duckdb.OutOfMemoryException(
                f"{table}: {db.OUT_OF_MEMORY} {qcm.memory_limit}, "
                f"twice: first {first}; then, in a freshly opened database, "
                f"{_first_line(error)} (held after it: {db.memory_held(con)}). Raise "
                "QCM_MEMORY_LIMIT or free memory"
            ) from None  # both failures are in the message: the step's failure names them


def _first_line(error: Exception) -> str:
    """The first line of ``error``'s message: DuckDB's own (what failed, how much was
    used), without the general advice it adds below."""
    return (str(error).splitlines() or [""])[0]


def _materialize(
    context: dg.AssetExecutionContext,
    con: duckdb.DuckDBPyConnection,
    key: dg.AssetKey,
    sql_file: str,
    sql: str,
    reads: set[str],
    contract: Contract,
    sql_tables: frozenset[str],
) -> Built:
    """Build the table of ``key`` from ``sql`` (the text of its file ``sql_file`` as of the
    run's day: ``pipelines.as_of.dated``), keep it when its SQL and inputs (``reads``) are
    those it was last built from, or, for a ``by_work`` or ``by_year`` table, bring it up
    to date by the works that changed
    (``pipelines.work_delta``); log which. A published table brought up to date by work
    keeps the works it was brought up to date by, for the publish. Returns its row count,
    and the rows written again when it was brought up to date (for its check, in the same
    connection)."""
    table = ".".join(key.path)
    run_id = context.run.run_id
    materialized = contract.materialized
    inputs = lineage.signatures(con, reads, run_id, sql_tables)
    signed = lineage.lineage_signature(sql, materialized, inputs)
    kept = lineage.kept_rows(con, table, signed) if materialized == "table" else None
    delta = changed = None
    # the works a published table was brought up to date by are kept for the publish
    published = table.split(".")[0] in PUBLIC_SCHEMAS and materialized == "table"
    if kept is None:
        if contract.refresh in (work_delta.BY_WORK, work_delta.BY_YEAR):
            delta = work_delta.plan(con, table, sql, inputs, contract.refresh, contract.year_column)
        # the rows and what they were built from land together or not at all: a build
        # that fails or is killed leaves the table and its records as they were
        with db.transaction(con):
            work_delta.forget_keyed(con, table)
            if published:
                work_delta.forget_rewritten_works(con, table)
            if delta is not None and delta.changed is not None and delta.previous:
                work_delta.refresh(con, table, sql, delta)
                changed = ChangedRows(delta.previous, contract.refresh_key, delta.rows, delta.what)
                if published and contract.refresh == work_delta.BY_WORK:
                    work_delta.record_rewritten_works(
                        con, table, delta.previous, delta.what, run_id
                    )
            else:
                existing = _existing_kind(con, table)
                for statement in build_statements(table, sql, materialized, existing):
                    con.execute(statement)
            rows = con.execute(f"select count(*) from {table}").fetchone()[0]
            lineage.record_build(con, table, signed, rows, run_id)
            if delta is not None:
                keyed = "work_id" if contract.refresh == work_delta.BY_WORK else "year"
                work_delta.record_keyed(con, table, keyed, delta.method, delta.version, run_id)
        if delta is None:
            context.log.info(f"built {table} ({materialized}): {rows:,} rows")
        else:
            how = contract.refresh.replace("_", " ") if changed is not None else "in full"
            context.log.info(f"built {table} ({how}: {delta.reason}): {rows:,} rows")
    else:
        rows = kept
        context.log.info(f"kept {table}: {rows:,} rows, built before from the same SQL and inputs")
    if table == work_delta.WORKS:
        work_delta.record_work_rows(con, signed)
    metadata = {
        "rows": rows,
        "sql_file": sql_file,
        "materialized": materialized,
        "kept": kept is not None,
        **({"refreshed_works": delta.changed} if delta is not None and changed else {}),
    }
    return dg.MaterializeResult(asset_key=key, metadata=metadata), changed


def build_sql_assets(
    sql_dir: Path, producers: Mapping[str, dg.AssetKey]
) -> list[dg.AssetsDefinition]:
    """An asset, with its contract check, for every SQL file below ``sql_dir``.

    Raises ValueError when a file has no contract or reads a table nobody produces (a
    table's mention of itself, say in a comment-free self-join, is not a dependency), or a
    view reads a table outside the published schemas or uses a cross join (the published
    file, made from the views' stored definitions, could not hold it).
    """
    files = sql_table_files(sql_dir)
    contracts = load_contracts(sql_dir)
    known = dict(producers) | {t: dg.AssetKey(t.split(".")) for t in files}
    sql_tables = frozenset(files)
    assets = []
    for table, path in files.items():
        sql = path.read_text(encoding="utf-8")
        reads = referenced_tables(sql) - {table}
        unknown = sorted(t for t in reads if t not in known)
        if unknown:
            raise ValueError(f"{path}: reads tables no asset produces: {unknown}")
        deps = sorted({known[t] for t in reads}, key=lambda k: k.to_user_string())
        contract = contracts.get(table)
        if contract is None:
            raise ValueError(f"{path}: the table {table} has no contract ({path.stem}.yml)")
        as_of.refuse_other_clocks(sql, f"{path}:")
        materialized = contract.materialized
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
        assets.append(_sql_asset(table, path, reads, deps, contract, sql_tables))
    return assets
