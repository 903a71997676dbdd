"""Deterministic generator of qcm's embedded, SYNTHETIC OpenAlex sample.

Writes API list-response pages (``{"meta": ..., "results": [...]}``, gzipped) per
publication year, one snapshot JSON Lines part, and a merged-ids file, in exactly the
formats the live connector lands. The works are invented: titles are built from
templates, countries and citations are drawn from seeded distributions. They exist so
that every indicator, check and chart has something meaningful to compute, and they
carry the data defects real OpenAlex data has (see ``DEFECTS``).

Authors are synthetic researchers with careers (``assets.workforce.sample_careers``):
each listed authorship's author is a researcher located, that year, in the country of
the authorship's first institution (the work's lead country when it has none), drawn
from the population's own random stream, so every other field of the works is what the
works' stream alone makes. A few researchers were merged in OpenAlex: some of their
authorships carry their old id (``DEFECTS["merged_author_ids"]``; the merged-ids file
is in the author-record sample, ``assets.workforce.sample_generator``). ``build``
returns the works and the population without writing (the author-record sample reuses
them); ``generate`` writes the files.

Run ``python -m assets.bibliometric.sample_generator`` to rewrite the sample; the same
seed always gives byte-identical files (a test checks this).
"""

from __future__ import annotations

import base64
import gzip
import json
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assets.workforce.sample_careers import Population, Researcher

SAMPLE_DIR = Path(__file__).parent / "sample"
SEED = 20261123
FIRST_YEAR = 2010
LAST_YEAR = 2026  # incomplete on purpose: the latest year always is
PAGE_SIZE = 200
MAX_LISTED_AUTHORS = 100  # OpenAlex lists at most 100 authorships of a work
SNAPSHOT_YEAR = 2012  # this year ships as a snapshot JSON Lines part, not API pages

# Countries with a base weight (share of authorships) and yearly growth of output.
COUNTRIES: dict[str, tuple[float, float]] = {
    "US": (20.0, 0.05),
    "CN": (14.0, 0.11),
    "DE": (6.0, 0.05),
    "GB": (5.0, 0.05),
    "JP": (5.0, 0.03),
    "FR": (4.0, 0.05),
    "CA": (3.0, 0.06),
    "IT": (3.0, 0.05),
    "IN": (2.5, 0.14),
    "KR": (2.5, 0.08),
    "AU": (2.5, 0.07),
    "ES": (2.0, 0.05),
    "NL": (2.0, 0.06),
    "CH": (2.0, 0.05),
    "RU": (2.0, 0.02),
    "AT": (1.5, 0.05),
    "SG": (1.2, 0.07),
    "IL": (1.0, 0.06),
    "TW": (1.5, 0.04),
    "PL": (1.0, 0.06),
    "SE": (1.0, 0.06),
    "DK": (1.0, 0.07),
    "FI": (0.8, 0.06),
    "BR": (1.0, 0.06),
    "IR": (1.0, 0.08),
    "BE": (0.6, 0.05),
    "HK": (0.6, 0.06),
    "CZ": (0.5, 0.05),
    "PT": (0.4, 0.05),
    "IE": (0.3, 0.06),
    "NO": (0.3, 0.05),
    "TR": (0.7, 0.09),
    "MX": (0.4, 0.05),
    "ZA": (0.3, 0.05),
    "NZ": (0.2, 0.05),
    "UA": (0.3, 0.01),
    "EG": (0.3, 0.09),
    "SA": (0.4, 0.12),
    "MO": (0.05, 0.05),
    "XK": (0.03, 0.05),
}

