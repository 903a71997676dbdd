"""Pushing a release's Parquet marts to object storage, where DuckDB reads them remotely.

``push`` copies the published ``parquet/`` folder (one file per marts table or view, its
``README.md`` and ``manifest.json``: ``pipelines.publish``) to a URL that pyarrow's file
systems open: ``s3://bucket/prefix`` (AWS or any S3-compatible store, such as MinIO or
Ceph: ``?endpoint_override=host:port&scheme=http``), ``gs://bucket/prefix``,
``abfs://container@account.dfs.core.windows.net/prefix``, ``hdfs://...`` or a local or
mounted folder. Credentials come from the store's usual places (``AWS_*`` variables, a
profile, an instance role) or the URL itself; they are never shown: every URL a message
gives is ``display_url``'s, every message is scrubbed of the URL's secrets, and no error
of the store is chained to the errors raised here (Dagster would record its text).

What a reader may see during a push: each file is written under a temporary name
(``PARTIAL``) and moved to its own once whole (on S3 and GCS a copy within the store), so
a name never holds part of a file, even when a push is interrupted; the data files go
first, then ``README.md`` and ``manifest.json``, so a manifest never names a file of its
release that is not there; a file the last pushed release has of the same build (its
entry in the remote manifest, and the same size) is not sent again; files the last pushed
manifest named and the new one does not are deleted last, with those a stopped push had
sent (named in ``PENDING`` before it sent them) that no manifest names. A reader between the first
file and the manifest may read files of two releases, each whole and each naming its
build in its own key-value metadata (``qcm_build``).
"""

from __future__ import annotations

import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote

import pyarrow.fs as pafs
import pyarrow.parquet as pq

from pipelines.publish import MANIFEST, REAL_KINDS, SAMPLE_KIND

README = "README.md"
CHUNK = 8 << 20  # bytes copied at a time
# file systems whose first path component is a bucket, which a push never creates
BUCKETED = tuple(getattr(pafs, n) for n in ("S3FileSystem", "GcsFileSystem") if hasattr(pafs, n))
PARTIAL = ".qcm-partial"  # suffix of a file being written, moved to its name when whole
# the files a push under way may leave behind it, should it stop before its manifest: the
# next push deletes those its release does not hold
PENDING = ".qcm-pending.json"
# query parameters of a pyarrow URL shown as they are; any other value may be a secret
# (an Azure SAS token's signature, say) and is shown as ***
SHOWN_PARAMETERS = frozenset(
    {
        "endpoint_override", "scheme", "region", "allow_bucket_creation",
        "allow_bucket_deletion", "default_bucket_location", "retry_limit_seconds",
        "project_id", "blob_storage_authority", "dfs_storage_authority",
        "blob_storage_scheme", "dfs_storage_scheme", "enable_tls", "credential_kind",
        "tenant_id", "client_id", "replication", "tls_ca_file_path",
    }
)  # fmt: skip


