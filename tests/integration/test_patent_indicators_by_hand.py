"""Every patent indicator on a tiny corpus of both services, worked out by hand.

Families (earliest priority year 2019 unless said):

- F100, EPO family 100: EP.3000100.A1 (search page 1) and US.11000100.B2 (page 2: one
  family over two pages); applicants ALPHA CORP [US] and BETA UNIV [DE]; G06N10/40,
  "Transmon qubit coupler" (superconducting by keyword). The same US patent also comes
  from PatentsView with one assignee and two inventors [DE, DE]: deduplicated on the
  family. International (EP, US). Applicants: USA 1/2, DEU 1/2. Inventors: DEU 1.
- F200, PatentsView only: grant 11000200 and its pre-grant publication 20200200200
  (same application 16/200200): one family, US only. GAMMA INC [US, type 2];
  H04L9/0852 (qkd); inventors [US, JP]. Applicants: USA 1. Inventors: USA 1/2, JPN 1/2.
- F300, EPO CN only: DELTA CO LTD [CN]; H10N60/12 "Superconducting wire joint": no
  quantum term, so out of scope.
- F400, EPO CN only: DELTA CO LTD [CN]; H10N60/12 "Superconducting qubit readout":
  in scope (superconducting by the CPC map). Applicants: CHN 1.
- F500, EPO CN only, no priority claim: EPSILON UNIV [CN]; H03L7/26 "Atomic clock with
  Rydberg atoms in optical tweezers": clocks only (no computing code, so the neutral-atom
  keywords do not apply); its year is the publication year, 2021.
- F700, EPO JP only: ZETA KK [JP]; only A01B1/00, a well-formed code outside the CPC
  map, titled "Quantum plough": out of scope (a quantum word alone never puts a family
  in scope).
- A withdrawn PatentsView patent (quarantined). (A page that is an HTML error body among
  these files stops the build: tests/integration/test_failed_build.py.)

2019, applicant counting, all families: world 3 (F100, F200, F400); USA 1.5, CHN 1,
DEU 0.5. International families: world 1 (F100); USA 1/2, DEU 1/2; China has none, so
the two rankings differ (China first among all families, absent among international).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.patent_bodies import epodoc_applicants, exchange_document, ops_search, pv_page, pv_patent

# one worker builds the shared by-hand release once and runs every test that reads it
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("byhand")]

F100_EP = exchange_document(
    applicants=epodoc_applicants("ALPHA CORP [US]", "BETA UNIV [DE]"),
    cpc=("G06N10/40",),
    number="3000100",
    family="100",
    priority="20190301",
    title="Transmon qubit coupler",
    abstract="A tunable coupler between two transmons.",
)
F100_US = exchange_document(
    applicants=epodoc_applicants("ALPHA CORP [US]", "BETA UNIV [DE]"),
    cpc=("G06N10/40",),
    number="11000100",
    office="US",
    kind="B2",
    family="100",
    priority="20190301",
    title="Transmon qubit coupler",
    abstract="A tunable coupler between two transmons.",
)
F300 = exchange_document(
    applicants=epodoc_applicants("DELTA CO LTD [CN]"),
    cpc=("H10N60/12",),
    number="110000300",
    office="CN",
    family="300",
    priority="20190505",
    title="Superconducting wire joint",
    abstract="A joint for superconducting wires.",
)
F400 = exchange_document(
    applicants=epodoc_applicants("DELTA CO LTD [CN]"),
    cpc=("H10N60/12",),
    number="110000400",
    office="CN",
    family="400",
    priority="20190606",
    title="Superconducting qubit readout",
    abstract="Readout of a Josephson device.",
)
F500 = exchange_document(
    applicants=epodoc_applicants("EPSILON UNIV [CN]"),
    cpc=("H03L7/26",),
    number="110000500",
    office="CN",
    family="500",
    priority=None,
    title="Atomic clock with Rydberg atoms in optical tweezers",
    abstract="A compact atomic frequency standard.",
)
F700 = exchange_document(
    applicants=epodoc_applicants("ZETA KK [JP]"),
    cpc=("A01B1/00",),
    number="2019000700",
    office="JP",
    family="700",
    priority="20190707",
    title="Quantum plough",
    abstract="A plough.",
)


def inventor(country: str) -> dict:
    return {"inventor_name_first": "I", "inventor_name_last": country, "inventor_country": country}


PV_F100 = pv_patent(
    patent_id="11000100",
    patent_title="Transmon qubit coupler",
    application=[{"application_id": "16/100100", "filing_date": "2019-09-01"}],
    foreign_priority=[{"filing_date": "2019-03-01", "foreign_country_filed": "EP"}],
    assignees=[
        {"assignee_type": "2", "assignee_organization": "ALPHA CORP", "assignee_country": "US"}
    ],
    inventors=[inventor("DE"), inventor("DE")],
    cpc_current=[{"cpc_group_id": "G06N10/40"}],
)
PV_F200 = pv_patent(
    patent_id="11000200",
    patent_title="Quantum key distribution receiver",
    patent_abstract="A receiver for quantum key distribution.",
    application=[{"application_id": "16/200200", "filing_date": "2019-06-01"}],
    foreign_priority=[],
    patent_earliest_application_date="2019-06-01",
    assignees=[
        {"assignee_type": "2", "assignee_organization": "GAMMA INC", "assignee_country": "US"}
    ],
    inventors=[inventor("US"), inventor("JP")],
    cpc_current=[{"cpc_group_id": "H04L9/0852"}],
)
PV_F200_PUB = {
    "document_number": 20200200200,
    "publication_title": "Quantum key distribution receiver",
    "publication_abstract": "A receiver for quantum key distribution.",
    "publication_date": "2020-12-01",
    "granted_pregrant_crosswalk": [{"patent_id": "11000200", "application_number": "16200200"}],
    "assignees": [
        {"assignee_type": "2", "assignee_organization": "GAMMA INC", "assignee_country": "US"}
    ],
    "inventors": [inventor("US"), inventor("JP")],
    "cpc_current": [{"cpc_group_id": "H04L9/0852"}],
}
PV_WITHDRAWN = pv_patent(patent_id="11000999", withdrawn=True)


def write_patents(source: Path) -> Path:
    """Write the hand-made patent responses (EPO OPS and PatentsView) into ``source``."""
    source.mkdir(parents=True)
    (source / "epo_search_p1.xml").write_text(
        ops_search(F100_EP, F300, F400, F700), encoding="utf-8"
    )
    (source / "epo_search_p2.xml").write_text(ops_search(F100_US, F500), encoding="utf-8")
    (source / "pv_patents.json").write_text(json.dumps(pv_page(PV_F100, PV_F200, PV_WITHDRAWN)))
    (source / "pv_publications.json").write_text(
        json.dumps(pv_page(PV_F200_PUB, key="publications"))
    )
    return source


@pytest.fixture(scope="module")
def db(byhand: tuple[Path, dict[str, Path]]) -> Iterator[duckdb.DuckDBPyConnection]:
    """The shared by-hand build's published file (tests.integration.conftest.byhand)."""
    connection = duckdb.connect(str(byhand[0] / "out" / "qcm.duckdb"), read_only=True)
    yield connection
    connection.close()


