"""DuckDB access for the working database: one writer, connections closed promptly.

The working database holds nothing that a build does not rebuild from the landing zone
and the embedded sample. DuckDB replays the committed part of a write-ahead log torn by a
crash; a log or file it cannot read (a corrupt entry, a full disk at the wrong moment) is
set aside as ``<name>.unreadable`` (one, the latest) and a fresh working database begun,
with a warning naming both files, so an unattended refresh heals itself. A database
locked by another process is never set aside: that error is raised as it is.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines import lineage, work_delta
from pipelines.contracts import table_columns
from pipelines.parse_cache import Parsed

SCHEMAS = ("ref", "raw", "staging", "core", "indicators", "marts", "meta")


UNREADABLE_SUFFIX = ".unreadable"
# how DuckDB says another process holds the file ("Could not set lock on file ...:
# Conflicting lock is held in ..."); a corrupt file's message names a "block", so the
# word "lock" alone would take a corrupt database for a locked one
LOCK_HELD = re.compile(r"could not set lock|conflicting lock", re.IGNORECASE)
# how a SQL table's step says DuckDB failed for memory (``sql_assets``; counted by the benchmark)
OUT_OF_MEMORY = "DuckDB ran out of memory under its limit of"
# the storage format of a working database begun afresh (one begun earlier keeps its own):
# DuckDB's default, v0.10.2, lets DuckDB 0.10.2 and later read the file; v1.5.0 writes
# tables about a quarter faster (the 19 largest tables of a million-work working database
# copied in 29.6 s against 38.2 s to 41.9 s, the same size) and only DuckDB 1.5 and later,
# which the pipeline requires, can read it. The published database keeps the default.
WORKING_STORAGE = "v1.5.0"
_log = logging.getLogger(__name__)


@contextmanager
def connect(
    path: Path,
    memory_limit: str = "4GB",
    read_only: bool = False,
    warn: Callable[[str], None] = _log.warning,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open ``path`` with ``open_database`` and close it after the block."""
    con = open_database(path, memory_limit, read_only, warn)
    try:
        yield con
    finally:
        con.close()


def open_database(
    path: Path,
    memory_limit: str = "4GB",
    read_only: bool = False,
    warn: Callable[[str], None] = _log.warning,
) -> duckdb.DuckDBPyConnection:
    """Open ``path`` (creating its folder, schemas and the ``lineage`` tables of
    ``pipelines.lineage`` and ``pipelines.work_delta`` when writable); the caller closes it.

    Returns a connection with a memory limit set, so large runs spill rather than fail. A
    writable database that cannot be opened for any reason but a lock is set aside (see
    the module doc) and ``warn`` called with what was done.
    """
    if read_only:
        con = duckdb.connect(str(path), read_only=True)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = _open_or_set_aside(path, warn)
    try:
        con.execute(f"set memory_limit = '{_checked_size(memory_limit)}'")
        # jemalloc's background thread returns freed pages while no query allocates (see
        # the package's doc): without it a finished step's pages stay resident
        con.execute("set allocator_background_threads = true")
        if not read_only:
            for schema in SCHEMAS:
                con.execute(f"create schema if not exists {schema}")
            lineage.create_tables(con)
            work_delta.create_tables(con)
    except BaseException:
        con.close()
        raise
    return con


def _open_or_set_aside(path: Path, warn: Callable[[str], None]) -> duckdb.DuckDBPyConnection:
    """Open ``path`` read-write; if DuckDB cannot read it (not a lock held elsewhere),
    move it and its log to ``<name>.unreadable`` and open a fresh database there."""
    try:
        return connect_working(path)
    except duckdb.IOException as error:
        if LOCK_HELD.search(str(error)):
            raise
        reason = str(error)
    aside = path.with_name(path.name + UNREADABLE_SUFFIX)
    wal = path.with_name(path.name + ".wal")
    os.replace(path, aside)
    if wal.exists():
        os.replace(wal, aside.with_name(aside.name + ".wal"))
    else:
        aside.with_name(aside.name + ".wal").unlink(missing_ok=True)
    warn(
        f"the working database {path} could not be opened ({reason}); it was moved to "
        f"{aside} and a fresh one begun: a full build (qcm build, the weekly "
        "schedule) rebuilds every table from the landing zone"
    )
    return connect_working(path)