# Where a country is unusually strong or weak (multiplier on its weight).
TILTS: dict[str, dict[str, float]] = {
    "superconducting": {"US": 1.8, "CN": 1.3, "NL": 1.5, "CH": 1.8, "JP": 1.3, "FI": 2.5},
    "trapped_ion": {"US": 1.6, "AT": 4.0, "GB": 2.0, "CH": 2.0, "DE": 1.5},
    "neutral_atom": {"FR": 3.0, "US": 1.5, "DE": 1.8, "NL": 1.5},
    "photonic": {"CN": 2.0, "GB": 1.5, "CA": 2.0, "DK": 2.5, "AU": 1.5},
    "spin_silicon": {"AU": 4.0, "NL": 3.5, "JP": 1.8, "FR": 1.5},
    "topological": {"NL": 3.5, "DK": 3.0, "US": 1.5},
    "annealing": {"CA": 5.0, "JP": 2.0, "US": 1.3},
    "defect_centres": {"DE": 2.5, "AU": 1.8, "US": 1.3},
    "error_correction": {"US": 1.6, "GB": 1.4, "CH": 1.5, "AU": 1.5},
    "algorithms_software": {"US": 1.4, "IN": 1.8, "CA": 1.4},
    "qkd": {"CN": 2.6, "JP": 1.5, "KR": 1.5, "IN": 1.3},
    "quantum_networks": {"CN": 2.0, "NL": 2.0, "US": 1.2},
    "sensing_magnetometry": {"DE": 2.0, "US": 1.3, "IL": 2.0},
    "sensing_inertial": {"GB": 2.5, "FR": 2.0, "CN": 1.5},
    "clocks": {"JP": 2.5, "US": 1.5, "DE": 1.5, "CN": 1.3},
    "quantum_imaging": {"GB": 2.0, "IT": 2.0, "CN": 1.5},
    "cryogenics": {"FI": 4.0, "GB": 1.8, "NL": 1.5},
    "control_electronics": {"NL": 2.5, "US": 1.5, "CH": 1.5},
    "pqc": {"US": 1.5, "DE": 1.8, "CN": 1.2, "FR": 1.5},
}

