"""A synthetic OpenAlex snapshot at benchmark scale (100k to millions of works).

``write_corpus(folder, works)`` writes ``folder/data/works/updated_date=.../part_NNN.gz``
and ``folder/data/works/manifest`` in the layout and record shape of OpenAlex's bulk
snapshot, with the nesting that makes real data expensive (see ``../shared/PERFORMANCE.md``):

- heavy-tailed author counts: most works have 1 to 15 authors, 0.4% have 100 to 3,000;
  half of those list only the first 100 (``is_authors_truncated``), as OpenAlex does now;
- one or two distinct institutions per authorship (about one in nine a company), about
  one institution per 15 authors in each country (some 22,000 at a million works); 1.7%
  of the institutions listed are ones OpenAlex gives no country (always the same ones);
- authors that recur across works and years (so migration has careers to follow), each
  mostly in one country, sometimes moving;
- the fields a real record carries and qcm never reads (locations, concepts, referenced
  works, counts by year), so a record is about 7 KB of JSON like a real one;
- 5% of works outside the quantum slice (another field's topic and words), which the
  snapshot reader must filter out (``outside``: 0.99 makes a part of the whole
  snapshot, where quantum works are rare).

``write_authors(folder, corpus)`` writes the records of the authors of a written corpus
(as the live build fetches the authors of its works): 2025-era records whose
affiliations list the years of each author's works (the profile trail of the workforce
indicators), in the countries their works give them.

The works are invented, for timing only; nothing here is used by the pipeline itself.
Files are written by two processes (one per core), deterministically from a seed.
"""

from __future__ import annotations

import gzip
import json
import math
import random
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import duckdb

from assets.bibliometric.sample_generator import ADJECTIVES, APPROACH_WEIGHTS, COUNTRIES, TITLES
from assets.bibliometric.sample_generator import TOPICS as APPROACH_TOPICS

WORKS_PER_PART = 125_000
AUTHORS_PER_PART = 100_000
FIRST_YEAR, LAST_YEAR = 2000, 2025
NULL_COUNTRY = 0.017  # of the institutions listed in authorships: no country in OpenAlex
SECOND_INSTITUTION = 0.3  # of the authorships: a second institution
OUTSIDE_SLICE = 0.05
HUGE_AUTHOR_LISTS = 0.004
AUTHORS_PER_INSTITUTION = 15
FILLER = "we report measurements of the system and discuss implications for future devices"
COUNTRY_INDEX = {code: number for number, code in enumerate(COUNTRIES)}
# each country's share of the authors' homes (the weights of ``_countries``)
COUNTRY_SHARE = {
    code: w / sum(w for w, _ in COUNTRIES.values()) for code, (w, _) in COUNTRIES.items()
}


