"""The live UN Comtrade client against a scripted local server: plan, resume, faults, secrets."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import polars as pl
import pytest
import requests

from assets.supply_chain.comtrade_live import (
    KEY_HEADER,
    ComtradeError,
    ComtradeFetcher,
    format_cursor,
    gateway_message,
    judge_body,
    parse_cursor,
    replenish_seconds,
    try_again_seconds,
)
from assets.supply_chain.live_assets import (
    COMTRADE_PAGES_KEY,
    YEARS,
    comtrade_pages,
    hs_revision,
    landing_zone,
    query_codes,
)
from pipelines.fetching import FetchOutcome, looks_like_html, step_failure
from pipelines.landing import LandingZone
from tests.comtrade_bodies import (
    INVALID_KEY_MESSAGE,
    OUTAGE_HTML,
    QUOTA_MESSAGE,
    code_records,
    comtrade_body,
    comtrade_record,
    gateway_error,
)
from tests.mock_server import MockServer, Reply, closed_port_url, hanging_connect_url

pytestmark = pytest.mark.unit
YEAR = 2022
KEY = "CANARY-KEY-5f3a"
CODES = ["841869", "901380", "TOTAL"]
HTML = {"Content-Type": "text/html; charset=utf-8"}


class Crash(BaseException):
    """A process killed mid-fetch (not an Exception, so nothing catches it)."""


class Session(requests.Session):
    """A proxy-free session that can crash before its n-th request."""

    def __init__(self, crash_at: int | None = None) -> None:
        super().__init__()
        self.trust_env = False
        self.crash_at = crash_at
        self.sent = 0

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        self.sent += 1
        if self.crash_at is not None and self.sent == self.crash_at:
            raise Crash
        return super().request(*args, **kwargs)


class Harness:
    """A fetcher wired to a mock server, a temporary landing zone and recorded logs/sleeps."""

    def __init__(self, tmp_path: Path, base_url: str, **options: Any) -> None:
        self.zone = LandingZone(tmp_path / "raw", "comtrade")
        self.logs: list[str] = []
        self.sleeps: list[float] = []
        settings: dict[str, Any] = {
            "key": KEY,
            "timeout": (2, 2),
            "max_retries": 2,
            "min_interval": 0.0,
            "sleep": self.sleeps.append,
            "session": Session(),
            **options,
        }
        self.fetcher = ComtradeFetcher(
            self.zone, base_url=base_url, log=self.logs.append, **settings
        )

    def fetch(self, codes: list[str] | None = None, restart: bool = False) -> FetchOutcome:
        """Fetch the test year."""
        return self.fetcher.fetch_partition(YEAR, codes or CODES, restart=restart)

    def manifest(self) -> list[dict[str, Any]]:
        """The manifest's entries."""
        if not self.zone.manifest_path.exists():
            return []
        lines = self.zone.manifest_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines]

    def state(self) -> Any:
        """The test year's saved state."""
        return self.zone.load_state(str(YEAR))


def body(code: str, n: int = 2, **options: Any) -> dict[str, Any]:
    """A data response of ``n`` records of ``code``."""
    return comtrade_body(code_records(code, n, YEAR), **options)


def asked(server: MockServer) -> list[str]:
    """The cmdCode of every request the server received."""
    return [r.query["cmdCode"][0] for r in server.requests]


def parked_until(result: FetchOutcome) -> datetime:
    """The outcome's ``parked_until`` as a datetime."""
    assert result.parked_until is not None
    return datetime.fromisoformat(result.parked_until.replace("Z", "+00:00"))


# --- the plan and the request ----------------------------------------------------------


