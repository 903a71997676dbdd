"""Unattended refreshes: a schedule per live source at its natural cadence, and a sensor
that writes a report of every failed run.

The schedules are registered in every mode (so the Dagster UI shows them) but never call
out in sample mode: each tick reads the mode from the environment (``QCM_MODE``) and
skips with the reason unless it is ``live``. They start stopped: an analyst turns them on
in the UI (with the daemon running). A fetch lands raw responses only; the weekly build
schedule rebuilds and publishes from everything landed.

Freshness policies say when an asset is overdue (the daemon evaluates them and the UI
marks stale assets): each fetch by its source's cadence with some slack, and every
published table, and the release itself, by the weekly build.

The failure sensor writes ``<state>/reports/<time>-<job>-<run id>.md`` (the run id's first
eight characters; the report holds it whole) for every failed run, whether the UI, the
daemon or ``qcm build`` launched it: the job, its partition, when it failed, each failed
step with its error, each failed check with what it found, and what to do next.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg

from pipelines.build_guard import COMMAND, LAUNCHED_BY
from pipelines.meta_assets import PUBLISHED_KEY
from pipelines.settings import Settings

REPORTS = "reports"
# the year the code location was loaded in: the fetch assets' year partitions run up to it
# (or the year before), fixed when their modules were imported
LOADED_YEAR = datetime.now(UTC).year
# the weekly build publishes every Tuesday: a release older than a week and a day is overdue
RELEASE_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=timedelta(days=8), warn_window=timedelta(days=7, hours=12)
)
# the month of a refresh whose schedule ticks on several days (Refresh.closed)
REFRESH_MONTH_TAG = "qcm/refresh_month"
# a fetch is overdue when its schedule has missed a tick: the cadence plus some slack
CADENCE_FRESHNESS = {
    "weekly": timedelta(days=8),
    "monthly": timedelta(days=35),
    "quarterly": timedelta(days=100),
    "yearly": timedelta(days=380),
}
# the step that swaps the release in: a run that got past it has published
PUBLISH_STEP = PUBLISHED_KEY.to_python_identifier()


@dataclass(frozen=True)
class Refresh:
    """When and what a live fetch job refreshes.

    ``asset`` is the fetch asset the job materialises; ``years`` is how many of the
    newest year partitions up to the tick's year each tick refetches (a source keeps
    adding records to recent years); 0 means every partition of the job (search terms,
    programmes, indicators), or its one run when unpartitioned. ``closed`` are the weekdays
    (Monday 0) on which the service is down at the tick's hour (UTC), for the reason
    ``closed_why``: the cron then ticks on several days, a tick on a closed day skips, and
    the first tick on an open day launches the month's runs (a later one skips, naming it).
    """

    job: str
    asset: str
    cron: str
    cadence: str
    years: int
    why: str
    closed: tuple[int, ...] = ()
    closed_why: str = ""

    @property
    def schedule_name(self) -> str:
        """``<job>_<cadence>``."""
        return f"{self.job}_{self.cadence}"


REFRESHES = (
    Refresh(
        "openalex_fetch",
        "raw/openalex_pages",
        "0 2 * * 1",
        "weekly",
        2,
        "OpenAlex adds works every day",
    ),
    Refresh(
        "openalex_authors_fetch",
        "raw/openalex_author_pages",
        "0 2 * * 2",
        "weekly",
        0,
        "the authors of the works landed on Monday, and the author records landed more "
        "than profiles.refresh_after_days before",
    ),
    Refresh(
        "patentsview_fetch",
        "raw/patentsview_pages",
        "0 3 1 * *",
        "monthly",
        2,
        "USPTO publishes weekly",
    ),
    Refresh(
        "epo_ops_fetch", "raw/epo_ops_pages", "0 3 2 * *", "monthly", 2, "EPO publishes weekly"
    ),
    Refresh(
        "nsf_fetch",
        "raw/nsf_pages",
        "0 4 1-7 1,4,7,10 *",
        "quarterly",
        2,
        "NSF awards start all year",
        closed=(5, 6),
        closed_why="NSF's scheduled downtime (Friday 10 PM to Sunday noon, US Eastern time)",
    ),
    Refresh(
        "ukri_fetch",
        "raw/ukri_pages",
        "0 4 2 1,4,7,10 *",
        "quarterly",
        0,
        "UKRI projects start all year",
    ),
    Refresh(
        "cordis_fetch",
        "raw/cordis_files",
        "0 4 3 1,4,7,10 *",
        "quarterly",
        0,
        "CORDIS refreshes monthly",
    ),
    Refresh(
        "comtrade_fetch",
        "raw/comtrade_pages",
        "0 5 15 1,4,7,10 *",
        "quarterly",
        3,
        "reporters file a year's trade up to two years late",
    ),
    Refresh(
        "world_bank_fetch",
        "raw/world_bank_pages",
        "0 5 1 7 *",
        "yearly",
        0,
        "exchange rates, GDP and deflators are revised once a year",
    ),
)


def partition_keys(
    partitions: dg.PartitionsDefinition | None, refresh: Refresh, year: int
) -> list[str | None]:
    """The partitions a tick in ``year`` refreshes: the ``refresh.years`` newest year
    partitions up to ``year``, every partition (years = 0), or [None] for an
    unpartitioned job."""
    if partitions is None:
        return [None]
    keys = partitions.get_partition_keys()
    if refresh.years == 0:
        return list(keys)
    wanted = {str(y) for y in range(year - refresh.years + 1, year + 1)}
    return [k for k in keys if k in wanted]


def with_freshness(asset: dg.AssetsDefinition) -> dg.AssetsDefinition:
    """``asset`` with its freshness policy: a fetch asset of REFRESHES by its cadence,
    a published table (marts, meta) or the release by the weekly build; others as they
    are (intermediate layers are as fresh as the tables built from them)."""
    cadence = {r.asset: CADENCE_FRESHNESS[r.cadence] for r in REFRESHES}

    def policy(spec: dg.AssetSpec) -> dg.AssetSpec:
        key = spec.key.to_user_string()
        if key in cadence:
            return dg.apply_freshness_policy(
                spec, dg.FreshnessPolicy.time_window(fail_window=cadence[key])
            )
        if spec.key.path[0] in ("marts", "meta") or spec.key == PUBLISHED_KEY:
            return dg.apply_freshness_policy(spec, RELEASE_FRESHNESS)
        return spec

    return asset.map_asset_specs(policy)


def refresh_schedule(refresh: Refresh) -> dg.ScheduleDefinition:
    """The schedule that runs the job of ``refresh``; it skips unless the mode is live."""

    @dg.schedule(
        name=refresh.schedule_name,
        job_name=refresh.job,
        cron_schedule=refresh.cron,
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description=f"Live only: {refresh.cadence} fetch ({refresh.why}). Skips in sample mode.",
    )
    def _tick(context: dg.ScheduleEvaluationContext) -> Iterator[dg.RunRequest | dg.SkipReason]:
        mode = Settings.from_env().mode
        if mode != "live":
            yield dg.SkipReason(
                f"mode is {mode}: qcm never calls a service outside live mode "
                "(set QCM_MODE=live for the daemon to fetch)"
            )
            return
        when = context.scheduled_execution_time or datetime.now(UTC)
        if refresh.years and when.year > LOADED_YEAR:
            # a UI left running over New Year: its partitions lack the new year
            yield dg.SkipReason(
                f"the code location was loaded in {LOADED_YEAR}, so its year partitions end "
                f"there: reload it (the UI's Reload, or restart ./dev ui) to have {when.year}, "
                "then launch this job or wait for the next tick"
            )
            return
        tags = {"qcm/refresh": refresh.cadence}
        if refresh.closed:
            if when.weekday() in refresh.closed:
                yield dg.SkipReason(
                    f"{when:%A %H:%M} UTC is in {refresh.closed_why}: the next tick on an open "
                    "day fetches"
                )
                return
            tags[REFRESH_MONTH_TAG] = f"{when:%Y-%m}"
            done = context.instance.get_run_records(
                dg.RunsFilter(job_name=refresh.job, tags={REFRESH_MONTH_TAG: f"{when:%Y-%m}"}),
                limit=1,
            )
            if done:
                yield dg.SkipReason(
                    f"this month's {refresh.cadence} fetch was launched on "
                    f"{done[0].create_timestamp:%Y-%m-%d} (run {done[0].dagster_run.run_id})"
                )
                return
        partitions = context.repository_def.get_job(refresh.job).partitions_def
        for key in partition_keys(partitions, refresh, when.year):
            yield dg.RunRequest(
                run_key=f"{refresh.job}:{key or 'all'}:{when:%Y-%m-%d}",
                partition_key=key,
                tags=tags,
            )

    return _tick


def build_schedule(job_name: str) -> dg.ScheduleDefinition:
    """The weekly rebuild and publish of ``job_name`` (the main job) from everything
    landed; it skips unless the mode is live: in sample mode it would rebuild the embedded
    sample, which nothing fetched has changed, and publish it over the release (a live
    one is refused by the publish, ``pipelines.publish.real_data_replaced``)."""

    @dg.schedule(
        name=f"{job_name}_schedule",
        job_name=job_name,
        # after Monday's works and Tuesday's authors of them (a fetch still running in pool
        # duckdb holds it back until it ends)
        cron_schedule="0 6 * * 2",
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description="Live only: weekly rebuild and publish from everything landed (off until "
        "an analyst turns it on). Skips in sample mode.",
    )
    def _tick(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        mode = Settings.from_env().mode
        if mode != "live":
            return dg.SkipReason(
                f"mode is {mode}: the weekly build publishes what the live fetches landed "
                "(set QCM_MODE=live for the daemon)"
            )
        when = context.scheduled_execution_time or datetime.now(UTC)
        return dg.RunRequest(run_key=f"{job_name}:{when:%Y-%m-%d}")

    return _tick


def refresh_schedules(job_names: Sequence[str]) -> list[dg.ScheduleDefinition]:
    """One schedule per entry of REFRESHES; ``job_names`` are the jobs that exist.

    Raises ValueError naming a refresh whose job is not among them."""
    missing = [r.job for r in REFRESHES if r.job not in job_names]
    if missing:
        raise ValueError(f"refresh schedules name jobs that do not exist: {missing}")
    return [refresh_schedule(r) for r in REFRESHES]


def failure_report(
    job: str,
    run_id: str,
    partition: str | None,
    failed_at: datetime,
    run_error: str,
    steps: Sequence[tuple[str, str]],
    checks: Sequence[tuple[str, str]] = (),
    published: bool = False,
    by_command: bool = False,
) -> str:
    """The Markdown report of a failed run: what failed, where, with which error, and what
    to do next (``steps`` are (step key, error message) pairs; ``checks`` are (check,
    description) pairs of the checks that failed, the description as the check wrote it,
    naming the table, the expectation and example rows; ``published``: the run's publish
    step succeeded before the failure, say of the dashboards; ``by_command``: ``qcm
    build`` launched the run, with the settings of its command line, which a re-execution
    from the UI would not have)."""
    lines = [
        f"# qcm run failed: {job}",
        "",
        f"- run: {run_id}",
        f"- partition: {partition or '-'}",
        f"- failed at: {failed_at:%Y-%m-%d %H:%M:%S} UTC",
        f"- run error: {run_error or '-'}",
        "",
        "## Failed steps",
        "",
    ]
    lines += [f"- `{step}`: {message}" for step, message in steps] or ["- (none recorded)"]
    lines += ["", "## Failed checks", ""]
    lines += [
        f"- `{check}`: " + "\n  ".join((description or "(no description)").splitlines())
        for check, description in checks
    ] or ["- (none)"]
    outcome = (
        "This run published the database and Parquet files before it failed; the dashboards "
        "may be older than them."
        if published
        else "Nothing was published by this run: the last published database, Parquet files "
        "and dashboards are untouched."
    )
    lines += [
        "",
        "## What now",
        "",
        f"{outcome} A fetch resumes after its last landed page when re-run; each failed check "
        "above names its table, the expectation it broke and example rows. "
        + (
            f"`{COMMAND}` launched this run with the settings of its command line (mode, "
            "source folders, output, small numbers, as-of day), which a re-execution from the "
            f"Dagster UI would not have: run the same `{COMMAND}` command again once the cause "
            "is fixed (what did not change is kept)."
            if by_command
            else "Re-run from the Dagster UI (Runs > this run > Re-execute from failure) once "
            "the cause is fixed."
        ),
    ]
    return "\n".join(lines) + "\n"


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def _wrapper(name: str) -> bool:
    """Whether an error of class ``name`` is Dagster's wrapper round a step's own error."""
    return name.startswith("Dagster") or name == "RetryRequestedFromPolicy"


def write_failure_report(context: dg.RunFailureSensorContext, state_dir: Path) -> Path:
    """Write the report of the failed run of ``context`` under ``state_dir/reports``, with
    its failed steps (the first line of each error) and the checks that failed (from the
    run's check evaluations: a blocking check's step error does not say what it found);
    return its path."""
    run = context.dagster_run
    steps = []
    for event in context.get_step_failure_events():
        error = event.event_specific_data.error if event.event_specific_data else None
        # the error the step raised, under Dagster's wrappers (the step's, and the retry
        # policy's once it is spent): what it says names the setting, page or file (a
        # dg.Failure raised from a low-level error), its cause does not
        while error is not None and error.cause is not None and _wrapper(error.cls_name):
            error = error.cause
        steps.append((event.step_key or "?", _first_line(error.message if error else "")))
    checks = [
        (
            f"{evaluation.asset_key.to_user_string()} {evaluation.check_name}",
            evaluation.description or "",
        )
        for record in context.instance.all_logs(
            run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
        )
        if not (evaluation := record.dagster_event.asset_check_evaluation_data).passed
    ]
    stats = context.instance.get_run_stats(run.run_id)
    ended = stats.end_time if stats and stats.end_time else datetime.now(UTC).timestamp()
    failed_at = datetime.fromtimestamp(ended, UTC)
    text = failure_report(
        run.job_name,
        run.run_id,
        run.tags.get("dagster/partition"),
        failed_at,
        _first_line(context.failure_event.message),
        steps,
        checks,
        published=any(
            record.step_key == PUBLISH_STEP
            for record in context.instance.all_logs(
                run.run_id, of_type=dg.DagsterEventType.STEP_SUCCESS
            )
        ),
        by_command=run.tags.get(LAUNCHED_BY) == COMMAND,
    )
    folder = state_dir / REPORTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{failed_at:%Y%m%dT%H%M%S}-{run.job_name}-{run.run_id[:8]}.md"
    path.write_text(text, encoding="utf-8")
    return path


@dg.run_failure_sensor(
    name="failed_run_report",
    default_status=dg.DefaultSensorStatus.RUNNING,
    # qcm build runs its jobs in its own process (execute_in_process): those runs belong
    # to no code location, and a sensor watches only its own location's runs unless told
    monitor_all_code_locations=True,
    description="Writes a report of every failed run (job, partition, failed steps and their "
    "errors, what to do) to <state>/reports/.",
)
def failed_run_report(context: dg.RunFailureSensorContext) -> None:
    """Write the failed run's report where the working state lives (``QCM_STATE``)."""
    path = write_failure_report(context, Settings.from_env().state_dir)
    context.log.info(f"failure report written: {path}")
