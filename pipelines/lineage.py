"""What each table of the working database was built from, so that a build keeps a table
whose inputs did not change, and a contract check that passed on the same table is not
run again.

A table's signature stands for its rows:

- a table built from a SQL file is signed by its lineage: the SHA-256 of the SQL text
  without its comments (with the run's day written in where it reads the date, the year
  alone where it reads only the year: ``pipelines.as_of``), whether it is a table or a
  view, the signatures of the tables it reads and DuckDB's version. The same SQL
  over the same rows gives the same rows, so a build whose signature for the table is
  the one the table was built under keeps the table (``built``: written only once the
  table is);
- any other table (written by Python: the raw, reference and classification tables) is
  signed by its content: the SHA-256 of its columns and types, its row count and the
  sum of its rows' hashes (DuckDB's ``hash`` of the whole row: the same rows in any
  order give the same sum). It is taken at most once per run, when a step first needs
  it, as every writer of such a table runs before its readers (``contents``). A writer
  that knows what decides its table's rows may sign it by that instead, in the run that
  wrote it (``declare``: the raw OpenAlex tables are signed by the ingest key and their
  files' checksums, which spares a scan of millions of rows in every run); a run that
  does not write the table signs it by its content.

A writer that changed only some rows of its table (the raw OpenAlex tables after reading
the new and changed files alone) may name them (``record_rewritten``), with the signature
the table had before: the table's contract check then runs its expectations on those rows
alone when the check last passed on the table as it was (``pipelines.checks``). A
published SQL table brought up to date by work names them too, for the publish
(``pipelines.work_delta.record_rewritten_works``).

A contract check that passed is recorded under a key made of the contract file, the
checking code, the versions of DuckDB and Great Expectations, and the signatures of the
table and of every table the contract reads (``verified``); a later check with the same
key reports that pass without reading the table. Its expectations' pass is recorded too,
under the same key made of the table and the tables its ``in_ref`` tests read alone
(``expectations_key``): a check on rewritten rows needs that pass on the table as it was,
whatever its SQL checks read. Everything here lives in the working
database's ``lineage`` schema, which is never published; deleting it only makes the next
build build and check everything.
"""

import dataclasses
import hashlib
import json
import re
from collections.abc import Collection, Mapping
from functools import cache
from importlib.metadata import version
from pathlib import Path

import duckdb

from pipelines.contracts import Contract, table_columns

SCHEMA = "lineage"
BUILT = f"{SCHEMA}.built"
CONTENTS = f"{SCHEMA}.contents"
VERIFIED = f"{SCHEMA}.verified"
REWRITTEN = f"{SCHEMA}.rewritten"
# runs that logged themselves in meta.runs and have not published yet (``meta_assets``)
UNPUBLISHED = f"{SCHEMA}.unpublished_runs"
TABLE_REF = re.compile(r"\b(ref|raw|staging|core|indicators|marts|meta)\.([a-z_][a-z0-9_]*)\b")
# a SQL text's quoted strings and names, and its comments (to the line's end, or between
# /* and */): whichever begins first wins, so a "--" inside quotes is no comment and a
# quote inside a comment opens no string
QUOTED_OR_COMMENT = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*[\s\S]*?\*/")
# what decides a check's verdict besides the table and its contract
CHECKING_CODE = Path(__file__).with_name("contracts.py")


def sql_code(sql: str) -> str:
    """A SQL text without its ``--`` and ``/* */`` comments (either in a quoted string or
    name is kept), line for line."""
    return "\n".join(QUOTED_OR_COMMENT.sub(_uncommented, sql).splitlines())


def _uncommented(match: re.Match[str]) -> str:
    """A match of ``QUOTED_OR_COMMENT``: a comment goes (but for the line breaks in it), a
    quoted string or name stays."""
    text = match.group()
    return "\n" * text.count("\n") if text.startswith(("--", "/*")) else text


def referenced_tables(sql: str) -> set[str]:
    """The qualified ``schema.table`` names a SQL text reads (comments ignored)."""
    return {f"{schema}.{table}" for schema, table in TABLE_REF.findall(sql_code(sql))}


def expectation_reads(contract: Contract) -> set[str]:
    """The tables a contract's expectations read besides its own: those of its ``in_ref``
    tests."""
    reads = {
        test["in_ref"].rsplit(".", 1)[0]
        for column in contract.columns
        for test in column.tests
        if isinstance(test, dict) and "in_ref" in test
    }
    return reads - {contract.table}


