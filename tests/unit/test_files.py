"""Replacing a published folder: readers find the old folder or the new one, never none."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from pipelines import files
from pipelines.files import replaced_folder


def write(folder: Path, text: str) -> None:
    (folder / "table.parquet").write_text(text, encoding="utf-8")


def without_exchange(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder ``parquet`` in ``tmp_path``, holding the last release ("old"), whose next
    swaps take two renames (as where the system has no atomic exchange)."""
    final = tmp_path / "parquet"
    with replaced_folder(final) as temp:
        write(temp, "old")
    monkeypatch.setattr(files, "exchange", lambda first, second: False)
    return final


def test_the_folder_is_never_missing_during_a_swap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("an atomic folder exchange needs Linux (renameat2): elsewhere, two renames")
    final = tmp_path / "parquet"
    with replaced_folder(final) as temp:
        write(temp, "old")
    renames = []

    def watched_replace(source: os.PathLike, target: os.PathLike) -> None:
        os.rename(source, target)
        renames.append((Path(source).name, Path(target).name, final.is_dir()))

    monkeypatch.setattr(files.os, "replace", watched_replace)
    with replaced_folder(final) as temp:
        write(temp, "new")
    assert (final / "table.parquet").read_text(encoding="utf-8") == "new"
    assert renames and all(present for *_, present in renames), renames
    assert sorted(p.name for p in tmp_path.iterdir()) == ["parquet"]


def test_without_an_exchange_the_swap_is_two_renames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    final = without_exchange(tmp_path, monkeypatch)
    with replaced_folder(final) as temp:
        write(temp, "new")
    assert (final / "table.parquet").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["parquet"]


def test_without_an_exchange_a_failed_second_rename_puts_the_last_folder_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    final = without_exchange(tmp_path, monkeypatch)

    def failing_replace(source: os.PathLike, target: os.PathLike) -> None:
        if Path(source).name.startswith(".parquet.tmp-"):  # the new folder into place
            raise OSError(13, "permission denied")
        os.rename(source, target)

    monkeypatch.setattr(files.os, "replace", failing_replace)
    with pytest.raises(OSError, match="permission denied"), replaced_folder(final) as temp:
        write(temp, "new")
    assert (final / "table.parquet").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["parquet"]


def test_a_failed_block_leaves_the_folder_and_no_debris(tmp_path: Path) -> None:
    final = tmp_path / "parquet"
    with replaced_folder(final) as temp:
        write(temp, "old")
    with pytest.raises(OSError, match="disk full"), replaced_folder(final) as temp:
        write(temp, "half")
        raise OSError(28, "disk full")
    assert (final / "table.parquet").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["parquet"]


def test_folders_left_by_a_killed_replacement_are_swept(tmp_path: Path) -> None:
    final = tmp_path / "site"
    for dead in (".site.tmp-0123456789ab", ".site.old-0123456789ab"):
        (tmp_path / dead).mkdir()
        write(tmp_path / dead, "dead")
    (tmp_path / ".other.tmp-0123456789ab").mkdir()  # not this folder's: kept
    with replaced_folder(final) as temp:
        write(temp, "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.tmp-0123456789ab", "site"]


def test_exchange_swaps_two_folders(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    write(first, "a")
    write(second, "b")
    if not files.exchange(first, second):
        pytest.skip("this system or file system cannot exchange two paths atomically")
    assert (first / "table.parquet").read_text(encoding="utf-8") == "b"
    assert (second / "table.parquet").read_text(encoding="utf-8") == "a"
    with pytest.raises(FileNotFoundError):
        files.exchange(first, tmp_path / "missing")
