"""Deterministic generator of qcm's embedded, SYNTHETIC OpenAlex author-record sample.

Every record is invented: the authors are the synthetic researchers
(``assets.workforce.sample_careers``) of the embedded works sample
(``assets.bibliometric.sample_generator``, same seed), with the same ids and names, so
every author id of the works has a record. Nothing describes a real person.

Content of a record (the 2025-era shape of the real records in
``../shared/fixtures/openalex``: ``affiliations`` ``[{institution, years}]`` with years
descending, a plural ``last_known_institutions``): every year in which the researcher
has an authorship in the works sample lists the institutions of that authorship (the
same ids, names, countries and types as in the works); every other career year,
pre-quantum years included, is listed with probability ``LISTED_SHARE`` at the
researcher's institution in that year's country (from the works generator's
institution pools, so the ids match), so profiles have gaps as real ones do.
``last_known_institutions`` are the institutions of the latest listed year.
``ERA_2023_SHARE`` of the researchers whose career started by 2022 are instead in the
2023-era shape: a singular ``last_known_institution`` (their place in 2023, or null),
no ``affiliations``, a date-only ``updated_date``; they say nothing of later moves.
``topics``, ``x_concepts`` and ``counts_by_year`` are empty.

Defects (``DEFECTS``, each a handful, on different researchers):

- ``empty_affiliations``: 2025-era records with ``affiliations`` and
  ``last_known_institutions`` both ``[]`` (a few more are empty by chance: every
  authorship of the researcher lacks an institution and their other years fell in gaps);
- ``null_country_code``: an affiliation institution with ``country_code`` null;
- ``dual_country``: researchers who never move with a second affiliation, in another
  country, listed for every one of their years (a country flip for a naive reader);
- ``deleted_authors``: ids used in the works whose record is OpenAlex's "Deleted Author"
  tombstone (no affiliations, no works);
- ``merged_ids``: researchers merged in OpenAlex (``DEFECTS["merged_author_ids"]`` of
  the works generator): some of their authorships in the works carry the old id
  (``A8...``), ``merged_ids_authors.csv`` maps it to the surviving id, and only the
  surviving record exists;
- ``future_year``: records with ``FUTURE_YEAR`` in a years list;
- ``duplicates_across_pages``: 2025-era records that appear again on a later page, the
  second copy with an older ``updated_date`` (``OLDER_UPDATED``);
- ``malformed_records``: extra records that cannot be used (copies without an id, a
  record that is not an object, a copy whose ``affiliations`` is an object, not a list)
  and one usable record with a years entry ``"abc"``;
- ``invalid_codes``: affiliation institutions coded ``XX`` (no country) or ``UK`` (the
  EU's code for the United Kingdom, on a British institution).

Layout (``SAMPLE_DIR``): the records sorted by id; the first ones as API list pages
(``authors_batch=NNNNN_page_001.json.gz``: a batch of at most ``BATCH_SIZE`` records,
``{"meta": ..., "results": [...]}``, as a batch query ``filter=openalex:A1|A2|...``
returns them), the last ``SNAPSHOT_SHARE`` as one snapshot JSON Lines part
(``authors_updated_date=2026-11-01_part_000.jsonl.gz``), and ``merged_ids_authors.csv``.

Run ``python -m assets.workforce.sample_generator`` to rewrite the sample; the same seed
always gives byte-identical files (a test checks this).
"""

from __future__ import annotations

import copy
import gzip
import json
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assets.bibliometric import sample_generator as works_sample
from assets.bibliometric.sample_generator import Institution, Sample
from assets.workforce.sample_careers import Researcher

