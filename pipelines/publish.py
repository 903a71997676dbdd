"""Publishing: the working database's public schemas become the published file, atomically.

Readers never see a half-built file: the published database is built as a temporary
file beside the target, checkpointed, closed and moved over it with ``os.replace``;
open readers keep their old snapshot. Tables are copied; views are recreated from their
definitions, so the published file holds views (they read only published tables). The
Parquet marts are written from the temporary file into a temporary folder, and the file
and the folder are swapped in one after the other (``pipelines.files.replaced_folder``),
so a failure before the swap (a full disk, say) leaves the whole last release.

A release reuses what the last one holds unchanged. Each table's build (the run that
last wrote its rows and its lineage signature, ``lineage.built`` of the working
database) is recorded with it: in ``meta.tables`` (the data dictionary, written from
that record before the publish; the working database's and the release's are compared)
and in the Parquet folder's ``manifest.json`` (written by the publish). A table whose
build is the one the last release recorded is not copied again: the new file starts as a
copy of the last one, and its Parquet file is linked from the last folder (a view's,
when its definition and the builds of what it reads are the same). A build is never
recorded twice (the run is part of it), so a record older than its table only makes it
copied again; and each record is read from the artifact it describes, so a release
swapped in halfway (the file, not yet the folder) reuses nothing it lacks. A table whose
build brought it up to date by the works that changed (a ``by_work`` refresh, which
records those works: ``pipelines.work_delta.record_rewritten_works``) from the build the
last release holds is taken from the last release too, with those works' rows deleted
and the working database's inserted; should its row count then differ from the working
table's, it is copied whole. Its Parquet file is written again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from pipelines.db import table_exists
from pipelines.files import replaced_folder
from pipelines.lineage import referenced_tables
from pipelines.provenance import CodeVersion, reference_sha256

PUBLIC_SCHEMAS = ("marts", "meta")
MAX_DROP = 0.5
# meta.tables.data_kind of a table whose rows come from the reviewed reference tables alone,
# whatever the run read; the spelling the long views give such rows
REFERENCE_KIND = "reviewed reference table"
# the kind of the embedded sample, and the kinds of real data a sample must not replace
SAMPLE_KIND = "synthetic sample"
REAL_KINDS = ("live", "directory")
TEMP_PREFIX = ".qcm.duckdb.tmp-"  # the file a publish builds before swapping it in
# DuckDB's words for a file another process has open read-write, and for that process
# (named where the system tells DuckDB)
LOCK_FAILURE = "Could not set lock on file"
LOCK_HOLDER = re.compile(r"Conflicting lock is held in (.+?)(?:\. See also|$)")
MANIFEST = "manifest.json"  # the Parquet folder's record of each file's build


class PublishError(RuntimeError):
    """Publishing was refused; the last published files are untouched."""


@dataclass(frozen=True)
class Published:
    """Where the published files are and what they hold."""

    database: Path
    parquet_dir: Path
    tables: dict[str, int]
    reused: tuple[str, ...] = ()  # tables (and Parquet files) taken from the last release
    # tables taken from the last release and brought up to date by the works that changed
    updated: tuple[str, ...] = ()
    # a write-ahead log a reader's read-write session left beside the last release, moved
    # aside so that DuckDB never replays it into this one
    set_aside: Path | None = None


def sql_literal(path: Path) -> str:
    """A path as a quoted SQL string literal (DuckDB cannot bind ATTACH or COPY targets)."""
    return _text_literal(str(path))


def _text_literal(text: str) -> str:
    """``text`` as a quoted SQL string literal (for COPY options, which cannot be bound)."""
    return "'" + text.replace("'", "''") + "'"


def _tables(con: duckdb.DuckDBPyConnection, catalog: str, schemas: tuple[str, ...]) -> list[str]:
    """Every table and view of ``schemas`` in ``catalog``, as ``schema.name``, sorted."""
    marks = ", ".join("?" for _ in schemas)
    rows = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        f"where table_catalog = ? and table_schema in ({marks}) order by 1",
        [catalog, *schemas],
    ).fetchall()
    return [r[0] for r in rows]


def view_definitions(
    con: duckdb.DuckDBPyConnection, catalog: str, schemas: tuple[str, ...]
) -> dict[str, str]:
    """The views of ``schemas`` in ``catalog``: ``schema.name`` -> its ``CREATE VIEW``
    statement (as DuckDB stores it, names unqualified by catalog)."""
    rows = con.execute(
        "select schema_name || '.' || view_name, sql from duckdb_views() "
        "where database_name = ? and list_contains(?, schema_name) and not internal "
        "order by 1",
        [catalog, list(schemas)],
    ).fetchall()
    return dict(rows)


def recreate_views(con: duckdb.DuckDBPyConnection, views: dict[str, str]) -> None:
    """Run every ``CREATE VIEW`` statement of ``views`` (name -> statement) in ``con``.

    A view that reads a view not yet created fails and is tried again after the others
    (so views on views need no declared order). Raises PublishError naming each view and
    its error when a round creates none: a view reads a table the file does not hold.
    """
    pending = dict(views)
    while pending:
        failed: dict[str, str] = {}
        for name, statement in pending.items():
            try:
                con.execute(statement)
            except duckdb.Error as err:
                failed[name] = str(err).splitlines()[0]
        if len(failed) == len(pending):
            raise PublishError(
                "views could not be recreated in the published file: "
                + "; ".join(f"{name}: {error}" for name, error in failed.items())
            )
        pending = {name: views[name] for name in failed}


def data_kind(con: duckdb.DuckDBPyConnection) -> str:
    """What kind of data the database of ``con`` holds: the kinds of every source's raw
    files (``meta.source_files``) in order, such as ``directory, synthetic sample``, or
    ``none``. One spelling for the run's record, the data dictionary's tables and the drop
    guard, which compares a release only with one of the same kind."""
    return con.execute(
        "select coalesce(string_agg(distinct data_kind, ', ' order by data_kind), 'none') "
        "from meta.source_files"
    ).fetchone()[0]


def table_kinds(con: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, str]:
    """The kind of data of each of ``tables`` in the database of ``con``: as its data
    dictionary (``meta.tables.data_kind``) records it, or the run's (``data_kind``) for a
    table it does not list or a database without one."""
    kind = data_kind(con)
    recorded = {}
    if con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'meta' and table_name = 'tables'"
    ).fetchone()[0]:
        recorded = dict(con.execute("select table_name, data_kind from meta.tables").fetchall())
    return {table: recorded.get(table) or kind for table in tables}


@dataclass(frozen=True)
class LastRelease:
    """What the guards compare a new release with: the last release's row counts, keyed
    ``table|data_kind``, and each source's kind of data (``source_kinds``)."""

    counts: dict[str, int]
    sources: dict[str, str]


