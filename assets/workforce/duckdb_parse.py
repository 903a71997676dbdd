"""OpenAlex author records parsed by DuckDB, a JSON Lines file at a time, into raw frames.

The fast path of the parser in ``parse.py`` for the bulk files (an OpenAlex snapshot's
author parts, or a folder of them): at a million works a build reads about 333,000
author records, which the Python parser turns into dicts one by one. DuckDB reads each
file with explicit column types, so it never infers a schema and never builds a Python
object per record; SQL applies the rules of ``parse.parse_author`` and the frames come
out typed as ``raw_tables.SCHEMAS``.

As for the works (``assets.bibliometric.duckdb_parse``), equivalence is by construction:
a file is taken by this path only when every record in it is *regular*, so that SQL
meets no case in which its rules would differ from Python's:

- an author id of the form ``https://openalex.org/A123`` (or ``A123``), in plain ASCII;
- ``display_name``, ``orcid`` and ``updated_date`` strings or null, ``works_count`` an
  integer or null;
- an ``affiliations`` list (the 2025 generation: a 2023-era record has none, and which
  of its place fields are absent rather than null decides its rows, which typed columns
  cannot tell), of objects each with an institution object and a list of integer years
  from 1900;
- no singular ``last_known_institution`` beside a missing or null plural list (the same
  absent-or-null question), no null in the plural list;
- every country code, once cleaned, in plain ASCII (the quarantine message quotes it).

Any other file (an API page, a single record, a line that is not an object or not
JSON, a field of another type, an irregular record) is parsed whole by
``parse.parse_batches``. Tests check both paths give the same rows on the embedded
sample, the recorded real responses and hand-made defects.

Input: raw author files and what the rules need (country codes, the last valid year, the
kind of data). Output: per file, ``{"raw.<table>": frame}`` for the parsed author tables.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb
import polars as pl

from assets.bibliometric.duckdb_parse import PLAIN, rules_cursor
from assets.bibliometric.parse import is_json_lines, source_name
from assets.workforce.parse import DELETED_NAME, MIN_YEAR, SOURCE, parse_batches
from assets.workforce.raw_tables import PARSED_TABLES, SCHEMAS, raw_frames
from pipelines.file_hashes import sha256_file
from pipelines.parse_cache import Frames
from pipelines.parsing import CountryCodes, key_prefix

INSTITUTION = "STRUCT(id VARCHAR, display_name VARCHAR, type VARCHAR, country_code VARCHAR)"
# the fields the rules read, with the types a regular record has: the record's scalars as
# JSON, so that a number where text belongs is seen (Python would write it as text its
# own way); an institution's fields as text, as the works' reader reads them
AUTHOR_COLUMNS = {
    "id": "VARCHAR",
    "display_name": "JSON",
    "orcid": "JSON",
    "works_count": "JSON",
    "updated_date": "JSON",
    "affiliations": f"STRUCT(institution {INSTITUTION}, years JSON[])[]",
    "last_known_institutions": f"{INSTITUTION}[]",
    "last_known_institution": "JSON",
}
# a file's records in file order (the table is written in that order, so its row ids are
# the record indexes)
AUTHORS = "(select rowid as record_index, * from _qcm_authors)"
# a JSON integer (DuckDB types a positive one UBIGINT) that fits in a BIGINT
INTEGER_OK = "(json_type({0}) in ('BIGINT', 'UBIGINT') and try_cast({0} as bigint) is not null)"
# an affiliation year of a regular record: an integer from MIN_YEAR
YEAR_OK = f"coalesce({INTEGER_OK.format('y')} and try_cast(y as bigint) >= {MIN_YEAR}, false)"
TEXT_OK = "({0} is null or json_type({0}) in ('NULL', 'VARCHAR'))"
# one pass over a file's records: how many are irregular (see the module doc), and all
CHECKS = f"""
select count(*) filter (where not (
        id is not null and regexp_matches(id, '{PLAIN}')
        and regexp_full_match(qcm_short_id(id), 'A[0-9]+')
        and {TEXT_OK.format("display_name")} and {TEXT_OK.format("orcid")}
        and {TEXT_OK.format("updated_date")}
        and (works_count is null or json_type(works_count) = 'NULL'
             or {INTEGER_OK.format("works_count")})
        and affiliations is not null and list_count(affiliations) = len(affiliations)
        and coalesce(list_bool_and(list_transform(affiliations,
            a -> a.institution is not null and a.years is not null
                 and list_count(a.years) = len(a.years)
                 and coalesce(list_bool_and(list_transform(a.years, y -> {YEAR_OK})), true)
            )), true)
        and (last_known_institutions is not null or last_known_institution is null
             or json_type(last_known_institution) = 'NULL')
        and coalesce(list_count(last_known_institutions) = len(last_known_institutions), true)
        and coalesce(list_bool_and(list_transform(list_concat(
                list_transform(affiliations, a -> a.institution.country_code),
                list_transform(last_known_institutions, i -> i.country_code)),
            code -> qcm_clean(code) is null or regexp_matches(qcm_clean(code), '{PLAIN}'))),
            true)
    )), count(*)
