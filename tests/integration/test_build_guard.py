"""One build per working state, and a killed build's Dagster run cleaned up: without it,
the dead run keeps its concurrency slot and every later build waits for ever."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from pipelines import build_guard
from tests.integration.conftest import run_cli

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]

# A run of the command in a pool of one slot, launched as the command launches it, that
# holds its slot (a step that sleeps) until it is killed.
HOLDER = """
import time
import dagster as dg
from pipelines.build_guard import RUN_TAGS

@dg.asset(pool="duckdb")
def slow() -> None:
    print("holding", flush=True)
    time.sleep(120)

dg.materialize([slow], instance=dg.DagsterInstance.get(), tags=RUN_TAGS)
"""


def test_a_second_build_of_the_same_state_stops_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state"
    with build_guard.exclusive(state):
        busy = pytest.raises(build_guard.BuildBusy, match=f"process {os.getpid()}")
        with busy, build_guard.exclusive(state):
            pass
        code, output = run_cli(
            ["build", "--out", str(tmp_path / "out"), "--state", str(state)], monkeypatch
        )
    assert code == 2
    assert f"another qcm build (process {os.getpid()}) is using the working state" in output
    assert not (tmp_path / "out").exists()
    with build_guard.exclusive(state):  # released
        pass


def test_a_killed_builds_run_is_marked_failed_and_its_slot_freed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "dagster"
    home.mkdir()
    shutil.copyfile(REPO / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
    )
    try:
        while (line := holder.stdout.readline()) and b"holding" not in line:
            pass
        assert line, "the holder ended before holding its slot"
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=60)
    instance = dg.DagsterInstance.get()
    claimed = instance.event_log_storage.get_concurrency_info("duckdb").claimed_slots
    assert len(claimed) == 1  # the dead run still holds the only slot
    with build_guard.exclusive(tmp_path):
        released = build_guard.release_dead_runs(instance)
        assert released == [claimed[0].run_id]
        assert build_guard.release_dead_runs(instance) == []
    run = instance.get_run_by_id(released[0])
    assert run.status == dg.DagsterRunStatus.FAILURE
    assert instance.event_log_storage.get_concurrency_info("duckdb").claimed_slots == []

    @dg.asset(pool="duckdb")
    def quick() -> int:
        return 1

    # the next run in the pool gets the slot (it would wait for ever otherwise)
    assert dg.materialize([quick], instance=instance, tags=build_guard.RUN_TAGS).success
