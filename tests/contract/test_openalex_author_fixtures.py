"""The author parser on real recorded OpenAlex author records of both generations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assets.reference.tables import iso2_lookup, read_csv
from assets.workforce.parse import parse_author, parse_files
from pipelines.parsing import CountryCodes, Provenance

pytestmark = pytest.mark.contract
PROV = Provenance("f.json", "0" * 64, 0)


@pytest.fixture(scope="module")
def codes() -> CountryCodes:
    countries = read_csv("countries.csv")
    historical = read_csv("historical_country_codes.csv").drop_nulls("valid_to")["code"].to_list()
    return CountryCodes(iso2_lookup(countries), frozenset(historical))


@pytest.fixture
def fixtures(shared_fixtures: Path) -> Path:
    return shared_fixtures / "openalex"


def test_real_2025_record_gives_one_row_per_institution_year(
    fixtures: Path, codes: CountryCodes
) -> None:
    record = json.loads((fixtures / "bvitamins_A5023888391.json").read_text())
    batch = parse_author(record, PROV, codes, 2027)
    (author,) = batch.authors
    assert (author["author_id"], author["schema_generation"]) == (
        "A5023888391",
        "2025-affiliations",
    )
    expected = sum(
        len(a["years"]) for a in record["affiliations"] if a["institution"]["country_code"]
    )
    assert len(batch.affiliations) == sum(len(a["years"]) for a in record["affiliations"])
    assert sum(1 for a in batch.affiliations if a["country_iso3"]) == expected
    # 2020 lists two US institutions at once; 2013 a US company and a US university
    assert sorted(a["institution_id"] for a in batch.affiliations if a["year"] == 2020) == [
        "I103163165",
        "I145311948",
    ]
    assert [r["country_iso3"] for r in batch.last_known] == ["CAN"]
    assert batch.quarantine == []


def test_real_2023_record_and_snapshot_line_have_no_years(
    fixtures: Path, codes: CountryCodes
) -> None:
    files = [
        fixtures / "gomp_A5023888391_api_2023.json",
        fixtures / "snapshot" / "authors_updated_date=2023-04-21_part_000.jsonl",
    ]
    batch = parse_files(files, fixtures, codes, 2027)
    assert [a["schema_generation"] for a in batch.authors] == ["2023-last_known_institution"] * 2
    assert batch.affiliations == []
    assert [(r["origin"], r["country_iso3"]) for r in batch.last_known] == [
        ("last_known_institution", "CAN"),
        ("last_known_institution", "USA"),
    ]


def test_real_deleted_author_is_kept_as_deleted(fixtures: Path, codes: CountryCodes) -> None:
    record = json.loads((fixtures / "bvitamins_A5317838346.json").read_text())
    batch = parse_author(record, PROV, codes, 2027)
    assert [(a["is_deleted"], a["schema_generation"]) for a in batch.authors] == [
        (True, "no place fields")
    ]
    assert batch.affiliations == [] and batch.quarantine == []


def test_real_list_page_of_authors(fixtures: Path, codes: CountryCodes) -> None:
    page = fixtures / "academic_explorer" / "authors_list_search_mearman_per20.json"
    batch = parse_files([page], fixtures, codes, 2027)
    assert len(batch.authors) == json.loads(page.read_text())["meta"]["count"]
    assert batch.quarantine == []
