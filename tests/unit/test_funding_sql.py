"""Funding SQL on hand-made rows: every value below is worked out by hand.

Conversion tables: 1 USD = 0.8 EUR and 0.75 GBP in 2020 and 2021; the US GDP deflator is
100 in 2020 and 110 in the price base year (2024); Germany's GDP is 4e12 US dollars at
market rates and 5e12 at PPP, its population 80 million (2020 only: later years use the
nearest year, 2020).

Programmes (``ref.funding_programmes``):

- DEU_P1 counted: EUR 400M over 2020-2023, announced 2020: EUR 100M a year = USD 125M;
  constant USD 137.5M (x 110/100); PPP 156.25M (125M / (4e12 / 5e12)); per GDP
  125M / 4e12 x 1e6 = 31.25 USD per million USD of GDP; per capita 1.5625 USD.
- DEU_P1_ALT (alternative figure of P1, EUR 500M) and DEU_P2 (component of P1): never added.
- FRA_P3 counted, "up to" EUR 100M over 2021-2022 announced 2021: USD 62.5M a year,
  has_bounds; France has no GDP figures, so no PPP value (a conversion gap) and no per-GDP row.
- NLD_P6 counted, no years but a stated length of 3 and announced 2020: 2020-2022,
  EUR 100M a year = USD 125M.
- EUU_P7 counted, EUR 200M over 2020-2021: the EU's own, USD 125M a year, entity
  ``supranational``; the EU27 bloc adds it to its members' programmes.
- ITA_P4 (no end year), ESP_P5 (PLN: no rate), POL_P8 (amount 0), SWE_P9 (negative),
  BEL_P10 (no currency), CZE_P11 (ends before it starts): counted by status but breaking
  a rule, so quarantined with the problem and never in the series.

- USA_P12 counted, USD 1,250M announced 2018 with no period of its own; an alternative
  figure of the same programme states five years, so 2018-2022: USD 250M a year.

- DNK_A and DNK_B counted, EUR 80M in 2020 and in 2023: USD 100M each; nothing in
  2021-2022, so Denmark's running sum stays at 100M there.

2020: DEU 125M, NLD 125M, EUU 125M, DNK 100M -> EU27 475M; world 725M with the US.
2021: DEU, NLD, EUU and FRA 62.5M -> EU27 437.5M.

Grants (start year 2020 unless said):

- nsf:1 USD 1,000,000 to a US awardee (and the same award again in a second file: once).
- cordis:2 EUR 800,000: DE coordinator net 400,000, FR participant net 300,000 and its FR
  third party (ecContribution 0, net 100,000): USD 1,000,000, half to DEU, half to FRA;
  international.
- ukri:3 GBP 750,000, UK lead and a German partner (no shares stated): USD 1,000,000, all
  to GBR; not international (the partner is named, not paid).
- cordis:4 EUR 10,000 starting 2025: no rate for 2025, so no dollar value (a gap).
- nsf:5 about soil: out of the quantum scope.
"""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from assets.classification.grant_assets import build_grant_approaches
from assets.funding.raw_tables import DATES, SCHEMAS
from assets.reference.tables import reference_frames
from pipelines.contracts import check_values, load_contracts
from pipelines.db import replace_table
from pipelines.settings import SQL_DIR
from tests.unit.test_core_sql import run_sql

pytestmark = pytest.mark.unit

