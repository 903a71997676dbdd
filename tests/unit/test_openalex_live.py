"""The live OpenAlex client against a scripted local server: paging, faults, secrets."""

from __future__ import annotations

import gzip
import json
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pyalex
import pytest

from assets.bibliometric.live import OpenAlexError, OpenAlexFetcher, parse_reset, truncated_works
from pipelines.fetching import FetchOutcome, backoff_delay, parse_retry_after, step_failure
from pipelines.landing import LandingZone
from tests.mock_server import MockServer, Reply, closed_port_url, hanging_connect_url

pytestmark = pytest.mark.unit
TOPICS = ["T10682", "T10020"]
SEARCH = 'quantum OR qubit OR "post-quantum"'
YEAR = 2020
FIRST_PAGE = "works_cursor_page1_filter_openalex_ids_count2_2025-11.json"
LAST_PAGE = "works_cursor_lastpage_empty_results_null_next_cursor_2025-11.json"
BUDGET_RESPONSE = "works_group_by_type_cursor_2026-03.json"


@pytest.fixture(autouse=True)
def restore_pyalex_config() -> Iterator[None]:
    """The fetcher sets pyalex's global config; put it back after each test."""
    saved = dict(pyalex.config)
    yield
    pyalex.config.update(saved)


@pytest.fixture
def vcr(shared_fixtures: Path) -> Path:
    """The recorded real OpenAlex responses (skipped when ../shared is absent)."""
    return shared_fixtures / "openalex" / "vcr_openalexPro"


def recorded_headers(vcr: Path, name: str) -> dict[str, str]:
    """The real x-ratelimit-* response headers recorded with fixture ``name``."""
    index = json.loads((vcr / "_interactions_index.json").read_text(encoding="utf-8"))
    headers = next(e["response_headers"] for e in index if e["file"] == name)
    return {k: v for k, v in headers.items() if k.startswith("x-ratelimit")}


def page(ids: list[str], next_cursor: str | None, count: int) -> dict[str, Any]:
    """A hand-made works list page."""
    return {
        "meta": {"count": count, "page": None, "per_page": 100, "next_cursor": next_cursor},
        "results": [{"id": f"https://openalex.org/{i}", "publication_year": YEAR} for i in ids],
        "group_by": [],
    }


class Harness:
    """A fetcher wired to a mock server, a temporary landing zone and recorded logs/sleeps."""

    def __init__(
        self, tmp_path: Path, base_url: str, source: str = "openalex", **options: Any
    ) -> None:
        self.zone = LandingZone(tmp_path / "raw", source)
        self.logs: list[str] = []
        self.sleeps: list[float] = []
        settings: dict[str, Any] = {
            "api_key": "test-key",
            "email": "team@example.org",
            "timeout": (2, 2),
            "max_retries": 3,
            **options,
        }
        self.fetcher = OpenAlexFetcher(
            self.zone,
            base_url=base_url,
            sleep=self.sleeps.append,
            session=MockServer.session(),
            log=self.logs.append,
            **settings,
        )

    def fetch(self, restart: bool = False) -> FetchOutcome:
        """Fetch the test year."""
        return self.fetcher.fetch_partition(YEAR, TOPICS, SEARCH, restart=restart)

    def manifest(self) -> list[dict[str, Any]]:
        """The manifest's entries."""
        if not self.zone.manifest_path.exists():
            return []
        lines = self.zone.manifest_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines]


# --- pure helpers ----------------------------------------------------------------------


class TopOfRange(random.Random):
    """A random source that always draws the top of the range."""

    def uniform(self, a: float, b: float) -> float:
        return b


def test_backoff_delay_is_capped_full_jitter() -> None:
    top = TopOfRange()
    assert [backoff_delay(n, None, 1.0, 60.0, top) for n in range(8)] == [
        1,
        2,
        4,
        8,
        16,
        32,
        60,
        60,
    ]
    assert backoff_delay(1000, None, 1.0, 60.0, top) == 60
    rng = random.Random(7)
    delays = [backoff_delay(3, None, 0.5, 60.0, rng) for _ in range(500)]
    assert all(0 <= d <= 4.0 for d in delays)
    assert min(delays) < 0.5 and max(delays) > 3.5  # spread over the whole range