def test_the_request_asks_for_every_reporter_and_partner_of_one_code_and_year(
    tmp_path: Path,
) -> None:
    fetcher = Harness(tmp_path, "https://comtradeapi.un.org/data/v1/").fetcher
    assert fetcher.params(YEAR, "841869") == {
        "period": "2022",
        "cmdCode": "841869",
        "flowCode": "X,M",
        "customsCode": "C00",
        "motCode": "0",
        "partner2Code": "0",
        "format": "JSON",
        "includeDesc": "true",
        "maxRecords": "100000",
    }
    url = urlsplit(fetcher.request_url(YEAR, "841869"))
    assert (url.netloc, url.path) == ("comtradeapi.un.org", "/data/v1/get/C/A/HS")
    query = parse_qs(url.query)
    assert "reporterCode" not in query and "partnerCode" not in query
    # the all-goods line is asked with the World only (every partner would overrun maxRecords)
    total = parse_qs(urlsplit(fetcher.request_url(YEAR, "TOTAL")).query)
    assert "reporterCode" not in total and total["partnerCode"] == ["0"]
    assert total["cmdCode"] == ["TOTAL"] and total["flowCode"] == ["X,M"]
    assert KEY not in fetcher.request_url(YEAR, "TOTAL")


def test_settings_and_plans_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="COMTRADE_API_KEY") as caught:
        Harness(tmp_path, "http://x", key="bad key")
    assert "bad key" not in str(caught.value)
    with pytest.raises(ValueError, match="flows must be flow codes"):
        Harness(tmp_path, "http://x", flows=("X,M",))
    with pytest.raises(ValueError, match="max_records must be 1 or more"):
        Harness(tmp_path, "http://x", max_records=0)
    fetcher = Harness(tmp_path, "http://x").fetcher
    with pytest.raises(ValueError, match="HS 6-digit codes or TOTAL"):
        fetcher.checked_codes(["8418", "TOTAL"])
    with pytest.raises(ValueError, match="at least one commodity code"):
        fetcher.checked_codes([])
    assert fetcher.checked_codes([" 841869", "841869", "TOTAL"]) == ("841869", "TOTAL")


def test_cursors_round_trip_and_a_foreign_one_is_refused() -> None:
    assert parse_cursor(None, CODES) == 0
    assert parse_cursor(format_cursor(2, "TOTAL"), CODES) == 2
    with pytest.raises(ValueError, match="names no code of the plan"):
        parse_cursor(format_cursor(1, "TOTAL"), CODES)
    with pytest.raises(ValueError, match="names no code of the plan"):
        parse_cursor("not json", CODES)


# --- a year fetched, resumed, restarted ------------------------------------------------


def test_a_three_code_year_is_fetched_with_the_key_in_the_header_only(tmp_path: Path) -> None:
    replies = [Reply(200, body(code, n)) for code, n in zip(CODES, (2, 3, 4), strict=True)]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        result = harness.fetch()
    assert (result.status, result.pages_landed, result.records, result.meta_count) == (
        "done",
        3,
        9,
        9,
    )
    assert asked(server) == CODES
    for request in server.requests:
        assert request.path == "/get/C/A/HS"
        assert request.headers[KEY_HEADER] == KEY
        query = {k: v[0] for k, v in request.query.items() if k != "cmdCode"}
        if request.query["cmdCode"] == ["TOTAL"]:
            assert query.pop("partnerCode") == "0"
        assert query == {
            "period": "2022",
            "flowCode": "X,M",
            "customsCode": "C00",
            "motCode": "0",
            "partner2Code": "0",
            "format": "JSON",
            "includeDesc": "true",
            "maxRecords": "100000",
        }
        assert KEY not in request.path + json.dumps(request.query)
    entries = harness.manifest()
    assert [(e["cmd_code"], e["flows"], e["records"], e["count"]) for e in entries] == [
        ("841869", "X,M", 2, 2),
        ("901380", "X,M", 3, 3),
        ("TOTAL", "X,M", 4, 4),
    ]
    assert all("error" not in e and e["page"] == i + 1 for i, e in enumerate(entries))
    state = harness.state()
    assert state.done is not None and state.done.pages == [e["sha256"] for e in entries]
    assert "3 calls to make" in harness.logs[0] and "500 calls a day" in harness.logs[0]
    assert result.message == "comtrade year 2022: done, 3 codes, 9 records"
    assert len(harness.zone.current_files()) == 3