def connect_working(path: Path) -> duckdb.DuckDBPyConnection:
    """Open the working database ``path`` (or a database written as one) read-write; when
    it does not exist, it is begun in the storage format ``WORKING_STORAGE``."""
    return duckdb.connect(str(path), config={"storage_compatibility_version": WORKING_STORAGE})


def older_storage(path: Path) -> str | None:
    """The storage format of the working database ``path`` (as DuckDB names it, such as
    ``v1.0.0+``) when it is older than ``WORKING_STORAGE``: a database begun by an earlier
    qcm, which keeps its format. None when it is absent or current, or when DuckDB cannot
    open it read-only now (the build opening it says why, or sets it aside)."""
    if not path.exists():
        return None
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None
    try:
        version = storage_format(con)
    finally:
        con.close()
    return version if _numbers(version) < _numbers(WORKING_STORAGE) else None


def storage_format(con: duckdb.DuckDBPyConnection) -> str:
    """The storage format of the database ``con`` opened, as DuckDB names it (``v1.5.0+``:
    readable by DuckDB 1.5 and later)."""
    return con.execute(
        "select tags['storage_version'] from duckdb_databases() "
        "where database_name = current_database()"
    ).fetchone()[0]


def _numbers(version: str) -> tuple[int, ...]:
    """The numbers of a storage format's name: ``v1.0.0+`` -> (1, 0, 0)."""
    return tuple(int(n) for n in re.findall(r"\d+", version))


def _checked_size(text: str) -> str:
    """Return a memory size such as ``4GB`` unchanged, refusing anything else."""
    size_bytes(text)
    return text


# DuckDB's units: K(B), M(B), G(B) and T(B) are powers of 1000, KiB to TiB of 1024
UNITS = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}
UNITS |= {unit[0]: size for unit, size in UNITS.items() if unit != "B"}
UNITS |= {"KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def size_bytes(text: str) -> int:
    """The bytes of a memory size such as ``4GB``, ``512 MiB`` or ``1.5GB`` (as DuckDB
    reads it); ValueError for anything else."""
    size = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?) ?([A-Za-z]+)", text)
    if size is None or size[2].upper() not in UNITS:
        raise ValueError(f"memory limit {text!r} is not a size such as 4GB")
    return int(float(size[1]) * UNITS[size[2].upper()])


@contextmanager
def memory_lowered(con: duckdb.DuckDBPyConnection, limit: str, restore: str) -> Iterator[None]:
    """Run the block with DuckDB's memory limit at ``limit`` (or ``restore``, when that is
    lower), then set it back to ``restore``.

    DuckDB keeps the pages of finished queries cached up to its limit; lowering the limit
    makes it give them up at once. A step that builds much in Python while it streams a
    stored table from DuckDB (which needs little) then never holds both at full size.
    """
    lower = limit if size_bytes(limit) < size_bytes(restore) else restore  # both checked
    con.execute(f"set memory_limit = '{lower}'")
    try:
        yield
    finally:
        con.execute(f"set memory_limit = '{restore}'")


