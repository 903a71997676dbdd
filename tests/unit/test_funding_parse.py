"""The funding reader: formats told apart by content, and files it cannot use named."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb
import polars as pl
import pytest

from assets.funding.parse import parse_files, raw_files, scope_rule
from assets.funding.raw_tables import SCHEMAS as RAW_SCHEMAS
from assets.reference.tables import read_csv
from pipelines.db import replace_table
from pipelines.parsing import CountryCodes
from pipelines.settings import SQL_DIR
from tests import cordis_bodies, nsf_bodies, ukri_bodies

pytestmark = pytest.mark.unit
CODES = CountryCodes({"US": "USA", "DE": "DEU", "GB": "GBR", "GR": "GRC"}, frozenset({"SU"}))
ALIASES = {"EL": "GRC", "UK": "GBR"}
KEEP = scope_rule(r"\bquantum|\bqubits?\b", r"quantum (efficiency|yield)", r"quantum dots?")


def read(folder: Path):
    return parse_files(raw_files(folder), folder, CODES, ALIASES, 2027, KEEP)


def test_each_service_is_read_from_its_content(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(nsf_bodies.nsf_page(nsf_bodies.nsf_award())))
    (tmp_path / "b.json.gz").write_bytes(
        gzip.compress(json.dumps(ukri_bodies.page([ukri_bodies.project()])).encode())
    )
    (tmp_path / "c.xml").write_bytes(cordis_bodies.project_xml())
    (tmp_path / "d.zip").write_bytes(cordis_bodies.bulk_zip())
    batch = read(tmp_path)
    assert {f["source_file"]: f["source"] for f in batch.files} == {
        "a.json": "nsf",
        "b.json.gz": "ukri",
        "c.xml": "cordis",
        "d.zip": "cordis",
    }
    assert sorted(g["service"] for g in batch.grants) == ["cordis", "cordis", "nsf", "ukri"]


def test_files_it_cannot_use_are_quarantined_by_name(tmp_path: Path) -> None:
    (tmp_path / "error.json").write_text("<!doctype html><html><title>Error</title></html>")
    (tmp_path / "other.json").write_text(json.dumps({"results": []}))
    (tmp_path / "cut.json").write_text('{"response": {"award": [')
    (tmp_path / "broken.json.gz").write_bytes(b"\x1f\x8b not gzip")
    (tmp_path / "feed.xml").write_text("<rss><channel/></rss>")
    (tmp_path / "copy1.json").write_text(json.dumps(nsf_bodies.nsf_page(nsf_bodies.nsf_award())))
    (tmp_path / "copy2.json").write_bytes((tmp_path / "copy1.json").read_bytes())
    batch = read(tmp_path)
    status = {f["source_file"]: f["status"] for f in batch.files}
    for name in ("error.json", "other.json", "cut.json", "broken.json.gz", "feed.xml"):
        assert status[name] == "unreadable", name
    assert status["copy2.json"] == "duplicate of copy1.json"
    details = {q["source_file"]: q["detail"] for q in batch.quarantine}
    assert "neither an NSF" in details["other.json"]
    assert "not a CORDIS project" in details["feed.xml"]
    assert {q["reason"] for q in batch.quarantine} == {"unreadable_file"}
    assert len(batch.grants) == 1


def test_a_symlink_in_a_source_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text("{}")
    folder = tmp_path / "funding"
    folder.mkdir()
    (folder / "link.json").symlink_to(outside)
    with pytest.raises(ValueError, match="symbolic links"):
        raw_files(folder)


def test_the_scope_rule_reads_title_and_abstract() -> None:
    assert KEEP("Trapped-ion qubit arrays", None)
    assert KEEP(None, "We build a quantum memory.")
    assert not KEEP("Quantum efficiency of solar cells", None)
    # an excluded phrase is no quantum term, and takes no real one away
    assert KEEP("Single-photon detectors of high quantum efficiency for qubits", None)
    assert not KEEP("Soil microbiome", "Drought.")


@pytest.mark.parametrize(
    "text",
    [
        "Trapped-ion qubit arrays",
        "Quantum efficiency of solar cells",
        "Single-photon detectors of high quantum efficiency for qubits",
        "Quantum-dot displays of high quantum efficiency",
        "A quantum dot display panel comprising a quantum dot layer",
        "Quantum dot single-photon sources",
        "Soil microbiome",
    ],
)
def test_staging_grants_scopes_a_grant_as_the_reader_does(
    con: duckdb.DuckDBPyConnection, text: str
) -> None:
    """staging.grants' in_scope (its SQL, on one grant) and the reader's rule (which filters
    CORDIS archives while read) agree, with the real term and its exclusions."""
    methods = read_csv("methods.csv")
    con.register("_methods", methods)
    con.execute("create table ref.methods as select * from _methods")
    replace_table(con, "raw.grants", pl.DataFrame([{"service": "nsf", "grant_id": "1",
                  "title": text, "source_file": "f", "record_index": 0}],
                  schema=RAW_SCHEMAS["raw.grants"]))  # fmt: skip
    sql = (SQL_DIR / "staging" / "grants.sql").read_text(encoding="utf-8")
    (in_scope,) = con.execute(f"select in_scope from ({sql})").fetchone()
    value = dict(methods.select("key", "value").iter_rows())
    keep = scope_rule(
        value["patent_quantum_term_pattern"].removeprefix("(?i)"),
        value["patent_quantum_term_exclude"].removeprefix("(?i)"),
        value["patent_quantum_term_weak"].removeprefix("(?i)"),
    )
    assert in_scope is keep(text, None)
