"""The patent family of each document (staging.patent_documents) on hand-made records,
worked out by hand below: which family a US document joins when no EPO record names its
own.

- US.1 comes from both services: EPO puts it in DOCDB family 100; PatentsView lists its
  foreign priority JP:2019001. US.2, from PatentsView only (another US application),
  claims the same priority: it joins family 100 ('docdb via foreign priorities').
- US.3 and US.4 (two US applications, PatentsView only) claim the same two foreign
  priorities: one family, US-PRIO-DE:1+KR:2.
- US.5 (a grant) claims CN:9; its pre-grant publication US.2020/5 (the same application
  55) lists none: both in family US-PRIO-CN:9.
- US.6 claims nothing (application 66): its family is its application, US-APP-66.
- US.7 claims JP:7, US.8 claims JP:7 and JP:8: not the same priorities, two families.
- US.9 is from EPO only, in DOCDB family 900: its family whatever else is seen.
"""

from pathlib import Path

import duckdb
import polars as pl
import pytest

from assets.patents.raw_tables import SCHEMAS
from pipelines.db import replace_table

pytestmark = pytest.mark.unit

SQL = Path(__file__).resolve().parents[2] / "sql"

# record key, service, number, DOCDB family (EPO), US application, foreign priorities
RECORDS = [
    ("r1-epo", "epo_ops", "1", "100", None, None),
    ("r1-pv", "patentsview", "1", None, "11", "JP:2019001"),
    ("r2", "patentsview", "2", None, "22", "JP:2019001"),
    ("r3", "patentsview", "3", None, "33", "DE:1 KR:2"),
    ("r4", "patentsview", "4", None, "44", "DE:1 KR:2"),
    ("r5", "patentsview", "5", None, "55", "CN:9"),
    ("r5-pub", "patentsview", "2020/5", None, "55", None),
    ("r6", "patentsview", "6", None, "66", None),
    ("r7", "patentsview", "7", None, "77", "JP:7"),
    ("r8", "patentsview", "8", None, "88", "JP:7 JP:8"),
    ("r9", "epo_ops", "9", "900", None, None),
]


def families() -> dict[str, tuple[str, str]]:
    """Each document's family and the basis of it, as staging.patent_documents gives them."""
    con = duckdb.connect()
    for schema in ("raw", "staging"):
        con.execute(f"create schema {schema}")
    schema = SCHEMAS["raw.patent_documents"]
    rows = [
        {"record_key": key, "document_id": f"US.{number}", "service": service, "office": "US",
         "number_key": number, "family_id": family, "application_number": application,
         "foreign_priorities": priorities, "has_biblio": True}
        for key, service, number, family, application, priorities in RECORDS
    ]  # fmt: skip
    frame = pl.DataFrame([{c: row.get(c) for c in schema} for row in rows], schema=schema)
    replace_table(con, "raw.patent_documents", frame)
    sql = (SQL / "staging" / "patent_documents.sql").read_text(encoding="utf-8")
    return {
        key: (family, basis)
        for key, family, basis in con.execute(
            f"select document_key, family_id, family_basis from ({sql})"
        ).fetchall()
    }


def test_a_us_document_joins_the_docdb_family_of_one_claiming_the_same_priorities() -> None:
    found = families()
    assert found["US.1"] == ("100", "docdb")
    assert found["US.2"] == ("100", "docdb via foreign priorities")
    assert found["US.9"] == ("900", "docdb")


def test_us_documents_claiming_the_same_priorities_are_one_family() -> None:
    found = families()
    basis = "US foreign priorities (no DOCDB family seen)"
    assert found["US.3"] == found["US.4"] == ("US-PRIO-DE:1+KR:2", basis)
    # a pre-grant publication listing no priority takes those of its application
    assert found["US.5"] == found["US.2020/5"] == ("US-PRIO-CN:9", basis)
    assert found["US.7"] == ("US-PRIO-JP:7", basis)
    assert found["US.8"] == ("US-PRIO-JP:7+JP:8", basis)


def test_a_us_document_claiming_no_foreign_priority_is_a_family_with_its_application() -> None:
    assert families()["US.6"] == ("US-APP-66", "US application (no DOCDB family seen)")
