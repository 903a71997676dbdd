"""Parsing helpers every source room shares: text cleaning, number coercion, country codes.

Nothing here touches a database or the network; the raw files' hashes come from
``pipelines.file_hashes``, which keeps them in the working state's folder during a run.
"""

from __future__ import annotations

import gzip
import json
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.file_hashes import sha256_file

ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


@dataclass(frozen=True)
class CountryCodes:
    """What the parser needs to know about country codes.

    ``iso2_to_iso3`` maps every valid ISO 3166-1 alpha-2 code (plus XK) to alpha-3;
    ``historical`` holds withdrawn codes (SU, YU, ...) that are quarantined, not guessed.
    """

    iso2_to_iso3: Mapping[str, str]
    historical: frozenset[str]

    def __str__(self) -> str:
        """Both tables as canonical text (what a cached parse depends on)."""
        return json.dumps([sorted(self.iso2_to_iso3.items()), sorted(self.historical)])


KEY_PREFIX_LENGTH = 16  # hex digits of a file's checksum that begin its records' keys


def key_prefix(sha256: str) -> str:
    """What begins the key of every record of the file whose checksum is ``sha256``."""
    return sha256[:KEY_PREFIX_LENGTH]


@dataclass(frozen=True)
class Provenance:
    """Where a record came from: file (relative name), checksum and record index."""

    source_file: str
    source_sha256: str
    record_index: int | None

    @property
    def record_key(self) -> str:
        """A stable key of the record: 16 hex of the file checksum and the record index."""
        return f"{key_prefix(self.source_sha256)}:{self.record_index}"

    def columns(self) -> dict[str, Any]:
        """The provenance columns of a raw row."""
        return {
            "source_file": self.source_file,
            "source_sha256": self.source_sha256,
            "record_index": self.record_index,
            "record_key": self.record_key,
        }


class RecordError(ValueError):
    """A record that cannot be used; ``reason`` is a short, stable code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def clean_text(value: Any) -> str | None:
    """Return ``value`` as NFC-normalised text without zero-width characters, or None."""
    if value is None:
        return None
    text = unicodedata.normalize("NFC", str(value)).translate(ZERO_WIDTH).strip()
    return text or None


def to_int(value: Any, name: str) -> int | None:
    """Coerce an integer that may arrive as a string; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RecordError("invalid_field", f"{name}={value!r} is not an integer")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise RecordError("invalid_field", f"{name}={value!r} is not an integer") from None
    if number != int(number):
        raise RecordError("invalid_field", f"{name}={value!r} is not an integer")
    return int(number)


def source_files(
    directory: Path, suffixes: tuple[str, ...], skip: Callable[[str], bool] | None = None
) -> list[Path]:
    """The files below ``directory`` whose names end in one of ``suffixes``, sorted.

    ``skip`` leaves out names it returns True for. Symlinks are refused (ValueError), so a
    source directory cannot point the reader outside itself.
    """
    files = []
    for path in sorted(directory.rglob("*")):
        if path.is_symlink():
            raise ValueError(f"{path}: symbolic links are not read from a source directory")
        if path.is_file() and path.name.endswith(suffixes) and not (skip and skip(path.name)):
            files.append(path)
    return files


def read_body(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, gunzipped when its name ends in ``.gz``.

    Raises ValueError for an unreadable file, a corrupt gzip stream, or a body over
    ``max_bytes`` (a decompression bomb).
    """
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rb") as handle:
                body = handle.read(max_bytes + 1)
        else:
            body = path.read_bytes()
    except (OSError, EOFError) as err:
        raise ValueError(f"cannot read ({err})") from None
    if len(body) > max_bytes:
        raise ValueError(f"body larger than {max_bytes} bytes")
    return body


def read_files(
    paths: Iterable[Path],
    root: Path,
    max_bytes: int,
    source: str,
    parse: Callable[[bytes, Provenance], tuple[int, str]],
    unreadable: Callable[[Provenance, str], None],
    seen: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Read each raw file once and hand its body to ``parse``; one row per file back.

    ``parse(body, provenance)`` parses a body (gunzipped, at most ``max_bytes``) and returns
    the records it held and the service it came from; it raises ValueError for a body it
    cannot use. A file that cannot be read or parsed goes to ``unreadable(provenance,
    detail)``. A file whose bytes equal an earlier file's (``seen``: checksum -> name,
    updated here, so a folder can be read in chunks) is listed as a duplicate and not
    read again. Paths are reported relative to ``root``. The rows carry source (the
    service, or ``source`` when the file could not be read), source_file, source_sha256,
    bytes, records and status (read, unreadable or ``duplicate of <file>``).
    """
    seen = {} if seen is None else seen
    files = []
    for path in dict.fromkeys(paths):
        name = str(path.relative_to(root)) if path.is_relative_to(root) else path.name
        records, service, status, sha, size = 0, source, "read", None, None
        try:
            sha, size = sha256_file(path), path.stat().st_size
            if sha in seen:
                status = f"duplicate of {seen[sha]}"
            else:
                seen[sha] = name
                records, service = parse(read_body(path, max_bytes), Provenance(name, sha, None))
        except (OSError, ValueError, RecursionError) as err:
            # RecursionError: JSON nested deeper than the decoder follows (a hostile body)
            detail = "nested too deeply" if isinstance(err, RecursionError) else str(err)
            unreadable(Provenance(name, sha or "", None), detail)
            status = "unreadable"
        files.append(
            {
                "source": service,
                "source_file": name,
                "source_sha256": sha,
                "bytes": size,
                "records": records,
                "status": status,
            }
        )
    return files