def last_release(published: Path) -> LastRelease:
    """The row counts and source kinds of the last release ``published``, read in one
    connection (empty when there is none).

    Raises PublishError when a last release exists but cannot be read: the guards against
    unexplained drops and against the sample replacing real data must not switch
    themselves off silently.
    """
    if not published.exists():
        return LastRelease({}, {})
    try:
        con = duckdb.connect(str(published), read_only=True)
        try:
            rows = con.execute(
                "select table_name, row_count, data_kind from meta.tables"
            ).fetchall()
            sources = source_kinds(con)
        finally:
            con.close()
    except duckdb.Error as err:
        raise PublishError(
            f"cannot read the last release {published} to compare it ({err}); "
            "set QCM_ALLOW_DROP=1 to publish without the comparison"
        ) from err
    return LastRelease({f"{name}|{kind}": count for name, count, kind in rows}, sources)


def row_count_drops(
    counts: dict[str, int], previous: dict[str, int], kinds: dict[str, str]
) -> list[str]:
    """Tables that lost more than half their rows against the last release in which they
    held the same kind of data (``kinds``: each table's, ``table_kinds``)."""
    drops = []
    for table, count in counts.items():
        before = previous.get(f"{table}|{kinds[table]}")
        if before and count < (1 - MAX_DROP) * before:
            drops.append(f"{table}: {before:,} -> {count:,} rows")
    return drops