PROGRAMME_COLUMNS = [
    *("row_id", "programme_id", "country_iso3", "programme", "amount", "amount_kind"),
    *("currency", "start_year", "end_year", "stated_duration_years", "announced_year"),
    *("scope", "public_money", "status", "part_of", "source_kind", "source_url"),
    *("accessed", "review_note"),
]
# row_id, programme_id, country, name, amount, kind, currency, start, end, length, announced,
# status, part_of
PROGRAMMES = [
    ("DEU_P1", "deu_p1", "DEU", "P1", "400000000", "exact", "EUR",
     "2020", "2023", None, "2020", "counted", None),
    ("DEU_P1_ALT", "deu_p1", "DEU", "P1", "500000000", "exact", "EUR",
     "2020", "2023", None, "2020", "alternative", None),
    ("DEU_P2", "deu_p2", "DEU", "P2", "50000000", "exact", "EUR",
     "2020", "2021", None, "2020", "component", "deu_p1"),
    ("FRA_P3", "fra_p3", "FRA", "P3", "100000000", "up_to", "EUR",
     "2021", "2022", None, "2021", "counted", None),
    ("NLD_P6", "nld_p6", "NLD", "P6", "300000000", "exact", "EUR",
     None, None, "3", "2020", "counted", None),
    ("EUU_P7", "euu_p7", "EUU", "P7", "200000000", "exact", "EUR",
     "2020", "2021", None, "2020", "counted", None),
    ("ITA_P4", "ita_p4", "ITA", "P4", "100000000", "exact", "EUR",
     "2020", None, None, "2020", "counted", None),
    ("ESP_P5", "esp_p5", "ESP", "P5", "100000000", "exact", "PLN",
     "2020", "2021", None, "2020", "counted", None),
    ("POL_P8", "pol_p8", "POL", "P8", "0", "exact", "EUR",
     "2020", "2021", None, "2020", "counted", None),
    ("SWE_P9", "swe_p9", "SWE", "P9", "-5000000", "exact", "EUR",
     "2020", "2021", None, "2020", "counted", None),
    ("BEL_P10", "bel_p10", "BEL", "P10", "5000000", "exact", None,
     "2020", "2021", None, "2020", "counted", None),
    ("CZE_P11", "cze_p11", "CZE", "P11", "5000000", "exact", "EUR",
     "2022", "2020", None, "2022", "counted", None),
    ("DNK_A", "dnk_a", "DNK", "A", "80000000", "exact", "EUR",
     "2020", "2020", None, "2020", "counted", None),
    ("DNK_B", "dnk_b", "DNK", "B", "80000000", "exact", "EUR",
     "2023", "2023", None, "2023", "counted", None),
    ("USA_P12", "usa_p12", "USA", "P12", "1250000000", "exact", "USD",
     None, None, None, "2018", "counted", None),
    # a plan for years the bloc memberships do not reach yet (they end next year)
    ("NOR_P13", "nor_p13", "NOR", "P13", "400000000", "exact", "USD",
     "2040", "2043", None, "2025", "counted", None),
    ("USA_P12_ALT", "usa_p12", "USA", "P12", "1200000000", "about", "USD",
     None, None, "5", "2018", "alternative", None),
    # announced in 2024, a year the FX table has no euro rate for: a gap, never a dollar
    ("FIN_P14", "fin_p14", "FIN", "P14", "300000000", "exact", "EUR",
     "2024", "2026", None, "2024", "counted", None),
]  # fmt: skip
FX = [
    ("EUR", "2020", "0.8"),
    ("EUR", "2021", "0.8"),
    ("EUR", "2023", "0.8"),
    ("GBP", "2020", "0.75"),
]
ECONOMY_KEYS = ["country_iso3", "year", "indicator"]
ECONOMY = [
    ("USA", "2020", "gdp_deflator", "100"),
    ("USA", "2024", "gdp_deflator", "110"),
    ("DEU", "2020", "gdp_usd", "4e12"),
    ("DEU", "2020", "gdp_ppp", "5e12"),
    ("DEU", "2020", "population", "80000000"),
]


def _programme_rows() -> pl.DataFrame:
    rows = []
    for (
        rid,
        pid,
        iso3,
        name,
        amount,
        kind,
        cur,
        start,
        end,
        length,
        year,
        status,
        part,
    ) in PROGRAMMES:
        rows.append(
            dict(zip(PROGRAMME_COLUMNS, [rid, pid, iso3, name, amount, kind, cur, start, end,
                 length, year, "programme", "yes", status, part, "official",
                 "https://example.org/" + rid, None, None], strict=True))
        )  # fmt: skip
    return pl.DataFrame(rows, schema={c: pl.String for c in PROGRAMME_COLUMNS})


def _grant(service: str, grant_id: str, title: str, currency: str, amount: float, year: int,
           file: str = "f1") -> dict:  # fmt: skip
    return {
        "service": service, "grant_id": grant_id, "title": title, "abstract": None,
        "funder": None, "programme": None, "currency": currency, "amount": amount,
        "amount_measure": "m", "start_date": f"{year}-03-01", "end_date": None, "status": None,
        "source_file": file, "source_sha256": file, "record_index": 0,
        "record_key": f"{file}:{grant_id}",
    }  # fmt: skip


def _org(service: str, grant_id: str, position: int, iso3: str, amount: float | None,
         role: str, file: str = "f1") -> dict:  # fmt: skip
    return {
        "service": service, "grant_id": grant_id, "position": position, "org_id": None,
        "name": None, "role": role, "parent_position": None, "country_code_raw": None,
        "country_iso3": iso3, "amount": amount, "amount_measure": None, "source_file": file,
        "source_sha256": file, "record_index": 0, "record_key": f"{file}:{grant_id}",
    }  # fmt: skip


