"""Deterministic generator of qcm's embedded, SYNTHETIC grant sample (NSF, UKRI, CORDIS).

Writes raw bodies of the three grant services in the formats their live connectors land
(``nsf_live``, ``ukri_live``, ``cordis_live``; shapes documented in ``nsf_parse``,
``ukri_parse`` and ``cordis_parse``). Every grant, organisation and amount is invented;
abstracts end with "Synthetic record of the qcm offline sample.". Run
``python -m assets.funding.sample_generator [--out DIR]`` to rewrite the sample (default
``assets/funding/sample/funding``); the same seed always gives byte-identical files (a
test checks this).

Files:

* ``nsf_year=YYYY_offset=NNNNN.json.gz``: NSF Awards API pages (at most 25 awards,
  ``{"response": {"award": [...], "metadata": {"totalCount": N, ...}}}``) of the awards
  starting in YYYY, amounts as strings and dates ``MM/DD/YYYY`` as the API writes them.
* ``ukri_term=quantum_page=NNN.json.gz``: UKRI Gateway to Research project search pages
  (at most 100 results, ``facetedSearchResultBean``), dates in epoch milliseconds.
* ``cordis_project_<ID>.xml.gz``: CORDIS project records (as the CORDIS API returns one),
  organisations with ``ecContribution`` and ``netEcContribution`` attributes.
* ``cordis-HORIZONprojects-csv.zip``: a bulk archive (``csv/project.csv`` and
  ``csv/organization.csv``, ``;``-separated, every field quoted) of the other CORDIS
  projects plus projects outside the quantum scope, which the reader filters out.

Content: NSF awards 2014-2025 (about 15 a year, growing; all to US awardees), UKRI
projects (about 8 a year; money to the UK lead organisation, partners named), CORDIS
projects (single-beneficiary fellowships and grants, and consortia of 3-9
organisations from EU members and associated countries, some with linked third parties
whose ``ecContribution`` is 0 and ``netEcContribution`` carries their share). UKRI and
CORDIS projects start only in the years (``RATED_YEARS``) for which the reviewed FX table
(``assets/reference/fx_rates.csv``) of qcm 0.3.0 has a rate for pounds and euros, so the
sample's dollar figures are complete; the planted 2025 starts below show the rule for a year without
one. Titles and
abstracts carry keyword-rule terms of their approach
(``assets/reference/classification_rules.csv``).

Edge cases (the test finds each): an NSF award without ``awardeeCountryCode`` (its money
counts as unknown, ZZZ); an NSF award of ``"0"`` dollars (quarantined,
non_positive_amount); one NSF award on two pages (counted once); an NSF award about
quantum-dot displays (out of scope through the quantum-term exclusion); a UKRI lead
organisation without a country (counted for the United Kingdom: UKRI pays UK research
organisations); CORDIS organisations coded ``EL`` and ``UK`` (the EU's codes for Greece
and the United Kingdom), one without a country (ZZZ) and one coded ``XX`` (quarantined,
counted as ZZZ); a CORDIS project with ``ecMaxContribution`` 0 (quarantined); one
CORDIS project both as an XML record and in the bulk archive (counted once); grants
starting in 2025, whose euros and pounds have no yearly exchange rate in the reviewed
table yet (quarantined as no_fx_rate: never an assumed dollar).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import math
import random
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

SAMPLE_DIR = Path(__file__).parent / "sample" / "funding"
SEED = 20261129
FIRST_YEAR = 2014
LAST_YEAR = 2025
NSF_PAGE = 25
UKRI_PAGE = 100
CORDIS_XML_PROJECTS = 12
ZIP_TIME = (2026, 11, 1, 0, 0, 0)
UK_TIME = ZoneInfo("Europe/London")
SYNTHETIC = "Synthetic record of the qcm offline sample."
PHRASES = {
    "superconducting": "transmon qubits in superconducting quantum processors",
    "trapped_ion": "trapped-ion qubits held in a Paul trap",
    "neutral_atom": "neutral atoms in optical tweezers excited to Rydberg states",
    "photonic": "integrated photonic quantum circuits with indistinguishable photons",
    "spin_silicon": "silicon spin qubits in gate-defined quantum dots",
    "topological": "Majorana zero modes for topological qubits",
    "defect_centres": "nitrogen-vacancy centres in diamond",
    "error_correction": "quantum error correction with surface codes",
    "algorithms_software": "quantum algorithms for variational quantum circuits",
    "qkd": "quantum key distribution over metropolitan fibre",
    "quantum_networks": "quantum networks linking quantum memory nodes",
    "sensing_inertial": "atom interferometry for inertial navigation",
    "clocks": "optical lattice clocks and atomic clock comparisons",
    "sensing_magnetometry": "quantum magnetometry of weak magnetic fields",
}
APPROACHES = list(PHRASES)
TITLE_WORDS = ["Scalable", "Robust", "High-fidelity", "Integrated", "Next-generation", "Hybrid"]
NSF_PROGRAMS = ["QIS - Quantum Information Science", "QLCI - Quantum Leap Challenge Institutes"]
US_STATES = ["CA", "MA", "MD", "IL", "CO", "NY", "WI", "TX", "NM", "WA"]
UKRI_FUNDERS = ["EPSRC", "STFC", "Innovate UK", "EPSRC"]
UKRI_CATEGORIES = ["Research Grant", "Fellowship", "Collaborative R&D", "Research Grant"]
# CORDIS country codes as CORDIS writes them (EL = Greece, UK = United Kingdom)
CORDIS_COUNTRIES = {
    "DE": 18, "FR": 14, "NL": 9, "IT": 8, "ES": 8, "AT": 5, "FI": 4, "DK": 4, "SE": 4,
    "BE": 3, "IE": 2, "PL": 3, "PT": 2, "EL": 2, "CH": 3, "UK": 3, "IL": 2, "NO": 2, "CZ": 2,
}  # fmt: skip
FRAMEWORKS = {2014: "H2020", 2021: "HORIZON"}
LATE_STARTS = 2025  # the year of the planted starts without an exchange rate
# years in which the reviewed FX table of qcm 0.3.0 has euro and pound rates (fixed here, so
# that adding rates to the table does not change the sample)
RATED_YEARS = (2014, 2015, 2017, 2018, 2019, 2020, 2021, 2022, 2023)
OFF_SCOPE_TITLES = [
    "Soil microbiome dynamics under drought",
    "Urban mobility and air quality",
    "Antibiotic resistance surveillance in hospitals",
    "Circular economy for construction materials",
]


@dataclass
class Organisation:
    """One organisation taking part in a synthetic grant."""

    name: str
    country: str | None  # as the service writes it (ISO2, EL/UK in CORDIS)
    role: str
    order: int
    ec: float | None = None
    net: float | None = None


@dataclass
class Grant:
    """One synthetic grant of any service."""

    service: str
    grant_id: str
    title: str
    abstract: str
    start: date
    end: date
    amount: float
    organisations: list[Organisation] = field(default_factory=list)
    funder: str = ""
    programme: str = ""


def _text(rng: random.Random, approach: str | None) -> tuple[str, str]:
    """A title and abstract about ``approach`` (or outside the quantum scope for None)."""
    if approach is None:
        title = rng.choice(OFF_SCOPE_TITLES)
        return title, f"This project studies {title.lower()}. {SYNTHETIC}"
    phrase = PHRASES[approach]
    second = PHRASES[rng.choice(APPROACHES)] if rng.random() < 0.2 else None
    title = f"{rng.choice(TITLE_WORDS)} {phrase}"
    abstract = f"This project develops {phrase} for quantum technology."
    if second:
        abstract += f" It also uses {second}."
    return title, f"{abstract} {SYNTHETIC}"


def _count(rng: random.Random, year: int, base: float) -> int:
    """Grants a year: ``base`` in the first year, growing about 12% a year, with noise."""
    return max(1, round(base * 1.12 ** (year - FIRST_YEAR) * rng.uniform(0.85, 1.15)))


def _amount(rng: random.Random, low: float, high: float, step: int) -> float:
    """A log-uniform amount between ``low`` and ``high``, rounded to ``step``."""
    value = math.exp(rng.uniform(math.log(low), math.log(high)))
    return float(max(step, round(value / step) * step))


def _start(rng: random.Random, year: int) -> date:
    """A start date in ``year`` (first of a month)."""
    return date(year, rng.randint(1, 12), 1)


def _end(start: date, months: int) -> date:
    """The last day of a period of ``months`` from ``start``."""
    year, month = divmod(start.month - 1 + months, 12)
    return date(start.year + year, month + 1, 1) - timedelta(days=1)


def _nsf_grants(rng: random.Random) -> list[Grant]:
    """NSF awards 2014-2025, all to US awardees."""
    grants = []
    serial = 1_400_000
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        for _ in range(_count(rng, year, 12)):
            serial += rng.randint(20, 400)
            title, abstract = _text(rng, rng.choice(APPROACHES))
            start = _start(rng, year)
            big = rng.random() < 0.05
            amount = _amount(rng, 15e6, 26e6, 1000) if big else _amount(rng, 150e3, 3e6, 1000)
            org = Organisation(
                f"University of Northfield {rng.choice(US_STATES)}", "US", "awardee", 1
            )
            end = _end(start, rng.choice([24, 36, 60]))
            grants.append(
                Grant("nsf", str(serial), title, abstract, start, end, amount, [org], "NSF")
            )
            grants[-1].programme = NSF_PROGRAMS[big]
    return grants


def _ukri_grants(rng: random.Random) -> list[Grant]:
    """UKRI projects: money to the UK lead organisation, partners named."""
    grants = []
    for year in RATED_YEARS:
        for number in range(_count(rng, year, 6)):
            title, abstract = _text(rng, rng.choice(APPROACHES))
            start = _start(rng, year)
            kind = rng.randrange(len(UKRI_FUNDERS))
            council = {"EPSRC": "EP", "STFC": "ST", "Innovate UK": "IUK"}[UKRI_FUNDERS[kind]]
            reference = f"{council}/{chr(65 + year % 26)}{year % 100:02d}{number:03d}/1"
            hub = rng.random() < 0.06
            amount = _amount(rng, 1.5e7, 2.5e7, 1000) if hub else _amount(rng, 2e5, 4e6, 100)
            organisations = [
                Organisation(
                    f"University of {rng.choice(['Avon', 'Clyde', 'Tamar', 'Wye'])}",
                    "United Kingdom",
                    "lead",
                    1,
                )
            ]
            for order in range(2, 2 + rng.choice([0, 0, 1, 2])):
                country = rng.choice(["United Kingdom", "Germany", "United States", "Netherlands"])
                organisations.append(
                    Organisation(f"Partner Photonics {order}", country, "partner", order)
                )
            end = _end(start, rng.choice([36, 48, 60]))
            grant = Grant("ukri", reference, title, abstract, start, end, amount, organisations)
            grant.funder, grant.programme = UKRI_FUNDERS[kind], UKRI_CATEGORIES[kind]
            grants.append(grant)
    return grants


def _cordis_country(rng: random.Random) -> str:
    """A CORDIS country code drawn by the weights of ``CORDIS_COUNTRIES``."""
    codes = list(CORDIS_COUNTRIES)
    return rng.choices(codes, weights=[CORDIS_COUNTRIES[c] for c in codes])[0]


def _cordis_grants(rng: random.Random) -> list[Grant]:
    """CORDIS projects: single beneficiaries and consortia with third parties."""
    grants = []
    serial = 640_000
    for year in RATED_YEARS:
        framework = FRAMEWORKS[2021 if year >= 2021 else 2014]
        if year >= 2021 and serial < 101_000_000:
            serial = 101_000_000
        for _ in range(_count(rng, year, 9)):
            serial += rng.randint(50, 3000)
            title, abstract = _text(rng, rng.choice(APPROACHES))
            start = _start(rng, year)
            single = rng.random() < 0.35
            total = _amount(rng, 1.4e6, 2.5e6, 1) if single else _amount(rng, 2e6, 1.2e7, 1)
            size = 1 if single else rng.randint(3, 9)
            weights = [rng.uniform(0.5, 2.0) for _ in range(size)]
            shares = [round(total * w / sum(weights), 2) for w in weights]
            shares[0] = round(total - sum(shares[1:]), 2)  # the shares add up to the total
            organisations = []
            for order, share in enumerate(shares, start=1):
                role = "coordinator" if order == 1 else "participant"
                country = _cordis_country(rng)
                organisation = Organisation(
                    f"Institute {serial}-{order}", country, role, order, share, share
                )
                organisations.append(organisation)
                if not single and rng.random() < 0.12:
                    # a linked third party takes part of its participant's money
                    part = round(share * rng.uniform(0.05, 0.3), 2)
                    organisation.net = round(share - part, 2)
                    organisations.append(
                        Organisation(
                            f"Linked Lab {serial}-{order}", country, "thirdParty", order, 0.0, part
                        )
                    )
            end = _end(start, rng.choice([36, 48, 60]))
            grant = Grant("cordis", str(serial), title, abstract, start, end, total, organisations)
            grant.funder, grant.programme = "European Commission", framework
            grants.append(grant)
    return grants


def _edges(nsf: list[Grant], ukri: list[Grant], cordis: list[Grant]) -> None:
    """Plant the documented edge cases in place."""
    nsf[3].organisations[0].country = None
    nsf[7].amount = 0.0
    display = nsf[11]
    display.title = "Quantum dot light emitting displays with high colour purity"
    display.abstract = f"Quantum-dot LEDs for display backlights. {SYNTHETIC}"
    ukri[2].organisations[0].country = None
    consortia = [g for g in cordis if len(g.organisations) >= 3]
    consortia[0].organisations[1].country = None
    consortia[1].organisations[2].country = "XX"
    consortia[2].organisations[1].country = "EL"
    consortia[3].organisations[1].country = "UK"
    cordis[5].amount = 0.0
    for grant in (cordis[-1], cordis[-2], ukri[-1]):
        length = grant.end - grant.start
        grant.start = date(LATE_STARTS, grant.start.month, 1)
        grant.end = grant.start + length


def _gzip(data: bytes) -> bytes:
    """Gzip with a fixed header (no name, no time) so files are byte-identical per seed."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as handle:
        handle.write(data)
    return buffer.getvalue()


