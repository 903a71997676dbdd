"""Supply-chain SQL on hand-made Comtrade records: every value below is worked out by hand.

Trade in 2023 under HS 8418.69 (dilution refrigerators; the only core line of the
superconducting approach), in USD, as the reporters filed it (file ``a.json``):

- USA exports 100 to the World (60 to DEU, 40 to FRA); imports 50 (30 from CHN, 20 from
  an unnamed area).
- DEU exports 80 (50 to USA, 30 to FRA); imports 90 (60 from USA, 30 from FRA, and 5 it
  re-imports from itself, which is never "bought from another member").
- FRA exports 20 (to DEU); imports 40 from USA and 30 from DEU and no World row, so its
  imports are their sum, 70.
- CHN files nothing: its exports are the USA's reported imports from it, 30 (a mirror
  flow); nobody reports exports to CHN, so its imports are unknown.
- All goods (TOTAL) exports: USA 1,000, DEU 800, FRA 400, JPN 800 (JPN trades none of
  this line); CHN none.

So world exports are 100 + 80 + 20 + 30 = 230: shares USA 100/230, DEU 80/230, FRA 20/230,
CHN 30/230; HHI (100² + 80² + 20² + 30²) / 230² = 17,700 / 52,900; the top share 100/230
is below 0.5, no single point of failure. Export activity index: the line is 200 of the
3,000 all-goods exports of the four countries that report them (1/15): USA (100/1000) /
(1/15) = 1.5, DEU 1.5, FRA (20/400) / (1/15) = 0.75; CHN has no all-goods total.
Import dependence: USA 50/150, DEU 90/170, FRA 70/90; CHN none (imports unknown).
The EU27 (DEU, FRA) trades with the world outside it: its members' exports 100 less the
flows among them, as their importers reported them (DEU's 30 from FRA, FRA's 30 from DEU):
40 (DEU's own report says 50 went to the USA: the values of exporters and importers
differ); its imports 160 less DEU's 30 from FRA, FRA's 30 from DEU and DEU's 5 from
itself: 95; 40/230 of world exports. Of its members' 160 of imports, 60 come from other
members (0.375); DEU buys 30/90 inside the bloc, FRA 30/70. The USA buys 30/50 = 0.6 from
the competitor set (CHN), the EU27 0/95.

Also in 2023, HS 8544.70 (fibre cables; the only line of quantum_networks that year), where
every report agrees: DEU exports 100 (40 to FRA, 60 to the USA), FRA 50 (20 to DEU, 30 to
the USA); DEU imports 20 (from FRA), FRA 40 (from DEU), the USA 90 (60 + 30). The EU27's
exports are the 60 + 30 = 90 bound for the USA: 150 less the 20 + 40 among members, 90/150
= 0.6 of the world's (adding member totals said 150, all of them); its imports from outside
are 20 + 40 - 60 = 0, and all of its members' 60 of imports come from members.

Also in 2023, HS 9013.20 (lasers; the only core line of trapped ions): the USA's exports
are confidential (no value), DEU exports 10 and the USA imports 5. The USA's exports are
unknown, so it has no import dependence there, and the single-point flag is unknown too.
In 2021 the USA exported 500 under HS2017 8541.40, the broader predecessor of 8541.49:
a series break; and 70 under 8418.69, a line that compares, yet the superconducting
approach breaks there too: it sums helium-3 (2845.40), a line HS2017 did not have.
The 500 stay in the 8541.49 series (flagged) but in no approach total: photonic (8418.69,
8541.49, ...) exports 70 in 2021, not 570, and qkd (8541.49, lasers, fibre ...) has no
2021 row for the USA at all, where it had 500.
In 2023 FRA, a late adopter, still files 7 of exports under HS2017 7104.20 (all synthetic
stones), the predecessor of 7104.21 (synthetic diamond): the 7104.21 series shows 7,
flagged; FRA's sensing_magnetometry exports (8418.69, 7104.21, lasers ...) are its 20 of
8418.69, not 27, and flagged, as are the world's (230 + DEU's 10 of lasers = 240);
defect_centres (isotopes and synthetic diamond only) has no FRA row.

A second file ``0_old.json`` (earlier by name) repeats two of the USA's 2023 records: its
World row with the same value and its exports to DEU with another value (66); and FRA's
World exports with the value withheld (a copy that differs too). The copies in ``a.json``
are kept.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb
import pytest

from assets.reference.tables import reference_frames
from assets.supply_chain.parse import parse_body
from assets.supply_chain.raw_tables import raw_frames
from pipelines.db import replace_table
from pipelines.parsing import Provenance
from tests.comtrade_bodies import comtrade_record
from tests.unit.test_core_sql import run_sql

pytestmark = pytest.mark.unit
CODES = {
    "USA": (842, "USA"), "DEU": (276, "DEU"), "FRA": (251, "FRA"), "CHN": (156, "CHN"),
    "JPN": (392, "JPN"),
}  # fmt: skip
TABLES = (
    "staging.trade_records",
    "core.trade_years",
    "core.trade_country_totals",
    "core.trade_bilateral",
    "core.trade_series_approaches",
    "indicators.trade_components",
    "indicators.trade_approaches",
    "indicators.supply_single_points",
    "indicators.supplier_counts",
    "marts.supply_chain_indicators",
    "marts.trade_flows",
    "marts.supply_single_points",
)


def rec(
    reporter: str,
    flow: str,
    partner: str | None,
    value: float | None,
    cmd: str = "841869",
    year: int = 2023,
    classification: str | None = None,
) -> dict[str, Any]:
    """One total record: ``partner`` None = World, ``"NES"`` = Areas, nes; filed in HS2017
    (H5) before 2022, HS2022 (H6) from 2022 unless ``classification`` says otherwise."""
    code, iso = CODES[reporter]
    if partner is None:
        p_code, p_iso = 0, "W00"
    elif partner == "NES":
        p_code, p_iso = 899, "_X "
    else:
        p_code, p_iso = CODES[partner]
    return comtrade_record(
        refYear=year, reporterCode=code, reporterISO=iso, flowCode=flow, partnerCode=p_code,
        partnerISO=p_iso, cmdCode=cmd,
        classificationCode=classification or ("H6" if year >= 2022 else "H5"), primaryValue=value,
    )  # fmt: skip


A_JSON = [
    rec("USA", "X", None, 100), rec("USA", "X", "DEU", 60), rec("USA", "X", "FRA", 40),
    rec("USA", "M", None, 50), rec("USA", "M", "CHN", 30), rec("USA", "M", "NES", 20),
    rec("DEU", "X", None, 80), rec("DEU", "X", "USA", 50), rec("DEU", "X", "FRA", 30),
    rec("DEU", "M", None, 90), rec("DEU", "M", "USA", 60), rec("DEU", "M", "FRA", 30),
    rec("DEU", "M", "DEU", 5),
    rec("FRA", "X", None, 20), rec("FRA", "X", "DEU", 20),
    rec("FRA", "M", "USA", 40), rec("FRA", "M", "DEU", 30),
    rec("USA", "X", None, 1000, "TOTAL"), rec("DEU", "X", None, 800, "TOTAL"),
    rec("FRA", "X", None, 400, "TOTAL"), rec("JPN", "X", None, 800, "TOTAL"),
    rec("USA", "X", None, None, "901320"), rec("USA", "M", None, 5, "901320"),
    rec("DEU", "X", None, 10, "901320"),
    rec("USA", "X", None, 500, "854140", 2021), rec("USA", "X", None, 70, "841869", 2021),
    rec("FRA", "X", None, 7, "710420", 2023, "H5"),
    rec("DEU", "X", None, 100, "854470"), rec("DEU", "X", "FRA", 40, "854470"),
    rec("DEU", "X", "USA", 60, "854470"), rec("FRA", "X", None, 50, "854470"),
    rec("FRA", "X", "DEU", 20, "854470"), rec("FRA", "X", "USA", 30, "854470"),
    rec("DEU", "M", None, 20, "854470"), rec("DEU", "M", "FRA", 20, "854470"),
    rec("FRA", "M", None, 40, "854470"), rec("FRA", "M", "DEU", 40, "854470"),
    rec("USA", "M", None, 90, "854470"), rec("USA", "M", "DEU", 60, "854470"),
    rec("USA", "M", "FRA", 30, "854470"),
]  # fmt: skip
OLD_JSON = [rec("USA", "X", None, 100), rec("USA", "X", "DEU", 66), rec("FRA", "X", None, None)]


@pytest.fixture
def trade(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Real reference tables, the hand-made records parsed by the real reader, every table."""
    frames = reference_frames()
    for table in (
        "ref.methods", "ref.indicators", "ref.countries", "ref.blocs", "ref.bloc_memberships",
        "ref.hs_codes", "ref.competitor_sets", "ref.suppliers", "ref.supply_components",
    ):  # fmt: skip
        replace_table(con, table, frames[table])
    con.execute(
        "create table core.bloc_member_years as select 'EU27' as bloc, iso3, year "
        "from (select unnest(['DEU', 'FRA']) as iso3) cross join range(2015, 2030) as t(year)"
    )
    hs: dict[str, set[str]] = {}
    for revision, code in con.execute("select hs_revision, hs_code from ref.hs_codes").fetchall():
        hs.setdefault(revision, set()).add(code)
    codes = {k: frozenset(v) for k, v in hs.items()}
    iso3 = frozenset(CODES)
    batches = []
    for name, records in (("a.json", A_JSON), ("0_old.json", OLD_JSON)):
        body = json.dumps({"count": len(records), "data": records, "error": ""}).encode()
        batch, _ = parse_body(body, Provenance(name, name * 8, None), codes, iso3, 2026)
        assert batch.quarantine == []
        batches.append(batch)
    batches[0].records.extend(batches[1].records)
    for table, frame in raw_frames(batches[0], "synthetic sample").items():
        replace_table(con, table, frame)
    for table in TABLES:
        run_sql(con, table)
    return con


