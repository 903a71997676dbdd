"""The raw landing zone: every response body a source returned, kept verbatim.

Layout under ``root/<source>/`` (one folder per source; nothing here is source-specific):

- ``blobs/<sha[:2]>/<sha256><suffix>.gz``: response bodies (``.json``, ``.xml`` for a
  source that answers in XML, ``.zip`` for a bulk archive), content-addressed by the
  SHA-256 of the uncompressed body, gzipped with a zero timestamp so identical bodies
  give identical files. A blob is written to a temporary file and renamed into place;
  an existing blob is never rewritten.
- ``manifest.jsonl``: one JSON line per landed response (blob, redacted URL, partition,
  fetch, page, status, size, time, plus source-specific extras), appended after the blob
  is on disk and flushed to disk before ``land`` returns.
- ``state/<partition>.json``: where each partition's fetch stands (cursor, pages so far,
  status ``running``, ``parked`` or ``done``) and which pages make up its last complete
  fetch; replaced atomically, so a crash leaves either the old or the new state.

A crash between writing a blob and saving the state loses nothing: the next run
resumes from the saved cursor and lands that page again, which yields the same blob. A
write that fails (a full disk) raises LandingWriteError naming the file, after removing
its temporary file: what was landed before is whole, and a re-run resumes after it.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import json
import os
import re
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus, urlsplit, urlunsplit

SECRET_PARAMS = frozenset(
    {"api_key", "api-key", "key", "token", "mailto", "email", "subscription-key"}
)
REDACTED = "REDACTED"
USER_INFO = re.compile(r"//[^/?#@]*@")  # the user-info of a URL, with its password
STATUSES = ("running", "parked", "done")
# Partition and source names become file names: no separators, no "..", no hidden files.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_=.-]{0,127}")


def redact_url(url: str) -> str:
    """Return ``url`` with the value of every secret query parameter replaced.

    Secret parameters are ``api_key``, ``api-key``, ``key``, ``token``, ``mailto``,
    ``email`` and ``subscription-key`` (names compared case-insensitively, after URL
    decoding); their values become ``REDACTED``. A password in the URL's user-info part
    is redacted too. Everything else, including the encoding of other parameters, is
    kept as it was. A URL too malformed to split (an unclosed IPv6 bracket, a port that
    is not a number: requests quotes such URLs in its errors) loses its whole query and
    user-info instead, as a secret's place in them is unknown.
    """
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        head, query, _ = url.partition("?")
        head = USER_INFO.sub(f"//{REDACTED}@", head, count=1)
        return head + (f"?{REDACTED}" if query else "")
    netloc = parts.netloc
    if password is not None:
        netloc = netloc.replace(f":{password}@", f":{REDACTED}@", 1)
    pieces = []
    for piece in parts.query.split("&") if parts.query else []:
        name = piece.partition("=")[0]
        if unquote_plus(name).strip().lower() in SECRET_PARAMS:
            piece = f"{name}={REDACTED}"
        pieces.append(piece)
    return urlunsplit((parts.scheme, netloc, parts.path, "&".join(pieces), parts.fragment))


def utc_now() -> str:
    """The current time as an ISO 8601 UTC timestamp with seconds, e.g. ``2026-03-02T12:54:10Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_name(name: str, what: str) -> str:
    """Return ``name`` if it is safe as a file name; raise ValueError naming ``what`` otherwise."""
    if not SAFE_NAME.fullmatch(name) or ".." in name:
        raise ValueError(
            f"{what} {name!r} cannot be used as a landing-zone name: use letters, digits "
            "and _ = . - only (at most 128 characters, no '..')"
        )
    return name


@dataclass(frozen=True)
class LandedPage:
    """One landed response: the blob's checksum and path, body size, and whether it is new."""

    sha256: str
    path: Path
    bytes: int
    new_blob: bool


@dataclass
class CompletedFetch:
    """The last fetch of a partition that ran to its end: the pages the parser reads."""

    fetch_id: str
    pages: list[str]
    records: int
    meta_count: int | None
    finished_at: str