def value(
    db: duckdb.DuckDBPyConnection,
    entity: str,
    indicator: str,
    approach: str = "all",
    year: int = 2019,
    scope: str = "all",
    counting: str = "applicant",
) -> float | None:
    row = db.execute(
        "select value from marts.patent_indicators where entity_code = ? and indicator = ? "
        "and approach = ? and year = ? and family_scope = ? and counting = ?",
        [entity, indicator, approach, year, scope, counting],
    ).fetchone()
    return None if row is None else row[0]


def test_families_years_and_the_international_flag(db: duckdb.DuckDBPyConnection) -> None:
    rows = db.execute(
        "select family_id, priority_year, year_basis, offices, is_international, documents "
        "from marts.patent_families order by family_id"
    ).fetchall()
    assert rows == [
        ("100", 2019, "priority date", ["EP", "US"], True, 2),
        ("400", 2019, "priority date", ["CN"], False, 1),
        ("500", 2021, "publication date (no priority claim or filing date)", ["CN"], False, 1),
        ("US-APP-16200200", 2019, "filing date (no priority claim)", ["US"], False, 2),
    ]


def test_applicant_and_inventor_fractions(db: duckdb.DuckDBPyConnection) -> None:
    rows = db.execute(
        "select family_id, counting, country_iso3, fraction::double "
        "from marts.patent_family_country_fractions order by 1, 2, 3"
    ).fetchall()
    assert rows == [
        ("100", "applicant", "DEU", 0.5),
        ("100", "applicant", "USA", 0.5),
        ("100", "inventor", "DEU", 1.0),
        ("400", "applicant", "CHN", 1.0),
        ("400", "inventor", "ZZZ", 1.0),
        ("500", "applicant", "CHN", 1.0),
        ("500", "inventor", "ZZZ", 1.0),
        ("US-APP-16200200", "applicant", "USA", 1.0),
        ("US-APP-16200200", "inventor", "JPN", 0.5),
        ("US-APP-16200200", "inventor", "USA", 0.5),
    ]


