"""Parser rules on small hand-made OpenAlex records."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from assets.bibliometric.parse import (
    CountryCodes,
    abstract_text,
    clean_text,
    iter_records,
    parse_files,
    parse_work,
    raw_files,
    schema_generation,
    short_id,
)
from assets.reference.tables import reference_frames

pytestmark = pytest.mark.unit
CODES = CountryCodes(
    {
        "US": "USA",
        "DE": "DEU",
        "FR": "FRA",
        "TW": "TWN",
        "HK": "HKG",
        "MO": "MAC",
        "XK": "XKX",
        "NA": "NAM",
        "GB": "GBR",
        "CN": "CHN",
    },
    frozenset({"SU", "YU"}),
)
PROV = {"source_file": "f.json", "source_sha256": "ab" * 32, "record_index": 0}


def work(**fields: object) -> dict:
    """A minimal valid 2025-generation work, with fields overridden."""
    base = {
        "id": "https://openalex.org/W1",
        "title": "A transmon",
        "publication_year": 2020,
        "cited_by_count": 3,
        "topics": [],
        "authorships": [
            {
                "author": {"id": "https://openalex.org/A1", "display_name": "Ada"},
                "institutions": [
                    {"id": "https://openalex.org/I1", "country_code": "US", "type": "company"}
                ],
                "countries": ["US"],
            },
        ],
    }
    return base | fields


def test_countries_list_wins_over_institutions() -> None:
    record = work(
        authorships=[
            {"institutions": [{"country_code": "DE"}], "countries": ["FR"]},
        ]
    )
    out = parse_work(record, PROV, CODES, 2027)
    assert [r["country_iso3"] for r in out.authorship_countries] == ["FRA"]
    assert out.authorship_countries[0]["origin"] == "countries"


def test_institutions_are_the_fallback_when_countries_is_absent_or_empty() -> None:
    for countries in (None, []):
        authorship = {
            "institutions": [{"country_code": "DE"}, {"country_code": "DE"}, {"country_code": "US"}]
        }
        if countries is not None:
            authorship["countries"] = countries
        out = parse_work(work(authorships=[authorship]), PROV, CODES, 2027)
        assert [r["country_iso3"] for r in out.authorship_countries] == ["DEU", "USA"]
        assert {r["origin"] for r in out.authorship_countries} == {"institutions"}


def test_countries_without_institutions_are_used() -> None:
    out = parse_work(
        work(authorships=[{"institutions": [], "countries": ["TW", "HK"]}]), PROV, CODES, 2027
    )
    assert [r["country_iso3"] for r in out.authorship_countries] == ["TWN", "HKG"]
    assert out.institutions == []


def test_null_and_missing_country_keeps_the_authorship_without_country() -> None:
    out = parse_work(
        work(authorships=[{"institutions": [{"country_code": None}], "countries": []}]),
        PROV,
        CODES,
        2027,
    )
    assert len(out.authorships) == 1
    assert out.authorship_countries == []
    assert out.quarantine == []


def test_invalid_and_historical_codes_are_quarantined_and_kosovo_accepted() -> None:
    record = work(authorships=[{"countries": ["XX", "UK", "SU", "XK", "NA"]}])
    out = parse_work(record, PROV, CODES, 2027)
    assert [r["country_iso3"] for r in out.authorship_countries] == ["XKX", "NAM"]
    reasons = sorted((q["reason"], q["detail"]) for q in out.quarantine)
    assert [r for r, _ in reasons] == [
        "historical_country_code",
        "invalid_country_code",
        "invalid_country_code",
    ]
    assert all(q["record_id"] == "W1" and q["source_file"] == "f.json" for q in out.quarantine)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"id": None}, "missing_id"),
        ({"id": "https://openalex.org/A12"}, "invalid_id"),
        ({"publication_year": None}, "missing_year"),
        ({"publication_year": "abc"}, "invalid_field"),
        ({"publication_year": 2099}, "year_out_of_range"),
        ({"cited_by_count": -1}, "invalid_field"),
        ({"authorships": "nobody"}, "invalid_field"),
    ],
)
def test_unusable_records_are_quarantined_with_their_reason(fields: dict, reason: str) -> None:
    out = parse_work(work(**fields), PROV, CODES, 2027)
    assert out.works == []
    assert [q["reason"] for q in out.quarantine] == [reason]


def test_a_record_that_is_not_an_object_is_quarantined() -> None:
    out = parse_work("oops", PROV, CODES, 2027)
    assert [q["reason"] for q in out.quarantine] == ["not_an_object"]


def test_numbers_as_strings_are_coerced() -> None:
    out = parse_work(
        work(publication_year="2019", cited_by_count="12", fwci="1.5"), PROV, CODES, 2027
    )
    row = out.works[0]
    assert (row["publication_year"], row["cited_by_count"], row["fwci"]) == (2019, 12, 1.5)


def test_null_title_falls_back_to_display_name_and_then_stays_null() -> None:
    assert (
        parse_work(work(title=None, display_name="Named"), PROV, CODES, 2027).works[0]["title"]
        == "Named"
    )
    assert parse_work(work(title=None), PROV, CODES, 2027).works[0]["title"] is None


def test_empty_author_list_and_truncation_flag_are_kept() -> None:
    out = parse_work(work(authorships=[], is_authors_truncated=True), PROV, CODES, 2027)
    assert out.works[0]["authorships_listed"] == 0
    assert out.works[0]["is_authors_truncated"] is True


def test_unknown_new_keys_are_ignored() -> None:
    out = parse_work(work(brand_new_field={"x": 1}, awards=[]), PROV, CODES, 2027)
    assert out.works[0]["schema_generation"] == "2026-awards"


def test_text_is_nfc_normalised_and_zero_width_characters_removed() -> None:
    assert clean_text("Universita\u0308t Z\u200burich ") == "Universit\u00e4t Zurich"
    assert clean_text("   ") is None


def test_ids_are_shortened_and_checked() -> None:
    assert short_id("https://openalex.org/w42", "W") == "W42"
    assert short_id(None, "W") is None


def test_abstract_is_rebuilt_in_word_order() -> None:
    assert abstract_text({"qubits": [1], "Superconducting": [0], "decohere": [2]}) == (
        "Superconducting qubits decohere"
    )


def test_schema_generations() -> None:
    assert schema_generation({"host_venue": {}}) == "2021-host_venue"
    assert schema_generation({"primary_location": {}}) == "2023-locations"
    assert schema_generation({"topics": []}) == "2025-topics"
    assert schema_generation({"topics": [], "awards": []}) == "2026-awards"


def test_files_in_every_raw_format_are_read(tmp_path: Path) -> None:
    page = {"meta": {"count": 1, "next_cursor": None}, "results": [work()]}
    (tmp_path / "a.json").write_text(json.dumps(page))
    (tmp_path / "b.json.gz").write_bytes(gzip.compress(json.dumps(page).encode()))
    (tmp_path / "c.jsonl").write_text(
        json.dumps(work(id="W2")) + "\n" + json.dumps(work(id="W3")) + "\n"
    )
    (tmp_path / "d.jsonl.gz").write_bytes(
        gzip.compress((json.dumps(work(id="W4")) + "\n{broken\n").encode())
    )
    (tmp_path / "notes.txt").write_text("ignored")
    files = raw_files(tmp_path)
    assert [f.name for f in files] == ["a.json", "b.json.gz", "c.jsonl", "d.jsonl.gz"]
    out = parse_files(files, tmp_path, CODES, 2027)
    assert sorted(w["work_id"] for w in out.works) == ["W1", "W1", "W2", "W3", "W4"]
    assert [q["reason"] for q in out.quarantine] == ["invalid_json"]
    assert [f["records"] for f in out.files] == [1, 1, 2, 2]


def test_truncated_or_html_files_are_quarantined_as_unreadable(tmp_path: Path) -> None:
    (tmp_path / "truncated.json").write_text('{"meta": {}, "results": [{"id": "W1"')
    (tmp_path / "html.json").write_text("<html><body>502 Bad Gateway</body></html>")
    (tmp_path / "cut.json.gz").write_bytes(gzip.compress(b'{"results": []}')[:-6])
    out = parse_files(raw_files(tmp_path), tmp_path, CODES, 2027)
    assert sorted(q["source_file"] for q in out.quarantine) == [
        "cut.json.gz",
        "html.json",
        "truncated.json",
    ]
    assert {q["reason"] for q in out.quarantine} == {"unreadable_file"}
    assert {f["status"] for f in out.files} == {"unreadable"}


def test_symlinks_are_refused(tmp_path: Path) -> None:
    (tmp_path / "real.json").write_text("{}")
    (tmp_path / "link.json").symlink_to(tmp_path / "real.json")
    with pytest.raises(ValueError, match="symbolic links"):
        raw_files(tmp_path)


def test_a_single_work_response_is_one_record(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text(json.dumps(work()))
    assert len(list(iter_records(path))) == 1


def test_a_bad_nested_field_loses_only_its_record(tmp_path: Path) -> None:
    bad_score = work(id="W2", topics=[{"id": "https://openalex.org/T1", "score": "high"}])
    bad_primary = work(id="W3", topics=[{"id": "https://openalex.org/T1"}], primary_topic="T1")
    page = {"results": [work(id="W1"), bad_score, bad_primary, work(id="W4")]}
    (tmp_path / "p.json").write_text(json.dumps(page))
    out = parse_files(raw_files(tmp_path), tmp_path, CODES, 2027)
    assert sorted(w["work_id"] for w in out.works) == ["W1", "W3", "W4"]
    assert [(q["record_id"], q["reason"]) for q in out.quarantine] == [("W2", "invalid_field")]


def test_json_lines_split_only_on_newlines(tmp_path: Path) -> None:
    odd = work(id="W7", title="Line\u2028separator and next\u0085line in a title")
    (tmp_path / "part.jsonl").write_text(json.dumps(odd, ensure_ascii=False) + "\n")
    out = parse_files(raw_files(tmp_path), tmp_path, CODES, 2027)
    assert [w["work_id"] for w in out.works] == ["W7"] and out.quarantine == []


def test_missing_citation_count_stays_missing() -> None:
    record = work()
    del record["cited_by_count"]
    assert parse_work(record, PROV, CODES, 2027).works[0]["cited_by_count"] is None


def test_a_field_dropped_from_every_record_of_a_file_is_schema_drift(tmp_path: Path) -> None:
    renamed = [work(id=f"https://openalex.org/W{i}") for i in (1, 2)]
    for record in renamed:
        record["authors"] = record.pop("authorships")  # the API renamed the field
    (tmp_path / "renamed.json").write_text(json.dumps({"meta": {}, "results": renamed}))
    # one record without authorships among others is a record without authors, not drift
    mixed = [work(id="https://openalex.org/W3"), work(id="https://openalex.org/W4")]
    del mixed[1]["authorships"]
    (tmp_path / "mixed.json").write_text(json.dumps({"meta": {}, "results": mixed}))
    out = parse_files(raw_files(tmp_path), tmp_path, CODES, 2027)
    drift = [q for q in out.quarantine if q["reason"] == "schema_drift"]
    assert [(q["source_file"], q["record_index"]) for q in drift] == [("renamed.json", None)]
    assert "['authorships']" in drift[0]["detail"]
    assert len(out.works) == 4  # the records are still read, and counted
    assert {f["status"] for f in out.files} == {"read"}


def test_taiwan_hong_kong_and_macao_are_their_own_countries_in_the_reference() -> None:
    countries = reference_frames()["ref.countries"]
    codes = CountryCodes(dict(zip(countries["iso2"], countries["iso3"], strict=True)), frozenset())
    record = work(authorships=[{"countries": ["CN", "HK", "MO", "TW"]}])
    out = parse_work(record, PROV, codes, 2027)
    assert [r["country_iso3"] for r in out.authorship_countries] == ["CHN", "HKG", "MAC", "TWN"]
    assert out.quarantine == []


def test_right_to_left_and_very_long_names_are_kept_whole() -> None:
    arabic = "جامعة الملك عبدالله للعلوم والتقنية"  # a right-to-left institution name
    long_name = "Quantum " * 2_000  # 16,000 characters
    record = work(
        title=long_name,
        authorships=[
            {
                "author": {"id": "https://openalex.org/A1", "display_name": "\u200fنور"},
                "institutions": [
                    {"id": "https://openalex.org/I9", "display_name": arabic, "country_code": "SA"}
                ],
                "countries": ["US"],
            }
        ],
    )
    out = parse_work(record, PROV, CODES, 2027)
    assert out.works[0]["title"] == long_name.strip()
    assert out.institutions[0]["institution_name"] == arabic
    assert out.authorships[0]["author_name"] == "\u200fنور"  # a direction mark is text
