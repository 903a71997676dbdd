"""The live OpenAlex authors client against a scripted local server: batches, faults, secrets."""

from __future__ import annotations

import gzip
import hashlib
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pyalex
import pytest

from assets.bibliometric.live import OpenAlexError
from assets.workforce.live import (
    AuthorFetchSummary,
    Batch,
    author_batches,
    authors_query,
    fetch_authors,
)
from assets.workforce.live_assets import (
    AUTHOR_PAGES_KEY,
    author_fetch_selection,
    openalex_author_pages,
)
from pipelines.landing import LandingZone
from pipelines.resources import QcmResource
from tests.mock_server import MockServer, Reply
from tests.unit.test_openalex_live import Harness as WorksHarness

pytestmark = pytest.mark.unit
REAL_AUTHOR = "A5023888391"


@pytest.fixture(autouse=True)
def restore_pyalex_config() -> Iterator[None]:
    """Keep pyalex's global config as it was, whatever a test does to it."""
    saved = dict(pyalex.config)
    yield
    pyalex.config.update(saved)


@pytest.fixture
def real_author(shared_fixtures: Path) -> dict[str, Any]:
    """A real OpenAlex author record (skipped when ../shared is absent)."""
    path = shared_fixtures / "openalex" / f"bvitamins_{REAL_AUTHOR}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def author(short: str) -> dict[str, Any]:
    """A hand-made author record."""
    return {
        "id": f"https://openalex.org/{short}",
        "display_name": f"Author {short}",
        "last_known_institutions": [{"id": "https://openalex.org/I1", "country_code": "DE"}],
    }


def page(records: list[dict[str, Any]], next_cursor: str | None, count: int) -> dict[str, Any]:
    """An authors list page."""
    meta = {"count": count, "db_response_time_ms": 12, "page": None, "per_page": 100}
    return {"meta": {**meta, "next_cursor": next_cursor}, "results": records, "group_by": []}


def batch_replies(ids: list[str] | tuple[str, ...]) -> list[Reply]:
    """The two pages OpenAlex answers a batch with: every record, then an empty last page."""
    return [
        Reply(200, page([author(i) for i in ids], "c-last", len(ids))),
        Reply(200, page([], None, len(ids))),
    ]


def filter_of(request: Any) -> str:
    """The filter a recorded request sent, decoded."""
    return request.query["filter"][0]


class Harness(WorksHarness):
    """The works client's harness on the authors' landing zone, fetching author ids."""

    def __init__(self, tmp_path: Path, base_url: str, **options: Any) -> None:
        super().__init__(tmp_path, base_url, source="openalex_authors", **options)

    def fetch(self, ids: list[str], restart: bool = False) -> AuthorFetchSummary:  # type: ignore[override]
        """Fetch the authors ``ids``."""
        return fetch_authors(self.fetcher, ids, restart=restart)

    def bodies(self) -> list[bytes]:
        """The bodies of the current files, uncompressed."""
        return [gzip.decompress(path.read_bytes()) for path in self.zone.current_files()]

    def unpark(self, batch: Batch) -> None:
        """Move a parked batch's reset time into the past."""
        state = self.zone.load_state(batch.name)
        past = datetime.now(UTC) - timedelta(minutes=1)
        state.parked_until = past.strftime("%Y-%m-%dT%H:%M:%SZ")
        self.zone.save_state(state)


IDS_250 = [f"A{n}" for n in range(1, 251)]


# --- batches and the query -------------------------------------------------------------


def test_250_ids_make_three_batches_with_exact_filter_strings() -> None:
    # full and short ids, repeats and nulls, as staging.authorships may hold them
    given = [f"https://openalex.org/A{n}" for n in range(250, 0, -1)] + ["a7", "A7", None]
    batches = author_batches(given)
    ordered = sorted(IDS_250)  # lexicographic: A1, A10, A100, A101, ...
    assert [len(b.ids) for b in batches] == [100, 100, 50]
    assert [b.filter_value for b in batches] == [
        "|".join(ordered[:100]),
        "|".join(ordered[100:200]),
        "|".join(ordered[200:]),
    ]
    assert batches[0].filter_value.startswith("A1|A10|A100|A101|A102|")
    assert batches[2].filter_value.endswith("|A96|A97|A98|A99")
    for batch in batches:
        digest = hashlib.sha256(batch.filter_value.encode()).hexdigest()[:16]
        assert batch.name == f"authors-{digest}"
    # names are partition names kept across runs: they must never drift
    assert author_batches(["A2", "A1"])[0].name == "authors-11c08352570cd834"
    assert author_batches(IDS_250) == batches


