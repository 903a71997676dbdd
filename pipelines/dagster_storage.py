"""Dagster's SQLite storage as qcm configures it (``dagster.yaml``: ``storage: custom``):
the same files in the same layout as Dagster's default, with a SQLAlchemy engine and a
connection kept per event log database instead of both made for every statement.

Dagster's ``SqliteEventLogStorage`` makes a new engine for every connection it opens, and
it opens one or two for every event (a step writes about ten: start, log lines, its
materialization and check result, success), every pool slot claimed or freed, and every
read of an input's data version: about 70 a step. A new engine compiles each statement
afresh and initialises its dialect again, and a new SQLite connection opens the file and
reads its schema again. On this machine (2 cores; ``pipelines.dagster_floor``, 183 steps)
that was most of Dagster's own time per step: 7.9 s with a new engine and connection for
each use, 4.9 s with engines kept, 2.3 s with a connection kept as well.

So each kept engine also keeps one connection open between uses (SQLAlchemy's
``QueuePool``). A use while it is out (a check of a table, which Dagster does not
serialise) opens another and closes it after, as Dagster's ``NullPool`` does. An idle
connection holds no lock: each use is its own transaction, committed or rolled back when
it ends, so other processes reading or writing the same files (the UI, the daemon, a run
in its own process) see them as with Dagster's own storage. The files stay in the
journal mode Dagster gives them when it creates them (write-ahead logging), with SQLite's
default synchronous setting (a commit with ``synchronous = normal`` measured no faster
here). A forked child forgets the engines it inherited, unclosed (they are its parent's),
and makes its own.

``dagster.yaml`` gives the instance's folder as ``{env: DAGSTER_HOME}``, since a storage
is configured before it knows its instance; the event log refuses an instance made from
another folder, so events never land beside another instance's runs. Code that
opens an instance by its folder rather than through ``DAGSTER_HOME`` uses
``instance_at``.

Both classes lean on private parts of Dagster's SQLite storage (its per-database
connection and its lock, its folders, its set-up of a new database), as of the Dagster
pinned in ``uv.lock``; ``tests/unit/test_dagster_storage.py`` runs them against that
version, so an upgrade that changes those parts fails there rather than in a build.
"""

import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
from dagster._core.instance.ref import (
    _event_logs_directory,
    _runs_directory,
    _schedule_directory,
)
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME
from dagster._core.storage.runs import SqliteRunStorage
from dagster._core.storage.schedules import SqliteScheduleStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage
from dagster._serdes import ConfigurableClassData
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

KEPT_ENGINES = 8  # the index database's and the latest runs' (a run writes to its own)


class KeptEngineSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log (a database per run, and an index database), with one
    engine, and its connection, kept for each of the ``KEPT_ENGINES`` databases used
    last."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_lock = threading.RLock()
        super().__init__(base_dir, inst_data)
        _STORAGES.add(self)

    def _engine(self, shard: str) -> Engine:
        """The kept engine of database ``shard`` (a run id, or the index), made (and the
        database created, once per storage, as Dagster does) when it is not kept."""
        with self._engines_lock:
            engine = self._engines.get(shard)
            if engine is not None:
                self._engines.move_to_end(shard)
                return engine
            engine = create_engine(
                self.conn_string_for_shard(shard),
                poolclass=QueuePool,
                pool_size=1,
                max_overflow=-1,  # never wait for the kept connection: open another
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            self._engines[shard] = engine
            while len(self._engines) > KEPT_ENGINES:
                self._engines.popitem(last=False)[1].dispose()
            return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        """A connection to database ``shard`` in a transaction, as Dagster's, on a kept
        engine (Dagster's lock serialises this process's threads, as in Dagster's)."""
        with self._db_lock, self._engine(shard).connect() as conn, conn.begin():
            yield conn

    def register_instance(self, instance: dg.DagsterInstance) -> None:
        """Refuse an instance whose folder is not the one this event log was configured in
        (``DAGSTER_HOME`` not set to it): its events would land beside another's runs."""
        if os.path.realpath(self._base_dir) != os.path.realpath(
            _event_logs_directory(instance.root_directory)
        ):
            raise dg.DagsterInvariantViolationError(
                f"the Dagster instance in {instance.root_directory} is configured to keep its "
                f"event logs in {self._base_dir} (from DAGSTER_HOME): set DAGSTER_HOME to the "
                "instance's folder"
            )
        super().register_instance(instance)

    def has_table(self, table_name: str) -> bool:
        """Whether the index database holds ``table_name`` (asked before many queries)."""
        engine = self._engine(INDEX_SHARD_NAME)
        with engine.connect() as conn:
            return bool(engine.dialect.has_table(conn, table_name))

    def upgrade(self) -> None:
        """Dagster's migration of every database; the engines are made again after it."""
        super().upgrade()
        self._dispose_engines()

    def dispose(self) -> None:
        """Stop watching, as Dagster's, and let the kept engines go."""
        super().dispose()
        self._dispose_engines()

    def _dispose_engines(self) -> None:
        """Dispose of every kept engine and forget them."""
        with self._engines_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()

    def forget_inherited_engines(self) -> None:
        """In a forked child: forget every kept engine without closing its connections,
        which are the parent's (SQLite's connections must not cross a fork), and the
        locks (the engines' and Dagster's), which another of the parent's threads may have
        held."""
        self._engines_lock = threading.RLock()
        self._db_lock = threading.Lock()
        for engine in self._engines.values():
            engine.dispose(close=False)
        self._engines.clear()


# every event log storage of this process, for ``_forget_inherited_engines``
_STORAGES: "weakref.WeakSet[KeptEngineSqliteEventLogStorage]" = weakref.WeakSet()


def _forget_inherited_engines() -> None:
    """After a fork, in the child: every storage forgets the engines it inherited."""
    for storage in list(_STORAGES):
        storage.forget_inherited_engines()


os.register_at_fork(after_in_child=_forget_inherited_engines)


class QcmSqliteStorage(DagsterSqliteStorage):
    """Dagster's SQLite storage of the instance in folder ``base_dir`` (runs, event logs
    and schedules in the places Dagster's default puts them), with the event log of
    ``KeptEngineSqliteEventLogStorage``."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self.base_dir = base_dir
        self._run_storage = SqliteRunStorage.from_local(_runs_directory(base_dir))
        self._event_log_storage = KeptEngineSqliteEventLogStorage(_event_logs_directory(base_dir))
        self._schedule_storage = SqliteScheduleStorage.from_local(_schedule_directory(base_dir))
        self._inst_data = inst_data
        # DagsterStorage's own set-up; DagsterSqliteStorage's would make Dagster's event log
        super(DagsterSqliteStorage, self).__init__()

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: dict[str, Any]
    ) -> "QcmSqliteStorage":
        return cls.from_local(inst_data=inst_data, **config_value)


def instance_at(home: Path) -> dg.DagsterInstance:
    """The Dagster instance of folder ``home`` (made from its ``dagster.yaml``), with
    ``DAGSTER_HOME`` set to ``home`` while it is made (as ``dagster.yaml`` reads it) and
    then put back as it was. The caller disposes of it."""
    before = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)
    try:
        return dg.DagsterInstance.from_config(str(home))
    finally:
        if before is None:
            del os.environ["DAGSTER_HOME"]
        else:
            os.environ["DAGSTER_HOME"] = before