@contextmanager
def threads_shared(con: duckdb.DuckDBPyConnection, readers: int) -> Iterator[None]:
    """Run the block with DuckDB's threads shared out among ``readers`` queries that run at
    once on cursors of ``con`` (its thread count divided by them, at least one each), then
    set the count back.

    DuckDB's threads are the database's, not a cursor's: two cursors each running a query
    on all of them keep twice as many threads as cores busy, which costs more in switching
    than it gains. Reading a million works' eight files two at a time took 55 s with two
    threads each and 46 to 51 s with one (``duckdb_parse.read_files``).
    """
    threads = int(con.execute("select current_setting('threads')").fetchone()[0])
    con.execute(f"set threads = {max(1, threads // max(1, readers))}")
    try:
        yield
    finally:
        con.execute(f"set threads = {threads}")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run the block in one DuckDB transaction of ``con``: committed when the block ends,
    rolled back when it raises (the error raised as it is, with a note if the rollback
    failed too), so that what it writes lands whole or not at all."""
    con.begin()
    try:
        yield
    except BaseException as error:
        try:
            con.rollback()
        except duckdb.Error as failed:
            error.add_note(f"rolling back its transaction failed too: {failed}")
        raise
    con.commit()


def memory_held(con: duckdb.DuckDBPyConnection) -> str:
    """What DuckDB's buffer pool holds now, by tag, largest first (``duckdb_memory()``):
    such as ``BASE_TABLE 612.0 MiB, HASH_TABLE 3.5 MiB (spilled 120.0 MiB)``, ``nothing``
    when empty, or why it could not be read."""
    try:
        rows = con.execute(
            "select tag, memory_usage_bytes, temporary_storage_bytes from duckdb_memory() "
            "where memory_usage_bytes > 0 or temporary_storage_bytes > 0 "
            "order by memory_usage_bytes desc, tag"
        ).fetchall()
    except duckdb.Error as error:
        return f"unknown (duckdb_memory() failed: {error})"
    mib = 2**20
    held = [
        f"{tag} {used / mib:.1f} MiB" + (f" (spilled {spilled / mib:.1f} MiB)" if spilled else "")
        for tag, used, spilled in rows
    ]
    return ", ".join(held) or "nothing"


def table_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    """Say whether the table or view ``schema.table`` exists in the connected database
    (it has columns: ``contracts.table_columns``, which looks up that table alone)."""
    return bool(table_columns(con, qualified))


def replace_table(con: duckdb.DuckDBPyConnection, qualified: str, frame: object) -> int:
    """Replace ``schema.table`` with the rows of a Polars/pandas/Arrow frame; return rows."""
    con.register("_qcm_frame", frame)
    try:
        con.execute(f"create or replace table {qualified} as select * from _qcm_frame")
    finally:
        con.unregister("_qcm_frame")
    row = con.execute(f"select count(*) from {qualified}").fetchone()
    return int(row[0]) if row else 0


def load_parsed(
    con: duckdb.DuckDBPyConnection, parsed: Parsed, tables: Sequence[str], run_id: str
) -> tuple[dict[str, int], list[str]]:
    """Load each of ``tables`` from its Parquet parts in ``parsed`` (DuckDB reads them,
    within its memory limit), unless the table holds them already, as an earlier run
    loaded them from a parse of the same key: it is then kept. Sign every table by that
    key (``lineage.declare``) for run ``run_id``, so a kept table keeps its checks' passes
    and the SQL tables that read it. A table is unsigned before it is written, so one
    whose load failed is loaded again by the next run. Returns each table's rows and the
    tables kept."""
    counts, kept = {}, []
    for table in tables:
        decided_by = ["parsed", parsed.key]
        if table_exists(con, table) and lineage.last_signed(con, table) == lineage.declared(
            table, decided_by
        ):
            kept.append(table)
        else:
            lineage.unsign(con, [table])
            con.execute(
                f"create or replace table {table} as select * from read_parquet(?)",
                [[str(part) for part in parsed.parts[table]]],
            )
        counts[table] = con.execute(f"select count(*) from {table}").fetchone()[0]
        lineage.declare(con, table, decided_by, run_id)
    return counts, kept


def loaded_note(parsed: Parsed, tables: Sequence[str], kept: Sequence[str]) -> str:
    """How a parsed source's raw tables came to be, for its log: parsed or reused
    (``parsed.use``), and how many of ``tables`` ``load_parsed`` kept."""
    return f"{parsed.use}; {len(kept)} of {len(tables)} raw tables kept as loaded before"


def value_counts(con: duckdb.DuckDBPyConnection, table: str, column: str) -> dict[str, int]:
    """How many rows of ``table`` hold each value of ``column``, by value."""
    return dict(
        con.execute(f'select "{column}", count(*) from {table} group by all order by 1').fetchall()
    )


def append_rows(con: duckdb.DuckDBPyConnection, qualified: str, frame: object) -> int:
    """Append the rows of a frame to the existing ``schema.table`` (columns matched by
    name); return the rows appended."""
    con.register("_qcm_frame", frame)
    try:
        con.execute(f"insert into {qualified} by name select * from _qcm_frame")
    finally:
        con.unregister("_qcm_frame")
    return len(frame)  # type: ignore[arg-type]
