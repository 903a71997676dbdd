"""A build that fails validation stops downstream and leaves the last release intact."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.integration.conftest import run_cli, tiny_source, write_page

pytestmark = pytest.mark.integration


def build(tmp: Path, source: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    args = ["build", "--source-dir", f"openalex={source}", "--out", str(tmp / "out")]
    args += ["--source-dir", tiny_source(tmp, "patents")]
    args += ["--source-dir", tiny_source(tmp, "funding")]
    args += ["--source-dir", tiny_source(tmp, "openalex_authors")]
    return run_cli([*args, "--state", str(tmp / "state")], monkeypatch)


def test_unreadable_file_blocks_publishing_and_keeps_the_last_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "source"
    works = [
        {
            "id": f"https://openalex.org/W{i}",
            "title": "Transmon qubits",
            "publication_year": 2020,
            "cited_by_count": i,
            "authorships": [{"countries": ["US"]}],
        }
        for i in range(1, 30)
    ]
    write_page(source, "page1.json", works)
    code, output = build(tmp_path, source, monkeypatch)
    assert code == 0, output
    published = tmp_path / "out" / "qcm.duckdb"
    con = duckdb.connect(str(published), read_only=True)
    first_run = con.execute("select run_id from meta.runs").fetchall()
    con.close()

    (source / "page2.json").write_text('{"meta": {}, "results": [{"id": "W99", "tit')
    code, output = build(tmp_path, source, monkeypatch)
    assert code == 1
    assert "unusable raw files: page2.json (unreadable_file)" in output
    assert "[staging__works]" not in output  # nothing downstream of the failed check ran
    con = duckdb.connect(str(published), read_only=True)
    assert con.execute("select run_id from meta.runs").fetchall() == first_run
    con.close()
