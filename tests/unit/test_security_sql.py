"""Research-security SQL on hand-made records: every number below is worked out by hand.

The concern set of the test is TEST_SET = {CHN, RUS} (synthesis setting concern_set); a
second set, OTHER_SET = {USA}, is there to be chosen instead. EU27 has two members, DEU
and FRA. ZZZ is the unknown country.

Works (co-authorship; each also in the approach all):

| work | year | countries     | superconducting |
|------|------|---------------|-----------------|
| W1   | 2018 | USA, CHN      | yes             |
| W2   | 2018 | USA, DEU, CHN | yes             |
| W3   | 2018 | USA, ZZZ      |                 |
| W4   | 2018 | CHN, RUS      | yes             |
| W5   | 2018 | USA, DEU      |                 |
| W6   | 2018 | DEU, FRA      |                 |
| W7   | 2018 | ZZZ           |                 |
| W8   | 2023 | USA, CHN      |                 |
| W9   | 2023 | USA, GBR      |                 |
| W10  | this | USA, CHN      |                 |

2018, approach all (records, international, with concern, share):

- USA: W1, W2, W3, W5; international W1, W2, W5 (W3's only other country is unknown);
  with concern W1, W2 (CHN): 4, 3, 2, 2/3.
- CHN (in the set, measured against RUS only): W1, W2, W4, all international; with
  concern W4 (RUS): 3, 3, 1, 1/3. The three-country W2 is with concern for the USA and
  Germany (CHN is among their partners) but not for China (its partners are not in the set).
- RUS: W4, with concern (CHN): 1, 1, 1, 1. DEU: W2, W5, W6; with concern W2: 3, 3, 1, 1/3.
  FRA: W6: 1, 1, 0, 0.
- EU27 counts a record once: W2, W5, W6; international when a known country outside the
  bloc is named: W2, W5 (W6 is DEU and FRA only); with concern W2: 3, 2, 1, 1/2.
- World: W1-W7; international (two or more known countries) W1, W2, W4, W5, W6; with
  concern W1, W2, W4: 7, 5, 3, 3/5.
- Superconducting: USA W1, W2: 2, 2, 2, 1; CHN W1, W2, W4: 3, 3, 1, 1/3.

2023: USA W8, W9: 2, 2, 1, 1/2, five-year change 1/2 - 2/3 = -1/6; CHN W8: 1, 1, 0, 0,
change 0 - 1/3 = -1/3; GBR: 0, change null (no 2018 row); world 2, 2, 1, 1/2, change
1/2 - 3/5 = -1/10.

Wilson score interval, z = 1.6448536269514722 (z^2 = 2.705543), for the USA in 2018
(x = 2, n = 3, p = 2/3): centre = (2/3 + z^2/6) / (1 + z^2/3) = 1.117591 / 1.901848 =
0.587634; half width = z / 1.901848 * sqrt((2/3)(1/3)/3 + z^2/36) = 0.864871 *
sqrt(0.074074 + 0.075154) = 0.334100; interval [0.253534, 0.921734]. For x = 0: [0,
z^2 / (n + z^2)], FRA (n = 1): 0.730134. For x = n: [n / (n + z^2), 1], RUS: 0.269866.

Patent families (co-patents, inventor countries): F1 2018, inventors USA and CHN,
applicant USA only: international with concern for the USA. F2 2018, inventors USA and
ZZZ, applicants USA and RUS: not international (applicants do not count). F3 last year,
inventors USA and CHN: year incomplete. USA 2018: 2, 1, 1, 1.

Grants (consortia: countries of the paid organisations): G1 2018 pays DEU (0.6) and RUS
(0.4): DEU 1, 1, 1, 1; RUS 1, 1, 0, 0. G2 2018 pays FRA alone: 1, 0, so FRA has no row;
EU27 (G1 and G2): 2, 1, 1, 1.

With OTHER_SET = {USA} chosen instead, in 2018 China's partners W1 and W2 name the USA
(2 of 3) and the USA has none (its own membership never counts): 0 of 3.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import duckdb
import polars as pl
import pytest

from assets.reference.tables import reference_frames
from pipelines.db import replace_table
from tests.unit.test_core_sql import run_sql
from tests.unit.test_refresh_by_year_sql import materialized, plan_nodes, scan_filters, year_rows

pytestmark = pytest.mark.unit
THIS_YEAR = datetime.now(UTC).year
Z = 1.6448536269514722
WORKS = [
    # work, year, countries, approaches beyond all
    ("W1", 2018, ["USA", "CHN"], ["superconducting"]),
    ("W2", 2018, ["USA", "DEU", "CHN"], ["superconducting"]),
    ("W3", 2018, ["USA", "ZZZ"], []),
    ("W4", 2018, ["CHN", "RUS"], ["superconducting"]),
    ("W5", 2018, ["USA", "DEU"], []),
    ("W6", 2018, ["DEU", "FRA"], []),
    ("W7", 2018, ["ZZZ"], []),
    ("W8", 2023, ["USA", "CHN"], []),
    ("W9", 2023, ["USA", "GBR"], []),
    ("W10", THIS_YEAR, ["USA", "CHN"], []),
]
FAMILIES = [
    # family, priority year, inventor countries, applicant countries
    ("F1", 2018, ["USA", "CHN"], ["USA"]),
    ("F2", 2018, ["USA", "ZZZ"], ["USA", "RUS"]),
    ("F3", THIS_YEAR - 1, ["USA", "CHN"], ["USA"]),
]
GRANTS = [
    # grant, start year, country fractions
    ("G1", 2018, {"DEU": 0.6, "RUS": 0.4}),
    ("G2", 2018, {"FRA": 1.0}),
]
COLUMNS = "records, international_records, with_concern, share"


def wilson(x: int, n: int) -> tuple[float, float]:
    """The Wilson score interval of x / n at the lens's z, written out independently."""
    p = x / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z / (1 + Z**2 / n) * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    return centre - half, centre + half


