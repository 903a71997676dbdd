"""The live PatentsView client against a scripted local server: paging, faults, secrets."""

from __future__ import annotations

import gzip
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from assets.patents.patentsview_live import (
    PATENT,
    PUBLICATION,
    PatentsViewError,
    PatentsViewFetcher,
    cpc_prefix,
    decode_page,
    order_problem,
    parse_cursor,
)
from pipelines.fetching import REFETCH, FetchOutcome, step_failure
from pipelines.landing import LandingZone
from tests.mock_server import MockServer, Reply, closed_port_url, hanging_connect_url

pytestmark = pytest.mark.unit
YEAR = 2020
CODES = ["G06N10/00", "H04L9/0852", "H01L39", "G01R33/035"]
FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "patentsview"
PAGING_PAGE = "patents_date_2000-01-04_size100_page1.json"
PREGRANT = "publication_20010000002_pregrant.json"
HTML_500 = "error_500_ipc_endpoint.html"
# The recorded 500 from /api/v1/ipc/ (error_500_ipc_endpoint.html), used when ../shared is absent.
HTML_500_COPY = (
    b'\n<!doctype html>\n<html lang="en">\n<head>\n  <title>Server Error (500)</title>\n'
    b"</head>\n<body>\n  <h1>Server Error (500)</h1><p></p>\n</body>\n</html>\n"
)
HTML_HEADERS = {"Content-Type": "text/html; charset=utf-8"}


@pytest.fixture
def recorded() -> Path:
    """The recorded real PatentsView bodies (skipped when ../shared is absent)."""
    if not FIXTURES.is_dir():
        pytest.skip(f"recorded real PatentsView responses not available: {FIXTURES} is absent")
    return FIXTURES


def html_500() -> bytes:
    """The real HTML body of a PatentsView 500, or its inline copy without ../shared."""
    path = FIXTURES / HTML_500
    return path.read_bytes() if path.is_file() else HTML_500_COPY


def patents(ids: list[str], total: int) -> dict[str, Any]:
    """A hand-made patent endpoint page."""
    records = [{"patent_id": i, "patent_date": f"{YEAR}-03-03"} for i in ids]
    return {"error": False, "count": len(ids), "total_hits": total, "patents": records}


def publications(numbers: list[int], total: int) -> dict[str, Any]:
    """A hand-made publication endpoint page."""
    records = [{"document_number": n, "publication_date": f"{YEAR}-05-07"} for n in numbers]
    return {"error": False, "count": len(numbers), "total_hits": total, "publications": records}


# The recorded empty result (patents_POST_withdrawn_empty.json), byte for byte.
EMPTY_PATENTS = '{"error":false,"count":0,"total_hits":0,"patents":[]}'
EMPTY_PUBLICATIONS = publications([], 0)


class Crash(BaseException):
    """A process killed mid-fetch (not an Exception, so nothing catches it)."""


class Session(requests.Session):
    """A proxy-free session that can crash before its n-th request and stamps request times."""

    def __init__(self, clock: FakeClock | None = None, crash_at: int | None = None) -> None:
        super().__init__()
        self.trust_env = False
        self.clock = clock
        self.crash_at = crash_at
        self.sent: list[float] = []

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        if self.crash_at is not None and len(self.sent) + 1 == self.crash_at:
            raise Crash
        if self.clock is not None:
            self.sent.append(self.clock())
            self.clock.now += 0.25  # the request itself takes a while
        else:
            self.sent.append(0.0)
        return super().request(*args, **kwargs)


