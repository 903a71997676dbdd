"""indicators.frontier_institutions on hand-made works: an institution's credit, and the
name and country it is shown with when the works disagree (worked out by hand below)."""

from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.unit

SQL = Path(__file__).resolve().parents[2] / "sql" / "indicators" / "frontier_institutions.sql"

# work, authorships (position, institution, name, country), year 2024, approach photonic:
# W1: I1 "Inst A" USA alone -> I1 credit 1 (USA, "Inst A")
# W2: I1 "Inst A (DE)" DEU alone -> I1 credit 1 (DEU, "Inst A (DE)")
# W3: I1 "Inst A" USA and I2 "Inst B" FRA, one authorship each -> 0.5 each
# W4: I3 with no name, JPN alone -> I3 credit 1 (name null)
# W5: I3 "Inst C" JPN and I2 FRA -> 0.5 each
# I1: 1 + 1 + 0.5 = 2.5; its largest single-work credits tie at 1 (W1, W2), so the name
# is the first of theirs ("Inst A") and the country the first of theirs (DEU).
# I3: 1 + 0.5 = 1.5, shown with the name of its largest credit: none (null).
# I2: 0.5 + 0.5 = 1, FRA.
AUTHORSHIPS = [
    ("W1", 0, "I1", "Inst A", "USA"),
    ("W2", 0, "I1", "Inst A (DE)", "DEU"),
    ("W3", 0, "I1", "Inst A", "USA"),
    ("W3", 1, "I2", "Inst B", "FRA"),
    ("W4", 0, "I3", None, "JPN"),
    ("W5", 0, "I3", "Inst C", "JPN"),
    ("W5", 1, "I2", "Inst B", "FRA"),
]


def test_institutions_are_ranked_by_credit_and_named_by_their_largest_credit() -> None:
    con = duckdb.connect()
    for schema in ("staging", "core"):
        con.execute(f"create schema {schema}")
    con.execute(
        "create table staging.institutions (work_id varchar, position integer, "
        "institution_id varchar, institution_name varchar, country_iso3 varchar)"
    )
    con.executemany("insert into staging.institutions values (?, ?, ?, ?, ?)", AUTHORSHIPS)
    con.execute(
        "create table staging.authorships as select distinct work_id, position, "
        "1 as institutions_listed from staging.institutions"
    )
    con.execute(
        "create table staging.works as select distinct work_id, 2024 as publication_year "
        "from staging.institutions"
    )
    con.execute(
        "create table core.work_approaches as select distinct work_id, "
        "'photonic' as approach from staging.institutions"
    )
    con.execute(
        "create table core.patent_applicant_credits (priority_year integer, party_key "
        "varchar, name varchar, country_iso3 varchar, credit double, family_id varchar, "
        "family_scope varchar)"
    )
    con.execute("create table core.patent_family_approaches (family_id varchar, approach varchar)")
    rows = con.execute(
        "select rank, organisation_id, organisation, country_iso3, credit "
        f"from ({SQL.read_text()}) order by rank"
    ).fetchall()
    assert rows == [
        (1, "I1", "Inst A", "DEU", pytest.approx(2.5)),
        (2, "I3", None, "JPN", pytest.approx(1.5)),
        (3, "I2", "Inst B", "FRA", pytest.approx(1.0)),
    ]