def _money(value: float) -> str:
    """An amount as the services write it: integral amounts without decimals."""
    return str(int(value)) if value == int(value) else f"{value:.2f}"


def _nsf_award(grant: Grant) -> dict[str, Any]:
    """An NSF Awards API award record (fields the API leaves out when empty are absent)."""
    awardee = grant.organisations[0]
    record = {
        "id": grant.grant_id,
        "title": grant.title,
        "abstractText": grant.abstract,
        "agency": grant.funder,
        "awardeeName": awardee.name,
        "startDate": grant.start.strftime("%m/%d/%Y"),
        "expDate": grant.end.strftime("%m/%d/%Y"),
        "estimatedTotalAmt": _money(grant.amount),
        "fundsObligatedAmt": _money(round(grant.amount * 0.6)),
        "fundProgramName": grant.programme,
    }
    if awardee.country:
        record["awardeeCountryCode"] = awardee.country
    return record


def _write_nsf(folder: Path, grants: list[Grant]) -> int:
    """NSF pages per start year; one award is repeated on the next page. Returns files."""
    files = 0
    by_year: dict[int, list[Grant]] = {}
    for grant in grants:
        by_year.setdefault(grant.start.year, []).append(grant)
    repeat_year = min(year for year, items in by_year.items() if len(items) > NSF_PAGE)
    for year, items in sorted(by_year.items()):
        awards = [_nsf_award(g) for g in sorted(items, key=lambda g: g.grant_id)]
        if year == repeat_year:
            awards.insert(NSF_PAGE, awards[NSF_PAGE - 1])  # the same award on two pages
        total = len(awards)
        for index in range(0, total, NSF_PAGE):
            page = {
                "response": {
                    "award": awards[index : index + NSF_PAGE],
                    "metadata": {"totalCount": total, "offset": index + 1, "rpp": NSF_PAGE},
                }
            }
            name = f"nsf_year={year}_offset={index + 1:05d}.json.gz"
            (folder / name).write_bytes(_gzip(json.dumps(page, ensure_ascii=False).encode()))
            files += 1
    return files


