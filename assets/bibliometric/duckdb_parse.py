"""OpenAlex works parsed by DuckDB, one file at a time, straight into the ``raw`` tables.

The fast path of the parser in ``parse.py``, for corpora too large for Python rows (a
million works is about 16 million raw rows). DuckDB reads each file with explicit
column types, so it never infers a schema and never builds a Python object per record;
SQL applies the same rules as ``parse.parse_work`` and inserts the rows and the
quarantine rows into the working database.

Equivalence is by construction, not by hope: a file is taken by this path only when
every record in it is *regular* (every field of the type the rules expect, every id and
country code in a form whose quarantine message SQL writes exactly as Python does).
A file that DuckDB cannot read with those types, or that holds an irregular record, is
parsed whole by ``parse.parse_files`` instead. Tests check both paths give identical
tables on the sample, the recorded real responses and hand-made defects.

Input: raw files (API list pages, single works, JSON Lines parts, gzipped or not, and
OpenAlex snapshot parts ``updated_date=*/part_*.gz``). Output: rows appended to the raw
tables of ``raw_tables.SCHEMAS`` and a ``FileOutcome`` per file.
"""

from __future__ import annotations

import queue
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from assets.bibliometric.parse import MIN_YEAR, SOURCE, is_json_lines, parse_files, source_name
from assets.bibliometric.raw_tables import SCHEMAS, raw_frames
from assets.bibliometric.snapshot import Slice, is_snapshot_part, manifest_problems
from pipelines.db import append_rows, replace_table, threads_shared
from pipelines.file_hashes import sha256_file
from pipelines.parsing import CountryCodes, key_prefix

# the fields the rules read, with the types a regular record has (everything else in a
# record is never parsed: that is most of the cost saved)
WORK_COLUMNS = {
    "id": "VARCHAR",
    "doi": "VARCHAR",
    "title": "VARCHAR",
    "display_name": "VARCHAR",
    "publication_year": "JSON",
    "publication_date": "VARCHAR",
    "type": "VARCHAR",
    "language": "VARCHAR",
    "cited_by_count": "JSON",
    "fwci": "JSON",
    "is_retracted": "JSON",
    "is_authors_truncated": "JSON",
    "updated_date": "VARCHAR",
    "host_venue": "JSON",
    "awards": "JSON",
    "funders": "JSON",
    "topics": "STRUCT(id VARCHAR, score DOUBLE)[]",
    "primary_topic": "STRUCT(id VARCHAR)",
    "abstract_inverted_index": "MAP(VARCHAR, BIGINT[])",
    "authorships": "STRUCT(author_position VARCHAR, "
    "author STRUCT(id VARCHAR, display_name VARCHAR), "
    "institutions STRUCT(id VARCHAR, display_name VARCHAR, type VARCHAR, "
    "country_code VARCHAR)[], countries VARCHAR[])[]",
}
# an abstract's words are sorted by position * WORDS + word number: one integer sort
WORDS = 1 << 20
# the largest API page or record DuckDB reads (it buffers twice this); OpenAlex pages are
# about 2 MB, a 3,000-author work about 2 MB; a larger one goes to the Python parser
MAX_OBJECT_BYTES = 64 * 1024 * 1024
# text that Python's repr() quotes as '...' unchanged: the quarantine details quote it
PLAIN = r"^[ -&(-\[\]-~]*$"
# what clean_text strips: Python's whitespace at either end, zero-width characters anywhere
ASCII_SPACE = "".join(f"\\x{{{c:02x}}}" for c in (9, 10, 11, 12, 13, 28, 29, 30, 31, 32))
UNICODE_SPACE = r"\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
EDGE_SPACE = f"^[{ASCII_SPACE}{UNICODE_SPACE}]+|[{ASCII_SPACE}{UNICODE_SPACE}]+$"
ZERO_WIDTH = r"[\x{200b}\x{200c}\x{200d}\x{2060}\x{feff}]"

OPENALEX_URL = "https://openalex.org/"

