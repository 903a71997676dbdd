"""Refresh schedules and the failed-run report: sample mode never calls out, live ticks
ask for the right partitions, and a failed run, of qcm build too, leaves a report naming
its failed step and what its failed checks found."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.remote_origin import RegisteredCodeLocationOrigin

from pipelines.build_guard import RUN_TAGS
from pipelines.definitions import defs
from pipelines.operations import (
    CADENCE_FRESHNESS,
    REFRESH_MONTH_TAG,
    REFRESHES,
    RELEASE_FRESHNESS,
    failed_run_report,
    failure_report,
    write_failure_report,
)

pytestmark = pytest.mark.unit
# a tick of this year: the year partitions of the jobs end at the current year (annual
# trade at the year before it), so a tick of a fixed year would ask for other years later
YEAR = datetime.now(UTC).year
TICK = datetime(YEAR, 4, 1, 4, 0, tzinfo=UTC)


def tick(name: str) -> list:
    schedule = defs.resolve_schedule_def(name)
    context = dg.build_schedule_context(
        scheduled_execution_time=TICK, repository_def=defs.get_repository_def()
    )
    result = schedule.evaluate_tick(context)
    return result.run_requests or [], result.skip_message


def test_every_fetch_job_has_a_refresh_schedule_that_starts_stopped() -> None:
    fetch_jobs = {job.name for job in defs.resolve_all_job_defs() if job.name.endswith("_fetch")}
    assert {r.job for r in REFRESHES} == fetch_jobs
    for schedule in defs.schedules:
        assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED


def test_sample_mode_ticks_skip_and_call_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QCM_MODE", raising=False)
    for refresh in REFRESHES:
        requests, skipped = tick(refresh.schedule_name)
        assert requests == []
        assert "never calls a service outside live mode" in skipped


def test_the_weekly_build_runs_in_live_mode_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # in sample mode it would publish the embedded sample over the release
    monkeypatch.delenv("QCM_MODE", raising=False)
    requests, skipped = tick("qcm_build_schedule")
    assert requests == [] and "mode is sample" in skipped and "QCM_MODE=live" in skipped
    monkeypatch.setenv("QCM_MODE", "live")
    requests, _ = tick("qcm_build_schedule")
    assert [(r.run_key, r.partition_key) for r in requests] == [(f"qcm_build:{YEAR}-04-01", None)]
    # after the week's works (Monday) and their authors (Tuesday): (weekday, hour) of each
    weekly = [
        defs.resolve_schedule_def(name).cron_schedule.split()
        for name in ("openalex_fetch_weekly", "openalex_authors_fetch_weekly", "qcm_build_schedule")
    ]
    when = [(int(cron[4]), int(cron[1])) for cron in weekly]
    assert when == sorted(when) and len(set(when)) == 3


def test_live_ticks_ask_for_the_recent_partitions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QCM_MODE", "live")
    requests, _ = tick("openalex_fetch_weekly")
    assert [r.partition_key for r in requests] == [str(YEAR - 1), str(YEAR)]
    assert requests[0].run_key == f"openalex_fetch:{YEAR - 1}:{YEAR}-04-01"
    # annual trade exists up to last year; reporters file up to two years late
    requests, _ = tick("comtrade_fetch_quarterly")
    assert [r.partition_key for r in requests] == [str(YEAR - 2), str(YEAR - 1)]
    # term-partitioned and unpartitioned jobs refresh whole
    requests, _ = tick("ukri_fetch_quarterly")
    assert [r.partition_key for r in requests] == ["quantum", "qubit"]
    requests, _ = tick("openalex_authors_fetch_weekly")
    assert [r.partition_key for r in requests] == [None]


def test_the_nsf_fetch_waits_for_a_day_outside_nsfs_downtime(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 1 April 2023 is a Saturday (as 1 January 2028 will be): 04:00 UTC falls in NSF's
    # weekend downtime, where a fetch would park the year until the next quarter
    monkeypatch.setenv("QCM_MODE", "live")
    schedule = defs.resolve_schedule_def("nsf_fetch_quarterly")
    with dg.instance_for_test() as instance:

        def on(day: int) -> tuple[list, str | None]:
            context = dg.build_schedule_context(
                instance=instance,
                scheduled_execution_time=datetime(2023, 4, day, 4, 0, tzinfo=UTC),
                repository_def=defs.get_repository_def(),
            )
            result = schedule.evaluate_tick(context)
            return result.run_requests or [], result.skip_message

        for day in (1, 2):  # Saturday, Sunday
            requests, skipped = on(day)
            assert requests == [] and "NSF's scheduled downtime" in skipped
        requests, _ = on(3)  # Monday: this year and last year
        assert [r.partition_key for r in requests] == ["2022", "2023"]
        assert requests[0].tags[REFRESH_MONTH_TAG] == "2023-04"
        for request in requests:  # launched, as the daemon does
            instance.add_run(
                dg.DagsterRun(
                    job_name="nsf_fetch", run_id=f"run-{request.partition_key}", tags=request.tags
                )
            )
        requests, skipped = on(4)  # the month's runs exist: Tuesday's tick launches none
        assert requests == [] and "this month's quarterly fetch was launched on" in skipped


def test_a_tick_in_a_year_after_the_code_was_loaded_asks_for_a_reload(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a UI started the year before and left running: its year partitions stop there
    monkeypatch.setenv("QCM_MODE", "live")
    monkeypatch.setattr("pipelines.operations.LOADED_YEAR", TICK.year - 1)
    requests, skipped = tick("openalex_fetch_weekly")
    assert requests == []
    assert f"loaded in {TICK.year - 1}" in skipped and "reload it" in skipped
    # a job that is not partitioned by year runs as it would
    requests, _ = tick("ukri_fetch_quarterly")
    assert [r.partition_key for r in requests] == ["quantum", "qubit"]


def test_failure_report_says_what_failed_and_what_to_do() -> None:
    text = failure_report(
        "openalex_fetch",
        "abc123",
        "2025",
        datetime(2026, 4, 1, 4, 5, 6, tzinfo=UTC),
        'Execution of run for "openalex_fetch" failed.',
        [("raw__openalex_pages", "openalex year 2025 page 3: HTTP 503 after 5 tries")],
    )
    assert "# qcm run failed: openalex_fetch" in text
    assert "- partition: 2025" in text
    assert "- failed at: 2026-04-01 04:05:06 UTC" in text
    assert "- `raw__openalex_pages`: openalex year 2025 page 3: HTTP 503 after 5 tries" in text
    assert "Nothing was published by this run" in text
    after = failure_report("qcm_build", "r", None, TICK, "", [("site", "x")], published=True)
    assert "This run published the database and Parquet files before it failed" in after
    assert "Nothing was published" not in after
    assert "Re-execute from failure" in text
    # a run of `qcm build` had its command line's settings, which the UI would not have
    command = failure_report("qcm_build", "r", None, TICK, "", [("x", "y")], by_command=True)
    assert "run the same `qcm build` command again" in command
    assert "Re-execute from failure" not in command


@dg.op(retry_policy=dg.RetryPolicy(max_retries=1))  # as a fetch's: the report after the last
def breaks() -> None:
    try:
        int("<html>")
    except ValueError as err:  # the report says what the step said, not its low-level cause
        raise RuntimeError("page 7 of year 2024 returned an HTML error body\nsecond line") from err


@dg.job
def breaking_job() -> None:
    breaks()


def failure_context(
    instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult
) -> dg.RunFailureSensorContext:
    """The failure sensor's context for the failed run of ``result``, as the daemon gives it."""
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE)
    return dg.build_run_status_sensor_context(
        sensor_name="failed_run_report",
        dagster_event=failure,
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    ).for_run_failure()


