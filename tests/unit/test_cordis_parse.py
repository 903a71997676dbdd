"""The CORDIS parser on hand-made project records and bulk archives: rules and bad input."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path
from typing import Any

import pytest

from assets.funding.cordis_parse import (
    cordis_number,
    is_cordis_xml,
    is_cordis_zip,
    organisation_amount,
    parse_cordis_bulk_zip,
    parse_cordis_project_xml,
)
from assets.funding.grants import GrantBatch
from assets.reference.tables import iso2_lookup, read_csv
from pipelines.parsing import CountryCodes, Provenance, RecordError
from tests.cordis_bodies import (
    ORGANISATION_COLUMNS,
    PROJECT_COLUMNS,
    bulk_zip,
    organisation_record,
    organization_xml,
    programme_xml,
    project_record,
    project_xml,
)

pytestmark = pytest.mark.unit
PROV = Provenance("cordis/file", "ab" * 32, None)
MAX_YEAR = 2027


@pytest.fixture(scope="module")
def codes() -> CountryCodes:
    historical = read_csv("historical_country_codes.csv")
    withdrawn = historical.filter(historical["valid_to"].is_not_null())["code"]
    return CountryCodes(iso2_lookup(read_csv("countries.csv")), frozenset(withdrawn))


@pytest.fixture(scope="module")
def aliases() -> dict[str, str]:
    table = read_csv("eu_country_codes.csv")
    return {row["code"]: row["iso3"] for row in table.iter_rows(named=True)}


def xml(body: bytes, codes: CountryCodes, aliases: dict[str, str]) -> tuple[GrantBatch, int]:
    return parse_cordis_project_xml(body, PROV, codes, aliases, MAX_YEAR)


def bulk(
    body: bytes | Path, codes: CountryCodes, aliases: dict[str, str], keep: Any = None
) -> tuple[GrantBatch, int]:
    keep = keep or (lambda title, abstract: "quantum" in f"{title} {abstract}".lower())
    return parse_cordis_bulk_zip(body, PROV, codes, aliases, MAX_YEAR, keep)


def reasons(batch: GrantBatch) -> list[str]:
    return [q["reason"] for q in batch.quarantine]


# --- project XML -----------------------------------------------------------------------


def test_a_project_record_with_a_third_party(codes: CountryCodes, aliases: dict) -> None:
    batch, records = xml(project_xml(), codes, aliases)
    assert records == 1
    (grant,) = batch.grants
    assert (grant["grant_id"], grant["amount"], grant["currency"]) == ("101000001", 1e6, "EUR")
    assert (grant["amount_measure"], grant["programme"]) == ("ecMaxContribution", "HORIZON")
    assert (grant["funder"], grant["start_date"], grant["end_date"]) == (
        "European Commission",
        "2022-01-01",
        "2025-12-31",
    )
    assert grant["record_key"] == f"{'ab' * 8}:0"
    rows = [
        (o["position"], o["role"], o["parent_position"], o["country_iso3"], o["amount"])
        for o in batch.organisations
    ]
    # the third party receives its net share; its parent keeps the rest, never both added
    assert rows == [
        (1, "coordinator", None, "DEU", 600000.0),
        (2, "participant", None, "GRC", 350000.0),
        (2, "third_party", 2, "GBR", 50000.0),
    ]
    assert {o["amount_measure"] for o in batch.organisations} == {"netEcContribution"}
    assert sum(o["amount"] for o in batch.organisations) == grant["amount"]
    assert batch.quarantine == []


def test_a_programme_record_is_no_grant(codes: CountryCodes, aliases: dict) -> None:
    assert is_cordis_xml(programme_xml())
    batch, records = xml(programme_xml(), codes, aliases)
    assert records == 0 and batch == GrantBatch()


def test_cordis_xml_is_told_from_other_bodies() -> None:
    assert is_cordis_xml(project_xml())
    assert not is_cordis_xml(b'<?xml version="1.0"?><ops:world-patent-data xmlns="x"/>')
    assert not is_cordis_xml(b"<!doctype html><html><title>Error</title></html>")
    assert not is_cordis_xml(b'{"results": []}')


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"project_id": None}, "invalid_id"),
        ({"project_id": "ABC-1"}, "invalid_id"),
        ({"start": None}, "missing_date"),
        ({"start": "2022-13-01"}, "invalid_date"),
        ({"end": "soon"}, "invalid_date"),
        ({"start": "1949-12-31"}, "year_out_of_range"),
        ({"start": f"{MAX_YEAR + 1}-01-01"}, "year_out_of_range"),
        ({"ec_max": None}, "missing_amount"),
        ({"ec_max": "1,250,000.50"}, "missing_amount"),
        ({"ec_max": "0"}, "non_positive_amount"),
        ({"ec_max": "-5"}, "non_positive_amount"),
    ],
)
def test_an_unusable_project_is_quarantined_whole(
    codes: CountryCodes, aliases: dict, changes: dict, reason: str
) -> None:
    batch, records = xml(project_xml(**changes), codes, aliases)
    assert records == 1
    assert batch.grants == [] and batch.organisations == []
    assert reasons(batch) == [reason]


def test_countries_unknown_invalid_and_the_eu_codes(codes: CountryCodes, aliases: dict) -> None:
    organisations = (
        organization_xml(net="250000", country=None, org_id="1"),
        organization_xml("participant", "2", net="250000", country="XX", org_id="2"),
        organization_xml("participant", "3", net="250000", country="GR", org_id="3"),
        organization_xml("participant", "4", net="250000", country="uk", org_id="4"),
    )
    batch, _ = xml(project_xml(organisations=organisations), codes, aliases)
    assert [(o["country_code_raw"], o["country_iso3"]) for o in batch.organisations] == [
        (None, "ZZZ"),
        ("XX", "ZZZ"),
        ("GR", "GRC"),
        ("UK", "GBR"),
    ]
    assert reasons(batch) == ["invalid_country_code"]
    # without the EU aliases, UK is no ISO code: quarantined, counted as unknown
    plain, _ = parse_cordis_project_xml(
        project_xml(organisations=organisations[3:]), PROV, codes, {}, MAX_YEAR
    )
    assert plain.organisations[0]["country_iso3"] == "ZZZ"
    assert reasons(plain)[0] == "invalid_country_code"


def test_shares_that_do_not_add_up_are_named_and_the_grant_stays(
    codes: CountryCodes, aliases: dict
) -> None:
    organisations = (organization_xml(net="600000"), organization_xml("participant", "2", net="1"))
    batch, _ = xml(project_xml(organisations=organisations), codes, aliases)
    assert len(batch.grants) == 1
    (mismatch,) = batch.quarantine
    assert mismatch["reason"] == "contribution_mismatch"
    assert "600001.00" in mismatch["detail"] and "1000000.00" in mismatch["detail"]
    # within 1 EUR is rounding, not a mismatch
    close = (organization_xml(net="999999.50"),)
    assert xml(project_xml(organisations=close), codes, aliases)[0].quarantine == []


def test_the_measure_falls_back_to_ec_contribution_except_for_third_parties() -> None:
    assert organisation_amount("54941.25", "0", "third_party") == (54941.25, "netEcContribution")
    assert organisation_amount("949890", "1004831.25", "participant") == (
        949890.0,
        "netEcContribution",
    )
    assert organisation_amount(None, "541640", "participant") == (541640.0, "ecContribution")
    assert organisation_amount("", "0", "third_party") == (None, None)
    assert organisation_amount("0", "", "partner") == (0.0, "netEcContribution")
    assert organisation_amount(None, None, "coordinator") == (None, None)
    with pytest.raises(RecordError, match="negative"):
        organisation_amount("-1", "5", "participant")


def test_roles_orders_and_bad_shares(codes: CountryCodes, aliases: dict) -> None:
    organisations = (
        organization_xml(net="500000", org_id="1"),
        organization_xml("associatedPartner", "2", ec=None, net=None, org_id="2"),
        organization_xml("partner", "x", net="500000", org_id="3"),
        organization_xml("participant", "4", net="lots", org_id="4"),
    )
    batch, _ = xml(project_xml(organisations=organisations), codes, aliases)
    roles = [(o["org_id"], o["role"], o["position"], o["amount"]) for o in batch.organisations]
    assert roles == [
        ("1", "coordinator", 1, 500000.0),
        ("2", "associated_partner", 2, None),
        ("4", "participant", 4, None),
        ("3", "partner", None, 500000.0),
    ]
    assert sorted(reasons(batch)) == ["invalid_amount", "invalid_field"]


def test_hostile_or_foreign_xml_is_refused(codes: CountryCodes, aliases: dict) -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa">]><project xmlns="http://cordis.europa.eu"/>'
    with pytest.raises(ValueError, match="DOCTYPE"):
        xml(bomb, codes, aliases)
    with pytest.raises(ValueError, match="well-formed"):
        xml(project_xml()[:-20], codes, aliases)
    with pytest.raises(ValueError, match="root element"):
        xml(b'<organization xmlns="http://cordis.europa.eu"/>', codes, aliases)


# --- bulk archives ---------------------------------------------------------------------


def test_numbers_take_a_decimal_point_or_comma() -> None:
    assert cordis_number("960619,95", "totalCost") == "960619.95"
    assert cordis_number("528340.97", "netEcContribution") == "528340.97"
    assert cordis_number(" ", "x") is None
    for bad in ("1,250,000", "1.250.000", "12 000", "EUR 5"):
        with pytest.raises(RecordError, match="not an amount"):
            cordis_number(bad, "x")


def test_a_bulk_archive_keeps_the_projects_in_scope(codes: CountryCodes, aliases: dict) -> None:
    projects = [
        project_record(ecMaxContribution="1000000,50"),
        project_record(id="101000002", title="Soil helminths", objective="Deworming."),
        project_record(id="101000003", title="Photonic QUANTUM networks"),
    ]
    organisations = [
        organisation_record(netEcContribution="600000,50", ecContribution="600000,50"),
        organisation_record(
            organisationID="2",
            country="EL",
            order="2",
            role="participant",
            ecContribution="400000",
            netEcContribution="350000",
        ),
        organisation_record(
            organisationID="3",
            country="UK",
            order="2",
            role="thirdParty",
            ecContribution="0",
            netEcContribution="50000",
        ),
        organisation_record(projectID="101000002", organisationID="9", country="ZM"),
        organisation_record(projectID="101000003", organisationID="5", netEcContribution="1000000"),
    ]
    batch, records = bulk(bulk_zip(projects, organisations), codes, aliases)
    assert records == 3
    assert [(g["grant_id"], g["amount"], g["record_index"]) for g in batch.grants] == [
        ("101000001", 1000000.5, 0),
        ("101000003", 1000000.0, 2),
    ]
    first = [o for o in batch.organisations if o["grant_id"] == "101000001"]
    assert [(o["role"], o["country_iso3"], o["amount"]) for o in first] == [
        ("coordinator", "DEU", 600000.5),
        ("participant", "GRC", 350000.0),
        ("third_party", "GBR", 50000.0),
    ]
    assert {o["record_key"] for o in first} == {batch.grants[0]["record_key"]}
    # the out-of-scope project's organisations are not read
    assert "101000002" not in {o["grant_id"] for o in batch.organisations}
    assert batch.quarantine == []


def test_members_at_the_top_and_a_file_on_disk(
    tmp_path: Path, codes: CountryCodes, aliases: dict
) -> None:
    path = tmp_path / "cordis-HORIZONprojects-csv.zip"
    path.write_bytes(bulk_zip(folder=""))
    assert is_cordis_zip(path) and is_cordis_zip(path.read_bytes())
    batch, records = bulk(path, codes, aliases)
    assert records == 1 and len(batch.grants) == 1 and len(batch.organisations) == 1
    link = tmp_path / "link.zip"
    link.symlink_to(path)
    with pytest.raises(ValueError, match="symbolic links"):
        bulk(link, codes, aliases)
    assert not is_cordis_zip(b"<!doctype html><html></html>")


def test_every_project_record_is_accounted_for(codes: CountryCodes, aliases: dict) -> None:
    projects = [
        project_record(),
        project_record(),  # the same id again
        project_record(id="101000004", startDate=""),
        project_record(id="101000005", title="Wheat", objective="Yields."),
    ]
    organisations = [
        organisation_record(),
        organisation_record(projectID="999999999"),
    ]
    body = bulk_zip(projects, organisations, extra={})
    # a record with a field too few, written by hand
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(body)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("project.csv"):
                data += b'"101000006";"SHORT"\n'
            target.writestr(info, data)
    batch, records = bulk(buffer.getvalue(), codes, aliases)
    assert records == 5
    assert [g["grant_id"] for g in batch.grants] == ["101000001"]
    assert sorted(reasons(batch)) == [
        "duplicate_record",
        "malformed_row",
        "missing_date",
        "orphan_organisation",
    ]


def test_schema_drift_is_named_and_records_are_read_without_the_column(
    codes: CountryCodes, aliases: dict
) -> None:
    no_net = [c for c in ORGANISATION_COLUMNS if c != "netEcContribution"]
    batch, _ = bulk(bulk_zip(organisation_columns=no_net), codes, aliases)
    assert reasons(batch) == ["schema_drift"]
    assert "netEcContribution" in batch.quarantine[0]["detail"]
    assert batch.organisations[0]["amount_measure"] == "ecContribution"
    no_amount = [c for c in PROJECT_COLUMNS if c != "ecMaxContribution"]
    batch, records = bulk(bulk_zip(project_columns=no_amount), codes, aliases)
    assert records == 1 and batch.grants == []
    assert reasons(batch) == ["schema_drift", "missing_amount"]
    no_id = [c for c in PROJECT_COLUMNS if c != "id"]
    with pytest.raises(ValueError, match=r"no column\(s\) \['id'\]"):
        bulk(bulk_zip(project_columns=no_id), codes, aliases)


def zip_of(members: dict[str, bytes], symlink: str | None = None) -> bytes:
    """An archive of ``members``; ``symlink`` names one stored as a symbolic link."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            if name == symlink:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("members", "symlink", "message"),
    [
        ({"../project.csv": b"", "organization.csv": b""}, None, "path traversal"),
        ({"/etc/project.csv": b"", "organization.csv": b""}, None, "path traversal"),
        ({"C:/project.csv": b"", "organization.csv": b""}, None, "path traversal"),
        ({"project.csv": b"/etc/passwd", "organization.csv": b""}, "project.csv", "symbolic"),
        ({"project.csv": b'"id"\n'}, None, "0 members named organization.csv"),
        ({"a/project.csv": b"", "b/project.csv": b"", "organization.csv": b""}, None, "2 members"),
        ({"readme.txt": b"hello"}, None, "not a CORDIS bulk archive"),
    ],
)
def test_hostile_and_foreign_archives_are_refused(
    codes: CountryCodes, aliases: dict, members: dict, symlink: str | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        bulk(zip_of(members, symlink), codes, aliases)


def test_truncated_corrupt_and_undecodable_archives(codes: CountryCodes, aliases: dict) -> None:
    body = bulk_zip()
    assert is_cordis_zip(body[:100])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        bulk(body[: len(body) // 2], codes, aliases)
    stored = zip_of(
        {
            "project.csv": b'"id";"title";"objective"\n"1";"quantum";"x"\n',
            "organization.csv": b'"projectID"\n',
        }
    )
    flipped = bytearray(stored)
    at = stored.index(b"quantum")
    flipped[at] ^= 0x20  # one byte changed in transit: the CRC no longer matches
    with pytest.raises(ValueError, match="cannot be unpacked"):
        bulk(bytes(flipped), codes, aliases)
    latin = zip_of(
        {
            "project.csv": '"id";"title";"objective"\n"1";"Qu\xe4nt";""\n'.encode("latin-1"),
            "organization.csv": b'"projectID"\n',
        }
    )
    with pytest.raises(ValueError, match="not readable as CSV"):
        bulk(latin, codes, aliases)
    with pytest.raises(ValueError, match="empty"):
        bulk(zip_of({"project.csv": b"", "organization.csv": b""}), codes, aliases)