def test_a_crash_between_codes_resumes_at_the_next_unlanded_code(tmp_path: Path) -> None:
    with MockServer([Reply(200, body("841869"))]) as server:
        harness = Harness(tmp_path, server.url, session=Session(crash_at=2))
        with pytest.raises(Crash):
            harness.fetch()
    state = harness.state()
    assert (state.status, state.cursor, state.records) == ("running", '[1, "901380"]', 2)
    with MockServer([Reply(200, body("901380")), Reply(200, body("TOTAL"))]) as server:
        resumed = Harness(tmp_path, server.url)
        result = resumed.fetch()
    assert asked(server) == ["901380", "TOTAL"]  # the landed code is never asked again
    assert (result.status, result.pages_landed, result.records) == ("done", 3, 6)
    resuming = [line for line in resumed.logs if "resuming fetch" in line]
    assert len(resuming) == 1 and "'901380' (page 2 of 3" in resuming[0]


def test_a_changed_code_list_starts_the_fetch_afresh(tmp_path: Path) -> None:
    with MockServer([Reply(200, body("841869")), Reply(503)]) as server:
        harness = Harness(tmp_path, server.url, max_retries=0, park_seconds=0)
        assert harness.fetch(["841869", "901380"]).status == "parked"
    first = harness.state().fetch_id
    with MockServer([Reply(200, body("841869")), Reply(200, body("854140"))]) as server:
        harness = Harness(tmp_path, server.url)
        result = harness.fetch(["841869", "854140"])
    assert asked(server) == ["841869", "854140"]
    assert result.status == "done" and harness.state().fetch_id != first


def test_restart_drops_an_unfinished_fetch(tmp_path: Path) -> None:
    with MockServer([Reply(200, body("841869")), Reply(503)]) as server:
        Harness(tmp_path, server.url, max_retries=0, park_seconds=0).fetch()
    with MockServer([Reply(200, body(c)) for c in CODES]) as server:
        result = Harness(tmp_path, server.url).fetch(restart=True)
    assert asked(server) == CODES and result.status == "done"


# --- quota, rate limits, outages -------------------------------------------------------


def test_a_spent_quota_parks_until_it_is_replenished_and_the_next_call_waits(
    tmp_path: Path,
) -> None:
    replies = [Reply(200, body("841869")), Reply(403, gateway_error(403, QUOTA_MESSAGE))]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        result = harness.fetch()
    assert len(server.requests) == 2 and harness.sleeps == []  # no retry on a spent quota
    assert (result.status, result.pages_landed, result.records) == ("parked", 1, 2)
    expected = datetime.now(UTC) + timedelta(hours=12, minutes=34, seconds=56)
    assert abs((parked_until(result) - expected).total_seconds()) < 60
    assert "daily call quota of the COMTRADE_API_KEY subscription is spent" in result.message
    assert "Out of call volume quota" in result.message
    assert "resume at cmdCode '901380' (page 2)" in result.message
    state = harness.state()
    assert (state.status, state.cursor, state.error) == ("parked", '[1, "901380"]', result.message)
    # A run before that time does not call the API.
    with MockServer([]) as server:
        again = Harness(tmp_path, server.url)
        waiting = again.fetch()
    assert waiting.status == "parked" and server.requests == []
    assert "still parked" in waiting.message and "cmdCode '901380' (page 2 of 3)" in waiting.message
    # Once the quota is back, the next run resumes at the saved code.
    state.parked_until = "2000-01-01T00:00:00Z"
    harness.zone.save_state(state)
    with MockServer([Reply(200, body("901380")), Reply(200, body("TOTAL"))]) as server:
        done = Harness(tmp_path, server.url).fetch()
    assert asked(server) == ["901380", "TOTAL"] and done.status == "done"


def test_a_spent_quota_without_a_time_parks_for_park_seconds(tmp_path: Path) -> None:
    refusal = gateway_error(403, "Out of call volume quota.")
    with MockServer([Reply(403, refusal)]) as server:
        harness = Harness(tmp_path, server.url, park_seconds=7200)
        result = harness.fetch()
    assert result.status == "parked" and len(server.requests) == 1
    expected = datetime.now(UTC) + timedelta(seconds=7200)
    assert abs((parked_until(result) - expected).total_seconds()) < 60