def value(con: duckdb.DuckDBPyConnection, where: str) -> float | None:
    """The one value of ``marts.supply_chain_indicators`` matching ``where``."""
    rows = con.execute(f"select value from marts.supply_chain_indicators where {where}").fetchall()
    assert len(rows) <= 1, where
    return rows[0][0] if rows else None


def component(con: duckdb.DuckDBPyConnection, indicator: str, entity: str, code: str = "841869",
              year: int = 2023) -> float | None:  # fmt: skip
    return value(
        con,
        f"level = 'component' and indicator = '{indicator}' and entity_code = '{entity}' "
        f"and hs_code = '{code}' and year = {year}",
    )


def approach(con: duckdb.DuckDBPyConnection, indicator: str, entity: str,
             name: str = "superconducting", bloc: str | None = None) -> float | None:  # fmt: skip
    bloc_rule = "bloc is null" if bloc is None else f"bloc = '{bloc}'"
    return value(
        con,
        f"level = 'approach' and indicator = '{indicator}' and entity_code = '{entity}' "
        f"and approach = '{name}' and year = 2023 and {bloc_rule}",
    )


def test_exports_and_world_shares_with_a_mirror_flow(trade: duckdb.DuckDBPyConnection) -> None:
    assert [component(trade, "exports", c) for c in ("USA", "DEU", "FRA", "CHN", "WLD")] == [
        100, 80, 20, 30, 230,
    ]  # fmt: skip
    for country, exports in (("USA", 100), ("DEU", 80), ("FRA", 20), ("CHN", 30)):
        assert component(trade, "world_export_share", country) == pytest.approx(exports / 230)
    mirror = trade.execute(
        "select entity_code, mirror_share from marts.supply_chain_indicators where level = "
        "'component' and indicator = 'exports' and hs_code = '841869' and year = 2023 "
        "order by entity_code"
    ).fetchall()
    assert mirror == [("CHN", 1.0), ("DEU", 0.0), ("FRA", 0.0), ("USA", 0.0), ("WLD", 30 / 230)]