def _part_works(works: int) -> list[int]:
    parts = max(1, math.ceil(works / WORKS_PER_PART))
    return [works // parts + (1 if i < works % parts else 0) for i in range(parts)]


def _authors_pool(works: int) -> int:
    """How many distinct authors the works of a corpus of ``works`` works draw from."""
    return max(1000, works // 3)


def _countries() -> list[str]:
    """Country codes, each repeated by its weight: an author's home is one of them."""
    return [c for c, (weight, _) in COUNTRIES.items() for _ in range(int(weight))]


def _country(author: int, year: int, countries: list[str]) -> str:
    """Where ``author`` works in ``year``: mostly at home, some years elsewhere."""
    home = countries[author % len(countries)]
    return home if (author + year // 4) % 11 else countries[(author // 7) % len(countries)]


def _institutions_in(country: str, authors_pool: int) -> int:
    """How many institutions ``country`` has: one per ``AUTHORS_PER_INSTITUTION`` of the
    authors at home there (at least eight)."""
    return max(8, int(authors_pool * COUNTRY_SHARE[country] / AUTHORS_PER_INSTITUTION))


def _institution(author: int, country: str, slot: int, authors_pool: int) -> dict:
    """``author``'s first (``slot`` 0) or second (1) institution in ``country``, as
    OpenAlex gives it; the two are never the same. What an institution is (its name and
    type) is its own, the same in every record."""
    count = _institutions_in(country, authors_pool)
    index = (author + slot * (1 + author // 3 % (count - 1))) % count
    return _institution_record(
        country, index, country, "company" if index % 9 == 0 else "education"
    )


def _no_country_institution(rng: random.Random, country: str, authors_pool: int) -> dict:
    """One of the institutions in ``country`` that OpenAlex gives no country (one for
    every 60 of the others), drawn by ``rng``: always the same ones, always without it."""
    count = _institutions_in(country, authors_pool) // 60 + 1
    return _institution_record(country, rng.randrange(count), None, "facility")


def _institution_record(country: str, index: int, code: str | None, kind: str) -> dict:
    """Institution ``index`` of ``country`` as OpenAlex lists it (``code``: its country
    code, None when OpenAlex has none; those without one are numbered apart).

    Its number is its place among the country's institutions (even with a country, odd
    without) times the number of countries, plus the country's: no two institutions share
    one, whatever the size of the corpus.
    """
    serial = 2 * index + (code is None)
    number = serial * len(COUNTRIES) + COUNTRY_INDEX[country]
    inst_id = f"https://openalex.org/I{40_000_000 + number}"
    return {
        "id": inst_id,
        "display_name": f"Institute {country}{serial}",
        "ror": f"https://ror.org/0{number:07d}x",
        "country_code": code,
        "type": kind,
        "lineage": [inst_id],
    }


def _author_count(rng: random.Random) -> int:
    if rng.random() < HUGE_AUTHOR_LISTS:
        return min(3000, int(100 / (1 - rng.random()) ** 0.9))  # Pareto tail from 100
    return max(1, min(99, int(rng.lognormvariate(1.35, 0.75))))


YEAR_SKEW = 0.6  # a work's year is FIRST_YEAR + years * u ** YEAR_SKEW: recent years hold more
AUTHOR_SKEW = 2.5  # an authorship's author is pool * u ** AUTHOR_SKEW: a few write much


def _work(
    rng: random.Random,
    index: int,
    authors_pool: int,
    countries: list[str],
    outside: float,
    year: int | None = None,
) -> str:
    """One work as a JSON line; ``outside`` is the chance it is outside the quantum slice;
    its publication year is drawn unless ``year`` is given."""
    drawn = FIRST_YEAR + min(
        LAST_YEAR - FIRST_YEAR, int((LAST_YEAR - FIRST_YEAR + 1) * rng.random() ** YEAR_SKEW)
    )
    year = drawn if year is None else year
    inside = rng.random() >= outside
    if inside:
        approach = rng.choices(list(APPROACH_WEIGHTS), list(APPROACH_WEIGHTS.values()))[0]
        templates = TITLES.get(approach) or TITLES["superconducting"]
        title = rng.choice(templates).format(adj=rng.choice(ADJECTIVES), n=rng.randint(5, 500))
        topic = APPROACH_TOPICS[approach]
    else:
        title = f"Soil microbiome diversity under {rng.choice(ADJECTIVES)} irrigation regimes"
        topic = "T10005"
    # the work's number makes its text its own, as a real abstract is: the classifier keeps
    # its answer per distinct text, and templated texts alone would repeat
    words = f"{title}{' quantum' if inside else ''} {FILLER} (study {index})".split()
    abstract = {}
    for position, word in enumerate(words * 3):
        abstract.setdefault(word, []).append(position)
    listed = _author_count(rng)
    truncated = listed > 100 and index % 2 == 0
    authorships = []
    for position in range(100 if truncated else listed):
        author = int(authors_pool * rng.random() ** AUTHOR_SKEW)
        country = _country(author, year, countries)
        institutions = [_institution(author, country, 0, authors_pool)]
        if rng.random() < SECOND_INSTITUTION:
            institutions.append(
                _no_country_institution(rng, country, authors_pool)
                if rng.random() < NULL_COUNTRY * (1 + SECOND_INSTITUTION) / SECOND_INSTITUTION
                else _institution(author, country, 1, authors_pool)
            )
        authorships.append(
            {
                "author_position": "first" if position == 0 else "middle",
                "author": {
                    "id": f"https://openalex.org/A{50_000_000 + author}",
                    "display_name": f"Researcher {author}",
                    "orcid": None,
                },
                "institutions": institutions,
                "countries": sorted({i["country_code"] for i in institutions if i["country_code"]}),
                "is_corresponding": position == 0,
                "raw_author_name": f"Researcher {author}",
                "raw_affiliation_strings": [i["display_name"] for i in institutions],
            }
        )
    cited = int(rng.paretovariate(1.2)) - 1
    record = {
        "id": f"https://openalex.org/W{100_000_000 + index}",
        "doi": f"https://doi.org/10.9999/bench.{index}",
        "title": title,
        "display_name": title,
        "publication_year": year,
        "publication_date": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "language": "en",
        "type": "article",
        "primary_location": {
            "is_oa": False,
            "landing_page_url": f"https://example.org/{index}",
            "source": {
                "id": "https://openalex.org/S1",
                "display_name": "Synthetic Journal",
                "issn_l": "0000-0000",
            },
        },
        "authorships": authorships,
        "is_authors_truncated": truncated,
        "countries_distinct_count": len({a["countries"][0] for a in authorships if a["countries"]}),
        "cited_by_count": cited,
        "fwci": round(rng.lognormvariate(0, 1), 3),
        "is_retracted": False,
        "primary_topic": {"id": f"https://openalex.org/{topic}", "score": 0.99},
        "topics": [
            {
                "id": f"https://openalex.org/{topic}",
                "display_name": "topic",
                "score": 0.99,
                "subfield": {"id": "https://openalex.org/subfields/3107"},
                "field": {"id": "https://openalex.org/fields/31"},
                "domain": {"id": "https://openalex.org/domains/3"},
            }
        ],
        "concepts": [
            {
                "id": f"https://openalex.org/C{c}",
                "wikidata": None,
                "display_name": "concept",
                "level": 2,
                "score": 0.5,
            }
            for c in range(8)
        ],
        "referenced_works": [
            f"https://openalex.org/W{rng.randint(1, 10**9)}" for _ in range(rng.randint(20, 70))
        ],
        "counts_by_year": [{"year": y, "cited_by_count": 1} for y in range(2021, 2026)],
        "abstract_inverted_index": abstract,
        "updated_date": "2026-10-01T00:00:00.000000",
        "created_date": f"{year}-01-01",
    }
    return json.dumps(record, separators=(",", ":"))


Part = tuple[Path, int, int, int, int, float, int | None]


def _write_part(args: Part) -> tuple[str, int, int, int]:
    """Write one part (path, first index, works, author pool, seed, share outside the slice,
    publication year or None); return (url, bytes, records, uncompressed bytes)."""
    path, first, count, authors_pool, seed, outside, year = args
    rng = random.Random(seed)
    countries = _countries()
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = 0
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=3) as handle:
        for index in range(first, first + count):
            line = _work(rng, index, authors_pool, countries, outside, year) + "\n"
            raw += len(line)
            handle.write(line)
    url = f"s3://openalex/data/works/{path.parent.name}/{path.name}"
    return url, path.stat().st_size, count, raw


def write_corpus(
    folder: Path, works: int, outside: float = OUTSIDE_SLICE, seed: int = 20261130
) -> dict[str, int]:
    """Write a snapshot of ``works`` works under ``folder``, the share ``outside`` of them
    outside the quantum slice; return its sizes."""
    works_dir = folder / "data" / "works"
    jobs, first = [], 0
    for number, count in enumerate(_part_works(works)):
        day = f"2026-{1 + number // 28 % 12:02d}-{1 + number % 28:02d}"
        part = works_dir / f"updated_date={day}" / f"part_{number:03d}.gz"
        jobs.append((part, first, count, _authors_pool(works), seed + number, outside, None))
        first += count
    with ProcessPoolExecutor(max_workers=2) as pool:
        written = list(pool.map(_write_part, jobs))
    _write_manifest(works_dir, written)
    return {
        "works": works,
        "parts": len(written),
        "gzip_bytes": sum(w[1] for w in written),
        "json_bytes": sum(w[3] for w in written),
    }


def _author(
    rng: random.Random, author: int, years: list[int], countries: list[str], authors_pool: int
) -> str:
    """The record of ``author`` (of a corpus whose works draw from ``authors_pool``
    authors), whose works fall in ``years``, as a JSON line: its affiliations list those
    years (descending, as OpenAlex does), each under the first institution its works give
    it that year (or, ``NULL_COUNTRY`` of them, an institution without a country)."""
    affiliations: dict[str, dict] = {}
    for year in sorted(years, reverse=True):
        country = _country(author, year, countries)
        if country not in affiliations:
            institution = (
                _no_country_institution(rng, country, authors_pool)
                if rng.random() < NULL_COUNTRY
                else _institution(author, country, 0, authors_pool)
            )
            affiliations[country] = {"institution": institution, "years": []}
        affiliations[country]["years"].append(year)
    listed = list(affiliations.values())
    author_id = f"https://openalex.org/A{50_000_000 + author}"
    record = {
        "id": author_id,
        "orcid": None,
        "display_name": f"Researcher {author}",
        "display_name_alternatives": [f"R. {author}"],
        "works_count": 2 * len(years),
        "cited_by_count": int(len(years) * rng.paretovariate(1.5)),
        "summary_stats": {"2yr_mean_citedness": 1.0, "h_index": 5, "i10_index": 3},
        "ids": {"openalex": author_id},
        "affiliations": listed,
        "last_known_institutions": [listed[0]["institution"]],
        "topics": [
            {"id": f"https://openalex.org/T1{t:04d}", "display_name": "topic", "count": 1}
            for t in range(5)
        ],
        "counts_by_year": [
            {"year": year, "works_count": 1, "cited_by_count": 1}
            for year in sorted(years, reverse=True)[:10]
        ],
        "works_api_url": f"https://api.openalex.org/works?filter=author.id:A{50_000_000 + author}",
        "updated_date": "2026-10-01T00:00:00.000000",
        "created_date": "2023-07-21",
    }
    return json.dumps(record, separators=(",", ":"))


def _write_authors_part(
    args: tuple[Path, list[tuple[int, list[int]]], int, int],
) -> tuple[int, int]:
    """Write one part of author records (path, each author with their works' years, seed,
    the corpus's author pool); return (bytes, uncompressed bytes)."""
    path, authors, seed, authors_pool = args
    rng, countries = random.Random(seed), _countries()
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = 0
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=3) as handle:
        for author, years in authors:
            line = _author(rng, author, years, countries, authors_pool) + "\n"
            raw += len(line)
            handle.write(line)
    return path.stat().st_size, raw


def _works_years(corpus: Path) -> list[tuple[int, list[int]]]:
    """Every author of the works of the snapshot ``corpus`` (by number), with the years of
    their works, read back from its parts by DuckDB."""
    names = ", ".join(f"'{p}'" for p in sorted((corpus / "data" / "works").rglob("part_*.gz")))
    with duckdb.connect() as con:
        rows = con.execute(
            f"""
            select author, list(distinct year order by year)
            from (
                select publication_year as year,
                    cast(regexp_extract(unnest(authorships).author.id, 'A([0-9]+)$', 1) as bigint)
                        - 50000000 as author
                from read_json([{names}], format = 'newline_delimited', hive_partitioning = false,
                    columns = {{'publication_year': 'BIGINT',
                                'authorships': 'STRUCT(author STRUCT(id VARCHAR))[]'}})
            )
            group by author
            order by author
            """
        )
        return rows.fetchall()


def write_authors(folder: Path, corpus: Path, seed: int = 20261202) -> dict[str, int]:
    """Write under ``folder`` the record of every author of the works of the snapshot
    ``corpus`` (``write_corpus``), as the live build fetches the authors of its works:
    2025-era records whose affiliations list the years of their works. JSON Lines parts
    of ``AUTHORS_PER_PART`` records each (``part_NNN.jsonl.gz``); returns their sizes."""
    authors = _works_years(corpus)
    manifest = json.loads((corpus / "data" / "works" / "manifest").read_text(encoding="utf-8"))
    pool = _authors_pool(manifest["meta"]["record_count"])
    jobs = [
        (folder / f"part_{number:03d}.jsonl.gz", authors[first : first + AUTHORS_PER_PART],
         seed + number, pool)
        for number, first in enumerate(range(0, len(authors), AUTHORS_PER_PART))
    ]  # fmt: skip
    with ProcessPoolExecutor(max_workers=2) as pool:
        written = list(pool.map(_write_authors_part, jobs))
    return {
        "authors": len(authors),
        "parts": len(written),
        "gzip_bytes": sum(w[0] for w in written),
        "json_bytes": sum(w[1] for w in written),
    }


def last_year_works(works: int) -> int:
    """How many of a corpus of ``works`` works fall, on average, in its last year."""
    years = LAST_YEAR - FIRST_YEAR + 1
    return round(works * (1 - ((years - 1) / years) ** (1 / YEAR_SKEW)))


def write_update(folder: Path, corpus: Path, works: int, seed: int = 20261201) -> dict[str, int]:
    """Write under ``folder`` the snapshot ``corpus`` (written by ``write_corpus`` for
    ``works`` works) as it is after an update: every part of it (hard links, not copies: a
    source folder's symbolic links are refused, and a hard link is the same file) plus
    one new part of ``last_year_works(works)`` new works of the last year, in a new
    ``updated_date`` folder, and a manifest listing them all. Returns the new part's sizes."""
    source = corpus / "data" / "works"
    works_dir = folder / "data" / "works"
    old = sorted(source.glob("updated_date=*/part_*.gz"))
    for part in old:
        link = works_dir / part.relative_to(source)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.unlink(missing_ok=True)
        link.hardlink_to(part)
    count = last_year_works(works)
    part = works_dir / "updated_date=2026-12-01" / f"part_{len(old):03d}.gz"
    new = _write_part((part, works, count, _authors_pool(works), seed, OUTSIDE_SLICE, LAST_YEAR))
    listed = json.loads((source / "manifest").read_text(encoding="utf-8"))["entries"]
    _write_manifest(
        works_dir,
        [(e["url"], e["meta"]["content_length"], e["meta"]["record_count"], 0) for e in listed]
        + [new],
    )
    return {"works": count, "gzip_bytes": new[1], "json_bytes": new[3], "year": LAST_YEAR}


def _write_manifest(works_dir: Path, written: list[tuple[str, int, int, int]]) -> None:
    """Write ``works_dir/manifest`` listing the parts ``written`` (url, bytes, records)."""
    manifest = {
        "entries": [
            {"url": url, "meta": {"content_length": size, "record_count": records}}
            for url, size, records, _ in written
        ],
        "meta": {
            "content_length": sum(w[1] for w in written),
            "record_count": sum(w[2] for w in written),
        },
    }
    (works_dir / "manifest").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
