"""Shared test fixtures: the shared reference folder, a temporary DuckDB, settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()


@pytest.fixture
def shared_fixtures() -> Path:
    """``../shared/fixtures``; the test is skipped with the reason when it is absent."""
    path = SHARED / "fixtures"
    if not path.is_dir():
        pytest.skip(f"recorded real responses not available: {path} is absent")
    return path


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB connection with qcm's schemas, closed after the test."""
    connection = duckdb.connect()
    for schema in ("ref", "raw", "staging", "core", "indicators", "marts", "meta"):
        connection.execute(f"create schema {schema}")
    yield connection
    connection.close()
