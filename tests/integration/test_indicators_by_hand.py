"""Every bibliometric indicator on a tiny corpus whose values are worked out by hand.

The corpus (publication year 2020 unless said; countries per authorship):

- W1 "Transmon qubits with long coherence" (superconducting), 10 citations, fwci 1.0:
  A1 [US, at a company], A2 [DE, FR]  -> USA 1/2, DEU 1/4, FRA 1/4
- W2 "Trapped-ion entangling gates" (trapped_ion), 0 citations, fwci 0.5:
  A1 [US]                              -> USA 1
- W3 "Entanglement entropy of spin chains" (unclassified), 5 citations, no fwci:
  A1 [no country], A2 [CN]             -> ZZZ 1/2, CHN 1/2
- W4 "Transmon readout for trapped-ion hybrid links" (superconducting and trapped_ion),
  3 citations, fwci 2.0: A1 [CN], A2 [CN], A3 [GB], A4 [institution in GB, no countries
  list, company]                      -> CHN 1/2, GBR 1/2
- W5, 2015, "A transmon" (superconducting): A1 [US] -> USA 1
- W1 again on a second page (a duplicate), and W9 merged into W2 (an old id).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.integration.conftest import write_page

# one worker builds the shared by-hand release once and runs every test that reads it
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("byhand")]


def inst(country: str | None, kind: str = "education") -> dict:
    """One institution per country and type, as in OpenAlex, where an institution has one
    country (its id numbers the country's two letters)."""
    place = 0 if country is None else (ord(country[0]) - 64) * 27 + ord(country[1]) - 64
    number = place * 10 + (kind == "company")
    return {
        "id": f"https://openalex.org/I{number}",
        "display_name": f"X{number}",
        "country_code": country,
        "type": kind,
    }


def author(countries: list[str], institutions: list[dict] | None = None) -> dict:
    return {
        "author": {"id": "https://openalex.org/A1"},
        "countries": countries,
        "institutions": institutions if institutions is not None else [inst(c) for c in countries],
    }


def w(
    work_id: str, title: str, year: int, cited: int, fwci: float | None, authorships: list[dict]
) -> dict:
    return {
        "id": f"https://openalex.org/{work_id}",
        "title": title,
        "publication_year": year,
        "cited_by_count": cited,
        "fwci": fwci,
        "authorships": authorships,
        "topics": [],
    }


W1 = w(
    "W1",
    "Transmon qubits with long coherence",
    2020,
    10,
    1.0,
    [author(["US"], [inst("US", "company")]), author(["DE", "FR"])],
)
W2 = w("W2", "Trapped-ion entangling gates", 2020, 0, 0.5, [author(["US"])])
W3 = w(
    "W3",
    "Entanglement entropy of spin chains",
    2020,
    5,
    None,
    [author([], [inst(None)]), author(["CN"])],
)
W4 = w(
    "W4",
    "Transmon readout for trapped-ion hybrid links",
    2020,
    3,
    2.0,
    [
        author(["CN"]),
        author(["CN"]),
        author(["GB"]),
        {"author": {}, "institutions": [inst("GB", "company")]},
    ],
)
W5 = w("W5", "A transmon", 2015, 1, None, [author(["US"])])
W9 = dict(W2, id="https://openalex.org/W9")


def write_works(source: Path) -> Path:
    """Write the hand-made works (two pages and a merged-ids file) into ``source``."""
    write_page(source, "page1.json", [W1, W2, W3])
    write_page(source, "page2.json", [W4, W5, W1, W9])
    (source / "merged_ids_works.csv").write_text("merge_date,id,merge_into_id\n2026-01-01,W9,W2\n")
    return source


@pytest.fixture(scope="module")
def db(byhand: tuple[Path, dict[str, Path]]) -> Iterator[duckdb.DuckDBPyConnection]:
    """The shared by-hand build's published file (tests.integration.conftest.byhand)."""
    connection = duckdb.connect(str(byhand[0] / "out" / "qcm.duckdb"), read_only=True)
    yield connection
    connection.close()


def value(
    db: duckdb.DuckDBPyConnection, entity: str, approach: str, year: int, indicator: str
) -> float:
    row = db.execute(
        "select value from marts.publication_indicators where entity_code = ? and approach = ? "
        "and year = ? and indicator = ?",
        [entity, approach, year, indicator],
    ).fetchone()
    assert row is not None, (entity, approach, year, indicator)
    return row[0]


def test_fractions_per_work(db: duckdb.DuckDBPyConnection) -> None:
    rows = db.execute(
        "select work_id, country_iso3, fraction from marts.work_country_fractions order by 1, 2"
    ).fetchall()
    assert [(w_, c, round(f, 9)) for w_, c, f in rows] == [
        ("W1", "DEU", 0.25),
        ("W1", "FRA", 0.25),
        ("W1", "USA", 0.5),
        ("W2", "USA", 1.0),
        ("W3", "CHN", 0.5),
        ("W3", "ZZZ", 0.5),
        ("W4", "CHN", 0.5),
        ("W4", "GBR", 0.5),
        ("W5", "USA", 1.0),
    ]


def test_duplicates_and_merged_ids_collapse(db: duckdb.DuckDBPyConnection) -> None:
    assert db.execute("select works_in_scope, work_records from meta.runs").fetchone() == (5, 7)


def test_counts_and_world_share(db: duckdb.DuckDBPyConnection) -> None:
    assert value(db, "USA", "all", 2020, "publications_whole") == 2
    assert value(db, "USA", "all", 2020, "publications_fractional") == pytest.approx(1.5)
    assert value(db, "USA", "all", 2020, "world_share") == pytest.approx(1.5 / 4)
    assert value(db, "CHN", "all", 2020, "world_share") == pytest.approx(1.0 / 4)
    assert value(db, "ZZZ", "all", 2020, "publications_fractional") == pytest.approx(0.5)
    assert value(db, "WLD", "all", 2020, "publications_whole") == 4


def test_blocs_are_computed_from_records(db: duckdb.DuckDBPyConnection) -> None:
    # NATO: W1 (USA+DEU+FRA = 1), W2 (1), W4 (GBR 1/2); counted once per work
    assert value(db, "NATO", "all", 2020, "publications_whole") == 3
    assert value(db, "NATO", "all", 2020, "publications_fractional") == pytest.approx(2.5)
    # EU27: W1 only (DEU + FRA = 1/2)
    assert value(db, "EU27", "all", 2020, "publications_whole") == 1
    assert value(db, "EU27", "all", 2020, "publications_fractional") == pytest.approx(0.5)


def test_top10_share_and_pp_top10(db: duckdb.DuckDBPyConnection) -> None:
    # 4 works in 2020: only W1 has fewer than 0.4 works cited more than it
    assert value(db, "WLD", "all", 2020, "top10_share_of_world") == pytest.approx(1.0)
    assert value(db, "USA", "all", 2020, "top10_share_of_world") == pytest.approx(0.5)
    assert value(db, "USA", "all", 2020, "pp_top10") == pytest.approx(0.5 / 1.5)
    assert value(db, "DEU", "all", 2020, "pp_top10") == pytest.approx(1.0)
    assert value(db, "CHN", "all", 2020, "pp_top10") == 0


def test_mean_fwci_is_fraction_weighted_over_works_with_fwci(db: duckdb.DuckDBPyConnection) -> None:
    assert value(db, "USA", "all", 2020, "mean_fwci") == pytest.approx((0.5 * 1.0 + 1 * 0.5) / 1.5)
    assert value(db, "CHN", "all", 2020, "mean_fwci") == pytest.approx(2.0)


def test_activity_index(db: duckdb.DuckDBPyConnection) -> None:
    # superconducting 2020: W1 and W4; world share of the approach = 2/4
    assert value(db, "USA", "superconducting", 2020, "activity_index") == pytest.approx(
        (0.5 / 1.5) / 0.5
    )
    assert value(db, "CHN", "superconducting", 2020, "activity_index") == pytest.approx(
        (0.5 / 1.0) / 0.5
    )
    assert value(db, "GBR", "superconducting", 2020, "activity_index") == pytest.approx(2.0)


def test_growth(db: duckdb.DuckDBPyConnection) -> None:
    assert value(db, "USA", "all", 2020, "growth_5y_cagr") == pytest.approx(math.pow(1.5, 0.2) - 1)


def test_international_collaboration(db: duckdb.DuckDBPyConnection) -> None:
    assert value(db, "USA", "all", 2020, "intl_collab_rate") == pytest.approx(0.5)
    assert value(db, "CHN", "all", 2020, "intl_collab_rate") == pytest.approx(0.5)
    assert value(db, "WLD", "all", 2020, "intl_collab_rate") == pytest.approx(0.5)


def test_industry_share(db: duckdb.DuckDBPyConnection) -> None:
    # USA authorships in 2020: W1 A1 company, W2 A1 education
    assert value(db, "USA", "all", 2020, "industry_share") == pytest.approx(0.5)
    # GBR: W4 A3 education, A4 company
    assert value(db, "GBR", "all", 2020, "industry_share") == pytest.approx(0.5)
    # the world: each authorship once, split over its institutions of known type: W1 A1 1
    # (company), A2 1/2 + 1/2 (DE, FR); W2 1; W3 A1 1 (no country), A2 1; W4 4 x 1, one a
    # company: 2 of 9 (counting links, as bib-1.2 did, W1's A2 made it 2 of 10)
    assert value(db, "WLD", "all", 2020, "industry_share") == pytest.approx(2 / 9)
    # Germany: half of W1's A2, at a university
    assert value(db, "DEU", "all", 2020, "industry_share") == pytest.approx(0.0)


def test_coauthorship_pairs(db: duckdb.DuckDBPyConnection) -> None:
    rows = db.execute(
        "select country_a, country_b, works from marts.coauthorship_pairs "
        "where approach = 'all' and year = 2020 order by 1, 2"
    ).fetchall()
    assert rows == [("CHN", "GBR", 1), ("DEU", "FRA", 1), ("DEU", "USA", 1), ("FRA", "USA", 1)]
    # one work each: small; 2020 is the latest year of the works read, so it may still
    # fill (incomplete_year_rule); the method that counted them is named
    flags = db.execute(
        "select distinct small_n, year_incomplete, method_version from marts.coauthorship_pairs "
        "where year = 2020"
    ).fetchall()
    assert flags == [(True, True, "bib-1.4")]


def test_classification(db: duckdb.DuckDBPyConnection) -> None:
    rows = db.execute(
        "select work_id, approach from marts.work_approaches where approach <> 'all' order by 1, 2"
    ).fetchall()
    assert rows == [
        ("W1", "superconducting"),
        ("W2", "trapped_ion"),
        ("W3", "unclassified"),
        ("W4", "superconducting"),
        ("W4", "trapped_ion"),
        ("W5", "superconducting"),
    ]


def test_small_numbers_are_flagged_and_past_years_complete(db: duckdb.DuckDBPyConnection) -> None:
    # 2020, the latest year of the works read, is incomplete though it has ended (the files
    # were taken while it was still filling: incomplete_year_rule); 2015 is closed
    flags = db.execute(
        "select year, bool_and(small_n), bool_and(year_incomplete), bool_or(year_incomplete), "
        "min(data_kind) from marts.publication_indicators where year in (2015, 2020) "
        "group by year order by year"
    ).fetchall()
    assert flags == [(2015, True, False, False, "directory"), (2020, True, True, True, "directory")]
