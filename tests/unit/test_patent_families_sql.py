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
- US.10 (a grant) claims CN:9 and CN:10, its pre-grant publication US.2020/10 (the same
  application 100) only CN:9: both claim what their application claims, CN:10 and CN:9,
  and stay one family, US-PRIO-CN:10+CN:9; US.11 (application 110), claiming CN:9 alone,
  is another.
- US.12 and US.13 come from both services, in DOCDB families 120 and 130, both claiming
  KR:5; US.14, from PatentsView only, claims KR:5 too: it joins the smaller id, 120, and
  says the families conflict.
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
    ("r10", "patentsview", "10", None, "100", "CN:10 CN:9"),
    ("r10-pub", "patentsview", "2020/10", None, "100", "CN:9"),
    ("r11", "patentsview", "11", None, "110", "CN:9"),
    ("r12-epo", "epo_ops", "12", "120", None, None),
    ("r12-pv", "patentsview", "12", None, "121", "KR:5"),
    ("r13-epo", "epo_ops", "13", "130", None, None),
    ("r13-pv", "patentsview", "13", None, "131", "KR:5"),
    ("r14", "patentsview", "14", None, "140", "KR:5"),
]


def documents() -> dict[str, tuple[str, str, bool]]:
    """Each document's family, the basis of it and whether family ids conflict, as
    staging.patent_documents gives them."""
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
        key: (family, basis, conflict)
        for key, family, basis, conflict in con.execute(
            f"select document_key, family_id, family_basis, conflicting_family_ids from ({sql})"
        ).fetchall()
    }


def families() -> dict[str, tuple[str, str]]:
    """Each document's family and the basis of it."""
    return {key: (family, basis) for key, (family, basis, _) in documents().items()}


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


def test_the_documents_of_one_application_claim_what_all_of_them_list() -> None:
    found = families()
    basis = "US foreign priorities (no DOCDB family seen)"
    assert found["US.10"] == found["US.2020/10"] == ("US-PRIO-CN:10+CN:9", basis)
    assert found["US.11"] == ("US-PRIO-CN:9", basis)


def test_priorities_claimed_in_two_docdb_families_take_the_smaller_and_say_so() -> None:
    found = documents()
    assert found["US.12"] == ("120", "docdb", False)
    assert found["US.13"] == ("130", "docdb", False)
    assert found["US.14"] == ("120", "docdb via foreign priorities", True)
    assert not any(conflict for key, (_, _, conflict) in found.items() if key != "US.14")


def test_a_us_document_claiming_no_foreign_priority_is_a_family_with_its_application() -> None:
    assert families()["US.6"] == ("US-APP-66", "US application (no DOCDB family seen)")