from _qcm_authors
"""
# every institution of a record, where it stands (an affiliation, with its position and
# years, or the last-known list, with its position), with its columns as
# parse._institution writes them and its raw id (for the quarantine's message)
INSTITUTIONS = f"""
create or replace temp table _qcm_institutions as
select record_index, author_id, place, position, years,
    qcm_id_or_null(inst.id, 'I') as institution_id,
    qcm_clean(inst.display_name) as institution_name,
    qcm_clean(inst.type) as institution_type,
    qcm_clean(inst.country_code) as country_code_raw, codes.iso3 as country_iso3,
    inst.id as raw_id
from (select record_index, author_id, 'affiliation' as place, position,
             a.institution as inst, a.years as years
      from (select record_index, qcm_short_id(id) as author_id, unnest(affiliations) as a,
                   generate_subscripts(affiliations, 1) - 1 as position
            from {AUTHORS})
      union all
      select record_index, author_id, 'last_known', position, inst, null
      from (select record_index, qcm_short_id(id) as author_id,
                   unnest(last_known_institutions) as inst,
                   generate_subscripts(last_known_institutions, 1) - 1 as position
            from {AUTHORS}))
left join _qcm_codes as codes on codes.iso2 = upper(qcm_clean(inst.country_code))
"""
INSTITUTION_COLUMNS = (
    "institution_id, institution_name, institution_type, country_code_raw, country_iso3"
)


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _frames_sql(name: str, sha: str, max_year: int) -> dict[str, str]:
    """The select of each parsed table's rows from one file's regular records."""
    key, source_file = f"'{key_prefix(sha)}:' || record_index", _quoted(name)
    return {
        "raw.openalex_authors": f"""
select qcm_short_id(id) as author_id, qcm_clean(display_name ->> '$') as display_name,
    qcm_clean(orcid ->> '$') as orcid, (works_count ->> '$')::bigint as works_count,
    coalesce(qcm_clean(display_name ->> '$') = '{DELETED_NAME}', false) as is_deleted,
    len(affiliations) as affiliations_listed, qcm_clean(updated_date ->> '$') as updated_date,
    '2025-affiliations' as schema_generation, {source_file} as source_file,
    '{sha}' as source_sha256, record_index, {key} as record_key
from {AUTHORS}
order by record_index""",
        "raw.openalex_author_affiliations": f"""
select {key} as record_key, author_id, position, year, {INSTITUTION_COLUMNS}
from (select *, unnest(list_distinct(list_transform(years, y -> y::bigint))) as year
      from _qcm_institutions where place = 'affiliation')
where year <= {max_year}
order by record_index, position, year""",
        "raw.openalex_author_last_known": f"""
select {key} as record_key, author_id, position, 'last_known_institutions' as origin,
    {INSTITUTION_COLUMNS}
from _qcm_institutions
where place = 'last_known'
order by record_index, position""",
        "raw.author_quarantine": f"""
select '{SOURCE}' as source, {source_file} as source_file, record_index,
    author_id as record_id, reason, detail