def test_batches_refuse_ids_that_would_change_the_filter() -> None:
    with pytest.raises(ValueError, match=r"'A1\|A2' is not an OpenAlex A id"):
        author_batches(["A1|A2"])
    with pytest.raises(ValueError, match=r"'W123' is not an OpenAlex A id"):
        author_batches(["A1", "W123"])
    with pytest.raises(ValueError, match="batch size must be 1 to 100, not 101"):
        author_batches(IDS_250, size=101)
    assert author_batches([]) == []


def test_query_is_built_by_pyalex_and_rebased(tmp_path: Path) -> None:
    harness = Harness(tmp_path, "http://127.0.0.1:9/")
    batch = author_batches(["A2", "A1"])[0]
    url = authors_query(harness.fetcher, batch)
    assert url == "http://127.0.0.1:9/authors?filter=openalex:A1%7CA2"
    assert url == harness.fetcher.rebase(pyalex.Authors().filter(openalex="A1|A2").url)
    assert "test-key" not in url and "example.org" not in url


# --- landing and resuming --------------------------------------------------------------


def test_pages_are_landed_verbatim(tmp_path: Path, real_author: dict[str, Any]) -> None:
    first = json.dumps(page([author("A2"), real_author], "c1", 2)).encode()
    last = json.dumps(page([], None, 2)).encode()
    with MockServer([Reply(200, first), Reply(200, last)]) as server:
        harness = Harness(tmp_path, server.url)
        summary = harness.fetch([f"https://openalex.org/{REAL_AUTHOR}", "A2"])
    assert (summary.status, summary.batches, summary.fetched, summary.records) == (
        "done",
        1,
        1,
        2,
    )
    assert (summary.ids_requested, summary.missing, summary.parked) == (2, 0, None)
    request = server.requests[0]
    assert request.path == "/authors"
    assert filter_of(request) == f"openalex:A2|{REAL_AUTHOR}"
    assert request.query["per-page"] == ["100"]
    assert [r.query["cursor"][0] for r in server.requests] == ["*", "c1"]
    assert request.headers["Authorization"] == "Bearer test-key"
    assert harness.bodies() == [first, last]
    name = author_batches(["A2", REAL_AUTHOR])[0].name
    assert [(e["partition"], e["page"], e["records"]) for e in harness.manifest()] == [
        (name, 1, 2),
        (name, 2, 0),
    ]
    assert harness.zone.load_state(name).status == "done"


