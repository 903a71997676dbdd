"""The parked-fetch sensor: a fetch the service parked is relaunched once its time has
come, in its job's partition (a UKRI term, an OpenAlex year also for its works fetched
whole, the author job unpartitioned), once per parked fetch, and never outside live mode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from pipelines.definitions import defs
from pipelines.landing import LandingZone
from pipelines.parked import JOBS, due_runs
from pipelines.settings import Settings

pytestmark = pytest.mark.unit
NOW = datetime(2026, 4, 2, 12, 0, tzinfo=UTC)


def park(root: Path, service: str, partition: str, until: datetime) -> str:
    """A fetch of ``partition`` in ``service``'s landing zone under ``root``, parked until
    ``until``; returns its fetch id."""
    landing = LandingZone(root, service)
    state = landing.start_fetch(partition, query="q")
    state.status = "parked"
    state.parked_until = until.isoformat().replace("+00:00", "Z")
    landing.save_state(state)
    return state.fetch_id


def test_a_parked_fetch_is_relaunched_once_its_time_has_come(tmp_path: Path) -> None:
    settings = Settings(mode="live", out_dir=tmp_path / "out", state_dir=tmp_path / "state")
    root = settings.landing_dir
    past, future = NOW - timedelta(minutes=5), NOW + timedelta(hours=3)
    nsf = park(root, "nsf", "2023", past)  # NSF's maintenance window is over
    park(root, "ukri", "term-quantum", future)  # not yet
    park(root, "openalex", "2025", past)  # a year and its works fetched whole: one run
    park(root, "openalex", "2025-whole-authorships", past)
    park(root, "openalex_authors", "batch-abc", past)  # the author job has no partitions
    park(root, "comtrade", "1900", past)  # no partition of the job takes it
    jobs = {job: defs.resolve_job_def(job).partitions_def for job in JOBS.values()}
    requests, unknown = due_runs(settings, jobs, NOW)
    asked = sorted((r.job_name, r.partition_key) for r in requests)
    assert asked == [
        ("nsf_fetch", "2023"),
        ("openalex_authors_fetch", None),
        ("openalex_fetch", "2025"),
    ]
    assert unknown == ["comtrade 1900"]
    (run,) = [r for r in requests if r.job_name == "nsf_fetch"]
    # the run key names the parked fetch and its time: parked again later, relaunched again
    assert run.run_key == f"nsf_fetch:2023:{nsf}:{past:%Y-%m-%dT%H:%M}"
    assert run.tags == {"qcm/resume": "parked"}
    # three hours later the UKRI term is due too
    requests, _ = due_runs(settings, jobs, future)
    assert ("ukri_fetch", "quantum") in {(r.job_name, r.partition_key) for r in requests}


def test_the_sensor_calls_nothing_outside_live_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QCM_MODE", raising=False)
    sensor = defs.resolve_sensor_def("parked_fetches")
    result = sensor.evaluate_tick(dg.build_sensor_context(repository_def=defs.get_repository_def()))
    assert result.run_requests == [] and "never calls a service" in result.skip_message
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
