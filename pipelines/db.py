"""DuckDB access for the working database: one writer, connections closed promptly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

SCHEMAS = ("ref", "raw", "staging", "core", "indicators", "marts", "meta")


@contextmanager
def connect(
    path: Path, memory_limit: str = "4GB", read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open ``path`` (creating its folder and schemas when writable) and close it after.

    Yields a connection with a memory limit set, so large runs spill rather than fail.
    """
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        con.execute(f"set memory_limit = '{_checked_size(memory_limit)}'")
        if not read_only:
            for schema in SCHEMAS:
                con.execute(f"create schema if not exists {schema}")
        yield con
    finally:
        con.close()


def _checked_size(text: str) -> str:
    """Return a memory size such as ``4GB`` unchanged, refusing anything else."""
    number = text.rstrip("KMGTiBb ")
    if not number.replace(".", "", 1).isdigit() or not text[len(number) :].strip():
        raise ValueError(f"memory limit {text!r} is not a size such as 4GB")
    return text


def table_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    """Say whether ``schema.table`` exists in the connected database."""
    schema, table = qualified.split(".")
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


def replace_table(con: duckdb.DuckDBPyConnection, qualified: str, frame: object) -> int:
    """Replace ``schema.table`` with the rows of a Polars/pandas/Arrow frame; return rows."""
    con.register("_qcm_frame", frame)
    try:
        con.execute(f"create or replace table {qualified} as select * from _qcm_frame")
    finally:
        con.unregister("_qcm_frame")
    row = con.execute(f"select count(*) from {qualified}").fetchone()
    return int(row[0]) if row else 0


def append_rows(con: duckdb.DuckDBPyConnection, qualified: str, frame: object) -> int:
    """Append the rows of a frame to the existing ``schema.table`` (columns matched by
    name); return the rows appended."""
    con.register("_qcm_frame", frame)
    try:
        con.execute(f"insert into {qualified} by name select * from _qcm_frame")
    finally:
        con.unregister("_qcm_frame")
    return len(frame)  # type: ignore[arg-type]
