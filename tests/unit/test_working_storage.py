"""The storage formats of the working and the published database (``pipelines.db``)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines import db
from pipelines.publish import publish


def default_version(folder: Path) -> str:
    """The storage format of a file DuckDB begins with its defaults."""
    con = duckdb.connect(str(folder / "default.duckdb"))
    try:
        return db.storage_format(con)
    finally:
        con.close()


def test_a_working_database_begun_afresh_is_in_the_working_storage_format(
    tmp_path: Path,
) -> None:
    with db.connect(tmp_path / "work" / "qcm.duckdb") as con:
        assert db.storage_format(con) == f"{db.WORKING_STORAGE}+"
    assert default_version(tmp_path) != f"{db.WORKING_STORAGE}+"


def test_a_working_database_begun_earlier_keeps_its_format_and_its_tables(
    tmp_path: Path,
) -> None:
    path = tmp_path / "qcm.duckdb"
    con = duckdb.connect(str(path))  # DuckDB's default format, as earlier builds began it
    con.execute("create table numbers as select range as n from range(3)")
    con.close()
    default = default_version(tmp_path)
    with db.connect(path) as con:
        assert db.storage_format(con) == default
        assert con.execute("select sum(n) from numbers").fetchone()[0] == 3
        con.execute("create table more as select 1 as one")
    with db.connect(path, read_only=True) as con:
        assert db.storage_format(con) == default


def test_a_working_database_in_an_older_format_is_told_apart(tmp_path: Path) -> None:
    """``qcm build`` says so when the working database is one earlier builds began."""
    path = tmp_path / "qcm.duckdb"
    assert db.older_storage(path) is None  # absent
    duckdb.connect(str(path)).close()
    assert db.older_storage(path) == default_version(tmp_path)
    path.unlink()
    with db.connect(path):
        pass
    assert db.older_storage(path) is None
    path.write_bytes(b"not a database")
    assert db.older_storage(path) is None  # the build's own opening sets it aside


def test_the_published_database_keeps_the_default_format(tmp_path: Path) -> None:
    """Researchers open the release with their own DuckDB: any since 0.10.2 reads it."""
    default = default_version(tmp_path)
    working = tmp_path / "state" / "qcm.duckdb"
    with db.connect(working) as con:
        con.execute("create table marts.numbers as select range as n from range(3)")
        con.execute("create table meta.source_files as select 'synthetic sample' as data_kind")
    publish(working, tmp_path / "out")
    con = duckdb.connect(str(tmp_path / "out" / "qcm.duckdb"), read_only=True)
    try:
        assert db.storage_format(con) == default
        assert con.execute("select count(*) from marts.numbers").fetchone()[0] == 3
    finally:
        con.close()
