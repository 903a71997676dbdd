"""Capability in the published database of the sample build: the reviewed milestone
registry is published whole with its sources, and the frontier never moves backwards."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

# one worker builds the shared sample once and runs every test that reads it (pytest-xdist)
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("sample")]
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(sample: tuple[Path, str]) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(sample[0] / "out" / "qcm.duckdb"), read_only=True)
    yield connection
    connection.close()


def rows(db: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return db.execute(sql).fetchall()


def test_summary_reports_the_registry(sample: tuple[Path, str]) -> None:
    match = re.search(
        r"capability: +(\d+) reviewed milestones \((\d+) counted, (\d+) contested\) in (\d+) "
        r"approaches -> frontiers of (\d+) metrics",
        sample[1],
    )
    assert match, sample[1]
    registry = (REPO / "assets" / "reference" / "milestones.csv").read_text(encoding="utf-8")
    assert int(match[1]) == len(registry.strip().splitlines()) - 1
    assert int(match[2]) < int(match[1]) and int(match[4]) >= 8


def test_every_milestone_is_published_with_its_primary_source(
    db: duckdb.DuckDBPyConnection,
) -> None:
    assert rows(
        db,
        "select bool_and(primary_source like 'https://%'), bool_and(not counted or "
        "(not contested and source_quality <> 'secondary')) from marts.milestones",
    ) == [(True, True)]
    # every contested row is shown, never counted
    assert rows(db, "select count(*) from marts.milestones where contested and counted") == [(0,)]


def test_the_frontier_never_moves_backwards(db: duckdb.DuckDBPyConnection) -> None:
    regress = rows(
        db,
        """
        with steps as (
            select approach, metric, year, better, best_value,
                lag(best_value) over (partition by approach, metric order by year) as before
            from marts.capability_frontier
        )
        select * from steps
        where before is not null
            and ((better = 'higher' and best_value < before)
                 or (better = 'lower' and best_value > before))
        """,
    )
    assert regress == []
    holders = rows(
        db,
        """
        select s.approach, s.metric, s.year
        from marts.capability_summary as s
        left join (
            select approach, metric, year,
                string_agg(country_iso3, ';' order by country_iso3) as holders
            from marts.capability_countries where holds_frontier group by all
        ) as c using (approach, metric, year)
        where s.frontier_countries is distinct from c.holders
        """,
    )
    assert holders == []
