"""The NSF page parser: each bad-input case has a defined behaviour (kept, unknown, quarantined)."""

from __future__ import annotations

from typing import Any

import pytest

from assets.funding.grants import GRANT_COLUMNS, ORGANISATION_COLUMNS, GrantBatch
from assets.funding.nsf_parse import (
    FALLBACK_MEASURE,
    is_nsf_page,
    page_awards,
    page_total,
    parse_nsf_page,
    parse_us_date,
)
from pipelines.parsing import CountryCodes, Provenance, RecordError
from tests.nsf_bodies import nsf_award, nsf_page, nsf_refusal

pytestmark = pytest.mark.unit
CODES = CountryCodes(
    {"US": "USA", "DE": "DEU", "GB": "GBR", "XK": "XKX", "TW": "TWN"}, frozenset({"SU", "YU"})
)
PROV = Provenance("nsf/blobs/ab/abc.json.gz", "ab" * 32, None)
MAX_YEAR = 2026


def parse(*awards: dict[str, Any], **page: Any) -> tuple[GrantBatch, int]:
    """Parse a page of ``awards``."""
    return parse_nsf_page(nsf_page(*awards, **page), PROV, CODES, MAX_YEAR)


def reasons(batch: GrantBatch) -> list[tuple[str | None, str]]:
    """``(record id, reason)`` of every quarantine row, in order."""
    return [(q["record_id"], q["reason"]) for q in batch.quarantine]


def test_an_award_gives_one_grant_and_its_awardee() -> None:
    batch, read = parse(nsf_award())
    assert read == 1 and batch.quarantine == []
    (grant,) = batch.grants
    assert set(GRANT_COLUMNS) <= set(grant)
    assert {k: grant[k] for k in GRANT_COLUMNS} == {
        "service": "nsf",
        "grant_id": "2012345",
        "title": "Collaborative Research: Trapped-ion quantum networks",
        "abstract": "This award supports research on entangling trapped-ion qubits.",
        "funder": "NSF",
        "programme": "QIS - Quantum Information Science",
        "currency": "USD",
        "amount": 750000.0,
        "amount_measure": "estimatedTotalAmt",
        "start_date": "2020-09-01",
        "end_date": "2023-08-31",
        "status": None,
    }
    assert (grant["record_index"], grant["source_file"]) == (0, PROV.source_file)
    (org,) = batch.organisations
    assert {k: org[k] for k in ORGANISATION_COLUMNS} == {
        "service": "nsf",
        "grant_id": "2012345",
        "position": 1,
        "org_id": "TESTUEI00001",
        "name": "Example State University",
        "role": "awardee",
        "parent_position": None,
        "country_code_raw": "US",
        "country_iso3": "USA",
        "amount": 750000.0,
        "amount_measure": "estimatedTotalAmt",
    }


def test_funder_defaults_to_nsf_and_programme_lists_are_joined() -> None:
    batch, _ = parse(
        nsf_award(agency=None, fundProgramName=["QIS", " Quantum Leap "]),
        nsf_award(id="2012346", agency="NASA"),
    )
    assert [(g["funder"], g["programme"]) for g in batch.grants] == [
        ("NSF", "QIS; Quantum Leap"),
        ("NASA", "QIS - Quantum Information Science"),
    ]


