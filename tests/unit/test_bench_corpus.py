"""The benchmark's synthetic snapshot has the real layout and shape, and reads cleanly."""

import gzip
import json
from pathlib import Path

import duckdb

from assets.bibliometric.duckdb_parse import create_raw_tables, read_files
from assets.bibliometric.parse import raw_files
from assets.bibliometric.snapshot import manifest_problems, quantum_slice
from assets.workforce.parse import parse_files
from assets.workforce.parse import raw_files as author_files
from pipelines import bench_corpus
from pipelines.bench_corpus import last_year_works, write_authors, write_corpus, write_update
from pipelines.benchmark import _codes


def read_lines(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return handle.read().splitlines()


def test_a_small_snapshot_has_the_layout_the_manifest_and_the_nesting(tmp_path: Path) -> None:
    sizes = write_corpus(tmp_path, 3000)
    parts = raw_files(tmp_path)
    assert [p.relative_to(tmp_path).parts[:3] for p in parts] == [
        ("data", "works", p.parent.name) for p in parts
    ]
    assert manifest_problems(tmp_path / "data" / "works", tmp_path) == []
    works = [json.loads(line) for p in parts for line in read_lines(p)]
    assert len(works) == sizes["works"] == 3000
    authors = sorted(len(w["authorships"]) for w in works)
    assert 2 <= authors[len(authors) // 2] <= 8  # a typical work has a handful of authors
    assert sum(n >= 100 for n in authors) >= 3  # and a heavy tail of huge collaborations
    truncated = [w for w in works if w["is_authors_truncated"]]
    assert truncated and all(len(w["authorships"]) == 100 for w in truncated)
    institutions = [i for w in works for a in w["authorships"] for i in a["institutions"]]
    nulls = sum(i["country_code"] is None for i in institutions) / len(institutions)
    assert 0.005 < nulls < 0.04
    # an authorship's two institutions are two, and what an institution is (its country
    # or none, its type, its name) is the same in every record that lists it
    listed = [a["institutions"] for w in works for a in w["authorships"]]
    pairs = [pair for pair in listed if len(pair) == 2]
    assert 0.2 < len(pairs) / len(listed) < 0.4
    assert all(first["id"] != second["id"] for first, second in pairs)
    kinds: dict[str, set] = {}
    for i in institutions:
        kinds.setdefault(i["id"], set()).add((i["country_code"], i["type"], i["display_name"]))
    assert all(len(kind) == 1 for kind in kinds.values())
    assert {i["type"] for i in institutions} == {"education", "company", "facility"}
    assert 5_000 < sizes["json_bytes"] / 3000 < 9_000  # bytes of JSON per work
    # every work's text is its own, as real abstracts are (the classifier keeps its answer
    # per distinct text, so repeated texts would make classifying look cheap)
    texts = {(w["title"], json.dumps(w["abstract_inverted_index"])) for w in works}
    assert len(texts) == 3000


def test_the_snapshot_reads_by_duckdb_and_keeps_its_quantum_slice(tmp_path: Path) -> None:
    write_corpus(tmp_path, 2000)
    con = duckdb.connect()
    create_raw_tables(con)
    files = raw_files(tmp_path)
    outcomes = read_files(con, files, tmp_path, _codes(), 2026, "test", quantum_slice())
    assert [o.path for o in outcomes] == ["duckdb"]
    kept = outcomes[0].kept
    assert 0.8 * 2000 < kept < 2000  # about 5% lie outside the slice
    assert con.execute("select count(*) from raw.openalex_works").fetchone()[0] == kept


def test_an_update_links_the_parts_and_adds_one_of_new_works_of_the_last_year(
    tmp_path: Path,
) -> None:
    corpus, updated = tmp_path / "corpus", tmp_path / "updated"
    write_corpus(corpus, 2000)
    update = write_update(updated, corpus, 2000)
    assert update["works"] == last_year_works(2000) == 127  # 6.3% of the works
    old, new = raw_files(corpus), raw_files(updated)
    assert [p.relative_to(updated) for p in new[:-1]] == [p.relative_to(corpus) for p in old]
    assert all(p.samefile(q) for p, q in zip(new[:-1], old, strict=True))
    assert manifest_problems(updated / "data" / "works", updated) == []
    works = [json.loads(line) for line in read_lines(new[-1])]
    assert {w["publication_year"] for w in works} == {update["year"]}
    ids = {json.loads(line)["id"] for p in old for line in read_lines(p)}
    assert len(works) == 127 and not ids & {w["id"] for w in works}


def test_the_authors_records_place_each_author_where_their_works_do(tmp_path: Path) -> None:
    corpus, authors = tmp_path / "corpus", tmp_path / "authors"
    write_corpus(corpus, 3000)
    sizes = write_authors(authors, corpus)
    files = author_files(authors)
    assert len(files) == sizes["parts"] == 1
    batch = parse_files(files, authors, _codes(), 2026)
    assert len(batch.authors) == sizes["authors"] and batch.quarantine == []
    assert {a["schema_generation"] for a in batch.authors} == {"2025-affiliations"}
    works = [json.loads(line) for p in raw_files(corpus) for line in read_lines(p)]
    # every author of a work has a record, listing exactly the years of their works
    works_years: dict[str, set[int]] = {}
    for w in works:
        for a in w["authorships"]:
            works_years.setdefault(a["author"]["id"].rsplit("/", 1)[1], set()).add(
                w["publication_year"]
            )
    profile_years: dict[str, set[int]] = {}
    for a in batch.affiliations:
        profile_years.setdefault(a["author_id"], set()).add(a["year"])
    assert {a["author_id"] for a in batch.authors} == set(works_years) == set(profile_years)
    assert profile_years == works_years
    # in the country of those works (where both the work and the profile give one)
    profile = {
        (a["author_id"], a["year"]): a["country_iso3"]
        for a in batch.affiliations
        if a["country_iso3"] is not None
    }
    codes = _codes().iso2_to_iso3
    placed = [
        ((a["author"]["id"].rsplit("/", 1)[1], w["publication_year"]), codes[i["country_code"]])
        for w in works
        for a in w["authorships"]
        for i in a["institutions"]
        if i["country_code"]
    ]
    assert placed and all(profile.get(key, iso3) == iso3 for key, iso3 in placed)
    assert sum(key in profile for key, _ in placed) > 0.95 * len(placed)


def test_no_two_institutions_share_an_id_or_a_name_at_any_size() -> None:
    # a pool of ten million authors: a corpus of thirty million works, whose larger
    # countries have more than a hundred thousand institutions each
    pool = 10_000_000
    listed = []
    for country in bench_corpus.COUNTRIES:
        count = bench_corpus._institutions_in(country, pool)
        for index in range(count):
            listed.append(bench_corpus._institution_record(country, index, country, "education"))
        for index in range(count // 60 + 1):
            listed.append(bench_corpus._institution_record(country, index, None, "facility"))
    assert max(bench_corpus._institutions_in(c, pool) for c in bench_corpus.COUNTRIES) > 100_000
    assert len({i["id"] for i in listed}) == len({i["display_name"] for i in listed}) == len(listed)
