"""The sensor that relaunches a parked fetch once the service takes requests again.

A fetch parks its partition, cursor saved, when the service refuses more requests for a
while (a spent daily budget, a quota, NSF's maintenance window), and says until when
(``PartitionState.parked_until``). ``parked_fetches`` (off until an analyst turns it on,
live mode only) looks at every landing zone and, for each partition whose newest fetch is
parked and whose time has come, asks for a run of the partition's fetch job, which
resumes after the last landed page. One run per parked fetch and time: the run key names
both, so a fetch that parks again is relaunched after its new time, and never twice for
the same one.
"""

from collections.abc import Iterator
from datetime import UTC, datetime

import dagster as dg

from assets.bibliometric.assets import WHOLE_SUFFIX
from assets.funding.ukri_live import partition_name
from pipelines.fetch_states import fetch_state_rows
from pipelines.live_fetch import LIVE_FETCHES
from pipelines.settings import Settings

# every live fetch job, by the landing zone (service) it fills
JOBS = {job.removesuffix("_fetch"): job for _, job, _, _ in LIVE_FETCHES}


def landing_partitions(service: str, keys: list[str]) -> dict[str, str]:
    """The landing-zone partition names of ``service`` mapped to the job partition keys
    ``keys`` they belong to: a UKRI term lands as ``term-<slug>``, an OpenAlex year also as
    its works fetched whole (``<year>-whole-authorships``); the others land under their key.
    """
    if service == "ukri":
        return {partition_name(key): key for key in keys}
    if service == "openalex":
        return {name: key for key in keys for name in (key, f"{key}{WHOLE_SUFFIX}")}
    return {key: key for key in keys}


def due_runs(
    settings: Settings, jobs: dict[str, dg.PartitionsDefinition | None], now: datetime
) -> tuple[list[dg.RunRequest], list[str]]:
    """The runs that resume the parked fetches of the landing zones under ``settings``
    whose time has come by ``now`` (``jobs``: each fetch job's partitions, None when it
    has none), and the parked partitions no job partition takes (named, to be logged)."""
    states = fetch_state_rows(settings.landing_dir, set(JOBS))
    parked = states.filter(
        (states["newer_status"] == "parked") & (states["newer_parked_until"] <= now)
    )
    requests: dict[str, dg.RunRequest] = {}
    unknown = []
    for row in parked.iter_rows(named=True):
        job = JOBS[row["service"]]
        partitions = jobs[job]
        key = None
        if partitions is not None:
            key = landing_partitions(row["service"], partitions.get_partition_keys()).get(
                row["partition"]
            )
            if key is None:
                unknown.append(f"{row['service']} {row['partition']}")
                continue
        until = row["newer_parked_until"]
        run_key = f"{job}:{key or 'all'}:{row['newer_fetch_id']}:{until:%Y-%m-%dT%H:%M}"
        # one run per job partition, however many of its landing partitions are parked
        requests.setdefault(
            f"{job}:{key}",
            dg.RunRequest(
                run_key=run_key,
                job_name=job,
                partition_key=key,
                tags={"qcm/resume": "parked"},
            ),
        )
    return list(requests.values()), unknown


@dg.sensor(
    name="parked_fetches",
    minimum_interval_seconds=15 * 60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Live only: relaunches a parked fetch (a spent budget or quota, a "
    "maintenance window) once its parked-until time has passed; it resumes after the last "
    "landed page.",
)
def parked_fetches(context: dg.SensorEvaluationContext) -> Iterator[dg.RunRequest | dg.SkipReason]:
    """Ask for a run of each parked fetch whose time has come (``due_runs``)."""
    settings = Settings.from_env()
    if settings.mode != "live":
        yield dg.SkipReason(
            f"mode is {settings.mode}: qcm never calls a service outside live mode "
            "(set QCM_MODE=live for the daemon to fetch)"
        )
        return
    jobs = {job: context.repository_def.get_job(job).partitions_def for job in JOBS.values()}
    requests, unknown = due_runs(settings, jobs, datetime.now(UTC))
    if unknown:
        context.log.warning(
            "parked partitions no fetch job partition takes (relaunch them by hand): "
            + ", ".join(unknown)
        )
    if not requests:
        yield dg.SkipReason("no parked fetch is due")
        return
    yield from requests
