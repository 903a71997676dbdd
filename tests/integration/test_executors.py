"""The main job under Dagster's multiprocess executor (each step in its own process, the
executor a cluster uses) builds the release the default in-process executor builds."""

from pathlib import Path

import pytest

from tests.integration.conftest import releases_differ, run_cli, tiny_sources

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("byhand")]


def test_the_multiprocess_executor_publishes_the_same_release(
    byhand: tuple[Path, dict[str, Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, sources = byhand  # built by the in-process executor
    args = ["build", "--executor", "multiprocess"]
    args += ["--out", str(tmp_path / "out"), "--state", str(tmp_path / "state")]
    args += [arg for name, path in sources.items() for arg in ("--source-dir", f"{name}={path}")]
    args += tiny_sources(folder, "funding", "openalex_authors", "supply_chain")
    code, output = run_cli(args, monkeypatch)
    assert code == 0, output
    compared = releases_differ(folder / "out" / "qcm.duckdb", tmp_path / "out" / "qcm.duckdb")
    assert compared > 60
