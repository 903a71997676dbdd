"""The Dagster floor does in each step what Dagster does in each of a build's steps, on an
instance configured as the build's, and reports the run's wall time."""

from pathlib import Path

import dagster as dg
import pytest

from pipelines.dagster_floor import FLOOR_JOB, POOL, floor
from pipelines.dagster_storage import instance_at

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_the_floor_runs_steps_that_log_materialize_and_check_in_the_builds_pool(
    tmp_path: Path,
) -> None:
    home = tmp_path / "dagster"
    (home / "left").mkdir(parents=True)  # an earlier floor's instance is replaced
    seconds = floor(3, home, REPO_ROOT)

    assert not (home / "left").exists()
    assert (home / "dagster.yaml").read_text() == (REPO_ROOT / "dagster.yaml").read_text()
    instance = instance_at(home)
    try:
        (run,) = instance.get_runs(dg.RunsFilter(job_name=FLOOR_JOB))
        entries = instance.all_logs(run.run_id)
        kinds = [e.dagster_event.event_type_value for e in entries if e.dagster_event]
        logged = [e.user_message for e in entries if e.dagster_event is None]
        timestamps = [e.timestamp for e in entries]
    finally:
        instance.dispose()
    assert run.status == dg.DagsterRunStatus.SUCCESS
    assert kinds.count("STEP_SUCCESS") == 3
    assert kinds.count("ASSET_MATERIALIZATION") == 3
    assert kinds.count("ASSET_CHECK_EVALUATION") == 3
    assert sorted(logged) == [f"kept step_{n}: 0 rows" for n in range(3)]
    assert run.run_op_concurrency.all_pools == {POOL}  # the pool of the build's steps
    assert 0 < seconds <= max(timestamps) - min(timestamps)