def test_concentration_and_activity_index(trade: duckdb.DuckDBPyConnection) -> None:
    assert component(trade, "supplier_hhi", "WLD") == pytest.approx(17_700 / 52_900)
    # the HHI's numerator is the sum of the squared shares, its value; it has no denominator
    hhi = trade.execute(
        "select value, numerator, denominator from marts.supply_chain_indicators where "
        "indicator = 'supplier_hhi' and hs_code = '841869' and year = 2023"
    ).fetchone()
    assert hhi is not None and hhi[1] == pytest.approx(17_700 / 52_900) and hhi[1] == hhi[0]
    assert hhi[2] is None
    assert component(trade, "top_exporter_share", "WLD") == pytest.approx(100 / 230)
    assert component(trade, "export_activity_index", "USA") == pytest.approx(1.5)
    assert component(trade, "export_activity_index", "DEU") == pytest.approx(1.5)
    assert component(trade, "export_activity_index", "FRA") == pytest.approx(0.75)
    assert component(trade, "export_activity_index", "CHN") is None


def test_import_dependence_only_where_both_sides_are_known(
    trade: duckdb.DuckDBPyConnection,
) -> None:
    assert component(trade, "imports", "FRA") == 70  # no World row: the partners summed
    assert component(trade, "import_dependence", "USA") == pytest.approx(50 / 150)
    assert component(trade, "import_dependence", "DEU") == pytest.approx(90 / 170)
    assert component(trade, "import_dependence", "FRA") == pytest.approx(70 / 90)
    assert component(trade, "import_dependence", "CHN") is None  # imports unknown
    # lasers: the USA's exports are confidential, so unknown, never zero
    assert component(trade, "exports", "USA", "901320") is None
    assert component(trade, "import_dependence", "USA", "901320") is None
    assert component(trade, "import_dependence", "DEU", "901320") == 0.0  # filed no imports
    assert approach(trade, "import_dependence", "USA", "trapped_ion") is None


