"""The code location of a Kubernetes deployment (``dg`` / Helm: ``pipelines.cluster``).

The same assets, checks, jobs and schedules as ``pipelines.definitions``; every step of a
run is a Kubernetes Job (dagster-k8s's ``k8s_job_executor``), configured per run by
``run_config.yaml`` beside this file. See the README, *Beyond one machine*: the working
DuckDB file lives on a volume every step mounts, and the ``duckdb`` pool of the instance
keeps one writer at a time, as on one machine.
"""

from pathlib import Path

from dagster_k8s import k8s_job_executor

from pipelines.definitions import build_definitions

RUN_CONFIG = Path(__file__).with_name("run_config.yaml")

defs = build_definitions(executor=k8s_job_executor)