class PushError(RuntimeError):
    """A push that could not be done; the message names the URL (without its secrets),
    the file and what to do. ``transient``: the store failed a request, and the same
    push may succeed later (Dagster retries the step then, and only then)."""

    def __init__(self, message: str, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class Pushed:
    """What a push did: the URL as shown (``display_url``), the files sent, the files
    left as they were (same build), the files deleted, and the bytes sent."""

    url: str
    sent: tuple[str, ...]
    kept: tuple[str, ...]
    deleted: tuple[str, ...]
    bytes_sent: int


def _parts(url: str) -> tuple[str, str, str, str, list[tuple[str, str]]]:
    """``url`` split on its raw text (no decoding, so that a secret holding ``/`` or ``@``
    stays whole): scheme, user information, the rest before the query, the fragment, and
    the query's raw key and value pairs."""
    scheme, _, rest = url.partition("://")
    rest, _, fragment = rest.partition("#")
    rest, _, query = rest.partition("?")
    userinfo, at, address = rest.rpartition("@")
    if not at:
        userinfo, address = "", rest
    pairs = [(key, value) for key, _, value in (p.partition("=") for p in query.split("&") if p)]
    return scheme, userinfo, address, fragment, pairs


def display_url(url: str) -> str:
    """``url`` with its user information, fragment and every query value but
    ``SHOWN_PARAMETERS``' shown as ``***``: the only form of a URL that may reach a log, an
    error or Dagster's metadata. A local path (no ``://``) is shown as it is."""
    if "://" not in url:
        return url
    scheme, userinfo, address, fragment, pairs = _parts(url)
    shown = f"{scheme}://{'***@' if userinfo else ''}{address}"
    if pairs:
        shown += "?" + "&".join(
            f"{key}={value if unquote(key) in SHOWN_PARAMETERS else '***'}" for key, value in pairs
        )
    return shown + ("#***" if fragment else "")


def _scrubbed(text: str, url: str) -> str:
    """``text`` with ``url`` in it shown as ``display_url`` shows it, and every secret of
    ``url`` (its user information, each part of it, each hidden query value and the
    fragment, raw and decoded) replaced by ``***``."""
    if "://" not in url:
        return text
    parts = text.split(url)  # the URL itself is shown whole, as display_url shows it
    _, userinfo, _, fragment, pairs = _parts(url)
    secrets = {userinfo, *userinfo.split(":"), fragment}
    secrets |= {value for key, value in pairs if unquote(key) not in SHOWN_PARAMETERS}
    secrets |= {unquote(s) for s in secrets}
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        parts = [part.replace(secret, "***") for part in parts]
    return display_url(url).join(parts)


def remote_folder(url: str) -> tuple[pafs.FileSystem, str]:
    """The file system and the folder path (no trailing slash) that ``url`` names (a
    path without ``://`` is a local folder). Raises PushError when pyarrow cannot open
    such a URL."""
    if "://" not in url:
        return pafs.LocalFileSystem(), str(Path(url).expanduser().resolve())
    try:
        filesystem, path = pafs.FileSystem.from_uri(url)
    except (OSError, ValueError) as error:
        message = _scrubbed(str(error), url)
        raise PushError(f"cannot open {display_url(url)} as object storage: {message}") from None
    return filesystem, path.rstrip("/")


def _plain_name(name: object) -> bool:
    """Whether ``name`` is a file name a qcm manifest may hold: a Parquet file's base
    name, nothing that could reach outside its folder."""
    return (
        isinstance(name, str)
        and name.endswith(".parquet")
        and "/" not in name
        and "\\" not in name
        and not name.startswith(".")
    )


def _entries(text: str) -> dict[str, dict]:
    """File name -> entry of a manifest's text; ValueError unless it is a list of entries
    whose files are plain Parquet names (``_plain_name``)."""
    entries = json.loads(text)
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ValueError("not a list of entries")
    found = {e.get("file"): e for e in entries}
    bad = [name for name in found if not _plain_name(name)]
    if bad:
        raise ValueError(f"names that are not a Parquet file's: {bad[:3]}")
    return found


def remote_manifest(filesystem: pafs.FileSystem, folder: str, url: str) -> dict[str, dict]:
    """File name -> its entry, as the manifest last pushed to ``folder`` records it
    (empty when there is none). Raises PushError for a manifest that is not qcm's, or one
    the store cannot give (``transient``)."""
    try:
        with filesystem.open_input_stream(f"{folder}/{MANIFEST}") as stream:
            raw = stream.read()
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise PushError(
            f"cannot read {MANIFEST} at {display_url(url)}: {_scrubbed(str(error), url)}",
            transient=True,
        ) from None
    try:
        return _entries(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, TypeError) as error:
        raise PushError(
            f"{MANIFEST} at {display_url(url)} is not a qcm manifest ({error}); push to an "
            "empty prefix or one a qcm push wrote"
        ) from None


@dataclass(frozen=True)
class _Release:
    """A local Parquet release as read at the start of a push: its entries by file name,
    and the bytes of its README.md and manifest.json (sent as read then, whatever the
    folder holds by the end)."""

    entries: dict[str, dict]
    readme: bytes
    manifest: bytes


def _local_release(parquet_dir: Path) -> _Release:
    """The release in ``parquet_dir``. Raises PushError when the folder holds none, its
    manifest is not qcm's, or it misses a file its manifest names."""
    try:
        manifest = (parquet_dir / MANIFEST).read_bytes()
        readme = (parquet_dir / README).read_bytes()
        entries = _entries(manifest.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, TypeError) as error:
        raise PushError(
            f"{parquet_dir} holds no Parquet release to push ({error}); qcm build writes one"
        ) from None
    missing = [name for name in entries if not (parquet_dir / name).is_file()]
    if missing:
        raise PushError(f"{parquet_dir} misses {', '.join(missing)} of its manifest")
    return _Release(entries, readme, manifest)


def sample_over_real(last: dict[str, dict], entries: dict[str, dict]) -> list[str]:
    """The files whose last pushed entry (``last``) holds real data (live, or a user's
    directory) and whose new entry (``entries``) the synthetic sample: what a push would
    replace with invented records."""
    return sorted(
        name
        for name, entry in entries.items()
        if entry.get("data_kind") == SAMPLE_KIND
        and set(str(last.get(name, {}).get("data_kind", "")).split(", ")) & set(REAL_KINDS)
    )


def push(parquet_dir: Path, url: str, allow_sample_over_real: bool = False) -> Pushed:
    """Copy the Parquet release in ``parquet_dir`` to ``url`` (see the module doc).

    Returns what was sent, kept and deleted. Raises PushError when ``parquet_dir`` holds
    no release, the bucket does not exist, the synthetic sample would replace real data
    there (``sample_over_real``; unless ``allow_sample_over_real``), a file changed under
    the push (another release swapped in), or the store fails a request (``transient``):
    what was written before stays, and pushing again sends what is still missing."""
    release = _local_release(parquet_dir)
    filesystem, folder = remote_folder(url)
    shown = display_url(url)
    local = isinstance(filesystem, pafs.LocalFileSystem)
    try:
        if local:
            filesystem.create_dir(folder, recursive=True)
        elif isinstance(filesystem, BUCKETED):
            bucket = folder.strip("/").split("/", 1)[0]
            if filesystem.get_file_info(bucket).type == pafs.FileType.NotFound:
                raise PushError(f"the bucket {bucket} of {shown} does not exist; create it first")
        listed = filesystem.get_file_info(pafs.FileSelector(folder, allow_not_found=True))
    except OSError as error:
        raise PushError(
            f"cannot read {shown}: {_scrubbed(str(error), url)}", transient=True
        ) from None
    last = remote_manifest(filesystem, folder, url)
    replaced = sample_over_real(last, release.entries)
    if replaced and not allow_sample_over_real:
        raise PushError(
            f"{shown} holds real data in {len(replaced)} files ({', '.join(replaced[:3])} ...) "
            "that this release, the synthetic sample, would replace; push a real release, or "
            "allow it (qcm push --allow-sample-over-real; QCM_ALLOW_DROP=1 for qcm_push)"
        )
    remote = {i.base_name: i.size for i in listed if i.type == pafs.FileType.File}
    for name in remote:
        if name.endswith(PARTIAL):  # left by a push that was stopped
            _remove(filesystem, f"{folder}/{name}", url)
    stopped = _pending(filesystem, folder) if PENDING in remote else set()
    changed = [
        name
        for name, entry in release.entries.items()
        if not (
            entry.get("build")
            and last.get(name) == entry
            and remote.get(name) == (parquet_dir / name).stat().st_size
        )
    ]
    if changed:  # a push that sends nothing can leave nothing behind
        pending = json.dumps(sorted(stopped | set(changed))).encode("utf-8")
        _send(io.BytesIO(pending), PENDING, filesystem, folder, url)
    sent, kept, sizes = [], [], 0
    for name, entry in release.entries.items():
        build = entry.get("build")
        if name not in changed:
            kept.append(name)
            continue
        with (parquet_dir / name).open("rb") as source:
            found = (pq.ParquetFile(source).metadata.metadata or {}).get(b"qcm_build")
            if build and found != build.encode("utf-8"):
                raise PushError(
                    f"{parquet_dir / name} is not of the build its manifest names (another "
                    "release was published during the push); push again"
                )
            source.seek(0)
            sizes += _send(source, name, filesystem, folder, url)
        sent.append(name)
    # the manifest last: it names only files already there
    sizes += _send(io.BytesIO(release.readme), README, filesystem, folder, url)
    sizes += _send(io.BytesIO(release.manifest), MANIFEST, filesystem, folder, url)
    # a stopped push's files are deleted too: named by no manifest, nothing else would
    deleted = sorted((set(last) | (stopped & set(remote))) - set(release.entries))
    for name in deleted:
        _remove(filesystem, f"{folder}/{name}", url)
    if changed or stopped:
        _remove(filesystem, f"{folder}/{PENDING}", url)
    return Pushed(shown, tuple(sent), tuple(kept), tuple(deleted), sizes)


def _pending(filesystem: pafs.FileSystem, folder: str) -> set[str]:
    """The Parquet files a stopped push named in ``PENDING`` (none when it cannot be read:
    a push stopped while writing it had sent nothing yet)."""
    try:
        with filesystem.open_input_stream(f"{folder}/{PENDING}") as stream:
            names = json.loads(stream.read().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return set()
    return {name for name in names if _plain_name(name)} if isinstance(names, list) else set()


def _send(source: BinaryIO, name: str, filesystem: pafs.FileSystem, folder: str, url: str) -> int:
    """Write what ``source`` holds from where it stands as ``folder/name``: under ``name +
    PARTIAL``, then moved to ``name`` once whole, and its size checked. Returns the bytes
    written."""
    target, partial = f"{folder}/{name}", f"{folder}/{name}{PARTIAL}"
    start = source.tell()
    try:
        with filesystem.open_output_stream(partial) as writer:
            shutil.copyfileobj(source, writer, CHUNK)
        size = source.tell() - start
        filesystem.move(partial, target)
        stored = filesystem.get_file_info(target).size
    except OSError as error:
        raise PushError(
            f"cannot write {name} to {display_url(url)}: {_scrubbed(str(error), url)}; "
            "push again to send what is missing",
            transient=True,
        ) from None
    if stored != size:
        raise PushError(
            f"{name} at {display_url(url)} holds {stored} bytes, not {size}; push again",
            transient=True,
        )
    return size


def _remove(filesystem: pafs.FileSystem, path: str, url: str) -> None:
    """Delete the file ``path`` (gone already is fine)."""
    try:
        filesystem.delete_file(path)
    except FileNotFoundError:
        pass
    except OSError as error:
        raise PushError(
            f"cannot delete {path.rsplit('/', 1)[1]} at {display_url(url)}: "
            f"{_scrubbed(str(error), url)}",
            transient=True,
        ) from None