def test_a_failed_run_leaves_a_report(tmp_path: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    result = breaking_job.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    context = failure_context(instance, result)
    path = write_failure_report(context, tmp_path)
    assert path.parent == tmp_path / "reports"
    text = path.read_text(encoding="utf-8")
    assert "# qcm run failed: breaking_job" in text
    assert f"- run: {result.run_id}" in text
    assert "- `breaks`: RuntimeError: page 7 of year 2024 returned an HTML error body" in text
    assert "second line" not in text
    assert "Nothing was published by this run" in text  # no publish step succeeded
    assert "Re-execute from failure" in text
    # a run `qcm build` launched is re-run by the same command, with its settings
    tagged = breaking_job.execute_in_process(instance=instance, raise_on_error=False, tags=RUN_TAGS)
    text = write_failure_report(failure_context(instance, tagged), tmp_path).read_text("utf-8")
    assert "run the same `qcm build` command again" in text


def test_published_tables_and_fetches_say_when_they_are_overdue() -> None:
    policies = {
        spec.key.to_user_string(): spec.freshness_policy
        for asset in defs.assets
        for spec in asset.specs
    }
    published = [k for k in policies if k.split("/")[0] in ("marts", "meta")] + ["published"]
    assert len(published) > 60
    for key in published:
        assert policies[key] == RELEASE_FRESHNESS, key
    # each fetch is overdue once its schedule has missed a tick
    for refresh in REFRESHES:
        window = policies[refresh.asset].fail_window.to_timedelta()
        assert window == CADENCE_FRESHNESS[refresh.cadence], refresh.asset
    assert CADENCE_FRESHNESS["weekly"] > timedelta(days=7)
    assert CADENCE_FRESHNESS["quarterly"] > timedelta(days=92)
    # intermediate layers follow the tables built from them
    assert policies["core/synthesis_records"] is None


def test_a_report_names_the_checks_that_failed_with_what_they_found() -> None:
    text = failure_report(
        "qcm_build",
        "r",
        None,
        TICK,
        "",
        [("staging__works", "DagsterAssetCheckFailedError: 1 blocking asset check failed")],
        [("staging/works contract", "staging.works: work_id null in 2 rows\ne.g. W1, W2")],
    )
    checks = text.split("## Failed checks")[1].split("## What now")[0]
    assert "- `staging/works contract`: staging.works: work_id null in 2 rows\n  e.g. W1, W2" in (
        checks
    )
    assert "- (none)" in failure_report("j", "r", None, TICK, "", [])


@dg.asset(check_specs=[dg.AssetCheckSpec("contract", asset="works", blocking=True)])
def works() -> dg.MaterializeResult:
    return dg.MaterializeResult(
        check_results=[
            dg.AssetCheckResult(
                check_name="contract",
                passed=False,
                description="staging.works: expect_column_values_to_not_be_null(work_id): "
                "2 of 9 rows\nexamples: W1, W2",
            )
        ]
    )


@dg.asset(deps=[works])
def indicators() -> None:
    pass


def test_a_run_stopped_by_a_blocking_check_reports_the_check(tmp_path: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([works, indicators], instance=instance, raise_on_error=False)
    assert not result.success
    context = failure_context(instance, result)
    text = write_failure_report(context, tmp_path).read_text(encoding="utf-8")
    assert "1 blocking asset check failed with ERROR severity:\n" in text  # and no more
    assert (
        "- `works contract`: staging.works: expect_column_values_to_not_be_null(work_id): "
        "2 of 9 rows\n  examples: W1, W2"
    ) in text


def test_the_sensor_reports_a_failed_run_of_qcm_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QCM_STATE", str(tmp_path))
    with dg.instance_for_test() as instance:

        def evaluate(cursor: str | None) -> str | None:
            """One tick of the sensor, in a code location as the daemon runs it."""
            context = dg.SensorEvaluationContext(
                instance_ref=None,
                last_tick_completion_time=None,
                last_run_key=None,
                cursor=cursor,
                repository_name=defs.get_repository_def().name,
                repository_def=defs.get_repository_def(),
                instance=instance,
                code_location_origin=RegisteredCodeLocationOrigin("qcm"),
            )
            return failed_run_report.evaluate_tick(context).cursor

        cursor = evaluate(None)  # the first tick starts after the runs so far
        # as `qcm build` runs a job: in its own process, in no code location
        result = breaking_job.execute_in_process(instance=instance, raise_on_error=False)
        assert result.dagster_run.remote_job_origin is None
        evaluate(cursor)
    (report,) = (tmp_path / "reports").iterdir()
    assert result.run_id in report.read_text(encoding="utf-8")
