"""The patent party tables on hand-made records (worked out by hand below): which record
names a family's applicants, the key that makes one applicant's spellings meet, and the
credit of a family that names no applicant.

Families (all in scope, priority year 2011, none international):

- F1 has two records. Its US record from DOCDB (filed before 16 September 2012) lists the
  inventors as applicants, with their countries, beside the owner NORTHWIND QUANTUM LTD
  with none; its EP record lists only the owner, with none. The inventors listed as
  applicants are no sign of a known owner country, so the EP record (the office ranked
  first) names the applicants: NORTHWIND QUANTUM LTD, ZZZ, credit 1. (Counting them, the
  US record won: three inventors of the USA at 1/4 each.)
- F2 (EPO): COHERTRON KK [JP] and UNIV NORTHFIELD [US]. F3 (PatentsView): "Cohertron
  K.K." and "University of Northfield". One key for each applicant across both:
  COHERTRON KK (K.K. = KK) and UNIV NORTHFIELD (UNIVERSITY = UNIV, OF left out).
- F4 (PatentsView): an unassigned patent, no applicant: its whole credit to an unknown
  applicant ('(no applicant)', ZZZ, unknown type), as its country fractions give it.
- F5: an individual's patent. Its US record from DOCDB lists the owner, SMITH JOHN [US],
  who is also its inventor; its PatentsView record lists no assignee. The record naming
  an applicant stands for the family, though neither names one of known country: SMITH
  JOHN, USA, an individual, credit 1 (not the unknown applicant).
- F6: as F1, the inventor listed as an applicant spelt otherwise among the inventors
  ("SMITH, JANE" for SMITH JANE [US]): the same person, so the EP record names the
  applicants: ACME LTD, ZZZ, credit 1.
"""

from pathlib import Path

import duckdb
import polars as pl
import pytest

from assets.patents.raw_tables import SCHEMAS
from assets.reference.tables import reference_frames
from pipelines.db import replace_table

pytestmark = pytest.mark.unit

SQL = Path(__file__).resolve().parents[2] / "sql"

# record key, service, office, family
RECORDS = [
    ("r-us", "epo_ops", "US", "F1"),
    ("r-ep", "epo_ops", "EP", "F1"),
    ("r-f2", "epo_ops", "EP", "F2"),
    ("r-f3", "patentsview", "US", "F3"),
    ("r-f4", "patentsview", "US", "F4"),
    ("r-f5-us", "epo_ops", "US", "F5"),
    ("r-f5-pv", "patentsview", "US", "F5"),
    ("r-f6-us", "epo_ops", "US", "F6"),
    ("r-f6-ep", "epo_ops", "EP", "F6"),
]
# record key, position, name, country
APPLICANTS = [
    ("r-us", 0, "CARTER ANNA", "USA"),
    ("r-us", 1, "FOSTER DAVID", "USA"),
    ("r-us", 2, "REID ROBERT", "USA"),
    ("r-us", 3, "NORTHWIND QUANTUM LTD", "ZZZ"),
    ("r-ep", 0, "NORTHWIND QUANTUM LTD", "ZZZ"),
    ("r-f2", 0, "COHERTRON KK", "JPN"),
    ("r-f2", 1, "UNIV NORTHFIELD", "USA"),
    ("r-f3", 0, "Cohertron K.K.", "JPN"),
    ("r-f3", 1, "University of Northfield", "USA"),
    ("r-f5-us", 0, "SMITH JOHN", "USA"),
    ("r-f6-us", 0, "SMITH JANE", "USA"),
    ("r-f6-us", 1, "ACME LTD", "ZZZ"),
    ("r-f6-ep", 0, "ACME LTD", "ZZZ"),
]
INVENTORS = [
    ("r-us", 0, "CARTER ANNA", "USA"),
    ("r-us", 1, "FOSTER DAVID", "USA"),
    ("r-us", 2, "REID ROBERT", "USA"),
    ("r-ep", 0, "CARTER ANNA", "USA"),
    ("r-f4", 0, "Laura Doyle", "USA"),
    ("r-f5-us", 0, "SMITH JOHN", "USA"),
    ("r-f5-pv", 0, "John Smith", "USA"),
    ("r-f6-us", 0, "SMITH, JANE", "USA"),
]


def _frame(table: str, rows: list[dict]) -> pl.DataFrame:
    """``rows`` as a frame of the raw table's schema (absent columns null)."""
    schema = SCHEMAS[table]
    return pl.DataFrame([{c: row.get(c) for c in schema} for row in rows], schema=schema)


def _run(con: duckdb.DuckDBPyConnection, table: str) -> None:
    schema, name = table.split(".")
    sql = (SQL / schema / f"{name}.sql").read_text(encoding="utf-8")
    con.execute(f"create table {table} as {sql}")


