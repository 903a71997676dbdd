"""The live CORDIS client against a scripted local server: download, verify, faults."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from assets.funding.cordis_live import (
    ArchiveDamaged,
    ArchiveRefused,
    CordisError,
    CordisFetcher,
    verify_archive,
)
from pipelines.fetch_states import fetch_state_rows
from pipelines.fetching import step_failure
from pipelines.landing import LandingZone
from tests.cordis_bodies import (
    ORGANISATION_COLUMNS,
    bulk_zip,
    csv_text,
    organisation_record,
    project_record,
)
from tests.mock_server import MockServer, Reply, closed_port_url

pytestmark = pytest.mark.unit
ZIP = {"Content-Type": "application/zip"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
MAINTENANCE = b"<!DOCTYPE html><html><head><title>CORDIS maintenance</title></head></html>"
ARCHIVE = bulk_zip(
    [project_record(), project_record(id="101000002")],
    [organisation_record(), organisation_record(projectID="101000002")],
)


def zip_zone(root: Path) -> LandingZone:
    """The CORDIS landing zone (bulk archives land as ``.zip`` blobs)."""
    return LandingZone(root, "cordis", suffix=".zip")


class Harness:
    """A fetcher wired to a server, a temporary zone, and recorded logs and sleeps."""

    def __init__(self, tmp_path: Path, base_url: str, **options: Any) -> None:
        self.zone = zip_zone(tmp_path / "raw")
        self.logs: list[str] = []
        self.sleeps: list[float] = []
        settings: dict[str, Any] = {
            "timeout": (2, 2),
            "max_retries": 2,
            "sleep": self.sleeps.append,
            "session": MockServer.session(),
            **options,
        }
        self.fetcher = CordisFetcher(self.zone, base_url=base_url, log=self.logs.append, **settings)

    def manifest(self) -> list[dict[str, Any]]:
        if not self.zone.manifest_path.exists():
            return []
        lines = self.zone.manifest_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines]

    def bodies(self) -> list[bytes]:
        return [gzip.decompress(path.read_bytes()) for path in self.zone.current_files()]


def test_each_programme_is_downloaded_verified_and_landed(tmp_path: Path) -> None:
    other = bulk_zip()
    with MockServer([Reply(200, other, ZIP), Reply(200, ARCHIVE, ZIP)]) as server:
        harness = Harness(tmp_path, server.url + "/data/")
        outcomes = [harness.fetcher.fetch_partition(p) for p in ("H2020", "HORIZON")]
    assert [r.path for r in server.requests] == [
        "/data/cordis-h2020projects-csv.zip",
        "/data/cordis-HORIZONprojects-csv.zip",
    ]
    assert [(o.partition, o.status, o.records) for o in outcomes] == [
        ("H2020", "done", 1),
        ("HORIZON", "done", 2),
    ]
    assert harness.bodies() == [other, ARCHIVE]  # verbatim, partition by partition
    entry = harness.manifest()[1]
    assert (entry["programme"], entry["project_records"], entry["organisation_records"]) == (
        "HORIZON",
        2,
        2,
    )
    assert entry["path"].endswith(".zip.gz") and entry["page"] == 1
    assert "csv/project.csv" in entry["members"]


def test_an_unchanged_archive_is_reported(tmp_path: Path) -> None:
    with MockServer([Reply(200, ARCHIVE, ZIP), Reply(200, ARCHIVE, ZIP)]) as server:
        harness = Harness(tmp_path, server.url)
        first = harness.fetcher.fetch_partition("HORIZON")
        second = harness.fetcher.fetch_partition("HORIZON")
    assert "unchanged" not in first.message
    assert "unchanged since the last fetch" in second.message
    assert len(harness.bodies()) == 1


def test_server_errors_are_retried(tmp_path: Path) -> None:
    replies = [Reply(503), Reply(502, MAINTENANCE, HTML), Reply(200, ARCHIVE, ZIP)]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        result = harness.fetcher.fetch_partition("HORIZON")
    assert result.status == "done" and len(server.requests) == 3
    assert len(harness.sleeps) == 2
    assert any("HTTP 502" in line and "CORDIS maintenance" in line for line in harness.logs)


def test_an_error_answer_cut_off_in_transit_is_retried_by_its_status(tmp_path: Path) -> None:
    replies = [Reply(503, b"short", declared_length=10_000), Reply(200, ARCHIVE, ZIP)]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        result = harness.fetcher.fetch_partition("HORIZON")
    assert result.status == "done" and len(server.requests) == 2
    assert any(
        "HTTP 503: (its body could not be read: ProtocolError)" in line for line in harness.logs
    )


def test_an_html_page_is_never_taken_for_an_archive(tmp_path: Path) -> None:
    with MockServer([Reply(200, MAINTENANCE, HTML)] * 3) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(CordisError) as caught:
            harness.fetcher.fetch_partition("HORIZON")
    message = str(caught.value)
    assert "cordis HORIZON" in message and "cordis-HORIZONprojects-csv.zip" in message
    assert "not a ZIP archive" in message and "CORDIS maintenance" in message
    # each whole body is landed as evidence, flagged, and never read as data
    blob = harness.zone.blob_path(hashlib.sha256(MAINTENANCE).hexdigest())
    assert f"landed for inspection as {blob}" in message
    assert [e["error"] for e in harness.manifest()] == [
        "HTTP 200 but the body is not a ZIP archive (an HTML page titled 'CORDIS maintenance')"
    ] * 3
    assert gzip.decompress(blob.read_bytes()) == MAINTENANCE
    assert harness.zone.current_files() == []
    state = harness.zone.load_state("HORIZON")
    assert state is not None and state.status == "running" and "not a ZIP" in state.error
    assert state.pages == [] and state.done is None


def test_a_truncated_archive_is_downloaded_again(tmp_path: Path) -> None:
    replies = [
        Reply(200, ARCHIVE[: len(ARCHIVE) // 2], ZIP),  # complete per HTTP, cut in the file
        Reply(200, ARCHIVE, ZIP, declared_length=len(ARCHIVE) + 500),  # cut off in transit
        Reply(200, ARCHIVE, ZIP),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        result = harness.fetcher.fetch_partition("HORIZON")
    assert result.status == "done" and harness.bodies() == [ARCHIVE]
    assert any("fails verification" in line for line in harness.logs)
    # the body that came whole but damaged is landed, flagged; the one cut off is not
    damaged = harness.zone.blob_path(hashlib.sha256(ARCHIVE[: len(ARCHIVE) // 2]).hexdigest())
    assert damaged.is_file()
    assert [("error" in e, e["sha256"] == damaged.name[:64]) for e in harness.manifest()] == [
        (True, True),
        (False, False),
    ]
    assert any("broke off" in line or "ChunkedEncodingError" in line for line in harness.logs)


def test_a_missing_archive_fails_at_once_and_keeps_the_last_fetch(tmp_path: Path) -> None:
    with MockServer([Reply(200, ARCHIVE, ZIP), Reply(404, MAINTENANCE, HTML)]) as server:
        harness = Harness(tmp_path, server.url)
        harness.fetcher.fetch_partition("HORIZON")
        with pytest.raises(CordisError, match="HTTP 404"):
            harness.fetcher.fetch_partition("HORIZON")
    assert len(server.requests) == 2
    assert harness.bodies() == [ARCHIVE]  # the last complete fetch stays current


def test_a_long_rate_limit_parks_the_programme(tmp_path: Path) -> None:
    with MockServer([Reply(429, b"", {"Retry-After": "3600"})]) as server:
        harness = Harness(tmp_path, server.url)
        parked = harness.fetcher.fetch_partition("HORIZON")
        again = harness.fetcher.fetch_partition("HORIZON")
    assert parked.status == "parked" and parked.parked_until
    assert again.status == "parked" and "still parked" in again.message
    assert len(server.requests) == 1


def test_refused_connections_and_oversized_bodies(tmp_path: Path) -> None:
    harness = Harness(tmp_path, closed_port_url())
    with pytest.raises(CordisError, match="gave up after 3 attempts; last: ConnectionError") as e:
        harness.fetcher.fetch_partition("HORIZON")
    assert step_failure(e.value).allow_retries
    with MockServer([Reply(200, ARCHIVE, ZIP)]) as server:
        small = Harness(tmp_path / "small", server.url, max_bytes=100)
        with pytest.raises(CordisError, match="over max_bytes"):
            small.fetcher.fetch_partition("HORIZON")


def test_settings_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"suffix='\.zip'"):
        CordisFetcher(LandingZone(tmp_path, "cordis"))
    with pytest.raises(ValueError, match="programme must be one of"):
        Harness(tmp_path, "http://x").fetcher.fetch_partition("FP6")


def test_verify_archive_counts_and_refuses() -> None:
    check = verify_archive(ARCHIVE)
    assert (check.project_records, check.organisation_records) == (2, 2)
    with pytest.raises(ArchiveRefused, match="holds no project"):
        verify_archive(bulk_zip(projects=[]))
    with pytest.raises(ArchiveRefused, match=r"0 members named project\.csv"):
        verify_archive(WITHOUT_PROJECTS)
    with pytest.raises(ArchiveRefused, match=r"project\.csv near line 0: not readable as CSV"):
        verify_archive(NOT_UTF8)
    with pytest.raises(ArchiveDamaged, match="not a readable ZIP"):
        verify_archive(ARCHIVE[:40])
    with pytest.raises(ArchiveDamaged, match="the archive cannot be unpacked"):
        verify_archive(flipped_member_byte(ARCHIVE))
    # an encrypted member unpacks no better on the next download
    with pytest.raises(ArchiveRefused, match=r"cannot be unpacked here.*encrypted"):
        verify_archive(encrypted_first_member(ARCHIVE))


def encrypted_first_member(body: bytes) -> bytes:
    """``body`` with its first member marked encrypted in the central directory."""
    entry = body.index(b"PK\x01\x02")
    flags = int.from_bytes(body[entry + 8 : entry + 10], "little") | 0x1
    return body[: entry + 8] + flags.to_bytes(2, "little") + body[entry + 10 :]


def flipped_member_byte(body: bytes) -> bytes:
    """``body`` with one byte of its first member's compressed data changed."""
    start = 30 + int.from_bytes(body[26:28], "little") + int.from_bytes(body[28:30], "little")
    return body[:start] + bytes([body[start] ^ 0xFF]) + body[start + 1 :]


