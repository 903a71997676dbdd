"""The Kubernetes code location and its run configuration are valid for the pinned
dagster-k8s (no cluster needed: Dagster checks the configuration against the executor's
schema)."""

import copy

import dagster as dg
import pytest
import yaml

from pipelines import definitions
from pipelines.cluster import RUN_CONFIG, defs

pytestmark = pytest.mark.unit


def run_config() -> dict:
    return yaml.safe_load(RUN_CONFIG.read_text(encoding="utf-8"))


def test_the_cluster_run_config_is_valid_for_the_kubernetes_executor() -> None:
    job = defs.resolve_job_def("qcm_build")
    assert job.executor_def.name == "k8s"
    validated = dg.validate_run_config(job, run_config())
    assert validated["execution"]["k8s"]["job_namespace"] == "qcm"


def test_a_misspelt_setting_is_refused() -> None:
    config = copy.deepcopy(run_config())
    config["execution"]["config"]["max_concurent"] = 4
    with pytest.raises(dg.DagsterInvalidConfigError, match="max_concurent"):
        dg.validate_run_config(defs.resolve_job_def("qcm_build"), config)


def test_the_cluster_location_holds_the_same_asset_graph() -> None:
    def keys(location: dg.Definitions) -> set:
        return set(location.resolve_asset_graph().get_all_asset_keys())

    assert keys(defs) == keys(definitions.defs)
    assert {j.name for j in defs.resolve_all_job_defs()} == {
        j.name for j in definitions.defs.resolve_all_job_defs()
    }