def _epoch_ms(day: date) -> int:
    """Midnight UK time of ``day`` in epoch milliseconds, as GtR writes dates."""
    return int(datetime(day.year, day.month, day.day, tzinfo=UK_TIME).timestamp() * 1000)


def _gtr_organisation(organisation: Organisation) -> dict[str, Any]:
    """A GtR organisation with its address (no country key when the country is unknown)."""
    address: dict[str, Any] = {
        "region": "Outside UK" if organisation.country not in (None, "United Kingdom") else "London"
    }
    if organisation.country:
        address["country"] = organisation.country
    slug = organisation.name.upper().replace(" ", "-")
    return {"id": f"ORG-{slug}", "name": organisation.name, "address": address}


def _ukri_result(grant: Grant) -> dict[str, Any]:
    """One GtR search result (a ``projectComposition``)."""
    lead, *partners = grant.organisations
    composition: dict[str, Any] = {
        "project": {
            "id": f"GUID-{grant.grant_id.replace('/', '-')}",
            "title": grant.title,
            "status": "Closed" if grant.end < date(2026, 11, 1) else "Active",
            "grantReference": grant.grant_id,
            "grantCategory": grant.programme,
            "abstractText": grant.abstract,
            "fund": {
                "valuePounds": grant.amount,
                "start": _epoch_ms(grant.start),
                "end": _epoch_ms(grant.end),
                "funder": {"id": f"FUNDER-{grant.funder}", "name": grant.funder},
            },
        },
        "leadResearchOrganisation": _gtr_organisation(lead),
    }
    if partners:
        composition["organisationRoles"] = [
            {**_gtr_organisation(p), "roles": [{"name": "PROJECT_PARTNER"}]} for p in partners
        ]
    return {"projectComposition": composition}


