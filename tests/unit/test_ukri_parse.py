"""The GtR project search parser: grant and organisation rows, and every bad-input rule."""

from __future__ import annotations

import pytest

from assets.funding.ukri_parse import gtr_date, is_ukri_page, parse_ukri_page
from pipelines.parsing import CountryCodes, Provenance
from tests.ukri_bodies import organisation, page, project, role

pytestmark = pytest.mark.unit
CODES = CountryCodes({"GB": "GBR", "DE": "DEU", "US": "USA"}, frozenset({"SU"}))
NAMES = {"united kingdom": "GBR", "germany": "DEU", "united states": "USA"}
PROV = Provenance("ukri/blobs/ab/ab.json.gz", "ab" * 32, None)


def parse(body: dict, max_year: int = 2026):
    return parse_ukri_page(body, PROV, CODES, max_year, NAMES)


def reasons(batch) -> list[str]:
    return [q["reason"] for q in batch.quarantine]


def test_a_project_becomes_a_grant_in_pounds_with_uk_dates() -> None:
    batch, read = parse(page([project()]))
    assert read == 1
    (grant,) = batch.grants
    assert grant["service"] == "ukri"
    assert grant["grant_id"] == "EP/T001062/1"
    assert (grant["funder"], grant["programme"]) == ("EPSRC", "Research Grant")
    assert (grant["currency"], grant["amount"]) == ("GBP", 1250000.0)
    assert grant["amount_measure"] == "fund.valuePounds"
    # midnight 1 April in UK summer time is 23:00 UTC the day before: still 1 April
    assert (grant["start_date"], grant["end_date"]) == ("2020-04-01", "2025-03-31")
    assert grant["status"] == "Active"
    assert grant["record_index"] == 0
    assert batch.quarantine == []


def test_the_documented_example_start_is_read_as_a_uk_date() -> None:
    # fund.start 1522537200000 on GtR's "Searching projects" page
    assert gtr_date(1522537200000, "fund.start") == "2018-04-01"
    assert gtr_date("2019-10-01", "fund.start") == "2019-10-01"


def test_lead_first_then_other_roles_without_repeating_the_lead() -> None:
    lead = organisation("ORG-IC", "Imperial College London")
    partner = organisation("ORG-DE", "Universität Stuttgart", country="Germany")
    body = page(
        [
            project(
                lead=lead,
                roles=[role(lead, "LEAD_RO"), role(partner, "COLLABORATOR", "PROJECT_PARTNER")],
            )
        ]
    )
    batch, _ = parse(body)
    rows = [(o["position"], o["org_id"], o["role"], o["country_iso3"]) for o in batch.organisations]
    assert rows == [
        (1, "ORG-IC", "lead", "GBR"),
        (2, "ORG-DE", "collaborator+project_partner", "DEU"),
    ]
    assert all(o["amount"] is None for o in batch.organisations)


def test_country_names_codes_and_absence() -> None:
    roles = [
        role(organisation("A", "A Ltd", country="united  kingdom"), "PARTICIPANT"),
        role(organisation("B", "B Inc", country="US"), "PARTICIPANT"),
        role(organisation("C", "C", country=None), "PARTICIPANT"),
        role(organisation("D", "D", country="Atlantis"), "PARTICIPANT"),
        role(organisation("E", "E", country="UK"), "PARTICIPANT"),
        role(organisation("F", "F", country="SU"), "PARTICIPANT"),
    ]
    batch, _ = parse(page([project(roles=roles)]))
    countries = [(o["country_code_raw"], o["country_iso3"]) for o in batch.organisations[1:]]
    assert countries == [
        ("united  kingdom", "GBR"),
        ("US", "USA"),
        (None, "ZZZ"),
        ("Atlantis", "ZZZ"),
        ("UK", "ZZZ"),
        ("SU", "ZZZ"),
    ]
    assert reasons(batch) == [
        "unknown_country_name",
        "invalid_country_code",
        "historical_country_code",
    ]
    assert len(batch.grants) == 1


def test_default_names_come_from_the_reviewed_countries_table() -> None:
    body = page([project(lead=organisation("X", "X", country="United Kingdom"))])
    batch, _ = parse_ukri_page(body, PROV, CODES, 2026)
    assert batch.organisations[0]["country_iso3"] == "GBR"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"reference": ""}, "invalid_id"),
        ({"start": None}, "missing_date"),
        ({"value": None}, "missing_amount"),
        ({"value": "a lot"}, "missing_amount"),
        ({"value": 0}, "non_positive_amount"),
        ({"value": -5}, "non_positive_amount"),
        ({"start": "1949-12-31"}, "year_out_of_range"),
        ({"start": "2031-01-01"}, "year_out_of_range"),
    ],
)
def test_unusable_projects_are_quarantined_whole(changes: dict, reason: str) -> None:
    batch, read = parse(page([project(**changes), project("EP/X000001/1")]))
    assert read == 2
    assert reasons(batch) == [reason]
    assert [g["grant_id"] for g in batch.grants] == ["EP/X000001/1"]
    assert {o["grant_id"] for o in batch.organisations} == {"EP/X000001/1"}
    assert batch.quarantine[0]["record_index"] == 0


def test_amount_as_a_numeric_string_is_read() -> None:
    batch, _ = parse(page([project(value="1,250,000.50")]))
    assert batch.grants[0]["amount"] == 1250000.5


def test_a_duplicate_reference_on_one_page_keeps_the_first() -> None:
    body = page([project(title="first"), project(title="second", project_id="OTHER")])
    batch, _ = parse(body)
    assert [g["title"] for g in batch.grants] == ["first"]
    assert reasons(batch) == ["duplicate_record"]
    assert batch.quarantine[0]["record_index"] == 1
    assert len(batch.organisations) == 1


def test_a_field_missing_from_every_result_is_schema_drift() -> None:
    body = page([project(), project("EP/X000001/1")])
    for result in body["facetedSearchResultBean"]["results"]:
        del result["projectComposition"]["project"]["fund"]
    batch, read = parse(body)
    assert read == 2
    assert batch.grants == [] and batch.organisations == []
    assert reasons(batch) == ["schema_drift"]
    assert "project.fund" in batch.quarantine[0]["detail"]


def test_an_empty_page_is_no_drift_and_no_rows() -> None:
    batch, read = parse(page([]))
    assert (read, batch.grants, batch.quarantine) == (0, [], [])


def test_the_format_is_told_by_content() -> None:
    assert is_ukri_page(page([project()]))
    assert not is_ukri_page({"error": False, "count": 0, "total_hits": 0, "patents": []})
    assert not is_ukri_page({"facetedSearchResultBean": {"results": None}})
    assert not is_ukri_page([])
    with pytest.raises(ValueError, match="not a GtR project search page"):
        parse({"response": {"award": []}})


def test_unicode_is_normalised() -> None:
    body = page([project(title="Qu\u200bantum  e\u0301tats ")])
    batch, _ = parse(body)
    assert batch.grants[0]["title"] == "Quantum  \u00e9tats"