SAMPLE_DIR = Path(__file__).parent / "sample" / "openalex_authors"
SEED_OFFSET = 6_000_066  # the author records' stream: the works seed plus this
BATCH_SIZE = 100
SNAPSHOT_SHARE = 0.1
SNAPSHOT_NAME = "authors_updated_date=2026-11-01_part_000.jsonl.gz"
LISTED_SHARE = 0.8  # a career year without an authorship in the works is listed this often
ERA_2023_SHARE = 0.1
UPDATED = "2026-11-01T00:00:00.000000"
OLDER_UPDATED = "2026-05-04T00:00:00.000000"
ERA_2023_UPDATED = "2023-10-28"
MERGE_DATE = "2026-10-01"
FUTURE_YEAR = 2031
DEFECTS: dict[str, Any] = {
    "empty_affiliations": 5,
    "null_country_code": 5,
    "dual_country": 8,
    "deleted_authors": 3,
    "merged_ids": works_sample.DEFECTS["merged_author_ids"],
    "future_year": 3,
    "duplicates_across_pages": 20,
    "malformed_records": [
        "missing id",
        "missing id",
        "not an object",
        "affiliations not a list",
        "year 'abc'",
    ],
    "invalid_codes": {"XX": 2, "UK": 1},
}


@dataclass
class AuthorSample:
    """The author records before writing.

    ``pages`` are the API pages' results in order, ``snapshot`` the snapshot part's
    records, ``merged_rows`` the rows of ``merged_ids_authors.csv``; ``defects`` names
    the short ids each defect was planted on.
    """

    works: Sample
    pages: list[list[Any]]
    snapshot: list[Any]
    merged_rows: list[str]
    defects: dict[str, list[str]]


def _short(url: str) -> str:
    return url.rsplit("/", 1)[-1]


def _institution(inst: Institution) -> dict[str, Any]:
    return {
        "id": inst.id,
        "ror": None,
        "display_name": inst.name,
        "country_code": inst.country,
        "type": inst.type,
        "lineage": [inst.id],
    }


@dataclass
class _Evidence:
    """What the works sample says about one researcher."""

    years: dict[int, list[Institution]]
    cited: list[int]
    work_years: list[int]


def _evidence(works: Sample) -> dict[str, _Evidence]:
    """Per surviving author id: institutions per year, citations and years of works."""
    institutions = {i.id: i for pool in works.pools.values() for i in pool}
    alias = {
        f"https://openalex.org/{old}": f"https://openalex.org/{new}"
        for old, new in works.merged_authors
    }
    out: dict[str, _Evidence] = {}
    for work in works.works:
        year = int(work["publication_year"])
        for authorship in work["authorships"]:
            author_id = alias.get(authorship["author"]["id"], authorship["author"]["id"])
            seen = out.setdefault(author_id, _Evidence({}, [], []))
            listed = seen.years.setdefault(year, [])
            for raw in authorship["institutions"]:
                inst = institutions[raw["id"]]
                if inst not in listed:
                    listed.append(inst)
            seen.cited.append(int(work["cited_by_count"]))
            seen.work_years.append(year)
    return out


def _affiliation_years(
    rng: random.Random,
    researcher: Researcher,
    evidence: _Evidence,
    pools: dict[str, list[Institution]],
) -> dict[int, list[Institution]]:
    """The institutions listed per year: the works' for years with an authorship, else
    (with probability ``LISTED_SHARE``) the researcher's institution in that country."""
    homes: dict[str, Institution] = {}
    years: dict[int, list[Institution]] = {}
    for year in range(
        researcher.first_year - researcher.pre_quantum_years, researcher.last_year + 1
    ):
        if evidence.years.get(year):
            years[year] = evidence.years[year]
            homes.setdefault(researcher.country_in(year), evidence.years[year][0])
            continue
        if rng.random() < LISTED_SHARE:
            country = researcher.country_in(year)
            if country not in homes:
                homes[country] = rng.choice(pools[country])
            years[year] = [homes[country]]
    return years


def _h_index(cited: list[int]) -> int:
    ranked = sorted(cited, reverse=True)
    return sum(1 for rank, c in enumerate(ranked, start=1) if c >= rank)


