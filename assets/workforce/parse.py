"""Pure parsing of OpenAlex author records into flat, lossless rows with provenance.

Input: raw files in real OpenAlex format: API list pages (``{"meta": ..., "results":
[...]}``, gzipped or not), a single-author API response, or snapshot JSON Lines parts.
Two generations of the author record exist and both are read:

- 2023-era records have a singular ``last_known_institution`` (an object or null) and
  no ``affiliations``: they say where the author was last, not in which year;
- 2025-era records have ``affiliations`` (``[{institution, years}]``, years descending,
  with gaps) and a plural ``last_known_institutions`` list that can be empty.

Output: rows for ``raw.openalex_authors`` (one per record), ``raw.openalex_author_
affiliations`` (one per record, institution and year) and ``raw.openalex_author_last_
known`` (one per record and last-known institution), plus quarantine rows, each with its
reason. A record that cannot be used at all (not an object, no or an invalid id, an
``affiliations`` that is not a list) is quarantined whole; a bad part of a usable record
(a year that is not a number, a year after ``max_year``, an unknown country code, an
affiliation that is not an object) is quarantined alone and the rest is kept.

OpenAlex's placeholder for a deleted author (display name "Deleted Author", no works,
empty lists) is kept with ``is_deleted`` true: it carries no evidence of a place, and
the authorships that still point to it are read from the works instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assets.bibliometric.parse import iter_records, short_id
from pipelines.file_hashes import sha256_file
from pipelines.parsing import (
    CountryCodes,
    Provenance,
    RecordError,
    clean_text,
    source_files,
    to_int,
)

SOURCE = "openalex_authors"
RAW_SUFFIXES = (".json", ".json.gz", ".jsonl", ".jsonl.gz")
MIN_YEAR = 1900
DELETED_NAME = "Deleted Author"
# records parsed into Python rows before they are turned into frames (``parse_batches``):
# at a million works, 333,000 records held at once as rows peaked at 3.6 GB
RECORDS_PER_BATCH = 20_000
# Reasons that quarantine a whole author record (the quarantine-rate check counts these).
RECORD_REASONS = ("not_an_object", "missing_id", "invalid_id", "invalid_field", "invalid_json")


@dataclass
class AuthorBatch:
    """Column-oriented rows for the author raw tables, plus quarantine and file rows."""

    authors: list[dict[str, Any]] = field(default_factory=list)
    affiliations: list[dict[str, Any]] = field(default_factory=list)
    last_known: list[dict[str, Any]] = field(default_factory=list)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)


def schema_generation(record: Mapping[str, Any]) -> str:
    """Name the generation an author record was written in (see the module docstring)."""
    if "affiliations" in record or "last_known_institutions" in record:
        return "2025-affiliations"
    if "last_known_institution" in record:
        return "2023-last_known_institution"
    return "no place fields"


def _quarantine(prov: Provenance, record_id: str | None, reason: str, detail: str) -> dict:
    return {
        "source": SOURCE,
        "source_file": prov.source_file,
        "record_index": prov.record_index,
        "record_id": record_id,
        "reason": reason,
        "detail": detail[:500],
    }


def _institution(
    raw: Any, codes: CountryCodes, prov: Provenance, author_id: str, out: AuthorBatch
) -> dict[str, Any] | None:
    """An institution object as columns (id, name, type, raw and ISO3 country), or None.

    None (with a quarantine row) when ``raw`` is not an object; an unknown or withdrawn
    country code is quarantined and the institution kept without a country.
    """
    if not isinstance(raw, dict):
        out.quarantine.append(
            _quarantine(prov, author_id, "invalid_affiliation", f"institution {raw!r}")
        )
        return None
    try:
        institution_id = short_id(raw.get("id"), "I")
    except RecordError:
        institution_id = None
    code_raw = clean_text(raw.get("country_code"))
    iso3 = None
    if code_raw:
        code = code_raw.upper()
        iso3 = codes.iso2_to_iso3.get(code)
        if iso3 is None:
            reason = (
                "historical_country_code" if code in codes.historical else "invalid_country_code"
            )
            out.quarantine.append(
                _quarantine(
                    prov, author_id, reason, f"country code {code_raw!r} of {raw.get('id')}"
                )
            )
    return {
        "institution_id": institution_id,
        "institution_name": clean_text(raw.get("display_name")),
        "institution_type": clean_text(raw.get("type")),
        "country_code_raw": code_raw,
        "country_iso3": iso3,
    }


def _years(raw: Any, prov: Provenance, author_id: str, max_year: int, out: AuthorBatch) -> list:
    """The usable years of one affiliation; bad and future years are quarantined."""
    if not isinstance(raw, list):
        out.quarantine.append(
            _quarantine(prov, author_id, "invalid_year", f"years is not a list: {raw!r}")
        )
        return []
    years = []
    for value in raw:
        try:
            year = to_int(value, "year")
        except RecordError:
            year = None
        if year is None or year < MIN_YEAR:
            out.quarantine.append(
                _quarantine(prov, author_id, "invalid_year", f"affiliation year {value!r}")
            )
        elif year > max_year:
            out.quarantine.append(
                _quarantine(
                    prov, author_id, "future_year", f"affiliation year {year} after {max_year}"
                )
            )
        else:
            years.append(year)
    return sorted(set(years))


def parse_author(record: Any, prov: Provenance, codes: CountryCodes, max_year: int) -> AuthorBatch:
    """Parse one author record into raw rows (see the module docstring for the rules)."""
    out = AuthorBatch()
    if not isinstance(record, dict):
        out.quarantine.append(
            _quarantine(prov, None, "not_an_object", f"{type(record).__name__} record")
        )
        return out
    raw_id = record.get("id")
    try:
        author_id = short_id(raw_id, "A")
        if author_id is None:
            raise RecordError("missing_id", "the record has no id")
        affiliations = record.get("affiliations")
        if affiliations is not None and not isinstance(affiliations, list):
            raise RecordError("invalid_field", "affiliations is not a list")
        works_count = to_int(record.get("works_count"), "works_count")
    except RecordError as err:
        out.quarantine.append(
            _quarantine(prov, str(raw_id) if raw_id else None, err.reason, err.detail)
        )
        return out
    name = clean_text(record.get("display_name"))
    affiliations = affiliations or []
    for position, affiliation in enumerate(affiliations):
        if not isinstance(affiliation, dict):
            out.quarantine.append(
                _quarantine(prov, author_id, "invalid_affiliation", f"affiliation {affiliation!r}")
            )
            continue
        institution = _institution(affiliation.get("institution"), codes, prov, author_id, out)
        if institution is None:
            continue
        for year in _years(affiliation.get("years"), prov, author_id, max_year, out):
            out.affiliations.append(
                {
                    "record_key": prov.record_key,
                    "author_id": author_id,
                    "position": position,
                    "year": year,
                    **institution,
                }
            )
    if "last_known_institutions" in record:
        listed = record.get("last_known_institutions") or []
        origin = "last_known_institutions"
    else:
        single = record.get("last_known_institution")
        listed = [single] if single else []
        origin = "last_known_institution"
    for position, raw in enumerate(listed if isinstance(listed, list) else [listed]):
        institution = _institution(raw, codes, prov, author_id, out)
        if institution is not None:
            out.last_known.append(
                {
                    "record_key": prov.record_key,
                    "author_id": author_id,
                    "position": position,
                    "origin": origin,
                    **institution,
                }
            )
    out.authors.append(
        {
            "author_id": author_id,
            "display_name": name,
            "orcid": clean_text(record.get("orcid")),
            "works_count": works_count,
            "is_deleted": name == DELETED_NAME,
            "affiliations_listed": len(affiliations),
            "updated_date": clean_text(record.get("updated_date")),
            "schema_generation": schema_generation(record),
            **prov.columns(),
        }
    )
    return out


def raw_files(directory: Path) -> list[Path]:
    """The raw author files below ``directory`` in a stable order (symlinks refused)."""
    return source_files(directory, RAW_SUFFIXES, skip=lambda name: "merged_ids" in name)


def parse_batches(
    paths: Iterable[Path],
    root: Path,
    codes: CountryCodes,
    max_year: int,
    records_per_batch: int = RECORDS_PER_BATCH,
) -> Iterator[AuthorBatch]:
    """Parse every file, yielding the rows as batches of at most ``records_per_batch``
    records each (a file's row in ``files`` comes with the batch its last record is in),
    so a caller that turns each batch into frames holds one batch of Python rows at a
    time; an unreadable file becomes one quarantine row.

    ``root`` is the directory the paths are reported relative to (provenance).
    """
    out, held = AuthorBatch(), 0
    for path in paths:
        name = str(path.relative_to(root)) if path.is_relative_to(root) else path.name
        sha = sha256_file(path)
        records = 0
        status = "read"
        try:
            for index, record in enumerate(iter_records(path)):
                if held == records_per_batch:
                    yield out
                    out, held = AuthorBatch(), 0
                prov = Provenance(name, sha, index)
                records += 1
                held += 1
                if isinstance(record, RecordError):
                    out.quarantine.append(_quarantine(prov, None, record.reason, record.detail))
                    continue
                _extend(out, parse_author(record, prov, codes, max_year))
        except ValueError as err:
            out.quarantine.append(
                _quarantine(Provenance(name, sha, None), None, "unreadable_file", str(err))
            )
            status = "unreadable"
        out.files.append(
            {
                "source": SOURCE,
                "source_file": name,
                "source_sha256": sha,
                "bytes": path.stat().st_size,
                "records": records,
                "status": status,
            }
        )
    yield out


def parse_files(
    paths: Iterable[Path], root: Path, codes: CountryCodes, max_year: int
) -> AuthorBatch:
    """Parse every file into one batch (``parse_batches``'s, joined)."""
    out = AuthorBatch()
    for batch in parse_batches(paths, root, codes, max_year):
        _extend(out, batch)
    return out


def _extend(out: AuthorBatch, other: AuthorBatch) -> None:
    for name in out.__dataclass_fields__:
        getattr(out, name).extend(getattr(other, name))
