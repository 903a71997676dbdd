"""Workforce flows in the published database of the sample build: the defects of the author
sample each end where the method says, and every flow adds up from the people behind it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

# one worker builds the shared sample once and runs every test that reads it (pytest-xdist)
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("sample")]


@pytest.fixture
def db(sample: tuple[Path, str]) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(sample[0] / "out" / "qcm.duckdb"), read_only=True)
    yield connection
    connection.close()


def one(db: duckdb.DuckDBPyConnection, sql: str) -> object:
    return db.execute(sql).fetchone()[0]


def test_summary_reports_researchers_moves_and_trail_agreement(sample: tuple[Path, str]) -> None:
    match = re.search(
        r"workforce: +([\d,]+) author records from (\d+) files -> ([\d,]+) researchers, "
        r"([\d,]+) moves \(([\d,]+) counted in the flows\); the two trails agree on "
        r"([\d.]+)% of the ([\d,]+) researcher-years",
        sample[1],
    )
    assert match, sample[1]
    assert int(match[3].replace(",", "")) > 10_000 and float(match[6]) > 90
    assert 0 < int(match[5].replace(",", "")) <= int(match[4].replace(",", ""))


def test_the_author_sample_snapshot_part_is_parsed_by_duckdb_its_pages_by_python(
    sample: tuple[Path, str],
) -> None:
    match = re.search(
        r"\[raw__openalex_authors\] .*; (\d+) of (\d+) files parsed by DuckDB", sample[1]
    )
    assert match, sample[1]
    assert (int(match[1]), int(match[2])) == (1, 102)  # the JSON Lines part; 101 API pages


def test_defects_of_the_author_sample_end_where_the_method_says(
    db: duckdb.DuckDBPyConnection,
) -> None:
    # merged ids: the retired ids of the merged-ids file are never researchers
    assert one(db, "select count(*) from marts.researchers where researcher_id like 'A8%'") == 0
    # deleted placeholders are kept, flagged, and placed by their works alone
    deleted = db.execute(
        "select count(*), sum(years_from_profile) from marts.researchers where is_deleted"
    ).fetchone()
    assert deleted[0] >= 3 and deleted[1] == 0
    # bad parts of records are quarantined with their reason, never silently dropped
    reasons = dict(
        db.execute(
            "select reason, count(*) from meta.quarantine where source = 'openalex_authors' "
            "group by 1"
        ).fetchall()
    )
    assert reasons.get("future_year", 0) >= 3 and reasons.get("invalid_year", 0) >= 1
    assert reasons.get("missing_id", 0) >= 2 and reasons.get("not_an_object", 0) >= 1
    assert reasons.get("invalid_country_code", 0) >= 3
    # steady double affiliations (a tie in every observed year) never read as moves
    doubles = db.execute(
        "select count(*), sum(moves) from marts.researchers "
        "where years_observed >= 3 and years_tie_broken = years_observed"
    ).fetchone()
    assert doubles[0] >= 5 and doubles[1] == 0
    classes = dict(
        db.execute("select mobility, count(*) from marts.researchers group by 1").fetchall()
    )
    assert classes["stayed"] > classes["moved once"] > classes["returned"] > 0
    assert classes["moved often"] > 0


def test_flows_add_up_from_the_moves(db: duckdb.DuckDBPyConnection) -> None:
    # every counted move of the published years is in the matrix once, for approach all,
    # but a move of a researcher with no work in all before the year of arrival (their
    # works until then only on post-quantum cryptography: meta.methods all_approach_rule);
    # the year a researcher enters an approach is published: the flows of every approach
    # are counted again from the release alone
    last = one(db, "select max(year) from marts.workforce_flows")
    counted = one(
        db,
        "select count(*) from marts.researcher_moves "
        f"where counted and year between 2000 and {last}",
    )
    recounted = dict(
        db.execute(
            "select approaches.approach, count(*) from marts.researcher_moves as moves "
            "inner join marts.researcher_approaches as approaches "
            "on approaches.researcher_id = moves.researcher_id "
            "and approaches.first_year < moves.year "
            f"where moves.counted and moves.year between 2000 and {last} group by all"
        ).fetchall()
    )
    published = dict(
        db.execute("select approach, sum(moves) from marts.workforce_flows group by all").fetchall()
    )
    assert 0 < recounted["all"] < counted  # the sample has moves of researchers of pqc alone
    assert published == recounted
    # and so are the researchers each country produced, in every approach
    published_producers = (
        "select approach, country_iso3, produced from marts.workforce_producers where produced > 0"
    )
    recounted_producers = (
        "select approaches.approach, researchers.producer_iso3, count(*) "
        "from marts.researchers as researchers "
        "inner join marts.researcher_approaches as approaches using (researcher_id) "
        "where researchers.producer_iso3 is not null group by all"
    )
    for first, second in (
        (published_producers, recounted_producers),
        (recounted_producers, published_producers),
    ):
        assert db.execute(f"{first} except {second}").fetchall() == []
    # a country's inflow is the matrix column, its outflow the matrix row
    mismatches = one(
        db,
        """
        with matrix as (
            select destination_iso3 as iso3, year, sum(moves) as inflow
            from marts.workforce_flows where approach = 'all' group by all
        )
        select count(*) from matrix
        left join marts.workforce_indicators as i
            on i.entity_type = 'country' and i.entity_code = matrix.iso3
            and i.year = matrix.year and i.approach = 'all' and i.indicator = 'inflow'
        where i.value is distinct from matrix.inflow
        """,
    )
    assert mismatches == 0
    # the world's moves equal the sum of the countries' inflows, and of their outflows
    world = db.execute(
        """
        select
            (select sum(value) from marts.workforce_indicators where entity_code = 'WLD'
                and approach = 'all' and indicator = 'international_moves'),
            (select sum(value) from marts.workforce_indicators where entity_type = 'country'
                and approach = 'all' and indicator = 'inflow'),
            (select sum(value) from marts.workforce_indicators where entity_type = 'country'
                and approach = 'all' and indicator = 'outflow')
        """
    ).fetchone()
    assert world[0] == world[1] == world[2] == recounted["all"]
    # every value is labelled synthetic and has its definition
    assert db.execute("select distinct data_kind from marts.workforce_indicators").fetchall() == [
        ("synthetic sample",)
    ]
    assert (
        one(
            db,
            "select count(*) from marts.workforce_indicators where indicator not in "
            "(select indicator from meta.indicators where family = 'workforce')",
        )
        == 0
    )