def test_backoff_delay_never_undercuts_retry_after() -> None:
    rng = random.Random(1)
    assert all(backoff_delay(0, 7.0, 1.0, 60.0, rng) == 7.0 for _ in range(50))
    assert backoff_delay(6, 7.0, 1.0, 60.0, TopOfRange()) == 60.0


def test_parse_retry_after_seconds_or_http_date() -> None:
    now = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7", now) == 7.0
    assert parse_retry_after(" 2.5 ", now) == 2.5
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now) == 0
    assert parse_retry_after(None, now) is None
    assert parse_retry_after("soon", now) is None


def test_parse_reset_seconds_or_epoch() -> None:
    now = datetime(2026, 3, 2, 12, 54, 10, tzinfo=UTC)
    # the recorded header: 39950 s after 12:54:10 is midnight UTC
    assert parse_reset("39950", now) == datetime(2026, 3, 3, 0, 0, 0, tzinfo=UTC)
    assert parse_reset("1772496000", now) == datetime(2026, 3, 3, 0, 0, 0, tzinfo=UTC)
    assert parse_reset(None, now) is None
    assert parse_reset("tomorrow", now) is None


def test_query_is_built_by_pyalex_and_rebased(tmp_path: Path) -> None:
    harness = Harness(tmp_path, "http://127.0.0.1:9/", select=["id", "doi"])
    url = harness.fetcher.query_url(YEAR, TOPICS, SEARCH)
    assert url == (
        "http://127.0.0.1:9/works?filter=publication_year:2020,topics.id:T10682%7CT10020,"
        "title_and_abstract.search:quantum+OR+qubit+OR+%22post-quantum%22&select=id,doi"
    )
    assert "test-key" not in url and "example.org" not in url
    with pytest.raises(ValueError, match="per_page must be 1 to 200"):
        Harness(tmp_path, "http://x", per_page=500)


# --- paging ----------------------------------------------------------------------------


def test_real_cursor_sequence_lands_both_pages(tmp_path: Path, vcr: Path) -> None:
    first, last = (vcr / FIRST_PAGE).read_bytes(), (vcr / LAST_PAGE).read_bytes()
    headers = recorded_headers(vcr, BUDGET_RESPONSE)
    with MockServer([Reply(200, first, headers), Reply(200, last, headers)]) as server:
        harness = Harness(tmp_path, server.url)
        outcome = harness.fetch()
    assert (outcome.status, outcome.pages_landed, outcome.records, outcome.meta_count) == (
        "done",
        2,
        2,
        2,
    )
    cursors = [r.query["cursor"][0] for r in server.requests]
    assert cursors == ["*", json.loads(first)["meta"]["next_cursor"]]
    request = server.requests[0]
    assert request.path == "/works"
    assert request.query["per-page"] == ["100"]
    assert request.query["filter"] == [
        "publication_year:2020,topics.id:T10682|T10020,"
        'title_and_abstract.search:quantum OR qubit OR "post-quantum"'
    ]
    assert request.headers["Authorization"] == "Bearer test-key"
    assert request.headers["User-Agent"] == "qcm (mailto:team@example.org)"
    files = harness.zone.current_files()
    assert [gzip.decompress(f.read_bytes()) for f in files] == [first, last]
    assert [e["page"] for e in harness.manifest()] == [1, 2]
    assert harness.manifest()[0]["next_cursor"] == cursors[1]
    assert any("left $199.9284 of $200" in line for line in harness.logs)
    state = harness.zone.load_state("2020")
    assert (state.status, state.cursor, state.error) == ("done", None, None)


