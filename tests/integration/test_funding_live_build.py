"""Live mode end to end for funding and trade, against local mocks of NSF, UKRI GtR,
CORDIS, the World Bank and UN Comtrade.

The build is the one live build of ``live_services`` (conftest), which also calls the
patent services for ``test_patents_live_build``; OpenAlex and the authors are read from
one-page folders. The mocks answer in the services' real formats (the body builders of
tests/*_bodies.py). The World Bank refresh sets the 2021 euro rate to 0.5 per dollar,
which the committed table does not have, so a euro grant of 2021 shows that refreshed
rows win.
"""

from __future__ import annotations

import gzip

import duckdb
import pytest

from assets.funding.cordis_live import DEFAULT_PROGRAMMES
from assets.funding.live_assets import TERMS
from assets.funding.world_bank_live import ALL_INDICATORS
from assets.reference.tables import read_csv
from assets.supply_chain.comtrade_live import KEY_HEADER
from tests import cordis_bodies, nsf_bodies, ukri_bodies, world_bank_bodies
from tests.comtrade_bodies import comtrade_body, comtrade_record
from tests.integration.conftest import LiveServices
from tests.mock_server import Reply

# on the worker that makes the live build the patents' tests read too (pytest-xdist)
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("live_services")]
YEAR = 2021
JSON = {"Content-Type": "application/json"}
CANARY = "CANARY-COMTRADE-7d1e"
# the HS2017 codes a 2021 fetch asks for: ref.hs_codes without its context lines, then TOTAL
HS2017_CODES = sorted(
    {
        row["hs_code"]
        for row in read_csv("hs_codes.csv").iter_rows(named=True)
        if row["hs_revision"] == "HS2017" and row["role"] != "context"
    }
)


def nsf_replies() -> list[Reply]:
    """One award for the first term, none for the others."""
    award = nsf_bodies.nsf_award(
        id="2100001",
        title="Trapped-ion quantum networks",
        startDate=f"04/01/{YEAR}",
        expDate=f"03/31/{YEAR + 3}",
        estimatedTotalAmt="600000",
    )
    first = Reply(200, nsf_bodies.nsf_page(award), JSON)
    return [first] + [Reply(200, nsf_bodies.nsf_page(), JSON) for _ in TERMS[1:]]


def ukri_replies() -> list[Reply]:
    """One project for the first term, none for the others."""
    project = ukri_bodies.project(
        "EP/X000001/1", title="Silicon spin qubits", value=400000, start=f"{YEAR}-06-01"
    )
    first = Reply(200, ukri_bodies.page([project]), JSON)
    return [first] + [Reply(200, ukri_bodies.page([]), JSON) for _ in TERMS[1:]]


def cordis_replies() -> list[Reply]:
    """A quantum project of 2021 in the first programme's archive; a project outside the
    quantum scope in the others (the reader leaves it out)."""
    project = cordis_bodies.project_record(
        id="101000777",
        startDate=f"{YEAR}-01-01",
        ecMaxContribution="1000000",
        totalCost="1000000",
    )
    organisations = [
        cordis_bodies.organisation_record(
            projectID="101000777", organisationID="1", country="DE", order="1",
            ecContribution="600000", netEcContribution="600000",
        ),
        cordis_bodies.organisation_record(
            projectID="101000777", organisationID="2", country="EL", order="2",
            role="participant", ecContribution="400000", netEcContribution="400000",
        ),
    ]  # fmt: skip
    zip_headers = {"Content-Type": "application/zip"}
    archives = [cordis_bodies.bulk_zip([project], organisations)]
    other = cordis_bodies.project_record(
        id="101000888", title="Soil microbiome dynamics", objective="Drought and soil."
    )
    others = [cordis_bodies.organisation_record(projectID="101000888")]
    archives += [cordis_bodies.bulk_zip([other], others) for _ in DEFAULT_PROGRAMMES[1:]]
    return [Reply(200, body, zip_headers) for body in archives]


def world_bank_replies() -> list[Reply]:
    """Each indicator: one page; the exchange rates say 0.5 euro per dollar in 2021."""
    replies = []
    for indicator in ALL_INDICATORS:
        if indicator == "PA.NUS.FCRF":
            # the United States' own series is the dollar, which stays 1 by definition
            records = [
                world_bank_bodies.record(indicator, "DEU", YEAR, 0.5),
                world_bank_bodies.record(indicator, "USA", YEAR, 1.0),
            ]
        elif indicator == "NY.GDP.DEFL.ZS":
            records = [world_bank_bodies.record(indicator, "USA", y, 100 + y - 2017)
                       for y in range(2010, 2026)]  # fmt: skip
        else:
            records = [world_bank_bodies.record(indicator, "DEU", YEAR, 1000.0)]
        replies.append(Reply(200, world_bank_bodies.page(records), JSON))
    return replies