# clean_text in SQL; plain ASCII text (most of it) only needs its ends trimmed, and none
# when neither end is a space or a control character (the only ASCII characters trimmed)
MACROS = f"""
create or replace temp macro qcm_plain_ends(value) as
    strlen(value) = length(value) and ascii(value) > 32 and ascii(right(value, 1)) > 32;
create or replace temp macro qcm_clean(value) as nullif(
    case when qcm_plain_ends(value) then value
         when strlen(value) = length(value)
         then regexp_replace(value, '{EDGE_SPACE}', '', 'g')
         else regexp_replace(regexp_replace(nfc_normalize(value), '{ZERO_WIDTH}', '', 'g'),
                             '{EDGE_SPACE}', '', 'g') end, '');
create or replace temp macro qcm_short_id(value) as
    case when starts_with(value, '{OPENALEX_URL}') and qcm_plain_ends(value)
         then upper(substr(value, {len(OPENALEX_URL) + 1}))
         else upper(regexp_replace(regexp_replace(value, '{EDGE_SPACE}', '', 'g'),
                                   '^https://openalex\\.org/', '')) end;
create or replace temp macro qcm_id_or_null(value, kind) as
    case when regexp_full_match(qcm_short_id(value), kind || '[0-9]+')
         then qcm_short_id(value) end;
create or replace temp macro qcm_int_ok(value) as
    value is null or json_type(value) in ('NULL', 'BIGINT', 'UBIGINT')
    or (json_type(value) = 'VARCHAR'
        and regexp_full_match(json_extract_string(value, '$'), '[0-9]{{1,9}}'));
create or replace temp macro qcm_int(value) as
    case when json_type(value) = 'NULL' or json_extract_string(value, '$') = '' then null
         else try_cast(json_extract_string(value, '$') as bigint) end;
create or replace temp macro qcm_float_ok(value) as
    value is null or json_type(value) in ('NULL', 'BIGINT', 'UBIGINT', 'DOUBLE')
    or (json_type(value) = 'VARCHAR'
        and regexp_full_match(json_extract_string(value, '$'),
                              '-?[0-9]{{1,15}}(\\.[0-9]{{1,15}})?'));
create or replace temp macro qcm_float(value) as
    case when json_type(value) = 'NULL' or json_extract_string(value, '$') = '' then null
         else try_cast(json_extract_string(value, '$') as double) end;
create or replace temp macro qcm_bool_ok(value) as
    value is null or json_type(value) in ('NULL', 'BOOLEAN');
create or replace temp macro qcm_truthy(value) as coalesce(json_type(value) = 'BOOLEAN'
    and try_cast(json_extract_string(value, '$') as boolean), false);
"""


@dataclass(frozen=True)
class FileOutcome:
    """How one raw file was read: its records, how many of them the snapshot slice kept
    (``kept``; 0 when the Python parser read the file), which parser read it
    (``"duckdb"`` or ``"python"``) and why the Python one did."""

    source_file: str
    records: int
    kept: int
    path: str
    reason: str | None = None


def create_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create every OpenAlex raw table, empty, with the types of ``SCHEMAS``."""
    con.execute("create schema if not exists raw")
    for table, schema in SCHEMAS.items():
        replace_table(con, table, pl.DataFrame(schema=schema))


def _read_sql(path: Path, lines: bool) -> str:
    """A select of one file's typed records: every line of JSON Lines, or a page."""
    typed = ", ".join(f"'{k}': '{v}'" for k, v in WORK_COLUMNS.items())
    source = str(path).replace("'", "''")
    options = (
        f"compression = 'auto_detect', maximum_object_size = {MAX_OBJECT_BYTES}, "
        "hive_partitioning = false"  # a snapshot's updated_date=... folders are not columns
    )
    if lines:
        return (
            f"select * from read_json('{source}', format = 'newline_delimited', "
            f"columns = {{{typed}}}, {options})"
        )
    # an API page {"meta": ..., "results": [...]}: one row holding the list of works
    work = ", ".join(f'"{k}" {v}' for k, v in WORK_COLUMNS.items())
    return (
        f"select results from read_json('{source}', format = 'unstructured', "
        f"columns = {{'results': 'STRUCT({work})[]'}}, {options})"
    )


