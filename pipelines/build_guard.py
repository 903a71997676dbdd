"""One ``qcm build`` per working state, and the cleaning up after one that was killed.

A build holds ``<state>/build.lock`` (an exclusive ``flock``, released by the system when
its process dies, however it dies) from start to end; a second build on the same state
stops at once with BuildBusy naming the process that holds it.

A build killed with SIGKILL (or by a power cut) leaves its Dagster run marked as started
for ever, holding its concurrency-pool slot: every later run would wait for that slot.
While a build holds the lock no other build of the command is alive, so the runs the
command launched that are still marked as running are dead ones: ``release_dead_runs``
marks them failed and frees their slots. Runs launched by the Dagster UI or daemon carry
no such tag: Dagster does not see their process die, and the README tells the operator to
terminate such a run in the UI.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

LAUNCHED_BY = "qcm/launched_by"  # the tag of every run the command launches
COMMAND = "qcm build"
RUN_TAGS = {LAUNCHED_BY: COMMAND}
UNFINISHED = [
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


class BuildBusy(RuntimeError):
    """Another build holds the working state."""


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


def release_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed every run the command launched that is still marked as running, and
    free its concurrency slots. Call only while holding ``exclusive``. Returns their ids."""
    records = instance.get_run_records(filters=dg.RunsFilter(statuses=UNFINISHED, tags=RUN_TAGS))
    for record in records:
        run = record.dagster_run
        instance.report_run_failed(
            run,
            message=f"{COMMAND} ended without finishing this run (killed or crashed); a later "
            "build marked it failed and freed its concurrency slots",
        )
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
    return [record.dagster_run.run_id for record in records]
