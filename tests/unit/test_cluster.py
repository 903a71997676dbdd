"""The Kubernetes code location and its configuration are valid for the pinned
dagster-k8s (no cluster needed: Dagster checks the configuration against the executor's
schema)."""

import copy
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster_k8s import k8s_job_executor

from pipelines import definitions
from pipelines.cluster import RUN_CONFIG, defs, executor_config

pytestmark = pytest.mark.unit


def test_every_cluster_job_runs_on_kubernetes_with_the_volume_by_default() -> None:
    """Runs that schedules, sensors and the UI's Materialize request carry no run
    configuration of their own: every job, the implicit asset job and the partitioned
    fetches included, must mount the working state's volume without one."""
    jobs = defs.resolve_all_job_defs()
    names = {job.name for job in jobs}
    assert {"__ASSET_JOB", "qcm_build", "qcm_push", "openalex_fetch", "nsf_fetch"} <= names
    for job in jobs:
        assert job.executor_def.name == "k8s", job.name
        config = dg.validate_run_config(job, None)["execution"]["k8s"]
        assert config["job_namespace"] == "qcm"
        assert config["volume_mounts"] == [{"name": "qcm-state", "mountPath": "/qcm-state"}]
        assert "QCM_STATE=/qcm-state" in config["env_vars"], job.name
        assert config["max_concurrent"] == 1, job.name


def test_a_misspelt_setting_is_refused(tmp_path: Path) -> None:
    config = copy.deepcopy(yaml.safe_load(RUN_CONFIG.read_text(encoding="utf-8")))
    config["execution"]["config"]["max_concurent"] = 4
    path = tmp_path / "run_config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    location = definitions.build_definitions(
        executor=k8s_job_executor.configured(executor_config(path), name="k8s")
    )
    with pytest.raises(dg.DagsterInvalidConfigError, match="max_concurent"):
        dg.validate_run_config(location.resolve_job_def("qcm_build"), None)


def test_the_cluster_location_holds_the_same_asset_graph() -> None:
    def keys(location: dg.Definitions) -> set:
        return set(location.resolve_asset_graph().get_all_asset_keys())

    assert keys(defs) == keys(definitions.defs)
    assert {j.name for j in defs.resolve_all_job_defs()} == {
        j.name for j in definitions.defs.resolve_all_job_defs()
    }
