"""The patent parser on real recorded responses of PatentsView and EPO OPS (../shared)."""

from pathlib import Path

import pytest

from assets.patents.parse import parse_files
from assets.reference.tables import iso2_lookup, read_csv
from pipelines.parsing import CountryCodes

pytestmark = pytest.mark.contract


@pytest.fixture(scope="module")
def codes() -> CountryCodes:
    historical = read_csv("historical_country_codes.csv")
    return CountryCodes(
        iso2_lookup(read_csv("countries.csv")),
        frozenset(historical.filter(historical["valid_to"].is_not_null())["code"].to_list()),
    )


def parse(shared_fixtures: Path, codes: CountryCodes, *names: str):
    return parse_files([shared_fixtures / n for n in names], shared_fixtures, codes, 2027)


def test_a_patentsview_grant_with_every_field(shared_fixtures: Path, codes: CountryCodes) -> None:
    batch = parse(shared_fixtures, codes, "patentsview/patent_5116621_all_fields.json")
    (doc,) = batch.documents
    assert doc["document_id"] == "US.5116621"
    # the Japanese priority filing (1989-12-25) comes before the US filing (1990-12-24)
    assert (doc["priority_date"], doc["application_date"]) == ("1989-12-25", "1990-12-24")
    assert doc["application_number"] == "07633146"
    assert {(a["country_iso3"], a["type_code"]) for a in batch.applicants} == {("JPN", "3")}
    assert "A61K9/7061" in {c["cpc_code"] for c in batch.classifications}
    assert batch.quarantine == []


def test_a_pre_grant_publication_and_its_grant_crosswalk(
    shared_fixtures: Path, codes: CountryCodes
) -> None:
    batch = parse(shared_fixtures, codes, "patentsview/publication_20010000002_pregrant.json")
    (doc,) = batch.documents
    assert (doc["record_type"], doc["number_key"]) == ("patentsview_publication", "2001/2")
    assert doc["priority_date"] == "1997-08-02"
    assert doc["application_number"] == "09726341"
    # PatentsView leaves assignees out of a document that has none: no applicant, and no
    # schema drift (which would stop the build) for a page of one such record
    assert batch.applicants == [] and batch.quarantine == []


def test_a_page_of_ids_only_is_named_as_drift_and_its_records_quarantined(
    shared_fixtures: Path, codes: CountryCodes
) -> None:
    # requested with f=["patent_id"]: no title and no date, as after an API change;
    # the file is flagged (a blocking check stops the build) and no record is dropped
    batch = parse(shared_fixtures, codes, "patentsview/patents_date_2000-01-04_size100_page1.json")
    assert batch.documents == []
    reasons = [q["reason"] for q in batch.quarantine]
    assert reasons.count("missing_date") == 100 == batch.files[0]["records"]
    (drift,) = [q for q in batch.quarantine if q["reason"] == "schema_drift"]
    assert "patent_title" in drift["detail"] and "patent_date" in drift["detail"]


def test_the_html_500_and_an_empty_result(shared_fixtures: Path, codes: CountryCodes) -> None:
    batch = parse(
        shared_fixtures,
        codes,
        "patentsview/error_500_ipc_endpoint.html",
        "patentsview/patents_POST_withdrawn_empty.json",
    )
    assert [(f["status"], f["records"]) for f in batch.files] == [("unreadable", 0), ("read", 0)]
    assert "HTML" in batch.quarantine[0]["detail"]


def test_an_ops_family_with_bibliography(shared_fixtures: Path, codes: CountryCodes) -> None:
    batch = parse(shared_fixtures, codes, "epo_ops/get_family_with_biblio.response.xml")
    offices = {d["office"] for d in batch.documents}
    assert offices == {"EP", "CA", "US"}
    assert {d["family_id"] for d in batch.documents} == {"43088294"}
    assert {d["priority_date"] for d in batch.documents} == {"2010-06-24"}
    # epodoc names carry the country; the Finnish applicant and inventors are found
    assert {a["country_iso3"] for a in batch.applicants} == {"FIN"}
    assert "9SOLUTIONS OY" in {a["name"] for a in batch.applicants}
    english = [d["title"] for d in batch.documents if d["title_lang"] == "en"]
    assert english and all(t.upper() == "BLUETOOTH NETWORKING" for t in english)


def test_an_ops_search_with_bibliography_and_names_without_a_suffix(
    shared_fixtures: Path, codes: CountryCodes
) -> None:
    batch = parse(shared_fixtures, codes, "epo_ops/search_with_constituent.response.xml")
    assert [d["document_id"] for d in batch.documents] == [
        "AU.2024270787.A1",
        "AU.2024265697.A1",
        "DK.3740998.T3",
    ]
    # two applicants have no [XX] suffix: unknown country, counted, not quarantined
    assert [a["country_iso3"] for a in batch.applicants] == ["ZZZ", "ZZZ", "NOR"]
    assert batch.quarantine == []
    assert batch.documents[0]["priority_date"] == "2023-05-17"


def test_an_ops_search_of_references_only_reads_as_empty(
    shared_fixtures: Path, codes: CountryCodes
) -> None:
    batch = parse(
        shared_fixtures, codes, "epo_ops/search.response.xml", "epo_ops/get_family.response.xml"
    )
    assert [f["records"] for f in batch.files] == [0, 5]
    assert len(batch.documents) == 5
    assert not any(d["has_biblio"] for d in batch.documents)