def test_amounts_as_strings_with_commas_and_the_obligated_fallback() -> None:
    batch, _ = parse(
        nsf_award(id="1", estimatedTotalAmt="1,250,000.50"),
        nsf_award(id="2", estimatedTotalAmt=None, fundsObligatedAmt="300000"),
        nsf_award(id="3", estimatedTotalAmt=450000),
    )
    assert [(g["grant_id"], g["amount"], g["amount_measure"]) for g in batch.grants] == [
        ("1", 1250000.5, "estimatedTotalAmt"),
        ("2", 300000.0, FALLBACK_MEASURE),
        ("3", 450000.0, "estimatedTotalAmt"),
    ]
    assert FALLBACK_MEASURE == "fundsObligatedAmt (estimatedTotalAmt absent)"
    assert batch.organisations[1]["amount_measure"] == FALLBACK_MEASURE


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"estimatedTotalAmt": None, "fundsObligatedAmt": None}, "missing_amount"),
        ({"estimatedTotalAmt": "n/a"}, "missing_amount"),
        ({"estimatedTotalAmt": "0"}, "non_positive_amount"),
        ({"estimatedTotalAmt": "-5000"}, "non_positive_amount"),
        ({"startDate": None}, "missing_date"),
        ({"startDate": "2020-09-01"}, "invalid_date"),
        ({"startDate": "02/30/2020"}, "invalid_date"),
        ({"expDate": "31/08/2023"}, "invalid_date"),
        ({"expDate": "08/31/2019"}, "invalid_date"),
        ({"startDate": "01/01/1949", "expDate": "01/01/1950"}, "year_out_of_range"),
        ({"startDate": "01/01/2027", "expDate": "01/01/2030"}, "year_out_of_range"),
        ({"id": "20-12345"}, "invalid_id"),
        ({"id": "  "}, "invalid_id"),
    ],
)
def test_bad_awards_are_quarantined_whole(changes: dict[str, Any], reason: str) -> None:
    batch, read = parse(nsf_award(**changes), nsf_award(id="2099999"))
    assert read == 2
    assert [g["grant_id"] for g in batch.grants] == ["2099999"]
    assert [o["grant_id"] for o in batch.organisations] == ["2099999"]
    ((record_id, got),) = reasons(batch)
    assert got == reason
    assert batch.quarantine[0]["record_index"] == 0 and batch.quarantine[0]["source"] == "nsf"
    if reason != "invalid_id":
        assert record_id == "2012345"


def test_a_record_that_is_not_an_object_is_quarantined() -> None:
    batch, read = parse(nsf_award(), "junk")  # type: ignore[arg-type]
    assert read == 2 and len(batch.grants) == 1
    assert reasons(batch) == [(None, "invalid_record")]


def test_numeric_ids_and_dates_without_leading_zeros_are_read() -> None:
    batch, _ = parse(nsf_award(id=2012399, startDate="9/1/2020", expDate="8/31/2023"))
    assert [(g["grant_id"], g["start_date"], g["end_date"]) for g in batch.grants] == [
        ("2012399", "2020-09-01", "2023-08-31")
    ]
    assert parse_us_date(None, "expDate") is None
    with pytest.raises(RecordError, match="not MM/DD/YYYY"):
        parse_us_date("September 2020", "startDate")


def test_the_second_copy_of_an_award_is_quarantined() -> None:
    batch, read = parse(
        nsf_award(title="First"), nsf_award(title="Second"), nsf_award(id="2012399")
    )
    assert read == 3
    assert [(g["grant_id"], g["title"]) for g in batch.grants] == [
        ("2012345", "First"),
        ("2012399", "Collaborative Research: Trapped-ion quantum networks"),
    ]
    assert reasons(batch) == [("2012345", "duplicate_record")]
    assert batch.quarantine[0]["record_index"] == 1
    assert "already read at index 0" in batch.quarantine[0]["detail"]


@pytest.mark.parametrize(
    ("code", "raw", "iso3", "quarantined"),
    [
        (None, None, "ZZZ", []),
        ("  ", None, "ZZZ", []),
        ("de", "DE", "DEU", []),
        ("XK", "XK", "XKX", []),
        ("UK", "UK", "ZZZ", ["invalid_country_code"]),
        ("XX", "XX", "ZZZ", ["invalid_country_code"]),
        ("SU", "SU", "ZZZ", ["historical_country_code"]),
    ],
)
def test_awardee_country_unknown_invalid_or_historical_is_counted_as_zzz(
    code: str | None, raw: str | None, iso3: str, quarantined: list[str]
) -> None:
    batch, _ = parse(nsf_award(awardeeCountryCode=code))
    assert len(batch.grants) == 1
    (org,) = batch.organisations
    assert (org["country_code_raw"], org["country_iso3"]) == (raw, iso3)
    assert [q["reason"] for q in batch.quarantine] == quarantined
    assert all(q["record_id"] == "2012345" for q in batch.quarantine)