def _write_ukri(folder: Path, grants: list[Grant]) -> int:
    """UKRI search pages of 100 results. Returns files."""
    results = [_ukri_result(g) for g in grants]
    files = 0
    for index in range(0, len(results), UKRI_PAGE):
        number = index // UKRI_PAGE + 1
        page = {
            "facetedSearchResultBean": {
                "request": {"page": number, "fetchSize": UKRI_PAGE, "term": "quantum"},
                "totalResults": len(results),
                "results": results[index : index + UKRI_PAGE],
            }
        }
        name = f"ukri_term=quantum_page={number:03d}.json.gz"
        (folder / name).write_bytes(_gzip(json.dumps(page, ensure_ascii=False).encode()))
        files += 1
    return files


def _cordis_xml(grant: Grant) -> bytes:
    """A CORDIS project record with its organisations under ``relations/associations``."""
    organisations = []
    for org in grant.organisations:
        attributes = {
            "type": org.role,
            "source": "corda",
            "order": str(org.order),
            "ecContribution": _money(org.ec or 0.0),
            "terminated": "false",
            "sme": "false",
            "netEcContribution": _money(org.net or 0.0),
        }
        attrs = " ".join(f"{k}={quoteattr(v)}" for k, v in attributes.items())
        address = (
            f"<address><country>{org.country}</country></address>" if org.country else "<address/>"
        )
        organisations.append(
            f"<organization {attrs}><id>{900000000 + org.order}</id>"
            f"<legalName>{escape(org.name)}</legalName>{address}</organization>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<project xmlns="http://cordis.europa.eu"><language>en</language>'
        f"<id>{grant.grant_id}</id><acronym>Q{grant.grant_id[-4:]}</acronym>"
        f"<objective>{escape(grant.abstract)}</objective><title>{escape(grant.title)}</title>"
        f"<totalCost>{_money(grant.amount)}</totalCost>"
        f"<ecMaxContribution>{_money(grant.amount)}</ecMaxContribution>"
        f"<startDate>{grant.start.isoformat()}</startDate><endDate>{grant.end.isoformat()}</endDate>"
        "<status>SIGNED</status><relations><associations>"
        + "".join(organisations)
        + '<programme type="relatedLegalBasis" source="corda">'
        f"<frameworkProgramme>{grant.programme}</frameworkProgramme></programme>"
        "</associations></relations></project>"
    ).encode()