def test_429_waits_for_retry_after_then_succeeds(tmp_path: Path) -> None:
    replies = [
        Reply(429, gateway_error(429, "Rate limit is exceeded."), {"Retry-After": "7"}),
        *(Reply(200, body(c)) for c in CODES),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        result = harness.fetch()
    assert result.status == "done" and len(server.requests) == 4
    assert harness.sleeps[0] >= 7
    assert "HTTP 429 (too many requests): Rate limit is exceeded.; retry 1 of 2" in harness.logs[1]


def test_429_without_retry_after_honours_the_message(tmp_path: Path) -> None:
    message = "Rate limit is exceeded. Try again in 9 seconds."
    replies = [Reply(429, gateway_error(429, message)), *(Reply(200, body(c)) for c in CODES)]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        assert harness.fetch().status == "done"
    assert harness.sleeps[0] >= 9


def test_429_asking_longer_than_the_cap_parks_at_once(tmp_path: Path) -> None:
    with MockServer([Reply(429, b"", {"Retry-After": "900"})]) as server:
        harness = Harness(tmp_path, server.url, backoff_cap=60)
        result = harness.fetch()
    assert result.status == "parked" and len(server.requests) == 1
    assert "rate limiting" in result.message and "more than backoff_cap" in result.message
    assert parked_until(result) > datetime.now(UTC) + timedelta(seconds=800)


def test_a_5xx_storm_parks_the_year_as_an_outage(tmp_path: Path) -> None:
    replies = [Reply(502, b"Bad gateway"), Reply(503, OUTAGE_HTML, HTML), Reply(500)]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, park_seconds=1800, backoff_cap=4)
        result = harness.fetch()
    assert (result.status, result.pages_landed) == ("parked", 0)
    assert len(server.requests) == 3 and len(harness.sleeps) == 2
    assert all(0 <= s <= 4 for s in harness.sleeps)
    assert "the API looks down" in result.message and "still after 3 attempts" in result.message
    assert "cmdCode '841869' (page 1 of 3; GET http://" in result.message
    expected = datetime.now(UTC) + timedelta(seconds=1800)
    assert abs((parked_until(result) - expected).total_seconds()) < 60
    assert harness.manifest() == []  # only 200 bodies are landed


def test_5xx_then_success_is_retried(tmp_path: Path) -> None:
    replies = [Reply(503), *(Reply(200, body(c)) for c in CODES)]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        assert harness.fetch().status == "done"
    assert len(server.requests) == 4 and len(harness.sleeps) == 1


# --- refusals and fatal bodies ---------------------------------------------------------


def test_an_invalid_key_is_fatal_and_names_the_variable(tmp_path: Path) -> None:
    with MockServer([Reply(401, gateway_error(401, INVALID_KEY_MESSAGE))]) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(ComtradeError) as caught:
            harness.fetch()
    assert len(server.requests) == 1
    text = str(caught.value)
    assert text.startswith("comtrade year 2022 cmdCode '841869' (page 1 of 3; GET http://")
    assert "HTTP 401: the subscription key was refused (Access denied" in text
    assert "check COMTRADE_API_KEY" in text and "the key itself is not shown" in text
    assert harness.state().error == text


def test_a_403_that_is_not_the_quota_is_a_refused_key(tmp_path: Path) -> None:
    with MockServer([Reply(403, gateway_error(403, "Forbidden"))]) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(ComtradeError, match="HTTP 403: the subscription key was refused"):
            harness.fetch()
    assert len(server.requests) == 1


def test_other_client_errors_and_redirects_are_fatal_at_once(tmp_path: Path) -> None:
    with MockServer([Reply(404, b"<html><title>Not Found</title></html>", HTML)]) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(ComtradeError, match="HTTP 404: an HTML page titled 'Not Found'"):
            harness.fetch()
    assert len(server.requests) == 1
    moved = Reply(302, b"", {"Location": "http://127.0.0.1:9/elsewhere"})
    with MockServer([moved]) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(ComtradeError, match="HTTP 302"):
            harness.fetch()
    assert len(server.requests) == 1  # the key is never sent on to another host


