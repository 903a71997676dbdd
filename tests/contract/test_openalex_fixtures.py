"""The parser on real recorded OpenAlex responses of every schema generation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assets.bibliometric.parse import CountryCodes, parse_files
from assets.reference.tables import iso2_lookup, read_csv
from tests.unit.test_merged_ids import read_merged_ids

pytestmark = pytest.mark.contract


@pytest.fixture(scope="module")
def codes() -> CountryCodes:
    countries = read_csv("countries.csv")
    historical = read_csv("historical_country_codes.csv").drop_nulls("valid_to")["code"].to_list()
    return CountryCodes(iso2_lookup(countries), frozenset(historical))


def parse(path: Path, codes: CountryCodes):
    return parse_files([path], path.parent, codes, 2027)


def test_2021_snapshot_host_venue_generation(shared_fixtures: Path, codes: CountryCodes) -> None:
    out = parse(
        shared_fixtures / "openalex/snapshot/works_updated_date=2021-11-03_part_000.jsonl", codes
    )
    assert len(out.works) == 50 and out.quarantine == []
    assert {w["schema_generation"] for w in out.works} == {"2021-host_venue"}
    # no authorship has a countries list in 2021: every country comes from institutions
    assert out.authorship_countries
    assert {r["origin"] for r in out.authorship_countries} == {"institutions"}
    first = next(w for w in out.works if w["work_id"] == "W1612067013")
    assert first["doi"] == "10.12927/hcq.2008.19503" and first["publication_year"] == 2008
    assert {"CAN"} <= {
        r["country_iso3"] for r in out.authorship_countries if r["work_id"] == "W1612067013"
    }


def test_2023_snapshot_with_empty_author_lists(shared_fixtures: Path, codes: CountryCodes) -> None:
    out = parse(
        shared_fixtures / "openalex/snapshot/works_updated_date=2023-05-16_part_000.jsonl", codes
    )
    assert len(out.works) == 27 and out.quarantine == []
    assert {w["schema_generation"] for w in out.works} == {"2023-locations"}
    assert all(w["authorships_listed"] == 0 for w in out.works)


def test_2025_cursor_page_with_topics_and_fwci(shared_fixtures: Path, codes: CountryCodes) -> None:
    path = (
        shared_fixtures
        / "openalex/vcr_openalexPro/works_cursor_page1_cited_by_count38_2025-11.json"
    )
    out = parse(path, codes)
    assert len(out.works) == 38 and out.quarantine == []
    assert all(w["fwci"] is not None for w in out.works if w["cited_by_count"] > 1000)
    assert out.topics and all(t["topic_id"].startswith("T") for t in out.topics)
    assert sum(t["is_primary"] for t in out.topics) <= len(out.works)
    origins = {r["origin"] for r in out.authorship_countries}
    assert "countries" in origins


def test_2026_single_work_with_awards_and_null_abstract(
    shared_fixtures: Path, codes: CountryCodes
) -> None:
    out = parse(
        shared_fixtures / "openalex/vcr_openalexPro/work_W2162348455_single_2026-03.json", codes
    )
    assert [w["schema_generation"] for w in out.works] == ["2026-awards"]
    assert out.works[0]["abstract"] is None
    assert {r["country_iso3"] for r in out.authorship_countries} == {"GBR", "USA"}


def test_null_title_work_is_kept(shared_fixtures: Path, codes: CountryCodes) -> None:
    out = parse(
        shared_fixtures / "openalex/vcr_openalexPro/work_W4234567890_null_title_2026-03.json", codes
    )
    assert len(out.works) == 1 and out.works[0]["title"] is None


def test_empty_last_page_yields_nothing(shared_fixtures: Path, codes: CountryCodes) -> None:
    path = (
        shared_fixtures
        / "openalex/vcr_openalexPro"
        / "works_cursor_lastpage_empty_results_null_next_cursor_2025-11.json"
    )
    out = parse(path, codes)
    assert out.works == [] and out.quarantine == [] and out.files[0]["records"] == 0


def test_every_recorded_work_parses_without_country_errors(
    shared_fixtures: Path, codes: CountryCodes
) -> None:
    paths = [
        *sorted((shared_fixtures / "openalex/vcr_openalexPro").glob("work*.json")),
        *sorted((shared_fixtures / "openalex/academic_explorer").glob("work*.json")),
        *sorted(shared_fixtures.glob("openalex/*_W*.json")),
    ]
    out = parse_files(paths, shared_fixtures, codes, 2027)
    assert len(out.works) >= 70
    # real data carries only valid ISO codes: nothing may be quarantined for its country
    assert [q for q in out.quarantine if "country" in q["reason"]] == []


def test_the_recorded_authors_file_is_read_as_authors_only(
    shared_fixtures: Path, tmp_path: Path
) -> None:
    # the real file as a repository of snapshot samples names it
    name = "merged_ids_authors_2023-04-13.csv"
    shutil.copy(shared_fixtures / "openalex" / "snapshot" / name, tmp_path / name)
    authors = read_merged_ids(tmp_path, "authors")
    assert len(authors) == 4 and {r["merge_into_id"] for r in authors} == {"A4317838346"}
    assert read_merged_ids(tmp_path, "works") == []