def _csv(columns: list[str], records: list[dict[str, str]]) -> bytes:
    """Records as CORDIS writes them: every field quoted, ``;`` between, ``"`` doubled."""

    def line(values: list[str]) -> str:
        return ";".join('"' + v.replace('"', '""') + '"' for v in values)

    rows = [line(columns)] + [line([r.get(c, "") for c in columns]) for r in records]
    return ("\n".join(rows) + "\n").encode()


PROJECT_COLUMNS = [
    "id", "acronym", "status", "title", "startDate", "endDate", "totalCost", "ecMaxContribution",
    "legalBasis", "topics", "ecSignatureDate", "frameworkProgramme", "masterCall", "subCall",
    "fundingScheme", "nature", "objective", "contentUpdateDate", "rcn", "grantDoi",
]  # fmt: skip
ORGANISATION_COLUMNS = [
    "projectID", "projectAcronym", "organisationID", "vatNumber", "name", "shortName", "SME",
    "activityType", "street", "postCode", "city", "country", "nutsCode", "geolocation",
    "organizationURL", "contactForm", "contentUpdateDate", "rcn", "order", "role",
    "ecContribution", "netEcContribution", "totalCost", "endOfParticipation", "active",
]  # fmt: skip


def _cordis_zip(grants: list[Grant], off_scope: list[Grant]) -> bytes:
    """A bulk archive of ``csv/project.csv`` and ``csv/organization.csv``."""
    projects, organisations = [], []
    for grant in [*grants, *off_scope]:
        projects.append(
            {
                "id": grant.grant_id,
                "acronym": f"Q{grant.grant_id[-4:]}",
                "status": "SIGNED",
                "title": grant.title,
                "startDate": grant.start.isoformat(),
                "endDate": grant.end.isoformat(),
                "totalCost": _money(grant.amount),
                "ecMaxContribution": _money(grant.amount),
                "frameworkProgramme": grant.programme,
                "objective": grant.abstract,
            }
        )
        for org in grant.organisations:
            organisations.append(
                {
                    "projectID": grant.grant_id,
                    "organisationID": str(900000000 + org.order),
                    "name": org.name,
                    "country": org.country or "",
                    "order": str(org.order),
                    "role": org.role,
                    "ecContribution": _money(org.ec or 0.0),
                    "netEcContribution": _money(org.net or 0.0),
                    "endOfParticipation": "false",
                }
            )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in (
            ("csv/project.csv", _csv(PROJECT_COLUMNS, projects)),
            ("csv/organization.csv", _csv(ORGANISATION_COLUMNS, organisations)),
        ):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def _off_scope(rng: random.Random) -> list[Grant]:
    """CORDIS projects outside the quantum scope (the bulk archive holds every project)."""
    grants = []
    for number in range(40):
        title, abstract = _text(rng, None)
        start = _start(rng, rng.randint(FIRST_YEAR, LAST_YEAR))
        org = Organisation(
            f"Research Centre {number}", _cordis_country(rng), "coordinator", 1, 2e6, 2e6
        )
        grant = Grant(
            "cordis", str(190_000_000 + number), title, abstract, start, start, 2e6, [org]
        )
        grant.end, grant.funder, grant.programme = _end(start, 48), "European Commission", "HORIZON"
        grants.append(grant)
    return grants