def test_an_empty_answer_is_an_error_not_zero_trade(tmp_path: Path) -> None:
    with MockServer([Reply(200, comtrade_body([], count=0))]) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(ComtradeError) as caught:
            harness.fetch()
    assert len(server.requests) == 1
    text = str(caught.value)
    assert "year 2022 cmdCode '841869'" in text and "not zero trade" in text
    assert "bad parameters" in text and "the body is landed as evidence" in text
    (entry,) = harness.manifest()
    assert (entry["records"], entry["count"]) == (0, 0) and "not zero trade" in entry["error"]
    assert harness.state().done is None


def test_an_older_edition_code_may_answer_empty(tmp_path: Path) -> None:
    # 8541.40 (HS2017) asked in 2022 in case a reporter still files in HS2017: nobody does
    replies = [Reply(200, comtrade_body(code_records("841869", 2, YEAR))),
               Reply(200, comtrade_body([], count=0)),
               Reply(200, comtrade_body(code_records("TOTAL", 2, YEAR)))]  # fmt: skip
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        result = harness.fetcher.fetch_partition(
            YEAR, ["841869", "854140", "TOTAL"], may_be_empty=["854140"]
        )
    assert (result.status, result.pages_landed, result.records) == ("done", 3, 4)
    assert [e["records"] for e in harness.manifest()] == [2, 0, 2]


def test_an_answer_cut_at_max_records_is_fatal(tmp_path: Path) -> None:
    full = comtrade_body(code_records("841869", 3, YEAR))
    with MockServer([Reply(200, full)]) as server:
        harness = Harness(tmp_path, server.url, max_records=3)
        with pytest.raises(ComtradeError) as caught:
            harness.fetch()
    text = str(caught.value)
    assert "answer truncated at maxRecords" in text and "cmdCode '841869'" in text
    assert "year 2022" in text and len(server.requests) == 1
    short = comtrade_body(code_records("841869", 2, YEAR), count=5)
    with MockServer([Reply(200, short)]) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(ComtradeError, match="answer truncated at maxRecords: 2 records"):
            harness.fetch(restart=True)


def test_more_records_than_count_is_fatal(tmp_path: Path) -> None:
    with MockServer([Reply(200, comtrade_body(code_records("841869", 3), count=2))]) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(ComtradeError, match="inconsistent body: count 2 but 3 records"):
            harness.fetch()


def test_an_error_text_in_the_body_is_fatal(tmp_path: Path) -> None:
    failed = comtrade_body([], count=0, error="Invalid parameter: cmdCode 999999")
    with MockServer([Reply(200, failed)]) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(ComtradeError) as caught:
            harness.fetch()
    text = str(caught.value)
    assert "cmdCode '841869'" in text and "the API reported an error: Invalid parameter" in text
    assert len(server.requests) == 1


def test_a_gateway_refusal_with_status_200_is_fatal(tmp_path: Path) -> None:
    with MockServer([Reply(200, gateway_error(401, INVALID_KEY_MESSAGE))]) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(ComtradeError, match="gateway refused the request"):
            harness.fetch()
    assert len(server.requests) == 1


def test_an_html_body_with_status_200_is_retried(tmp_path: Path) -> None:
    replies = [Reply(200, OUTAGE_HTML, HTML), *(Reply(200, body(c)) for c in CODES)]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        result = harness.fetch()
    assert (result.status, result.pages_landed) == ("done", 3)
    entries = harness.manifest()
    assert "not valid JSON (an HTML page titled 'UN Comtrade" in entries[0]["error"]
    assert harness.state().done.pages == [e["sha256"] for e in entries[1:]]


def test_truncated_json_is_retried_and_parks_when_it_outlasts_the_retries(
    tmp_path: Path,
) -> None:
    cut = json.dumps(body("841869"))[:60].encode()
    replies = [Reply(200, cut), *(Reply(200, body(c)) for c in CODES)]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        assert harness.fetch().status == "done"
    assert len(server.requests) == 4 and len(harness.sleeps) == 1
    with MockServer([Reply(200, cut)] * 3) as server:
        harness = Harness(tmp_path, server.url)
        result = harness.fetch(restart=True)
    assert result.status == "parked" and "HTTP 200 but response body is not valid JSON" in (
        result.message
    )
    assert len([e for e in harness.manifest() if "error" in e]) == 4  # every body landed


