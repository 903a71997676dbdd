"""The live NSF Awards client against a scripted local server: paging, resume, faults."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from assets.funding.nsf_live import (
    MAINTENANCE,
    NsfError,
    NsfFetcher,
    decode_page,
    format_cursor,
    looks_like_html,
    parse_cursor,
)
from assets.funding.nsf_parse import PRINT_FIELDS
from pipelines.fetching import REFETCH, FetchOutcome, step_failure
from pipelines.landing import LandingZone
from tests.mock_server import MockServer, Reply, closed_port_url, hanging_connect_url
from tests.nsf_bodies import MAINTENANCE_HTML, nsf_ids_page, nsf_page, nsf_refusal

pytestmark = pytest.mark.unit
YEAR = 2020
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
        self.zone = LandingZone(tmp_path / "raw", "nsf")
        self.logs: list[str] = []
        self.sleeps: list[float] = []
        settings: dict[str, Any] = {
            "timeout": (2, 2),
            "max_retries": 2,
            "page_size": 2,
            "min_interval": 0.0,
            "sleep": self.sleeps.append,
            "session": Session(),
            **options,
        }
        self.fetcher = NsfFetcher(self.zone, base_url=base_url, log=self.logs.append, **settings)

    def fetch(self, restart: bool = False) -> FetchOutcome:
        """Fetch the test year."""
        return self.fetcher.fetch_partition(YEAR, restart=restart)

    def manifest(self) -> list[dict[str, Any]]:
        """The manifest's entries."""
        if not self.zone.manifest_path.exists():
            return []
        lines = self.zone.manifest_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines]

    def bodies(self) -> list[bytes]:
        """The bodies of the current (last complete) fetch, in page order."""
        return [gzip.decompress(path.read_bytes()) for path in self.zone.current_files()]


def asked(server: MockServer) -> list[tuple[str, str]]:
    """``(keyword, offset)`` of every request the server received."""
    return [(r.query["keyword"][0], r.query["offset"][0]) for r in server.requests]


# --- the query -------------------------------------------------------------------------


def test_the_query_asks_for_one_start_year_and_the_parser_fields(tmp_path: Path) -> None:
    fetcher = Harness(tmp_path, "http://127.0.0.1:9/services/v1/", page_size=25).fetcher
    assert fetcher.query(YEAR, "quantum") == {
        "keyword": "quantum",
        "startDateStart": "01/01/2020",
        "startDateEnd": "12/31/2020",
        "printFields": ",".join(PRINT_FIELDS),
        "rpp": "25",
    }
    url = urlsplit(fetcher.page_url(YEAR, "quantum computing", 26))
    assert url.path == "/services/v1/awards.json"
    query = parse_qs(url.query)
    assert query["keyword"] == ["quantum computing"] and query["offset"] == ["26"]
    assert query["printFields"][0].split(",")[:3] == ["id", "title", "abstractText"]
    assert {"estimatedTotalAmt", "fundsObligatedAmt", "awardeeCountryCode"} <= set(
        query["printFields"][0].split(",")
    )


def test_settings_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="page_size must be 1 to 25"):
        Harness(tmp_path, "http://x", page_size=26)
    with pytest.raises(ValueError, match="at least one search term"):
        Harness(tmp_path, "http://x", terms=[" ", ""])
    fetcher = Harness(tmp_path, "http://x", terms=[" qubit", "quantum", "qubit"]).fetcher
    assert fetcher.terms == ("qubit", "quantum")


def test_cursors_round_trip_and_a_foreign_one_is_refused() -> None:
    terms = ("quantum", "qubit")
    assert parse_cursor(None, terms) == ("quantum", 1)
    assert parse_cursor(format_cursor("qubit", 51), terms) == ("qubit", 51)
    with pytest.raises(ValueError, match="names no term"):
        parse_cursor(format_cursor("photon", 1), terms)


# --- paging ----------------------------------------------------------------------------


