"""indicators.frontier_institutions on hand-made works and patent families: an
organisation's credit, and the name and country it is shown with when its records disagree
(worked out by hand below)."""

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
# W6: I4 "Inst D" with no country alone -> I4 credit 1; W7: I4 "Inst D" KOR with I5 "Inst E"
#     KOR -> 0.5 each
# I1: 1 + 1 + 0.5 = 2.5, recorded as ("Inst A", USA) 1.5 and ("Inst A (DE)", DEU) 1: shown
#     as "Inst A", USA, where most of its credit is.
# I3: 1 + 0.5 = 1.5; the unnamed record has more credit, but a name beats none: "Inst C".
# I4: 1 + 0.5 = 1.5; the countryless record has more credit, but a country beats none: KOR.
# I2: 0.5 + 0.5 = 1, FRA. I5: 0.5, KOR.
AUTHORSHIPS = [
    ("W1", 0, "I1", "Inst A", "USA"),
    ("W2", 0, "I1", "Inst A (DE)", "DEU"),
    ("W3", 0, "I1", "Inst A", "USA"),
    ("W3", 1, "I2", "Inst B", "FRA"),
    ("W4", 0, "I3", None, "JPN"),
    ("W5", 0, "I3", "Inst C", "JPN"),
    ("W5", 1, "I2", "Inst B", "FRA"),
    ("W6", 0, "I4", "Inst D", None),
    ("W7", 0, "I4", "Inst D", "KOR"),
    ("W7", 1, "I5", "Inst E", "KOR"),
]

# family, applicant key, name, country (ZZZ: unknown), credit (the applicant's share of the
# family), priority year 2024, approach photonic:
# P1: ("Acme Corp", USA) 1 + 0.5 = 1.5 and ("ACME CORP.", DEU) 1: "Acme Corp", USA, 2.5.
# P2: ("Beta", unknown) 0.5 + 0.5 = 1 and ("BETA", CHE) 0.25: a known country beats none,
#     so "BETA", CHE, 1.25.
# P3: ("Gamma", unknown) 0.5: no country (null, not ZZZ), 0.5.
APPLICANTS = [
    ("F1", "ACME CORP", "Acme Corp", "USA", 1.0),
    ("F2", "ACME CORP", "ACME CORP.", "DEU", 1.0),
    ("F3", "ACME CORP", "Acme Corp", "USA", 0.5),
    ("F3", "BETA", "Beta", "ZZZ", 0.5),
    ("F4", "BETA", "Beta", "ZZZ", 0.5),
    ("F4", "GAMMA", "Gamma", "ZZZ", 0.5),
    ("F5", "BETA", "BETA", "CHE", 0.25),
]


def frontier_institutions() -> list[tuple]:
    """The SQL's rows for ``AUTHORSHIPS`` and ``APPLICANTS``: family, rank, organisation id,
    name, country and credit."""
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
        "create table core.patent_applicant_credits (family_id varchar, party_key varchar, "
        "name varchar, country_iso3 varchar, credit decimal(38, 18), priority_year integer, "
        "family_scope varchar)"
    )
    con.executemany(
        "insert into core.patent_applicant_credits values (?, ?, ?, ?, ?, 2024, 'all')",
        APPLICANTS,
    )
    con.execute(
        "create table core.patent_family_approaches as select distinct family_id, "
        "'photonic' as approach from core.patent_applicant_credits"
    )
    return con.execute(
        "select family, rank, organisation_id, organisation, country_iso3, credit "
        f"from ({SQL.read_text()}) order by family, rank"
    ).fetchall()


def test_institutions_are_shown_where_most_of_their_credit_is() -> None:
    rows = [row[1:] for row in frontier_institutions() if row[0] == "publications"]
    assert rows == [
        (1, "I1", "Inst A", "USA", pytest.approx(2.5)),
        (2, "I3", "Inst C", "JPN", pytest.approx(1.5)),
        (3, "I4", "Inst D", "KOR", pytest.approx(1.5)),
        (4, "I2", "Inst B", "FRA", pytest.approx(1.0)),
        (5, "I5", "Inst E", "KOR", pytest.approx(0.5)),
    ]


def test_applicants_are_shown_where_most_of_their_credit_is() -> None:
    rows = [row[1:] for row in frontier_institutions() if row[0] == "patents"]
    assert rows == [
        (1, "ACME CORP", "Acme Corp", "USA", pytest.approx(2.5)),
        (2, "BETA", "BETA", "CHE", pytest.approx(1.25)),
        (3, "GAMMA", "Gamma", None, pytest.approx(0.5)),
    ]
