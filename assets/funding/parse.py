"""Read a folder of raw grant files of any funding service into one ``GrantBatch``.

Input: raw files as the services deliver them, gzipped or not, mixed in one folder:
NSF Awards API pages (JSON), UKRI Gateway to Research project pages (JSON), CORDIS
project records (XML) and CORDIS bulk downloads (ZIP of ``project.csv`` and
``organization.csv``). The format is read from the content, not the name. Output: the
rows of ``grants.GrantBatch`` (grants, organisations, quarantine, one row per file).

A file that is none of these (an HTML error page saved by mistake, truncated JSON, a
corrupt archive) is quarantined as ``unreadable_file`` with the reason; a file whose
bytes equal an earlier file's is listed as a duplicate and not read twice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from assets.funding import cordis_parse, nsf_parse, ukri_parse
from assets.funding.grants import SOURCE, GrantBatch, quarantine_row
from pipelines.parsing import (
    CountryCodes,
    Provenance,
    read_files,
    source_files,
)

RAW_SUFFIXES = (".json", ".json.gz", ".xml", ".xml.gz", ".zip", ".zip.gz")
MAX_BODY_BYTES = 512 * 1024 * 1024
Keep = Callable[[str | None, str | None], bool]


def scope_rule(pattern: str, exclude: str, weak: str) -> Keep:
    """A test of grant text for the quantum scope, as ``staging.grants`` decides: ``pattern``
    matches title and abstract (case-insensitive) and, where the text names a phrase
    ``exclude`` matches, still matches once those phrases and the words ``weak`` matches
    (a quantum dot or well) are taken out.
    """
    include, drop = re.compile(pattern, re.IGNORECASE), re.compile(exclude, re.IGNORECASE)
    plain = re.compile(weak, re.IGNORECASE)

    def keep(title: str | None, abstract: str | None) -> bool:
        text = f"{title or ''} {abstract or ''}"
        if not include.search(text):
            return False
        if not drop.search(text):
            return True
        return bool(include.search(plain.sub(" ", drop.sub(" ", text))))

    return keep


def raw_files(directory: Path) -> list[Path]:
    """The raw grant files below ``directory``, in a stable order (symlinks refused)."""
    return source_files(directory, RAW_SUFFIXES)


def parse_body(
    body: bytes,
    prov_file: Provenance,
    codes: CountryCodes,
    aliases: Mapping[str, str],
    max_year: int,
    keep: Keep,
) -> tuple[GrantBatch, int, str]:
    """Parse one body of any service; return the batch, records read and the service.

    ``keep`` selects in-scope projects of a CORDIS bulk archive (the archive holds a
    whole framework programme); API pages were selected by the live query and are
    read whole (``staging.grants`` applies the same scope rule to every grant).
    Raises ValueError when the body is no known grant format.
    """
    if cordis_parse.is_cordis_zip(body):
        batch, records = cordis_parse.parse_cordis_bulk_zip(
            body, prov_file, codes, aliases, max_year, keep
        )
        return batch, records, "cordis"
    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start == b"<":
        if body.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")):
            raise ValueError("an HTML page, not a service response (an error page?)")
        if not cordis_parse.is_cordis_xml(body):
            raise ValueError("XML that is not a CORDIS project record")
        batch, records = cordis_parse.parse_cordis_project_xml(
            body, prov_file, codes, aliases, max_year
        )
        return batch, records, "cordis"
    try:
        page = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"not valid JSON ({err})") from None
    if nsf_parse.is_nsf_page(page):
        batch, records = nsf_parse.parse_nsf_page(page, prov_file, codes, max_year)
        return batch, records, "nsf"
    if ukri_parse.is_ukri_page(page):
        batch, records = ukri_parse.parse_ukri_page(page, prov_file, codes, max_year)
        return batch, records, "ukri"
    raise ValueError("JSON that is neither an NSF Awards API page nor a UKRI GtR page")


def parse_files(
    paths: Iterable[Path],
    root: Path,
    codes: CountryCodes,
    aliases: Mapping[str, str],
    max_year: int,
    keep: Keep,
) -> GrantBatch:
    """Parse every file into one batch; an unreadable file becomes a quarantine row.

    ``root`` is the folder the paths are reported relative to (provenance). Rows name
    the service the file came from (``nsf``, ``ukri`` or ``cordis``; ``funding`` when
    the file could not be read).
    """
    out = GrantBatch()

    def parse(body: bytes, prov_file: Provenance) -> tuple[int, str]:
        batch, records, service = parse_body(body, prov_file, codes, aliases, max_year, keep)
        out.extend(batch)
        return records, service

    def unreadable(prov_file: Provenance, detail: str) -> None:
        out.quarantine.append(quarantine_row(prov_file, SOURCE, None, "unreadable_file", detail))

    out.files += read_files(paths, root, MAX_BODY_BYTES, SOURCE, parse, unreadable)
    return out
