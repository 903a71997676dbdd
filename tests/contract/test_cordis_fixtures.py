"""The CORDIS parser on real recorded XML records (../shared/fixtures/cordis)."""

from pathlib import Path

import pytest

from assets.funding.cordis_parse import is_cordis_xml, parse_cordis_project_xml
from assets.reference.tables import iso2_lookup, read_csv
from pipelines.parsing import CountryCodes, Provenance

pytestmark = pytest.mark.contract
PROJECT = "cordis/cordis_project_101190685_3SI-CONTROL.xml"
PROGRAMME = "cordis/cordis_programme_705727.xml"


@pytest.fixture(scope="module")
def codes() -> CountryCodes:
    historical = read_csv("historical_country_codes.csv")
    return CountryCodes(
        iso2_lookup(read_csv("countries.csv")),
        frozenset(historical.filter(historical["valid_to"].is_not_null())["code"].to_list()),
    )


@pytest.fixture(scope="module")
def aliases() -> dict[str, str]:
    table = read_csv("eu_country_codes.csv")
    return {row["code"]: row["iso3"] for row in table.iter_rows(named=True)}


def parse(shared_fixtures: Path, name: str, codes: CountryCodes, aliases: dict):
    body = (shared_fixtures / name).read_bytes()
    assert is_cordis_xml(body)
    return parse_cordis_project_xml(body, Provenance(name, "0" * 64, None), codes, aliases, 2027)


def test_the_recorded_project_and_its_seven_organisations(
    shared_fixtures: Path, codes: CountryCodes, aliases: dict
) -> None:
    batch, records = parse(shared_fixtures, PROJECT, codes, aliases)
    assert records == 1
    (grant,) = batch.grants
    assert (grant["grant_id"], grant["amount"], grant["currency"]) == (
        "101190685",
        5500000.0,
        "EUR",
    )
    assert (grant["programme"], grant["status"]) == ("HORIZON", "SIGNED")
    assert (grant["start_date"], grant["end_date"]) == ("2025-06-01", "2029-05-31")
    assert len(batch.organisations) == 7
    (third,) = [o for o in batch.organisations if o["role"] == "third_party"]
    (parent,) = [o for o in batch.organisations if o["position"] == 4 and o is not third]
    # the third party is credited what it receives (ecContribution="0" on the wire)
    assert (third["amount"], third["amount_measure"], third["parent_position"]) == (
        54941.25,
        "netEcContribution",
        4,
    )
    assert parent["amount"] == 949890.0  # its ecContribution 1,004,831.25 less the share
    assert sum(o["amount"] for o in batch.organisations) == grant["amount"]
    assert {o["country_code_raw"]: o["country_iso3"] for o in batch.organisations} == {
        "BE": "BEL",
        "MZ": "MOZ",
        "TZ": "TZA",
        "ES": "ESP",
        "ZM": "ZMB",
    }
    assert batch.quarantine == []


def test_the_recorded_programme_is_no_grant(
    shared_fixtures: Path, codes: CountryCodes, aliases: dict
) -> None:
    batch, records = parse(shared_fixtures, PROGRAMME, codes, aliases)
    assert records == 0 and batch.grants == [] and batch.quarantine == []
