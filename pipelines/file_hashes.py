"""The SHA-256 of the raw files, computed once for each version of a file on disk and kept
between runs.

Every build hashes the raw files it is given: the works' ingest compares them with the
last ingest's, the parse cache keys on them and ``raw.source_files`` records them. Hashing
reads every byte: at the benchmark's million works 0.9 GB, about 0.8 s of every run; a
bulk OpenAlex snapshot is hundreds of GB, minutes of every run.

A file's hash is kept under its identity on disk (``identity``): its device and inode,
its size, and its modification and status-change times in nanoseconds. Writing to a file
changes both times; replacing it makes another inode; and no user call can set the
status-change time, which moves whenever the modification time is set (``touch``, a copy
that keeps times). So a file of a recorded identity holds the bytes it held when it was
hashed, and its hash is not computed again. The file system stamps those times from a
clock that ticks every few milliseconds, so two writes within one tick can leave the same
identity: a file changed less than ``SETTLED_S`` seconds before it is hashed has its hash
computed but not kept, as git does for its racily clean files.

The hashes are held for the process, and in the SQLite file ``file_hashes.sqlite`` of the
working state's folder while ``keep_in`` names it (the ``qcm`` resource does from the
start to the end of a run's execution). A hash computed anew is written there at once,
so that concurrent steps' processes share it. A store that cannot be read or written is
not used again by the process, with a warning naming it and the error: its files are
then hashed as if nothing had been kept.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from pathlib import Path

STORE = "file_hashes.sqlite"
CHUNK = 1 << 20
SETTLED_S = 2.0  # a file changed more recently than this is hashed again next time

_lock = threading.Lock()  # guards what follows: the process's hashes and its store
_known: dict[str, str] = {}
_store: Path | None = None
_con: sqlite3.Connection | None = None  # the store's connection, opened when first used
_log = logging.getLogger(__name__)


def keep_in(folder: Path | None) -> None:
    """Keep the hashes computed from now on in ``folder``'s store (made when missing), and
    use those it holds; with None, keep them in this process alone."""
    global _store, _con
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    with _lock:
        if _con is not None:
            _con.close()
            _con = None
        _store = None if folder is None else folder / STORE


def identity(path: Path) -> tuple[str, int]:
    """What identifies this version of the file at ``path`` (device, inode, size, and
    modification and status-change times in nanoseconds), and when it last changed (the
    later of the two times, nanoseconds since the epoch)."""
    stat = path.stat()
    key = f"{stat.st_dev}:{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}"
    return key, max(stat.st_mtime_ns, stat.st_ctime_ns)


def sha256_file(path: Path) -> str:
    """The hex SHA-256 of the bytes of the file at ``path``: the one kept for its identity,
    else computed (and kept when the file had settled)."""
    key, changed = identity(path)
    with _lock:
        known = _known.get(key) or _stored(key)
    if known is not None:
        return known
    settled = time.time_ns() - changed > SETTLED_S * 1e9
    sha = _digest(path)
    if not settled or identity(path)[0] != key:  # changing, or written to while read
        return sha
    with _lock:
        _known[key] = sha
        _keep(key, sha)
    return sha


def _digest(path: Path) -> str:
    """The hex SHA-256 of the bytes of the file at ``path``, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _connection() -> sqlite3.Connection | None:
    """The store's connection (None without a store), opened on first use and kept: in
    write-ahead-log mode, without a sync at each commit (a hash is one small transaction;
    a connection and a sync for each cost about 1.2 ms, against 0.05 ms, and a store lost
    in a crash only means hashing again). Call it, and use what it returns, holding
    ``_lock``."""
    global _con
    if _store is None:
        return None
    if _con is None:
        con = sqlite3.connect(_store, timeout=30, check_same_thread=False)
        try:
            con.execute("pragma journal_mode = wal")
            con.execute("pragma synchronous = normal")
            con.execute(
                "create table if not exists hashes (identity text primary key, sha256 text)"
            )
        except sqlite3.Error:
            con.close()
            raise
        _con = con
    return _con


def _stored(key: str) -> str | None:
    """The hash the store keeps for ``key``, or None (also without a usable store); call
    it holding ``_lock``."""
    try:
        con = _connection()
        row = (
            None
            if con is None
            else con.execute("select sha256 from hashes where identity = ?", [key]).fetchone()
        )
    except sqlite3.Error as err:
        _give_up(err)
        return None
    if row is None:
        return None
    _known[key] = row[0]
    return row[0]


def _keep(key: str, sha: str) -> None:
    """Write ``sha`` for ``key`` to the store, if there is a usable one; call it holding
    ``_lock``."""
    try:
        con = _connection()
        if con is not None:
            with con:
                con.execute("insert or replace into hashes values (?, ?)", [key, sha])
    except sqlite3.Error as err:
        _give_up(err)


def _give_up(err: sqlite3.Error) -> None:
    """Stop using the store in this process, with a warning naming it and the error; call
    it holding ``_lock``."""
    global _store, _con
    _log.warning(f"file hashes: {_store} cannot be used ({err}); files are hashed again")
    if _con is not None:
        _con.close()
        _con = None
    _store = None