def _raw_grants(grants: list[dict]) -> pl.DataFrame:
    """``grants`` (rows of ``_grant``, dates as text) as ``raw.grants`` holds them."""
    text_dates = {k: (pl.String if k in DATES else v) for k, v in SCHEMAS["raw.grants"].items()}
    return pl.DataFrame(grants, schema=text_dates).with_columns(
        pl.col(c).str.to_date() for c in DATES
    )


@pytest.fixture
def funding(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Reference tables (real methods, rules, blocs) plus the hand-made funding rows, and
    every funding table built from them."""
    frames = reference_frames()
    for table in (
        "ref.methods", "ref.bloc_memberships", "ref.classification_rules", "ref.approaches",
    ):  # fmt: skip
        replace_table(con, table, frames[table])
    replace_table(con, "ref.funding_programmes", _programme_rows())
    replace_table(
        con, "ref.fx_rates",
        pl.DataFrame([(*r, "hand", None) for r in FX], orient="row",
                     schema=["currency", "year", "units_per_usd", "source", "note"]),
    )  # fmt: skip
    replace_table(
        con, "ref.economic_indicators",
        pl.DataFrame([(*r, "u", "hand", None) for r in ECONOMY], orient="row",
                     schema=[*ECONOMY_KEYS, "value", "unit", "source", "note"]),
    )  # fmt: skip
    for table in ("raw.refreshed_fx_rates", "raw.refreshed_economic_indicators"):
        source = "ref.fx_rates" if "fx" in table else "ref.economic_indicators"
        con.execute(f"create table {table} as select * from {source} limit 0")
    grants = [
        _grant("nsf", "1", "Trapped-ion quantum networks", "USD", 1_000_000, 2020),
        _grant("nsf", "1", "Trapped-ion quantum networks", "USD", 1_000_000, 2020, "f2"),
        _grant("cordis", "2", "Superconducting qubits", "EUR", 800_000, 2020),
        _grant("ukri", "3", "Quantum key distribution", "GBP", 750_000, 2020),
        _grant("cordis", "4", "Quantum sensing", "EUR", 10_000, 2025),
        _grant("nsf", "5", "Soil microbiome", "USD", 500_000, 2020),
    ]
    organisations = [
        _org("nsf", "1", 1, "USA", 1_000_000, "awardee"),
        _org("nsf", "1", 1, "USA", 1_000_000, "awardee", "f2"),
        _org("cordis", "2", 1, "DEU", 400_000, "coordinator"),
        _org("cordis", "2", 2, "FRA", 300_000, "participant"),
        _org("cordis", "2", 2, "FRA", 100_000, "third_party"),
        _org("ukri", "3", 1, "GBR", None, "lead"),
        _org("ukri", "3", 2, "DEU", None, "partner"),
        _org("cordis", "4", 1, "DEU", 10_000, "coordinator"),
        _org("nsf", "5", 1, "USA", 500_000, "awardee"),
    ]
    replace_table(con, "raw.grants", _raw_grants(grants))
    replace_table(
        con, "raw.grant_organisations",
        pl.DataFrame(organisations, schema=SCHEMAS["raw.grant_organisations"]),
    )  # fmt: skip
    for table in (
        "staging.fx_rates", "staging.economic_indicators", "staging.funding_programmes",
        "core.bloc_member_years", "core.programme_years", "indicators.funding_commitments",
        "staging.grants", "staging.grant_organisations", "core.grant_amounts",
    ):  # fmt: skip
        run_sql(con, table)
    build_grant_approaches(con)
    run_sql(con, "core.grant_country_fractions")
    run_sql(con, "indicators.grant_funding")
    return con


def commitment(
    con: duckdb.DuckDBPyConnection, code: str, year: int, indicator: str
) -> float | None:
    row = con.execute(
        "select value from indicators.funding_commitments "
        "where entity_code = ? and year = ? and indicator = ?",
        [code, year, indicator],
    ).fetchone()
    return None if row is None else row[0]


def test_programme_rules_decide_what_is_counted(funding: duckdb.DuckDBPyConnection) -> None:
    rows = dict(
        funding.execute("select row_id, problem from staging.funding_programmes").fetchall()
    )
    assert rows["ITA_P4"] == "no_end_year"
    assert rows["ESP_P5"] == "unknown_currency"
    assert rows["POL_P8"] == "non_positive_amount"
    assert rows["SWE_P9"] == "non_positive_amount"
    assert rows["BEL_P10"] == "unknown_currency"  # no currency at all
    assert rows["CZE_P11"] == "invalid_period"
    counted = {
        r[0]
        for r in funding.execute(
            "select row_id from staging.funding_programmes where counted"
        ).fetchall()
    }
    assert counted == {
        *("DEU_P1", "FRA_P3", "NLD_P6", "EUU_P7", "USA_P12", "DNK_A", "DNK_B", "NOR_P13"),
        "FIN_P14",  # counted without a rate: a conversion gap (below)
    }
    assert rows["FIN_P14"] == "no_fx_rate"
    period = funding.execute(
        "select start_year, end_year, period_basis from staging.funding_programmes "
        "where row_id = 'NLD_P6'"
    ).fetchone()
    assert period == (2020, 2022, "stated length")
    borrowed = funding.execute(
        "select start_year, end_year, period_basis from staging.funding_programmes "
        "where row_id = 'USA_P12'"
    ).fetchone()
    assert borrowed == (2018, 2022, "period of USA_P12_ALT")


def test_commitments_are_annualised_and_converted(funding: duckdb.DuckDBPyConnection) -> None:
    assert commitment(funding, "DEU", 2020, "commitment_usd") == pytest.approx(125e6)
    assert commitment(funding, "DEU", 2023, "commitment_usd") == pytest.approx(125e6)
    assert commitment(funding, "DEU", 2024, "commitment_usd") is None
    assert commitment(funding, "DEU", 2020, "commitment_usd_constant") == pytest.approx(137.5e6)
    assert commitment(funding, "DEU", 2020, "commitment_ppp") == pytest.approx(156.25e6)
    assert commitment(funding, "DEU", 2020, "commitment_per_gdp") == pytest.approx(31.25)
    assert commitment(funding, "DEU", 2020, "commitment_per_capita") == pytest.approx(1.5625)
    # a later year uses the nearest GDP the table has (2020), and says so
    basis = funding.execute(
        "select basis_year from indicators.funding_commitments "
        "where entity_code = 'DEU' and year = 2022 and indicator = 'commitment_per_gdp'"
    ).fetchone()
    assert basis == (2020,)
    assert commitment(funding, "DEU", 2021, "commitment_cumulative_usd") == pytest.approx(250e6)
    assert commitment(funding, "NLD", 2022, "commitment_usd") == pytest.approx(125e6)
    assert commitment(funding, "USA", 2022, "commitment_usd") == pytest.approx(250e6)
    # 2020 475M, 2021 437.5M, 2022 312.5M (DEU, NLD, FRA), 2023 225M (DEU, DNK)
    assert commitment(funding, "EU27", 2023, "commitment_cumulative_usd") == pytest.approx(1450e6)
    # the running sum carries on through years without an active programme
    assert commitment(funding, "DNK", 2021, "commitment_usd") is None
    assert commitment(funding, "DNK", 2022, "commitment_cumulative_usd") == pytest.approx(100e6)
    assert commitment(funding, "DNK", 2023, "commitment_cumulative_usd") == pytest.approx(200e6)
    # and after the entity's last programme (Germany's ends in 2023: 4 x 125M) up to the
    # last year any programme reaches (Norway's plan, 2043), so that the world's running sum
    # is its countries' and the EU's own in every year (fund-1.5)
    assert commitment(funding, "DEU", 2024, "commitment_cumulative_usd") == pytest.approx(500e6)
    assert commitment(funding, "DEU", 2043, "commitment_cumulative_usd") == pytest.approx(500e6)
    assert commitment(funding, "DEU", 2044, "commitment_cumulative_usd") is None
    sums = funding.execute(
        "select year, sum(value) filter (where entity_type <> 'world'), "
        "sum(value) filter (where entity_type = 'world') from indicators.funding_commitments "
        "where indicator = 'commitment_cumulative_usd' and entity_type <> 'bloc' group by 1"
    ).fetchall()
    assert sums and all(parts == pytest.approx(world) for _, parts, world in sums)
    behind = funding.execute(
        "select programmes from indicators.funding_commitments where entity_code = 'DEU' "
        "and year = 2023 and indicator = 'commitment_cumulative_usd'"
    ).fetchone()
    assert behind == (1,)  # one figure, active four years, counted once


def test_bounds_and_gaps_are_flagged(funding: duckdb.DuckDBPyConnection) -> None:
    row = funding.execute(
        "select value, has_bounds, conversion_gaps from indicators.funding_commitments "
        "where entity_code = 'FRA' and year = 2021 and indicator = 'commitment_ppp'"
    ).fetchone()
    assert row == (None, True, 1)
    assert commitment(funding, "FRA", 2021, "commitment_usd") == pytest.approx(62.5e6)
    assert commitment(funding, "FRA", 2021, "commitment_per_gdp") is None


def test_a_counted_figure_without_a_rate_is_a_gap_in_every_series(
    funding: duckdb.DuckDBPyConnection,
) -> None:
    # FIN_P14: EUR 300M over 2024-26 at 2024 prices, and no euro rate for 2024
    rows = funding.execute(
        "select year, indicator, value, programmes, conversion_gaps "
        "from indicators.funding_commitments where entity_code = 'FIN' order by 1, 2"
    ).fetchall()
    by_year = {(year, indicator): (value, n, gaps) for year, indicator, value, n, gaps in rows}
    for indicator in ("commitment_usd", "commitment_usd_constant", "commitment_ppp"):
        assert by_year[(2025, indicator)] == (None, 1, 1), indicator
    # a running sum of gaps alone is unknown, not zero
    assert by_year[(2026, "commitment_cumulative_usd")] == (None, 1, 1)
    # the EU27's 2024 holds Finland's figure alone (Germany's ends in 2023): a gap its row
    # names, where the figure used to vanish from the bloc's total unsaid
    eu = funding.execute(
        "select value, programmes, conversion_gaps from indicators.funding_commitments "
        "where entity_code = 'EU27' and year = 2024 and indicator = 'commitment_usd'"
    ).fetchone()
    assert eu == (None, 1, 1)


def test_blocs_add_members_and_the_eu_once(funding: duckdb.DuckDBPyConnection) -> None:
    kind = funding.execute(
        "select distinct entity_type from indicators.funding_commitments where entity_code = 'EUU'"
    ).fetchall()
    assert kind == [("supranational",)]
    assert commitment(funding, "EU27", 2020, "commitment_usd") == pytest.approx(475e6)
    assert commitment(funding, "EU27", 2021, "commitment_usd") == pytest.approx(437.5e6)
    assert commitment(funding, "WLD", 2020, "commitment_usd") == pytest.approx(725e6)
    # alternatives and components are never added: Germany is P1 alone
    assert commitment(funding, "DEU", 2021, "commitment_usd") == pytest.approx(125e6)
    # Norway's plan for 2040 to 2043, after the years memberships reach: its blocs count it
    # with next year's members, as the world does
    for code in ("NOR", "NATO", "OECD", "WLD"):
        assert commitment(funding, code, 2042, "commitment_usd") == pytest.approx(100e6), code
    assert commitment(funding, "EU27", 2042, "commitment_usd") is None


def grant_value(
    con: duckdb.DuckDBPyConnection, code: str, indicator: str, scope: str = "all"
) -> float | None:
    row = con.execute(
        "select value from indicators.grant_funding where entity_code = ? and year = 2020 "
        "and approach = 'all' and funder_scope = ? and indicator = ?",
        [code, scope, indicator],
    ).fetchone()
    return None if row is None else row[0]


def test_grant_money_follows_the_paid_organisations(funding: duckdb.DuckDBPyConnection) -> None:
    assert grant_value(funding, "USA", "grant_funding_usd") == pytest.approx(1e6)
    assert grant_value(funding, "USA", "grants_count") == 1  # the copy in f2 counts once
    assert grant_value(funding, "DEU", "grant_funding_usd") == pytest.approx(0.5e6)
    assert grant_value(funding, "FRA", "grant_funding_usd") == pytest.approx(0.5e6)
    assert grant_value(funding, "GBR", "grant_funding_usd") == pytest.approx(1e6)
    assert grant_value(funding, "EU27", "grant_funding_usd") == pytest.approx(1e6)
    assert grant_value(funding, "EU27", "grants_count") == 1
    assert grant_value(funding, "WLD", "grant_funding_usd") == pytest.approx(3e6)
    assert grant_value(funding, "DEU", "grant_international_share") == pytest.approx(1.0)
    assert grant_value(funding, "USA", "grant_international_share") == pytest.approx(0.0)
    assert grant_value(funding, "GBR", "grant_international_share") == pytest.approx(0.0)
    assert grant_value(funding, "USA", "grant_funding_usd", "cordis") is None
    # the UKRI partner is named but not paid: Germany gets nothing from ukri:3
    assert grant_value(funding, "DEU", "grant_funding_usd", "ukri") is None
    constant = grant_value(funding, "USA", "grant_funding_usd_constant")
    assert constant == pytest.approx(1.1e6)


def add_grants(
    funding: duckdb.DuckDBPyConnection, grants: list[dict], organisations: list[dict]
) -> None:
    """Append ``grants`` (rows of ``_grant``) and ``organisations`` (rows of ``_org``) to
    the raw tables and build the grant tables again, up to core.grant_country_fractions."""
    funding.register("new_grants", _raw_grants(grants))
    funding.execute("insert into raw.grants by name select * from new_grants")
    funding.register(
        "new_organisations", pl.DataFrame(organisations, schema=SCHEMAS["raw.grant_organisations"])
    )
    funding.execute("insert into raw.grant_organisations by name select * from new_organisations")
    for table in ("staging.grants", "staging.grant_organisations", "core.grant_amounts"):
        run_sql(funding, table)
    build_grant_approaches(funding)
    run_sql(funding, "core.grant_country_fractions")


def test_a_grant_only_on_post_quantum_cryptography_is_not_in_all(
    funding: duckdb.DuckDBPyConnection,
) -> None:
    # NSF 10 (USD 400k to the USA, 2020): post-quantum signatures, pqc alone: not in all;
    # NSF 11 (USD 200k to the USA, 2020): QKD with a post-quantum key exchange, qkd and pqc:
    # in all too. So the USA's 2020 grant money in all is nsf:1's 1M and nsf:11's 0.2M (two
    # grants), and in pqc 0.4M + 0.2M; CORDIS 4 ('Quantum sensing') no rule classifies: all
    grants = [
        _grant("nsf", "10", "Post-quantum signatures", "USD", 400_000, 2020),
        _grant("nsf", "11", "Quantum key distribution with post-quantum key exchange", "USD",
               200_000, 2020),
    ]  # fmt: skip
    organisations = [
        _org("nsf", "10", 1, "USA", 400_000, "awardee"),
        _org("nsf", "11", 1, "USA", 200_000, "awardee"),
    ]
    add_grants(funding, grants, organisations)
    run_sql(funding, "indicators.grant_funding")
    approaches = dict(
        funding.execute(
            "select grant_key, list(approach order by approach) from core.grant_approaches "
            "where grant_key in ('nsf:10', 'nsf:11', 'cordis:4') group by 1"
        ).fetchall()
    )
    assert approaches == {
        "nsf:10": ["pqc"],
        "nsf:11": ["all", "pqc", "qkd"],
        "cordis:4": ["all", "unclassified"],
    }
    assert grant_value(funding, "USA", "grant_funding_usd") == pytest.approx(1.2e6)
    assert grant_value(funding, "USA", "grants_count") == 2
    pqc = funding.execute(
        "select value from indicators.grant_funding where entity_code = 'USA' and year = 2020 "
        "and approach = 'pqc' and funder_scope = 'all' and indicator = 'grant_funding_usd'"
    ).fetchone()
    assert pqc == (pytest.approx(0.6e6),)


def test_a_grant_of_a_year_without_a_deflator_is_flagged(
    funding: duckdb.DuckDBPyConnection,
) -> None:
    # the deflator has 2020 and 2024: a grant of 2020 has constant dollars, one of 2025 not
    rows = funding.execute(
        "select grant_key, usd_constant is not null, no_deflator from core.grant_amounts "
        "where grant_key in ('nsf:1', 'cordis:4') order by 1"
    ).fetchall()
    assert rows == [("cordis:4", False, True), ("nsf:1", True, False)]


def test_a_grant_without_a_rate_is_a_gap_not_a_dollar(funding: duckdb.DuckDBPyConnection) -> None:
    row = funding.execute(
        "select usd_nominal, no_fx_rate from core.grant_amounts where grant_key = 'cordis:4'"
    ).fetchone()
    assert row == (None, True)
    gaps = funding.execute(
        "select value, conversion_gaps from indicators.grant_funding where entity_code = 'DEU' "
        "and year = 2025 and approach = 'all' and funder_scope = 'all' "
        "and indicator = 'grant_funding_usd'"
    ).fetchone()
    assert gaps == (None, 1)
    scoped = {
        r[0]
        for r in funding.execute("select grant_key from staging.grants where in_scope").fetchall()
    }
    assert "nsf:5" not in scoped


def test_the_programme_contract_stops_money_counted_twice(
    funding: duckdb.DuckDBPyConnection,
) -> None:
    contract = load_contracts(SQL_DIR)["staging.funding_programmes"]
    assert check_values(funding, contract).passed
    # a reviewer marks a component of Germany's counted total as counted too, and a second
    # figure of the same programme as counted: both are the same money twice
    funding.execute(
        "update staging.funding_programmes set status = 'counted' "
        "where row_id in ('DEU_P2', 'DEU_P1_ALT')"
    )
    outcome = check_values(funding, contract)
    failed = {failure["expectation"].split(" ")[0] for failure in outcome.failures}
    assert {"one_counted_figure_per_programme", "components_not_added_to_their_total"} <= failed


def test_refreshed_rates_win_and_the_dollar_stays_one(funding: duckdb.DuckDBPyConnection) -> None:
    # a World Bank refresh maps the United States to USD: the dollar is never a fetched rate
    funding.execute(
        "insert into raw.refreshed_fx_rates values "
        "('USD', '2020', '1', 'World Bank', null), ('EUR', '2020', '0.5', 'World Bank', null)"
    )
    run_sql(funding, "staging.fx_rates")
    rates = funding.execute(
        "select currency, units_per_usd, source from staging.fx_rates where year = 2020 "
        "and currency in ('USD', 'EUR') order by 1"
    ).fetchall()
    assert rates == [("EUR", 0.5, "World Bank"), ("USD", 1.0, "US dollar: 1 by definition")]


# row_id, programme_id, start, end, length, announced, source kind: the periods figures
# lend each other (meta.methods programme_annualisation_rule), worked out by hand
PERIOD_FIGURES = [
    # X: no figure places a period itself. X_LEN's ten years have nothing to start from, so
    # X_ANN (announced 2023) and X_END (ends 2024) have none to borrow.
    ("X_LEN", "x", None, None, "10", None, "official"),
    ("X_ANN", "x", None, None, None, "2023", "reputable_news"),
    ("X_END", "x", None, "2024", None, None, "reputable_news"),
    # Y: Y_LEN states six years from nothing: it takes Y_YEARS' 2020-2025.
    ("Y_YEARS", "y", "2020", "2025", None, "2020", "official"),
    ("Y_LEN", "y", None, None, "6", None, "reputable_news"),
    # Z: Z_LEN places ten years from 2025; Z_END, which states an end alone, takes that
    # period, 2025-2034, not ten years back from its own end.
    ("Z_LEN", "z", None, None, "10", "2025", "aggregator"),
    ("Z_END", "z", None, "2035", None, "2025", "reputable_news"),
]


def test_a_figure_borrows_only_a_period_another_figure_places(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = [
        dict(zip(PROGRAMME_COLUMNS, [rid, pid, "GBR", pid, "100", "exact", "USD", start, end,
             length, announced, "programme", "yes", "alternative", None, kind,
             "https://example.org/" + rid, None, None], strict=True))
        for rid, pid, start, end, length, announced, kind in PERIOD_FIGURES
    ]  # fmt: skip
    replace_table(
        con, "ref.funding_programmes",
        pl.DataFrame(rows, schema={c: pl.String for c in PROGRAMME_COLUMNS}),
    )  # fmt: skip
    con.execute(
        "create table staging.fx_rates as select 'USD' as currency, year, 1.0 as units_per_usd "
        "from range(2015, 2036) as t(year)"
    )
    run_sql(con, "staging.funding_programmes")
    periods = con.execute(
        "select row_id, start_year, end_year, period_basis, problem "
        "from staging.funding_programmes order by row_id"
    ).fetchall()
    assert periods == [
        ("X_ANN", None, None, None, "no_period"),
        ("X_END", None, 2024, None, "no_start_year"),
        ("X_LEN", None, None, None, "no_period"),
        ("Y_LEN", 2020, 2025, "period of Y_YEARS", None),
        ("Y_YEARS", 2020, 2025, "stated years", None),
        ("Z_END", 2025, 2034, "period of Z_LEN", None),
        ("Z_LEN", 2025, 2034, "stated length", None),
    ]


def test_a_grant_naming_only_partners_it_does_not_pay_goes_to_zzz(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # ukri:7 lists no lead, only a German project partner: nobody it names is paid, so its
    # money is unknown (ZZZ), never the partner's; ukri:8 pays its UK lead; ukri:9 lists a
    # US collaborator before its lead research organisation, in Ireland, which is paid
    con.execute(
        "create table staging.grants as select * from (values ('ukri:7', true), "
        "('ukri:8', true), ('ukri:9', true)) as t(grant_key, in_scope)"
    )
    con.execute(
        "create table staging.grant_organisations as select * from (values "
        "('ukri:7', 1, 'DEU', null::double, 'project_partner'), "
        "('ukri:8', 1, 'GBR', null::double, 'lead'), "
        "('ukri:8', 2, 'DEU', null::double, 'project_partner'), "
        "('ukri:9', 1, 'USA', null::double, 'collaborator'), "
        "('ukri:9', 2, 'IRL', null::double, 'lead_ro')) "
        "as t(grant_key, position, country_iso3, amount, role)"
    )
    con.execute(
        "create table core.grant_amounts as select grant_key, 'ukri' as service, 2020 as year, "
        "1000.0 as amount from staging.grants"
    )
    run_sql(con, "core.grant_country_fractions")
    fractions = con.execute(
        "select grant_key, country_iso3, fraction, basis from core.grant_country_fractions "
        "order by 1"
    ).fetchall()
    assert fractions == [
        ("ukri:7", "ZZZ", 1.0, "no paid organisation"),
        ("ukri:8", "GBR", 1.0, "lead organisation"),
        ("ukri:9", "IRL", 1.0, "lead organisation"),
    ]


def test_a_grant_copy_takes_its_own_record_s_organisations(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # one file carries cordis:9 twice (records 0 and 1): the first copy is kept, and only its
    # organisation counts, not the second copy's
    replace_table(con, "ref.methods", reference_frames()["ref.methods"])
    grants = [
        {**_grant("cordis", "9", "Quantum sensing", "EUR", 10_000, 2021), "record_index": index,
         "record_key": f"f1:9:{index}"}
        for index in (0, 1)
    ]  # fmt: skip
    replace_table(con, "raw.grants", _raw_grants(grants))
    organisations = [
        {**_org("cordis", "9", 1, iso3, 10_000, "coordinator"), "record_index": index,
         "record_key": f"f1:9:{index}"}
        for index, iso3 in ((0, "DEU"), (1, "FRA"))
    ]  # fmt: skip
    replace_table(
        con, "raw.grant_organisations",
        pl.DataFrame(organisations, schema=SCHEMAS["raw.grant_organisations"]),
    )  # fmt: skip
    run_sql(con, "staging.grants")
    run_sql(con, "staging.grant_organisations")
    kept = con.execute("select grant_key, country_iso3 from staging.grant_organisations").fetchall()
    assert kept == [("cordis:9", "DEU")]


def test_an_unknown_share_keeps_its_money_in_zzz(funding: duckdb.DuckDBPyConnection) -> None:
    # CORDIS 6: EUR 1M; the coordinator (DEU) states 600k, a participant (CHN) states no
    # share: the 400k the stated shares leave go to the unknown country, not to Germany;
    # CORDIS 7: EUR 1M; an organisation of no known country states 100k, DEU 600k, another
    # participant nothing: the stated 100k and the unknown 300k meet in one ZZZ row;
    # CORDIS 8: DEU states the whole 1M beside an associated partner the funder does not
    # pay, with no share: Germany holds it all
    grants = [
        _grant("cordis", grant_id, "Quantum sensing network", "EUR", 1_000_000, 2020)
        for grant_id in ("6", "7", "8")
    ]
    organisations = [
        _org("cordis", "6", 1, "DEU", 600_000, "coordinator"),
        _org("cordis", "6", 2, "CHN", None, "participant"),
        _org("cordis", "7", 1, "DEU", 600_000, "coordinator"),
        _org("cordis", "7", 2, "ZZZ", 100_000, "participant"),
        _org("cordis", "7", 3, "FRA", None, "participant"),
        _org("cordis", "8", 1, "DEU", 1_000_000, "coordinator"),
        _org("cordis", "8", 2, "USA", None, "associated_partner"),
    ]
    add_grants(funding, grants, organisations)
    rows = funding.execute(
        "select grant_key, country_iso3, fraction, basis, is_international "
        "from core.grant_country_fractions where grant_key in ('cordis:6', 'cordis:7', "
        "'cordis:8') order by 1, 2"
    ).fetchall()
    # a consortium is the known countries the money reaches: CHN and FRA, of unknown
    # share, are not in it (the security lens reads the same rows)
    assert rows == [
        ("cordis:6", "DEU", pytest.approx(0.6), "stated shares", False),
        ("cordis:6", "ZZZ", pytest.approx(0.4), "share not stated", False),
        ("cordis:7", "DEU", pytest.approx(0.6), "stated shares", False),
        ("cordis:7", "ZZZ", pytest.approx(0.4), "share not stated", False),
        ("cordis:8", "DEU", 1.0, "stated shares", False),
    ]


def test_the_latest_grant_year_read_is_incomplete_even_before_the_current_year(
    funding: duckdb.DuckDBPyConnection,
) -> None:
    # the grants read start in 2020 and 2025: 2025 is their latest year, still filling
    # when the files were taken (incomplete_year_rule), whatever the current year
    frames = reference_frames()
    for table in ("ref.indicators", "ref.countries", "ref.blocs"):
        replace_table(funding, table, frames[table])
    funding.execute(
        "create table raw.grant_source_files as select 'nsf' as source, "
        "'synthetic sample' as data_kind"
    )
    run_sql(funding, "marts.funding_indicators")
    flags = funding.execute(
        "select distinct year, year_incomplete from marts.funding_indicators "
        "where funding_kind = 'grants' order by year"
    ).fetchall()
    assert flags == [(2020, False), (2025, True)]