@dataclass
class PartitionState:
    """Where one partition's fetch stands; saved as ``state/<partition>.json``.

    ``cursor`` is the next cursor to request (None before the first page and after
    the last); ``pages`` the blob checksums landed by this fetch, in page order, and
    ``cursors`` the cursor each of them was requested with. ``parked_until`` (ISO UTC)
    is set when the source refused further requests until then. ``query`` identifies
    what is being fetched, so a changed query starts afresh instead of resuming.
    ``done`` is the last complete fetch, kept while a newer fetch is running.
    """

    partition: str
    fetch_id: str
    status: str = "running"
    cursor: str | None = None
    pages: list[str] = field(default_factory=list)
    cursors: list[str] = field(default_factory=list)
    records: int = 0
    meta_count: int | None = None
    parked_until: str | None = None
    error: str | None = None
    query: str = ""
    done: CompletedFetch | None = None
    updated_at: str = ""

    def to_json(self) -> dict[str, Any]:
        """The state as a JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PartitionState:
        """Rebuild a state from ``to_json`` output; unknown keys are ignored."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        done = known.pop("done", None)
        state = cls(**known, done=CompletedFetch(**done) if done else None)
        if state.status not in STATUSES:
            raise ValueError(f"partition {state.partition}: unknown status {state.status!r}")
        return state


class LandingWriteError(OSError):
    """A blob, state or manifest line could not be written; nothing landed before changed."""


def _write_failed(path: Path, error: OSError) -> LandingWriteError:
    """The LandingWriteError for ``path``, keeping the system's error number."""
    return LandingWriteError(
        error.errno,
        f"cannot write {path}: {error.strerror or error}; what was landed before is whole "
        "and a re-run resumes after it",
    )