# Title templates: each approach's phrases are ones its keyword rules recognise.
TITLES: dict[str, list[str]] = {
    "superconducting": [
        "High-coherence transmon qubits with {adj} junction design",
        "Fluxonium qubits with {adj} two-qubit gates",
        "A superconducting quantum processor with {n} qubits",
        "Circuit QED readout of {adj} superconducting qubits",
    ],
    "trapped_ion": [
        "{adj} entangling gates on trapped-ion qubits",
        "Scalable surface ion trap with {n} zones",
        "Quantum simulation with {n} trapped ions in a Paul trap",
    ],
    "neutral_atom": [
        "Programmable arrays of {n} neutral atoms in optical tweezers",
        "Rydberg blockade gates with {adj} fidelity",
        "Quantum simulation of spin models with Rydberg atom arrays",
    ],
    "photonic": [
        "Boson sampling with {n} photons and {adj} interferometers",
        "On-demand single-photon sources for photonic quantum computing",
        "Squeezed light for {adj} measurement-based quantum computing with photons",
    ],
    "spin_silicon": [
        "Spin qubits in silicon quantum dots with {adj} readout",
        "Donor qubits in isotopically purified silicon-28",
        "A {n}-qubit germanium spin qubit array",
    ],
    "topological": [
        "Signatures of Majorana zero modes in {adj} nanowires",
        "Braiding non-Abelian anyons for topological quantum computation",
    ],
    "annealing": [
        "Quantum annealing for {adj} combinatorial optimisation",
        "Benchmarking a D-Wave quantum annealer on {n}-variable problems",
    ],
    "defect_centres": [
        "Nitrogen-vacancy centres in diamond as {adj} quantum memories",
        "Coherent control of silicon-vacancy colour centres",
        "Spin defects in silicon carbide for quantum technologies",
    ],
    "error_correction": [
        "Surface code error correction with {n} physical qubits",
        "Fault-tolerant logical qubits with {adj} decoders",
        "Quantum LDPC codes for {adj} fault tolerance",
    ],
    "algorithms_software": [
        "Variational quantum eigensolver for {adj} molecules",
        "Quantum approximate optimization on {n} qubits",
        "A compiler for {adj} quantum circuits with qubit routing",
    ],
    "qkd": [
        "Twin-field quantum key distribution over {n} km of fibre",
        "Measurement-device-independent QKD with {adj} detectors",
        "Satellite quantum key distribution over {n} km",
    ],
    "quantum_networks": [
        "Quantum repeaters with {adj} quantum memories",
        "Entanglement distribution across a {n}-node quantum network",
    ],
    "sensing_magnetometry": [
        "Optically pumped magnetometers for {adj} magnetoencephalography",
        "Nanoscale magnetometry with nitrogen-vacancy centres",
        "A {adj} atomic magnetometer at room temperature",
    ],
    "sensing_inertial": [
        "A cold-atom gravimeter for {adj} field surveys",
        "Atom interferometry for inertial navigation over {n} hours",
    ],
    "clocks": [
        "An optical lattice clock with {adj} systematic uncertainty",
        "Optical frequency transfer over {n} km of fibre",
        "Comparison of trapped-ion and lattice optical clocks",
    ],
    "quantum_imaging": [
        "Ghost imaging with {adj} entangled photons",
        "Quantum illumination for {adj} target detection",
    ],
    "cryogenics": [
        "A dilution refrigerator for {n}-qubit processors",
        "Low-vibration pulse-tube cryocooler for quantum devices",
    ],
    "control_electronics": [
        "Cryo-CMOS control electronics for {n} spin qubits",
        "An RFSoC-based readout system for superconducting qubits",
    ],
    "pqc": [
        "Lattice-based post-quantum signatures for {adj} devices",
        "Side-channel analysis of Kyber implementations",
    ],
    "unclassified": [
        "Entanglement entropy in {adj} many-body systems",
        "Quantum coherence and decoherence in {adj} open systems",
        "Quantum dot light-emitting diodes with {adj} efficiency",
        "Quantum correlations beyond entanglement in {adj} states",
    ],
}
ADJECTIVES = [
    "scalable",
    "robust",
    "low-noise",
    "high-fidelity",
    "compact",
    "tunable",
    "integrated",
    "efficient",
    "long-lived",
    "hybrid",
    "broadband",
    "modular",
]
APPROACH_WEIGHTS = {
    "superconducting": 9,
    "trapped_ion": 5,
    "neutral_atom": 5,
    "photonic": 8,
    "spin_silicon": 5,
    "topological": 3,
    "annealing": 2,
    "defect_centres": 4,
    "error_correction": 5,
    "algorithms_software": 10,
    "qkd": 9,
    "quantum_networks": 5,
    "sensing_magnetometry": 4,
    "sensing_inertial": 2,
    "clocks": 4,
    "quantum_imaging": 2,
    "cryogenics": 1,
    "control_electronics": 1,
    "pqc": 3,
    "unclassified": 10,
}
TOPICS = {
    "superconducting": "T10020",
    "trapped_ion": "T10682",
    "neutral_atom": "T10425",
    "photonic": "T11414",
    "spin_silicon": "T10382",
    "topological": "T10657",
    "annealing": "T10682",
    "defect_centres": "T10478",
    "error_correction": "T10682",
    "algorithms_software": "T10682",
    "qkd": "T10020",
    "quantum_networks": "T10020",
    "sensing_magnetometry": "T12692",
    "sensing_inertial": "T11325",
    "clocks": "T12004",
    "quantum_imaging": "T11414",
    "cryogenics": "T11803",
    "control_electronics": "T12300",
    "pqc": "T10020",
    "unclassified": "T10622",
}
INSTITUTION_TYPES = ["education"] * 7 + ["company"] + ["government", "facility"]
# Names that exercise Unicode handling: NFC, right-to-left text, a zero-width space.
SPECIAL_NAMES = {
    "AT": "Universita\u0308t Wien",
    "SA": "\u062c\u0627\u0645\u0639\u0629 \u0627\u0644\u0645\u0644\u0643 \u0633\u0639\u0648\u062f",
    "JP": "\u6771\u4eac\u5927\u5b66",
    "CH": "ETH Z\u200burich",
    "IL": "<script>alert('x')</script> Institute of Science",
}
DEFECTS = {
    "null_country_code": 0.015,  # an institution with country_code null
    "countries_without_institutions": 0.02,
    "empty_author_list": 0.003,
    "null_title": 0.005,
    "numbers_as_strings": 0.01,
    "duplicates_across_pages": 30,
    "merged_ids": 10,
    # researchers whose old (merged) author id some of their authorships still carry
    "merged_author_ids": 8,
    "invalid_codes": {"XX": 5, "UK": 3, "SU": 2},
    "malformed_records": [
        "missing id",
        "missing id",
        "missing id",
        "year 'abc'",
        "year 'abc'",
        "year 2099",
        "not an object",
    ],
}


@dataclass
class Institution:
    """A synthetic institution: id, name, country (ISO2) and OpenAlex type."""

    id: str
    name: str
    country: str
    type: str


def _institutions(rng: random.Random) -> dict[str, list[Institution]]:
    pools: dict[str, list[Institution]] = {}
    number = 4_000_000_000
    for country in COUNTRIES:
        pools[country] = []
        for k in range(4):
            number += 1
            kind = "company" if k == 3 else rng.choice(INSTITUTION_TYPES)
            name = (
                f"{'Quantum Devices Ltd' if kind == 'company' else 'Institute'} {country}-{k + 1}"
            )
            if k == 0 and country in SPECIAL_NAMES:
                name = SPECIAL_NAMES[country]
            pools[country].append(
                Institution(f"https://openalex.org/I{number}", name, country, kind)
            )
    return pools