def test_rerun_skips_done_batches_and_resumes_the_parked_one(tmp_path: Path) -> None:
    batches = author_batches(IDS_250)
    spent = {"x-ratelimit-reset": "3600", "x-ratelimit-remaining-usd": "0"}
    first_run = [
        *batch_replies(batches[0].ids),
        Reply(200, page([author(i) for i in batches[1].ids[:60]], "c1", 100)),
        Reply(429, {"error": "Rate limit exceeded"}, spent),
    ]
    with MockServer(first_run) as server:
        harness = Harness(tmp_path, server.url)
        parked = harness.fetch(IDS_250)
        assert server.unused == 0
    assert (parked.status, parked.fetched, parked.skipped, parked.records) == ("parked", 1, 0, 100)
    assert parked.parked is not None and parked.parked.partition == batches[1].name
    assert f"parked at batch 2 of 3 ({batches[1].name})" in parked.message

    # before the reset: not a single request
    with MockServer([]) as server:
        harness = Harness(tmp_path, server.url)
        still = harness.fetch(IDS_250)
        assert server.requests == []
    assert still.status == "parked" and "still parked" in still.message
    assert f"openalex_authors batch {batches[1].name}: still parked" in still.message

    # after the reset: batch 1 skipped, batch 2 resumed at its cursor, batch 3 fetched
    harness.unpark(batches[1])
    second_run = [
        Reply(200, page([author(i) for i in batches[1].ids[60:]], None, 100)),
        *batch_replies(batches[2].ids),
    ]
    with MockServer(second_run) as server:
        harness = Harness(tmp_path, server.url)
        done = harness.fetch(IDS_250)
        assert [(filter_of(r), r.query["cursor"][0]) for r in server.requests] == [
            (f"openalex:{batches[1].filter_value}", "c1"),
            (f"openalex:{batches[2].filter_value}", "*"),
            (f"openalex:{batches[2].filter_value}", "c-last"),
        ]
    assert (done.status, done.batches, done.fetched, done.skipped) == ("done", 3, 2, 1)
    assert (done.records, done.missing, done.ids_requested) == (250, 0, 250)
    assert any("resuming fetch" in line and "at page 2" in line for line in harness.logs)

    # once everything is complete: nothing is requested again
    with MockServer([]) as server:
        again = Harness(tmp_path, server.url).fetch(IDS_250)
        assert server.requests == []
    assert (again.status, again.fetched, again.skipped, again.records) == ("done", 0, 3, 250)
    states = harness.zone.partitions()
    assert sorted(states) == sorted(b.name for b in batches)
    assert all(s.status == "done" for s in states.values())
    pages = [(e["fetch_id"], e["page"]) for e in harness.manifest()]
    assert len(pages) == len(set(pages)) == 6  # nothing landed twice


def test_a_grown_author_set_fetches_only_its_new_ids(tmp_path: Path) -> None:
    ids = IDS_250[:150]
    batches = author_batches(ids)
    with MockServer([*batch_replies(batches[0].ids), *batch_replies(batches[1].ids)]) as server:
        Harness(tmp_path, server.url).fetch(ids)
    # A1000 sorts between A100 and A101: cut afresh, both old batches would change
    assert all(b.name not in {c.name for c in batches} for b in author_batches([*ids, "A1000"]))
    with MockServer(batch_replies(["A1000"])) as server:
        harness = Harness(tmp_path, server.url)
        grown = harness.fetch([*ids, "A1000"])
        assert [filter_of(r) for r in server.requests] == ["openalex:A1000"] * 2
    assert (grown.batches, grown.fetched, grown.skipped, grown.records) == (3, 1, 2, 151)


def test_restart_fetches_every_batch_again(tmp_path: Path) -> None:
    ids = ["A1", "A2"]
    with MockServer(batch_replies(ids)) as server:
        Harness(tmp_path, server.url).fetch(ids)
    with MockServer(batch_replies(ids)) as server:
        again = Harness(tmp_path, server.url).fetch(ids, restart=True)
        assert len(server.requests) == 2
    assert (again.fetched, again.skipped) == (1, 0)