def _fsync_dir(path: Path) -> None:
    """Flush a directory entry (a rename or a new file) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise _write_failed(path, error) from error
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as error:
        Path(tmp).unlink(missing_ok=True)
        raise _write_failed(path, error) from error
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


class LandingZone:
    """The landing zone of one source under ``root/<source>/`` (see the module doc)."""

    def __init__(self, root: Path, source: str, suffix: str = ".json") -> None:
        if suffix not in (".json", ".xml", ".zip"):
            raise ValueError(f"landing zone {source}: unsupported blob suffix {suffix!r}")
        self.root = Path(root)
        self.source = check_name(source, "source")
        self.suffix = suffix
        self.base = self.root / self.source
        self.manifest_path = self.base / "manifest.jsonl"
        self.state_dir = self.base / "state"

    def blob_path(self, sha256: str) -> Path:
        """The path of the blob whose uncompressed body has checksum ``sha256``."""
        return self.base / "blobs" / sha256[:2] / f"{sha256}{self.suffix}.gz"

    def land(
        self,
        body: bytes,
        *,
        url: str,
        partition: str,
        fetch_id: str,
        page: int,
        status: int,
        fetched_at: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> LandedPage:
        """Store ``body`` verbatim, then record it in the manifest.

        The blob is written first (unless an identical body is already stored), then one
        JSON line is appended to ``manifest.jsonl`` and flushed to disk: sha256, path
        (relative to the landing root), the URL with secrets redacted, partition,
        fetch_id, page, status, bytes, fetched_at (UTC ISO; now when None) and the keys
        of ``extra`` (e.g. records, next_cursor, meta_count). Returns the landed page.
        """
        check_name(partition, "partition")
        sha = hashlib.sha256(body).hexdigest()
        path = self.blob_path(sha)
        new_blob = not path.exists()
        if new_blob:
            _atomic_write(path, gzip.compress(body, compresslevel=6, mtime=0))
        entry = {
            "sha256": sha,
            "path": path.relative_to(self.root).as_posix(),
            "url": redact_url(url),
            "partition": partition,
            "fetch_id": fetch_id,
            "page": page,
            "status": status,
            "bytes": len(body),
            "fetched_at": fetched_at or utc_now(),
            **(extra or {}),
        }
        self._append_manifest(entry)
        return LandedPage(sha, path, len(body), new_blob)

    def _append_manifest(self, entry: dict[str, Any]) -> None:
        """Append one JSON line to the manifest and flush it to disk."""
        self.base.mkdir(parents=True, exist_ok=True)
        line = json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
        try:
            with open(self.manifest_path, "ab") as handle:
                # A line torn by a crash or a full disk must not swallow the next one.
                if handle.tell() > 0 and not self._manifest_ends_with_newline():
                    line = "\n" + line
                handle.write(line.encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as error:
            raise _write_failed(self.manifest_path, error) from error

    def _manifest_ends_with_newline(self) -> bool:
        """Whether the manifest's last byte is a newline."""
        with open(self.manifest_path, "rb") as handle:
            handle.seek(-1, os.SEEK_END)
            return handle.read(1) == b"\n"

    def state_path(self, partition: str) -> Path:
        """The state file of ``partition``."""
        return self.state_dir / f"{check_name(partition, 'partition')}.json"

    def load_state(self, partition: str) -> PartitionState | None:
        """The saved state of ``partition``, or None when it was never fetched.

        Raises ValueError naming the file when it cannot be read as a state.
        """
        path = self.state_path(partition)
        if not path.exists():
            return None
        try:
            return PartitionState.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, TypeError) as err:
            raise ValueError(
                f"{self.source} landing state {path} is not a valid state ({err}); "
                "move it aside to start that partition afresh"
            ) from err

    def save_state(self, state: PartitionState) -> None:
        """Stamp ``updated_at`` and replace the partition's state file atomically."""
        if state.status not in STATUSES:
            raise ValueError(f"partition {state.partition}: unknown status {state.status!r}")
        state.updated_at = utc_now()
        data = json.dumps(state.to_json(), ensure_ascii=False, indent=1, sort_keys=True)
        _atomic_write(self.state_path(state.partition), data.encode("utf-8"))

    def start_fetch(self, partition: str, restart: bool = False, query: str = "") -> PartitionState:
        """Resume the partition's unfinished fetch, or start a new one; return its state.

        A ``running`` or ``parked`` fetch of the same ``query`` is resumed (status set
        back to ``running``) unless ``restart`` is True. Otherwise a new fetch with a new
        fetch_id and no pages starts; the last complete fetch stays the current one until
        the new fetch completes. The state is saved before returning.
        """
        current = self.load_state(partition)
        if (
            current is not None
            and not restart
            and current.status in ("running", "parked")
            and current.query == query
        ):
            current.status = "running"
            current.parked_until = None
            self.save_state(current)
            return current
        fetch_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
        state = PartitionState(
            partition=partition,
            fetch_id=fetch_id,
            query=query,
            done=current.done if current is not None else None,
        )
        self.save_state(state)
        return state

    def partitions(self) -> dict[str, PartitionState]:
        """Every partition's saved state, by partition name in sorted order."""
        if not self.state_dir.is_dir():
            return {}
        states = {}
        for path in sorted(self.state_dir.glob("*.json")):
            state = self.load_state(path.stem)
            if state is not None:
                states[state.partition] = state
        return states

    def current_files(self) -> list[Path]:
        """The blobs of the latest complete fetch of every partition.

        Ordered by partition, then page; partitions that never completed a fetch are
        left out, and a blob two partitions share (the same response body) is listed
        once. Raises FileNotFoundError naming the blob if one has gone missing.
        """
        files: dict[Path, None] = {}
        for paths in self.current_files_by_partition().values():
            files.update(dict.fromkeys(paths))
        return list(files)

    def current_files_by_partition(self) -> dict[str, list[Path]]:
        """The blobs of the latest complete fetch of each partition that has one, by
        partition in sorted order, each in page order (see ``current_files``)."""
        files: dict[str, list[Path]] = {}
        for partition, state in self.partitions().items():
            if state.done is None:
                continue
            files[partition] = []
            for sha in state.done.pages:
                path = self.blob_path(sha)
                if not path.is_file():
                    raise FileNotFoundError(
                        f"{self.source} partition {partition}: landed blob {path} of fetch "
                        f"{state.done.fetch_id} is missing; re-fetch the partition"
                    )
                if path not in files[partition]:
                    files[partition].append(path)
        return files

    @contextmanager
    def lock(self, partition: str) -> Iterator[None]:
        """Hold an exclusive lock on ``partition`` so two processes never fetch it at once.

        Raises RuntimeError at once when another process holds it.
        """
        path = self.state_dir / f"{check_name(partition, 'partition')}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RuntimeError(
                    f"{self.source} partition {partition} is being fetched by another "
                    f"process (lock {path}); wait for it to finish"
                ) from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
