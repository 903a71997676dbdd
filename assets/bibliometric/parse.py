"""Pure parsing of OpenAlex works into flat, lossless rows with provenance.

Input: raw files in either real OpenAlex format (API list-response pages
``{"meta": ..., "results": [...]}``, gzipped or not, a single-work API response, or
snapshot JSON Lines). Output: column-oriented rows for the ``raw`` schema tables and
quarantine rows for everything that cannot be used, each with its reason.

Nothing here touches a database or the network, so every rule is testable on small
hand-made records and on the recorded real responses in ``../shared/fixtures``.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assets.bibliometric.snapshot import is_snapshot_part
from pipelines.file_hashes import sha256_file
from pipelines.parsing import (
    CountryCodes,
    RecordError,
    clean_text,
    key_prefix,
    source_files,
    to_int,
)

SOURCE = "openalex"
WORK_PREFIX = "https://openalex.org/"
MIN_YEAR = 1900
RAW_SUFFIXES = (".json", ".json.gz", ".jsonl", ".jsonl.gz")
# fields every generation of OpenAlex work records carries; one absent from every record
# of a file means the API renamed or dropped it (schema drift), never "no data": without
# authorships, say, every work would silently lose its countries
WORK_EXPECTED = ("id", "publication_year", "authorships", "cited_by_count")


@dataclass
class ParsedBatch:
    """Column-oriented rows for the raw tables, plus quarantine rows.

    Each attribute is a list of dicts with the same keys, ready for a DataFrame.
    """

    works: list[dict[str, Any]] = field(default_factory=list)
    topics: list[dict[str, Any]] = field(default_factory=list)
    authorships: list[dict[str, Any]] = field(default_factory=list)
    authorship_countries: list[dict[str, Any]] = field(default_factory=list)
    institutions: list[dict[str, Any]] = field(default_factory=list)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)

    def extend(self, other: ParsedBatch) -> None:
        """Append every row of ``other`` to this batch."""
        for name in self.__dataclass_fields__:
            getattr(self, name).extend(getattr(other, name))


def short_id(value: Any, prefix: str) -> str | None:
    """Turn ``https://openalex.org/W123`` (or ``w123``) into ``W123``; None if absent.

    Raises RecordError when the value is present but is not an id of kind ``prefix``.
    """
    if value in (None, ""):
        return None
    text = str(value).strip()
    if text.startswith(WORK_PREFIX):
        text = text[len(WORK_PREFIX) :]
    text = text.upper()
    if not (text.startswith(prefix) and text[1:].isdigit() and len(text) > 1):
        raise RecordError("invalid_id", f"{value!r} is not an OpenAlex {prefix} id")
    return text


def to_float(value: Any, name: str) -> float | None:
    """Coerce a number that may arrive as a string; None stays None."""
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise RecordError("invalid_field", f"{name}={value!r} is not a number") from None


def abstract_text(inverted: Any) -> str | None:
    """Rebuild an abstract from OpenAlex's inverted index (word -> positions)."""
    if not isinstance(inverted, dict) or not inverted:
        return None
    positions: dict[int, str] = {}
    for word, places in inverted.items():
        if isinstance(places, list):
            for place in places:
                if isinstance(place, int):
                    positions[place] = word
    return clean_text(" ".join(positions[i] for i in sorted(positions)))


def schema_generation(record: Mapping[str, Any]) -> str:
    """Name the OpenAlex schema generation a work record was written in (a field whose
    value is null counts as absent, as it does for the DuckDB reader)."""
    if record.get("host_venue") is not None:
        return "2021-host_venue"
    if record.get("awards") is not None or record.get("funders") is not None:
        return "2026-awards"
    if record.get("topics") is not None:
        return "2025-topics"
    return "2023-locations"


