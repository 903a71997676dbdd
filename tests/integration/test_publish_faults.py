"""Publishing under real faults, in separate processes: a publish killed with SIGKILL at
random moments never leaves a broken or half-new release, and a re-run completes; readers
in another process keep answering throughout a series of publishes, and a reader that
holds the file open keeps its snapshot; a publish on a disk too small for the new
release fails naming it and leaves the last release whole.

Each test prints its counts (kills, releases checked, rows lost, reader queries answered)
so the reliability figures can be read from the test log (``pytest -s``)."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipelines import publish as publishing
from pipelines.publish import TEMP_PREFIX, PublishError, publish
from tests.processes import python_env

pytestmark = pytest.mark.integration
ROWS = 300_000
REPO = Path(__file__).resolve().parents[2]


def working_db(path: Path, marker: int) -> Path:
    """A working database whose release is told apart by ``marker``: marts.marker holds
    it, marts.numbers holds ROWS rows each carrying it."""
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    for schema in ("marts", "meta"):
        con.execute(f"create schema {schema}")
    con.execute(f"create table marts.marker as select {marker} as marker")
    con.execute(
        f"create table marts.numbers as select range as n, {marker} as marker from range({ROWS})"
    )
    con.execute("create table meta.source_files as select 'synthetic sample' as data_kind")
    con.execute(
        "create table meta.tables as select * from (values "
        f"('marts.marker', 1::bigint, 'synthetic sample'), "
        f"('marts.numbers', {ROWS}::bigint, 'synthetic sample')) "
        "as t(table_name, row_count, data_kind)"
    )
    con.close()
    return path


def release(out: Path) -> tuple[int, int, int]:
    """(marker, rows, rows carrying that marker) of the published file."""
    con = duckdb.connect(str(out / "qcm.duckdb"), read_only=True)
    try:
        marker = con.execute("select marker from marts.marker").fetchone()[0]
        rows, same = con.execute(
            "select count(*), count(*) filter (where marker = ?) from marts.numbers", [marker]
        ).fetchone()
    finally:
        con.close()
    return marker, rows, same


def child(code: str) -> subprocess.Popen:
    """A Python process running ``code`` with the repository importable."""
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=python_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_a_publish_killed_at_any_moment_leaves_the_last_good_release(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = working_db(tmp_path / "work.duckdb", 1)
    started = time.monotonic()  # how long a publish takes, to kill the children within it
    publish(first, out)
    duration = time.monotonic() - started
    rng = random.Random(20261130)
    published, kills, lost = 1, 0, 0
    for marker in range(2, 10):
        work = working_db(tmp_path / "work.duckdb", marker)
        process = child(
            "from pathlib import Path; from pipelines.publish import publish; "
            "print('publishing', flush=True); "
            f"publish(Path({str(work)!r}), Path({str(out)!r}))"
        )
        assert process.stdout.readline().strip() == b"publishing"
        time.sleep(rng.uniform(0.0, 1.2) * duration)  # a random moment of the publish, or after
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait(timeout=60)
        # whatever the moment: the published file opens and is one whole release
        seen, rows, same = release(out)
        assert seen in (published, marker)
        assert rows == same == ROWS
        lost += ROWS - rows
        # the re-run completes, sweeps the dead temporary file and publishes the new release
        publish(work, out)
        assert release(out) == (marker, ROWS, ROWS)
        assert not list(out.glob(f"{TEMP_PREFIX}*"))
        parquet = duckdb.sql(f"select count(*) from '{out / 'parquet' / 'numbers.parquet'}'")
        assert parquet.fetchone() == (ROWS,)
        published = marker
    print(f"\npublish crash: {kills} SIGKILLs in 8 publishes, rows lost {lost}")
    assert kills >= 4  # at least half the rounds really killed a running publish
    assert lost == 0


READER = """
import json, sys, time
from pathlib import Path
import duckdb
path, mode, stop, report = sys.argv[1:5]
# DuckDB shares one database instance among the connections of a process to a path: a
# process that keeps one open sees its snapshot on every new connection too. So "poll"
# opens and closes a connection per query, "hold" keeps one open throughout; "parquet"
# reads the Parquet copy of the table (path is then the Parquet folder).
held = duckdb.connect(path, read_only=True) if mode == "hold" else None
query = "select marker from marts.marker"
if mode == "parquet":
    query = "select marker from read_parquet('" + path + "/marker.parquet')"