def source_kinds(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Each source's kind of data in the database of ``con``: the kinds of the files it
    read records from (``meta.source_files``), such as ``{"openalex": "live"}``; empty
    for a database whose file list lacks the columns (a hand-made one)."""
    columns = {
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'meta' and table_name = 'source_files'"
        ).fetchall()
    }
    if not {"source", "status", "data_kind"} <= columns:
        return {}
    return dict(
        con.execute(
            "select source, string_agg(distinct data_kind, ', ' order by data_kind) "
            "from meta.source_files where status = 'read' group by source"
        ).fetchall()
    )


def real_data_replaced(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """The sources whose real data (live, or a user's directory) in the last release
    (``before``: ``source_kinds``) the synthetic sample replaces in the new one
    (``after``), as ``openalex (live)``; empty when none does."""
    return [
        f"{source} ({kind})"
        for source, kind in sorted(before.items())
        if set(kind.split(", ")) & set(REAL_KINDS) and after.get(source) == SAMPLE_KIND
    ]


def publish(working_db: Path, out_dir: Path, allow_drop: bool = False) -> Published:
    """Copy the public schemas of ``working_db`` into ``out_dir`` atomically.

    Writes ``out_dir/qcm.duckdb`` (tables copied, views recreated as views) and
    ``out_dir/parquet/<table>.parquet`` for every marts table and view, both built beside
    their targets and swapped in together at the end; what the last release holds of the
    same build is reused (see the module doc). Raises PublishError (leaving the last
    release untouched) when the target is the working database, a view cannot be
    recreated from the published tables, a table or view lost more than half its rows
    against the last release of the same kind of data (unless ``allow_drop``), or the
    new release cannot be written (a full disk, say), or a release with the synthetic
    sample in it would replace real data (``real_data_replaced``; unless ``allow_drop``).
    The database file is swapped in
    before the Parquet folder: a failure of the folder's own swap after it (a rename the
    file system refuses) is raised as it is, the database then the new release and the
    folder the last one (``pipelines.files.replaced_folder`` never leaves neither). A
    write-ahead log a reader's session left beside the last release is moved aside first
    (``_set_aside_wal``; ``Published.set_aside`` says where).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "qcm.duckdb"
    if target.resolve() == working_db.resolve():
        raise PublishError(f"refusing to publish over the working database {working_db}")
    # a publish killed mid-copy (kill -9, power loss) leaves its temporary file behind:
    # publishing is serialised (one writer), so any such file is a dead one
    for stale in out_dir.glob(f"{TEMP_PREFIX}*"):
        stale.unlink(missing_ok=True)
    _refuse_open_writer(target)
    set_aside = _set_aside_wal(target)
    temp = out_dir / f"{TEMP_PREFIX}{uuid.uuid4().hex[:12]}"
    swapped = False
    try:
        try:
            counts, kept, updated, builds = _write_release(working_db, temp, target, allow_drop)
            with replaced_folder(out_dir / "parquet") as folder:
                linked = _write_parquet(temp, folder, out_dir / "parquet", builds)
                os.replace(temp, target)
                swapped = True
        except (duckdb.Error, OSError) as error:
            if not swapped:  # the last release is whole
                raise PublishError(
                    f"the new release could not be written in {out_dir} ({error}); "
                    "the last release is untouched"
                ) from error
            raise
    finally:
        temp.unlink(missing_ok=True)
        temp.with_name(temp.name + ".wal").unlink(missing_ok=True)  # left by a failed write
    reused = tuple(sorted(set(kept) | linked))
    return Published(target, out_dir / "parquet", counts, reused, tuple(sorted(updated)), set_aside)


def _refuse_open_writer(target: Path) -> None:
    """Raise PublishError when another process holds the last release ``target`` open
    read-write, naming that process.

    Such a session (DuckDB opens read-write unless told ``read_only=True``) holds the
    file's lock and its write-ahead log: a swap under it would let the log it writes next
    be replayed into the new release, and ``QCM_ALLOW_DROP`` must not get round that. A
    session that opens after this check still keeps the old file it opened; its log is
    set aside by the next publish (``_set_aside_wal``). Any other failure to open the file
    (a log that session left, which DuckDB cannot replay into this file; a connection of
    this process) is left to the steps that follow, which set such a log aside or name
    the failure."""
    if not target.exists():
        return
    try:
        duckdb.connect(str(target), read_only=True).close()
    except duckdb.Error as error:
        text = str(error)
        if LOCK_FAILURE not in text:
            return
        holder = LOCK_HOLDER.search(text)
        who = holder.group(1) if holder else "DuckDB could not name it"
        raise PublishError(
            f"the last release {target} is open read-write in another process ({who}); "
            "close that session and publish again (the working database keeps this run's "
            "tables; nothing was swapped). Readers beside a refresh should open the release "
            "with read_only=True."
        ) from error


def _set_aside_wal(target: Path) -> Path | None:
    """Move aside the write-ahead log beside the last release, if any, and return where.

    The pipeline never writes the published file in place, so such a log is a reader's: a
    session that opened the release read-write (DuckDB's default) and died before a
    checkpoint. DuckDB would replay it into whatever file has the name next, the new
    release included, and into the last release read for its kept tables. A session still
    open holds the file's lock, and reading the last release then fails before anything is
    swapped. Returns the moved log's path (``<name>.wal.<UTC time>.set-aside``), or None.
    """
    wal = target.with_name(target.name + ".wal")
    if not wal.exists():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = wal.with_name(f"{wal.name}.{stamp}.set-aside")
    os.replace(wal, aside)
    return aside


def recorded_builds(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, str]:
    """The build of each table as ``catalog``'s data dictionary records it (``meta.tables``
    ``built_by_run`` and ``build_signature``, as ``run_id signature``); empty when it
    records none (a database made before they were recorded, or not by the pipeline)."""
    columns = {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_catalog = ? "
            "and table_schema = 'meta' and table_name = 'tables'",
            [catalog],
        ).fetchall()
    }
    if not {"built_by_run", "build_signature"} <= columns:
        return {}
    rows = con.execute(
        f"select table_name, built_by_run || ' ' || build_signature from {catalog}.meta.tables "
        "where built_by_run is not null and build_signature is not null"
    )
    return dict(rows.fetchall())