def _frame(rows: list[tuple], columns: list[str]) -> pl.DataFrame:
    """A frame of hand-made rows with the named columns."""
    return pl.DataFrame(rows, schema=columns, orient="row")


@pytest.fixture
def security(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Real methods, indicators, countries and blocs; the hand-made records; both tables."""
    frames = reference_frames()
    for table in ("ref.methods", "ref.indicators", "ref.countries", "ref.blocs"):
        replace_table(con, table, frames[table])
    sets = [
        ("TEST_SET", "The test set", "CHN"),
        ("TEST_SET", "The test set", "RUS"),
        ("OTHER_SET", None, "USA"),
    ]
    replace_table(con, "ref.competitor_sets", _frame(sets, ["set_code", "set_name", "iso3"]))
    settings = [("concern_set", "TEST_SET", "the test's countries of concern")]
    replace_table(con, "ref.synthesis_settings", _frame(settings, ["key", "value", "description"]))
    years = [2018, 2023, THIS_YEAR - 1, THIS_YEAR]
    members = [("EU27", iso3, year) for iso3 in ("DEU", "FRA") for year in years]
    replace_table(con, "core.bloc_member_years", _frame(members, ["bloc", "iso3", "year"]))
    work_rows = [(w, y, c) for w, y, countries, _ in WORKS for c in countries]
    replace_table(
        con,
        "core.work_country_fractions",
        _frame(work_rows, ["work_id", "publication_year", "country_iso3"]),
    )
    work_approaches = [(w, a) for w, _, _, extra in WORKS for a in ["all", *extra]]
    replace_table(con, "core.work_approaches", _frame(work_approaches, ["work_id", "approach"]))
    family_rows = [
        (f, counting, y, c)
        for f, y, inventors, applicants in FAMILIES
        for counting, countries in (("inventor", inventors), ("applicant", applicants))
        for c in countries
    ]
    replace_table(
        con,
        "core.patent_family_country_fractions",
        _frame(family_rows, ["family_id", "counting", "priority_year", "country_iso3"]),
    )
    family_approaches = [(f, "all") for f, *_ in FAMILIES]
    replace_table(
        con, "core.patent_family_approaches", _frame(family_approaches, ["family_id", "approach"])
    )
    grant_rows = [(g, y, c, f) for g, y, shares in GRANTS for c, f in shares.items()]
    replace_table(
        con,
        "core.grant_country_fractions",
        _frame(grant_rows, ["grant_key", "year", "country_iso3", "fraction"]),
    )
    grant_approaches = [(g, "all") for g, *_ in GRANTS]
    replace_table(con, "core.grant_approaches", _frame(grant_approaches, ["grant_key", "approach"]))
    for table, kind in (
        ("raw.source_files", "synthetic sample"),
        ("raw.patent_source_files", "live"),
        ("raw.grant_source_files", "directory"),
    ):
        replace_table(con, table, _frame([("file.json", kind)], ["source_file", "data_kind"]))
    for table in (
        "indicators.security_counts",
        "indicators.security_links",
        "marts.security_indicators",
    ):
        run_sql(con, table)
    return con


def links(
    con: duckdb.DuckDBPyConnection,
    channel: str,
    year: int,
    approach: str = "all",
    columns: str = COLUMNS,
) -> dict[str, tuple]:
    """The security_links rows of a channel, year and approach, keyed by entity code."""
    rows = con.execute(
        f"select entity_code, {columns} from indicators.security_links "
        "where channel = ? and year = ? and approach = ?",
        [channel, year, approach],
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_coauthorship_counts_and_shares(security: duckdb.DuckDBPyConnection) -> None:
    assert links(security, "coauthorship", 2018) == {
        "USA": (4, 3, 2, pytest.approx(2 / 3)),
        "CHN": (3, 3, 1, pytest.approx(1 / 3)),
        "RUS": (1, 1, 1, 1.0),
        "DEU": (3, 3, 1, pytest.approx(1 / 3)),
        "FRA": (1, 1, 0, 0.0),
        "EU27": (3, 2, 1, 0.5),
        "WLD": (7, 5, 3, pytest.approx(3 / 5)),
    }
    assert links(security, "coauthorship", 2018, "superconducting") == {
        "USA": (2, 2, 2, 1.0),
        "CHN": (3, 3, 1, pytest.approx(1 / 3)),
        "DEU": (1, 1, 1, 1.0),
        "RUS": (1, 1, 1, 1.0),
        "EU27": (1, 1, 1, 1.0),
        "WLD": (3, 3, 3, 1.0),
    }


def test_a_three_country_work_counts_for_each_country(
    security: duckdb.DuckDBPyConnection,
) -> None:
    # W2 alone in the approach superconducting beside W1 (USA, CHN) and W4 (CHN, RUS): it
    # is the only record of Germany there, with concern (CHN among its partners)
    germany = links(security, "coauthorship", 2018, "superconducting")["DEU"]
    assert germany == (1, 1, 1, 1.0)
    # and China's three records hold one with concern, W4 (RUS), not W2
    assert links(security, "coauthorship", 2018)["CHN"][2] == 1


def test_the_unknown_country_is_no_partner(security: duckdb.DuckDBPyConnection) -> None:
    # W3 (USA, ZZZ) is a record of the USA, not an international one; W7 (ZZZ alone) is a
    # record of the world only; ZZZ never has a row
    assert links(security, "coauthorship", 2018)["USA"][:2] == (4, 3)
    assert links(security, "coauthorship", 2018)["WLD"][:2] == (7, 5)
    assert security.execute(
        "select count(*) from indicators.security_links where entity_code = 'ZZZ'"
    ).fetchone() == (0,)


def test_wilson_interval_by_hand(security: duckdb.DuckDBPyConnection) -> None:
    rows = links(security, "coauthorship", 2018, columns="share_low, share_high")
    assert rows["USA"] == (pytest.approx(0.253534, abs=1e-6), pytest.approx(0.921734, abs=1e-6))
    assert rows["USA"] == (pytest.approx(wilson(2, 3)[0]), pytest.approx(wilson(2, 3)[1]))
    assert rows["FRA"] == (0.0, pytest.approx(Z**2 / (1 + Z**2)))
    assert rows["FRA"][1] == pytest.approx(0.730134, abs=1e-6)
    assert rows["RUS"] == (pytest.approx(1 / (1 + Z**2)), 1.0)
    assert rows["RUS"][0] == pytest.approx(0.269866, abs=1e-6)
    assert rows["WLD"] == (pytest.approx(wilson(3, 5)[0]), pytest.approx(wilson(3, 5)[1]))


def test_five_year_change(security: duckdb.DuckDBPyConnection) -> None:
    rows = links(security, "coauthorship", 2023, columns="share, share_5y_change")
    assert rows == {
        "USA": (0.5, pytest.approx(-1 / 6)),
        "CHN": (0.0, pytest.approx(-1 / 3)),
        "GBR": (0.0, None),
        "WLD": (0.5, pytest.approx(-0.1)),
    }
    assert links(security, "coauthorship", 2018, columns="share_5y_change")["USA"] == (None,)


def test_copatents_follow_inventor_countries(security: duckdb.DuckDBPyConnection) -> None:
    assert links(security, "copatent", 2018) == {
        "USA": (2, 1, 1, 1.0),
        "CHN": (1, 1, 0, 0.0),
        "WLD": (2, 1, 1, 1.0),
    }


def test_grant_consortia(security: duckdb.DuckDBPyConnection) -> None:
    assert links(security, "grant_consortium", 2018) == {
        "DEU": (1, 1, 1, 1.0),
        "RUS": (1, 1, 0, 0.0),
        "EU27": (2, 1, 1, 1.0),
        "WLD": (2, 1, 1, 1.0),
    }


def test_the_setting_chooses_the_concern_set(security: duckdb.DuckDBPyConnection) -> None:
    security.execute("update ref.synthesis_settings set value = 'OTHER_SET'")
    run_sql(security, "indicators.security_counts")
    run_sql(security, "indicators.security_links")
    rows = links(security, "coauthorship", 2018, columns="with_concern, concern_set")
    assert rows["CHN"] == (2, "OTHER_SET")
    assert rows["USA"] == (0, "OTHER_SET")
    # a set without a name is named by its code
    run_sql(security, "marts.security_indicators")
    names = security.execute(
        "select distinct concern_set_name from marts.security_indicators"
    ).fetchall()
    assert names == [("OTHER_SET",)]


def test_the_mart_in_long_form(security: duckdb.DuckDBPyConnection) -> None:
    rows = security.execute(
        "select entity_code, entity_name, year, indicator, value, numerator, denominator, "
        "records, small_n, year_incomplete, method_version, data_kind, concern_set, "
        "concern_countries, unit, concern_set_name from marts.security_indicators "
        "where entity_code in ('USA', 'EU27') and approach = 'all' "
        "and year in (2018, ?, ?) order by indicator, year, entity_code",
        [THIS_YEAR - 1, THIS_YEAR],
    ).fetchall()
    assert [r[:4] for r in rows] == [
        ("EU27", "European Union", 2018, "coauthorship_concern_share"),
        ("USA", "United States", 2018, "coauthorship_concern_share"),
        ("USA", "United States", THIS_YEAR, "coauthorship_concern_share"),
        ("USA", "United States", 2018, "copatent_concern_share"),
        ("USA", "United States", THIS_YEAR - 1, "copatent_concern_share"),
        ("EU27", "European Union", 2018, "grant_consortium_concern_share"),
    ]
    eu_2018, usa_2018, usa_now, patents_2018, patents_last_year, eu_grants = rows
    assert usa_2018[4:10] == (pytest.approx(2 / 3), 2.0, 3.0, 4, True, False)
    assert eu_2018[4:8] == (0.5, 1.0, 2.0, 3)
    # the current year is incomplete; for co-patents the year before too
    assert usa_now[9] is True and patents_last_year[9] is True and patents_2018[9] is False
    # each indicator says what kind of data its own source is
    assert (usa_2018[11], patents_2018[11], eu_grants[11]) == (
        "synthetic sample",
        "live",
        "directory",
    )
    assert {(r[10], *r[12:]) for r in rows} == {
        ("sec-1.1", "TEST_SET", "CHN, RUS", "share (0-1)", "The test set")
    }


def test_the_mart_carries_interval_and_trend(security: duckdb.DuckDBPyConnection) -> None:
    row = security.execute(
        "select value, value_low, value_high, value_5y_change from marts.security_indicators "
        "where entity_code = 'USA' and approach = 'all' and year = 2023 "
        "and indicator = 'coauthorship_concern_share'"
    ).fetchone()
    low, high = wilson(1, 2)
    assert row == (0.5, pytest.approx(low), pytest.approx(high), pytest.approx(-1 / 6))


def test_a_refresh_by_year_reads_the_records_of_its_years_alone(
    security: duckdb.DuckDBPyConnection,
) -> None:
    """The records' CTEs are read more than once; marked NOT MATERIALIZED, a refresh's
    year reaches the scans of the records (``test_refresh_by_year_sql``), and the year's
    rows are those of the whole table. Only the one-row settings and the set's countries
    are materialized."""
    query = year_rows("indicators.security_counts", 2023)
    nodes = plan_nodes(security, query)
    assert materialized(nodes) == {"settings", "concern_countries"}
    filters = scan_filters(nodes, "core.work_country_fractions")
    assert any("publication_year=2023" in f for f in filters), filters
    whole = "select * from indicators.security_counts where year = 2023 order by all"
    found = security.execute(f"{query} order by all").fetchall()
    assert found == security.execute(whole).fetchall()
    # by hand (the module's doc): the USA in 2023, W8 and W9, both international, one with
    # concern
    assert ("country", "USA", "all", 2023, "coauthorship", 2, 2, 1) in found