def _weights(approach: str, year: int) -> tuple[list[str], list[float]]:
    names, weights = [], []
    for country, (base, growth) in COUNTRIES.items():
        names.append(country)
        weights.append(
            base * TILTS.get(approach, {}).get(country, 1.0) * (1 + growth) ** (year - FIRST_YEAR)
        )
    return names, weights


def _inverted_index(text: str) -> dict[str, list[int]]:
    index: dict[str, list[int]] = {}
    for position, word in enumerate(text.split()):
        index.setdefault(word, []).append(position)
    return index


def _author_count(rng: random.Random) -> int:
    if rng.random() < 0.01:
        return rng.randint(101, 320)
    return max(1, min(60, int(rng.lognormvariate(1.3, 0.7))))


def _work(
    rng: random.Random,
    number: int,
    year: int,
    pools: dict[str, list[Institution]],
    population: Population,
) -> dict[str, Any]:
    approaches = list(APPROACH_WEIGHTS)
    approach = rng.choices(approaches, weights=list(APPROACH_WEIGHTS.values()))[0]
    title = rng.choice(TITLES[approach]).format(
        adj=rng.choice(ADJECTIVES), n=rng.choice([3, 5, 12, 20, 50, 100, 256])
    )
    second = None
    if rng.random() < 0.15:  # multi-approach works
        second = rng.choice([a for a in approaches if a not in (approach, "unclassified")])
        title += " and " + rng.choice(TITLES[second]).format(adj="", n=8).lower().replace("  ", " ")
    names, weights = _weights(approach, year)
    lead = rng.choices(names, weights=weights)[0]
    countries = [lead]
    if rng.random() < 0.28:
        countries += rng.choices(names, weights=weights, k=rng.randint(1, 3))
    n_authors = _author_count(rng)
    authorships = []
    taken: set[int] = set()
    for position in range(n_authors):
        country = countries[0] if position == 0 else rng.choice(countries)
        insts = [rng.choice(pools[country])]
        if rng.random() < 0.12:
            other = rng.choice(countries)
            insts.append(rng.choice(pools[other]))
        authorship = _authorship(rng, position, n_authors, insts)
        if position < MAX_LISTED_AUTHORS:  # the truncated ones are never written
            located = insts[0].country if authorship["institutions"] else lead
            researcher = population.author_for(located, year, number, taken)
            taken.add(researcher.serial)
            authorship["author"] = _author(researcher)
        authorships.append(authorship)
    age = max(0.2, 2026.9 - year)
    cited = int(rng.paretovariate(1.6) * age * 2.2) - 2
    cited = max(0, cited)
    abstract = (
        f"We report {title[0].lower() + title[1:]}. "
        f"This {approach.replace('_', ' ')} study uses {rng.choice(ADJECTIVES)} methods."
    )
    if approach == "unclassified":
        abstract = f"We study {title[0].lower() + title[1:]} with theoretical methods."
    topic_ids = [TOPICS[approach]] + ([TOPICS[second]] if second else [])
    return {
        "id": f"https://openalex.org/W9{number:09d}",
        "doi": f"https://doi.org/10.5555/qcm-sample.{number}",
        "title": title,
        "display_name": title,
        "publication_year": year,
        "publication_date": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "type": rng.choices(["article", "preprint", "review"], weights=[80, 15, 5])[0],
        "language": "en",
        "cited_by_count": cited,
        "fwci": round(cited / (age * 2.6) * rng.uniform(0.8, 1.2), 3),
        "is_retracted": False,
        "authorships": authorships[:MAX_LISTED_AUTHORS],
        "is_authors_truncated": n_authors > MAX_LISTED_AUTHORS,
        "abstract_inverted_index": _inverted_index(abstract),
        "topics": [
            {
                "id": f"https://openalex.org/{t}",
                "display_name": t,
                "score": round(0.99 - 0.1 * i, 4),
            }
            for i, t in enumerate(dict.fromkeys(topic_ids))
        ],
        "primary_topic": {"id": f"https://openalex.org/{topic_ids[0]}"},
        "updated_date": "2026-11-01T00:00:00.000000",
    }