def test_approach_roll_up_blocs_and_competitors(trade: duckdb.DuckDBPyConnection) -> None:
    assert approach(trade, "exports", "USA") == 100
    assert approach(trade, "import_dependence", "DEU") == pytest.approx(90 / 170)
    # the bloc's trade with the world outside it (see the module's docstring)
    assert approach(trade, "exports", "EU27") == 40  # 80 + 20 - 30 - 30
    assert approach(trade, "imports", "EU27") == 95  # 90 + 70 - 30 - 30 - 5
    assert approach(trade, "world_export_share", "EU27") == pytest.approx(40 / 230)
    # self-sufficiency is over the members' imports, flows among them included
    assert approach(trade, "imports_from_bloc_share", "EU27", bloc="EU27") == 0.375
    assert approach(trade, "imports_from_competitors_share", "EU27") == 0.0  # 0 / 95
    assert approach(trade, "imports_from_bloc_share", "DEU", bloc="EU27") == pytest.approx(1 / 3)
    assert approach(trade, "imports_from_bloc_share", "FRA", bloc="EU27") == pytest.approx(3 / 7)
    assert approach(trade, "imports_from_competitors_share", "USA") == pytest.approx(0.6)
    assert approach(trade, "imports_from_competitors_share", "DEU") == 0.0
    # photonic sums both lines: USA exports 100 (lasers unknown), flagged as a lower bound
    row = trade.execute(
        "select value, value_missing from marts.supply_chain_indicators where level = "
        "'approach' and indicator = 'exports' and entity_code = 'USA' and approach = "
        "'photonic' and year = 2023"
    ).fetchone()
    assert row == (100, True)


