"""One build per working state, none beside a run of the Dagster UI or daemon, and a killed
build's Dagster run cleaned up: without it, the dead run holds its pools and the run queue
keeps every later run of them waiting for ever."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.instance.config import PoolGranularity
from dagster._core.op_concurrency_limits_counter import GlobalOpConcurrencyLimitsCounter
from dagster._core.storage.dagster_run import ACTIVE_RUN_STATUSES

from pipelines import build_guard
from pipelines.dagster_storage import instance_at
from tests.integration.conftest import run_cli
from tests.processes import python_env

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]

# A run in pool "duckdb" that stays in progress (a step that sleeps) until it is killed:
# launched as the command launches it (argument "command") or untagged, as the UI or the
# daemon launch one (argument "ui").
HOLDER = """
import sys
import time
import dagster as dg
from pipelines.build_guard import RUN_TAGS

@dg.asset(pool="duckdb")
def slow() -> None:
    print("holding", flush=True)
    time.sleep(120)

tags = RUN_TAGS if sys.argv[1] == "command" else {}
dg.materialize([slow], instance=dg.DagsterInstance.get(), tags=tags)
"""


@dg.asset(pool="duckdb")
def quick() -> int:
    return 1


def dead_run(launcher: str, home: Path, monkeypatch: pytest.MonkeyPatch) -> dg.DagsterRun:
    """A run in pool "duckdb" whose process was killed (SIGKILL) while it was in progress,
    in an instance at ``home`` with the repository's dagster.yaml; ``launcher`` is
    "command" or "ui" (HOLDER)."""
    home.mkdir(parents=True)
    shutil.copyfile(REPO / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, launcher],
        cwd=REPO,
        env=python_env(),
        stdout=subprocess.PIPE,
    )
    try:
        while (line := holder.stdout.readline()) and b"holding" not in line:
            pass
        assert line, "the holder ended before its step began"
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=60)
    (record,) = dg.DagsterInstance.get().get_run_records()
    assert record.dagster_run.status == dg.DagsterRunStatus.STARTED  # for ever
    return record.dagster_run


def queue_holds_back(instance: dg.DagsterInstance, run: dg.DagsterRun) -> bool:
    """Whether the daemon's run queue would keep ``run`` (a run of its pools) waiting now,
    by the instance's pool settings and the runs in progress, as it decides each pass."""
    counter = GlobalOpConcurrencyLimitsCounter(
        instance,
        [run],
        instance.get_run_records(filters=dg.RunsFilter(statuses=ACTIVE_RUN_STATUSES)),
        concurrency_keys=instance.event_log_storage.get_concurrency_keys(),
        pool_limits=instance.event_log_storage.get_pool_limits(),
        pool_granularity=instance.get_concurrency_config().pool_config.pool_granularity,
    )
    return counter.is_blocked(run)


def test_the_instance_holds_pools_by_run_and_its_daemon_monitors_runs(tmp_path: Path) -> None:
    home = tmp_path / "dagster"
    home.mkdir()
    shutil.copyfile(REPO / "dagster.yaml", home / "dagster.yaml")
    instance = instance_at(home)
    try:
        pools = instance.get_concurrency_config().pool_config
        assert (pools.pool_granularity, pools.default_pool_limit) == (PoolGranularity.RUN, 1)
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_max_resume_run_attempts == 0  # the default launcher's
        assert instance.run_monitoring_cancel_timeout_seconds == 180
        assert "MONITORING" in instance.get_required_daemon_types()
    finally:
        instance.dispose()


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


def test_a_killed_builds_run_is_marked_failed_and_no_longer_holds_its_pool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = dead_run("command", tmp_path / "dagster", monkeypatch)
    instance = dg.DagsterInstance.get()
    later = instance.get_run_by_id(dg.materialize([quick], instance=instance).run_id)
    build_guard.refuse_beside(instance, {"duckdb"})  # the command's own runs do not stop it
    assert queue_holds_back(instance, later)  # a UI run of the pool would wait for ever
    with build_guard.exclusive(tmp_path):
        assert build_guard.release_dead_runs(instance) == [dead.run_id]
        assert build_guard.release_dead_runs(instance) == []
    assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE
    assert not queue_holds_back(instance, later)


def test_a_build_stops_beside_a_ui_run_of_its_pools_until_it_is_terminated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state"
    dead = dead_run("ui", state / "dagster", monkeypatch)  # where the build's instance is
    code, output = run_cli(
        ["build", "--out", str(tmp_path / "out"), "--state", str(state)], monkeypatch
    )
    assert code == 2
    assert f"{dead.run_id} (__ephemeral_asset_job__, STARTED)" in output
    assert "stage: build" not in output and not (tmp_path / "out").exists()
    instance = dg.DagsterInstance.get()
    assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.STARTED
    build_guard.refuse_beside(instance, {"openalex"})  # a job of other pools may run
    # what the UI's Terminate (force) does: the run no longer holds its pools
    instance.report_run_canceled(instance.get_run_by_id(dead.run_id))
    build_guard.refuse_beside(instance, {"duckdb"})
    later = instance.get_run_by_id(dg.materialize([quick], instance=instance).run_id)
    assert not queue_holds_back(instance, later)


def test_qcm_pools_limits_every_pool_before_the_ui_or_the_daemon_meets_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state"
    dead_run("ui", state / "dagster", monkeypatch)  # a UI run in pool "duckdb", in progress
    instance = dg.DagsterInstance.get()
    later = instance.get_run_by_id(dg.materialize([quick], instance=instance).run_id)
    # no limit set yet: the queue would start a second run of the one writer beside it
    assert not queue_holds_back(instance, later)
    code, output = run_cli(["pools", "--state", str(state)], monkeypatch)  # ./dev ui, daemon
    assert code == 0
    pools = "comtrade, cordis, duckdb, epo_ops, nsf, openalex, patentsview, ukri, world_bank"
    assert output.strip() == "qcm pools: " + ", ".join(f"{p} 1" for p in pools.split(", "))
    assert queue_holds_back(dg.DagsterInstance.get(), later)