from (
    select record_index, author_id, place, position, 0 as number,
        case when upper(country_code_raw) in (select code from _qcm_historical)
             then 'historical_country_code' else 'invalid_country_code' end as reason,
        substr('country code ''' || country_code_raw || ''' of '
            || coalesce(raw_id, 'None'), 1, 500) as detail
    from _qcm_institutions
    where country_code_raw is not null and country_iso3 is null
    union all
    select record_index, author_id, place, position, number, 'future_year',
        'affiliation year ' || year || ' after {max_year}'
    from (select *, unnest(list_transform(years, y -> y::bigint)) as year,
                 generate_subscripts(years, 1) as number
          from _qcm_institutions where place = 'affiliation')
    where year > {max_year})
order by record_index, place, position, number""",
    }


def _read_sql(path: Path) -> str:
    """A select of one JSON Lines file's typed records."""
    typed = ", ".join(f"'{k}': '{v}'" for k, v in AUTHOR_COLUMNS.items())
    return (
        f"select * from read_json({_quoted(str(path))}, format = 'newline_delimited', "
        f"columns = {{{typed}}}, compression = 'auto_detect')"
    )


def _file_frames(
    con: duckdb.DuckDBPyConnection, path: Path, name: str, data_kind: str, max_year: int
) -> Frames | str:
    """The parsed tables of one file (named ``name``) made by SQL on ``con`` (a
    ``rules_cursor``), or, when DuckDB cannot read it typed or a record in it is
    irregular, why not (the Python parser then reads it)."""
    try:
        con.execute(f"create or replace temp table _qcm_authors as {_read_sql(path)}")
    except duckdb.Error as error:
        return f"DuckDB cannot read it typed: {error}"[:300]
    try:
        irregular, records = con.execute(CHECKS).fetchone()
        if irregular:
            return f"{irregular} irregular record(s)"
        sha = sha256_file(path)
        con.execute(INSTITUTIONS)
        frames = {
            table: con.execute(sql).pl().cast(SCHEMAS[table])
            for table, sql in _frames_sql(name, sha, max_year).items()
        }
    finally:
        con.execute("drop table if exists _qcm_institutions")
        con.execute("drop table _qcm_authors")
    frames["raw.author_source_files"] = pl.DataFrame(
        [[SOURCE, name, sha, path.stat().st_size, records, "read", data_kind]],
        schema=SCHEMAS["raw.author_source_files"],
        orient="row",
    )
    return frames


def parse_frames(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[Path],
    root: Path,
    codes: CountryCodes,
    max_year: int,
    data_kind: str,
    taken: list[tuple[str, str, str]] | None = None,
) -> Iterator[Frames]:
    """The parsed author tables (``raw_tables.PARSED_TABLES``) of every file: a batch per
    JSON Lines file DuckDB reads, ``parse.parse_batches``'s batches for each other file,
    one batch of empty tables when there is no file (``root``: what the files are named
    relative to; ``data_kind`` labels them). DuckDB works on a cursor of ``con`` (the
    working database: within its memory limit, spilling where it spills), in temporary
    tables only. ``taken``, when given, gets each file's name, the parser that read it
    (``"duckdb"`` or ``"python"``) and why DuckDB did not (empty when it did)."""
    if not paths:  # the Python parser's one batch of empty tables
        yield from _python_batches([], root, codes, max_year, data_kind)
        return
    with rules_cursor(con, codes) as cursor:
        for path in paths:
            name = source_name(path, root)
            frames: Frames | str = "not JSON Lines"
            if is_json_lines(path):
                frames = _file_frames(cursor, path, name, data_kind, max_year)
            if isinstance(frames, str):
                if taken is not None:
                    taken.append((name, "python", frames))
                yield from _python_batches([path], root, codes, max_year, data_kind)
            else:
                if taken is not None:
                    taken.append((name, "duckdb", ""))
                yield frames


def _python_batches(
    paths: list[Path], root: Path, codes: CountryCodes, max_year: int, data_kind: str
) -> Iterator[Frames]:
    """``parse.parse_batches``'s batches of ``paths`` as frames of the parsed tables."""
    for batch in parse_batches(paths, root, codes, max_year):
        frames = raw_frames(batch, [], data_kind)
        yield {table: frames[table] for table in PARSED_TABLES}