def released_builds(release: Path) -> dict[str, str]:
    """``recorded_builds`` of the release file ``release``; empty when there is none or it
    cannot be read (nothing is then reused; the drop guard says so, unless allowed)."""
    if not release.exists():
        return {}
    try:
        con = duckdb.connect(str(release), read_only=True)
    except duckdb.Error:
        return {}
    try:
        return recorded_builds(con, con.execute("select current_database()").fetchone()[0])
    finally:
        con.close()


def released_runs(release: Path) -> set[str] | None:
    """The run ids in the ``meta.runs`` of the release file ``release``: empty when there
    is none, None when it cannot be read."""
    if not release.exists():
        return set()
    try:
        con = duckdb.connect(str(release), read_only=True)
        try:
            return {r[0] for r in con.execute("select run_id from meta.runs").fetchall()}
        finally:
            con.close()
    except duckdb.Error:
        return None


def _write_release(
    working_db: Path, temp: Path, target: Path, allow_drop: bool
) -> tuple[dict[str, int], list[str], list[str], dict[str, str]]:
    """Build the release database at ``temp`` from ``working_db``, checked against the
    last release at ``target``. Returns the row count of every public table and view, the
    tables kept from the last release, those taken from it and brought up to date by the
    works that changed (``_by_works``), and the build of every public table the working
    database records and of every view (``view_builds``)."""
    previous = released_builds(target)
    con = duckdb.connect(str(temp))
    try:
        con.execute(f"attach {sql_literal(working_db)} as work (read_only)")
        views = view_definitions(con, "work", PUBLIC_SCHEMAS)
        published = _tables(con, "work", PUBLIC_SCHEMAS)
        builds = recorded_builds(con, "work")
        kept = [
            t for t in published if t not in views and t in builds and previous.get(t) == builds[t]
        ]
        updated = [t for t in published if t not in kept and _by_works(con, t, builds, previous)]
        if kept or updated:  # start from the last release: drop what it holds of other builds
            con.close()
            shutil.copyfile(target, temp)
            con = duckdb.connect(str(temp))
            con.execute(f"attach {sql_literal(working_db)} as work (read_only)")
            catalog = con.execute("select current_database()").fetchone()[0]
            for view in view_definitions(con, catalog, PUBLIC_SCHEMAS):
                con.execute(f"drop view {view}")
            held = _tables(con, catalog, PUBLIC_SCHEMAS)
            # a kept table must still hold its build's rows: one a reader's read-write
            # session changed in the release is copied anew from the working database
            kept = [t for t in kept if t in held and _same_row_count(con, t)]
            for table in held:
                if table not in kept and table not in updated:
                    con.execute(f"drop table {table}")
            updated = [t for t in updated if t in held and _update_by_works(con, t)]
        for schema in PUBLIC_SCHEMAS:
            con.execute(f"create schema if not exists {schema}")
        for table in published:
            if table not in views and table not in kept and table not in updated:
                con.execute(f"create table {table} as select * from work.{table}")
        con.execute("detach work")
        recreate_views(con, views)
        counts = {
            table: con.execute(f"select count(*) from {table}").fetchone()[0] for table in published
        }
        last = LastRelease({}, {}) if allow_drop else last_release(target)
        drops = row_count_drops(counts, last.counts, table_kinds(con, list(counts)))
        if drops:
            raise PublishError(
                "row counts dropped by more than half against the last release: "
                + "; ".join(drops)
                + " (set QCM_ALLOW_DROP=1 if this is expected)"
            )
        real = real_data_replaced(last.sources, source_kinds(con))
        if real:
            raise PublishError(
                f"the last release {target} holds real data of {', '.join(real)}, which this "
                "build read from the synthetic sample instead: publishing it would replace "
                "real figures with invented ones. Build the sample into another folder "
                "(--out), or set QCM_ALLOW_DROP=1 to replace the release"
            )
        con.execute("checkpoint")
    finally:
        con.close()
    builds = {t: b for t, b in builds.items() if t in counts and t not in views}
    return counts, kept, updated, builds | view_builds(views, builds)