def contract_reads(contract: Contract) -> set[str]:
    """The tables a contract's checks read besides its own: those of its ``in_ref`` tests
    and those its SQL checks name."""
    reads = expectation_reads(contract)
    for check in contract.checks:
        reads |= referenced_tables(check["sql"])
    return reads - {contract.table}


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ``lineage`` schema and its tables where they are missing (done when the
    working database is opened for writing, ``pipelines.db.open_database``)."""
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute(
        f"create table if not exists {BUILT} (table_name varchar primary key, "
        "signature varchar not null, row_count bigint not null, run_id varchar not null)"
    )
    con.execute(
        f"create table if not exists {CONTENTS} (table_name varchar primary key, "
        "signature varchar not null, run_id varchar not null)"
    )
    con.execute(
        f"create table if not exists {VERIFIED} (check_name varchar primary key, "
        "key varchar not null, expectations bigint not null, run_id varchar not null)"
    )
    # the key of the pass's expectations alone (``expectations_key``), added after the rest
    con.execute(f"alter table {VERIFIED} add column if not exists expectations_key varchar")
    con.execute(f"create table if not exists {UNPUBLISHED} (run_id varchar primary key)")
    con.execute(
        f"create table if not exists {REWRITTEN} (table_name varchar primary key, "
        "previous varchar not null, key_column varchar not null, rows varchar not null, "
        "what varchar not null, run_id varchar not null)"
    )


def content_signature(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The signature of ``table``'s rows as they are now (one scan of the table)."""
    columns = table_columns(con, table)
    if not columns:
        return _digest(["absent", table])
    # the alias is the whole row as a struct (unless a column has its name: none does)
    rows, total = con.execute(
        f"select count(*), sum(hash(_qcm_row)) from {table} as _qcm_row"
    ).fetchone()
    return _digest([columns, rows, str(total)])


def declared(table: str, decided_by: object) -> str:
    """The signature ``declare`` gives ``table`` for ``decided_by``."""
    return _digest(["declared", table, decided_by])


def declare(con: duckdb.DuckDBPyConnection, table: str, decided_by: object, run_id: str) -> str:
    """Sign ``table`` for the rest of run ``run_id`` by what decides its rows
    (``decided_by``: any JSON value, such as an ingest key and the checksums of the files
    read) instead of by its content; its writer calls this once the table is whole.
    Returns the signature."""
    signed = declared(table, decided_by)
    con.execute(f"insert or replace into {CONTENTS} values (?, ?, ?)", [table, signed, run_id])
    return signed


