"""Shared test fixtures: the shared reference folder, a temporary DuckDB, settings."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.processes import OFFLINE, REPO, python_env

SHARED = (REPO / ".." / "shared").resolve()


def pytest_configure(config: pytest.Config) -> None:
    """No network in the tests: the guard in this process, and on ``PYTHONPATH`` for every
    process started from it (``tests/offline/sitecustomize.py``). Every build of the
    session is as of the day it started (``QCM_AS_OF``, unless set): a build over an
    earlier one's state after midnight would otherwise rebuild what reads the date
    (``pipelines.as_of``)."""
    os.environ["PYTHONPATH"] = python_env()["PYTHONPATH"]
    os.environ["QCM_AS_OF"] = os.environ.get("QCM_AS_OF") or date.today().isoformat()
    spec = importlib.util.spec_from_file_location("qcm_offline", OFFLINE / "sitecustomize.py")
    guard = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(guard)


@pytest.fixture
def shared_fixtures() -> Path:
    """``../shared/fixtures``; the test is skipped with the reason when it is absent."""
    path = SHARED / "fixtures"
    if not path.is_dir():
        pytest.skip(f"recorded real responses not available: {path} is absent")
    return path


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB connection with qcm's schemas and a run's default publication
    settings (``ref.publication_settings`` and ``core.small_numbers``: small numbers
    flagged), closed after the test."""
    from assets.reference.assets import PUBLICATION_SETTINGS, publication_settings
    from pipelines.db import replace_table
    from pipelines.settings import SQL_DIR

    connection = duckdb.connect()
    for schema in ("ref", "raw", "staging", "core", "indicators", "marts", "meta"):
        connection.execute(f"create schema {schema}")
    replace_table(connection, PUBLICATION_SETTINGS, publication_settings("flag"))
    connection.execute(
        "create table core.small_numbers as "
        + (SQL_DIR / "core" / "small_numbers.sql").read_text(encoding="utf-8")
    )
    yield connection
    connection.close()