def _same_row_count(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether ``table`` holds as many rows in the release being built as in the working
    database (attached as ``work``)."""
    return con.execute(
        f"select (select count(*) from {table}) = (select count(*) from work.{table})"
    ).fetchone()[0]


def _by_works(
    con: duckdb.DuckDBPyConnection,
    table: str,
    builds: dict[str, str],
    previous: dict[str, str],
) -> bool:
    """Whether the working database (attached as ``work``) records that the build of
    ``table`` it holds (``builds``) brought it up to date by the works that changed
    (``pipelines.work_delta.record_rewritten_works``) from the build the last release
    holds (``previous``): the release's copy then needs only those works' rows."""
    if table not in builds or table not in previous:
        return False
    run, signature = builds[table].split(" ", 1)
    held = previous[table].split(" ", 1)[1]
    try:
        record = con.execute(
            "select previous, key_column, run_id from work.lineage.rewritten where table_name = ?",
            [table],
        ).fetchone()
        con.execute("select 1 from work.lineage.rewritten_works limit 0")
    except duckdb.CatalogException:  # a database made before these were recorded
        return False
    return record == (held, "work_id", run) and held != signature


def _update_by_works(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Bring the last release's ``table`` (in the database of ``con``) up to date by the
    works the working database's build rewrote: delete their rows and insert the working
    database's. Returns whether its row count is then the working table's; when it is
    not, the table is dropped (to be copied whole) and False returned."""
    con.execute(
        "create or replace temp table qcm_rewritten as "
        "select work_id from work.lineage.rewritten_works where table_name = ?",
        [table],
    )
    rows = "work_id in (select work_id from qcm_rewritten)"
    con.execute(f"delete from {table} where {rows}")
    con.execute(f"insert into {table} by name select * from work.{table} where {rows}")
    con.execute("drop table qcm_rewritten")
    here = con.execute(f"select count(*) from {table}").fetchone()[0]
    if here == con.execute(f"select count(*) from work.{table}").fetchone()[0]:
        return True
    con.execute(f"drop table {table}")
    return False


def view_builds(views: dict[str, str], builds: dict[str, str]) -> dict[str, str]:
    """The build of each view of ``views`` (name -> ``CREATE VIEW`` statement): a digest
    of its statement and the builds of what it reads, tables (``builds``) or views. A view
    reading something without a build has none."""
    found: dict[str, str] = {}
    for _ in views:  # a view on a view is found in the pass after the one it reads
        for name, statement in views.items():
            reads = sorted(referenced_tables(statement) - {name})
            known = builds | found
            if name not in found and all(t in known for t in reads):
                text = json.dumps([statement, [(t, known[t]) for t in reads]])
                found[name] = "view " + hashlib.sha256(text.encode()).hexdigest()
    return found


def _write_parquet(database: Path, folder: Path, last: Path, builds: dict[str, str]) -> set[str]:
    """Write every marts table and view of ``database`` as Parquet, with a README.md of
    their schema and a ``manifest.json`` of each file's build (``builds``) and kind of
    data, into ``folder``. Each file carries its table, build and kind of data in its own
    key-value metadata too (``qcm_table``, ``qcm_build``, ``qcm_data_kind``), so a file
    copied away from its folder still says whether it is the synthetic sample. A file the
    last folder ``last`` holds of the same build and kind of data is linked (or copied)
    from it instead. Returns the tables whose file was so reused."""
    previous = _manifest(last)
    con = duckdb.connect(str(database), read_only=True)
    reused: set[str] = set()
    try:
        catalog = con.execute("select current_database()").fetchone()[0]
        tables = _tables(con, catalog, ("marts",))
        kinds = table_kinds(con, tables)
        entries = []
        for table in tables:
            name = f"{table.split('.', 1)[1]}.parquet"
            build, kind = builds.get(table), kinds[table]
            entry = {"file": name, "table": table, "build": build or None, "data_kind": kind}
            if build and previous.get(name) == entry and (last / name).is_file():
                _link_or_copy(last / name, folder / name)
                reused.add(table)
            else:
                metadata = {"qcm_table": table, "qcm_data_kind": kind} | (
                    {"qcm_build": build} if build else {}
                )
                pairs = ", ".join(f"{k}: {_text_literal(v)}" for k, v in metadata.items())
                con.execute(
                    f"copy (select * from {table}) to {sql_literal(folder / name)} "
                    f"(format parquet, kv_metadata {{{pairs}}})"
                )
            entries.append(entry)
        (folder / "README.md").write_text(parquet_readme(con, tables), encoding="utf-8")
        (folder / MANIFEST).write_text(json.dumps(entries, indent=1) + "\n", encoding="utf-8")
    finally:
        con.close()
    return reused


def _manifest(folder: Path) -> dict[str, dict[str, str]]:
    """File name -> its entry (file, table, build, kind of data), as the Parquet folder
    ``folder`` recorded it, for the files of a recorded build (empty when it records none
    or cannot be read: nothing is then reused)."""
    try:
        entries = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return {e["file"]: e for e in entries if e.get("build")}
    except (OSError, ValueError, TypeError, KeyError):
        return {}


def _link_or_copy(source: Path, target: Path) -> None:
    """Hard-link ``source`` as ``target``, or copy it where the file system cannot link."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _small_numbers_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """What the release did with small numbers (``meta.publication_settings``), as README
    lines; none for a file without that table."""
    row = (
        con.execute(
            "select value, description from meta.publication_settings where key = 'small_numbers'"
        ).fetchone()
        if table_exists(con, "meta.publication_settings")
        else None
    )
    if row is None:
        return []
    value, description = row
    done = {"flag": "flagged", "suppress": "suppressed"}.get(value, value)
    return [
        "",
        f"Small numbers: {done} in this release (`meta.publication_settings`: {description}).",
    ]


def parquet_readme(con: duckdb.DuckDBPyConnection, tables: list[str]) -> str:
    """A Markdown description of the Parquet files of ``tables`` (``marts.<name>``): per
    file its grain, description and row count, then each column's type and description,
    from the published data dictionary (``meta.tables``, ``meta.columns``); without one,
    the columns and types alone."""
    has_dictionary = con.execute(
        "select count(*) = 2 from information_schema.tables "
        "where table_schema = 'meta' and table_name in ('tables', 'columns')"
    ).fetchone()[0]
    lines = [
        "# qcm marts as Parquet",
        "",
        "One file per table or view of the `marts` schema of `qcm.duckdb` (the public contract; "
        "breaking changes bump `meta.schema_version` and are listed in qcm's CHANGELOG.md). The "
        "same descriptions are in the database "
        "(`meta.tables`, `meta.columns`); definitions, units and method versions of every "
        "indicator are in `meta.indicators`, the methods in `meta.methods`. `manifest.json` "
        "names the build of each file (the run that wrote its rows and the digest of what "
        "they were built from, as `meta.tables` has them; for a view, a digest of its "
        "definition and the builds it reads) and its kind of data: a file whose build is "
        "unchanged holds the same rows as in the last release. Each file carries its table, "
        "build and kind of data in its own Parquet key-value metadata too (`qcm_table`, "
        "`qcm_build`, `qcm_data_kind`; in DuckDB: "
        "`select * from parquet_kv_metadata('<file>.parquet')`).",
    ]
    kinds = (
        [
            kind
            for (kind,) in con.execute(
                "select distinct data_kind from meta.tables where data_kind is not null order by 1"
            ).fetchall()
        ]
        if has_dictionary
        else []
    )
    if kinds:
        lines += [
            "",
            f"The data of this release: {'; '.join(kinds)} (`meta.tables.data_kind`)."
            + (
                " SYNTHETIC SAMPLE: invented records that only demonstrate the method, never "
                "to be read as real figures."
                if any("sample" in kind for kind in kinds)
                else ""
            ),
        ]
    lines += _small_numbers_lines(con)
    lines += _snapshot_lines(con)
    for table in tables:
        name = table.split(".", 1)[1]
        about = (None, None, None, None)
        if has_dictionary:
            row = con.execute(
                "select grain, description, row_count, data_kind from meta.tables "
                "where table_name = ?",
                [table],
            ).fetchone()
            about = row or about
        columns = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and table_name = ? order by ordinal_position",
            [name],
        ).fetchall()
        described: dict[str, str] = {}
        if has_dictionary:
            described = dict(
                con.execute(
                    "select column_name, description from meta.columns where table_name = ?",
                    [table],
                ).fetchall()
            )
        lines += ["", f"## {name}.parquet", ""]
        grain, description, rows, kind = about
        if grain:
            lines.append(f"Grain: {grain}.")
        if description:
            lines.append(" ".join(description.split()))
        if rows is not None:
            lines.append(f"Rows in this release: {rows:,}.")
        if kind:
            lines.append(f"Data: {kind}.")
        lines += ["", "| column | type | description |", "|---|---|---|"]
        for column, data_type in columns:
            cell = " ".join((described.get(column) or "").split()).replace("|", "\\|")
            lines.append(f"| `{column}` | {data_type} | {cell} |")
    return "\n".join(lines) + "\n"


def _snapshot_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The Markdown table of the release's source snapshots (``meta.source_snapshots``),
    which the files' ``source_snapshot`` column names; none without the table."""
    found = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'meta' and table_name = 'source_snapshots'"
    ).fetchone()[0]
    if not found:
        return []
    rows = con.execute(
        "select snapshot, kind, files, records, data_kind, sha256 "
        "from meta.source_snapshots order by source"
    ).fetchall()
    lines = [
        "",
        "## Source snapshots",
        "",
        "The ids a `source_snapshot` column names (`meta.source_snapshots` in the database; "
        "a raw source's files are listed in `meta.source_files`):",
        "",
        "| snapshot | kind | files | records | data | sha256 |",
        "|---|---|---|---|---|---|",
    ]
    for snapshot, kind, files, records, data_kind, sha256 in rows:
        count = "" if files is None else f"{files:,}"
        lines.append(
            f"| `{snapshot}` | {kind} | {count} | {records:,} | {data_kind} | `{sha256}` |"
        )
    return lines


