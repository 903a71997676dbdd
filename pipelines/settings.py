"""Run settings: mode, where sources are read from, where state and output go.

Settings come from environment variables so that the ``qcm`` command, the Dagster UI
and the tests agree on one truth:

- ``QCM_MODE``: ``sample`` (default: the embedded synthetic sample) or ``live``.
- ``QCM_SOURCE_DIRS``: ``source=PATH`` pairs separated by ``;`` (or ``os.pathsep``):
  read that source's raw files from PATH instead (a directory in the raw format;
  ``patents`` takes responses of PatentsView and EPO OPS mixed in one folder, ``funding``
  NSF and UKRI pages, CORDIS project XML and CORDIS bulk ZIPs; ``openalex_authors``
  OpenAlex author pages or snapshot parts, with any merged-ids files; ``supply_chain``
  UN Comtrade API v1 data responses).
- ``QCM_OUT``: where published files go (``qcm.duckdb``, ``parquet/``, ``site/``).
- ``QCM_STATE``: working state (raw landing zone, working database, Dagster home).
- ``QCM_MEMORY_LIMIT``: DuckDB memory limit for the working database (default 4GB).
- ``QCM_REFETCH``: ``1`` makes live fetches start afresh instead of resuming a saved
  fetch (after a source changed under a running fetch, or to re-plan a split query).
- ``QCM_SYNTHESIS``: the synthesis settings file (composite weights, reach, focus bloc,
  countries of concern, bootstrap); default ``assets/reference/synthesis.yml``.
- ``QCM_SMALL_NUMBERS``: ``flag`` (default: a value resting on fewer records than
  meta.methods ``small_n_threshold`` is published with ``small_n`` true) or ``suppress``
  (its numbers are published empty as well, and the dashboards leave it out).
- ``QCM_AS_OF``: the day the build is as of (``2026-12-05``), what its SQL reads as today
  (``pipelines.as_of``): set it to rebuild a release as of the day it was built
  (``meta.runs.as_of``); by default the day the run was created.

``QCM_PARQUET_URL`` (object storage for the release's Parquet marts) is not a run setting:
``pipelines.push_asset`` reads it when its step runs, as it may carry credentials.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[1]
ASSETS_DIR = REPO_ROOT / "assets"
SQL_DIR = REPO_ROOT / "sql"
MODES = ("sample", "live")
SMALL_NUMBERS = ("flag", "suppress")  # what a release does with a value on few records
SOURCES = ("openalex", "patents", "funding", "openalex_authors", "supply_chain")
SAMPLE_DIRS = {
    "openalex": ASSETS_DIR / "bibliometric" / "sample" / "openalex",
    "patents": ASSETS_DIR / "patents" / "sample" / "patents",
    "funding": ASSETS_DIR / "funding" / "sample" / "funding",
    "openalex_authors": ASSETS_DIR / "workforce" / "sample" / "openalex_authors",
    "supply_chain": ASSETS_DIR / "supply_chain" / "sample" / "supply_chain",
}
DEFAULT_SYNTHESIS = ASSETS_DIR / "reference" / "synthesis.yml"


class SettingsError(ValueError):
    """A setting that cannot be used; the message says which and what to do."""


def parse_source_dirs(text: str) -> dict[str, Path]:
    """Parse ``openalex=/data/oa;...`` into ``{"openalex": Path(...)}``.

    Raises SettingsError for an unknown source or a malformed pair.
    """
    dirs: dict[str, Path] = {}
    for pair in filter(None, (p.strip() for p in text.replace(os.pathsep, ";").split(";"))):
        name, sep, path = pair.partition("=")
        if not sep or not path:
            raise SettingsError(f"source directory {pair!r} is not of the form source=PATH")
        if name not in SOURCES:
            raise SettingsError(f"unknown source {name!r} in source directories; known: {SOURCES}")
        dirs[name] = Path(path).expanduser().resolve()
    return dirs


def parse_as_of(text: str) -> date | None:
    """``2026-12-05`` as a date; None for an empty text (the run's own day).

    Raises SettingsError for anything else.
    """
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise SettingsError(
            f"as-of date {text!r} is not a day such as 2026-12-05 (QCM_AS_OF, qcm build --as-of)"
        ) from None


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know about where to read and write."""

    mode: str = "sample"
    source_dirs: dict[str, Path] = field(default_factory=dict)
    out_dir: Path = REPO_ROOT / "out"
    state_dir: Path = REPO_ROOT / ".qcm"
    memory_limit: str = "4GB"
    refetch: bool = False
    synthesis_config: Path = DEFAULT_SYNTHESIS
    small_numbers: str = "flag"
    as_of: date | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise SettingsError(f"mode {self.mode!r} is not one of {MODES}")
        if self.small_numbers not in SMALL_NUMBERS:
            raise SettingsError(
                f"small numbers {self.small_numbers!r} is not one of {SMALL_NUMBERS} "
                "(QCM_SMALL_NUMBERS, qcm build --small-numbers)"
            )
        out, state = self.out_dir.resolve(), self.state_dir.resolve()
        if out == state or out.is_relative_to(state) or state.is_relative_to(out):
            raise SettingsError(
                f"the output folder {out} and the working-state folder {state} must be separate"
            )

    @classmethod
    def from_env(cls) -> Settings:
        """Read the settings from ``QCM_*`` environment variables (see module doc)."""
        return cls(
            mode=os.environ.get("QCM_MODE", "sample"),
            source_dirs=parse_source_dirs(os.environ.get("QCM_SOURCE_DIRS", "")),
            out_dir=Path(os.environ.get("QCM_OUT", REPO_ROOT / "out")).expanduser().resolve(),
            state_dir=Path(os.environ.get("QCM_STATE", REPO_ROOT / ".qcm")).expanduser().resolve(),
            memory_limit=os.environ.get("QCM_MEMORY_LIMIT", "4GB"),
            refetch=os.environ.get("QCM_REFETCH", "") == "1",
            synthesis_config=Path(os.environ.get("QCM_SYNTHESIS") or DEFAULT_SYNTHESIS)
            .expanduser()
            .resolve(),
            small_numbers=os.environ.get("QCM_SMALL_NUMBERS") or "flag",
            as_of=parse_as_of(os.environ.get("QCM_AS_OF", "")),
        )

    @property
    def working_db(self) -> Path:
        """The database Dagster writes; readers never open it."""
        return self.state_dir / "work" / "qcm.duckdb"

    @property
    def landing_dir(self) -> Path:
        """The raw landing zone of live responses."""
        return self.state_dir / "raw"

    @property
    def published_db(self) -> Path:
        """The database researchers and dashboards read."""
        return self.out_dir / "qcm.duckdb"

    def dataset_kind(self, source: str) -> str:
        """Say what a source's data is: ``synthetic sample``, ``live`` or ``directory``."""
        if source in self.source_dirs:
            return "directory"
        return "live" if self.mode == "live" else "synthetic sample"

    def source_dir(self, source: str) -> Path | None:
        """The directory a source's offline reader reads, or None for a live fetch."""
        if source in self.source_dirs:
            return self.source_dirs[source]
        if self.mode == "sample":
            return SAMPLE_DIRS[source]
        return None


def service_url(variable: str, default: str, environ: Mapping[str, str]) -> str:
    """A service's API root: ``environ[variable]`` when set, else ``default``.

    Only https is allowed, except http to a loopback test server, so a key never
    travels unencrypted. Raises SettingsError naming the variable otherwise.
    """
    url = (environ.get(variable) or default).rstrip("/")
    parts = urlsplit(url)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise SettingsError(
            f"{variable} {url!r} must be https (http only for a loopback test server)"
        )
    return url


def credential(variable: str, where_to_get: str, environ: Mapping[str, str]) -> str:
    """The value of a credential variable, stripped.

    Raises SettingsError saying what to do when it is unset or holds spaces or control
    characters (a CRLF ``.env`` file); the value itself never appears in a message.
    """
    value = (environ.get(variable) or "").strip()
    if not value:
        raise SettingsError(f"{variable} is not set: {where_to_get}; see .env.example")
    if not value.isprintable() or any(c.isspace() for c in value):
        raise SettingsError(
            f"{variable} contains spaces or control characters (a CRLF .env file?): fix the "
            "variable; its value is not shown"
        )
    return value
