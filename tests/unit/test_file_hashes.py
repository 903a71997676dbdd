"""Raw files' hashes computed once per version of a file on disk, kept between runs."""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines import file_hashes
from pipelines.file_hashes import STORE, keep_in, sha256_file


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts as a new process would: nothing known, no store, files settled;
    and leaves no store behind."""
    keep_in(None)
    monkeypatch.setattr(file_hashes, "_known", {})
    monkeypatch.setattr(file_hashes, "SETTLED_S", 0.0)
    yield
    keep_in(None)


def refuse_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(self: Path, *args: object, **kwargs: object) -> None:
        raise AssertionError(f"{self} was read")

    monkeypatch.setattr(Path, "open", refused)


def test_a_file_is_hashed_once_then_known_by_its_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "part_000.gz"
    path.write_bytes(b"works" * 1000)
    expected = hashlib.sha256(b"works" * 1000).hexdigest()
    assert sha256_file(path) == expected
    refuse_reads(monkeypatch)
    assert sha256_file(path) == expected


def test_the_store_carries_hashes_to_the_next_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "part_000.gz"
    path.write_bytes(b"authors")
    keep_in(tmp_path / "state")
    sha = sha256_file(path)
    assert (tmp_path / "state" / STORE).is_file()
    keep_in(None)  # a new process, the same state folder
    monkeypatch.setattr(file_hashes, "_known", {})
    keep_in(tmp_path / "state")
    refuse_reads(monkeypatch)
    assert sha256_file(path) == sha


def test_a_changed_file_is_hashed_again_even_with_its_size_and_time_put_back(
    tmp_path: Path,
) -> None:
    path = tmp_path / "part_000.gz"
    path.write_bytes(b"aaaa")
    keep_in(tmp_path / "state")
    before = sha256_file(path)
    stat = path.stat()
    path.write_bytes(b"bbbb")  # the same size, written in place (the same inode)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # its time put back
    assert path.stat().st_ino == stat.st_ino and path.stat().st_mtime_ns == stat.st_mtime_ns
    assert sha256_file(path) == hashlib.sha256(b"bbbb").hexdigest() != before
    replaced = tmp_path / "new"
    replaced.write_bytes(b"cccc")
    os.replace(replaced, path)  # another file under the same name
    assert sha256_file(path) == hashlib.sha256(b"cccc").hexdigest()


def test_a_file_changed_just_now_is_hashed_but_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(file_hashes, "SETTLED_S", 3600.0)
    path = tmp_path / "part_000.gz"
    path.write_bytes(b"fresh")
    keep_in(tmp_path / "state")
    assert sha256_file(path) == hashlib.sha256(b"fresh").hexdigest()
    assert file_hashes._known == {}
    with sqlite3.connect(tmp_path / "state" / STORE) as con:
        assert con.execute("select count(*) from hashes").fetchone() == (0,)


def test_an_unusable_store_is_left_with_a_warning_and_files_are_hashed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / STORE).write_bytes(b"not a database" * 100)
    path = tmp_path / "part_000.gz"
    path.write_bytes(b"works")
    keep_in(state)
    with caplog.at_level(logging.WARNING, logger=file_hashes.__name__):
        assert sha256_file(path) == hashlib.sha256(b"works").hexdigest()
    assert f"file hashes: {state / STORE} cannot be used" in caplog.text
    assert file_hashes._store is None  # not tried again by this process
    assert (state / STORE).read_bytes() == b"not a database" * 100  # nor touched


def test_a_missing_file_raises_as_before(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        sha256_file(tmp_path / "absent.gz")