def _authorship(
    rng: random.Random, position: int, total: int, insts: list[Institution]
) -> dict[str, Any]:
    """One authorship; its ``author`` (None here) is set by the caller."""
    institutions = [
        {"id": i.id, "display_name": i.name, "ror": None, "country_code": i.country, "type": i.type}
        for i in insts
    ]
    if rng.random() < DEFECTS["null_country_code"]:
        institutions[0]["country_code"] = None
    countries = sorted({i["country_code"] for i in institutions if i["country_code"]})
    if rng.random() < DEFECTS["countries_without_institutions"]:
        institutions = []
    return {
        "author_position": "first"
        if position == 0
        else ("last" if position == total - 1 else "middle"),
        "author": None,
        "institutions": institutions,
        "countries": countries,
        "is_corresponding": position == 0,
        "raw_affiliation_strings": [i["display_name"] for i in institutions],
    }


def _author(researcher: Researcher) -> dict[str, Any]:
    return {"id": researcher.id, "display_name": researcher.name, "orcid": None}


def _to_generation(work: dict[str, Any]) -> dict[str, Any]:
    """Rewrite a work in the schema generation its publication year would have had."""
    year = work["publication_year"]
    if year <= 2014:  # 2021 snapshot generation: host_venue, no countries/topics/fwci
        work = {
            k: v
            for k, v in work.items()
            if k not in ("topics", "primary_topic", "fwci", "is_authors_truncated")
        }
        work["host_venue"] = {"id": None, "display_name": "Synthetic Journal of Quantum Technology"}
        for a in work["authorships"]:
            a.pop("countries", None)
            a["raw_affiliation_string"] = "; ".join(a.pop("raw_affiliation_strings", []))
    elif year <= 2018:  # 2023 generation: primary_location, no topics yet
        work = {k: v for k, v in work.items() if k not in ("topics", "primary_topic", "fwci")}
        work["primary_location"] = {
            "source": {"display_name": "Synthetic Journal of Quantum Technology"}
        }
    elif year >= 2025:  # 2026 generation: awards and funders
        work["awards"] = []
        work["funders"] = []
    return work