def test_a_bloc_exports_only_what_leaves_it(trade: duckdb.DuckDBPyConnection) -> None:
    # fibre cables, 2023: DEU 100 (40 to FRA, 60 to the USA) and FRA 50 (20 to DEU, 30 to
    # the USA), the importers reporting the same values: the EU27 exports 150 - 40 - 20 = 90,
    # the 60 + 30 bound for the USA, of the world's 150
    assert approach(trade, "exports", "EU27", "quantum_networks") == 90
    assert approach(trade, "world_export_share", "EU27", "quantum_networks") == pytest.approx(0.6)
    assert approach(trade, "exports", "DEU", "quantum_networks") == 100  # a country: all of it
    # its imports, DEU's 20 from FRA and FRA's 40 from DEU, all come from inside: none from
    # outside, and a self-sufficiency of 60 / 60
    assert approach(trade, "imports", "EU27", "quantum_networks") == 0
    assert approach(trade, "imports_from_bloc_share", "EU27", "quantum_networks", "EU27") == 1.0
    assert approach(trade, "imports_from_competitors_share", "EU27", "quantum_networks") is None
    row = trade.execute(
        "select numerator, denominator, mirror_share, value_missing, series_break "
        "from marts.supply_chain_indicators where level = 'approach' and entity_code = 'EU27' "
        "and approach = 'quantum_networks' and year = 2023 and indicator = 'world_export_share'"
    ).fetchone()
    assert row == (90, 150, 0.0, False, False)


def test_single_points_of_failure(trade: duckdb.DuckDBPyConnection) -> None:
    rows = trade.execute(
        "select approach, hs_code, top_exporter_iso3, top_share, runner_up_iso3, "
        "is_single_point from marts.supply_single_points where year = 2023 and approach in "
        "('superconducting', 'trapped_ion') order by approach"
    ).fetchall()
    assert rows[0][:3] == ("superconducting", "841869", "USA")
    assert rows[0][3] == pytest.approx(100 / 230)
    assert rows[0][4:] == ("DEU", False)
    # lasers: DEU is the only known exporter, but the USA's value is withheld: unknown
    assert rows[1][:3] == ("trapped_ion", "901320", "DEU") and rows[1][5] is None
    # 2021, filed by one reporter of the four of 2023, is incomplete, as the indicators say;
    # so is 2023, the latest year any country filed (incomplete_year_rule)
    incomplete = trade.execute(
        "select distinct year, latest_year_incomplete from marts.supply_single_points order by 1"
    ).fetchall()
    assert incomplete == [(2021, True), (2023, True)]


def test_revision_break_duplicates_and_years(trade: duckdb.DuckDBPyConnection) -> None:
    assert trade.execute(
        "select entity_code, hs_code, series_break from marts.supply_chain_indicators where "
        "level = 'component' and indicator = 'exports' and year = 2021 order by 1, 2"
    ).fetchall() == [
        ("USA", "841869", False), ("USA", "854149", True),
        ("WLD", "841869", False), ("WLD", "854149", True),
    ]  # fmt: skip
    # the superconducting approach counts helium-3 only from 2022: its 2021 is no series with
    # 2023, though the line it rests on in 2021 compares
    breaks = trade.execute(
        "select year, series_break from marts.supply_chain_indicators where level = 'approach' "
        "and approach = 'superconducting' and entity_code = 'USA' and indicator = 'exports' "
        "order by year"
    ).fetchall()
    assert breaks == [(2021, True), (2023, False)]
    copies = trade.execute(
        "select source_file, value_usd, kept, conflicting_copies from staging.trade_records "
        "where year = 2023 and reporter_iso3 = 'USA' and flow_code = 'X' and cmd_code = "
        "'841869' and partner_code in (0, 276) order by partner_code, source_file"
    ).fetchall()
    assert copies == [
        ("0_old.json", 100, False, False),
        ("a.json", 100, True, False),
        ("0_old.json", 66, False, True),
        ("a.json", 60, True, True),
    ]
    withheld = trade.execute(
        "select source_file, value_usd, kept, conflicting_copies, kept_value "
        "from staging.trade_records where reporter_iso3 = 'FRA' and flow_code = 'X' "
        "and partner_code = 0 and cmd_code = '841869' order by source_file"
    ).fetchall()
    assert withheld == [("0_old.json", None, False, True, 20), ("a.json", 20, True, True, 20)]
    # 2021: too few reporters; 2023: the latest year filed, always incomplete
    assert trade.execute(
        "select year, reporters, incomplete from core.trade_years order by year"
    ).fetchall() == [(2021, 1, True), (2023, 4, True)]
    assert trade.execute(
        "select distinct year, year_incomplete from marts.trade_flows order by 1"
    ).fetchall() == [(2023, True)]


