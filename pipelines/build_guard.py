"""One ``qcm build`` per working state, no build beside a run of the Dagster UI or
daemon, and the cleaning up after a build that was killed.

A build holds ``<state>/build.lock`` (an exclusive ``flock``, released by the system when
its process dies, however it dies) from start to end; a second build on the same state
stops at once with BuildBusy naming the process that holds it.

The concurrency pools of ``dagster.yaml`` are held by whole runs: the daemon's run queue
starts a run only when no run in progress uses one of its pools, counting the command's
runs too. The command runs its jobs in its own process, round the queue, so before each
run it checks the same (``refuse_beside``): a run of the UI or the daemon in progress in
one of the job's pools (a materialization, a fetch, a build) stops it with BuildBusy,
before it opens the working database that run holds open. The check is not one step with
the start of the command's run: in live mode the command runs a job per fetch, and a run
the daemon starts between two of them stops the build at the next (code 2), the pages
landed so far kept for the next build.

A build killed with SIGKILL (or by a power cut) leaves its Dagster run marked as started
for ever, and the run queue holds every later run of its pools behind it. While a build
holds the lock no other build of the command is alive, so the runs the command launched
that are still marked as running are dead ones: ``release_dead_runs`` marks them failed.
Runs launched by the Dagster UI or daemon carry no such tag: Dagster does not see their
process die, and the README tells the operator to terminate such a run in the UI.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator, Set
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

LAUNCHED_BY = "qcm/launched_by"  # the tag of every run the command launches
COMMAND = "qcm build"
RUN_TAGS = {LAUNCHED_BY: COMMAND}
OUT_TAG = "qcm/out"  # the folder a build the command launches publishes to (--out, QCM_OUT)
UNFINISHED = [
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]
# the statuses in which the run queue counts a run as holding its pools (a run created but
# never launched, NOT_STARTED, holds nothing)
IN_PROGRESS = [status for status in UNFINISHED if status != dg.DagsterRunStatus.NOT_STARTED]


class BuildBusy(RuntimeError):
    """Another build holds the working state, or a run of the Dagster UI or daemon is
    using a pool the build needs."""


@contextmanager
def exclusive(state_dir: Path) -> Iterator[None]:
    """Hold ``state_dir/build.lock`` for the block; BuildBusy when another process has it."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / "build.lock"
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise BuildBusy(
                f"another qcm build (process {holder}) is using the working state {state_dir}; "
                "wait for it to end, or give this build its own --state"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def limit_pools(instance: dg.DagsterInstance, pools: Set[str]) -> None:
    """Set the limit of each of ``pools`` to the instance's default (``dagster.yaml``: one
    run at a time) where it has none yet. The run queue lets every queued run of a pool
    through, without counting the runs in progress, the first time it meets the pool with
    no limit set (Dagster 1.13): three queued fetches of one key, or two runs of the one
    DuckDB writer, would start together."""
    for pool in pools:
        instance.event_log_storage.initialize_concurrency_limit_to_default(pool)


def refuse_beside(instance: dg.DagsterInstance, pools: Set[str]) -> None:
    """Raise BuildBusy naming the runs in progress, not launched by the command, that use
    one of ``pools`` (the pools of the job the command is about to run); return when there
    are none. Limits the pools first (``limit_pools``): otherwise the queue could start a
    run beside this one."""
    limit_pools(instance, pools)
    records = instance.get_run_records(filters=dg.RunsFilter(statuses=IN_PROGRESS))
    busy = [
        record.dagster_run
        for record in records
        if record.dagster_run.tags.get(LAUNCHED_BY) != COMMAND
        and record.dagster_run.run_op_concurrency is not None
        and pools & set(record.dagster_run.run_op_concurrency.all_pools or ())
    ]
    if busy:
        runs = ", ".join(f"{run.run_id} ({run.job_name}, {run.status.value})" for run in busy)
        raise BuildBusy(
            f"a run launched from the Dagster UI or daemon is using what this build needs "
            f"(pools {sorted(pools)}): {runs}. Wait for it to end, or terminate it in the UI "
            "(Terminate (force) if its process died), and build again"
        )


def release_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed every run the command launched that is still marked as running, so
    that it no longer holds its pools. Call only while holding ``exclusive``. Returns
    their ids."""
    records = instance.get_run_records(filters=dg.RunsFilter(statuses=UNFINISHED, tags=RUN_TAGS))
    for record in records:
        instance.report_run_failed(
            record.dagster_run,
            message=f"{COMMAND} ended without finishing this run (killed or crashed); a later "
            "build marked it failed, so that it no longer holds its concurrency pools",
        )
    return [record.dagster_run.run_id for record in records]
