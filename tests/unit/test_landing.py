"""The raw landing zone: redaction, content-addressed blobs, manifest, partition state."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest

from pipelines.landing import CompletedFetch, LandingZone, PartitionState, redact_url

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://api.openalex.org/works?filter=a:b&api_key=SECRET&per-page=100",
            "https://api.openalex.org/works?filter=a:b&api_key=REDACTED&per-page=100",
        ),
        (
            "https://x.org/p?API_KEY=1&Api-Key=2&KEY=3&token=4&MailTo=a%40b.c&email=e&"
            "Subscription-Key=5&keep=yes",
            "https://x.org/p?API_KEY=REDACTED&Api-Key=REDACTED&KEY=REDACTED&token=REDACTED&"
            "MailTo=REDACTED&email=REDACTED&Subscription-Key=REDACTED&keep=yes",
        ),
        ("https://x.org/p?api%5Fkey=S", "https://x.org/p?api%5Fkey=REDACTED"),
        ("https://x.org/p?token", "https://x.org/p?token=REDACTED"),
        ("https://x.org/works", "https://x.org/works"),
        ("https://user:pw@x.org/p?a=1", "https://user:REDACTED@x.org/p?a=1"),
        (
            "https://x.org/w?filter=topics.id:T1%7CT2&cursor=%2A&keyword=q",
            "https://x.org/w?filter=topics.id:T1%7CT2&cursor=%2A&keyword=q",
        ),
        # too malformed to split: the whole query and user-info go
        ("https://[::1/w?api_key=S&a=1", "https://[::1/w?REDACTED"),
        ("https://u:pw@[::1/w?a=1", "https://REDACTED@[::1/w?REDACTED"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def land(zone: LandingZone, body: bytes, page: int = 1, partition: str = "2020") -> Path:
    """Land ``body`` as a page of fetch f1 and return its blob path."""
    return zone.land(
        body,
        url=f"https://api.openalex.org/works?api_key=SECRET&mailto=a@b.c&page={page}",
        partition=partition,
        fetch_id="f1",
        page=page,
        status=200,
        fetched_at="2026-03-02T12:54:10Z",
        extra={"records": 1, "next_cursor": None, "meta_count": 1},
    ).path


def test_blobs_are_gzip_content_addressed_and_never_rewritten(tmp_path: Path) -> None:
    zone = LandingZone(tmp_path, "openalex")
    body = b'{"meta": {"count": 1}, "results": [{"id": "W1"}]}'
    sha = hashlib.sha256(body).hexdigest()
    path = land(zone, body)
    assert path == tmp_path / "openalex" / "blobs" / sha[:2] / f"{sha}.json.gz"
    assert gzip.decompress(path.read_bytes()) == body
    assert path.read_bytes()[4:8] == b"\0\0\0\0"  # gzip mtime field is zero
    stat = path.stat()
    again = zone.land(body, url="u", partition="2021", fetch_id="f2", page=1, status=200)
    assert again.path == path and not again.new_blob
    assert path.stat().st_mtime_ns == stat.st_mtime_ns and path.stat().st_ino == stat.st_ino
    other = land(LandingZone(tmp_path / "elsewhere", "openalex"), body)
    assert other.read_bytes() == path.read_bytes()
    assert not list(path.parent.glob(".*.tmp"))


def test_manifest_lines_are_json_with_redacted_urls(tmp_path: Path) -> None:
    zone = LandingZone(tmp_path, "openalex")
    land(zone, b'{"a": 1}', page=1)
    land(zone, b'{"a": 2}', page=2)
    lines = zone.manifest_path.read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    assert [e["page"] for e in entries] == [1, 2]
    first = entries[0]
    assert first["url"] == (
        "https://api.openalex.org/works?api_key=REDACTED&mailto=REDACTED&page=1"
    )
    assert first["sha256"] == hashlib.sha256(b'{"a": 1}').hexdigest()
    assert first["path"] == f"openalex/blobs/{first['sha256'][:2]}/{first['sha256']}.json.gz"
    assert (tmp_path / first["path"]).is_file()
    assert {k: first[k] for k in ("partition", "fetch_id", "status", "bytes", "fetched_at")} == {
        "partition": "2020",
        "fetch_id": "f1",
        "status": 200,
        "bytes": 8,
        "fetched_at": "2026-03-02T12:54:10Z",
    }
    assert (first["records"], first["next_cursor"], first["meta_count"]) == (1, None, 1)
    assert "SECRET" not in zone.manifest_path.read_text(encoding="utf-8")


def test_manifest_line_torn_by_a_crash_does_not_swallow_the_next(tmp_path: Path) -> None:
    zone = LandingZone(tmp_path, "openalex")
    land(zone, b"1")
    with open(zone.manifest_path, "a", encoding="utf-8") as handle:
        handle.write('{"sha256": "torn')
    land(zone, b"2", page=2)
    lines = zone.manifest_path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    assert json.loads(lines[2])["page"] == 2


def test_state_round_trip_is_atomic(tmp_path: Path) -> None:
    zone = LandingZone(tmp_path, "openalex")
    assert zone.load_state("2020") is None
    state = PartitionState(
        "2020",
        "f1",
        status="parked",
        cursor="abc",
        pages=["ab" * 32],
        cursors=["*"],
        records=3,
        parked_until="2026-03-03T00:00:00Z",
        error="budget",
        done=CompletedFetch("f0", ["cd" * 32], 5, 5, "2026-03-01T00:00:00Z"),
    )
    zone.save_state(state)
    loaded = zone.load_state("2020")
    assert loaded == state and loaded.updated_at
    data = json.loads(zone.state_path("2020").read_text(encoding="utf-8"))
    assert {
        "partition",
        "fetch_id",
        "status",
        "cursor",
        "pages",
        "records",
        "parked_until",
        "error",
        "updated_at",
    } <= set(data)
    assert sorted(p.name for p in zone.state_dir.iterdir()) == ["2020.json"]


def test_corrupt_state_names_the_file(tmp_path: Path) -> None:
    zone = LandingZone(tmp_path, "openalex")
    zone.state_dir.mkdir(parents=True)
    zone.state_path("2020").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match=r"state/2020\.json is not a valid state"):
        zone.load_state("2020")


def test_start_fetch_resumes_unfinished_and_starts_new_otherwise(tmp_path: Path) -> None:
    zone = LandingZone(tmp_path, "openalex")
    first = zone.start_fetch("2020", query="q")
    assert (first.status, first.cursor, first.pages, first.done) == ("running", None, [], None)
    first.cursor, first.pages, first.status = "c2", ["ab" * 32], "parked"
    first.parked_until = "2026-03-03T00:00:00Z"
    zone.save_state(first)

    resumed = zone.start_fetch("2020", query="q")
    assert resumed.fetch_id == first.fetch_id
    assert (resumed.status, resumed.cursor, resumed.parked_until) == ("running", "c2", None)

    restarted = zone.start_fetch("2020", restart=True, query="q")
    assert restarted.fetch_id != first.fetch_id and restarted.cursor is None

    other_query = zone.start_fetch("2020", query="changed")
    assert other_query.fetch_id != restarted.fetch_id

    other_query.status = "done"
    zone.save_state(other_query)
    assert zone.start_fetch("2020", query="changed").fetch_id != other_query.fetch_id


def finish(zone: LandingZone, partition: str, bodies: list[bytes], fetch_id: str) -> list[Path]:
    """Land ``bodies`` as a complete fetch of ``partition``; return their blob paths."""
    state = zone.start_fetch(partition, restart=True)
    state.fetch_id = fetch_id
    paths = []
    for page, body in enumerate(bodies, start=1):
        landed = zone.land(
            body, url="u", partition=partition, fetch_id=fetch_id, page=page, status=200
        )
        state.pages.append(landed.sha256)
        paths.append(landed.path)
    state.status = "done"
    state.done = CompletedFetch(fetch_id, list(state.pages), len(bodies), len(bodies), "t")
    zone.save_state(state)
    return paths


def test_current_files_are_the_latest_done_fetch_per_partition(tmp_path: Path) -> None:
    zone = LandingZone(tmp_path, "openalex")
    assert zone.current_files() == []
    old_2021 = finish(zone, "2021", [b"2021-old-1", b"2021-old-2"], "a")
    new_2021 = finish(zone, "2021", [b"2021-new-1", b"2021-new-2", b"2021-new-3"], "b")
    files_2020 = finish(zone, "2020", [b"2020-1", b"2020-2"], "c")
    assert zone.current_files() == files_2020 + new_2021
    assert not set(old_2021) & set(zone.current_files())

    # a refresh of 2020 that is still running leaves the last complete fetch current
    running = zone.start_fetch("2020", restart=True)
    landed = zone.land(
        b"2020-refresh-1", url="u", partition="2020", fetch_id=running.fetch_id, page=1, status=200
    )
    running.pages.append(landed.sha256)
    zone.save_state(running)
    assert zone.current_files() == files_2020 + new_2021

    # a partition that never completed contributes nothing
    zone.start_fetch("2022")
    assert list(zone.partitions()) == ["2020", "2021", "2022"]
    assert zone.current_files() == files_2020 + new_2021


def test_a_body_two_partitions_landed_is_listed_once(tmp_path: Path) -> None:
    # an EPO family fetched in 2020 and again in 2021, or two identical empty pages
    zone = LandingZone(tmp_path, "epo_ops", ".xml")
    first = finish(zone, "2020", [b"<family/>", b"<a/>"], "a")
    second = finish(zone, "2021", [b"<b/>", b"<family/>"], "b")
    assert first[0] == second[1] and first[0].name.endswith(".xml.gz")
    assert zone.current_files() == [first[0], first[1], second[0]]


def test_current_files_names_a_missing_blob(tmp_path: Path) -> None:
    zone = LandingZone(tmp_path, "openalex")
    paths = finish(zone, "2020", [b"x"], "a")
    paths[0].unlink()
    with pytest.raises(FileNotFoundError, match=r"openalex partition 2020: landed blob .* missing"):
        zone.current_files()


@pytest.mark.parametrize("name", ["../etc", "a/b", ".hidden", "", "x" * 200, "a..b"])
def test_unsafe_partition_names_are_refused(tmp_path: Path, name: str) -> None:
    zone = LandingZone(tmp_path, "openalex")
    with pytest.raises(ValueError, match="cannot be used as a landing-zone name"):
        zone.state_path(name)
    with pytest.raises(ValueError, match="cannot be used as a landing-zone name"):
        zone.land(b"x", url="u", partition=name, fetch_id="f", page=1, status=200)


def test_a_partition_is_fetched_by_one_process_at_a_time(tmp_path: Path) -> None:
    zone = LandingZone(tmp_path, "openalex")
    other = LandingZone(tmp_path, "openalex")
    with zone.lock("2020"):
        with (
            pytest.raises(RuntimeError, match="2020 is being fetched by another process"),
            other.lock("2020"),
        ):
            pass
        with other.lock("2021"):
            pass
    with other.lock("2020"):
        pass
