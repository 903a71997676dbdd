"""The Dagster glue of the live fetches: the lines a fetch client marks as warnings reach
Dagster's log at its warning level; a fetch stopped by a Terminate, or by a page it cannot
land, is not tried again."""

import errno
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import pytest

from pipelines.fetching import FETCH_RETRY
from pipelines.landing import LandingZone
from pipelines.live_fetch import fetch_log, stopped_when_terminated

pytestmark = pytest.mark.unit


def test_a_line_a_client_marks_as_a_warning_is_logged_as_one() -> None:
    said: list[tuple[str, str]] = []
    log = SimpleNamespace(
        info=lambda line: said.append(("info", line)),
        warning=lambda line: said.append(("warning", line)),
    )
    write = fetch_log(SimpleNamespace(log=log))  # type: ignore[arg-type]
    write("nsf 2024: page 3 of 7 landed")
    write("WARNING: nsf 2024: 120 distinct awards but totalCount is 130")
    write("ukri term 'quantum': 40 projects; WARNING: 2 more than totalResults")
    assert said == [
        ("info", "nsf 2024: page 3 of 7 landed"),
        ("warning", "WARNING: nsf 2024: 120 distinct awards but totalCount is 130"),
        ("warning", "ukri term 'quantum': 40 projects; WARNING: 2 more than totalResults"),
    ]


@dg.asset(retry_policy=FETCH_RETRY)
def terminated_fetch() -> None:
    """A fetch step the run's Terminate interrupts while it fetches."""
    with stopped_when_terminated("nsf"):
        raise dg.DagsterExecutionInterruptedError()


def test_a_fetch_the_run_terminates_fails_once_and_is_not_retried() -> None:
    # without the guard Dagster turns the interrupt into a retry (FETCH_RETRY: minutes later)
    result = dg.materialize([terminated_fetch], raise_on_error=False)
    assert not result.success
    kinds = [event.event_type for event in result.all_events]
    assert dg.DagsterEventType.STEP_UP_FOR_RETRY not in kinds
    (failure,) = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    said = failure.event_specific_data.error.message
    assert "nsf: the fetch stopped, as the run was terminated or interrupted" in said
    # an interrupt from the keyboard (Ctrl-C in `qcm build`) the same
    with pytest.raises(dg.Failure) as caught, stopped_when_terminated("ukri"):
        raise KeyboardInterrupt
    assert caught.value.allow_retries is False


def test_a_page_that_cannot_be_landed_fails_once_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    zone = LandingZone(tmp_path, "nsf")

    def full(*_: object, **__: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("pipelines.landing.os.replace", full)

    @dg.asset(retry_policy=FETCH_RETRY)
    def landing_fetch() -> None:
        with stopped_when_terminated("nsf"):
            zone.land(
                b'{"response": {}}',
                url="https://nsf.example/awards",
                partition="2024",
                fetch_id="f1",
                page=1,
                status=200,
            )

    result = dg.materialize([landing_fetch], raise_on_error=False)
    kinds = [event.event_type for event in result.all_events]
    assert not result.success and dg.DagsterEventType.STEP_UP_FOR_RETRY not in kinds
    (failure,) = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    said = failure.event_specific_data.error.message
    assert "nsf: [Errno 28] cannot write" in said and "No space left on device" in said