class FakeClock:
    """A monotonic clock that moves only when slept on (or when a request is sent)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Harness:
    """A fetcher wired to a mock server, a temporary landing zone and recorded logs/sleeps."""

    def __init__(self, tmp_path: Path, base_url: str, **options: Any) -> None:
        self.zone = LandingZone(tmp_path / "raw", "patentsview")
        self.logs: list[str] = []
        self.sleeps: list[float] = []
        settings: dict[str, Any] = {
            "api_key": "test-key",
            "timeout": (2, 2),
            "max_retries": 3,
            "page_size": 2,
            "min_interval": 0.0,
            "sleep": self.sleeps.append,
            "session": Session(),
            **options,
        }
        self.fetcher = PatentsViewFetcher(
            self.zone, base_url=base_url, log=self.logs.append, **settings
        )

    def fetch(self, restart: bool = False) -> FetchOutcome:
        """Fetch the test year."""
        return self.fetcher.fetch_partition(YEAR, CODES, restart=restart)

    def manifest(self) -> list[dict[str, Any]]:
        """The manifest's entries."""
        if not self.zone.manifest_path.exists():
            return []
        lines = self.zone.manifest_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines]

    def bodies(self) -> list[bytes]:
        """The bodies of the current (last complete) fetch, in page order."""
        return [gzip.decompress(path.read_bytes()) for path in self.zone.current_files()]


def sent(server: MockServer) -> list[tuple[str, dict[str, Any]]]:
    """The path and JSON body of every request the server received."""
    return [(r.path, json.loads(r.body)) for r in server.requests]


def afters(server: MockServer) -> list[tuple[str, Any]]:
    """The endpoint path and ``o.after`` (None when absent) of every request."""
    return [(path, body["o"].get("after")) for path, body in sent(server)]


# --- the query -------------------------------------------------------------------------


def test_cpc_prefixes_select_a_code_and_what_is_under_it() -> None:
    assert cpc_prefix("H01L39") == "H01L39/"  # not H01L391/...
    assert cpc_prefix("G06N10/00") == "G06N10/"  # a main group takes its subgroups
    assert cpc_prefix("G01R33/035") == "G01R33/035"  # also G01R33/0354
    assert cpc_prefix(" H04L 9/0852 ") == "H04L9/0852"
    with pytest.raises(ValueError, match="empty CPC code"):
        cpc_prefix(" ")


def test_query_for_each_endpoint(tmp_path: Path) -> None:
    fetcher = Harness(tmp_path, "http://127.0.0.1:9").fetcher
    grants = fetcher.query("patent", YEAR, CODES)
    begins = [
        {"_begins": {"cpc_current.cpc_group_id": p}}
        for p in ["G06N10/", "H04L9/0852", "H01L39/", "G01R33/035"]
    ]
    assert grants["q"] == {
        "_and": [
            {"_gte": {"patent_date": "2020-01-01"}},
            {"_lte": {"patent_date": "2020-12-31"}},
            {"_or": begins},
        ]
    }
    assert grants["s"] == [{"patent_id": "asc"}]
    assert grants["f"][:4] == ["patent_id", "patent_title", "patent_abstract", "patent_date"]
    assert {"withdrawn", "application", "assignees", "inventors", "cpc_current"} <= set(grants["f"])
    pregrant = fetcher.query("publication", YEAR, CODES)
    assert pregrant["q"]["_and"][0] == {"_gte": {"publication_date": "2020-01-01"}}
    assert pregrant["q"]["_and"][2] == {"_or": begins}
    assert pregrant["s"] == [{"document_number": "asc"}]
    assert pregrant["f"][:3] == ["document_number", "publication_title", "publication_abstract"]
    assert "application" not in pregrant["f"] and "granted_pregrant_crosswalk" in pregrant["f"]
    assert "test-key" not in json.dumps([grants, pregrant])
    with pytest.raises(ValueError, match="at least one CPC code"):
        fetcher.query("patent", YEAR, [])
    with pytest.raises(ValueError, match="endpoint must be one of"):
        fetcher.query("assignee", YEAR, CODES)


def test_settings_are_checked_without_showing_the_key(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="page_size must be 1 to 1000"):
        Harness(tmp_path, "http://x", page_size=1001)
    with pytest.raises(ValueError, match="needs an API key"):
        Harness(tmp_path, "http://x", api_key="")
    with pytest.raises(ValueError, match="needs an API key") as caught:
        Harness(tmp_path, "http://x", api_key="secret-1\r\nX-Evil: 1")
    assert "secret-1" not in str(caught.value)
    # a character outside Latin-1 would fail at the first request, unrecorded
    with pytest.raises(ValueError, match=r"needs an API key .*\(PATENTSVIEW_API_KEY\)") as caught:
        Harness(tmp_path, "http://x", api_key="secret\u20192")
    assert "secret" not in str(caught.value)