def built() -> duckdb.DuckDBPyConnection:
    """A database of the records above, with the party tables and the applicant credits
    built by their SQL."""
    con = duckdb.connect()
    for schema in ("raw", "ref", "staging", "core", "indicators"):
        con.execute(f"create schema {schema}")
    frames = reference_frames()
    for table in (
        "ref.patent_applicant_type_rules",
        "ref.patentsview_assignee_types",
        "ref.patent_name_words",
    ):
        replace_table(con, table, frames[table])
    documents = [
        {"record_key": key, "document_id": key, "service": service, "office": office,
         "number_key": key, "family_id": family, "has_biblio": True}
        for key, service, office, family in RECORDS
    ]  # fmt: skip
    replace_table(con, "raw.patent_documents", _frame("raw.patent_documents", documents))
    for table, rows in (("raw.patent_applicants", APPLICANTS), ("raw.patent_inventors", INVENTORS)):
        parties = [
            {"record_key": key, "document_id": key, "position": position, "name": name,
             "country_iso3": country}
            for key, position, name, country in rows
        ]  # fmt: skip
        replace_table(con, table, _frame(table, parties))
    con.execute(
        "create table staging.patent_documents as select distinct office, number_key, "
        "family_id, number_key as document_key from raw.patent_documents"
    )
    con.execute(
        "create table staging.patent_families as select distinct family_id, "
        "2011 as priority_year, false as is_international from raw.patent_documents"
    )
    con.execute(
        "create table core.patent_family_approaches as "
        "select distinct family_id, 'all' as approach from raw.patent_documents"
    )
    for table in (
        "staging.patent_document_records",
        "staging.patent_parties",
        "core.patent_applicant_credits",
    ):
        _run(con, table)
    return con


def credits() -> list[tuple]:
    """core.patent_applicant_credits of the families above (scope all): family, key,
    name, country, type and credit."""
    return (
        built()
        .execute(
            "select family_id, party_key, name, country_iso3, applicant_type, credit::double "
            "from core.patent_applicant_credits where family_scope = 'all' order by all"
        )
        .fetchall()
    )


def test_inventors_listed_as_applicants_do_not_choose_the_record_of_the_applicants() -> None:
    rows = [row for row in credits() if row[0] == "F1"]
    assert rows == [("F1", "NORTHWIND QUANTUM LTD", "NORTHWIND QUANTUM LTD", "ZZZ", "company", 1.0)]


def test_a_record_naming_an_applicant_stands_for_the_family_before_one_naming_none() -> None:
    rows = [row for row in credits() if row[0] == "F5"]
    assert rows == [("F5", "SMITH JOHN", "SMITH JOHN", "USA", "individual", 1.0)]


def test_an_inventor_is_known_as_an_applicant_whatever_the_punctuation_of_the_name() -> None:
    rows = [row for row in credits() if row[0] == "F6"]
    assert rows == [("F6", "ACME LTD", "ACME LTD", "ZZZ", "company", 1.0)]


def test_one_applicants_spellings_in_both_services_meet_in_one_key() -> None:
    rows = [row for row in credits() if row[0] in ("F2", "F3")]
    assert [(family, key, credit) for family, key, _, _, _, credit in rows] == [
        ("F2", "COHERTRON KK", 0.5),
        ("F2", "UNIV NORTHFIELD", 0.5),
        ("F3", "COHERTRON KK", 0.5),
        ("F3", "UNIV NORTHFIELD", 0.5),
    ]
    # the names stay as each record gives them, and so do their types
    assert {(name, kind) for _, _, name, _, kind, _ in rows} == {
        ("COHERTRON KK", "company"),
        ("Cohertron K.K.", "company"),
        ("UNIV NORTHFIELD", "university"),
        ("University of Northfield", "university"),
    }


def test_a_family_that_names_no_applicant_keeps_its_credit_as_an_unknown_applicant() -> None:
    rows = [row for row in credits() if row[0] == "F4"]
    assert rows == [("F4", "(no applicant)", None, "ZZZ", "unknown", 1.0)]
    # counted in the shares of applicant types, never ranked as an applicant
    con = built()
    _run(con, "indicators.patent_top_applicants")
    ranked = con.execute(
        "select applicant, families_fractional from indicators.patent_top_applicants "
        "where entity_code = 'WLD' and family_scope = 'all' order by rank"
    ).fetchall()
    assert ranked == [
        ("COHERTRON KK", 1.0),
        ("UNIV NORTHFIELD", 1.0),
        ("ACME LTD", 1.0),
        ("NORTHWIND QUANTUM LTD", 1.0),
        ("SMITH JOHN", 1.0),
    ]