def generate(out_dir: Path = SAMPLE_DIR, seed: int = SEED) -> dict[str, Any]:
    """Write the sample into ``out_dir`` (replacing its files); return counts."""
    rng = random.Random(seed)
    nsf, ukri, cordis = _nsf_grants(rng), _ukri_grants(rng), _cordis_grants(rng)
    off_scope = _off_scope(rng)
    _edges(nsf, ukri, cordis)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.iterdir():
        old.unlink()
    files = _write_nsf(out_dir, nsf) + _write_ukri(out_dir, ukri)
    # the first projects come as API records; the rest (and one of the first, again) in bulk
    for grant in cordis[:CORDIS_XML_PROJECTS]:
        (out_dir / f"cordis_project_{grant.grant_id}.xml.gz").write_bytes(_gzip(_cordis_xml(grant)))
        files += 1
    bulk = cordis[CORDIS_XML_PROJECTS - 1 :]
    (out_dir / "cordis-HORIZONprojects-csv.zip").write_bytes(_cordis_zip(bulk, off_scope))
    files += 1
    return {
        "files": files,
        "nsf": len(nsf),
        "ukri": len(ukri),
        "cordis": len(cordis),
        "off_scope": len(off_scope),
    }


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m assets.funding.sample_generator [--out DIR] [--seed N]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SAMPLE_DIR)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    print(json.dumps(generate(args.out, args.seed)))


if __name__ == "__main__":
    main()