# --- paging ----------------------------------------------------------------------------


def test_both_endpoints_are_paged_with_after_and_every_body_is_landed(tmp_path: Path) -> None:
    replies = [
        Reply(200, patents(["10000001", "10000002"], 3)),
        Reply(200, patents(["D900001"], 3)),
        Reply(200, publications([20200000001, 20200000002], 3)),
        Reply(200, publications([20200000003], 3)),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        outcome = harness.fetch()
    assert (outcome.status, outcome.pages_landed, outcome.records, outcome.meta_count) == (
        "done",
        4,
        6,
        6,
    )
    assert "patent 3 of total_hits 3; publication 3 of total_hits 3" in outcome.message
    assert afters(server) == [
        ("/patent/", None),
        ("/patent/", "10000002"),
        ("/publication/", None),
        ("/publication/", 20200000002),
    ]
    request = server.requests[0]
    assert request.method == "POST" and request.query == {}
    assert request.headers["X-Api-Key"] == "test-key"
    body = json.loads(request.body)
    assert body["o"] == {"size": 2} and body["s"] == [{"patent_id": "asc"}]
    assert body["q"] == harness.fetcher.query("patent", YEAR, CODES)["q"]
    assert [json.loads(b) for b in harness.bodies()] == [r.body for r in replies]
    entries = harness.manifest()
    assert [(e["endpoint"], e["after"], e["count"], e["total_hits"]) for e in entries] == [
        ("patent", None, 2, 3),
        ("patent", "10000002", 1, 3),
        ("publication", None, 2, 3),
        ("publication", 20200000002, 1, 3),
    ]
    assert all(e["url"].endswith(("/patent/", "/publication/")) for e in entries)
    state = harness.zone.load_state("2020")
    assert (state.status, state.cursor, state.error) == ("done", None, None)
    assert state.cursors == [
        "patent:",
        'patent:"10000002"',
        "publication:",
        "publication:20200000002",
    ]
    assert parse_cursor(state.cursors[3]) == (PUBLICATION, 20200000002)
    assert not harness.sleeps and server.unused == 0


def test_a_full_page_then_an_empty_one_ends_the_endpoint(tmp_path: Path) -> None:
    replies = [
        Reply(200, patents(["1", "2"], 2)),
        Reply(200, EMPTY_PATENTS),
        Reply(200, EMPTY_PUBLICATIONS),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        outcome = harness.fetch()
    assert (outcome.status, outcome.pages_landed, outcome.records) == ("done", 3, 2)
    assert afters(server) == [("/patent/", None), ("/patent/", "2"), ("/publication/", None)]


def test_count_zero_everywhere_is_done_with_zero_records(tmp_path: Path) -> None:
    with MockServer([Reply(200, EMPTY_PATENTS), Reply(200, EMPTY_PUBLICATIONS)]) as server:
        harness = Harness(tmp_path, server.url, page_size=1000)
        outcome = harness.fetch()
    assert (outcome.status, outcome.pages_landed, outcome.records, outcome.meta_count) == (
        "done",
        2,
        0,
        0,
    )
    assert harness.bodies()[0] == EMPTY_PATENTS.encode()
    assert not [line for line in harness.logs if line.startswith("WARNING")]


def test_an_endpoint_ending_short_of_total_hits_is_never_done(tmp_path: Path) -> None:
    with MockServer([Reply(200, patents(["1"], 5))]) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(PatentsViewError) as caught:
            harness.fetch()
        assert len(server.requests) == 1  # the publication endpoint is not asked
    text = str(caught.value)
    assert text.startswith("patentsview year 2020 patent page 1 after none (first page) (POST ")
    assert "the patent endpoint ended (a page of 1 records, fewer than the page size 2)" in text
    assert "with 1 records fetched but total_hits 5: 4 fewer than the API reports" in text
    assert text.endswith(f"(its saved cursor and pages are kept); {REFETCH}")
    state = harness.zone.load_state("2020")
    assert (state.status, state.cursor, state.pages, state.records, state.done) == (
        "running",
        None,
        [],
        0,
        None,
    )
    assert state.error == text and harness.zone.current_files() == []


def test_an_empty_page_before_total_hits_keeps_the_saved_cursor(tmp_path: Path) -> None:
    replies = [
        Reply(200, patents(["1", "2"], 5)),
        Reply(200, EMPTY_PATENTS.replace('"total_hits":0', '"total_hits":5')),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(PatentsViewError) as caught:
            harness.fetch()
    text = str(caught.value)
    assert 'patent page 2 after "2"' in text and "2 records fetched but total_hits 5" in text
    state = harness.zone.load_state("2020")
    assert (state.status, state.cursor, state.cursors, state.records) == (
        "running",
        'patent:"2"',
        ["patent:"],
        2,
    )
    # a plain re-run resumes at the saved cursor and meets the same gap
    with MockServer([replies[1]]) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(PatentsViewError, match=r"qcm/refetch=1\)$"):
            harness.fetch()
        assert afters(server) == [("/patent/", "2")]


def test_more_records_than_total_hits_is_a_warning(tmp_path: Path) -> None:
    replies = [Reply(200, patents(["1"], 1)), Reply(200, publications([7], 0))]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        outcome = harness.fetch()
    assert (outcome.status, outcome.records, outcome.meta_count) == ("done", 2, 1)
    assert "publication: fetched 1, more than total_hits 0" in outcome.message
    warnings = [line for line in harness.logs if line.startswith("WARNING")]
    assert warnings == [
        "WARNING: patentsview year 2020 publication: fetched 1 records but total_hits is 0 "
        "(1 more; documents added while paging?)"
    ]


def test_a_crash_resumes_after_the_last_landed_page(tmp_path: Path) -> None:
    first_run = [
        Reply(200, patents(["1", "2"], 3)),
        Reply(200, patents(["3"], 3)),
        Reply(200, publications([20200000001, 20200000002], 4)),
    ]
    with MockServer(first_run) as server:
        harness = Harness(tmp_path, server.url, session=Session(crash_at=4))
        with pytest.raises(Crash):
            harness.fetch()
    state = harness.zone.load_state("2020")
    assert (state.status, state.cursor, len(state.pages), state.records) == (
        "running",
        "publication:20200000002",
        3,
        5,
    )
    assert harness.zone.current_files() == []  # nothing counts until the fetch completes
    second_run = [
        Reply(200, publications([20200000003, 20200000004], 4)),
        Reply(200, EMPTY_PUBLICATIONS | {"total_hits": 4}),
    ]
    with MockServer(second_run) as server:
        harness = Harness(tmp_path, server.url)
        outcome = harness.fetch()
    assert afters(server) == [("/publication/", 20200000002), ("/publication/", 20200000004)]
    assert (outcome.status, outcome.pages_landed, outcome.records, outcome.meta_count) == (
        "done",
        5,
        7,
        7,
    )
    assert "patent 3 of total_hits 3; publication 4 of total_hits 4" in outcome.message
    assert any("resuming fetch" in line and "page 4" in line for line in harness.logs)
    pages = [(e["fetch_id"], e["page"]) for e in harness.manifest()]
    assert len(pages) == len(set(pages)) == 5
    assert len(harness.bodies()) == 5


def test_refetching_a_done_year_replaces_it_only_when_complete(tmp_path: Path) -> None:
    with MockServer([Reply(200, patents(["1"], 1)), Reply(200, EMPTY_PUBLICATIONS)]) as server:
        harness = Harness(tmp_path, server.url)
        harness.fetch()
        old = harness.zone.current_files()
    replies = [Reply(200, patents(["1", "2"], 3)), Reply(400, "", {"X-Status-Reason": "x"})]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(PatentsViewError):
            harness.fetch()
        assert harness.zone.current_files() == old


# --- rate limit ------------------------------------------------------------------------


def test_requests_are_spaced_by_min_interval(tmp_path: Path) -> None:
    clock = FakeClock()
    session = Session(clock=clock)
    replies = [
        Reply(200, patents(["1", "2"], 3)),
        Reply(500, html_500(), HTML_HEADERS),
        Reply(200, patents(["3"], 3)),
        Reply(200, publications([1], 1)),
    ]
    with MockServer(replies) as server:
        harness = Harness(
            tmp_path,
            server.url,
            min_interval=60 / 45,
            backoff_base=0.01,
            clock=clock,
            sleep=clock.sleep,
            session=session,
        )
        assert harness.fetch().status == "done"
    gaps = [b - a for a, b in zip(session.sent, session.sent[1:], strict=False)]
    assert len(gaps) == 3 and all(gap >= 60 / 45 - 1e-9 for gap in gaps)
    assert all(gap < 60 / 45 + 0.02 for gap in gaps)  # no more waiting than needed
    # default: 45 a minute
    assert PatentsViewFetcher(harness.zone, api_key="k").pacer.min_interval == 60 / 45


def test_429_retry_after_is_honoured_then_succeeds(tmp_path: Path) -> None:
    replies = [
        Reply(429, "", {"Retry-After": "7"}),
        Reply(200, patents(["1"], 1)),
        Reply(200, EMPTY_PUBLICATIONS),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, backoff_base=0.01, backoff_cap=30)
        assert harness.fetch().status == "done"
    assert harness.sleeps == [7]
    assert any("HTTP 429" in line and "retry 1 of 3" in line for line in harness.logs)


def test_429_storm_parks_with_the_cursor_and_resumes(tmp_path: Path) -> None:
    storm = [Reply(429, "", {"Retry-After": "20"})] * 3
    with MockServer([Reply(200, patents(["1", "2"], 3)), *storm]) as server:
        harness = Harness(tmp_path, server.url, max_retries=2, backoff_cap=30)
        before = datetime.now(UTC)
        parked = harness.fetch()
    assert harness.sleeps == [20, 20]
    assert (parked.status, parked.pages_landed, parked.records) == ("parked", 1, 2)
    until = datetime.fromisoformat(parked.parked_until.replace("Z", "+00:00"))
    assert timedelta(seconds=18) < until - before < timedelta(seconds=22)
    assert "HTTP 429" in parked.message and "resume at page 2" in parked.message
    assert 'patent page 2 after "2"' in parked.message
    state = harness.zone.load_state("2020")
    assert (state.status, state.cursor, state.parked_until) == (
        "parked",
        'patent:"2"',
        parked.parked_until,
    )

    with MockServer([]) as server:  # before parked_until: no request at all
        still = Harness(tmp_path, server.url).fetch()
        assert still.status == "parked" and server.requests == []
    assert "still parked" in still.message

    state.parked_until = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    harness.zone.save_state(state)
    with MockServer([Reply(200, patents(["3"], 3)), Reply(200, EMPTY_PUBLICATIONS)]) as server:
        done = Harness(tmp_path, server.url).fetch()
    assert afters(server)[0] == ("/patent/", "2")
    assert (done.status, done.pages_landed, done.records, done.meta_count) == ("done", 3, 3, 3)


def test_429_asking_for_more_than_the_cap_parks_at_once(tmp_path: Path) -> None:
    with MockServer([Reply(429, "", {"Retry-After": "600"})]) as server:
        harness = Harness(tmp_path, server.url, backoff_cap=60)
        parked = harness.fetch()
        assert len(server.requests) == 1 and not harness.sleeps
    assert parked.status == "parked" and "more than backoff_cap" in parked.message
    until = datetime.fromisoformat(parked.parked_until.replace("Z", "+00:00"))
    assert until - datetime.now(UTC) > timedelta(seconds=590)


# --- server errors and broken bodies ---------------------------------------------------


def test_500_html_page_is_retried_then_succeeds(tmp_path: Path) -> None:
    replies = [
        Reply(500, html_500(), HTML_HEADERS),
        Reply(200, patents(["1"], 1)),
        Reply(200, EMPTY_PUBLICATIONS),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        assert harness.fetch().status == "done"
    assert len(harness.sleeps) == 1
    assert "HTTP 500: an HTML page titled 'Server Error (500)'" in harness.logs[0]
    assert len(harness.manifest()) == 2  # the 500 page is not landed


def test_500_that_persists_names_year_endpoint_after_and_url(tmp_path: Path) -> None:
    replies = [Reply(200, patents(["1", "2"], 5))] + [Reply(500, html_500(), HTML_HEADERS)] * 3
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, max_retries=2)
        with pytest.raises(PatentsViewError) as caught:
            harness.fetch()
    text = str(caught.value)
    assert text.startswith(
        f'patentsview year 2020 patent page 2 after "2" (POST {server.url}/patent/): '
    )
    assert "gave up after 3 attempts; last: HTTP 500: an HTML page titled" in text
    state = harness.zone.load_state("2020")
    assert (state.status, state.cursor, len(state.pages), state.error) == (
        "running",
        'patent:"2"',
        1,
        text,
    )


def test_html_with_status_200_is_never_a_good_page(tmp_path: Path) -> None:
    html = Reply(200, "<!DOCTYPE html><html><title>Maintenance</title></html>", HTML_HEADERS)
    with MockServer([html, html]) as server:
        harness = Harness(tmp_path, server.url, max_retries=1)
        with pytest.raises(PatentsViewError, match=r"not valid JSON .*titled 'Maintenance'"):
            harness.fetch()
    entries = harness.manifest()
    assert len(entries) == 2 and all("error" in e and "count" not in e for e in entries)
    state = harness.zone.load_state("2020")
    assert (state.pages, state.records, state.cursor) == ([], 0, None)


def test_truncated_json_is_landed_retried_and_kept_out(tmp_path: Path) -> None:
    good = json.dumps(patents(["1"], 1))
    replies = [Reply(200, good[:30]), Reply(200, good), Reply(200, EMPTY_PUBLICATIONS)]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        assert harness.fetch().status == "done"
    bad = harness.manifest()[0]
    assert bad["error"].startswith("response body is not valid JSON") and bad["page"] == 1
    assert harness.bodies()[0] == good.encode()


def test_body_cut_off_in_transit_is_retried(tmp_path: Path) -> None:
    good = json.dumps(patents(["1"], 1))
    replies = [
        Reply(200, good[:30], declared_length=len(good)),
        Reply(200, good),
        Reply(200, EMPTY_PUBLICATIONS),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        assert harness.fetch().status == "done"
    assert len(harness.sleeps) == 1 and "ChunkedEncodingError" in harness.logs[0]


def test_error_flag_or_wrong_envelope_is_not_a_page() -> None:
    assert decode_page(b'{"error": true, "count": 0}', PATENT)[1].startswith(
        "response reports an error"
    )
    body = json.dumps(patents(["1"], 1)).encode()
    page, problem = decode_page(body, PUBLICATION)
    assert page is None and "no 'publications' list" in problem
    short = json.dumps(patents(["1"], 1) | {"count": 2}).encode()
    assert "count 2 differs from the 1 records" in decode_page(short, PATENT)[1]
    assert decode_page(b"[]", PATENT)[1] == (
        "response is not a PatentsView result (not a JSON object)"
    )


def test_read_hang_times_out_and_is_retried(tmp_path: Path) -> None:
    replies = [
        Reply(200, patents(["1"], 1), delay=3),
        Reply(200, patents(["1"], 1)),
        Reply(200, EMPTY_PUBLICATIONS),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, timeout=(0.5, 0.3))
        assert harness.fetch().status == "done"
    assert len(harness.sleeps) == 1 and "ReadTimeout" in harness.logs[0]


def test_connection_refused_is_retried_then_raised(tmp_path: Path) -> None:
    harness = Harness(tmp_path, closed_port_url(), max_retries=2)
    with pytest.raises(PatentsViewError) as caught:
        harness.fetch()
    text = str(caught.value)
    assert "patent page 1 after none (first page)" in text
    assert "gave up after 3 attempts; last: ConnectionError" in text
    assert len(harness.sleeps) == 2


def test_a_connect_hang_times_out_and_is_retried_then_raised(tmp_path: Path) -> None:
    with hanging_connect_url() as url:
        harness = Harness(tmp_path, url, max_retries=2, timeout=(0.3, 2))
        with pytest.raises(
            PatentsViewError, match="gave up after 3 attempts; last: ConnectTimeout"
        ) as caught:
            harness.fetch()
    assert step_failure(caught.value).allow_retries
    assert len(harness.sleeps) == 2


# --- refusals --------------------------------------------------------------------------


def test_400_raises_at_once_with_the_status_reason(tmp_path: Path) -> None:
    headers = {"X-Status-Reason": "Invalid field: cpc_current.cpc_groupid"}
    headers["X-Status-Reason-Code"] = "ERR_INVALID_FIELD"
    with MockServer([Reply(400, "", headers)]) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(PatentsViewError) as caught:
            harness.fetch()
        assert len(server.requests) == 1 and not harness.sleeps
    text = str(caught.value)
    assert text.startswith("patentsview year 2020 patent page 1 after none (first page)")
    assert text.endswith(
        "HTTP 400: the API rejected the query: Invalid field: cpc_current.cpc_groupid "
        "(X-Status-Reason-Code ERR_INVALID_FIELD)"
    )


def test_403_bad_key_raises_at_once_without_the_key(tmp_path: Path) -> None:
    key = f"wrong-{uuid.uuid4().hex}"
    body = {"detail": f"Invalid API key {key}"}
    with MockServer([Reply(403, body)]) as server:
        harness = Harness(tmp_path, server.url, api_key=key)
        with pytest.raises(PatentsViewError) as caught:
            harness.fetch()
        assert len(server.requests) == 1 and not harness.sleeps
    text = str(caught.value)
    assert "HTTP 403: the API key was refused" in text and "PATENTSVIEW_API_KEY" in text
    assert key not in text and "REDACTED" in text


# --- paging guards ---------------------------------------------------------------------


def test_the_same_record_on_two_pages_is_an_error(tmp_path: Path) -> None:
    replies = [Reply(200, patents(["1", "2"], 4)), Reply(200, patents(["2", "3"], 4))]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(PatentsViewError) as caught:
            harness.fetch()
        assert len(server.requests) == 2  # not retried
    text = str(caught.value)
    assert text.startswith('patentsview year 2020 patent page 2 after "2"')
    assert "repeats records or is out of order: its first patent_id '2'" in text
    state = harness.zone.load_state("2020")
    assert (state.cursor, len(state.pages), state.records) == ('patent:"2"', 1, 2)
    assert "error" in harness.manifest()[1]  # landed as evidence, marked bad


def test_unsorted_page_and_missing_sort_key_are_errors(tmp_path: Path) -> None:
    assert "not sorted by patent_id: record 2 ('1')" in order_problem(
        [{"patent_id": "2"}, {"patent_id": "1"}], "patent_id", None
    )
    assert order_problem([{"title": "x"}], "patent_id", None) == (
        "record 1 has no patent_id, the sort key paging depends on"
    )
    # ids sort as strings, the way the API sorts patent_id; numbers as numbers
    assert order_problem([{"patent_id": "D900001"}], "patent_id", "10999999") == ""
    assert order_problem([{"document_number": 20200000010}], "document_number", 20200000009) == ""
    with MockServer([Reply(200, patents(["1"], 1) | {"patents": [{"x": 1}]})]) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(PatentsViewError, match=r"page 1 .* record 1 has no patent_id"):
            harness.fetch()


# --- secrets ---------------------------------------------------------------------------


def test_canary_key_is_found_nowhere_but_the_header(tmp_path: Path) -> None:
    canary = f"canary-{uuid.uuid4().hex}"
    replies = [
        Reply(500, f"<html><title>{canary}</title></html>", HTML_HEADERS),
        Reply(429, {"detail": canary}, {"Retry-After": "1"}),
        Reply(200, patents(["1", "2"], 3)),
        Reply(200, "<html>maintenance</html>", HTML_HEADERS),
        Reply(503, f"<html>{canary}</html>", {"Retry-After": canary, **HTML_HEADERS}),
        Reply(200, patents(["3"], 3)),
        Reply(400, {"detail": canary}, {"X-Status-Reason": f"bad key {canary}"}),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, api_key=canary, backoff_cap=5)
        with pytest.raises(PatentsViewError) as caught:
            harness.fetch()
    assert all(r.headers["X-Api-Key"] == canary for r in server.requests)
    assert all(canary not in r.path + str(r.query) + r.body.decode() for r in server.requests)
    texts = [*harness.logs, str(caught.value), repr(caught.value)]
    root = tmp_path / "raw" / "patentsview"
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            texts.append((gzip.decompress(data) if path.suffix == ".gz" else data).decode())
    assert any("REDACTED" in t for t in texts) and len(texts) > 8
    for text in texts:
        assert canary not in text


def test_a_200_body_echoing_the_key_is_landed_verbatim_but_described_scrubbed(
    tmp_path: Path,
) -> None:
    key = f"echo-{uuid.uuid4().hex}"
    echo = Reply(200, f"<html><title>{key}</title></html>", HTML_HEADERS)
    with MockServer([echo]) as server:
        harness = Harness(tmp_path, server.url, api_key=key, max_retries=0)
        with pytest.raises(PatentsViewError) as caught:
            harness.fetch()
    (entry,) = harness.manifest()
    assert "titled 'REDACTED'" in entry["error"] and key not in str(caught.value)
    # bodies are never altered: the blob keeps what the server sent
    assert key.encode() in gzip.decompress((tmp_path / "raw" / entry["path"]).read_bytes())


# --- contract: recorded real bodies ----------------------------------------------------


@pytest.mark.contract
def test_recorded_paging_page_is_a_page_and_gives_the_next_after(
    tmp_path: Path, recorded: Path
) -> None:
    first = (recorded / PAGING_PAGE).read_bytes()
    page, problem = decode_page(first, PATENT)
    assert problem == "" and page is not None
    assert (page["count"], page["total_hits"], len(page["patents"])) == (100, 3001, 100)
    assert order_problem(page["patents"], "patent_id", None) == ""
    replies = [Reply(200, first), Reply(200, EMPTY_PATENTS), Reply(200, EMPTY_PUBLICATIONS)]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, page_size=100)
        outcome = harness.fetch()
    assert afters(server)[1] == ("/patent/", "6009654")
    assert (outcome.records, harness.manifest()[0]["total_hits"]) == (100, 3001)
    assert harness.bodies()[0] == first


@pytest.mark.contract
def test_recorded_pregrant_publication_is_a_publication_page(
    tmp_path: Path, recorded: Path
) -> None:
    body = (recorded / PREGRANT).read_bytes()
    page, problem = decode_page(body, PUBLICATION)
    assert problem == "" and page["publications"][0]["document_number"] == 20010000002
    assert decode_page(body, PATENT)[0] is None  # the plural key tells the endpoints apart
    with MockServer([Reply(200, EMPTY_PATENTS), Reply(200, body)]) as server:
        outcome = Harness(tmp_path, server.url, page_size=1000).fetch()
    assert (outcome.status, outcome.records, outcome.meta_count) == ("done", 1, 1)


@pytest.mark.contract
def test_recorded_html_500_is_not_a_page(recorded: Path) -> None:
    body = (recorded / HTML_500).read_bytes()
    assert body == HTML_500_COPY  # the inline copy used without ../shared is faithful
    page, problem = decode_page(body, PATENT)
    assert page is None
    assert problem == "response body is not valid JSON (an HTML page titled 'Server Error (500)')"
    empty = (recorded / "patents_POST_withdrawn_empty.json").read_bytes()
    assert empty.strip() == EMPTY_PATENTS.encode()


def test_a_redirect_is_refused_and_never_followed_with_the_key(tmp_path: Path) -> None:
    moved = Reply(307, b"", {"Location": "http://127.0.0.1:9/elsewhere"})
    with MockServer([moved]) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(PatentsViewError, match="HTTP 307"):
            harness.fetch()
    assert len(server.requests) == 1  # the key is never sent on to another host