def archive_of(members: dict[str, bytes]) -> bytes:
    """A ZIP of ``members`` (name -> bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


ORGANISATIONS = csv_text(ORGANISATION_COLUMNS, [organisation_record()]).encode()
WITHOUT_PROJECTS = archive_of({"csv/organization.csv": ORGANISATIONS})
NOT_UTF8 = archive_of({"csv/project.csv": b'"id";"title\xff"\n', "organization.csv": ORGANISATIONS})


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        (WITHOUT_PROJECTS, "0 members named project.csv (exactly one expected"),
        (NOT_UTF8, "project.csv near line 0: not readable as CSV"),
    ],
    ids=["project.csv missing", "project.csv not UTF-8"],
)
def test_a_sound_archive_that_is_not_cordis_is_landed_rejected_and_not_retried(
    tmp_path: Path, body: bytes, missing: str
) -> None:
    with MockServer([Reply(200, ARCHIVE, ZIP), Reply(200, body, ZIP)]) as server:
        harness = Harness(tmp_path, server.url)
        harness.fetcher.fetch_partition("HORIZON")
        with pytest.raises(CordisError) as caught:
            harness.fetcher.fetch_partition("HORIZON")
    assert len(server.requests) == 2 and harness.sleeps == []  # one request each: no retry
    assert not step_failure(caught.value).allow_retries
    blob = harness.zone.blob_path(hashlib.sha256(body).hexdigest())
    message = str(caught.value)
    assert message.startswith("cordis HORIZON (GET http://127.0.0.1:")
    assert missing in message and f"(landed for inspection as {blob}; never read" in message
    assert "not retried" in message and "report the file to CORDIS" in message
    # the rejected archive is on disk verbatim, flagged in the manifest ...
    assert gzip.decompress(blob.read_bytes()) == body
    rejected = harness.manifest()[-1]
    assert rejected["sha256"] == blob.name[:64] and missing in rejected["error"]
    # ... and never read: the last complete fetch stays the one the parser reads
    assert harness.bodies() == [ARCHIVE]
    state = harness.zone.load_state("HORIZON")
    assert state is not None and state.error == message and blob.name[:64] not in state.pages
    row = fetch_state_rows(tmp_path / "raw", ["cordis"]).row(0, named=True)
    assert row["served_records"] == 2 and row["newer_error"] == message


def test_a_rejected_archive_that_cannot_be_landed_is_still_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with MockServer([Reply(200, WITHOUT_PROJECTS, ZIP)]) as server:
        harness = Harness(tmp_path, server.url)

        def full_disk(*args: Any, **kwargs: Any) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(harness.zone, "land", full_disk)
        with pytest.raises(CordisError) as caught:
            harness.fetcher.fetch_partition("HORIZON")
    message = str(caught.value)
    assert "0 members named project.csv" in message
    assert "(not landed for inspection (OSError: [Errno 28] No space left on device)" in message
    state = harness.zone.load_state("HORIZON")
    assert state is not None and state.error == message


def test_an_archive_damaged_every_time_is_landed_and_given_up_on_as_transient(
    tmp_path: Path,
) -> None:
    damaged = flipped_member_byte(ARCHIVE)
    with MockServer([Reply(200, damaged, ZIP)] * 3) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(CordisError, match="gave up after 3 attempts") as caught:
            harness.fetcher.fetch_partition("HORIZON")
    assert len(server.requests) == 3 and len(harness.sleeps) == 2
    assert step_failure(caught.value).allow_retries  # a later download may be sound
    blob = harness.zone.blob_path(hashlib.sha256(damaged).hexdigest())
    assert "the archive fails verification (the archive cannot be unpacked" in str(caught.value)
    assert f"landed for inspection as {blob}" in str(caught.value)
    assert gzip.decompress(blob.read_bytes()) == damaged
    assert harness.zone.current_files() == []


def test_a_read_hang_times_out_and_is_retried(tmp_path: Path) -> None:
    replies = [Reply(200, ARCHIVE, ZIP, delay=3), Reply(200, ARCHIVE, ZIP)]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, timeout=(0.5, 0.3))
        result = harness.fetcher.fetch_partition("HORIZON")
    assert result.status == "done" and len(server.requests) == 2
    assert any("ReadTimeout" in line or "timed out" in line for line in harness.logs), harness.logs


def test_a_server_error_asking_a_long_wait_parks_instead_of_sleeping(tmp_path: Path) -> None:
    with MockServer([Reply(503, b"", {"Retry-After": "86400"})]) as server:
        harness = Harness(tmp_path, server.url)
        parked = harness.fetcher.fetch_partition("HORIZON")
    assert parked.status == "parked" and parked.parked_until
    assert len(server.requests) == 1 and harness.sleeps == []
