"""The Dagster code location loads under one name for the UI and the daemon, and its
asset graph changes only on purpose."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.workspace.load import location_origins_from_yaml_paths
from dagster_dg_cli.cli.utils import create_temp_workspace_file
from dagster_dg_core.context import DgContext

from pipelines.definitions import build_definitions
from pipelines.fetching import FETCH_RETRY

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
SNAPSHOT = Path(__file__).with_name("asset_graph.json")


def graph_snapshot(defs: dg.Definitions) -> dict[str, dict]:
    """Every asset's key, group, dependencies and checks, for review in diffs."""
    graph = defs.resolve_asset_graph()
    out = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        out[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(k.to_user_string() for k in node.parent_keys),
            "checks": sorted(c.name for c in node.check_keys),
            "partitioned": node.partitions_def is not None,
        }
    return out


def test_dg_check_defs_passes(tmp_path: Path) -> None:
    dg_cli = Path(sys.executable).with_name("dg")
    home = tmp_path / "dagster"  # dagster.yaml reads DAGSTER_HOME, as ./dev ui sets it
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    result = subprocess.run(
        [str(dg_cli), "check", "defs"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            **os.environ,
            "QCM_OUT": str(REPO / "out"),
            "QCM_STATE": str(REPO / ".qcm"),
            "DAGSTER_HOME": str(home),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All definitions loaded successfully" in result.stdout + result.stderr


def test_asset_graph_matches_the_reviewed_snapshot() -> None:
    current = graph_snapshot(build_definitions())
    if os.environ.get("QCM_UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
    reviewed = json.loads(SNAPSHOT.read_text())
    assert current == reviewed, (
        "the asset graph changed: review the difference, then rerun with QCM_UPDATE_SNAPSHOT=1"
    )


FETCHES = {
    "raw/openalex_pages",
    "raw/openalex_author_pages",
    "raw/patentsview_pages",
    "raw/epo_ops_pages",
    "raw/nsf_pages",
    "raw/ukri_pages",
    "raw/cordis_files",
    "raw/world_bank_pages",
    "raw/comtrade_pages",
}


def test_every_writing_asset_is_serialised_on_the_duckdb_pool() -> None:
    defs = build_definitions()
    for asset in defs.assets:
        # the site too: a build's publish swaps in the release its pages are made from
        if asset.key.to_user_string() not in FETCHES:
            assert asset.op.pool == "duckdb", asset.key
    # one fetch per service at a time: their rate limits are per key or client
    pools = {a.key.to_user_string(): a.op.pool for a in defs.assets}
    assert pools["raw/patentsview_pages"] == "patentsview"
    assert pools["raw/epo_ops_pages"] == "epo_ops"
    for service in ("nsf", "ukri", "world_bank"):
        assert pools[f"raw/{service}_pages"] == service
    assert pools["raw/cordis_files"] == "cordis"
    assert pools["raw/comtrade_pages"] == "comtrade"
    assert pools["raw/openalex_pages"] == "openalex"
    for checks in defs.asset_checks:  # checks open the database too
        assert checks.op.pool == "duckdb", checks.check_keys


def test_every_fetch_retries_with_backoff_and_jitter() -> None:
    defs = build_definitions()
    fetches = [a for a in defs.assets if a.key.to_user_string() in FETCHES]
    assert len(fetches) == len(FETCHES)
    for asset in fetches:
        assert asset.op.retry_policy == FETCH_RETRY, asset.key
    # after 1 then 2 minutes (Dagster's exponential backoff would wait 1 then 3), jittered
    plain = dg.RetryPolicy(delay=FETCH_RETRY.delay, backoff=FETCH_RETRY.backoff)
    assert [plain.calculate_delay(n) for n in (1, 2)] == [60, 120]
    assert FETCH_RETRY.max_retries == 2 and FETCH_RETRY.jitter == dg.Jitter.PLUS_MINUS


def test_main_job_excludes_the_live_fetch_and_checks_block() -> None:
    defs = build_definitions()
    job = defs.resolve_job_def("qcm_build")
    keys = {k.to_user_string() for k in job.asset_layer.executable_asset_keys}
    assert not keys & FETCHES and "published" in keys
    # the push to object storage is a job of its own, launched after a build by a sensor
    # an analyst starts (or by hand)
    assert "parquet_in_object_storage" not in keys
    push = defs.resolve_job_def("qcm_push").asset_layer.executable_asset_keys
    assert {k.to_user_string() for k in push} == {"parquet_in_object_storage"}
    sensor = next(s for s in defs.sensors if s.name == "push_after_build")
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
    specs = [spec for checks in defs.asset_checks for spec in checks.check_specs]
    assert len(specs) >= 50
    assert all(spec.blocking for spec in specs)


def test_the_ui_and_the_daemon_load_one_code_location_by_one_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Dagster keeps schedules' state per code location name: a schedule turned on in the
    # UI is on for the daemon only under the same name
    monkeypatch.chdir(REPO)  # where ./dev starts both
    ui_context = DgContext.for_project_environment(REPO, {})
    with create_temp_workspace_file(ui_context) as workspace:  # as ./dev ui's dg dev does
        (ui,) = location_origins_from_yaml_paths([workspace])
    # as ./dev daemon's dagster-daemon run -w workspace.yaml does
    (daemon,) = location_origins_from_yaml_paths([str(REPO / "workspace.yaml")])
    assert ui.location_name == daemon.location_name == "qcm"
    for origin in (ui, daemon):
        target = origin.loadable_target_origin
        assert (target.module_name, os.path.abspath(target.working_directory)) == (
            "pipelines.definitions",
            str(REPO),
        )


def stub_checkout(folder: Path) -> Path:
    """A copy of ``dev`` and ``dagster.yaml`` in ``folder`` beside an environment already
    made (uv does nothing) whose Dagster and qcm commands say how they were started: their
    arguments, DAGSTER_HOME, QCM_STATE and the folder they run in."""
    for made in (folder / ".tools" / "bin", folder / ".venv" / "bin"):
        made.mkdir(parents=True)
    for name in ("dev", "dagster.yaml"):
        shutil.copy2(REPO / name, folder / name)
    (folder / ".tools" / "bin" / "uv").write_text("#!/bin/sh\n")
    for name in ("dg", "dagster-daemon", "qcm"):
        (folder / ".venv" / "bin" / name).write_text(
            f'#!/bin/sh\necho "{name} $* | $DAGSTER_HOME | $QCM_STATE | $PWD"\n'
        )
    for stub in [*(folder / ".venv" / "bin").iterdir(), folder / ".tools" / "bin" / "uv"]:
        stub.chmod(0o755)
    # the environment's Python (it reads .env with python-dotenv, as Dagster does)
    (folder / ".venv" / "bin" / "python").symlink_to(sys.executable)
    return folder


def started(
    checkout: Path, command: str, caller: Path, env: dict[str, str], args: tuple[str, ...] = ()
) -> tuple[list[list[str]], str]:
    """What ``checkout``'s ``dev command`` (with ``args``) started from ``caller``: each
    stub's line, split into the command, DAGSTER_HOME, QCM_STATE and the folder it ran in;
    and what it wrote to stderr."""
    result = subprocess.run(
        [str(checkout / "dev"), command, *args],
        cwd=caller,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHON": sys.executable, **env},
    )
    assert result.returncode == 0, result.stderr
    return [line.split(" | ") for line in result.stdout.strip().splitlines()], result.stderr


@pytest.mark.parametrize(("command", "runs"), [("ui", "dg dev"), ("daemon", "dagster-daemon run")])
def test_dev_makes_a_relative_state_absolute_for_dagster(
    tmp_path: Path, command: str, runs: str
) -> None:
    checkout, caller = stub_checkout(tmp_path / "checkout"), tmp_path / "caller"
    caller.mkdir()
    (pools, dagster), _ = started(checkout, command, caller, {"QCM_STATE": "state"})
    # every concurrency pool limited first (`qcm pools`), in the same state
    assert pools[0] == "qcm pools" and dagster[0].startswith(runs)
    for _, home, state, _ in (pools, dagster):
        assert (home, state) == (str(caller / "state" / "dagster"), str(caller / "state"))
    assert (caller / "state" / "dagster" / "dagster.yaml").is_file()


def test_dev_takes_the_state_from_the_env_file_the_ui_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the UI's and the daemon's code load .env over the shell's variables: Dagster's home and
    # `qcm pools` follow its QCM_STATE (a relative one is the checkout's), read as Dagster
    # reads it (a comment after the value, CRLF line ends)
    checkout = stub_checkout(tmp_path / "checkout")
    (checkout / ".env").write_text(
        '# QCM_STATE=commented\r\nQCM_MODE=live\r\nQCM_STATE="kept" # the state\r\n'
    )
    kept = (str(checkout / "kept" / "dagster"), str(checkout / "kept"))
    monkeypatch.delenv("QCM_STATE", raising=False)
    lines, said = started(checkout, "ui", tmp_path, {})
    assert [(home, state) for _, home, state, _ in lines] == [kept, kept] and said == ""
    # a shell's other value is overridden, saying so
    shell = str(tmp_path / "shell")
    lines, said = started(checkout, "daemon", tmp_path, {"QCM_STATE": shell})
    assert [(home, state) for _, home, state, _ in lines] == [kept, kept]
    assert f"over the shell's {shell}" in said


@pytest.mark.parametrize("command", ["build", "qcm"])
def test_dev_runs_qcm_in_the_callers_folder(tmp_path: Path, command: str) -> None:
    # so that its relative paths (--out, --state ...) are the caller's, as QCM_STATE is
    checkout, caller = stub_checkout(tmp_path / "checkout"), tmp_path / "caller"
    caller.mkdir()
    args = ("--out", "rel-out")
    ((said, _, _, folder),), _ = started(checkout, command, caller, {}, args)
    assert said == ("qcm build " if command == "build" else "qcm ") + "--out rel-out"
    assert folder == str(caller)