# one pass over a file's records: how many are irregular (the Python parser then takes
# the file: a record of a type the rules do not expect, a null authorship or institution
# (list_count skips nulls), an id whose quarantine message SQL cannot write as Python
# does, a repeated abstract position) and how many lack each field the rules need
CHECKS = """
select count(*) filter (where not (
        (id is null or id = '' or regexp_full_match(qcm_short_id(id), 'W[0-9]+'))
        and (id is null or regexp_matches(id, '{plain}'))
        and qcm_int_ok(publication_year) and qcm_int_ok(cited_by_count)
        and coalesce(qcm_int(cited_by_count), 0) >= 0
        and qcm_float_ok(fwci) and qcm_bool_ok(is_retracted)
        and qcm_bool_ok(is_authors_truncated)
        and coalesce(list_count(authorships) = len(authorships), true)
        and coalesce(list_count(institutions) = len(institutions), true)
        and coalesce(list_unique(flatten(map_values(abstract_inverted_index)))
                     = len(flatten(map_values(abstract_inverted_index))), true)
    )) as irregular,
    count(*) as records,
    count(*) filter (where id is null) as no_id,
    count(*) filter (where publication_year is null) as no_year,
    count(*) filter (where authorships is null) as no_authorships,
    count(*) filter (where cited_by_count is null) as no_cited
from (select *, flatten(list_transform(authorships, a -> a.institutions)) as institutions
      from _qcm_records)
""".replace("{plain}", PLAIN)
# a file's records in file order (the table is written in that order, so its row ids are
# the record indexes; deleting rows leaves the others' ids as they were)
RECORDS = "(select rowid as record_index, * from _qcm_records)"
QUOTE = "'country code ''' || code || ''' in authorship ' || position"
# the authorships' country codes that name no country (blank ones aside), each once per
# authorship (OpenAlex's countries list repeats its institutions' codes), unnested once
# for the two statements that read them, the count below and their quarantine (two
# unnestings took 0.9 s of a million-work part's 13 s, one 0.5 s)
UNUSABLE_CODES = """
create or replace temp table _qcm_unusable_codes as
select distinct record_index, work_id, position, code
from (select record_index, work_id, position, unnest(list_concat(
          list_transform(coalesce(a.institutions, []), i -> i.country_code),
          coalesce(a.countries, []))) as code
      from _qcm_authorships)
where nullif(trim(code), '') is not null
    and upper(trim(code)) not in (select iso2 from _qcm_codes)
"""
# unusable country codes whose quarantine message SQL cannot write as Python does: any
# sends the file to the Python parser (counted inside the file's transaction, which is
# then rolled back)
UNQUOTABLE = f"select count(*) from _qcm_unusable_codes where not regexp_matches(code, '{PLAIN}')"


def _insert_sql(name: str, sha: str, max_year: int) -> list[str]:
    """The statements that append one file's rows to each raw table (regular records).

    Unusable records are quarantined and removed first; the authorships are unnested
    once into ``_qcm_authorships`` for the three tables made of them, and their unusable
    country codes into ``_qcm_unusable_codes`` (``UNUSABLE_CODES``).
    """
    source_file = "'" + name.replace("'", "''") + "'"
    key = f"'{key_prefix(sha)}:' || record_index"
    usable = (
        f"id is not null and id <> '' and publication_year is not null "
        f"and qcm_int(publication_year) between {MIN_YEAR} and {max_year}"
    )
    return [
        f"""
insert into raw.quarantine
select '{SOURCE}', {source_file}, record_index,
    case when id is null or id = '' then null else id end,
    case when id is null or id = '' then 'missing_id'
         when publication_year is null then 'missing_year' else 'year_out_of_range' end,
    case when id is null or id = '' then 'the record has no id'
         when publication_year is null then 'the record has no publication_year'
         else 'publication_year=' || qcm_int(publication_year) end
from {RECORDS}
where not ({usable})""",
        f"delete from _qcm_records where not ({usable})",
        f"""
insert into raw.openalex_works
select qcm_short_id(id), regexp_replace(lower(qcm_clean(doi)), '^https://doi\\.org/', ''),
    qcm_clean(coalesce(nullif(title, ''), display_name)),
    qcm_clean(array_to_string(list_transform(list_sort(flatten(list_transform(
        map_values(abstract_inverted_index),
        (places, word) -> list_transform(places, place -> place * {WORDS} + word)))),
        key -> map_keys(abstract_inverted_index)[key % {WORDS}]), ' ')),
    qcm_int(publication_year), qcm_clean(publication_date), qcm_clean(type),
    qcm_clean(language), qcm_int(cited_by_count), qcm_float(fwci),
    qcm_truthy(is_retracted), qcm_truthy(is_authors_truncated),
    coalesce(len(authorships), 0), qcm_clean(updated_date),
    case when host_venue is not null then '2021-host_venue'
         when awards is not null or funders is not null then '2026-awards'
         when topics is not null then '2025-topics' else '2023-locations' end,
    {source_file}, '{sha}', record_index, {key}
from {RECORDS}""",
        f"""
insert into raw.openalex_work_topics
select {key}, work_id, topic_id, t.score,
    ends_with(coalesce(primary_id, 'None'), '/' || topic_id)
from (select *, upper(regexp_extract(t.id, '[^/]*$')) as topic_id
      from (select record_index, qcm_short_id(id) as work_id, primary_topic.id as primary_id,
                   unnest(topics) as t
            from {RECORDS}))
where t.id is not null and t.id <> ''""",
        f"""
create or replace temp table _qcm_authorships as
select record_index, qcm_short_id(id) as work_id, unnest(authorships) as a,
    generate_subscripts(authorships, 1) - 1 as position
from {RECORDS}""",
        UNUSABLE_CODES,
        UNQUOTABLE,
        f"""
insert into raw.openalex_authorships
select {key}, work_id, position, qcm_id_or_null(a.author.id, 'A'),
    qcm_clean(a.author.display_name), qcm_clean(a.author_position),
    coalesce(len(a.institutions), 0)
from _qcm_authorships""",
        f"""
insert into raw.openalex_institutions
select {key}, work_id, position, qcm_id_or_null(i.id, 'I'),
    qcm_clean(i.display_name), qcm_clean(i.type), qcm_clean(i.country_code), codes.iso3
from (select record_index, work_id, position, unnest(a.institutions) as i
      from _qcm_authorships)
left join _qcm_codes as codes on codes.iso2 = upper(trim(i.country_code))""",
        f"""
insert into raw.openalex_authorship_countries
-- the authorship's own list when it names a usable country; else (no list, or one naming
-- none) its institutions' countries. Found by joins: testing each list against every code
-- (list_has_any) builds a set per authorship: 2.4 s of a million-work part's 13 s, 0.8 s so
with listed as (
    select distinct record_index, work_id, position, codes.iso3
    from (select record_index, work_id, position, unnest(a.countries) as code
          from _qcm_authorships)
    inner join _qcm_codes as codes on codes.iso2 = upper(trim(code))
)
select {key}, work_id, position, iso3, 'countries' from listed
union all
select distinct {key}, work_id, position, codes.iso3, 'institutions'
from (select record_index, work_id, position, unnest(a.institutions).country_code as code
      from _qcm_authorships
      anti join listed using (record_index, position))
inner join _qcm_codes as codes on codes.iso2 = upper(trim(code))""",
        f"""
insert into raw.quarantine
select '{SOURCE}', {source_file}, record_index, work_id,
    case when upper(trim(code)) in (select code from _qcm_historical)
         then 'historical_country_code' else 'invalid_country_code' end,
    {QUOTE}
from _qcm_unusable_codes""",
        "drop table _qcm_unusable_codes",
        "drop table _qcm_authorships",
    ]


