"""Dagster's own cost of a build's steps on this machine, measured rather than bounded.

Every qcm step pays Dagster for more than the time between steps: within the step it
fetches its inputs' data versions and writes each event (start, log lines,
materialization, check result, success) to the SQLite event log through a new
connection. ``floor(steps, home, repo_root)`` runs a job of ``steps``
assets that do only that, as a qcm step does it: each in pool ``duckdb``, logging one
line (to the build's progress logger; the lines it prints are discarded), reporting a
materialization with a row count and the result of one asset check, each asset reading
the one before. It runs in process on an instance made from ``repo_root``'s
``dagster.yaml`` in the folder ``home`` (put it on the build state's disk: SQLite's
commits cost what that disk costs). Its wall time, from the run's start event to its
success event as the benchmark times a build, is Dagster's own time for that many steps
with no work of ours in them.
"""

import contextlib
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from pipelines.cli import RUN_CONFIG  # the build's logger
from pipelines.dagster_storage import instance_at
from pipelines.progress import progress_logger

FLOOR_JOB = "dagster_floor"
POOL = "duckdb"  # the pool of every step that writes the working database
RUN_EVENTS = ("PIPELINE_START", "RUN_START", "PIPELINE_SUCCESS", "RUN_SUCCESS")


def floor(steps: int, home: Path, repo_root: Path) -> float:
    """Run ``steps`` do-nothing steps in a fresh instance at ``home`` (replaced), with
    ``repo_root``'s ``dagster.yaml``; return the run's wall seconds (start to success)."""
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    shutil.copyfile(repo_root / "dagster.yaml", home / "dagster.yaml")
    definitions = dg.Definitions(
        assets=[_step(number) for number in range(steps)],
        jobs=[dg.define_asset_job(FLOOR_JOB)],
        loggers={"progress": progress_logger},
    )
    instance = instance_at(home)
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the build's progress lines, unread
            result = definitions.resolve_job_def(FLOOR_JOB).execute_in_process(
                run_config=RUN_CONFIG, instance=instance
            )
        if not result.success:
            raise RuntimeError("the Dagster floor's job failed")
        times = [
            entry.timestamp
            for entry in instance.all_logs(result.run_id)
            if entry.dagster_event and entry.dagster_event.event_type_value in RUN_EVENTS
        ]
    finally:
        instance.dispose()
    return max(times) - min(times)


def _step(number: int) -> dg.AssetsDefinition:
    """The ``number``-th do-nothing asset, reading the one before it."""
    name = f"step_{number}"

    @dg.asset(
        name=name,
        deps=[f"step_{number - 1}"] if number else [],
        pool=POOL,
        check_specs=[dg.AssetCheckSpec("contract", asset=name)],
    )
    def step(context: dg.AssetExecutionContext) -> Iterator[object]:
        context.log.info(f"kept {name}: 0 rows")
        yield dg.MaterializeResult(metadata={"rows": 0})
        yield dg.AssetCheckResult(passed=True, check_name="contract")

    return step