def test_offset_paging_over_two_terms_lands_every_body(tmp_path: Path) -> None:
    replies = [
        Reply(200, nsf_ids_page(["2000001", "2000002"], total=3)),
        Reply(200, nsf_ids_page(["2000003"], total=3)),
        Reply(200, nsf_ids_page(["2000001"], total=1)),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, terms=["quantum", "qubit"])
        outcome = harness.fetch()
    assert (outcome.status, outcome.pages_landed, outcome.records, outcome.meta_count) == (
        "done",
        3,
        4,
        4,
    )
    assert "'quantum' 3 of totalCount 3; 'qubit' 1 of totalCount 1" in outcome.message
    assert asked(server) == [("quantum", "1"), ("quantum", "3"), ("qubit", "1")]
    first = server.requests[0]
    assert first.path == "/awards.json" and first.method == "GET"
    assert first.query["rpp"] == ["2"] and first.query["startDateStart"] == ["01/01/2020"]
    assert [json.loads(b) for b in harness.bodies()] == [r.body for r in replies]
    entries = harness.manifest()
    assert [(e["keyword"], e["offset"], e["records"], e["total_count"]) for e in entries] == [
        ("quantum", 1, 2, 3),
        ("quantum", 3, 1, 3),
        ("qubit", 1, 1, 1),
    ]
    assert all("offset=" in e["url"] for e in entries)
    state = harness.zone.load_state("2020")
    assert (state.status, state.cursor, state.error) == ("done", None, None)
    assert state.cursors == ['["quantum", 1]', '["quantum", 3]', '["qubit", 1]']
    assert not harness.sleeps and server.unused == 0


def test_a_full_page_then_an_empty_one_ends_the_term(tmp_path: Path) -> None:
    replies = [Reply(200, nsf_ids_page(["1", "2"], total=2)), Reply(200, nsf_page(total=2))]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        outcome = harness.fetch()
    assert (outcome.status, outcome.pages_landed, outcome.records) == ("done", 2, 2)
    assert asked(server) == [("quantum", "1"), ("quantum", "3")]


def test_no_total_count_still_pages_to_the_short_page(tmp_path: Path) -> None:
    replies = [Reply(200, nsf_ids_page(["1", "2"], total=-1)), Reply(200, nsf_page(total=-1))]
    with MockServer(replies) as server:
        outcome = Harness(tmp_path, server.url).fetch()
    assert (outcome.status, outcome.records, outcome.meta_count) == ("done", 2, None)


def assert_kept_running(harness: Harness, text: str, cursor: str, records: int) -> None:
    """A fetch stopped short: ``text`` ends with the refetch advice, the 2020 state is
    still running at ``cursor`` with ``records`` landed and ``text`` as its error, and
    nothing is current."""
    assert text.endswith(REFETCH)
    state = harness.zone.load_state("2020")
    assert (state.status, state.cursor, state.records, state.done) == (
        "running",
        cursor,
        records,
        None,
    )
    assert state.error == text and harness.zone.current_files() == []


def test_a_term_ending_short_of_total_count_is_never_done(tmp_path: Path) -> None:
    replies = [Reply(200, nsf_ids_page(["1", "2"], total=5)), Reply(200, nsf_ids_page(["3"], 5))]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(NsfError) as caught:
            harness.fetch()
    text = str(caught.value)
    assert text.startswith("nsf year 2020 keyword 'quantum' offset 3 (page 2; GET http://")
    assert (
        "with 3 distinct awards (3 fetched) but totalCount 5: 2 fewer than the API reports, "
        "so the fetch is not marked done"
    ) in text
    assert_kept_running(harness, text, '["quantum", 3]', 2)


