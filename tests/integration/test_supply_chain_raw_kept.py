"""The raw trade asset keeps its tables while the files, the parser and its inputs are
those they were parsed from, and parses every file again when one changes (the same
rows as a fresh state's parse); its contract checks pass each time. A file it cannot
read is quarantined, as the parse always did, not fatal."""

import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.reference.assets import reference_tables
from assets.supply_chain import assets as supply_assets
from assets.supply_chain.assets import RAW_KEY, RAW_TABLES, supply_chain_raw
from pipelines import parsing
from pipelines.checks import contract_checks
from pipelines.contracts import load_contracts
from pipelines.resources import QcmResource
from pipelines.settings import SQL_DIR

pytestmark = pytest.mark.integration

SAMPLE = Path(__file__).resolve().parents[2] / "assets" / "supply_chain" / "sample"


def parse_trade(folder: Path, state: Path) -> tuple[dict, list[str]]:
    """Materialise the reference tables and the raw trade tables (with their contract
    checks) from ``folder`` in ``state``: the raw asset's metadata and its log lines."""
    qcm = QcmResource(
        as_of=os.environ["QCM_AS_OF"],  # the session's day (tests/conftest.py)
        source_dirs=f"supply_chain={folder}",
        out_dir=str(state.with_name(state.name + "-out")),
        state_dir=str(state),
    )
    checks = contract_checks(RAW_KEY, RAW_TABLES, load_contracts(SQL_DIR))
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        [reference_tables, supply_chain_raw, checks], resources={"qcm": qcm}, instance=instance
    )
    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())
    [materialization] = result.asset_materializations_for_node("raw__supply_chain")
    logged = [
        entry.user_message
        for entry in instance.all_logs(result.run_id)
        if entry.dagster_event is None and entry.step_key == "raw__supply_chain"
    ]
    return {k: v.value for k, v in materialization.metadata.items()}, logged


def trade_rows(state: Path) -> dict[str, list]:
    """Every raw trade table of the working database in ``state``, rows sorted."""
    with duckdb.connect(str(state / "work" / "qcm.duckdb"), read_only=True) as con:
        return {
            table: sorted(con.execute(f"select * from {table}").fetchall(), key=repr)
            for table in RAW_TABLES
        }


def test_unchanged_files_are_kept_and_a_change_parses_them_all_again(tmp_path: Path) -> None:
    folder = tmp_path / "trade"
    folder.mkdir()
    files = sorted((SAMPLE / "supply_chain").glob("comtrade_*.json.gz"))[:6]
    for path in files:
        shutil.copyfile(path, folder / path.name)
    state = tmp_path / "state"

    first, _ = parse_trade(folder, state)
    assert first["kept"] is False and first["files"] == 6 and first["trade_records"] > 0
    parsed = trade_rows(state)

    second, logged = parse_trade(folder, state)
    assert second["kept"] is True
    assert {k: second[k] for k in RAW_TABLES} == {k: first[k] for k in RAW_TABLES}
    assert second["quarantine_reasons"] == first["quarantine_reasons"]
    assert trade_rows(state) == parsed
    assert not any("parsing" in line for line in logged)
    assert "kept, parsed before from the same files, parser and inputs" in logged[-1]

    (folder / files[0].name).unlink()  # one file gone: every file is parsed again
    third, logged = parse_trade(folder, state)
    assert third["kept"] is False and third["files"] == 5
    assert any("parsing 5 files" in line for line in logged)
    assert third["trade_records"] < first["trade_records"]
    fresh, _ = parse_trade(folder, tmp_path / "fresh")
    assert trade_rows(state) == trade_rows(tmp_path / "fresh")
    assert {k: third[k] for k in RAW_TABLES} == {k: fresh[k] for k in RAW_TABLES}


def test_a_file_that_cannot_be_read_is_quarantined_not_fatal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "trade"
    folder.mkdir()
    files = sorted((SAMPLE / "supply_chain").glob("comtrade_*.json.gz"))[:2]
    for path in files:
        shutil.copyfile(path, folder / path.name)
    locked = folder / files[0].name
    real = parsing.sha256_file

    def refusing(path: Path) -> str:
        if path == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    # the key's checksums and the parser's own both meet the refusal, as with a real file
    monkeypatch.setattr(supply_assets, "sha256_file", refusing)
    monkeypatch.setattr(parsing, "sha256_file", refusing)
    metadata, _ = parse_trade(folder, tmp_path / "state")
    assert metadata["kept"] is False and metadata["files"] == 2
    with duckdb.connect(str(tmp_path / "state" / "work" / "qcm.duckdb"), read_only=True) as con:
        quarantined = con.execute(
            "select source_file, reason from raw.trade_quarantine where reason = 'unreadable_file'"
        ).fetchall()
    assert quarantined == [(locked.name, "unreadable_file")]