# Where both trails place a researcher in a year: how many such researcher-years, and the
# share in which each trail's modal country is the same, summed over the years of
# core.trail_agreement_years (brought up to date by year, and kept when nothing changed:
# computed here from the evidence, it took about 1.7 s of every run at a million works)
TRAIL_AGREEMENT_SQL = """
    select coalesce(sum(compared), 0)::bigint, sum(agreeing) / sum(compared)
    from core.trail_agreement_years
"""


def run_record(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    mode: str,
    started_at: datetime,
    as_of: date,
    version: str,
    reference_tables: tuple[str, ...],
    code: CodeVersion,
) -> dict[str, object]:
    """The ``meta.runs`` row describing this run, read from the working database, with
    the day it is as of (``pipelines.as_of``), the ``code`` it ran
    (``pipelines.provenance.code_commit``) and a digest of the ``reference_tables``
    (``ref.*``) it read."""

    def one(sql: str) -> object:
        row = con.execute(sql).fetchone()
        return row[0] if row else None

    methods = dict(con.execute("select key, value from ref.methods").fetchall())
    compared, agreement = con.execute(TRAIL_AGREEMENT_SQL).fetchone()
    return {
        "run_id": run_id,
        "started_at": started_at,
        "published_at": datetime.now(UTC),
        "as_of": as_of,
        "mode": mode,
        "data_kind": data_kind(con),
        "qcm_version": version,
        "source_files": one("select count(*) from meta.source_files"),
        "source_bytes": one("select coalesce(sum(bytes), 0) from meta.source_files"),
        "source_sha256": one(
            "select sha256(string_agg(source_sha256, ',' order by source, source_file)) "
            "from meta.source_files"
        ),
        "work_records": one("select count(*) from raw.openalex_works"),
        "works_in_scope": one("select count(*) from staging.works"),
        "patent_records": one("select count(*) from raw.patent_documents"),
        "patent_families_in_scope": one("select count(*) from marts.patent_families"),
        "grant_records": one("select count(*) from raw.grants"),
        "grants_in_scope": one("select count(*) from marts.grants"),
        "programme_figures_counted": one(
            "select count(*) from marts.funding_programmes where counted"
        ),
        "author_records": one("select count(*) from raw.openalex_authors"),
        "researchers": one("select count(*) from marts.researchers"),
        "researcher_moves": one("select count(*) from marts.researcher_moves"),
        "trail_years_compared": compared,
        "trail_agreement": agreement,
        "trade_records": one("select count(*) from raw.trade_records"),
        "quarantined": one("select count(*) from meta.quarantine"),
        "schema_version": one("select schema_version from meta.schema_version"),
        "methods": json.dumps(methods, sort_keys=True),
        # the synthesis settings of the run: weights, normalisation, reach, bloc, bootstrap
        "synthesis": json.dumps(
            {
                "weights": dict(
                    con.execute("select family, weight from ref.synthesis_weights").fetchall()
                ),
                **dict(con.execute("select key, value from ref.synthesis_settings").fetchall()),
            },
            sort_keys=True,
        ),
        # what the release did with small numbers (meta.publication_settings)
        "small_numbers": one(
            "select value from ref.publication_settings where key = 'small_numbers'"
        ),
        "code_commit": code.commit,
        "code_modified": code.modified,
        "reference_sha256": reference_sha256(con, reference_tables),
    }