def _common(rng: random.Random, researcher: Researcher, evidence: _Evidence, upto: int) -> dict:
    """The fields both generations share, counting the works published by ``upto``."""
    pairs = list(zip(evidence.cited, evidence.work_years, strict=True))
    cited = [c for c, y in pairs if y <= upto]
    recent = [c for c, y in pairs if upto - 2 <= y <= upto]
    extra_works = rng.randint(0, 2 * (researcher.pre_quantum_years + 1))
    return {
        "id": researcher.id,
        "orcid": None,
        "display_name": researcher.name,
        "display_name_alternatives": [],
        "works_count": len(cited) + extra_works,
        "cited_by_count": sum(cited) + extra_works * rng.randint(0, 3),
        "summary_stats": {
            "2yr_mean_citedness": round(sum(recent) / len(recent), 1) if recent else 0.0,
            "h_index": _h_index(cited),
            "i10_index": sum(1 for c in cited if c >= 10),
        },
        "ids": {"openalex": researcher.id},
    }


def _record_2025(
    rng: random.Random,
    researcher: Researcher,
    evidence: _Evidence,
    pools: dict[str, list[Institution]],
) -> dict[str, Any]:
    years = _affiliation_years(rng, researcher, evidence, pools)
    record = _common(rng, researcher, evidence, works_sample.LAST_YEAR)
    record["affiliations"] = _affiliations(years)
    latest = years[max(years)] if years else []
    record["last_known_institutions"] = [_institution(i) for i in latest]
    created = max(2023, researcher.first_year)
    record |= {
        "topics": [],
        "x_concepts": [],
        "counts_by_year": [],
        "works_api_url": f"https://api.openalex.org/works?filter=author.id:{_short(researcher.id)}",
        "updated_date": UPDATED,
        "created_date": f"{created}-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}",
    }
    return record


def _affiliations(years: dict[int, list[Institution]]) -> list[dict[str, Any]]:
    """``[{institution, years}]``, latest first, years descending (OpenAlex's order)."""
    by_institution: dict[str, tuple[Institution, list[int]]] = {}
    for year in sorted(years, reverse=True):
        for inst in years[year]:
            by_institution.setdefault(inst.id, (inst, []))[1].append(year)
    ordered = sorted(by_institution.values(), key=lambda pair: (-pair[1][0], pair[0].id))
    return [{"institution": _institution(inst), "years": listed} for inst, listed in ordered]


def _record_2023(
    rng: random.Random,
    researcher: Researcher,
    evidence: _Evidence,
    pools: dict[str, list[Institution]],
) -> dict[str, Any]:
    """The 2023-era shape: where the researcher was last by 2023, nothing later."""
    years = _affiliation_years(rng, researcher, evidence, pools)
    record = _common(rng, researcher, evidence, 2023)
    by_2023 = [y for y in years if y <= 2023]
    record["last_known_institution"] = _institution(years[max(by_2023)][0]) if by_2023 else None
    record |= {
        "x_concepts": [],
        "counts_by_year": [],
        "works_api_url": f"https://api.openalex.org/works?filter=author.id:{_short(researcher.id)}",
        "updated_date": ERA_2023_UPDATED,
        "created_date": f"2023-{rng.randint(1, 9):02d}-{rng.randint(1, 28):02d}",
    }
    return record


def _tombstone(author_id: str) -> dict[str, Any]:
    """OpenAlex's placeholder for a deleted author (fixture bvitamins_A5317838346)."""
    return {
        "id": author_id,
        "orcid": None,
        "display_name": "Deleted Author",
        "display_name_alternatives": [],
        "works_count": 0,
        "cited_by_count": 0,
        "summary_stats": {"2yr_mean_citedness": 0.0, "h_index": 0, "i10_index": 0},
        "ids": {"openalex": author_id},
        "x_concepts": [],
        "counts_by_year": [],
        "works_api_url": f"https://api.openalex.org/works?filter=author.id:{_short(author_id)}",
        "updated_date": UPDATED,
        "created_date": "2023-07-21",
    }


