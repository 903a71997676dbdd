"""A build that fails validation stops downstream and leaves the last release intact."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.integration.conftest import run_cli, tiny_sources

# one worker builds the shared by-hand release once and runs every test that reads it
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("byhand")]


def test_unreadable_files_block_publishing_and_keep_the_last_release(
    byhand: tuple[Path, dict[str, Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the last release: the shared by-hand build, published in byhand/out
    release, sources = byhand
    published = release / "out" / "qcm.duckdb"
    con = duckdb.connect(str(published), read_only=True)
    first_run = con.execute("select run_id from meta.runs").fetchall()
    con.close()
    # the same sources again, now with a truncated works page and an HTML error page
    # saved among the patent responses
    works, patents = tmp_path / "works", tmp_path / "patents"
    shutil.copytree(sources["openalex"], works)
    shutil.copytree(sources["patents"], patents)
    (works / "page3.json").write_text('{"meta": {}, "results": [{"id": "W99", "tit')
    (patents / "pv_500.json").write_text("<!doctype html><html><title>Server Error (500)</title>")
    args = ["build", "--out", str(release / "out"), "--state", str(tmp_path / "state")]
    args += ["--source-dir", f"openalex={works}", "--source-dir", f"patents={patents}"]
    args += tiny_sources(tmp_path, "funding", "openalex_authors", "supply_chain")
    code, output = run_cli(args, monkeypatch)
    assert code == 1
    assert "unusable raw files: page3.json (unreadable_file)" in output
    assert "pv_500.json" in output and "unreadable" in output
    assert "[staging__works]" not in output  # nothing downstream of the failed check ran
    con = duckdb.connect(str(published), read_only=True)
    assert con.execute("select run_id from meta.runs").fetchall() == first_run
    con.close()
