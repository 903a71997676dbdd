"""The live GtR client against a scripted local server: paging, resume and faults."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import requests

from assets.funding.ukri_live import UkriError, UkriFetcher, decode_page, partition_name
from pipelines.landing import LandingZone
from tests.mock_server import MockServer, Reply
from tests.ukri_bodies import page, project

pytestmark = pytest.mark.unit
TERM = "quantum computing"
HTML = b"<!doctype html><html><head><title>Service Unavailable</title></head></html>"


def refs(*numbers: int) -> list[dict]:
    return [project(f"EP/T{n:06d}/1") for n in numbers]


def fetcher(tmp_path: Path, server: MockServer, **kwargs) -> tuple[UkriFetcher, list[str]]:
    logs: list[str] = []
    options = dict(
        search_url=f"{server.url}/api/search/project",
        page_size=2,
        min_interval=0,
        backoff_base=0.01,
        backoff_cap=5,
        max_retries=2,
        sleep=lambda s: None,
        session=server.session(),
        log=logs.append,
    )
    options.update(kwargs)
    return UkriFetcher(LandingZone(tmp_path, "ukri"), [TERM], **options), logs


def test_partition_names_are_safe_file_names() -> None:
    assert partition_name("Quantum computing") == "term-quantum_computing"
    assert partition_name(" qubit/ion ") == "term-qubit_ion"
    with pytest.raises(ValueError):
        partition_name("  // ")


def test_pages_are_requested_landed_verbatim_and_done_at_total(tmp_path: Path) -> None:
    bodies = [page(refs(1, 2), 5), page(refs(3, 4), 5), page(refs(5), 5)]
    with MockServer([Reply(200, b) for b in bodies]) as server:
        client, _ = fetcher(tmp_path, server)
        result = client.fetch_partition(TERM)
    assert (result.status, result.pages_landed, result.records, result.meta_count) == (
        "done",
        3,
        5,
        5,
    )
    assert [r.query["page"] for r in server.requests] == [["1"], ["2"], ["3"]]
    assert server.requests[0].query["term"] == [TERM]
    assert server.requests[0].query["fetchSize"] == ["2"]
    files = client.landing.current_files()
    assert [p.suffixes[-2:] for p in files] == [[".json", ".gz"]] * 3
    assert json.loads(gzip.decompress(files[0].read_bytes())) == bodies[0]


def test_a_full_last_page_ends_at_total_without_another_request(tmp_path: Path) -> None:
    with MockServer([Reply(200, page(refs(1, 2), 2))]) as server:
        client, _ = fetcher(tmp_path, server)
        assert client.fetch_partition(TERM).status == "done"
    assert len(server.requests) == 1


def test_no_results_is_done_with_zero(tmp_path: Path) -> None:
    with MockServer([Reply(200, page([], 0))]) as server:
        client, _ = fetcher(tmp_path, server)
        result = client.fetch_partition(TERM)
    assert (result.status, result.records) == ("done", 0)


def test_ending_short_of_total_results_is_an_error(tmp_path: Path) -> None:
    with MockServer([Reply(200, page(refs(1, 2), 5)), Reply(200, page(refs(3), 5))]) as server:
        client, _ = fetcher(tmp_path, server)
        with pytest.raises(UkriError, match="2 fewer than GtR reports") as err:
            client.fetch_partition(TERM)
    assert "ukri term 'quantum computing' page 2" in str(err.value)
    assert "page=2" in str(err.value)
    state = client.landing.load_state("term-quantum_computing")
    assert state.status == "running" and state.done is None and state.error


def test_a_repeated_page_is_an_error(tmp_path: Path) -> None:
    with MockServer([Reply(200, page(refs(1, 2), 5)), Reply(200, page(refs(1, 2), 5))]) as server:
        client, _ = fetcher(tmp_path, server)
        with pytest.raises(UkriError, match="repeats 2 project"):
            client.fetch_partition(TERM)
    state = client.landing.load_state("term-quantum_computing")
    assert (len(state.pages), state.cursor) == (1, "2")


class Crash(BaseException):
    """A process killed mid-fetch."""


def test_a_crash_resumes_at_the_next_page(tmp_path: Path) -> None:
    calls = {"n": 0}

    class Dying(requests.Session):
        def get(self, *args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 2:
                raise Crash
            return super().get(*args, **kwargs)

    bodies = [page(refs(1, 2), 3), page(refs(3), 3)]
    with MockServer([Reply(200, bodies[0]), Reply(200, bodies[1])]) as server:
        session = Dying()
        session.trust_env = False
        client, _ = fetcher(tmp_path, server, session=session)
        with pytest.raises(Crash):
            client.fetch_partition(TERM)
        client2, logs = fetcher(tmp_path, server)
        result = client2.fetch_partition(TERM)
    assert (result.status, result.pages_landed, result.records) == ("done", 2, 3)
    assert [r.query["page"] for r in server.requests] == [["1"], ["2"]]
    assert any("resuming" in line for line in logs)


def test_a_resumed_fetch_still_refuses_a_repeat(tmp_path: Path) -> None:
    with MockServer([Reply(200, page(refs(1, 2), 5)), Reply(503), Reply(503), Reply(503)]) as s:
        client, _ = fetcher(tmp_path, s)
        with pytest.raises(UkriError, match="gave up after 3 attempts"):
            client.fetch_partition(TERM)
    with MockServer([Reply(200, page(refs(2, 3), 5))]) as server:
        client, _ = fetcher(tmp_path, server)
        with pytest.raises(UkriError, match="first: GUID-EP-T000002-1"):
            client.fetch_partition(TERM)


def test_429_retry_after_is_honoured(tmp_path: Path) -> None:
    slept: list[float] = []
    replies = [Reply(429, b"", {"Retry-After": "3"}), Reply(200, page(refs(1), 1))]
    with MockServer(replies) as server:
        client, _ = fetcher(tmp_path, server, sleep=slept.append)
        assert client.fetch_partition(TERM).status == "done"
    assert slept and slept[0] >= 3


def test_429_storm_parks_and_resumes(tmp_path: Path) -> None:
    with MockServer([Reply(429, b"", {"Retry-After": "600"})]) as server:
        client, _ = fetcher(tmp_path, server)
        result = client.fetch_partition(TERM)
    assert result.status == "parked" and result.parked_until
    assert "page 1" in result.message
    with MockServer([]) as server:
        client, _ = fetcher(tmp_path, server)
        again = client.fetch_partition(TERM)
    assert again.status == "parked" and server.requests == []
    with MockServer([Reply(200, page(refs(1), 1))]) as server:
        client, _ = fetcher(tmp_path, server)
        assert client.fetch_partition(TERM, restart=True).status == "done"


def test_5xx_is_retried_then_succeeds(tmp_path: Path) -> None:
    replies = [Reply(502, HTML, {"Content-Type": "text/html"}), Reply(200, page(refs(1), 1))]
    with MockServer(replies) as server:
        client, logs = fetcher(tmp_path, server)
        assert client.fetch_partition(TERM).status == "done"
    assert any("HTTP 502" in line and "Service Unavailable" in line for line in logs)


def test_html_with_status_200_is_landed_but_never_a_page(tmp_path: Path) -> None:
    replies = [Reply(200, HTML, {"Content-Type": "text/html"})] * 3
    with MockServer(replies) as server:
        client, _ = fetcher(tmp_path, server)
        with pytest.raises(UkriError, match="not valid JSON") as err:
            client.fetch_partition(TERM)
    assert "page 1" in str(err.value) and "/api/search/project?term=" in str(err.value)
    assert client.landing.load_state("term-quantum_computing").pages == []
    manifest = client.landing.manifest_path.read_text().splitlines()
    assert len(manifest) == 3 and all("error" in json.loads(line) for line in manifest)


def test_400_raises_at_once(tmp_path: Path) -> None:
    with MockServer([Reply(400, {"message": "bad term"})]) as server:
        client, _ = fetcher(tmp_path, server)
        with pytest.raises(UkriError, match="HTTP 400"):
            client.fetch_partition(TERM)
    assert len(server.requests) == 1


def test_wrong_shapes_are_not_pages() -> None:
    assert decode_page(json.dumps(page(refs(1))).encode())[0] is not None
    assert "totalResults" in decode_page(b'{"facetedSearchResultBean": {"results": []}}')[1]
    assert "no 'facetedSearchResultBean'" in decode_page(b'{"projects": []}')[1]
    missing = page(refs(1))
    del missing["facetedSearchResultBean"]["results"][0]["projectComposition"]["project"]["id"]
    assert "project.id" in decode_page(json.dumps(missing).encode())[1]


def test_settings_are_checked() -> None:
    zone = LandingZone(Path("/nonexistent"), "ukri")
    with pytest.raises(ValueError, match="page_size"):
        UkriFetcher(zone, [TERM], page_size=101)
    with pytest.raises(ValueError, match="at least one"):
        UkriFetcher(zone, [])
    with pytest.raises(ValueError, match="repeat a partition"):
        UkriFetcher(zone, ["quantum computing", "Quantum-Computing"])


def test_requests_are_paced(tmp_path: Path) -> None:
    slept: list[float] = []
    with MockServer([Reply(200, page(refs(1, 2), 3)), Reply(200, page(refs(3), 3))]) as server:
        client, _ = fetcher(
            tmp_path, server, min_interval=1.0, sleep=slept.append, clock=lambda: 0.0
        )
        client.fetch_partition(TERM)
    assert slept == [1.0]


def test_a_read_hang_times_out_and_is_retried(tmp_path: Path) -> None:
    replies = [Reply(200, page(refs(1), 1), delay=3), Reply(200, page(refs(1), 1))]
    with MockServer(replies) as server:
        client, logs = fetcher(tmp_path, server, timeout=(0.5, 0.3))
        assert client.fetch_partition(TERM).status == "done"
        assert len(server.requests) == 2
    assert any("ReadTimeout" in line for line in logs), logs


def test_a_server_error_asking_a_long_wait_parks_instead_of_sleeping(tmp_path: Path) -> None:
    with MockServer([Reply(503, b"", {"Retry-After": "86400"})]) as server:
        client, _ = fetcher(tmp_path, server)
        result = client.fetch_partition(TERM)
    assert result.status == "parked" and result.parked_until
    assert len(server.requests) == 1