def test_connection_refused_is_retried_then_fatal(tmp_path: Path) -> None:
    harness = Harness(tmp_path, closed_port_url())
    with pytest.raises(ComtradeError) as caught:
        harness.fetch()
    text = str(caught.value)
    assert "year 2022 cmdCode '841869'" in text
    assert "gave up after 3 attempts; last: ConnectionError" in text
    assert len(harness.sleeps) == 2


def test_a_connect_hang_times_out_and_is_retried_then_raised(tmp_path: Path) -> None:
    with hanging_connect_url() as url:
        harness = Harness(tmp_path, url, timeout=(0.3, 2))
        gave_up = "gave up after 3 attempts; last: ConnectTimeout"
        with pytest.raises(ComtradeError, match=gave_up) as caught:
            harness.fetch()
    assert step_failure(caught.value).allow_retries
    assert len(harness.sleeps) == 2


def test_a_read_timeout_fires_and_is_retried(tmp_path: Path) -> None:
    replies = [Reply(200, body("841869"), delay=3), *(Reply(200, body(c)) for c in CODES)]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, timeout=(0.5, 0.3))
        result = harness.fetch()
    assert result.status == "done" and len(server.requests) == 4
    assert "ReadTimeout" in harness.logs[1] and "retry 1 of 2" in harness.logs[1]