def _inject_defects(rng: random.Random, works: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for work in works:
        if rng.random() < DEFECTS["empty_author_list"]:
            work["authorships"] = []
        if rng.random() < DEFECTS["null_title"]:
            work["title"] = work["display_name"] = None
        if rng.random() < DEFECTS["numbers_as_strings"]:
            work["cited_by_count"] = str(work["cited_by_count"])
            work["publication_year"] = str(work["publication_year"])
    with_authors = [w for w in works if w["authorships"] and w["authorships"][0]["institutions"]]
    for code, count in DEFECTS["invalid_codes"].items():
        for work in rng.sample(with_authors, count):
            authorship = work["authorships"][0]
            authorship["institutions"][0]["country_code"] = code
            if "countries" in authorship:
                authorship["countries"] = [code]
    return works


@dataclass
class Sample:
    """The generated sample before writing.

    ``files`` maps each year to its records as written (duplicates, merged copies and
    malformed records included; 2012 is the snapshot part); ``works`` are the canonical
    works, one each; ``merged_works`` the rows of ``merged_ids_works.csv``;
    ``merged_authors`` (old short id, surviving short id) for each merged researcher.
    """

    files: dict[int, list[Any]]
    works: list[dict[str, Any]]
    merged_works: list[str]
    pools: dict[str, list[Institution]]
    population: Population
    merged_authors: list[tuple[str, str]] = field(default_factory=list)
    works_generated: int = 0


def build(seed: int = SEED, scale: float = 1.0) -> Sample:
    """Generate the sample in memory (see ``Sample``); nothing is written.

    ``scale`` multiplies the number of works per year (the benchmark's larger corpora);
    the embedded sample is scale 1. The population grows with the authorships.
    """
    rng = random.Random(seed)
    population = Population(seed, list(COUNTRIES), LAST_YEAR)
    pools = _institutions(rng)
    by_year: dict[int, list[dict[str, Any]]] = {}
    number = 0
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        size = int(200 * 1.09 ** (year - FIRST_YEAR) * scale)
        if year == LAST_YEAR:
            size = int(size * 0.45)
        works = []
        for _ in range(size):
            number += 1
            works.append(_to_generation(_work(rng, number, year, pools, population)))
        by_year[year] = _inject_defects(rng, works)
    all_works = [w for ws in by_year.values() for w in ws]
    merged = rng.sample(all_works, DEFECTS["merged_ids"])
    merged_rows = []
    for work in merged:  # the same work also appears under an old id merged into it
        old = dict(work, id=work["id"].replace("/W9", "/W8"))
        merged_rows.append(
            f"2026-10-01,{old['id'].rsplit('/', 1)[-1]},{work['id'].rsplit('/', 1)[-1]}"
        )
        by_year[int(work["publication_year"])].append(old)
    for work in rng.sample(all_works, DEFECTS["duplicates_across_pages"]):
        by_year[int(work["publication_year"])].append(work)  # lands on a later page
    malformed: list[Any] = []
    for kind in DEFECTS["malformed_records"]:
        bad = dict(rng.choice(all_works))
        if kind == "missing id":
            bad.pop("id")
        elif kind == "year 'abc'":
            bad["publication_year"] = "abc"
        elif kind == "year 2099":
            bad["publication_year"] = 2099
        else:
            bad = "this record is not an object"
        malformed.append(bad)
    by_year[2020].extend(malformed)
    merged_authors = _merge_authors(population, all_works, DEFECTS["merged_author_ids"])
    return Sample(by_year, all_works, merged_rows, pools, population, merged_authors, number)


def _merge_authors(
    population: Population, works: list[dict[str, Any]], count: int
) -> list[tuple[str, str]]:
    """Give ``count`` researchers an old id on some (not all) of their authorships.

    Draws only from the population's stream. The authorship objects are shared by every
    copy of a work (duplicates, merged and malformed copies), so all copies agree.
    """
    by_author: dict[str, list[dict[str, Any]]] = {}
    for work in works:
        for authorship in work["authorships"]:
            by_author.setdefault(authorship["author"]["id"], []).append(authorship)
    candidates = sorted(a for a, listed in by_author.items() if len(listed) >= 2)
    merged = []
    for author_id in population.rng.sample(candidates, count):
        listed = by_author[author_id]
        old_id = author_id.replace("/A9", "/A8")
        for authorship in population.rng.sample(listed, population.rng.randint(1, len(listed) - 1)):
            authorship["author"] = dict(authorship["author"], id=old_id)
        merged.append((old_id.rsplit("/", 1)[-1], author_id.rsplit("/", 1)[-1]))
    return merged


def generate(out_dir: Path = SAMPLE_DIR, seed: int = SEED, scale: float = 1.0) -> dict[str, int]:
    """Write the whole sample into ``out_dir`` (replaced); return counts by kind.

    ``scale`` multiplies the number of works per year (the benchmark's larger corpora);
    the embedded sample is scale 1.
    """
    sample = build(seed, scale)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    (out_dir / "openalex").mkdir(parents=True)
    pages = 0
    for year, works in sample.files.items():
        if year == SNAPSHOT_YEAR:
            _write_snapshot(
                out_dir / "openalex" / f"works_snapshot_publication_year={year}_part_000.jsonl.gz",
                works,
            )
        else:
            pages += _write_pages(out_dir / "openalex", year, works)
    (out_dir / "openalex" / "merged_ids_works.csv").write_text(
        "merge_date,id,merge_into_id\n" + "\n".join(sample.merged_works) + "\n", encoding="utf-8"
    )
    return {
        "works_generated": sample.works_generated,
        "records_written": sum(len(w) for w in sample.files.values()),
        "pages": pages,
        "merged_ids": len(sample.merged_works),
        "researchers": len(sample.population.researchers),
    }


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def _write_pages(folder: Path, year: int, works: list[dict[str, Any]]) -> int:
    chunks = [works[i : i + PAGE_SIZE] for i in range(0, len(works), PAGE_SIZE)]
    for page, chunk in enumerate(chunks, start=1):
        last = page == len(chunks)
        cursor = None if last else base64.b64encode(f"qcm-sample|{year}|{page}".encode()).decode()
        body = {
            "meta": {
                "count": len(works),
                "db_response_time_ms": 0,
                "page": None,
                "per_page": PAGE_SIZE,
                "next_cursor": cursor,
                "groups_count": None,
            },
            "results": chunk,
        }
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        (folder / f"works_publication_year={year}_page_{page:03d}.json.gz").write_bytes(_gzip(data))
    return len(chunks)


def _write_snapshot(path: Path, works: list[dict[str, Any]]) -> None:
    lines = "\n".join(json.dumps(w, ensure_ascii=False, separators=(",", ":")) for w in works)
    path.write_bytes(_gzip((lines + "\n").encode("utf-8")))


def main() -> None:
    """Rewrite the embedded sample and print what was written."""
    counts = generate()
    total = sum(p.stat().st_size for p in SAMPLE_DIR.rglob("*") if p.is_file())
    print(json.dumps({**counts, "bytes": total, "years": f"{FIRST_YEAR}-{LAST_YEAR}"}))


if __name__ == "__main__":
    main()