def _quarantine_row(
    prov: Mapping[str, Any], record_id: str | None, reason: str, detail: str
) -> dict[str, Any]:
    return {
        "source": SOURCE,
        "source_file": prov["source_file"],
        "record_index": prov["record_index"],
        "record_id": record_id,
        "reason": reason,
        "detail": detail[:500],
    }


def _country(
    raw: Any, codes: CountryCodes, prov: Mapping[str, Any], ids: tuple[str, int]
) -> tuple[str | None, dict[str, Any] | None]:
    """Map one raw country code of the authorship ``ids`` (work id, position) to ISO3;
    return (iso3, quarantine row or None)."""
    if raw is None or str(raw).strip() == "":
        return None, None
    code = str(raw).strip().upper()
    iso3 = codes.iso2_to_iso3.get(code)
    if iso3:
        return iso3, None
    work_id, position = ids
    reason = "historical_country_code" if code in codes.historical else "invalid_country_code"
    detail = f"country code {raw!r} in authorship {position}"
    return None, _quarantine_row(prov, work_id, reason, detail)


def parse_work(
    record: Any, prov: Mapping[str, Any], codes: CountryCodes, max_year: int
) -> ParsedBatch:
    """Parse one work record into raw rows.

    ``prov`` carries ``source_file``, ``source_sha256`` and ``record_index``. A record
    that cannot be used comes back as a single quarantine row; a usable record may
    still carry quarantine rows for parts of it (an invalid country code, say).
    """
    out = ParsedBatch()
    if not isinstance(record, dict):
        out.quarantine.append(
            _quarantine_row(prov, None, "not_an_object", f"{type(record).__name__} record")
        )
        return out
    raw_id = record.get("id")
    try:
        work_id = short_id(raw_id, "W")
        if work_id is None:
            raise RecordError("missing_id", "the record has no id")
        year = to_int(record.get("publication_year"), "publication_year")
        if year is None:
            raise RecordError("missing_year", "the record has no publication_year")
        if not MIN_YEAR <= year <= max_year:
            raise RecordError("year_out_of_range", f"publication_year={year}")
        cited = to_int(record.get("cited_by_count"), "cited_by_count")
        if cited is not None and cited < 0:
            raise RecordError("invalid_field", f"cited_by_count={cited}")
        fwci = to_float(record.get("fwci"), "fwci")
        authorships = record.get("authorships") or []
        if not isinstance(authorships, list):
            raise RecordError("invalid_field", "authorships is not a list")
    except RecordError as err:
        out.quarantine.append(
            _quarantine_row(prov, str(raw_id) if raw_id else None, err.reason, err.detail)
        )
        return out

    key = f"{key_prefix(prov['source_sha256'])}:{prov['record_index']}"
    title = clean_text(record.get("title") or record.get("display_name"))
    doi = clean_text(record.get("doi"))
    if doi:
        doi = doi.lower().removeprefix("https://doi.org/")
    out.works.append(
        {
            "work_id": work_id,
            "doi": doi,
            "title": title,
            "abstract": abstract_text(record.get("abstract_inverted_index")),
            "publication_year": year,
            "publication_date": clean_text(record.get("publication_date")),
            "work_type": clean_text(record.get("type")),
            "language": clean_text(record.get("language")),
            "cited_by_count": cited,
            "fwci": fwci,
            "is_retracted": bool(record.get("is_retracted") or False),
            "is_authors_truncated": bool(record.get("is_authors_truncated") or False),
            "authorships_listed": len(authorships),
            "updated_date": clean_text(record.get("updated_date")),
            "schema_generation": schema_generation(record),
            "record_key": key,
            **prov,
        }
    )
    for topic in record.get("topics") or []:
        if isinstance(topic, dict) and topic.get("id"):
            topic_id = str(topic["id"]).rsplit("/", 1)[-1].upper()
            primary = record.get("primary_topic")
            primary = primary if isinstance(primary, dict) else {}
            out.topics.append(
                {
                    "record_key": key,
                    "work_id": work_id,
                    "topic_id": topic_id,
                    "score": to_float(topic.get("score"), "topic.score"),
                    "is_primary": str(primary.get("id", "")).endswith("/" + topic_id),
                }
            )
    for position, authorship in enumerate(authorships):
        _parse_authorship(authorship, position, (key, work_id), prov, codes, out)
    return out