def test_a_batch_older_than_the_age_limit_is_fetched_again_and_its_parked_refresh_resumed(
    tmp_path: Path,
) -> None:
    ids = [f"A{n}" for n in range(1, 101)]
    age = timedelta(days=91)
    with MockServer(batch_replies(ids)) as server:
        Harness(tmp_path, server.url).fetch(ids)

    def fetch(server: MockServer, days: int) -> AuthorFetchSummary:
        harness = Harness(tmp_path, server.url)
        later = datetime.now(UTC) + timedelta(days=days)
        return fetch_authors(harness.fetcher, ids, max_age=age, now=later)

    # within the age limit: nothing is asked
    with MockServer([]) as server:
        kept = fetch(server, 90)
        assert server.requests == []
    assert (kept.fetched, kept.skipped, kept.refreshed) == (0, 1, 0)
    # older: fetched again from its first page; the budget runs out half way
    spent = {"x-ratelimit-reset": "3600", "x-ratelimit-remaining-usd": "0"}
    first_half = [
        Reply(200, page([author(i) for i in ids[:60]], "c1", 100)),
        Reply(429, {"error": "Rate limit exceeded"}, spent),
    ]
    with MockServer(first_half) as server:
        parked = fetch(server, 92)
        assert [r.query["cursor"][0] for r in server.requests] == ["*", "c1"]
    assert parked.status == "parked" and parked.refreshed == 0
    # the last complete fetch is still the one read while the refresh is parked
    batch = author_batches(ids)[0]
    harness = Harness(tmp_path, "http://127.0.0.1:9")
    assert harness.zone.load_state(batch.name).done.records == 100
    # once the budget is back the refresh resumes at its cursor, not from the start
    harness.unpark(batch)
    with MockServer([Reply(200, page([author(i) for i in ids[60:]], None, 100))]) as server:
        done = fetch(server, 92)
        assert [r.query["cursor"][0] for r in server.requests] == ["c1"]
    assert (done.status, done.fetched, done.refreshed, done.records) == ("done", 1, 1, 100)
    assert "1 fetched, 1 of them again as their profiles were old" in done.message
    # fresh again: a month later nothing is asked
    with MockServer([]) as server:
        assert fetch(server, 30).refreshed == 0 and server.requests == []


def test_new_authors_are_fetched_before_old_profiles_are_refreshed(tmp_path: Path) -> None:
    ids = [f"A{n}" for n in range(1, 101)]
    with MockServer(batch_replies(ids)) as server:
        Harness(tmp_path, server.url).fetch(ids)
    later = datetime.now(UTC) + timedelta(days=92)
    # the budget allows one batch: the new author's, not the old profiles' refresh
    spent = {"x-ratelimit-reset": "3600", "x-ratelimit-remaining-usd": "0"}
    replies = [*batch_replies(["A1000"]), Reply(429, {"error": "Rate limit exceeded"}, spent)]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        summary = fetch_authors(
            harness.fetcher, [*ids, "A1000"], max_age=timedelta(days=91), now=later
        )
        assert [filter_of(r) for r in server.requests] == [
            "openalex:A1000",
            "openalex:A1000",
            f"openalex:{author_batches(ids)[0].filter_value}",
        ]
    assert (summary.status, summary.fetched, summary.refreshed) == ("parked", 1, 0)
    assert "parked at batch 2 of 2" in summary.message


def test_a_refresh_cut_short_resumes_at_its_cursor(tmp_path: Path) -> None:
    ids = [f"A{n}" for n in range(1, 101)]
    with MockServer(batch_replies(ids)) as server:
        Harness(tmp_path, server.url).fetch(ids)
    later = datetime.now(UTC) + timedelta(days=92)
    # the first page of the refresh, then errors until the client gives up
    cut_short = [Reply(200, page([author(i) for i in ids[:60]], "c1", 100)), *[Reply(500, {})] * 6]
    with MockServer(cut_short) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(OpenAlexError):
            fetch_authors(harness.fetcher, ids, max_age=timedelta(days=91), now=later)
    # the process died mid-refresh: its state says running, its last complete fetch stands
    batch = author_batches(ids)[0]
    state = harness.zone.load_state(batch.name)
    assert state.status != "done" and state.done.records == 100
    rest = [Reply(200, page([author(i) for i in ids[60:]], None, 100))]
    with MockServer(rest) as server:
        harness = Harness(tmp_path, server.url)
        done = fetch_authors(harness.fetcher, ids, max_age=timedelta(days=91), now=later)
        assert [r.query["cursor"][0] for r in server.requests] == ["c1"]
    assert (done.status, done.refreshed, done.records) == ("done", 1, 100)


@pytest.mark.parametrize(
    ("days", "expected"), [(91, timedelta(days=91)), (None, None), (0, "Failure"), (1.5, "Failure")]
)
def test_the_profiles_age_limit_is_read_from_source_yml(
    monkeypatch: pytest.MonkeyPatch, days: object, expected: object
) -> None:
    from assets.workforce import live_assets

    monkeypatch.setitem(live_assets.SOURCE_CONFIG, "profiles", {"refresh_after_days": days})
    if expected == "Failure":
        with pytest.raises(dg.Failure, match="refresh_after_days"):
            live_assets.profile_max_age()
    else:
        assert live_assets.profile_max_age() == expected


