"""qcm's Dagster storage writes the files Dagster's default SQLite storage writes, keeps a
bounded number of engines with a connection each (locking nothing between uses, and not
shared with a forked child), and refuses an instance of another folder."""

import os
import shutil
import signal
import time
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import event, text

from pipelines.dagster_storage import KEPT_ENGINES, KeptEngineSqliteEventLogStorage, instance_at

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[2]


@dg.asset(check_specs=[dg.AssetCheckSpec("contract", asset="counted")])
def counted(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    context.log.info("counted 3 rows")
    return dg.MaterializeResult(
        metadata={"rows": 3},
        check_results=[dg.AssetCheckResult(passed=True, check_name="contract")],
    )


def _home(folder: Path, config: str | None = None) -> Path:
    """An instance folder with the repository's ``dagster.yaml``, or ``config``."""
    folder.mkdir(parents=True, exist_ok=True)
    if config is None:
        shutil.copyfile(REPO_ROOT / "dagster.yaml", folder / "dagster.yaml")
    else:
        (folder / "dagster.yaml").write_text(config, encoding="utf-8")
    return folder


def test_the_repository_configures_qcms_storage_in_dagsters_own_places(tmp_path: Path) -> None:
    home = _home(tmp_path / "dagster")
    instance = instance_at(home)
    try:
        assert isinstance(instance.event_log_storage, KeptEngineSqliteEventLogStorage)
        result = dg.materialize([counted], instance=instance)
    finally:
        instance.dispose()
    assert result.success
    assert (home / "history" / "runs.db").is_file()
    assert (home / "history" / "runs" / "index.db").is_file()
    assert (home / "history" / "runs" / f"{result.run_id}.db").is_file()


def test_what_it_writes_dagsters_default_storage_reads_and_the_other_way_round(
    tmp_path: Path,
) -> None:
    home = _home(tmp_path / "dagster")
    instance = instance_at(home)
    try:
        first = dg.materialize([counted], instance=instance).run_id
    finally:
        instance.dispose()

    _home(home, config="telemetry:\n  enabled: false\n")  # Dagster's default storage
    default = dg.DagsterInstance.from_config(str(home))
    try:
        assert not isinstance(default.event_log_storage, KeptEngineSqliteEventLogStorage)
        logged = [e.user_message for e in default.all_logs(first) if e.dagster_event is None]
        latest = default.get_latest_materialization_event(dg.AssetKey("counted"))
        second = dg.materialize([counted], instance=default).run_id
    finally:
        default.dispose()
    assert logged == ["counted 3 rows"]
    assert latest is not None and latest.run_id == first

    _home(home)
    instance = instance_at(home)
    try:
        runs = {run.run_id for run in instance.get_runs()}
        latest = instance.get_latest_materialization_event(dg.AssetKey("counted"))
        check = instance.event_log_storage.get_latest_asset_check_execution_by_key(
            [dg.AssetCheckKey(dg.AssetKey("counted"), "contract")]
        )
    finally:
        instance.dispose()
    assert runs == {first, second}
    assert latest is not None and latest.run_id == second
    assert check[dg.AssetCheckKey(dg.AssetKey("counted"), "contract")].run_id == second


def test_an_engine_is_kept_per_database_and_only_for_the_latest_ones(tmp_path: Path) -> None:
    storage = KeptEngineSqliteEventLogStorage(str(tmp_path / "runs"))
    try:
        with storage.index_connection():
            pass
        index_engine = storage._engines["index"]
        with storage.index_connection():
            pass
        assert storage._engines["index"] is index_engine  # the same engine again
        assert storage.has_table("event_logs")
        assert not storage.has_table("no_such_table")
        for number in range(KEPT_ENGINES + 2):
            with storage.run_connection(f"run{number}"):
                pass
        assert len(storage._engines) == KEPT_ENGINES
        assert "run0" not in storage._engines  # the least recently used went first
        with storage.run_connection("run0"):  # and is made again when needed
            pass
        assert "run0" in storage._engines
    finally:
        storage.dispose()
    assert storage._engines == {}


def test_a_connection_is_kept_per_database_and_a_use_while_it_is_out_opens_another(
    tmp_path: Path,
) -> None:
    storage = KeptEngineSqliteEventLogStorage(str(tmp_path / "runs"))
    opened: list[object] = []
    try:
        with storage.index_connection():
            pass
        pool = storage._engines["index"].pool
        event.listen(pool, "connect", lambda connection, record: opened.append(connection))
        for _ in range(3):
            with storage.index_connection() as connection:
                connection.execute(text("select 1"))
        assert opened == []  # the one kept connection served every use
        assert pool.checkedin() == 1
        with storage.index_connection():  # out: a check of a table (not under the lock)
            assert storage.has_table("event_logs")  # opens another instead of waiting
        assert len(opened) == 1
        assert pool.checkedin() == 1  # the other one was closed after its use
    finally:
        storage.dispose()


def test_a_kept_connection_locks_nothing_and_sees_what_others_write(tmp_path: Path) -> None:
    home = _home(tmp_path / "dagster")
    first = instance_at(home)
    try:
        dg.materialize([counted], instance=first)  # its connections stay open, idle
        other = instance_at(home)  # another storage: other connections, as another process
        try:
            second = dg.materialize([counted], instance=other).run_id
        finally:
            other.dispose()
        latest = first.get_latest_materialization_event(dg.AssetKey("counted"))
    finally:
        first.dispose()
    assert latest is not None and latest.run_id == second


def _exit_status(child: int, seconds: float) -> int | None:
    """The exit code of process ``child`` once it ends, or None (and the child killed)
    when it has not ended within ``seconds``: a child stuck on a lock fails the test
    instead of hanging the suite."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done, status = os.waitpid(child, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
    return None


def test_a_forked_child_makes_its_own_connections_and_leaves_the_parents(
    tmp_path: Path,
) -> None:
    home = _home(tmp_path / "dagster")
    instance = instance_at(home)
    try:
        run_id = dg.materialize([counted], instance=instance).run_id
        storage = instance.event_log_storage
        assert storage._engines
        storage._db_lock.acquire()  # as if another thread were writing an event at the fork
        child = os.fork()
        if child == 0:  # the child: report through its exit status only
            status = 1
            try:
                inherited = len(storage._engines)
                logged = [e.user_message for e in instance.all_logs(run_id) if not e.dagster_event]
                status = 0 if inherited == 0 and logged == ["counted 3 rows"] else 2
            finally:
                os._exit(status)
        storage._db_lock.release()
        status = _exit_status(child, seconds=30)
        assert status == 0
        logged = [e.user_message for e in instance.all_logs(run_id) if not e.dagster_event]
        assert logged == ["counted 3 rows"]  # the parent's kept connections still work
    finally:
        instance.dispose()


def test_an_instance_of_another_folder_than_dagster_home_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = _home(tmp_path / "dagster")
    monkeypatch.setenv("DAGSTER_HOME", str(_home(tmp_path / "elsewhere")))
    with pytest.raises(dg.DagsterInvariantViolationError, match="set DAGSTER_HOME"):
        dg.DagsterInstance.from_config(str(home))
    assert not (home / "history").exists() or not any((home / "history").rglob("*.db"))

    instance = instance_at(home)  # what instance_at is for
    instance.dispose()
    assert os.environ["DAGSTER_HOME"] == str(tmp_path / "elsewhere")  # put back


def test_instance_at_leaves_dagster_home_unset_when_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    instance = instance_at(_home(tmp_path / "dagster"))
    instance.dispose()
    assert "DAGSTER_HOME" not in os.environ
