"""The Dagster glue of the live fetches: the lines a fetch client marks as warnings reach
Dagster's log at its warning level."""

from types import SimpleNamespace

import pytest

from pipelines.live_fetch import fetch_log

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
