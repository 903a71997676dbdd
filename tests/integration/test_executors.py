"""The main job under Dagster's multiprocess executor (each step in its own process, the
executor a cluster uses) builds the tables the default in-process executor builds; launched
as the UI, the daemon or a schedule launches it, it runs in process and builds them too.

A slice of the graph keeps it quick (each step in its own process costs about a second):
the reference tables, the raw works and the staging and core tables of publications,
with the contract checks of the raw works.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from pipelines.build_guard import RUN_TAGS
from pipelines.cli import MULTIPROCESS, prepare_dagster_home, run_main_job
from tests.integration.conftest import tiny_source

pytestmark = pytest.mark.integration

SELECTION = [
    dg.AssetKey(path)
    for path in (
        ["ref", "reference_tables"],
        ["raw", "openalex"],
        ["staging", "works"],
        ["staging", "authorships"],
        ["staging", "authorship_countries"],
        ["core", "work_country_counts"],
        ["core", "work_country_fractions"],
    )
]
TABLES = (
    "raw.openalex_works",
    "staging.works",
    "staging.authorship_countries",
    "core.work_country_fractions",
)


def code_location_job() -> dg.JobDefinition:
    """The main job as the code location the UI and the daemon load makes it (built here
    again, so that it reads the test's working state)."""
    from pipelines.definitions import LOCATION_EXECUTOR, build_definitions

    return build_definitions(executor=LOCATION_EXECUTOR).resolve_job_def("qcm_build")


def launch(
    instance: dg.DagsterInstance, selection: tuple[set[dg.AssetKey], set[dg.AssetCheckKey]]
) -> dg.ExecutionResult:
    """Run the selection as the UI, the daemon or a schedule launches the main job: loaded
    by module and name, with no run configuration of its own."""
    job = dg.reconstructable(code_location_job).get_subset(
        asset_selection=selection[0], asset_check_selection=selection[1]
    )
    return dg.execute_job(job, instance=instance, tags=RUN_TAGS, raise_on_error=False)


def build(folder: Path, executor: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, list]:
    """Run the selection with ``executor`` (or ``launched``: as the UI launches the job) in
    its own state; the tables' sorted rows."""
    from pipelines.definitions import build_definitions

    state = folder / executor / "state"
    monkeypatch.setenv("QCM_STATE", str(state))
    monkeypatch.setenv("QCM_OUT", str(folder / executor / "out"))
    monkeypatch.setenv("QCM_SOURCE_DIRS", tiny_source(folder, "openalex"))
    prepare_dagster_home(state)
    instance = dg.DagsterInstance.get()
    try:
        defs = build_definitions()
        checks = {
            key
            for key in defs.resolve_asset_graph().asset_check_keys
            if key.asset_key == dg.AssetKey(["raw", "openalex"])
        }
        if executor == "launched":
            result = launch(instance, (set(SELECTION), checks))
        else:
            result = run_main_job(defs, instance, executor, RUN_TAGS, (set(SELECTION), checks))
        assert result.success
        steps = {
            event.step_key
            for event in result.all_events
            if event.event_type_value == "STEP_SUCCESS"
        }
        # a step in a process of its own says so; the multiprocess executor's alone do
        separate = any(e.event_type_value == "STEP_WORKER_STARTED" for e in result.all_events)
        assert separate == (executor == "multiprocess")
    finally:
        instance.dispose()
    assert any("contract" in step for step in steps)  # the checks ran too
    con = duckdb.connect(str(state / "work" / "qcm.duckdb"), read_only=True)
    try:
        return {t: sorted(con.execute(f"select * from {t}").fetchall(), key=str) for t in TABLES}
    finally:
        con.close()


def test_the_multiprocess_executor_builds_the_tables_of_the_in_process_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("QCM_MODE", "QCM_REFETCH", "QCM_SYNTHESIS", "QCM_SMALL_NUMBERS", "DAGSTER_HOME"):
        monkeypatch.delenv(name, raising=False)
    in_process = build(tmp_path, "in_process", monkeypatch)
    multiprocess = build(tmp_path, "multiprocess", monkeypatch)
    assert all(in_process[t] for t in TABLES)
    assert multiprocess == in_process


def test_a_run_the_ui_or_the_daemon_launches_builds_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a run configuration the main job runs as ``qcm build`` does, every step in
    the run's process: Dagster's default would be a process per step, two at a time."""
    for name in ("QCM_MODE", "QCM_REFETCH", "QCM_SYNTHESIS", "QCM_SMALL_NUMBERS", "DAGSTER_HOME"):
        monkeypatch.delenv(name, raising=False)
    from pipelines.definitions import LOCATION_EXECUTOR, defs

    assert defs.resolve_job_def("qcm_build").executor_def is LOCATION_EXECUTOR
    launched = build(tmp_path, "launched", monkeypatch)
    assert all(launched[t] for t in TABLES)
    assert launched == build(tmp_path, "in_process", monkeypatch)


def test_the_executors_run_one_step_at_a_time_since_every_step_is_in_the_duckdb_pool() -> None:
    """A second step in flight could only wait for the duckdb pool, claiming again after
    Dagster's backoff while the database sits idle (the site too: it reads the release the
    publish swaps in); if the main job ever holds steps of another pool, running two at a
    time may pay again."""
    from pipelines.build_job import qcm_build_job

    assert qcm_build_job().executor_def is dg.multiprocess_executor
    pools = [node.pool for node in qcm_build_job().graph.node_defs]
    assert set(pools) == {"duckdb"}
    assert MULTIPROCESS["max_concurrent"] == 1
    cluster = Path(__file__).parents[2] / "pipelines" / "cluster" / "run_config.yaml"
    run_config = yaml.safe_load(cluster.read_text(encoding="utf-8"))
    assert run_config["execution"]["config"]["max_concurrent"] == 1