def build(seed: int = works_sample.SEED) -> AuthorSample:
    """Generate the author records of the works sample of ``seed``; nothing is written."""
    works = works_sample.build(seed)
    rng = random.Random(seed + SEED_OFFSET)
    evidence = _evidence(works)
    researchers = [r for r in works.population.researchers if r.id in evidence]
    merged = {f"https://openalex.org/{new}" for _, new in works.merged_authors}

    unmerged = [r for r in researchers if r.id not in merged]
    deleted = {r.id for r in rng.sample(unmerged, DEFECTS["deleted_authors"])}
    early = [r for r in researchers if r.first_year <= 2022 and r.id not in deleted]
    era_2023 = {r.id for r in rng.sample(early, round(ERA_2023_SHARE * len(researchers)))}
    records: dict[str, dict[str, Any]] = {}
    for researcher in researchers:
        if researcher.id in deleted:
            records[researcher.id] = _tombstone(researcher.id)
        else:
            shape = _record_2023 if researcher.id in era_2023 else _record_2025
            records[researcher.id] = shape(rng, researcher, evidence[researcher.id], works.pools)

    defects = {
        "deleted_authors": sorted(_short(a) for a in deleted),
        "merged_ids": [old for old, _ in works.merged_authors],
    }
    free = [r for r in researchers if r.id not in deleted | merged | era_2023]
    defects |= _plant_in_place(rng, records, free, works.pools)
    ordered = [records[r.id] for r in researchers]  # serial order is id order
    api_count = len(ordered) - round(SNAPSHOT_SHARE * len(ordered))
    api, planted = _with_extra_records(rng, ordered[:api_count])
    defects |= planted
    pages = [api[i : i + BATCH_SIZE] for i in range(0, len(api), BATCH_SIZE)]
    merged_rows = [f"{MERGE_DATE},{old},{new}" for old, new in sorted(works.merged_authors)]
    return AuthorSample(works, pages, ordered[api_count:], merged_rows, defects)


def _plant_in_place(
    rng: random.Random,
    records: dict[str, dict[str, Any]],
    free: list[Researcher],
    pools: dict[str, list[Institution]],
) -> dict[str, list[str]]:
    """Plant the defects that alter usable 2025-era records, each on its own researchers
    drawn from ``free``; return the short ids per defect."""
    free = list(free)
    rng.shuffle(free)
    defects: dict[str, list[str]] = {}

    def take(
        name: str, count: int, fits: Callable[[Researcher], bool] | None = None
    ) -> list[dict[str, Any]]:
        chosen = [r for r in free if records[r.id]["affiliations"] and (not fits or fits(r))]
        for r in chosen[:count]:
            free.remove(r)
        defects[name] = [_short(r.id) for r in chosen[:count]]
        return [records[r.id] for r in chosen[:count]]

    for record in take("empty_affiliations", DEFECTS["empty_affiliations"]):
        record["affiliations"] = []
        record["last_known_institutions"] = []
    for record in take("null_country_code", DEFECTS["null_country_code"]):
        rng.choice(record["affiliations"])["institution"]["country_code"] = None

    def stays_at_one_place(r: Researcher) -> bool:
        listed = records[r.id]["affiliations"]
        return r.mobility == "stay" and len(listed) == 1 and len(listed[0]["years"]) >= 3

    for record in take("dual_country", DEFECTS["dual_country"], stays_at_one_place):
        home = record["affiliations"][0]["institution"]["country_code"]
        other = rng.choice(sorted(c for c in pools if c != home))
        second = _institution(rng.choice(pools[other]))
        record["affiliations"].append(
            {"institution": second, "years": list(record["affiliations"][0]["years"])}
        )
        record["last_known_institutions"].append(copy.deepcopy(second))
    for record in take("future_year", DEFECTS["future_year"]):
        record["affiliations"][0]["years"].insert(0, FUTURE_YEAR)
    for record in take("year_abc", 1):
        record["affiliations"][-1]["years"].append("abc")

    def british(r: Researcher) -> bool:
        listed = records[r.id]["affiliations"]
        return any(a["institution"]["country_code"] == "GB" for a in listed)

    for code, count in DEFECTS["invalid_codes"].items():
        # UK is the EU's code for the United Kingdom: planted on a British institution
        for record in take(f"invalid_code_{code}", count, british if code == "UK" else None):
            listed = record["affiliations"]
            if code == "UK":
                listed = [a for a in listed if a["institution"]["country_code"] == "GB"]
            rng.choice(listed)["institution"]["country_code"] = code
    return defects