def test_requests_are_paced(tmp_path: Path) -> None:
    now = [100.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    with MockServer([Reply(200, body(c)) for c in CODES]) as server:
        harness = Harness(tmp_path, server.url, min_interval=1.5, sleep=sleep, clock=lambda: now[0])
        assert harness.fetch().status == "done"
    assert sleeps == [1.5, 1.5]


# --- secrets ---------------------------------------------------------------------------


def test_the_canary_key_is_found_nowhere_but_the_header(tmp_path: Path) -> None:
    replies = [
        Reply(500, f"<html><title>{KEY}</title></html>", HTML),
        Reply(429, gateway_error(429, f"key {KEY} is rate limited"), {"Retry-After": "1"}),
        Reply(200, body("841869")),
        Reply(200, OUTAGE_HTML, HTML),
        Reply(503, f"<html>{KEY}</html>", {"Retry-After": KEY, **HTML}),
        Reply(200, body("901380")),
        Reply(403, gateway_error(403, f"{QUOTA_MESSAGE} ({KEY})")),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, backoff_cap=5)
        parked = harness.fetch()
    with MockServer([Reply(401, gateway_error(401, f"invalid key {KEY}"))]) as server2:
        harness2 = Harness(tmp_path, server2.url)
        state = harness2.state()
        state.parked_until = "2000-01-01T00:00:00Z"
        harness2.zone.save_state(state)
        with pytest.raises(ComtradeError) as caught:
            harness2.fetch()
    sent = server.requests + server2.requests
    assert all(r.headers[KEY_HEADER] == KEY for r in sent)
    assert all(KEY not in r.path + json.dumps(r.query) for r in sent)
    texts = [parked.message, *harness.logs, *harness2.logs, str(caught.value), repr(caught.value)]
    for path in (tmp_path / "raw" / "comtrade").rglob("*"):
        assert KEY not in str(path)
        if path.is_file():
            data = path.read_bytes()
            texts.append((gzip.decompress(data) if path.suffix == ".gz" else data).decode())
    assert any("REDACTED" in t for t in texts) and len(texts) > 10
    for text in texts:
        assert KEY not in text


def test_a_200_body_echoing_the_key_is_landed_verbatim_but_described_scrubbed(
    tmp_path: Path,
) -> None:
    echo = Reply(200, f"<html><title>{KEY}</title></html>", HTML)
    with MockServer([echo]) as server:
        harness = Harness(tmp_path, server.url, max_retries=0)
        result = harness.fetch()
    (entry,) = harness.manifest()
    assert "titled 'REDACTED'" in entry["error"] and KEY not in result.message
    # bodies are never altered: the blob keeps what the server sent
    assert KEY.encode() in gzip.decompress((tmp_path / "raw" / entry["path"]).read_bytes())


# --- the pieces ------------------------------------------------------------------------


def test_judge_body_sorts_bodies_into_usable_retry_and_fatal() -> None:
    good = judge_body(json.dumps(body("841869")).encode(), 100)
    assert good.usable and good.problem == ""
    no_count = dict(body("841869"))
    del no_count["count"]
    assert judge_body(json.dumps(no_count).encode(), 100).usable
    html = judge_body(OUTAGE_HTML, 100)
    assert (html.usable, html.fatal, html.data) == (False, False, None)
    other = judge_body(b'{"results": []}', 100)
    assert other.fatal and "not a UN Comtrade data response" in other.problem
    empty = judge_body(json.dumps(comtrade_body([])).encode(), 100)
    assert empty.fatal and "not zero trade" in empty.problem
    record = comtrade_record()
    assert (record["refMonth"], record["partnerCode"], record["cmdCode"]) == (52, 0, "841869")
    assert comtrade_record(refYear=2019)["period"] == "2019"


def test_gateway_texts_are_read() -> None:
    assert replenish_seconds(QUOTA_MESSAGE) == 45296.0
    assert replenish_seconds("Quota will be replenished in 2.03:00:00.") == 183600.0
    assert replenish_seconds("Quota will be replenished in 2 days.") == 172800.0
    assert replenish_seconds("Out of call volume quota.") is None
    assert try_again_seconds("Rate limit is exceeded. Try again in 26 seconds.") == 26.0
    assert try_again_seconds("Rate limit is exceeded.") is None
    assert gateway_message(json.dumps(gateway_error(403, QUOTA_MESSAGE)).encode()) == QUOTA_MESSAGE
    assert gateway_message(b"<html></html>") == ""
    assert looks_like_html(b"  <!DOCTYPE html><html></html>")
    assert not looks_like_html(b'{"data": []}')


# --- the asset -------------------------------------------------------------------------


def test_query_codes_takes_the_years_revision_sorted_then_total_without_context() -> None:
    table = pl.DataFrame(
        [("HS2022", "901380", "core"), ("HS2022", "841869", "core"),
         ("HS2022", "841869", "core"), ("HS2017", "901380", "generic"),
         ("HS2017", "854140", "core"), ("HS2022", "854142", "core"),
         ("HS2022", "284520", "context")],
        schema=["hs_revision", "hs_code", "role"], orient="row",
    )  # fmt: skip
    # from 2022, HS2017 codes HS2022 no longer has are asked too, and may answer empty
    assert query_codes(2022, table) == (["841869", "854140", "854142", "901380", "TOTAL"],
                                        ["854140"])  # fmt: skip
    assert query_codes(2024, table) == query_codes(2022, table)
    assert query_codes(2021, table) == (["854140", "901380", "TOTAL"], [])
    # the committed code map: its context lines (boron-10, lithium-6 ...) are never asked for
    committed, older = query_codes(2023)
    assert "284520" not in committed and "841869" in committed and committed[-1] == "TOTAL"
    assert older == ["710420", "854140"]
    revisions = [hs_revision(y) for y in (2017, 2021, 2022)]
    assert revisions == ["HS2017", "HS2017", "HS2022"]


def test_the_asset_is_partitioned_by_year_from_the_first_year(tmp_path: Path) -> None:
    keys = YEARS.get_partition_keys()
    # the current year's annual trade does not exist yet
    assert keys[0] == "2017" and keys[-1] == str(datetime.now(UTC).year - 1)
    assert comtrade_pages.key == COMTRADE_PAGES_KEY
    assert comtrade_pages.group_names_by_key[COMTRADE_PAGES_KEY] == "supply_chain"
    zone = landing_zone(SimpleNamespace(landing_dir=tmp_path))  # type: ignore[arg-type]
    assert (zone.base, zone.suffix) == (tmp_path / "comtrade", ".json")
