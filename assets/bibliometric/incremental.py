"""Reading only the raw files that changed since the last build of the working database.

A build reads the raw files of its mode (the embedded sample, a ``--source-dir`` folder or
downloaded snapshot, the landing zone's latest complete fetch of every year) into the
``raw`` tables, each file on its own: a file's rows depend only on its bytes and on the
reading's inputs (the parser's code, the country codes, the last valid year, the kind of
data, the snapshot slice), which together make the ingest key. The last ingest writes that key to
``raw.openalex_ingest``; ``raw.source_files`` names every file read with its checksum.

The next build with the same key keeps the rows of every file whose name and checksum
are unchanged, deletes those of files changed or gone (works by ``source_file``, the
other tables by the checksum prefix of their ``record_key``) and reads only the new and
changed files. The tables then hold the same rows as a full read of the folder; only
their order differs, which nothing downstream reads. Any doubt means a full read: a
different key, no ingest row (a fresh database, an ingest that did not finish: the row
is deleted first and written last), or a checksum two files share (their record keys
would be the same). In live mode a refetched year whose pages are the same lands the same
blobs, and nothing is read again.

So the ingest key and every file's name and checksum decide the rows of the works and of
the tables by record key: the ingest signs those tables by them (``sign_ingest``,
``pipelines.lineage.declare``) rather than have a later step scan millions of rows for a
signature, and after reading only some files it names their rows as the ones written
again, so that the tables' contract checks read those alone.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

from assets.bibliometric.duckdb_parse import (
    FileOutcome,
    create_raw_tables,
    quarantine_manifests,
    read_files,
)
from assets.bibliometric.parse import SOURCE, source_name
from assets.bibliometric.raw_tables import SCHEMAS
from assets.bibliometric.snapshot import Slice
from pipelines import lineage
from pipelines.file_hashes import sha256_file
from pipelines.parsing import KEY_PREFIX_LENGTH, CountryCodes, key_prefix

INGEST_TABLE = "raw.openalex_ingest"
HASHING_THREADS = 2  # the machine's two cores
INGEST_COLUMNS = {
    "parse_key": "varchar",
    "files": "bigint",
    "files_read": "bigint",
    "files_dropped": "bigint",
    "full_read": "boolean",
}
MANIFEST_REASONS = ("missing_part", "incomplete_part")  # rows of a manifest, not of a file
# every raw table whose rows come from a file, and how a file's rows are found
BY_NAME = ("raw.openalex_works", "raw.source_files")  # their source_file column
BY_RECORD_KEY = tuple(
    t for t in SCHEMAS if t not in BY_NAME and "record_key" in SCHEMAS[t]
)  # work topics, authorships, authorship countries, institutions
# the tables whose rows the ingest key and the files decide, each unique by record key
SIGNED_BY_FILES = ("raw.openalex_works", *BY_RECORD_KEY)


@dataclass(frozen=True)
class IngestPlan:
    """What a build reads: ``read`` the files to read; ``dropped`` the names of files whose
    rows are deleted first (changed or gone); ``kept`` how many files keep their rows;
    ``full`` whether the tables are begun afresh, and ``reason`` why; ``checksums`` the
    SHA-256 of every current file (hashed once, for the plan and the reading)."""

    full: bool
    reason: str
    read: tuple[Path, ...]
    dropped: tuple[str, ...]
    kept: int
    checksums: Mapping[Path, str]


def ingest_key(inputs: Sequence[object], modules_digest: str) -> str:
    """The ingest key: SHA-256 of the parser's code digest and of each of ``inputs`` as
    text (``str``, which must be canonical: the same in every process)."""
    text = json.dumps([modules_digest, [str(value) for value in inputs]])
    return hashlib.sha256(text.encode()).hexdigest()


def _previous(con: duckdb.DuckDBPyConnection, key: str) -> tuple[str | None, dict[str, str]]:
    """Why the last ingest cannot be built on (None when it can), and its files by name."""
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw' and table_name = 'openalex_ingest'"
    ).fetchone()[0]
    if not exists:
        return "no earlier ingest in the working database", {}
    row = con.execute(f"select parse_key from {INGEST_TABLE}").fetchall()
    if not row:
        return "the last ingest did not finish", {}
    if row[0][0] != key:
        return "the parser or its inputs changed since the last ingest", {}
    files = con.execute(
        "select source_file, source_sha256 from raw.source_files where source = ?", [SOURCE]
    ).fetchall()
    return None, dict(files)


def plan_ingest(
    con: duckdb.DuckDBPyConnection, files: list[Path], root: Path, key: str
) -> IngestPlan:
    """Compare ``files`` (below ``root``) with what the working database last read.

    Every file is hashed, two at a time (hashlib lets go of the interpreter while it
    hashes, so two threads keep two cores busy): the checksums, not sizes or times, say
    which files changed."""
    with ThreadPoolExecutor(max_workers=HASHING_THREADS) as pool:
        checksums = dict(zip(files, pool.map(sha256_file, files), strict=True))
    current = {source_name(path, root): (path, sha) for path, sha in checksums.items()}
    doubt, previous = _previous(con, key)
    shared = [sha for sha, n in Counter(s for _, s in current.values()).items() if n > 1]
    shared += [sha for sha, n in Counter(previous.values()).items() if n > 1]
    if doubt is None and shared:
        doubt = f"{len(shared)} checksum(s) shared by two files"
    if doubt is not None:
        return IngestPlan(True, doubt, tuple(files), (), 0, checksums)
    unchanged = {name for name, (_, sha) in current.items() if previous.get(name) == sha}
    read = tuple(path for name, (path, _) in current.items() if name not in unchanged)
    dropped = tuple(sorted(name for name in previous if name not in unchanged))
    return IngestPlan(False, "same parser and inputs", read, dropped, len(unchanged), checksums)


def drop_files(con: duckdb.DuckDBPyConnection, names: tuple[str, ...]) -> None:
    """Delete, in one transaction, every row read from the files ``names`` and every row
    of a snapshot manifest's problems (``quarantine_manifests`` writes them again)."""
    con.execute("begin transaction")
    try:
        con.execute(
            "create or replace temp table _qcm_dropped as select source_file, source_sha256 "
            "from raw.source_files where source = ? and source_file in (select unnest(?))",
            [SOURCE, list(names)],
        )
        prefixes = f"select left(source_sha256, {KEY_PREFIX_LENGTH}) from _qcm_dropped"
        for table in BY_RECORD_KEY:
            con.execute(f"delete from {table} where split_part(record_key, ':', 1) in ({prefixes})")
        for table in BY_NAME:
            con.execute(
                f"delete from {table} where source_file in (select source_file from _qcm_dropped)"
            )
        con.execute(
            "delete from raw.quarantine where source = ? and (source_file in "
            "(select source_file from _qcm_dropped) or reason in (select unnest(?)))",
            [SOURCE, list(MANIFEST_REASONS)],
        )
        con.execute("drop table _qcm_dropped")
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def ingest_folder(
    con: duckdb.DuckDBPyConnection,
    files: list[Path],
    root: Path,
    key: str,
    codes: CountryCodes,
    max_year: int,
    kind: str,
    snapshot_slice: Slice,
) -> tuple[IngestPlan, list[FileOutcome]]:
    """Bring the raw tables up to ``files`` (below ``root``): read them all into fresh
    tables, or only the new and changed ones (see the module doc); the other arguments
    are ``duckdb_parse.read_files``'s. Call ``record_ingest`` once the ingest is whole
    (this forgets the last one). Returns the plan followed and each read file's outcome."""
    plan = plan_ingest(con, files, root, key)
    forget_ingest(con)
    if plan.full:
        create_raw_tables(con)
    else:
        drop_files(con, plan.dropped)
        quarantine_manifests(con, files, root)
    outcomes = read_files(
        con,
        list(plan.read),
        root,
        codes,
        max_year,
        kind,
        snapshot_slice,
        manifests=plan.full,
        checksums=plan.checksums,
    )
    return plan, outcomes


