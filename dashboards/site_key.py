"""What a site is made from, as one digest, so that a build which changes none of it keeps
the last site instead of making every page again.

The pages are made from the ``SiteData`` read from the published database, the
dashboards' own files (code, templates, styles, the world map) and the versions of
plotly, Polars and qcm; no page reads the clock, the environment or any other file.
``site_key`` digests all of it except what only names the run: the latest run's id and
its start and publish times (``RUN_ONLY``). Every frame counts by its columns, their
types and its rows in order (Polars' row hashes, stable for one Polars version).

The site folder records its key, the run that made it and its pages (``KEY_FILE``). A
build whose key is the recorded one, over a folder that still holds exactly the recorded
pages, keeps the site (``kept_by``): its pages show the numbers, facts and code of this
build, and their footer names the run that made them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields
from importlib.metadata import version
from pathlib import Path

import plotly
import polars as pl

from dashboards.data import SiteData

KEY_FILE = ".qcm-site.json"
RUN_ONLY = ("run_id", "started_at", "published_at")
CODE = Path(__file__).parent  # the dashboards package, with its templates and assets


def site_key(data: SiteData) -> str:
    """The hexadecimal SHA-256 of everything the pages made from ``data`` depend on."""
    digest = hashlib.sha256()
    for field in fields(data):
        if not field.init:  # derived parts, made from the frames
            continue
        value = getattr(data, field.name)
        if field.name == "run":
            value = {k: v for k, v in value.items() if k not in RUN_ONLY}
        digest.update(field.name.encode() + b"\0")
        digest.update(_value_digest(value))
    digest.update(_code_digest())
    versions = f"plotly {plotly.__version__}; polars {pl.__version__}; qcm {version('qcm')}"
    digest.update(versions.encode())
    return digest.hexdigest()


def _value_digest(value: object) -> bytes:
    """A frame's columns, types, height and row hashes, or any other value as JSON."""
    if isinstance(value, pl.DataFrame):
        schema = json.dumps([[name, str(kind)] for name, kind in value.schema.items()])
        rows = value.hash_rows(seed=0).to_numpy().tobytes() if value.width else b""
        return hashlib.sha256(f"{schema}\0{value.height}\0".encode() + rows).digest()
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).digest()


def _code_digest() -> bytes:
    """The digest of every file of the dashboards package, by path and content."""
    digest = hashlib.sha256()
    for path in sorted(CODE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(CODE).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.digest()


def pages_of(site: Path) -> list[str]:
    """The HTML pages under ``site``, as sorted paths relative to it."""
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def record_key(site: Path, key: str, run_id: str) -> None:
    """Record in the folder ``site`` (whose pages are made) its ``key``, the run that made
    it and its pages."""
    record = {"key": key, "run_id": run_id, "pages": pages_of(site)}
    (site / KEY_FILE).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


def kept_by(site: Path, key: str) -> str | None:
    """The run that made the site in ``site`` when it was made under ``key`` and still holds
    exactly the pages it recorded; else None (also when it recorded nothing readable)."""
    try:
        record = json.loads((site / KEY_FILE).read_text(encoding="utf-8"))
        if record["key"] != key or record["pages"] != pages_of(site):
            return None
        return str(record["run_id"])
    except (OSError, ValueError, TypeError, KeyError):
        return None
