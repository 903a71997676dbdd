"""The working database after a crash: a write-ahead log torn by SIGKILL replays what was
committed, whole tables or none; a log or a file DuckDB cannot read sets the database
aside and a fresh one is begun; a database locked by another process is never set aside. The
published file never carries a log."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines import db, lineage, work_delta
from pipelines.publish import publish
from tests.integration.test_publish_faults import working_db
from tests.processes import python_env

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
ROWS = 50_000
TABLES = 6

# Writes TABLES tables into the working database through pipelines.db, each in its own
# committed transaction, with checkpoints held back so they are all in the log, then
# dies by SIGKILL, as a build killed in the middle would.
WRITER = f"""
import os, signal, sys
from pathlib import Path
from pipelines import db
with db.connect(Path(sys.argv[1])) as con:
    con.execute("set checkpoint_threshold = '1TB'")
    for k in range({TABLES}):
        con.execute(f"create or replace table core.t{{k}} as "
                    f"select range as n, md5(range::varchar) as s from range({ROWS})")
    os.kill(os.getpid(), signal.SIGKILL)
"""


def killed_writer(folder: Path) -> Path:
    """The working database a killed writer left in ``folder``, with its log."""
    path = folder / "work" / "qcm.duckdb"
    process = subprocess.run(
        [sys.executable, "-c", WRITER, str(path)],
        cwd=REPO,
        env=python_env(),
        timeout=120,
    )
    assert process.returncode == -signal.SIGKILL
    assert path.with_name("qcm.duckdb.wal").stat().st_size > 0
    return path


def copy_with_log(path: Path, folder: Path, log: bytes) -> Path:
    """A copy of the database ``path`` in ``folder`` with ``log`` as its write-ahead log."""
    folder.mkdir()
    copy = folder / path.name
    shutil.copy(path, copy)
    copy.with_name(copy.name + ".wal").write_bytes(log)
    return copy


def test_a_log_torn_anywhere_replays_whole_committed_tables(tmp_path: Path) -> None:
    path = killed_writer(tmp_path)
    log = path.with_name("qcm.duckdb.wal").read_bytes()
    replayed = []
    for cut in (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 0.999, 1.0):
        copy = copy_with_log(path, tmp_path / f"cut{cut}", log[: int(len(log) * cut)])
        warnings: list[str] = []
        with db.connect(copy, warn=warnings.append) as con:
            names = con.execute(
                "select table_name from duckdb_tables() where schema_name = 'core' order by 1"
            ).fetchall()
            rows = {
                name: con.execute(f"select count(*) from core.{name}").fetchone()[0]
                for (name,) in names
            }
        assert warnings == []
        # the committed prefix: t0 .. tk, each whole
        assert list(rows) == [f"t{k}" for k in range(len(rows))]
        assert set(rows.values()) <= {ROWS}
        replayed.append(len(rows))
    assert replayed == sorted(replayed) and replayed[0] == 0 and replayed[-1] == TABLES
    print(f"\ntorn log: tables replayed at cuts of 0 to 100% of the log: {replayed}")


def test_a_log_duckdb_cannot_read_is_set_aside_and_a_fresh_database_begun(
    tmp_path: Path,
) -> None:
    path = killed_writer(tmp_path)
    log = bytearray(path.with_name("qcm.duckdb.wal").read_bytes())
    log[len(log) // 2 : len(log) // 2 + 16] = b"\x00garbage\xff" * 2  # a corrupt entry
    copy = copy_with_log(path, tmp_path / "corrupt", bytes(log))
    warnings: list[str] = []
    with db.connect(copy, warn=warnings.append) as con:
        tables = [
            r[0]
            for r in con.execute(
                "select schema_name || '.' || table_name from duckdb_tables() order by 1"
            ).fetchall()
        ]
        rows = sum(con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables)
        schemas = {r[0] for r in con.execute("select schema_name from duckdb_schemas()").fetchall()}
    # a fresh database: the schemas, and only the lineage tables, empty
    lineage_tables = [lineage.BUILT, lineage.CONTENTS, lineage.VERIFIED, lineage.REWRITTEN]
    lineage_tables += [lineage.UNPUBLISHED]  # the runs that logged themselves, not published
    lineage_tables += [work_delta.WORK_KEYED, work_delta.WORK_ROWS, work_delta.REWRITTEN_WORKS]
    assert tables == sorted(lineage_tables) and rows == 0
    assert set(db.SCHEMAS) <= schemas
    [warning] = warnings
    aside = copy.with_name("qcm.duckdb.unreadable")
    assert f"the working database {copy} could not be opened" in warning
    assert "Corrupt WAL file" in warning and f"moved to {aside}" in warning
    assert aside.exists() and aside.with_name(aside.name + ".wal").read_bytes() == bytes(log)
    # the set-aside copy is the latest one only: a second failure replaces it
    copy.with_name("qcm.duckdb.wal").write_bytes(bytes(log))
    with db.connect(copy, warn=warnings.append):
        pass
    assert len(warnings) == 2
    assert sorted(p.name for p in copy.parent.iterdir()) == [
        "qcm.duckdb",
        "qcm.duckdb.unreadable",
        "qcm.duckdb.unreadable.wal",
    ]


def test_a_database_file_duckdb_cannot_read_is_set_aside_and_a_fresh_database_begun(
    tmp_path: Path,
) -> None:
    path = tmp_path / "work" / "qcm.duckdb"
    with db.connect(path) as con:
        con.execute("create table core.t as select range as n from range(100000)")
    body = bytearray(path.read_bytes())
    body[4196:4396] = b"\xff" * 200  # a block whose checksum no longer matches
    path.write_bytes(bytes(body))
    warnings: list[str] = []
    with db.connect(path, warn=warnings.append) as con:
        tables = con.execute("select count(*) from duckdb_tables() where schema_name = 'core'")
        assert tables.fetchone() == (0,)
    [warning] = warnings
    # DuckDB's message names the "block": it is not taken for a lock held elsewhere
    assert "Corrupt database file" in warning and "block" in warning
    aside = path.with_name("qcm.duckdb.unreadable")
    assert f"moved to {aside}" in warning and aside.read_bytes() == bytes(body)


def test_a_database_locked_by_another_process_is_never_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "work" / "qcm.duckdb"
    with db.connect(path):
        pass
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, duckdb; con = duckdb.connect(sys.argv[1]); print('holding', flush=True); "
            "sys.stdin.read()",
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout.readline().strip() == b"holding"
        warnings: list[str] = []
        with (
            pytest.raises(duckdb.IOException, match="lock"),
            db.connect(path, warn=warnings.append),
        ):
            pass
        assert warnings == [] and sorted(p.name for p in path.parent.iterdir()) == ["qcm.duckdb"]
    finally:
        holder.communicate(b"", timeout=60)


def test_the_published_file_never_carries_a_log(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for marker in (1, 2):
        publish(working_db(tmp_path / "work.duckdb", marker), out)
        assert not list(out.glob("*.wal")) and not list(out.glob(".*.wal"))