def test_text_is_normalised_and_an_awardee_without_a_name_is_kept() -> None:
    batch, _ = parse(
        nsf_award(title="Qu\u200bantum  cafe\u0301 ", awardeeName=None, abstractText=""),
        nsf_award(id="2012399"),
    )
    grant = batch.grants[0]
    assert grant["title"] == "Quantum  café" and grant["abstract"] is None
    org = batch.organisations[0]
    assert (org["name"], org["country_iso3"]) == (None, "USA")
    assert batch.quarantine == []


@pytest.mark.parametrize("field", ["id", "title", "startDate", "awardeeName"])
def test_a_field_missing_from_every_award_is_schema_drift(field: str) -> None:
    batch, read = parse(nsf_award(**{field: None}), nsf_award(**{"id": "2", field: None}))
    assert read == 2
    assert batch.grants == [] and batch.organisations == []
    ((record_id, reason),) = reasons(batch)
    assert (record_id, reason) == (None, "schema_drift")
    assert field in batch.quarantine[0]["detail"]
    assert batch.quarantine[0]["record_index"] is None


def test_both_amounts_missing_from_every_award_is_schema_drift() -> None:
    gone = {"estimatedTotalAmt": None, "fundsObligatedAmt": None}
    batch, _ = parse(nsf_award(**gone), nsf_award(id="2", **gone))
    assert reasons(batch) == [(None, "schema_drift")]
    assert "estimatedTotalAmt or fundsObligatedAmt" in batch.quarantine[0]["detail"]


def test_a_field_missing_from_some_awards_only_is_not_drift() -> None:
    batch, _ = parse(nsf_award(), nsf_award(id="2012399", title=None, extra="new field"))
    assert [g["title"] for g in batch.grants] == [
        "Collaborative Research: Trapped-ion quantum networks",
        None,
    ]
    assert batch.quarantine == []


def test_an_empty_page_reads_zero_awards() -> None:
    batch, read = parse(total=0)
    assert read == 0 and batch == GrantBatch()
    batch, read = parse_nsf_page({"response": {"metadata": {"totalCount": "0"}}}, PROV, CODES, 2026)
    assert read == 0 and batch.grants == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (nsf_refusal(), "refused the query \\(FATAL AwardAPI-004: There was an error"),
        ({"response": {"metadata": {"totalCount": 3}}}, "no 'award' list"),
        ({"response": {"award": "junk", "metadata": {}}}, "no 'award' list"),
        ({"results": []}, "no 'response' object"),
        ([], "no 'response' object"),
    ],
)
def test_a_body_that_is_not_a_result_page_is_refused(body: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_nsf_page(body, PROV, CODES, MAX_YEAR)


def test_format_detection_and_total() -> None:
    assert is_nsf_page(nsf_page(nsf_award()))
    assert is_nsf_page(nsf_refusal())
    assert is_nsf_page(nsf_page(total=-1))
    assert not is_nsf_page({"error": False, "count": 0, "total_hits": 0, "patents": []})
    assert not is_nsf_page({"response": []})
    assert not is_nsf_page("response")
    assert page_total(nsf_page(nsf_award(), total=40)) == 40
    assert page_total({"response": {"award": [], "metadata": {"totalCount": "17"}}}) == 17
    assert page_total(nsf_page(nsf_award(), total=-1)) is None
    assert page_total({"response": {"award": [], "metadata": {"totalCount": True}}}) is None
    assert page_awards(nsf_page(nsf_award(), total=-1)) == [nsf_award()]
