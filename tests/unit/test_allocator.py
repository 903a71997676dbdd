"""The process's allocators as qcm configures them: importing ``pipelines`` before
``duckdb`` sets DuckDB's jemalloc decay (read back from jemalloc itself, in a fresh
process), a user's own setting is kept, the working database runs jemalloc's background
thread, and the C heap's free pages go back to the system after each use of the working
database."""

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines import resources
from pipelines.db import connect
from pipelines.resources import MALLOC_TRIM, return_free_heap

pytestmark = pytest.mark.unit
REPO = Path(__file__).resolve().parents[2]
# prints jemalloc's decay options as DuckDB's library reads them, `pipelines` imported first
READ_BACK = """
import ctypes
import pipelines, _duckdb
mallctl = ctypes.CDLL(_duckdb.__file__).duckdb_je_mallctl
for name in ("opt.dirty_decay_ms", "opt.muzzy_decay_ms"):
    value, size = ctypes.c_ssize_t(), ctypes.c_size_t(ctypes.sizeof(ctypes.c_ssize_t))
    assert mallctl(name.encode(), ctypes.byref(value), ctypes.byref(size), None, 0) == 0
    print(name, value.value)
"""


def _decay(env: dict[str, str]) -> dict[str, int]:
    """jemalloc's decay options in a new Python process started with ``env``."""
    shown = subprocess.run(
        [sys.executable, "-c", READ_BACK], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    return {
        name: int(value)
        for name, value in (line.split() for line in shown.stdout.split("\n") if line)
    }


def _has_jemalloc() -> bool:
    import _duckdb

    return hasattr(ctypes.CDLL(_duckdb.__file__), "duckdb_je_mallctl")


needs_jemalloc = pytest.mark.skipif(
    not _has_jemalloc(), reason="this DuckDB build has no jemalloc (only Linux builds do)"
)


@needs_jemalloc
def test_importing_pipelines_first_sets_the_allocators_decay() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DUCKDB_JE_MALLOC_CONF"}
    assert _decay(env) == {"opt.dirty_decay_ms": 200, "opt.muzzy_decay_ms": 0}


@needs_jemalloc
def test_a_users_own_allocator_setting_is_kept() -> None:
    env = {**os.environ, "DUCKDB_JE_MALLOC_CONF": "dirty_decay_ms:3000"}
    # the user's value, and DuckDB's own default (1 s) for what it does not set
    assert _decay(env) == {"opt.dirty_decay_ms": 3000, "opt.muzzy_decay_ms": 1000}


@pytest.mark.parametrize("read_only", [False, True])
def test_the_working_database_runs_the_allocators_background_thread(
    tmp_path: Path, read_only: bool
) -> None:
    path = tmp_path / "qcm.duckdb"
    with connect(path):
        pass  # the file, for the read-only case
    with connect(path, read_only=read_only) as con:
        shown = con.execute("select current_setting('allocator_background_threads')").fetchone()
    assert shown == (True,)


def _resident() -> int:
    """This process's resident memory in bytes (VmRSS)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


@pytest.mark.skipif(MALLOC_TRIM is None, reason="the C library has no malloc_trim (not glibc)")
def test_the_c_heaps_free_pages_are_returned_to_the_system() -> None:
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    chunk, count = 4096, 50_000  # 200 MB in blocks below glibc's mmap threshold: the heap
    blocks = [libc.malloc(chunk) for _ in range(count)]
    for block in blocks:
        ctypes.memset(block, 1, chunk)
    for block in blocks[:-1]:  # the last block keeps the heap's top: glibc trims no further
        libc.free(block)
    before = _resident()
    assert return_free_heap()
    assert before - _resident() > 150 * 10**6
    libc.free(blocks[-1])


def test_the_heap_is_returned_after_each_use_of_the_working_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(resources, "return_free_heap", lambda: calls.append("returned"))
    qcm = resources.QcmResource(out_dir=str(tmp_path / "out"), state_dir=str(tmp_path / "state"))
    with qcm.connect() as con:
        con.execute("create table core.t as select 1 as n")
        assert calls == []  # not while the step still uses the database
    assert calls == ["returned"]
    qcm.release()
