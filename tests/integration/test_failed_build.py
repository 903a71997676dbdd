"""A build that fails validation stops downstream and leaves the last release intact; so
does a build killed midway, and a rebuild over what it left gives the tables of a build
never stopped."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.integration.conftest import byhand_inputs, releases_differ, run_cli, tiny_sources
from tests.processes import python_env

# one worker builds the shared by-hand release once and runs every test that reads it
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("byhand")]
REPO = Path(__file__).resolve().parents[2]
QCM = [sys.executable, "-c", "import sys; from pipelines.cli import main; sys.exit(main())"]


def test_unreadable_files_block_publishing_and_keep_the_last_release(
    byhand: tuple[Path, dict[str, Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the last release: the shared by-hand build, published in byhand/out
    release, sources = byhand
    published = release / "out" / "qcm.duckdb"
    con = duckdb.connect(str(published), read_only=True)
    first_run = con.execute("select run_id from meta.runs").fetchall()
    con.close()
    # the same sources again, now with a truncated works page and an HTML error page
    # saved among the patent responses
    works, patents = tmp_path / "works", tmp_path / "patents"
    shutil.copytree(sources["openalex"], works)
    shutil.copytree(sources["patents"], patents)
    (works / "page3.json").write_text('{"meta": {}, "results": [{"id": "W99", "tit')
    (patents / "pv_500.json").write_text("<!doctype html><html><title>Server Error (500)</title>")
    args = ["build", "--out", str(release / "out"), "--state", str(tmp_path / "state")]
    args += ["--source-dir", f"openalex={works}", "--source-dir", f"patents={patents}"]
    args += tiny_sources(tmp_path, "funding", "openalex_authors", "supply_chain")
    code, output = run_cli(args, monkeypatch)
    assert code == 1
    assert "unusable raw files: page3.json (unreadable_file)" in output
    assert "pv_500.json" in output and "unreadable" in output
    assert "[staging__works]" not in output  # nothing downstream of the failed check ran
    con = duckdb.connect(str(published), read_only=True)
    assert con.execute("select run_id from meta.runs").fetchall() == first_run
    con.close()


def killed_build(tmp: Path, inputs: list[str], seed: int) -> str:
    """Start ``qcm build`` of ``inputs`` into ``tmp`` in another process and SIGKILL it at
    a random moment (seeded), 1 to 8 s after it opened the working database. Returns the
    last line the build had printed."""
    log = tmp / "killed-build.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QCM_", "DAGSTER_"))}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*QCM, "build", "--out", str(tmp / "out"), "--state", str(tmp / "state"), *inputs],
            cwd=REPO,
            env=python_env(env),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        working = tmp / "state" / "work" / "qcm.duckdb"
        deadline = time.monotonic() + 300
        while not working.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(random.Random(seed).uniform(1, 8))
        assert process.poll() is None, log.read_text(encoding="utf-8")[-2000:]
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=60) == -signal.SIGKILL
    lines = log.read_text(encoding="utf-8").strip().splitlines()
    return lines[-1] if lines else ""


def test_a_build_killed_midway_keeps_the_release_and_a_rebuild_gives_identical_tables(
    byhand: tuple[Path, dict[str, Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the last good release is the shared by-hand build's; a build of the same inputs over
    # it is killed
    (tmp_path / "out").mkdir()
    release = tmp_path / "out" / "qcm.duckdb"
    shutil.copy(byhand[0] / "out" / "qcm.duckdb", release)
    before = hashlib.sha256(release.read_bytes()).hexdigest()
    inputs = byhand_inputs(byhand)
    last_line = killed_build(tmp_path, inputs, seed=20261130)
    assert hashlib.sha256(release.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["qcm.duckdb"]
    with duckdb.connect(str(release), read_only=True) as reader:
        assert reader.execute("select count(*) from meta.tables").fetchone()[0] > 60
    print(f"\nbuild killed with SIGKILL after: {last_line!r}; the release is byte-identical")
    # every published table and view of the re-run over the killed run's working state,
    # compared row for row with the uninterrupted build (doubles to 9 decimals: a sum
    # may add the same numbers in another order), except what names the run itself
    args = ["build", "--out", str(tmp_path / "out"), "--state", str(tmp_path / "state")]
    code, output = run_cli(args + inputs, monkeypatch)
    assert code == 0, output
    assert "of an earlier build never ended (the build was killed)" in output
    compared = releases_differ(byhand[0] / "out" / "qcm.duckdb", release)
    assert compared > 60