def forget_ingest(con: duckdb.DuckDBPyConnection) -> None:
    """Empty ``raw.openalex_ingest`` (creating it when absent) before the raw tables
    change, so a build that stops midway is followed by a full read."""
    columns = ", ".join(f"{name} {kind}" for name, kind in INGEST_COLUMNS.items())
    con.execute("create schema if not exists raw")
    con.execute(f"create table if not exists {INGEST_TABLE} ({columns})")
    con.execute(f"delete from {INGEST_TABLE}")


def record_ingest(con: duckdb.DuckDBPyConnection, key: str, plan: IngestPlan, files: int) -> None:
    """Write the finished ingest's row: its key and what it read."""
    con.execute(f"delete from {INGEST_TABLE}")
    con.execute(
        f"insert into {INGEST_TABLE} values (?, ?, ?, ?, ?)",
        [key, files, len(plan.read), len(plan.dropped), plan.full],
    )


def sign_ingest(
    con: duckdb.DuckDBPyConnection,
    key: str,
    plan: IngestPlan,
    root: Path,
    previous: Mapping[str, str | None],
    run_id: str,
) -> None:
    """Sign every table of ``SIGNED_BY_FILES`` for run ``run_id`` by the ingest ``key`` and
    the name (below ``root``) and checksum of every file of ``plan``; unless the plan read
    everything, also record that the rows of the files it read are the ones written again
    since the table was signed ``previous[table]`` (``lineage.record_rewritten``; a table
    without one is checked whole). Call it once ``record_ingest`` has written the ingest,
    having read the signatures before with ``lineage.last_signed`` and forgotten them
    with ``lineage.unsign``."""
    files = sorted([source_name(path, root), sha] for path, sha in plan.checksums.items())
    prefixes = sorted({key_prefix(plan.checksums[path]) for path in plan.read})
    rows = (
        "split_part(record_key, ':', 1) in (" + ", ".join(f"'{p}'" for p in prefixes) + ")"
        if prefixes  # hexadecimal digits: nothing to quote
        else "false"
    )
    what = f"the records of the {len(plan.read)} files read"
    for table in SIGNED_BY_FILES:
        lineage.declare(con, table, [key, files], run_id)
        before = previous.get(table)
        if not plan.full and before is not None:
            lineage.record_rewritten(con, table, before, "record_key", rows, what, run_id)