def comtrade_replies() -> list[Reply]:
    """One response per code of 2021: the USA exports 100 of each line to the World and
    Germany imports 60 of it from the USA; all goods (TOTAL): the USA exports 1,000."""
    replies = []
    for code in [*HS2017_CODES, "TOTAL"]:
        records = [
            comtrade_record(refYear=YEAR, cmdCode=code, classificationCode="H5",
                            primaryValue=1000.0 if code == "TOTAL" else 100.0),
        ]  # fmt: skip
        if code != "TOTAL":
            records.append(
                comtrade_record(
                    refYear=YEAR,
                    cmdCode=code,
                    classificationCode="H5",
                    flowCode="M",
                    reporterCode=276,
                    reporterISO="DEU",
                    partnerCode=842,
                    partnerISO="USA",
                    primaryValue=60.0,
                )
            )
        replies.append(Reply(200, comtrade_body(records), JSON))
    return replies


def test_live_funding_and_trade_land_parse_and_publish(live_services: LiveServices) -> None:
    folder, output = live_services.folder, live_services.output
    assert live_services.code == 0, output
    assert live_services.unused == 0
    seen = live_services.requests
    nsf_seen, cordis_seen, comtrade_seen = seen["nsf"], seen["cordis"], seen["comtrade"]
    assert live_services.paces  # the clients spaced their requests (without waiting here)
    assert nsf_seen[0].query["keyword"] == [TERMS[0]]
    assert nsf_seen[0].query["startDateStart"] == [f"01/01/{YEAR}"]
    assert cordis_seen[0].path.endswith("projects-csv.zip")
    assert [r.query["cmdCode"][0] for r in comtrade_seen] == [*HS2017_CODES, "TOTAL"]
    assert {r.headers[KEY_HEADER] for r in comtrade_seen} == {CANARY}

    con = duckdb.connect(str(folder / "out" / "qcm.duckdb"), read_only=True)
    rates = dict(
        con.execute(
            "select currency, units_per_usd from marts.fx_rates where year = ?", [YEAR]
        ).fetchall()
    )
    assert rates["EUR"] == 0.5  # the refresh's rate, not the committed table's
    source = con.execute(
        "select source from marts.fx_rates where currency = 'EUR' and year = ?", [YEAR]
    ).fetchone()[0]
    assert "World Bank" in source
    # the pages behind the refresh are raw files of the release: one per indicator, its
    # records counted, and in the checksum of the run's inputs
    pages = con.execute(
        "select count(*), sum(records), bool_and(data_kind = 'live'), "
        "bool_and(source_file like 'world_bank/blobs/%') "
        "from meta.source_files where source = 'world_bank'"
    ).fetchone()
    assert pages == (len(ALL_INDICATORS), 2 + 16 + len(ALL_INDICATORS) - 2, True, True)
    grants = con.execute(
        "select grant_key, currency, amount, usd_nominal, countries from marts.grants order by 1"
    ).fetchall()
    assert grants == [
        ("cordis:101000777", "EUR", 1_000_000.0, 2_000_000.0, ["DEU", "GRC"]),
        ("nsf:2100001", "USD", 600_000.0, 600_000.0, ["USA"]),
        ("ukri:EP/X000001/1", "GBP", 400_000.0, 400_000 / rates["GBP"], ["GBR"]),
    ]
    kinds = con.execute(
        "select distinct data_kind from marts.funding_indicators where funding_kind = 'grants'"
    ).fetchall()
    assert kinds == [("live",)]
    # the refreshed rates are a source of every funding row: its snapshot is named
    named = con.execute(
        "select bool_and(source_snapshot like '%world_bank@%') from marts.funding_long"
    ).fetchone()
    assert named == (True,)
    # trade: every line's USA exports (100) and German imports from the USA (60)
    exports = con.execute(
        "select count(*), min(value), max(value), bool_and(data_kind = 'live') "
        "from marts.supply_chain_indicators where indicator = 'exports' and level = "
        "'component' and entity_code = 'USA' and year = ?",
        [YEAR],
    ).fetchone()
    assert exports == (len(HS2017_CODES), 100.0, 100.0, True)
    flows = con.execute(
        "select count(*), min(value_usd), max(value_usd), min(basis), max(basis) "
        "from marts.trade_flows where importer_iso3 = 'DEU' and exporter_iso3 = 'USA' "
        "and year = ?",
        [YEAR],
    ).fetchone()
    assert flows == (len(HS2017_CODES), 60.0, 60.0, "importer_reported", "importer_reported")
    # neither side of anyone's trade is complete (the USA filed no imports, Germany no
    # exports, and no partner reports them): no import dependence rather than a wrong one
    assert con.execute(
        "select count(*) from marts.supply_chain_indicators where indicator = "
        "'import_dependence' and year = ?",
        [YEAR],
    ).fetchone() == (0,)
    landed = sorted(p.name for p in (folder / "state" / "raw").iterdir())
    funding_and_trade = ["comtrade", "cordis", "nsf", "ukri", "world_bank"]
    assert landed == sorted([*funding_and_trade, "epo_ops", "patentsview"])  # and the patents
    # the key is nowhere: output, landing zone, working state, published files
    assert CANARY not in output
    for written in (folder / "state", folder / "out"):
        for path in written.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                if path.suffix == ".gz":  # landed bodies are gzipped: look inside them
                    data = gzip.decompress(data)
                assert CANARY.encode() not in data, path
    con.close()