def last_signed(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    """The signature ``table`` was last given (by its content or by its writer, in any
    run), or None when it has none: the one it has as it is, since its writer calls
    ``unsign`` before changing it."""
    row = con.execute(f"select signature from {CONTENTS} where table_name = ?", [table]).fetchone()
    return row[0] if row else None


def unsign(con: duckdb.DuckDBPyConnection, tables: Collection[str]) -> None:
    """Forget the signatures and rewritten rows of ``tables`` before their writer changes
    them: if it stops midway, no later step trusts a signature of the rows before."""
    for table in tables:
        con.execute(f"delete from {CONTENTS} where table_name = ?", [table])
        con.execute(f"delete from {REWRITTEN} where table_name = ?", [table])


def record_rewritten(
    con: duckdb.DuckDBPyConnection,
    table: str,
    previous: str,
    key_column: str,
    rows: str,
    what: str,
    run_id: str,
) -> None:
    """Record that run ``run_id`` wrote again only the rows of ``table`` that the SQL
    condition ``rows`` selects (by ``key_column``, which no kept row shares with them;
    ``what`` names them in the log), the table having been signed ``previous`` before."""
    con.execute(
        f"insert or replace into {REWRITTEN} values (?, ?, ?, ?, ?, ?)",
        [table, previous, key_column, rows, what, run_id],
    )


def rewritten(
    con: duckdb.DuckDBPyConnection, table: str, run_id: str
) -> tuple[str, str, str, str] | None:
    """The previous signature, key column, row condition and name of the rows of
    ``table`` that run ``run_id`` wrote again (``record_rewritten``), or None."""
    return con.execute(
        f"select previous, key_column, rows, what from {REWRITTEN} "
        "where table_name = ? and run_id = ?",
        [table, run_id],
    ).fetchone()


def signatures(
    con: duckdb.DuckDBPyConnection,
    tables: Collection[str],
    run_id: str,
    sql_tables: Collection[str],
) -> dict[str, str]:
    """The signature of each of ``tables`` for a step of run ``run_id``.

    A table in ``sql_tables`` (built from a SQL file) has the lineage signature it was
    last built under; any other table (or one built before this was recorded) its content
    signature, taken once per run and kept for the run's later steps.
    """
    wanted = sorted(tables)
    built = {
        table: signed
        for table, signed in con.execute(f"select table_name, signature from {BUILT}").fetchall()
        if table in sql_tables
    }
    taken = dict(
        con.execute(
            f"select table_name, signature from {CONTENTS} where run_id = ?", [run_id]
        ).fetchall()
    )
    found = {t: built.get(t) or taken.get(t) for t in wanted}
    for table in (t for t in wanted if found[t] is None):
        found[table] = content_signature(con, table)
        con.execute(
            f"insert or replace into {CONTENTS} values (?, ?, ?)", [table, found[table], run_id]
        )
    return found


def lineage_signature(sql: str, materialized: str, inputs: Mapping[str, str]) -> str:
    """The signature of a table built by ``sql`` (a table or a view, with the run's day
    written in where it reads the date: ``pipelines.as_of.dated``) from tables whose
    signatures are ``inputs``; comments do not count."""
    code = "\n".join(line.rstrip() for line in sql_code(sql).splitlines() if line.strip())
    return _digest(
        {
            "sql": code,
            "materialized": materialized,
            "inputs": sorted(inputs.items()),
            "duckdb": duckdb.__version__,
        }
    )


def kept_rows(con: duckdb.DuckDBPyConnection, table: str, signed: str) -> int | None:
    """The row count of ``table`` when it was built under the signature ``signed`` and
    still holds as many rows; None when it must be built."""
    found = con.execute(
        f"select row_count from {BUILT} where table_name = ? and signature = ?", [table, signed]
    ).fetchone()
    if found is None:
        return None
    try:
        rows = con.execute(f"select count(*) from {table}").fetchone()[0]
    except duckdb.CatalogException:
        return None
    return rows if rows == found[0] else None


def record_build(
    con: duckdb.DuckDBPyConnection, table: str, signed: str, rows: int, run_id: str
) -> None:
    """Record that ``table`` now holds ``rows`` rows built under ``signed`` in ``run_id``."""
    con.execute(
        f"insert or replace into {BUILT} values (?, ?, ?, ?)", [table, signed, rows, run_id]
    )


@cache
def _checking() -> str:
    """The digest of what decides every check's verdict besides its table and contract:
    the checking code and the versions of DuckDB and Great Expectations (read once per
    process; a build runs about 200 checks)."""
    code = CHECKING_CODE.read_text(encoding="utf-8")
    return _digest([code, duckdb.__version__, version("great_expectations")])


def check_key(contract: Contract, signatures: Mapping[str, str], checks: bool = True) -> str:
    """The key of a contract check: the contract file, the checking code, the versions of
    DuckDB and Great Expectations, the ``signatures`` of the table and the tables the
    contract reads, and (with ``checks``) the SQL of its checks as the build runs them,
    the day they read written in (``pipelines.as_of.dated_checks``)."""
    if contract.path:
        text = contract.path.read_text(encoding="utf-8")
    else:  # a contract made in code: its SQL checks as they are run (below) or not at all
        text = repr(dataclasses.replace(contract, checks=()))
    run = [check["sql"] for check in contract.checks] if checks else []
    return _digest(
        {
            "contract": text,
            "checking": _checking(),
            "tables": sorted(signatures.items()),
            "checks": run,
        }
    )


def expectations_key(contract: Contract, signatures: Mapping[str, str]) -> str:
    """The key of a contract's expectations alone (its column and uniqueness tests, not its
    SQL checks): ``check_key`` over the ``signatures`` of the table and of the tables its
    ``in_ref`` tests read, the others left out (the same key when it has no other), without
    its SQL checks' day."""
    read = {contract.table} | expectation_reads(contract)
    signed = {t: signed for t, signed in signatures.items() if t in read}
    return check_key(contract, signed, checks=False)


def verified(
    con: duckdb.DuckDBPyConnection, check: str, key: str, column: str = "key"
) -> tuple[int, str] | None:
    """The expectations counted and the run of the pass of ``check`` under ``key`` (the
    whole check's, or with ``column`` ``expectations_key`` its expectations'), or None
    when it has not passed under that key."""
    if column not in ("key", "expectations_key"):
        raise ValueError(f"no such key column: {column!r}")
    return con.execute(
        f"select expectations, run_id from {VERIFIED} where check_name = ? and {column} = ?",
        [check, key],
    ).fetchone()


def record_check(
    con: duckdb.DuckDBPyConnection,
    check: str,
    key: str | None,
    expectations: int,
    run_id: str,
    expectations_key: str | None = None,
) -> None:
    """Record that ``check`` passed under ``key`` in ``run_id``, its expectations under
    ``expectations_key`` (``key`` None: it failed, and no earlier pass counts any more)."""
    con.execute(f"delete from {VERIFIED} where check_name = ?", [check])
    if key is not None:
        con.execute(
            f"insert into {VERIFIED} (check_name, key, expectations, run_id, expectations_key) "
            "values (?, ?, ?, ?, ?)",
            [check, key, expectations, run_id, expectations_key],
        )
