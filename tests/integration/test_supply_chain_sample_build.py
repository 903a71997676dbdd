"""Supply chain in the published database of the sample build: each defect planted in the
trade sample (assets/supply_chain/sample_generator.py) ends where the method says, and
the indicators add up from the flows behind them."""

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


def rows(db: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return db.execute(sql).fetchall()


def test_summary_reports_trade_with_its_caveat(sample: tuple[Path, str]) -> None:
    match = re.search(
        r"trade: +([\d,]+) UN Comtrade records from (\d+) files -> (\d+) countries' trade in "
        r"(\d+) core HS component lines .*most traded value under these codes is not quantum",
        sample[1],
    )
    assert match, sample[1]
    assert int(match[1].replace(",", "")) > 30_000 and int(match[2]) > 100


def test_defects_of_the_trade_sample_end_where_the_method_says(
    db: duckdb.DuckDBPyConnection,
) -> None:
    reasons = dict(
        rows(
            db, "select reason, count(*) from meta.quarantine where source = 'comtrade' group by 1"
        )
    )
    assert reasons == {
        "aggregate_reporter": 1,  # the EU as a reporter
        "unsupported_hs_revision": 1,  # an HS2012 record
        "unknown_hs_code": 1,
        "negative_value": 1,
        "duplicate_record": 6,  # the overlapping response: six copies, one with another value
    }
    conflict = rows(
        db,
        "select detail from meta.quarantine where reason = 'duplicate_record' "
        "and detail like '%another value%'",
    )
    assert len(conflict) == 1
    # Russia files nothing from 2022: its exports rest entirely on partners' reports
    mirror = rows(
        db,
        "select year, mirror_share from marts.supply_chain_indicators where "
        "indicator = 'exports' and level = 'approach' and approach = 'all' and "
        "entity_code = 'RUS' order by year",
    )
    assert [m for y, m in mirror if y >= 2022] == [1.0] * 4
    assert [m for y, m in mirror if y < 2022] == [0.0] * 3
    # Taiwan files as Other Asia, nes; it is read as TWN
    assert rows(
        db, "select count(*) > 0 from marts.supply_chain_indicators where entity_code = 'TWN'"
    ) == [(True,)]
    # 2025: nine of sixteen reporters have filed: incomplete
    years = dict(
        rows(db, "select distinct year, latest_year_incomplete from marts.supply_chain_indicators")
    )
    assert years == {
        2019: False,
        2020: False,
        2021: False,
        2022: False,
        2023: False,
        2024: False,
        2025: True,
    }
    # the HS2017 photodiode line (with solar cells and LEDs) breaks the 8541.49 series
    breaks = dict(
        rows(
            db,
            "select year, bool_and(series_break) from "
            "marts.supply_chain_indicators where hs_code = '854149' group by 1",
        )
    )
    assert {y: b for y, b in breaks.items()} == {
        2019: True,
        2020: True,
        2021: True,
        2022: False,
        2023: False,
        2024: False,
        2025: False,
    }
    # Israel's confidential isotope exports: a lower bound, and no dependence from them
    withheld = rows(
        db,
        "select count(*) from marts.supply_chain_indicators where "
        "entity_code = 'ISR' and hs_code = '284590' and year = 2023 and "
        "indicator = 'import_dependence'",
    )
    assert withheld == [(0,)]
    # the breakdown by transport mode is never added to the totals
    lasers = rows(
        db,
        "select count(*) from marts.trade_flows where year = 2022 and "
        "hs_code = '901320' and importer_iso3 = exporter_iso3",
    )
    assert lasers == [(0,)]


def test_world_shares_and_concentration_add_up(db: duckdb.DuckDBPyConnection) -> None:
    bad = rows(
        db,
        """
        select hs_code, year, sum(value)
        from marts.supply_chain_indicators
        where indicator = 'world_export_share' and level = 'component' and entity_type = 'country'
        group by all
        having abs(sum(value) - 1) > 1e-9
    """,
    )
    assert bad == []
    hhi = rows(
        db,
        """
        select s.hs_code, s.year, s.hhi, h.value
        from marts.supply_single_points as s
        inner join marts.supply_chain_indicators as h
            on h.indicator = 'supplier_hhi' and h.hs_code = s.hs_code and h.year = s.year
        where abs(s.hhi - h.value) > 1e-9
    """,
    )
    assert hhi == []
    # the sample's planted single point: China's synthetic diamond
    points = rows(
        db,
        "select distinct hs_code, top_exporter_iso3 from marts.supply_single_points "
        "where is_single_point and year = 2024",
    )
    assert ("710421", "CHN") in points


def test_the_published_totals_rebuild_every_export_and_world_export_share(
    db: duckdb.DuckDBPyConnection,
) -> None:
    from dashboards.families.supply_chain import reproduce_sql

    rebuilt = {(c, y, e): v for c, y, e, v in rows(db, reproduce_sql())}
    published = {
        (c, y, e): v
        for c, y, e, v in rows(
            db,
            "select hs_code, year, entity_code, value from marts.supply_chain_indicators "
            "where indicator = 'world_export_share' and level = 'component' "
            "and entity_type = 'country'",
        )
    }
    assert len(published) > 2000 and rebuilt == pytest.approx(published)
    # and the exports themselves, as the countries reported them or their partners mirrored
    off = rows(
        db,
        """
        select count(*)
        from marts.supply_chain_indicators as s
        left join marts.trade_country_totals as t
            on t.year = s.year and t.hs_code = s.hs_code and t.country_iso3 = s.entity_code
            and t.flow = s.indicator
        where s.indicator in ('exports', 'imports') and s.level = 'component'
            and s.entity_type = 'country' and t.value_usd is distinct from s.value
    """,
    )
    assert off == [(0,)]


def test_reviewed_tables_are_published_with_their_sources(db: duckdb.DuckDBPyConnection) -> None:
    assert rows(
        db, "select count(*) > 50, bool_and(source_url like 'https://%') from marts.suppliers"
    ) == [(True, True)]
    entries = {r[0] for r in rows(db, "select entry from marts.export_controls")}
    assert {"3A901", "3A904", "4A906"} <= entries
    roles = dict(rows(db, "select role, count(*) from marts.hs_codes group by 1"))
    assert set(roles) == {"core", "generic", "context"}
    # registry counts per bloc come from the registry
    assert rows(
        db, "select sum(suppliers) from marts.supplier_counts where entity_type = 'country'"
    ) == rows(db, "select count(*) from marts.suppliers")
