"""The embedded sample is exactly what its generator makes (deterministic, reviewed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assets.bibliometric.sample_generator import SAMPLE_DIR, generate

pytestmark = pytest.mark.unit


def test_regenerating_the_sample_gives_byte_identical_files(tmp_path: Path) -> None:
    counts = generate(tmp_path / "sample")
    committed = {
        p.relative_to(SAMPLE_DIR): p.read_bytes() for p in SAMPLE_DIR.rglob("*") if p.is_file()
    }
    fresh = {
        p.relative_to(tmp_path / "sample"): p.read_bytes()
        for p in (tmp_path / "sample").rglob("*")
        if p.is_file()
    }
    assert fresh.keys() == committed.keys()
    assert [k for k in fresh if fresh[k] != committed[k]] == []
    assert counts["works_generated"] > 5000 and counts["merged_ids"] == 10
