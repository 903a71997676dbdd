"""The raw works asset, run twice on one working state, reads only what changed and ends
with the raw tables a fresh state's full read gives (and its contract checks pass)."""

import os
import sqlite3
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.bibliometric.assets import RAW_KEY, RAW_TABLES, openalex_raw
from assets.bibliometric.incremental import INGEST_TABLE
from assets.reference.assets import reference_tables
from pipelines import file_hashes
from pipelines.checks import contract_checks
from pipelines.contracts import load_contracts
from pipelines.resources import QcmResource
from pipelines.settings import SQL_DIR
from tests.integration.conftest import write_page
from tests.unit.test_duckdb_parse import work

pytestmark = pytest.mark.integration


def ingest(folder: Path, state: Path) -> dict:
    """Materialise the reference tables and the raw works (with every raw contract check)
    from ``folder`` in ``state``; the raw asset's metadata."""
    qcm = QcmResource(
        as_of=os.environ["QCM_AS_OF"],  # the session's day (tests/conftest.py)
        source_dirs=f"openalex={folder}",
        out_dir=str(state.with_name(state.name + "-out")),
        state_dir=str(state),
    )
    checks = contract_checks(RAW_KEY, RAW_TABLES, load_contracts(SQL_DIR))
    result = dg.materialize([reference_tables, openalex_raw, checks], resources={"qcm": qcm})
    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())
    [materialization] = result.asset_materializations_for_node("raw__openalex")
    return {k: v.value for k, v in materialization.metadata.items()}


def raw_rows(state: Path) -> dict[str, list]:
    """Every raw works table of the working database in ``state``, rows sorted."""
    with duckdb.connect(str(state / "work" / "qcm.duckdb"), read_only=True) as con:
        return {
            table: sorted(con.execute(f"select * from {table}").fetchall(), key=repr)
            for table in RAW_TABLES
            if table != INGEST_TABLE
        }


def test_a_second_ingest_reads_the_changes_and_matches_a_full_read(tmp_path: Path) -> None:
    folder = tmp_path / "works"
    write_page(folder, "a.json", [work(1), work(2, publication_year=2021)])
    write_page(folder, "b.json", [work(3), work(4, authorships=[{"countries": ["XX"]}])])
    write_page(folder, "c.json", [work(5, publication_year=2022)])
    first = ingest(folder, tmp_path / "state")
    assert (first["full_read"], first["files_read"], first["work_records"]) == (True, 3, 5)

    write_page(folder, "b.json", [work(3, title="Quantum dot spin qubits"), work(6)])
    (folder / "c.json").unlink()
    write_page(folder, "d.json", [work(7, publication_year=2024)])
    second = ingest(folder, tmp_path / "state")
    assert second["full_read"] is False
    assert (second["files_read"], second["files_kept"], second["files_dropped"]) == (2, 1, 2)
    assert second["work_records"] == 5

    fresh = ingest(folder, tmp_path / "fresh")
    assert fresh["full_read"] is True
    assert raw_rows(tmp_path / "state") == raw_rows(tmp_path / "fresh")


def test_a_second_ingest_hashes_only_the_files_that_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(file_hashes, "SETTLED_S", 0.0)  # files written a moment ago count
    monkeypatch.setattr(file_hashes, "_known", {})  # as a new process: nothing hashed yet
    hashed: list[str] = []
    real = file_hashes._digest

    def counting(path: Path) -> str:
        hashed.append(path.name)
        return real(path)

    monkeypatch.setattr(file_hashes, "_digest", counting)
    folder = tmp_path / "works"
    write_page(folder, "a.json", [work(1)])
    write_page(folder, "b.json", [work(2)])
    ingest(folder, tmp_path / "state")
    assert sorted(hashed) == ["a.json", "b.json"]
    with sqlite3.connect(tmp_path / "state" / file_hashes.STORE) as con:
        assert con.execute("select count(*) from hashes").fetchone() == (2,)
    assert file_hashes._store is None  # kept in the state's folder only while the run lasts

    monkeypatch.setattr(file_hashes, "_known", {})  # the next run's process
    hashed.clear()
    write_page(folder, "b.json", [work(2, title="Quantum dot spin qubits")])
    second = ingest(folder, tmp_path / "state")
    assert (second["files_read"], second["files_kept"]) == (1, 1)
    assert hashed == ["b.json"]  # a.json's hash was kept