def _parse_authorship(
    authorship: Any,
    position: int,
    ids: tuple[str, str],
    prov: Mapping[str, Any],
    codes: CountryCodes,
    out: ParsedBatch,
) -> None:
    """Add one authorship, its institutions and its countries to ``out``.

    Countries come from the authorship's ``countries`` list; when that is absent or
    empty they fall back to its institutions' ``country_code`` values. An authorship
    that yields no valid country is kept: it counts for the unknown country downstream.
    ``ids`` is (record_key, work_id).
    """
    key, work_id = ids
    if not isinstance(authorship, dict):
        authorship = {}
        out.quarantine.append(
            _quarantine_row(prov, work_id, "invalid_authorship", f"authorship {position}")
        )
    author = authorship.get("author") or {}
    try:
        author_id = short_id(author.get("id"), "A") if isinstance(author, dict) else None
    except RecordError:
        author_id = None
    institutions = [i for i in authorship.get("institutions") or [] if isinstance(i, dict)]
    out.authorships.append(
        {
            "record_key": key,
            "work_id": work_id,
            "position": position,
            "author_id": author_id,
            "author_name": clean_text(author.get("display_name"))
            if isinstance(author, dict)
            else None,
            "author_position": clean_text(authorship.get("author_position")),
            "institutions_listed": len(institutions),
        }
    )
    institution_countries: list[str] = []
    # an unusable code once per authorship: OpenAlex's countries list repeats the codes
    # of the institutions
    unusable: dict[str, dict[str, Any]] = {}
    for inst in institutions:
        try:
            inst_id = short_id(inst.get("id"), "I")
        except RecordError:
            inst_id = None
        iso3, bad = _country(inst.get("country_code"), codes, prov, (work_id, position))
        if bad:
            unusable.setdefault(bad["detail"], bad)
        if iso3:
            institution_countries.append(iso3)
        out.institutions.append(
            {
                "record_key": key,
                "work_id": work_id,
                "position": position,
                "institution_id": inst_id,
                "institution_name": clean_text(inst.get("display_name")),
                "institution_type": clean_text(inst.get("type")),
                "country_code_raw": clean_text(inst.get("country_code")),
                "country_iso3": iso3,
            }
        )
    listed = authorship.get("countries")
    origin = "countries"
    countries: list[str] = []
    if isinstance(listed, list) and listed:
        for raw in listed:
            iso3, bad = _country(raw, codes, prov, (work_id, position))
            if bad:
                unusable.setdefault(bad["detail"], bad)
            if iso3:
                countries.append(iso3)
    # no list, or one naming no usable country ("UK" beside an institution coded US): the
    # institutions' countries place the authorship, not the unknown country
    if not countries:
        origin = "institutions"
        countries = institution_countries
    out.quarantine.extend(unusable.values())
    for iso3 in dict.fromkeys(countries):
        out.authorship_countries.append(
            {
                "record_key": key,
                "work_id": work_id,
                "position": position,
                "country_iso3": iso3,
                "origin": origin,
            }
        )


def _open_text(path: Path) -> str:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    return data.decode("utf-8")