@contextmanager
def rules_cursor(
    con: duckdb.DuckDBPyConnection, codes: CountryCodes
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor of ``con`` ready for the SQL rules (``MACROS`` and ``codes`` loaded into
    its temporary schema), closed after the block."""
    cursor = con.cursor()
    try:
        cursor.execute(MACROS)
        _load_codes(cursor, codes)
        yield cursor
    finally:
        cursor.close()


def _load_codes(con: duckdb.DuckDBPyConnection, codes: CountryCodes) -> None:
    """Write ``codes`` into the temporary tables the SQL rules read: ``_qcm_codes`` (ISO2,
    ISO3) and ``_qcm_historical`` (withdrawn codes)."""
    rows = sorted(codes.iso2_to_iso3.items())
    con.execute("create or replace temp table _qcm_codes (iso2 varchar, iso3 varchar)")
    if rows:
        con.executemany("insert into _qcm_codes values (?, ?)", rows)
    con.execute("create or replace temp table _qcm_historical (code varchar)")
    if codes.historical:
        con.executemany("insert into _qcm_historical values (?)", [[c] for c in codes.historical])


def _append_python(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    root: Path,
    codes: CountryCodes,
    max_year: int,
    keep: Slice | None,
) -> tuple[int, str]:
    """Parse one file with the Python parser, append its rows; return records and status."""
    batch = parse_files([path], root, codes, max_year, keep.keeps if keep else None)
    for table, frame in raw_frames(batch, [], "").items():
        if table not in ("raw.openalex_merged_ids", "raw.source_files"):
            append_rows(con, table, frame)
    return batch.files[0]["records"], batch.files[0]["status"]


def quarantine_manifests(con: duckdb.DuckDBPyConnection, paths: Sequence[Path], root: Path) -> int:
    """Quarantine the problems of the manifest of every snapshot folder among ``paths``
    (parts listed but missing or of another size); return how many."""
    problems = [
        problem
        for folder in sorted({path.parent.parent for path in paths if is_snapshot_part(path)})
        for problem in manifest_problems(folder, root)
    ]
    for problem in problems:
        con.execute(
            "insert into raw.quarantine values (?, ?, null, null, ?, ?)",
            [SOURCE, problem.source_file, problem.reason, problem.detail],
        )
    return len(problems)


def read_files(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[Path],
    root: Path,
    codes: CountryCodes,
    max_year: int,
    data_kind: str,
    snapshot_slice: Slice | None = None,
    manifests: bool = True,
    checksums: Mapping[Path, str] | None = None,
    workers: int = 2,
) -> list[FileOutcome]:
    """Append the rows of every file to the raw tables (which must exist).

    Each file is read by DuckDB when every record in it is regular, else by the Python
    parser; either way its rows and quarantine rows are appended and a ``raw.source_files``
    row is written. The parts of an OpenAlex snapshot keep only ``snapshot_slice`` (when
    given), and their manifests' problems are quarantined (unless ``manifests`` is False:
    a caller reading some of a snapshot's parts quarantines them itself). ``checksums``
    holds the SHA-256 of files the caller has already hashed. ``workers``
    files are read at once, each on its own cursor and in its own transaction (a gzipped
    file is read by one thread, so two files keep two cores busy), sharing DuckDB's
    threads (``pipelines.db.threads_shared``). Returns one
    ``FileOutcome`` per file, in the order of ``paths``.
    """
    if manifests:
        quarantine_manifests(con, paths, root)
    todo: queue.SimpleQueue[tuple[int, Path]] = queue.SimpleQueue()
    for job in enumerate(paths):
        todo.put(job)
    outcomes: dict[int, FileOutcome] = {}

    def worker() -> None:
        with rules_cursor(con, codes) as cursor:
            while True:
                try:
                    number, path = todo.get_nowait()
                except queue.Empty:
                    return
                keep = snapshot_slice if is_snapshot_part(path) else None
                sha = (checksums or {}).get(path) or sha256_file(path)
                outcomes[number] = _read_file(
                    cursor, path, sha, root, codes, max_year, keep, data_kind
                )

    readers = max(1, min(workers, len(paths)))
    with threads_shared(con, readers), ThreadPoolExecutor(max_workers=readers) as pool:
        for running in [pool.submit(worker) for _ in range(readers)]:
            running.result()
    return [outcomes[number] for number in range(len(paths))]


def _read_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    sha: str,
    root: Path,
    codes: CountryCodes,
    max_year: int,
    keep: Slice | None,
    data_kind: str,
) -> FileOutcome:
    """Append one file's rows (by DuckDB, or by Python when it is not regular) and its
    ``raw.source_files`` row (``sha``: the file's SHA-256); return how it was read."""
    name = source_name(path, root)
    outcome = _read_with_duckdb(con, path, name, sha, max_year, keep)
    status = "read"
    if outcome.path == "python":
        records, status = _append_python(con, path, root, codes, max_year, keep)
        outcome = FileOutcome(name, records, outcome.kept, "python", outcome.reason)
    con.execute(
        "insert into raw.source_files values (?, ?, ?, ?, ?, ?, ?)",
        [SOURCE, name, sha, path.stat().st_size, outcome.records, status, data_kind],
    )
    return outcome


def _read_with_duckdb(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    name: str,
    sha: str,
    max_year: int,
    keep: Slice | None,
) -> FileOutcome:
    """Append one file's rows by SQL; a ``python`` outcome when the file is not regular."""
    try:
        if is_json_lines(path):
            con.execute(f"create or replace temp table _qcm_records as {_read_sql(path, True)}")
        else:
            pages = con.execute(f"select results is not null from ({_read_sql(path, False)})")
            if pages.fetchall() != [(True,)]:
                return FileOutcome(name, 0, 0, "python", "not an API list page")
            con.execute(
                "create or replace temp table _qcm_records as "
                f"select unnest(results, max_depth := 2) from ({_read_sql(path, False)})"
            )
    except duckdb.Error as err:
        return FileOutcome(name, 0, 0, "python", f"DuckDB cannot read it typed: {err}"[:300])
    irregular, records, *missing = con.execute(CHECKS).fetchone()
    if irregular:
        return FileOutcome(name, records, 0, "python", f"{irregular} irregular record(s)")
    if records and any(n == records for n in missing):
        return FileOutcome(name, records, 0, "python", "a field the rules need is in no record")
    if keep is not None:
        con.execute(f"delete from _qcm_records where not ({keep.sql()})")
    kept = con.execute("select count(*) from _qcm_records").fetchone()[0]
    con.execute("begin transaction")
    try:
        for statement in _insert_sql(name, sha, max_year):
            result = con.execute(statement)
            if statement is UNQUOTABLE and result.fetchone()[0]:
                con.execute("rollback")
                return FileOutcome(name, records, 0, "python", "a country code SQL cannot quote")
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")
    con.execute("drop table _qcm_records")  # one file's records in memory at a time
    return FileOutcome(name, records, kept, "duckdb")
