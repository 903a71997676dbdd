"""The release's Parquet marts in object storage: an asset of its own job, ``qcm_push``.

The push (``pipelines.object_store``) goes to ``QCM_PARQUET_URL``, read when the step
runs and never kept in the run's configuration, since such a URL may carry credentials.
``push_after_build`` launches the job after every successful main build, however it was
started (the UI, a schedule, ``qcm build``), once an analyst starts the sensor; or
launch it by hand, or run ``qcm push URL``.
"""

import os

import dagster as dg

from pipelines.build_guard import OUT_TAG
from pipelines.fetching import FETCH_RETRY
from pipelines.meta_assets import PUBLISHED_KEY
from pipelines.object_store import PushError, push
from pipelines.resources import QcmResource
from pipelines.settings import Settings

PUSHED_KEY = dg.AssetKey(["parquet_in_object_storage"])
PARQUET_URL = "QCM_PARQUET_URL"
PUSH_JOB = "qcm_push"
BUILD_JOB = "qcm_build"


@dg.asset(
    key=PUSHED_KEY,
    deps=[PUBLISHED_KEY],
    group_name="publish",
    kinds={"parquet", "s3"},
    # not beside a build: its publish swaps in the folder this step reads
    pool="duckdb",
    retry_policy=FETCH_RETRY,  # a store that failed a request after its own retries
    description="The last release's Parquet marts copied to object storage (QCM_PARQUET_URL: "
    "s3://, gs://, abfs://, hdfs:// or a folder), where DuckDB reads them remotely; files of "
    "an unchanged build are not sent again. Job qcm_push, not part of qcm_build.",
)
def parquet_in_object_storage(
    context: dg.AssetExecutionContext, qcm: QcmResource
) -> dg.MaterializeResult:
    """Push ``OUT/parquet`` to ``QCM_PARQUET_URL``; fail, naming what to do, when it is
    not set or the push fails (what was written stays; a push again sends the rest), and
    retry only what may pass (the store failed a request)."""
    url = os.environ.get(PARQUET_URL, "")
    if not url:
        raise dg.Failure(
            f"{PARQUET_URL} is not set: set it to the object storage to push to, as "
            "s3://bucket/qcm/parquet (see the README, Beyond one machine)",
            allow_retries=False,
        )
    try:
        pushed = push(
            qcm.settings.out_dir / "parquet",
            url,
            allow_sample_over_real=os.environ.get("QCM_ALLOW_DROP") == "1",
        )
    except PushError as err:  # not chained: the store's own error may name a secret
        raise dg.Failure(f"push failed: {err}", allow_retries=err.transient) from None
    context.log.info(
        f"pushed {qcm.settings.out_dir / 'parquet'} to {pushed.url}: {len(pushed.sent)} files "
        f"sent ({pushed.bytes_sent:,} bytes with README.md and manifest.json), "
        f"{len(pushed.kept)} kept (the same build), {len(pushed.deleted)} deleted"
    )
    return dg.MaterializeResult(
        metadata={
            "url": pushed.url,
            "sent": len(pushed.sent),
            "kept": len(pushed.kept),
            "deleted": len(pushed.deleted),
            "bytes_sent": pushed.bytes_sent,
        }
    )


push_job = dg.define_asset_job(
    PUSH_JOB,
    selection=dg.AssetSelection.assets(PUSHED_KEY),
    description="Copy the last release's Parquet marts to object storage (QCM_PARQUET_URL).",
)


@dg.run_status_sensor(
    name="push_after_build",
    run_status=dg.DagsterRunStatus.SUCCESS,
    request_job=push_job,
    # qcm build runs its job in its own process: such runs belong to no code location
    monitor_all_code_locations=True,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="After every successful qcm_build run, launch qcm_push (which pushes to "
    "QCM_PARQUET_URL, as its step sees it). Stopped until started.",
)
def push_after_build(context: dg.RunStatusSensorContext) -> dg.RunRequest | dg.SkipReason:
    """A push for each successful main build, however it was started (the UI, a schedule,
    ``qcm build``); a reason to skip for any other job's run, and for a ``qcm build`` that
    published to another folder (``--out``, tagged ``OUT_TAG``) than the one the push
    step reads (this code location's ``QCM_OUT``): it would push the older release there.
    The URL is the step's to read (on Kubernetes the step's pod has the Secret; the
    sensor's process may not), and its failure says when none is set."""
    run = context.dagster_run
    if run.job_name != BUILD_JOB:
        return dg.SkipReason(f"run {run.run_id} is of {run.job_name}, not {BUILD_JOB}")
    published, pushed = run.tags.get(OUT_TAG), str(Settings.from_env().out_dir)
    if published is not None and published != pushed:
        return dg.SkipReason(
            f"run {run.run_id} published to {published}, not to {pushed}, the folder the "
            f"push reads (QCM_OUT): push that release with `qcm push URL --out {published}`"
        )
    return dg.RunRequest(run_key=f"push-after-{run.run_id}")