def test_a_broader_hs2017_line_stays_in_its_series_but_in_no_approach_total(
    trade: duckdb.DuckDBPyConnection,
) -> None:
    def rows(level: str, entity: str, year: int, key: str) -> list[tuple]:
        column = "hs_code" if level == "component" else "approach"
        return trade.execute(
            "select value, series_break, value_missing from marts.supply_chain_indicators "
            f"where level = '{level}' and indicator = 'exports' and entity_code = '{entity}' "
            f"and year = {year} and {column} = '{key}'"
        ).fetchall()

    # the component series keep the predecessor's values, flagged
    assert rows("component", "USA", 2021, "854149") == [(500, True, False)]
    assert rows("component", "FRA", 2023, "710421") == [(7, True, False)]
    assert rows("component", "WLD", 2023, "710421") == [(7, True, False)]
    # the approaches leave them out, and say that they lack the line there
    assert rows("approach", "USA", 2021, "photonic") == [(70, True, False)]  # not 570
    assert rows("approach", "WLD", 2021, "photonic") == [(70, True, False)]
    assert rows("approach", "USA", 2021, "qkd") == []  # was 500
    assert rows("approach", "FRA", 2023, "sensing_magnetometry") == [(20, True, False)]  # not 27
    assert rows("approach", "FRA", 2023, "defect_centres") == []  # was 7
    # the world lacks FRA's line in 2023 (flagged) and the USA's withheld lasers (a bound)
    assert rows("approach", "WLD", 2023, "sensing_magnetometry") == [(240, True, True)]
    # a country filing HS2022 keeps an unbroken 2023
    assert rows("approach", "USA", 2023, "sensing_magnetometry") == [(100, False, True)]
    assert approach(trade, "world_export_share", "FRA", "sensing_magnetometry") == pytest.approx(
        20 / 240
    )


def test_bilateral_flows_keep_the_unknown_partner(trade: duckdb.DuckDBPyConnection) -> None:
    flows = trade.execute(
        "select importer_iso3, exporter_iso3, value_usd, basis from marts.trade_flows "
        "where year = 2023 and hs_code = '841869' order by 1, 2"
    ).fetchall()
    assert flows == [
        ("DEU", "DEU", 5, "importer_reported"),
        ("DEU", "FRA", 30, "importer_reported"),
        ("DEU", "USA", 60, "importer_reported"),
        ("FRA", "DEU", 30, "importer_reported"),
        ("FRA", "USA", 40, "importer_reported"),
        ("USA", "CHN", 30, "importer_reported"),
        ("USA", "UNK", 20, "importer_reported"),
    ]


def test_a_withheld_flow_stays_in_the_flows_never_read_as_zero(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # ISR withheld its exports of 2845.90 to RUS, which filed no imports: the mirror flow
    # has no value; DEU's reported imports from USA of the same line are 7
    con.execute(
        "create table core.trade_bilateral as select * from (values "
        "(2023, '284590', 'RUS', 'ISR', null::double, true, 'mirror', false), "
        "(2023, '284590', 'DEU', 'USA', 7.0, false, 'importer_reported', false)) "
        "as t(year, series_code, importer_iso3, exporter_iso3, value_usd, value_missing, "
        "basis, not_comparable)"
    )
    con.execute("create table ref.hs_codes (hs_revision varchar, hs_code varchar, "
                "component_label varchar)")  # fmt: skip
    con.execute("create table raw.trade_source_files as select 'synthetic sample' as data_kind")
    con.execute("create table core.trade_years as select 2023 as year, true as incomplete")
    run_sql(con, "marts.trade_flows")
    flows = con.execute(
        "select importer_iso3, value_usd, value_missing, basis, year_incomplete "
        "from marts.trade_flows order by 1"
    ).fetchall()
    # 2023 is incomplete here (too few reporters): every flow of it says so
    assert flows == [
        ("DEU", 7.0, False, "importer_reported", True),
        ("RUS", None, True, "mirror", True),
    ]