# --- faults ----------------------------------------------------------------------------


def test_429_parks_until_the_ratelimit_reset(tmp_path: Path) -> None:
    batches = author_batches(IDS_250)
    spent = {"x-ratelimit-reset": "39950", "x-ratelimit-remaining-usd": "0"}
    with MockServer([Reply(429, {"error": "Rate limit exceeded"}, spent)]) as server:
        harness = Harness(tmp_path, server.url)
        before = datetime.now(UTC)
        summary = harness.fetch(IDS_250)
        assert len(server.requests) == 1 and not harness.sleeps  # a 429 is never retried
    assert (summary.status, summary.fetched, summary.records) == ("parked", 0, 0)
    until = datetime.fromisoformat(summary.parked.parked_until.replace("Z", "+00:00"))
    assert timedelta(seconds=39940) < until - before < timedelta(seconds=39960)
    where = f"openalex_authors batch {batches[0].name} page 1 (http://127.0.0.1"
    assert where in summary.message and "HTTP 429, daily budget spent" in summary.message
    state = harness.zone.load_state(batches[0].name)
    assert (state.status, state.parked_until) == ("parked", summary.parked.parked_until)
    assert harness.zone.load_state(batches[1].name) is None  # later batches untouched


def test_500_and_truncated_json_are_retried_and_the_bad_body_kept(tmp_path: Path) -> None:
    good = json.dumps(page([author("A1")], None, 1)).encode()
    replies = [
        Reply(500, {"error": "Internal Server Error"}),
        Reply(200, good[: len(good) // 2]),
        Reply(200, good),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        summary = harness.fetch(["A1"])
        assert server.unused == 0
    assert summary.status == "done" and summary.records == 1
    assert len(harness.sleeps) == 2
    assert any("HTTP 500" in line and "retry 1 of 3" in line for line in harness.logs)
    bad, ok = harness.manifest()
    assert bad["page"] == 1 and bad["error"].startswith("response body is not valid JSON")
    assert gzip.decompress((tmp_path / "raw" / bad["path"]).read_bytes()) == good[: len(good) // 2]
    assert "error" not in ok and ok["records"] == 1
    assert harness.bodies() == [good]


def test_400_raises_with_the_api_message_naming_the_batch(tmp_path: Path) -> None:
    batch = author_batches(["A1", "A2"])[0]
    body = {"error": "Invalid query parameters error.", "message": "openalx is not a valid field"}
    with MockServer([Reply(400, body)]) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(OpenAlexError) as caught:
            harness.fetch(["A1", "A2"])
        assert len(server.requests) == 1 and not harness.sleeps
    text = str(caught.value)
    assert text.startswith(
        f"openalex_authors batch {batch.name} page 1 ({server.url}/authors?filter=openalex:"
    )
    assert "HTTP 400: Invalid query parameters error.: openalx is not a valid field" in text
    assert harness.zone.load_state(batch.name).error == text


def test_records_outside_the_batch_are_landed_and_warned(tmp_path: Path) -> None:
    batch = author_batches(["A1", "A2"])[0]
    # A2 was merged into A999: the API may answer with the surviving record
    foreign = page([author("A1"), author("A999")], None, 2)
    with MockServer([Reply(200, foreign)]) as server:
        harness = Harness(tmp_path, server.url)
        summary = harness.fetch(["A1", "A2"])
    assert summary.status == "done" and summary.missing == 1
    assert harness.zone.load_state(batch.name).done is not None
    assert any("outside the batch (a merged id" in line and "A999" in line for line in harness.logs)
    unfiltered = page([author("A1")], "c1", 90_000_000)
    with MockServer([Reply(200, unfiltered)]) as server:
        harness = Harness(tmp_path / "again", server.url)
        with pytest.raises(OpenAlexError, match=r"meta\.count 90000000 is more than the 2 ids"):
            harness.fetch(["A1", "A2"])
        assert len(server.requests) == 1  # no paging through every author


def test_fewer_records_than_ids_is_warned_and_counted(tmp_path: Path) -> None:
    with MockServer(batch_replies(["A1", "A3"])) as server:
        harness = Harness(tmp_path, server.url)
        summary = harness.fetch(["A1", "A2", "A3"])
    assert (summary.status, summary.records, summary.missing) == ("done", 2, 1)
    warnings = [line for line in harness.logs if line.startswith("WARNING")]
    assert any(
        "2 records for 3 ids; 1 ids returned no record (merged or deleted authors): A2" in w
        for w in warnings
    )
    assert "1 ids returned no record" in summary.message


def test_canary_key_never_leaves_the_authorization_header(tmp_path: Path) -> None:
    canary = f"canary-{uuid.uuid4().hex}"
    email = f"{uuid.uuid4().hex[:8]}@example.org"
    ids = [*IDS_250[:100], "A99999"]  # two batches: A1 to A100, then A99999, which fails
    first = author_batches(ids)[0]
    replies = [
        Reply(503, {"error": "busy", "message": f"echoing {canary}"}),
        Reply(200, page([author(i) for i in first.ids], "c", 100)),
        Reply(200, page([], None, 100)),
        Reply(200, "<html>" + canary),
        Reply(400, {"error": "Invalid", "message": f"bad key {canary} for {email}"}),
    ]
    outside: list[str] = []
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, api_key=canary, email=email, max_retries=1)
        with pytest.raises(OpenAlexError) as caught:
            fetch_authors(harness.fetcher, ids, log=outside.append)
    assert all(r.headers["Authorization"] == f"Bearer {canary}" for r in server.requests)
    assert all(canary not in r.path and canary not in str(r.query) for r in server.requests)
    texts = [*harness.logs, *outside, str(caught.value), repr(caught.value)]
    for path in (tmp_path / "raw" / "openalex_authors").rglob("*"):
        if path.is_file() and path.suffix != ".gz":
            texts.append(path.read_text(encoding="utf-8"))
    assert any("REDACTED" in t for t in texts)
    for text in texts:
        assert canary not in text and email not in text


# --- the Dagster asset -----------------------------------------------------------------


def working_db_with_authors(state: Path, ids: list[str | None]) -> None:
    """A working database holding a staging.authorships with ``ids``."""
    path = state / "work" / "qcm.duckdb"
    path.parent.mkdir(parents=True)
    con = duckdb.connect(str(path))
    con.execute("create schema staging")
    con.execute("create table staging.authorships (work_id varchar, author_id varchar)")
    con.executemany("insert into staging.authorships values (?, ?)", [("W1", i) for i in ids])
    con.close()


def test_asset_fetches_the_authors_of_staging_authorships(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    canary = f"canary-{uuid.uuid4().hex}"
    working_db_with_authors(tmp_path / "state", ["A2", "A1", "A2", None, "A3"])
    qcm = QcmResource(mode="live", out_dir=str(tmp_path / "out"), state_dir=str(tmp_path / "state"))
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(proxy, raising=False)
    monkeypatch.setenv("OPENALEX_API_KEY", canary)
    monkeypatch.delenv("OPENALEX_PER_PAGE", raising=False)
    with MockServer(batch_replies(["A1", "A2"])) as server:
        monkeypatch.setenv("OPENALEX_API_URL", server.url)
        result = dg.materialize([openalex_author_pages], resources={"qcm": qcm})
        assert [filter_of(r) for r in server.requests] == ["openalex:A1|A2|A3"] * 2
    assert result.success
    metadata = result.asset_materializations_for_node("raw__openalex_author_pages")[0].metadata
    assert {k: v.value for k, v in metadata.items()} == {
        "batches": 1,
        "batches_fetched": 1,
        "batches_refreshed": 0,
        "batches_skipped": 0,
        "records": 2,
        "ids_requested": 3,
        "ids_without_record": 1,
    }
    assert len(LandingZone(tmp_path / "state" / "raw", "openalex_authors").current_files()) == 2
    for path in (tmp_path / "state" / "raw").rglob("*"):
        if path.is_file() and path.suffix != ".gz":
            assert canary not in path.read_text(encoding="utf-8")


def test_asset_refuses_outside_live_mode(tmp_path: Path) -> None:
    qcm = QcmResource(mode="sample", out_dir=str(tmp_path / "out"), state_dir=str(tmp_path / "s"))
    with pytest.raises(dg.Failure, match="fetches from a live service, but the mode is 'sample'"):
        dg.materialize([openalex_author_pages], resources={"qcm": qcm})


def test_fetch_selection_builds_staging_authorships_then_fetches() -> None:
    from pipelines.definitions import build_definitions

    defs = build_definitions()
    job = dg.define_asset_job("openalex_authors_fetch", selection=author_fetch_selection())
    wired = dg.Definitions(
        assets=list(defs.assets),
        asset_checks=list(defs.asset_checks),
        jobs=[job],
        resources=defs.resources,
    )
    resolved = wired.resolve_job_def("openalex_authors_fetch")
    assert resolved.partitions_def is None
    keys = {k.to_user_string() for k in resolved.asset_layer.executable_asset_keys}
    assert keys == {
        "ref/reference_tables",
        "raw/openalex",
        "staging/works",
        "staging/authorships",
        AUTHOR_PAGES_KEY.to_user_string(),
    }


# --- the network faults of ../shared/RELIABILITY.md, on an author batch ------------------

HTML = Reply(200, "<!DOCTYPE html><html>Service maintenance</html>", {"Content-Type": "text/html"})
FULL = page([author("A1"), author("A2")], "c-last", 2)
LAST = page([], None, 2)
FAULTS = {
    # fault: (replies, harness options, the error expected (None: the fetch finishes), a log)
    "403 slow down, then served": (
        [Reply(403, {"error": "slow down"}), Reply(200, FULL), Reply(200, LAST)],
        {},
        None,
        "HTTP 403 (slow down)",
    ),
    "5xx storm with Retry-After": (
        [Reply(503, {"error": "busy"}, headers={"Retry-After": "2"})] * 2
        + [Reply(200, FULL), Reply(200, LAST)],
        {},
        None,
        "HTTP 503",
    ),
    "persistent 5xx": ([Reply(502, {"error": "bad gateway"})] * 4, {}, "gave up after 4", ""),
    "HTML body with status 200": ([HTML] * 4, {}, "not valid JSON", ""),
    "read hang": (
        [Reply(200, FULL, delay=3), Reply(200, FULL), Reply(200, LAST)],
        {"timeout": (0.5, 0.5)},
        None,
        "ReadTimeout",
    ),
    "repeating cursor": (
        [Reply(200, page([author("A1")], "X", 2)), Reply(200, page([author("A2")], "X", 2))],
        {},
        "cursor loop",
        "",
    ),
    "empty page while a cursor remains": (
        [Reply(200, page([], "c-more", 2))],
        {},
        "an empty page came with a next cursor after 0 of meta.count 2",
        "",
    ),
    "the same record on two pages": (
        [
            Reply(200, page([author("A1"), author("A2")], "c2", 2)),
            Reply(200, page([author("A2")], "c3", 2)),
            Reply(200, LAST),
        ],
        {},
        None,
        "1 records repeated (counted once)",
    ),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_network_faults_on_an_author_batch(tmp_path: Path, fault: str) -> None:
    replies, options, error, logged = FAULTS[fault]
    batch = author_batches(["A1", "A2"])[0]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, **options)
        if error is None:
            summary = harness.fetch(["A1", "A2"])
            assert summary.status == "done"
        else:
            with pytest.raises(OpenAlexError) as caught:
                harness.fetch(["A1", "A2"])
            text = str(caught.value)
            # the error names the source, the batch and the page
            assert text.startswith(f"openalex_authors batch {batch.name} page "), text
            assert error in text
    assert not logged or any(logged in line for line in harness.logs), harness.logs
    assert all("test-key" not in line for line in harness.logs)