def test_null_next_cursor_ends_the_fetch(tmp_path: Path) -> None:
    replies = [
        Reply(200, page(["W1", "W2"], "c1", 5)),
        Reply(200, page(["W3", "W4"], "c2", 5)),
        Reply(200, page(["W5"], None, 5)),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        outcome = harness.fetch()
    assert (outcome.status, outcome.pages_landed, outcome.records) == ("done", 3, 5)
    assert [r.query["cursor"][0] for r in server.requests] == ["*", "c1", "c2"]
    assert server.unused == 0 and not harness.sleeps
    assert len(harness.zone.current_files()) == 3


def test_cursor_paging_goes_past_10000_records_without_loss(tmp_path: Path) -> None:
    # basic paging stops at 10,000 results; cursor paging must not: 102 pages of 100
    count = 10_150
    ids = [f"W{n}" for n in range(1, count + 1)]
    replies = [
        Reply(
            200,
            page(
                ids[start : start + 100], f"c{start + 100}" if start + 100 < count else None, count
            ),
        )
        for start in range(0, count, 100)
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, per_page=100)
        outcome = harness.fetch()
    assert (outcome.status, outcome.pages_landed, outcome.records) == ("done", 102, count)
    assert server.unused == 0 and not any(line.startswith("WARNING") for line in harness.logs)
    cursors = [r.query["cursor"][0] for r in server.requests]
    assert cursors[0] == "*" and len(set(cursors)) == 102
    landed = [
        work["id"].rsplit("/", 1)[1]
        for path in harness.zone.current_files()
        for work in json.loads(gzip.decompress(path.read_bytes()))["results"]
    ]
    assert sorted(landed) == sorted(ids)


def test_count_differing_from_meta_count_at_the_end_is_warned(tmp_path: Path) -> None:
    replies = [Reply(200, page(["W1"], "c1", 4)), Reply(200, page([], None, 4))]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        outcome = harness.fetch()
    assert (outcome.status, outcome.records, outcome.meta_count) == ("done", 1, 4)
    assert "fetched 1 differs from meta.count 4" in outcome.message
    warnings = [line for line in harness.logs if line.startswith("WARNING")]
    assert any("fetched 1 records but meta.count is 4" in w for w in warnings)


def test_an_empty_page_with_a_cursor_short_of_the_count_stops_and_resumes(
    tmp_path: Path,
) -> None:
    replies = [Reply(200, page(["W1"], "c1", 2)), Reply(200, page([], "c2", 2))]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(OpenAlexError) as caught:
            harness.fetch()
    text = str(caught.value)
    assert "page 2" in text and "an empty page came with a next cursor after 1 of" in text
    state = harness.zone.load_state(str(YEAR))
    assert (state.status, state.cursor, state.records) == ("running", "c1", 1)
    # the re-run asks for the same page again and finishes
    with MockServer([Reply(200, page(["W2"], None, 2))]) as server:
        harness = Harness(tmp_path, server.url)
        outcome = harness.fetch()
        assert server.requests[0].query["cursor"] == ["c1"]
    assert (outcome.status, outcome.records) == ("done", 2)


def test_an_empty_page_with_a_cursor_after_every_record_is_the_end(tmp_path: Path) -> None:
    replies = [Reply(200, page(["W1", "W2"], "c1", 2)), Reply(200, page([], "c2", 2))]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        outcome = harness.fetch()
    assert (outcome.status, outcome.records) == ("done", 2)
    assert any("after all 2 records of meta.count" in line for line in harness.logs)


def test_refetching_a_done_year_replaces_it_only_when_complete(tmp_path: Path) -> None:
    with MockServer([Reply(200, page(["W1"], None, 1))]) as server:
        harness = Harness(tmp_path, server.url)
        first = harness.fetch()
        old_files = harness.zone.current_files()
    with MockServer([Reply(200, page(["W1"], "c1", 2)), Reply(400, {"error": "x"})]) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(OpenAlexError):
            harness.fetch()
        assert harness.zone.current_files() == old_files
    with MockServer([Reply(200, page(["W2"], None, 2))]) as server:
        harness = Harness(tmp_path, server.url)
        second = harness.fetch()
    assert second.records == 2 and first.records == 1
    assert len(harness.zone.current_files()) == 2


# --- rate limits and budget ------------------------------------------------------------


def test_403_slows_down_then_succeeds(tmp_path: Path) -> None:
    replies = [
        Reply(403, {"error": "Forbidden", "message": "slow down"}),
        Reply(200, page(["W1"], None, 1)),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        outcome = harness.fetch()
    assert outcome.status == "done" and len(server.requests) == 2
    assert len(harness.sleeps) == 1
    assert any("HTTP 403 (slow down)" in line and "retry 1 of 3" in line for line in harness.logs)


def test_429_parks_with_cursor_and_resumes_without_duplicates(tmp_path: Path) -> None:
    spent = {"x-ratelimit-reset": "39950", "x-ratelimit-remaining-usd": "0"}
    replies = [
        Reply(200, page(["W1", "W2"], "c1", 4)),
        Reply(429, {"error": "Rate limit exceeded"}, spent),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        before = datetime.now(UTC)
        parked = harness.fetch()
        assert len(server.requests) == 2 and not harness.sleeps  # a 429 is never retried
    assert (parked.status, parked.pages_landed, parked.records) == ("parked", 1, 2)
    until = datetime.fromisoformat(parked.parked_until.replace("Z", "+00:00"))
    assert timedelta(seconds=39940) < until - before < timedelta(seconds=39960)
    assert "daily budget spent" in parked.message and "page 2" in parked.message
    state = harness.zone.load_state("2020")
    assert (state.status, state.cursor, state.parked_until) == ("parked", "c1", parked.parked_until)

    # before the reset: no request at all
    with MockServer([]) as server:
        harness = Harness(tmp_path, server.url)
        still = harness.fetch()
        assert still.status == "parked" and server.requests == []
    assert "still parked" in still.message

    # after the reset: resume from the saved cursor
    state.parked_until = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    harness.zone.save_state(state)
    with MockServer([Reply(200, page(["W3", "W4"], None, 4))]) as server:
        harness = Harness(tmp_path, server.url)
        done = harness.fetch()
        assert [r.query["cursor"][0] for r in server.requests] == ["c1"]
    assert (done.status, done.pages_landed, done.records, done.meta_count) == ("done", 2, 4, 4)
    pages = [(e["fetch_id"], e["page"]) for e in harness.manifest()]
    assert len(pages) == len(set(pages)) == 2
    assert len(harness.zone.current_files()) == 2


def test_503_storm_that_clears(tmp_path: Path) -> None:
    replies = [Reply(503, "<html>busy</html>", {"Content-Type": "text/html"})] * 3
    with MockServer([*replies, Reply(200, page(["W1"], None, 1))]) as server:
        harness = Harness(tmp_path, server.url, max_retries=3, backoff_base=1, backoff_cap=8)
        outcome = harness.fetch()
    assert outcome.status == "done" and len(server.requests) == 4
    assert len(harness.sleeps) == 3
    assert all(0 <= s <= cap for s, cap in zip(harness.sleeps, [1, 2, 4], strict=True))


def test_503_storm_that_exhausts_retries_names_source_year_page_url(tmp_path: Path) -> None:
    replies = [Reply(200, page(["W1"], "c1", 2))] + [Reply(503, {"error": "busy"})] * 3
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, max_retries=2)
        with pytest.raises(OpenAlexError) as caught:
            harness.fetch()
    text = str(caught.value)
    assert text.startswith("openalex year 2020 page 2 (")
    assert f"{server.url}/works?filter=publication_year:2020" in text and "cursor=c1" in text
    assert "gave up after 3 attempts" in text and "HTTP 503" in text
    assert step_failure(caught.value).allow_retries  # a storm may pass: Dagster tries later
    state = harness.zone.load_state("2020")
    assert (state.status, state.cursor, len(state.pages), state.error) == ("running", "c1", 1, text)


def test_retry_after_is_honoured_in_seconds_and_as_http_date(tmp_path: Path) -> None:
    in_20s = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    replies = [
        Reply(503, {"error": "busy"}, {"Retry-After": "7"}),
        Reply(403, {"error": "slow"}, {"Retry-After": in_20s}),
        Reply(200, page(["W1"], None, 1)),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, backoff_base=0.01, backoff_cap=30)
        assert harness.fetch().status == "done"
    assert harness.sleeps[0] == 7
    assert 15 < harness.sleeps[1] <= 20


def test_retry_after_beyond_the_cap_fails_fast(tmp_path: Path) -> None:
    with MockServer([Reply(503, {"error": "down"}, {"Retry-After": "3600"})]) as server:
        harness = Harness(tmp_path, server.url, backoff_cap=60)
        with pytest.raises(OpenAlexError, match=r"asks to wait 3600s .* more than backoff_cap"):
            harness.fetch()
        assert len(server.requests) == 1 and not harness.sleeps


# --- broken responses ------------------------------------------------------------------


def test_truncated_json_page_is_landed_retried_and_kept_out(tmp_path: Path) -> None:
    good = json.dumps(page(["W1"], None, 1)).encode()
    with MockServer([Reply(200, good[: len(good) // 2]), Reply(200, good)]) as server:
        harness = Harness(tmp_path, server.url)
        outcome = harness.fetch()
    assert outcome.status == "done" and len(harness.sleeps) == 1
    bad, ok = harness.manifest()
    assert bad["error"].startswith("response body is not valid JSON") and bad["page"] == 1
    assert "records" in ok and "error" not in ok
    assert [gzip.decompress(f.read_bytes()) for f in harness.zone.current_files()] == [good]


def test_truncated_json_every_time_raises_naming_url_and_page(tmp_path: Path) -> None:
    cut = json.dumps(page(["W1"], None, 1))[:40]
    with MockServer([Reply(200, cut)] * 2) as server:
        harness = Harness(tmp_path, server.url, max_retries=1)
        with pytest.raises(
            OpenAlexError, match=r"^openalex year 2020 page 1 \(http://127"
        ) as caught:
            harness.fetch()
    assert "not valid JSON" in str(caught.value) and "cursor=%2A" in str(caught.value)
    assert harness.zone.current_files() == []


def test_html_page_with_status_200_raises(tmp_path: Path) -> None:
    html = "<!DOCTYPE html><html><body>Service maintenance</body></html>"
    reply = Reply(200, html, {"Content-Type": "text/html"})
    with MockServer([reply, reply]) as server:
        harness = Harness(tmp_path, server.url, max_retries=1)
        with pytest.raises(OpenAlexError, match=r"not valid JSON .*<!DOCTYPE html>"):
            harness.fetch()


def test_body_cut_off_in_transit_is_retried(tmp_path: Path) -> None:
    body = json.dumps(page(["W1"], None, 1))
    replies = [Reply(200, body[:30], declared_length=len(body)), Reply(200, body)]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        assert harness.fetch().status == "done"
    assert len(harness.sleeps) == 1 and "ChunkedEncodingError" in harness.logs[0]


def test_repeating_cursor_raises_and_keeps_the_last_good_cursor(tmp_path: Path) -> None:
    replies = [
        Reply(200, page(["W1"], "A", 9)),
        Reply(200, page(["W2"], "B", 9)),
        Reply(200, page(["W3"], "A", 9)),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(OpenAlexError) as caught:
            harness.fetch()
    text = str(caught.value)
    assert text.startswith("openalex year 2020 page 3 (") and "cursor=B" in text
    assert "cursor loop: the next cursor is the one page 2 was requested with" in text
    assert not step_failure(caught.value).allow_retries  # trying again cannot help
    state = harness.zone.load_state("2020")
    assert (state.cursor, len(state.pages), state.records) == ("B", 2, 2)


def test_connection_refused_is_retried_then_raised(tmp_path: Path) -> None:
    harness = Harness(tmp_path, closed_port_url(), max_retries=2)
    with pytest.raises(OpenAlexError, match="gave up after 3 attempts; last: ConnectionError"):
        harness.fetch()
    assert len(harness.sleeps) == 2


def test_a_connect_hang_times_out_and_is_retried_then_raised(tmp_path: Path) -> None:
    with hanging_connect_url() as url:
        harness = Harness(tmp_path, url, max_retries=2, timeout=(0.3, 2))
        with pytest.raises(OpenAlexError, match="gave up after 3 attempts; last: ConnectTimeout"):
            harness.fetch()
    assert len(harness.sleeps) == 2


def test_read_hang_times_out_and_is_retried(tmp_path: Path) -> None:
    replies = [Reply(200, page(["W1"], None, 1), delay=3), Reply(200, page(["W1"], None, 1))]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, timeout=(0.5, 0.5))
        assert harness.fetch().status == "done"
    assert len(harness.sleeps) == 1 and "ReadTimeout" in harness.logs[0]


def test_read_hang_every_time_raises(tmp_path: Path) -> None:
    with MockServer([Reply(200, page([], None, 0), delay=3)]) as server:
        harness = Harness(tmp_path, server.url, timeout=(0.5, 0.5), max_retries=0)
        with pytest.raises(OpenAlexError, match="gave up after 1 attempts; last: ReadTimeout"):
            harness.fetch()


# --- request errors and secrets --------------------------------------------------------


def test_400_raises_at_once_with_the_api_message(tmp_path: Path, vcr: Path) -> None:
    body = (vcr / "error_400_invalid_filter_2026-03.json").read_bytes()
    with MockServer([Reply(400, body)]) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(OpenAlexError) as caught:
            harness.fetch()
        assert len(server.requests) == 1 and not harness.sleeps
    text = str(caught.value)
    assert text.startswith("openalex year 2020 page 1 (")
    assert "HTTP 400: Invalid query parameters error.: DOESNTEXIST is not a valid field" in text
    assert len(text) < 800  # the long list of valid fields is shortened


def test_401_raises_at_once_with_the_api_message(tmp_path: Path, vcr: Path) -> None:
    body = (vcr / "error_401_invalid_api_key_2026-03.json").read_bytes()
    with MockServer([Reply(401, body)]) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(OpenAlexError, match="HTTP 401: Invalid or missing API key: API key"):
            harness.fetch()
        assert len(server.requests) == 1


def test_canary_key_never_leaves_the_authorization_header(tmp_path: Path) -> None:
    canary = f"canary-{uuid.uuid4().hex}"
    email = f"{uuid.uuid4().hex[:8]}@example.org"
    replies = [
        Reply(503, {"error": "busy", "message": f"echoing {canary}"}),
        Reply(200, page(["W1"], "c1", 3)),
        Reply(200, "<html>" + canary),
        Reply(400, {"error": "Invalid", "message": f"bad key {canary} for {email}"}),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, api_key=canary, email=email, max_retries=1)
        with pytest.raises(OpenAlexError) as caught:
            harness.fetch()
    assert all(r.headers["Authorization"] == f"Bearer {canary}" for r in server.requests)
    assert all(canary not in r.path and canary not in str(r.query) for r in server.requests)
    texts = [*harness.logs, str(caught.value), repr(caught.value)]
    for path in (tmp_path / "raw" / "openalex").rglob("*"):
        if path.is_file() and path.suffix != ".gz":
            texts.append(path.read_text(encoding="utf-8"))
    assert any("REDACTED" in t for t in texts)
    for text in texts:
        assert canary not in text and email not in text
    # the key is only ever in the header; bodies are landed verbatim as received
    assert (tmp_path / "raw" / "openalex" / "manifest.jsonl").is_file()


def test_a_listing_cut_far_short_of_its_count_is_not_a_complete_fetch(tmp_path: Path) -> None:
    # a hundred records, then the last page (no cursor, no results) while meta.count says
    # 5,275: the year is not done; a re-run asks for that page again and goes on
    first = [f"W{i}" for i in range(100)]
    replies = [Reply(200, page(first, "c1", 5275)), Reply(200, page([], None, 5275))]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, per_page=100)
        with pytest.raises(OpenAlexError) as caught:
            harness.fetch()
    assert "the last page came after 100 of meta.count 5275 records" in str(caught.value)
    state = harness.zone.load_state(str(YEAR))
    assert (state.status, state.cursor, state.records, state.done) == ("running", "c1", 100, None)
    with MockServer([Reply(200, page(["W100"], None, 101))]) as server:
        harness = Harness(tmp_path, server.url, per_page=100)
        outcome = harness.fetch()
        assert server.requests[0].query["cursor"] == ["c1"]
    assert (outcome.status, outcome.records) == ("done", 101)


def test_a_429_without_a_reset_header_parks_until_retry_after_or_midnight(
    tmp_path: Path,
) -> None:
    # no x-ratelimit-reset: the Retry-After, else the next midnight UTC, never no time at all
    for headers, low, high in (
        ({"Retry-After": "600"}, 590, 610),
        ({}, 0, 86400),
    ):
        with MockServer([Reply(429, {"error": "Rate limit exceeded"}, headers)]) as server:
            harness = Harness(tmp_path / str(len(headers)), server.url)
            before = datetime.now(UTC)
            parked = harness.fetch()
        until = datetime.fromisoformat(parked.parked_until.replace("Z", "+00:00"))
        assert parked.status == "parked"
        assert timedelta(seconds=low) < until - before <= timedelta(seconds=high)
        if not headers:
            assert until.time() == datetime.min.time()


@pytest.mark.parametrize(
    ("setting", "value", "variable"),
    [
        ("api_key", "key with space", "OPENALEX_API_KEY"),
        ("api_key", "k3y\r\nX-Evil: 1", "OPENALEX_API_KEY"),
        ("email", "se\u00f1or\u2019s@example.org", "OPENALEX_EMAIL"),
    ],
    ids=["space", "line break", "outside Latin-1"],
)
def test_a_header_setting_that_cannot_be_sent_is_refused_unshown(
    tmp_path: Path, setting: str, value: str, variable: str
) -> None:
    with pytest.raises(ValueError, match=f"openalex needs .*\\({variable}\\)") as caught:
        Harness(tmp_path, "http://x", **{setting: value})
    assert value not in str(caught.value) and "example.org" not in str(caught.value)


# --- works of more than 100 authors, fetched whole ------------------------------------

WHOLE = f"{YEAR}-whole-authorships"


def work(work_id: str, authors: int, truncated: bool = False) -> dict[str, Any]:
    """A work record listing ``authors`` authorships, cut at 100 when ``truncated``."""
    record: dict[str, Any] = {
        "id": f"https://openalex.org/{work_id}",
        "publication_year": YEAR,
        "authorships": [{"author": {"id": f"https://openalex.org/A{i}"}} for i in range(authors)],
    }
    if truncated:
        record["is_authors_truncated"] = True
    return record


def listing() -> dict[str, Any]:
    """One list page of three works, two of them cut at 100 authorships."""
    return page([], None, 3) | {
        "results": [work("W1", 100, True), work("W2", 3), work("W3", 100, True)]
    }


def test_the_works_a_list_page_cuts_at_100_authors_are_fetched_whole(tmp_path: Path) -> None:
    replies = [Reply(200, listing()), Reply(200, work("W1", 250)), Reply(404, {"error": "gone"})]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        assert harness.fetch().status == "done"
        ids = truncated_works(harness.zone, str(YEAR))
        whole = harness.fetcher.fetch_works(WHOLE, ids, "openalex year 2020 whole")
        paths = [r.path for r in server.requests]
    assert ids == ["W1", "W3"] and paths[1:] == ["/works/W1", "/works/W3"]
    assert (whole.status, whole.records, whole.meta_count) == ("done", 1, 2)
    # a work gone since it was listed keeps its list record, named in a warning
    assert any(
        line.startswith("WARNING: openalex year 2020 whole work 2 (") and "HTTP 404" in line
        for line in harness.logs
    )
    (landed,) = harness.zone.current_files_by_partition()[WHOLE]
    assert len(json.loads(gzip.decompress(landed.read_bytes()))["authorships"]) == 250
    # the year's listing and the whole works are both read
    assert len(harness.zone.current_files()) == 2


def test_a_merged_work_is_not_followed_to_the_work_it_became(tmp_path: Path) -> None:
    # OpenAlex answers a merged id with a redirect; W2's record under W1's id would make
    # two works of one, so the redirect is not followed and W1's list record stays
    moved = {"Location": "https://api.openalex.org/works/W2"}
    replies = [Reply(301, "", moved), Reply(200, work("W3", 180))]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        done = harness.fetcher.fetch_works(WHOLE, ["W1", "W3"], "whole")
        assert [r.path for r in server.requests] == ["/works/W1", "/works/W3"]
    assert (done.status, done.records) == ("done", 1)
    assert any(
        "whole work 1 (" in line and "HTTP 301 (merged: https://api.openalex.org/works/W2)" in line
        for line in harness.logs
    )


def test_a_spent_budget_parks_the_whole_works_at_the_next_work(tmp_path: Path) -> None:
    spent = {"x-ratelimit-reset": "600", "x-ratelimit-remaining-usd": "0"}
    ids = ["W1", "W3"]
    with MockServer([Reply(200, work("W1", 250)), Reply(429, {"error": "spent"}, spent)]) as server:
        parked = Harness(tmp_path, server.url).fetcher.fetch_works(WHOLE, ids, "whole")
    assert parked.status == "parked" and "resume at work 2" in parked.message
    state = LandingZone(tmp_path / "raw", "openalex").load_state(WHOLE)
    state.parked_until = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    LandingZone(tmp_path / "raw", "openalex").save_state(state)
    with MockServer([Reply(200, work("W3", 180))]) as server:
        resumed = Harness(tmp_path, server.url)
        done = resumed.fetcher.fetch_works(WHOLE, ids, "whole")
        assert [r.path for r in server.requests] == ["/works/W3"]
    assert (done.status, done.records, done.pages_landed) == ("done", 2, 2)
    assert any("resuming fetch" in line and "at work 2" in line for line in resumed.logs)


def test_a_body_that_is_not_a_work_is_retried_then_named(tmp_path: Path) -> None:
    replies = [Reply(200, page(["W1"], None, 1))] * 2
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, max_retries=1)
        with pytest.raises(OpenAlexError, match=r"whole work 1 \(.*/works/W1\): gave up .*"):
            harness.fetcher.fetch_works(WHOLE, ["W1"], "whole")
    assert len(server.requests) == 2


def test_no_work_to_fetch_whole_completes_at_once(tmp_path: Path) -> None:
    zone = LandingZone(tmp_path / "raw", "openalex")
    with MockServer([]) as server:
        done = Harness(tmp_path, server.url).fetcher.fetch_works(WHOLE, [], "whole")
        assert server.requests == []
    # no partition is made for nothing (meta.fetches lists no empty one)
    assert (done.status, done.records) == ("done", 0) and zone.partitions() == {}
    # a year whose works were fetched whole before, and are no longer cut: they stop
    # being read
    with MockServer([Reply(200, work("W1", 250))]) as server:
        Harness(tmp_path, server.url).fetcher.fetch_works(WHOLE, ["W1"], "whole")
    assert len(zone.current_files()) == 1
    with MockServer([]) as server:
        done = Harness(tmp_path, server.url).fetcher.fetch_works(WHOLE, [], "whole")
    assert (done.status, done.records) == ("done", 0) and zone.current_files() == []