answered, failed, seen = 0, [], []
deadline = time.monotonic() + 120
while not Path(stop).exists() and time.monotonic() < deadline:
    try:
        if held:
            con = held
        else:
            con = duckdb.connect(path if mode == "poll" else ":memory:", read_only=mode == "poll")
        try:
            marker = con.execute(query).fetchone()[0]
        finally:
            if held is None:
                con.close()
        answered += 1
        if marker not in seen:
            seen.append(marker)
    except Exception as err:
        failed.append(str(err).splitlines()[0])
    time.sleep(0.01)
Path(report).write_text(json.dumps({"answered": answered, "failed": failed, "seen": seen}))
"""


def test_readers_in_another_process_keep_answering_through_publishes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    publish(working_db(tmp_path / "work.duckdb", 1), out)
    stop = tmp_path / "stop"
    readers = {
        mode: subprocess.Popen(
            [
                sys.executable,
                "-c",
                READER,
                str(out / ("parquet" if mode == "parquet" else "qcm.duckdb")),
                mode,
                str(stop),
                str(tmp_path / f"{mode}.json"),
            ]
        )
        for mode in ("poll", "hold", "parquet")
    }
    time.sleep(1.5)  # the readers are querying before the first publish
    for marker in (2, 3, 4):
        publish(working_db(tmp_path / "work.duckdb", marker), out)
    time.sleep(0.5)  # and still querying after the last
    stop.touch()
    results = {}
    for mode, process in readers.items():
        assert process.wait(timeout=60) == 0
        results[mode] = json.loads((tmp_path / f"{mode}.json").read_text())
    poll, hold, parquet = results["poll"], results["hold"], results["parquet"]
    answered = sum(result["answered"] for result in results.values())
    failed = sum(len(result["failed"]) for result in results.values())
    print(
        f"\nreaders during refresh: {answered} queries answered, {failed} failed; releases "
        f"seen by a new connection per query {poll['seen']}, by a connection held open "
        f"{hold['seen']}, by Parquet readers {parquet['seen']}"
    )
    assert poll["failed"] == [] and hold["failed"] == [] and parquet["failed"] == []
    assert all(result["answered"] > 20 for result in results.values())
    assert parquet["seen"][0] == 1 and parquet["seen"][-1] == 4
    assert poll["seen"][0] == 1 and poll["seen"][-1] == 4  # old data, then the newest
    assert poll["seen"] == sorted(poll["seen"])  # never back to an older release
    assert hold["seen"] == [1]  # an open reader keeps its snapshot
    assert release(out) == (4, ROWS, ROWS)


def test_a_disk_too_small_for_the_new_release_leaves_the_last_one(tmp_path: Path) -> None:
    out = tmp_path / "out"
    publish(working_db(tmp_path / "work.duckdb", 1), out)
    room = (out / "qcm.duckdb").stat().st_size // 2
    work = working_db(tmp_path / "work.duckdb", 2)
    # no file may grow past half the size of a release: the new one cannot be written
    process = child(
        "import resource, signal; from pathlib import Path; "
        "from pipelines.publish import publish; "
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({room}, {room})); "
        f"publish(Path({str(work)!r}), Path({str(out)!r}))"
    )
    output = process.communicate(timeout=120)[0].decode()
    assert process.returncode == 1
    assert "PublishError: the new release could not be written in" in output
    assert "File too large" in output and "the last release is untouched" in output
    assert release(out) == (1, ROWS, ROWS)
    assert sorted(p.name for p in out.iterdir()) == ["parquet", "qcm.duckdb"]
    publish(work, out)  # with room again
    assert release(out) == (2, ROWS, ROWS)


def test_a_parquet_copy_that_fails_publishes_neither_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    publish(working_db(tmp_path / "work.duckdb", 1), out)

    def full_disk(database: Path, folder: Path, *_: object) -> None:
        (folder / "numbers.parquet").write_bytes(b"PAR1 half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(publishing, "_write_parquet", full_disk)
    with pytest.raises(PublishError, match=r"No space left on device.*last release is untouched"):
        publish(working_db(tmp_path / "work.duckdb", 2), out)
    assert release(out) == (1, ROWS, ROWS)
    parquet = duckdb.sql(f"select distinct marker from '{out / 'parquet' / 'numbers.parquet'}'")
    assert parquet.fetchall() == [(1,)]
    assert sorted(p.name for p in out.iterdir()) == ["parquet", "qcm.duckdb"]