def test_counts_and_world_shares_for_all_and_international_families(
    db: duckdb.DuckDBPyConnection,
) -> None:
    assert value(db, "WLD", "patent_families_whole") == 3
    assert value(db, "USA", "patent_families_fractional") == pytest.approx(1.5)
    assert value(db, "USA", "patent_families_whole") == 2
    assert value(db, "CHN", "patent_families_fractional") == pytest.approx(1.0)
    assert value(db, "USA", "patent_world_share") == pytest.approx(0.5)
    assert value(db, "DEU", "patent_world_share") == pytest.approx(1 / 6)
    assert value(db, "WLD", "patent_families_whole", scope="international") == 1
    assert value(db, "USA", "patent_world_share", scope="international") == pytest.approx(0.5)
    assert value(db, "CHN", "patent_families_whole", scope="international") is None
    # a bloc counts a family once: F100 has a US and a German applicant
    assert value(db, "NATO", "patent_families_whole") == 2
    assert value(db, "NATO", "patent_families_fractional") == pytest.approx(2.0)
    assert value(db, "JPN", "patent_families_fractional", counting="inventor") == pytest.approx(0.5)


def test_approaches_from_the_cpc_map_and_the_keywords(db: duckdb.DuckDBPyConnection) -> None:
    rows = db.execute(
        "select family_id, unnest(approaches) from marts.patent_families order by 1, 2"
    ).fetchall()
    assert rows == [
        ("100", "superconducting"),
        ("400", "superconducting"),
        ("500", "clocks"),
        ("US-APP-16200200", "qkd"),
    ]


def test_activity_index(db: duckdb.DuckDBPyConnection) -> None:
    # world: superconducting 2 of 3 families; China 1 of 1; USA 0.5 of 1.5
    assert value(db, "CHN", "patent_activity_index", "superconducting") == pytest.approx(1.5)
    assert value(db, "USA", "patent_activity_index", "superconducting") == pytest.approx(0.5)


def test_top_applicants_and_applicant_types(db: duckdb.DuckDBPyConnection) -> None:
    top = db.execute(
        "select rank, applicant, applicant_type, families_whole, families_fractional "
        "from marts.patent_top_applicants where entity_code = 'CHN' and approach = 'all' "
        "and family_scope = 'all' order by rank"
    ).fetchall()
    assert top == [
        (1, "DELTA CO LTD", "company", 1, 1.0),
        (2, "EPSILON UNIV", "university", 1, 1.0),
    ]
    types = dict(
        db.execute(
            "select applicant_type, share from marts.patent_applicant_types "
            "where entity_code = 'WLD' and approach = 'all' and year = 2019 "
            "and family_scope = 'all'"
        ).fetchall()
    )
    # ALPHA 1/2 + GAMMA 1 + DELTA 1 = 2.5 company; BETA UNIV 1/2 university; of 3
    assert types == pytest.approx({"company": 2.5 / 3, "university": 0.5 / 3})


def test_quarantine_and_provenance(db: duckdb.DuckDBPyConnection) -> None:
    reasons = db.execute(
        "select reason, record_id from meta.quarantine where source = 'patents' "
        "or source in ('epo_ops', 'patentsview')"
    ).fetchall()
    assert reasons == [("withdrawn_patent", "11000999")]
    services = dict(
        db.execute(
            "select source, count(*) from meta.source_files "
            "where source in ('epo_ops', 'patentsview') group by 1"
        ).fetchall()
    )
    assert services == {"epo_ops": 2, "patentsview": 2}
    run = db.execute("select patent_records, patent_families_in_scope from meta.runs").fetchone()
    assert run == (9, 4)
