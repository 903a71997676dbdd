"""Build helpers for integration tests: run the real qcm_build job in-process."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from pipelines.definitions import build_definitions


def write_page(folder: Path, name: str, works: list[dict]) -> Path:
    """Write an API list-response page of ``works`` (the real raw format)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(
        json.dumps({"meta": {"count": len(works), "next_cursor": None}, "results": works})
    )
    return path


def build_with_env(
    monkeypatch: pytest.MonkeyPatch, tmp: Path, source_dir: Path | None = None
) -> tuple[dg.ExecuteInProcessResult, Path]:
    """Run the main job with state and output under ``tmp``; return (result, out dir).

    With ``source_dir`` the OpenAlex files come from there, else from the embedded sample.
    """
    monkeypatch.setenv("QCM_MODE", "sample")
    monkeypatch.setenv("QCM_OUT", str(tmp / "out"))
    monkeypatch.setenv("QCM_STATE", str(tmp / "state"))
    monkeypatch.setenv("QCM_SOURCE_DIRS", f"openalex={source_dir}" if source_dir else "")
    defs = build_definitions()
    result = defs.resolve_job_def("qcm_build").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )
    return result, tmp / "out"


def run_cli(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """Run the ``qcm`` command in-process with a clean QCM environment.

    Returns its exit code and everything it printed (stdout and stderr together).
    """
    from pipelines.cli import main

    for name in ("QCM_MODE", "QCM_SOURCE_DIRS", "QCM_OUT", "QCM_STATE", "DAGSTER_HOME"):
        monkeypatch.delenv(name, raising=False)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(args)
    return code, out.getvalue()


def build_sample(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run ``qcm build`` on the embedded sample with output and state under ``tmp``."""
    args = ["build", "--out", str(tmp / "out"), "--state", str(tmp / "state")]
    code, output = run_cli(args, monkeypatch)
    assert code == 0, output
    return output


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """One sample build shared by the tests that only read its outputs: (folder, output)."""
    tmp = tmp_path_factory.mktemp("sample")
    with pytest.MonkeyPatch.context() as mp:
        yield tmp, build_sample(tmp, mp)