def _with_extra_records(
    rng: random.Random, api: list[dict[str, Any]]
) -> tuple[list[Any], dict[str, list[str]]]:
    """The API part with the duplicates and the unusable records inserted, and the
    short ids of the records each was copied from."""
    defects: dict[str, list[str]] = {}
    extras: list[tuple[int, Any]] = []
    # a later copy at least one full page on, so it always lands on another page
    current = [i for i in range(len(api) - 2 * BATCH_SIZE) if "affiliations" in api[i]]
    for index in sorted(rng.sample(current, DEFECTS["duplicates_across_pages"])):
        older = dict(api[index], updated_date=OLDER_UPDATED)
        extras.append((index + BATCH_SIZE + rng.randrange(BATCH_SIZE), older))
        defects.setdefault("duplicates_across_pages", []).append(_short(api[index]["id"]))
    usable = [record for record in api if record.get("affiliations")]
    for kind in DEFECTS["malformed_records"]:
        if kind == "year 'abc'":
            continue  # a usable record, planted in place
        original = rng.choice(usable)
        bad: Any = dict(original)
        if kind == "missing id":
            bad.pop("id")
        elif kind == "affiliations not a list":
            bad["affiliations"] = bad["affiliations"][0]
        else:
            bad = "this record is not an object"
        extras.append((rng.randrange(len(api)), bad))
        defects.setdefault(kind.replace(" ", "_"), []).append(_short(original["id"]))
    out = list(api)
    for position, record in sorted(extras, key=lambda e: e[0], reverse=True):
        out.insert(position, record)  # from the back, so the other positions stay valid
    return out, defects


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def generate(out_dir: Path = SAMPLE_DIR, seed: int = works_sample.SEED) -> dict[str, int]:
    """Write the author-record sample into ``out_dir`` (replaced); return counts."""
    sample = build(seed)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    for number, results in enumerate(sample.pages, start=1):
        body = {
            "meta": {
                "count": len(results),
                "db_response_time_ms": 0,
                "page": None,
                "per_page": BATCH_SIZE,
                "next_cursor": None,
                "groups_count": None,
            },
            "results": results,
        }
        path = out_dir / f"authors_batch={number:05d}_page_001.json.gz"
        path.write_bytes(_gzip(_json(body).encode("utf-8")))
    lines = "".join(_json(record) + "\n" for record in sample.snapshot)
    (out_dir / SNAPSHOT_NAME).write_bytes(_gzip(lines.encode("utf-8")))
    (out_dir / "merged_ids_authors.csv").write_text(
        "merge_date,id,merge_into_id\n" + "".join(row + "\n" for row in sample.merged_rows),
        encoding="utf-8",
    )
    return {
        "researchers": len(sample.works.population.researchers),
        "records": sum(len(p) for p in sample.pages) + len(sample.snapshot),
        "pages": len(sample.pages),
        "snapshot_records": len(sample.snapshot),
        "merged_ids": len(sample.merged_rows),
    }


def main() -> None:
    """Rewrite the embedded author sample and print what was written."""
    counts = generate()
    total = sum(p.stat().st_size for p in SAMPLE_DIR.iterdir() if p.is_file())
    print(json.dumps({**counts, "bytes": total}))


if __name__ == "__main__":
    main()
