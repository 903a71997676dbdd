"""The embedded grant sample is what its generator makes, parses cleanly through the
funding reader, and carries every documented edge case (module docstring of
assets/funding/sample_generator.py)."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest

from assets.funding import sample_generator as gen
from assets.funding.grants import GrantBatch
from assets.funding.parse import parse_files, raw_files, scope_rule
from assets.reference.tables import iso2_lookup, read_csv
from pipelines.parsing import CountryCodes

pytestmark = pytest.mark.unit


def test_the_committed_sample_is_what_the_generator_writes(tmp_path: Path) -> None:
    gen.generate(tmp_path)
    committed = {p.name: p.read_bytes() for p in gen.SAMPLE_DIR.iterdir()}
    fresh = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert fresh.keys() == committed.keys()
    changed = [name for name in fresh if fresh[name] != committed[name]]
    assert changed == [], "run `python -m assets.funding.sample_generator` and commit"


@pytest.fixture(scope="module")
def batch() -> GrantBatch:
    """The sample read exactly as raw/funding reads it."""
    countries = read_csv("countries.csv")
    historical = read_csv("historical_country_codes.csv")
    aliases = {r["code"]: r["iso3"] for r in read_csv("eu_country_codes.csv").iter_rows(named=True)}
    methods = {r["key"]: r["value"] for r in read_csv("methods.csv").iter_rows(named=True)}
    keep = scope_rule(
        methods["patent_quantum_term_pattern"].removeprefix("(?i)"),
        methods["patent_quantum_term_exclude"].removeprefix("(?i)"),
        methods["patent_quantum_term_weak"].removeprefix("(?i)"),
    )
    withdrawn = historical.filter(historical["valid_to"].is_not_null())["code"]
    codes = CountryCodes(iso2_lookup(countries), frozenset(withdrawn))
    files = raw_files(gen.SAMPLE_DIR)
    return parse_files(files, gen.SAMPLE_DIR, codes, aliases, 2027, keep)


def test_every_file_is_read_and_every_service_is_there(batch: GrantBatch) -> None:
    assert {f["status"] for f in batch.files} == {"read"}
    services = Counter(g["service"] for g in batch.grants)
    assert set(services) == {"nsf", "ukri", "cordis"}
    assert all(count >= 90 for count in services.values())


def test_the_documented_edge_cases_are_there(batch: GrantBatch) -> None:
    reasons = Counter(q["reason"] for q in batch.quarantine)
    assert reasons["non_positive_amount"] == 2  # one NSF award, one CORDIS project
    assert reasons["invalid_country_code"] == 1  # the CORDIS organisation coded XX
    nsf_ids = Counter(g["grant_id"] for g in batch.grants if g["service"] == "nsf")
    assert max(nsf_ids.values()) == 2  # one award on two pages (staging keeps one)
    organisations = batch.organisations
    raw_codes = Counter(o["country_code_raw"] for o in organisations if o["service"] == "cordis")
    assert raw_codes["EL"] >= 1 and raw_codes["UK"] >= 1
    by_raw = {o["country_code_raw"]: o["country_iso3"] for o in organisations}
    assert by_raw["EL"] == "GRC" and by_raw["UK"] == "GBR"
    unknown = [o for o in organisations if o["country_iso3"] == "ZZZ"]
    assert {o["service"] for o in unknown} == {"nsf", "cordis"}
    third = [o for o in organisations if o["role"] == "third_party"]
    assert third and all(o["amount"] and o["amount"] > 0 for o in third)
    lead_without_country = [
        o for o in organisations
        if o["service"] == "ukri" and o["role"] == "lead" and o["country_code_raw"] is None
    ]  # fmt: skip
    assert len(lead_without_country) == 1 and lead_without_country[0]["country_iso3"] == "GBR"
    late = [g for g in batch.grants if g["start_date"].startswith(str(gen.LATE_STARTS))]
    assert {g["service"] for g in late if g["currency"] != "USD"} == {"cordis", "ukri"}


def test_the_bulk_archive_holds_projects_outside_the_scope(batch: GrantBatch) -> None:
    cordis = [g for g in batch.grants if g["service"] == "cordis"]
    assert not any("Soil" in (g["title"] or "") for g in cordis)
    archive = next(f for f in batch.files if f["source_file"].endswith(".zip"))
    assert archive["records"] > len([g for g in cordis if g["source_file"].endswith(".zip")])


def test_pages_are_in_the_services_shapes() -> None:
    nsf = sorted(gen.SAMPLE_DIR.glob("nsf_*.json.gz"))
    page = json.loads(gzip.decompress(nsf[0].read_bytes()))
    award = page["response"]["award"][0]
    assert isinstance(award["estimatedTotalAmt"], str)
    assert len(award["startDate"].split("/")) == 3
    assert page["response"]["metadata"]["totalCount"] >= len(page["response"]["award"])
    ukri = json.loads(gzip.decompress(next(gen.SAMPLE_DIR.glob("ukri_*.json.gz")).read_bytes()))
    result = ukri["facetedSearchResultBean"]["results"][0]["projectComposition"]
    assert isinstance(result["project"]["fund"]["start"], int)