def test_an_award_added_while_paging_is_caught_by_its_distinct_count(tmp_path: Path) -> None:
    # award 0 is added at the front after page 1: award 2 comes again, award 0 never
    replies = [
        Reply(200, nsf_ids_page(["1", "2"], total=5)),
        Reply(200, nsf_ids_page(["2", "3"], total=6)),
        Reply(200, nsf_ids_page(["4", "5"], total=6)),
        Reply(200, nsf_ids_page([], total=6)),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(NsfError) as caught:
            harness.fetch()
    assert len(server.requests) == 4 and harness.sleeps == []
    assert not step_failure(caught.value).allow_retries  # only a fresh fetch can help
    text = str(caught.value)
    assert text.startswith("nsf year 2020 keyword 'quantum' offset 7 (page 4; GET http://")
    assert (
        "with 5 distinct awards (6 fetched) but totalCount 6: 1 fewer than the API reports "
        "(1 of the fetched awards landed twice): awards added or removed while paging shifted "
        "the offsets, so some were skipped unseen, so the fetch is not marked done"
    ) in text
    assert_kept_running(harness, text, '["quantum", 7]', 6)


def test_an_award_removed_while_paging_is_caught_against_the_largest_total(
    tmp_path: Path,
) -> None:
    # award 1 is removed after page 1: award 3 shifts onto page 1 and is never seen
    replies = [
        Reply(200, nsf_ids_page(["1", "2"], total=5)),
        Reply(200, nsf_ids_page(["4", "5"], total=4)),
        Reply(200, nsf_ids_page([], total=4)),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(NsfError) as caught:
            harness.fetch()
    assert len(server.requests) == 3
    assert (
        "keyword 'quantum' ended (a page shorter than rpp 2) with 4 distinct awards (4 fetched) "
        "but totalCount 5: 1 fewer than the API reports (totalCount fell from 5 to 4)"
    ) in str(caught.value)
    assert harness.zone.load_state("2020").done is None


def test_a_resumed_fetch_counts_the_distinct_awards_of_its_landed_pages(tmp_path: Path) -> None:
    with MockServer([Reply(200, nsf_ids_page(["1", "2"], total=5))]) as server:
        harness = Harness(tmp_path, server.url, session=Session(crash_at=2))
        with pytest.raises(Crash):
            harness.fetch()
    # after the crash the pages shifted: award 2 comes again on the resumed fetch's page
    replies = [Reply(200, nsf_ids_page(["2", "3"], total=5)), Reply(200, nsf_ids_page(["4"], 5))]
    with MockServer(replies) as server:
        resumed = Harness(tmp_path, server.url)
        with pytest.raises(NsfError, match=r"with 4 distinct awards \(5 fetched\)"):
            resumed.fetch()
    assert asked(server) == [("quantum", "3"), ("quantum", "5")]
    # a fresh fetch with a stable listing completes
    replies = [Reply(200, nsf_ids_page(["1", "2"], 5)), Reply(200, nsf_ids_page(["3", "4"], 5))]
    replies.append(Reply(200, nsf_ids_page(["5"], 5)))
    with MockServer(replies) as server:
        outcome = Harness(tmp_path, server.url).fetch(restart=True)
    assert (outcome.status, outcome.records, outcome.meta_count) == ("done", 5, 5)


def test_more_awards_than_total_count_is_a_warning(tmp_path: Path) -> None:
    replies = [Reply(200, nsf_ids_page(["1", "2"], total=2)), Reply(200, nsf_ids_page(["3"], 2))]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        outcome = harness.fetch()
    assert outcome.status == "done" and outcome.records == 3
    assert any(line.startswith("WARNING: nsf year 2020 keyword 'quantum'") for line in harness.logs)
    assert "'quantum': 3 distinct, more than totalCount 2" in outcome.message


def test_an_award_landed_twice_is_no_award_added(tmp_path: Path) -> None:
    # an award added at the front while paging pushes award 2 onto the second page too;
    # the largest totalCount is 3 and all three distinct awards came
    replies = [
        Reply(200, nsf_ids_page(["1", "2"], total=2)),
        Reply(200, nsf_ids_page(["2", "3"], 3)),
    ]
    replies.append(Reply(200, nsf_ids_page([], 3)))
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        outcome = harness.fetch()
    assert outcome.status == "done" and outcome.records == 4
    assert "'quantum' 3 of totalCount 3 (1 landed twice)" in outcome.message
    assert not any(line.startswith("WARNING") for line in harness.logs)


def test_a_repeated_page_is_an_error_and_its_body_is_kept(tmp_path: Path) -> None:
    page = nsf_ids_page(["1", "2"], total=6)
    with MockServer([Reply(200, page), Reply(200, page)]) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(NsfError, match="repeats the previous one") as caught:
            harness.fetch()
    assert "offset 3 (page 2; GET " in str(caught.value)
    assert [e.get("error", "")[:32] for e in harness.manifest()] == [
        "",
        "the page repeats the previous on",
    ]
    state = harness.zone.load_state("2020")
    assert (state.cursor, state.records) == ('["quantum", 3]', 2)


def test_a_page_longer_than_rpp_is_an_error(tmp_path: Path) -> None:
    with MockServer([Reply(200, nsf_ids_page(["1", "2", "3"], total=9))]) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(NsfError, match="more than rpp 2: the API ignored rpp"):
            harness.fetch()


# --- resume ----------------------------------------------------------------------------


def test_a_crash_mid_fetch_resumes_after_the_last_landed_page(tmp_path: Path) -> None:
    first = [Reply(200, nsf_ids_page(["1", "2"], total=5)), Reply(200, nsf_ids_page(["3", "4"], 5))]
    with MockServer(first) as server:
        harness = Harness(tmp_path, server.url, session=Session(crash_at=3))
        with pytest.raises(Crash):
            harness.fetch()
    state = harness.zone.load_state("2020")
    assert (state.status, state.cursor, state.records) == ("running", '["quantum", 5]', 4)
    # The resumed fetch refuses a page repeating the last landed one, read back from disk.
    with MockServer([Reply(200, nsf_ids_page(["3", "4"], 5))]) as server:
        resumed = Harness(tmp_path, server.url)
        with pytest.raises(NsfError, match="repeats the previous one"):
            resumed.fetch()
    with MockServer([Reply(200, nsf_ids_page(["5"], total=5))]) as server:
        resumed = Harness(tmp_path, server.url)
        outcome = resumed.fetch()
    assert asked(server) == [("quantum", "5")]
    assert (outcome.status, outcome.pages_landed, outcome.records) == ("done", 3, 5)
    assert "'quantum' 5 of totalCount 5" in outcome.message
    assert any("resuming fetch" in line and "offset 5" in line for line in resumed.logs)
    assert len(resumed.bodies()) == 3


def test_a_done_year_starts_afresh_and_restart_drops_an_unfinished_fetch(tmp_path: Path) -> None:
    with MockServer([Reply(200, nsf_ids_page(["1"]))]) as server:
        harness = Harness(tmp_path, server.url)
        assert harness.fetch().status == "done"
    first_fetch = harness.zone.load_state("2020").fetch_id
    with MockServer([Reply(200, nsf_ids_page(["1", "2"], 3)), Reply(503)]) as server:
        harness = Harness(tmp_path, server.url, max_retries=0, park_seconds=0)
        harness.fetch()
    assert asked(server) == [("quantum", "1"), ("quantum", "3")]
    parked = harness.zone.load_state("2020")
    assert parked.status == "parked" and parked.fetch_id != first_fetch
    assert parked.done.fetch_id == first_fetch  # the complete fetch stays current
    with MockServer([Reply(200, nsf_ids_page(["9"]))]) as server:
        harness = Harness(tmp_path, server.url)
        again = harness.fetch(restart=True)
    assert asked(server) == [("quantum", "1")]
    assert (again.status, again.records) == ("done", 1)


# --- faults ----------------------------------------------------------------------------


def test_429_waits_for_retry_after_then_succeeds(tmp_path: Path) -> None:
    replies = [Reply(429, b"", {"Retry-After": "7"}), Reply(200, nsf_ids_page(["1"]))]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        outcome = harness.fetch()
    assert outcome.status == "done" and len(server.requests) == 2
    assert harness.sleeps[0] >= 7
    assert "HTTP 429 (too many requests); retry 1 of 2" in harness.logs[0]


def test_429_asking_longer_than_the_cap_parks_at_once(tmp_path: Path) -> None:
    with MockServer([Reply(429, b"", {"Retry-After": "900"})]) as server:
        harness = Harness(tmp_path, server.url, backoff_cap=60)
        outcome = harness.fetch()
    assert outcome.status == "parked" and len(server.requests) == 1
    assert "rate limiting" in outcome.message and "resume at page 1 (offset 1)" in outcome.message
    until = datetime.fromisoformat(outcome.parked_until.replace("Z", "+00:00"))
    assert until > datetime.now(UTC) + timedelta(seconds=800)
    # A run before that time does not call the API.
    with MockServer([]) as server:
        again = Harness(tmp_path, server.url).fetch()
    assert again.status == "parked" and server.requests == []


def test_5xx_then_success_is_retried_with_backoff(tmp_path: Path) -> None:
    replies = [Reply(502, b"Bad gateway"), Reply(503), Reply(200, nsf_ids_page(["1"]))]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, backoff_base=1, backoff_cap=4)
        outcome = harness.fetch()
    assert outcome.status == "done" and len(server.requests) == 3
    assert len(harness.sleeps) == 2 and all(0 <= s <= 4 for s in harness.sleeps)
    assert [e["status"] for e in harness.manifest()] == [200]


def test_html_with_status_200_is_never_a_page(tmp_path: Path) -> None:
    replies = [Reply(200, MAINTENANCE_HTML, HTML), Reply(200, nsf_ids_page(["1"]))]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        outcome = harness.fetch()
    assert (outcome.status, outcome.pages_landed, outcome.records) == ("done", 1, 1)
    entries = harness.manifest()
    assert "not valid JSON (an HTML page titled" in entries[0]["error"]
    assert harness.zone.load_state("2020").done.pages == [entries[1]["sha256"]]


def test_the_maintenance_window_parks_the_partition_and_a_later_run_resumes(
    tmp_path: Path,
) -> None:
    replies = [
        Reply(200, nsf_ids_page(["1", "2"], total=3)),
        Reply(503, MAINTENANCE_HTML, HTML),
        Reply(200, MAINTENANCE_HTML, HTML),
        Reply(503, MAINTENANCE_HTML, HTML),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, park_seconds=7200)
        outcome = harness.fetch()
    assert (outcome.status, outcome.pages_landed, outcome.records) == ("parked", 1, 2)
    assert MAINTENANCE in outcome.message
    assert "keyword 'quantum' offset 3" in outcome.message
    assert "still after 3 attempts" in outcome.message
    assert "resume at page 2 (offset 3)" in outcome.message
    until = datetime.fromisoformat(outcome.parked_until.replace("Z", "+00:00"))
    assert until > datetime.now(UTC) + timedelta(seconds=7000)
    state = harness.zone.load_state("2020")
    assert (state.status, state.cursor, state.error) == (
        "parked",
        '["quantum", 3]',
        outcome.message,
    )
    # Once the window is over, the next run resumes at the saved offset.
    state.parked_until = "2000-01-01T00:00:00Z"
    harness.zone.save_state(state)
    with MockServer([Reply(200, nsf_ids_page(["3"], total=3))]) as server:
        resumed = Harness(tmp_path, server.url)
        done = resumed.fetch()
    assert asked(server) == [("quantum", "3")]
    assert (done.status, done.pages_landed, done.records) == ("done", 2, 3)


def test_a_refused_query_is_fatal_and_names_the_api_message(tmp_path: Path) -> None:
    with MockServer([Reply(200, nsf_refusal())]) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(NsfError) as caught:
            harness.fetch()
    assert len(server.requests) == 1
    text = str(caught.value)
    assert text.startswith("nsf year 2020 keyword 'quantum' offset 1 (page 1; GET http://")
    assert "refused the query: FATAL AwardAPI-004: There was an error" in text
    assert "the body is landed as evidence" in text
    assert harness.zone.load_state("2020").error == text


def test_a_client_error_status_raises_at_once(tmp_path: Path) -> None:
    with MockServer([Reply(404, b"<html><title>Not Found</title></html>", HTML)]) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(NsfError, match="HTTP 404: an HTML page titled 'Not Found'"):
            harness.fetch()
    assert len(server.requests) == 1


def test_truncated_json_outlasting_the_retries_raises(tmp_path: Path) -> None:
    cut = b'{"response": {"award": [{"id": "1"'
    with MockServer([Reply(200, cut)] * 3) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(NsfError, match="gave up after 3 attempts; last: HTTP 200 but"):
            harness.fetch()
    assert len(harness.manifest()) == 3  # every body is landed as evidence


def test_connection_refused_is_retried_then_raises(tmp_path: Path) -> None:
    harness = Harness(tmp_path, closed_port_url())
    with pytest.raises(NsfError, match="gave up after 3 attempts; last: ConnectionError") as e:
        harness.fetch()
    assert len(harness.sleeps) == 2
    assert step_failure(e.value).allow_retries


def test_a_connect_hang_times_out_and_is_retried_then_raised(tmp_path: Path) -> None:
    with hanging_connect_url() as url:
        harness = Harness(tmp_path, url, timeout=(0.3, 2))
        with pytest.raises(NsfError, match="gave up after 3 attempts; last: ConnectTimeout"):
            harness.fetch()
    assert len(harness.sleeps) == 2


def test_requests_are_paced(tmp_path: Path) -> None:
    now = [100.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    replies = [Reply(200, nsf_ids_page(["1", "2"], 3)), Reply(200, nsf_ids_page(["3"], 3))]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, min_interval=1.0, sleep=sleep, clock=lambda: now[0])
        assert harness.fetch().status == "done"
    assert sleeps == [1.0]


def test_decode_and_html_detection() -> None:
    assert looks_like_html(b"  <!DOCTYPE html><html></html>")
    assert not looks_like_html(b'{"response": {}}')
    page, problem, fatal = decode_page(json.dumps(nsf_ids_page(["1"])).encode())
    assert page is not None and (problem, fatal) == ("", False)
    page, problem, fatal = decode_page(json.dumps(nsf_refusal()).encode())
    assert page is None and fatal and "AwardAPI-004" in problem
    page, problem, fatal = decode_page(b'{"error": "x"}')
    assert page is None and not fatal and "not an NSF Awards API result" in problem


def test_a_read_hang_times_out_and_is_retried(tmp_path: Path) -> None:
    replies = [
        Reply(200, nsf_ids_page(["1"], total=1), delay=3),
        Reply(200, nsf_ids_page(["1"], total=1)),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, timeout=(0.5, 0.3))
        outcome = harness.fetch()
    assert (outcome.status, outcome.records) == ("done", 1)
    assert len(server.requests) == 2
    assert any("ReadTimeout" in line for line in harness.logs), harness.logs