def iter_records(path: Path) -> Iterator[Any]:
    """Yield the work records of one raw file, in file order.

    A ``.jsonl`` file is a snapshot part (one work per line); a ``.json`` file is an
    API list-response page (its ``results``) or a single work. Raises ValueError naming
    the file when it cannot be read as either.
    """
    try:
        text = _open_text(path)
    except (OSError, EOFError, UnicodeDecodeError) as err:
        raise ValueError(f"{path.name}: cannot be read ({err})") from err
    if is_json_lines(path):
        # split on newlines only: U+2028 and friends may stand raw inside JSON strings
        for number, line in enumerate(text.split("\n"), start=1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as err:
                    yield RecordError("invalid_json", f"line {number}: {err}")
        return
    try:
        body = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"{path.name}: not valid JSON ({err})") from err
    if isinstance(body, dict) and "results" in body:
        results = body["results"]
        if not isinstance(results, list):
            raise ValueError(f"{path.name}: 'results' is not a list")
        yield from results
    elif isinstance(body, dict) and "id" in body:
        yield body
    else:
        raise ValueError(f"{path.name}: neither an API page nor a work record")


def is_json_lines(path: Path) -> bool:
    """True for a JSON Lines file: ``.jsonl``, ``.jsonl.gz`` or a snapshot works part."""
    return path.name.endswith((".jsonl", ".jsonl.gz")) or is_snapshot_part(path)


def raw_files(directory: Path) -> list[Path]:
    """List the raw work files below ``directory`` in a stable order.

    Only regular files with a raw suffix count, and the works parts of an OpenAlex
    snapshot (``works/updated_date=*/part_NNN.gz``, not its other entities); symlinks
    are refused, so a source directory cannot point the reader outside itself.
    """
    files = source_files(directory, (*RAW_SUFFIXES, ".gz"), skip=lambda n: "merged_ids" in n)
    return [path for path in files if path.name.endswith(RAW_SUFFIXES) or is_snapshot_part(path)]


def source_name(path: Path, root: Path) -> str:
    """The name a raw file has in the raw tables: relative to ``root`` when below it."""
    return str(path.relative_to(root)) if path.is_relative_to(root) else path.name


def parse_files(
    paths: Iterable[Path],
    root: Path,
    codes: CountryCodes,
    max_year: int,
    keep: Callable[[dict[str, Any]], bool] | None = None,
) -> ParsedBatch:
    """Parse every file into one batch; unreadable files become quarantine rows.

    ``root`` is the directory the paths are reported relative to (provenance). ``keep``,
    when given, selects the records to parse (a snapshot's slice): the others are counted
    as read and left out; records that are not JSON objects are always judged.
    """
    out = ParsedBatch()
    for path in paths:
        name = source_name(path, root)
        sha = sha256_file(path)
        prov_file = {"source_file": name, "source_sha256": sha}
        records = 0
        keys_seen: set[str] = set()
        try:
            for index, record in enumerate(iter_records(path)):
                prov = {**prov_file, "record_index": index}
                records += 1
                if isinstance(record, dict):
                    keys_seen.update(record)
                    if keep is not None and not keep(record):
                        continue
                if isinstance(record, RecordError):
                    out.quarantine.append(_quarantine_row(prov, None, record.reason, record.detail))
                    continue
                try:
                    out.extend(parse_work(record, prov, codes, max_year))
                except (ValueError, TypeError, AttributeError) as err:
                    # a malformed nested field: this record only, never the rest of the file
                    record_id = record.get("id") if isinstance(record, dict) else None
                    reason = err.reason if isinstance(err, RecordError) else "invalid_record"
                    out.quarantine.append(
                        _quarantine_row(
                            prov, str(record_id) if record_id else None, reason, str(err)
                        )
                    )
            missing = [f for f in WORK_EXPECTED if keys_seen and f not in keys_seen]
            if missing:
                out.quarantine.append(
                    _quarantine_row(
                        {**prov_file, "record_index": None},
                        None,
                        "schema_drift",
                        f"no record of this file has the field(s) {missing}: renamed or "
                        "dropped by the API? The records are read without them.",
                    )
                )
            status = "read"
        except ValueError as err:
            out.quarantine.append(
                _quarantine_row(
                    {**prov_file, "record_index": None}, None, "unreadable_file", str(err)
                )
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
    return out
