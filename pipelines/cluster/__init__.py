"""The code location of a Kubernetes deployment (``dg`` / Helm: ``pipelines.cluster``).

The same assets, checks, jobs, schedules and sensors as ``pipelines.definitions``; every
step of a run is a Kubernetes Job (dagster-k8s's ``k8s_job_executor``), configured by the
execution section of ``run_config.yaml`` beside this file: the executor of every job is
configured with it, the implicit asset job that the UI's Materialize uses included, so the
runs that schedules and sensors request, which carry no configuration of their own, have
it too. See the README, *Beyond one machine*: the working DuckDB file lives on a volume
every step mounts, and the ``duckdb`` pool of the instance keeps one writer at a time, as
on one machine.
"""

from pathlib import Path

import yaml
from dagster_k8s import k8s_job_executor

from pipelines.definitions import build_definitions

RUN_CONFIG = Path(__file__).with_name("run_config.yaml")


def executor_config(path: Path = RUN_CONFIG) -> dict:
    """The Kubernetes executor's configuration: the execution section of ``path``."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))["execution"]["config"]


defs = build_definitions(executor=k8s_job_executor.configured(executor_config(), name="k8s"))
