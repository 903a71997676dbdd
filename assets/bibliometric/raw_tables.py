"""Turn a parsed batch into typed frames for the ``raw`` schema.

Input: a ``ParsedBatch`` from ``parse.parse_files``; output: ``{"raw.<table>": frame}``
with fixed column types, so an empty batch still yields correctly typed tables.
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import duckdb
import polars as pl

from assets.bibliometric.parse import ParsedBatch

S, N, F, B = pl.String, pl.Int64, pl.Float64, pl.Boolean
SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "raw.openalex_works": {
        "work_id": S,
        "doi": S,
        "title": S,
        "abstract": S,
        "publication_year": N,
        "publication_date": S,
        "work_type": S,
        "language": S,
        "cited_by_count": N,
        "fwci": F,
        "is_retracted": B,
        "is_authors_truncated": B,
        "authorships_listed": N,
        "updated_date": S,
        "schema_generation": S,
        "source_file": S,
        "source_sha256": S,
        "record_index": N,
        "record_key": S,
    },
    "raw.openalex_work_topics": {
        "record_key": S,
        "work_id": S,
        "topic_id": S,
        "score": F,
        "is_primary": B,
    },
    "raw.openalex_authorships": {
        "record_key": S,
        "work_id": S,
        "position": N,
        "author_id": S,
        "author_name": S,
        "author_position": S,
        "institutions_listed": N,
    },
    "raw.openalex_authorship_countries": {
        "record_key": S,
        "work_id": S,
        "position": N,
        "country_iso3": S,
        "origin": S,
    },
    "raw.openalex_institutions": {
        "record_key": S,
        "work_id": S,
        "position": N,
        "institution_id": S,
        "institution_name": S,
        "institution_type": S,
        "country_code_raw": S,
        "country_iso3": S,
    },
    "raw.openalex_merged_ids": {"merge_date": S, "old_id": S, "merge_into_id": S, "source_file": S},
    "raw.quarantine": {
        "source": S,
        "source_file": S,
        "record_index": N,
        "record_id": S,
        "reason": S,
        "detail": S,
    },
    "raw.source_files": {
        "source": S,
        "source_file": S,
        "source_sha256": S,
        "bytes": N,
        "records": N,
        "status": S,
        "data_kind": S,
    },
}
BATCH_FIELDS = {
    "raw.openalex_works": "works",
    "raw.openalex_work_topics": "topics",
    "raw.openalex_authorships": "authorships",
    "raw.openalex_authorship_countries": "authorship_countries",
    "raw.openalex_institutions": "institutions",
    "raw.quarantine": "quarantine",
    "raw.source_files": "files",
}


# the header of OpenAlex's merged-ids files
MERGED_HEADER = ["merge_date", "id", "merge_into_id"]
# OpenAlex's entities, as a merged-ids file's name or folder names them
ENTITIES = (
    "works",
    "authors",
    "institutions",
    "sources",
    "concepts",
    "publishers",
    "funders",
    "topics",
)


def merged_id_files(directory: Path, entity: str) -> list[Path]:
    """OpenAlex's merged-ids files of ``entity`` (``works`` or ``authors``) below a folder,
    in a stable order: a snapshot's ``merged_ids/<entity>/*.csv.gz`` (or ``.csv``), and
    files named ``merged_ids*.csv`` that name no other entity (``merged_ids_works.csv``).
    Raises ValueError naming a file that is a symbolic link or whose header is not
    OpenAlex's (merge_date,id,merge_into_id), before anything is read from any."""
    others = [name for name in ENTITIES if name != entity]
    found = []
    for path in sorted(directory.rglob("*")):
        parts = path.relative_to(directory).parts
        in_snapshot = parts[-3:-1] == ("merged_ids", entity) and path.name.endswith(
            (".csv", ".csv.gz")
        )
        named = (
            path.name.startswith("merged_ids")
            and path.name.endswith(".csv")
            and not any(name in path.name for name in others)
        )
        if (in_snapshot or named) and (path.is_file() or path.is_symlink()):
            found.append(path)
    for path in found:
        if path.is_symlink():
            raise ValueError(f"{path}: symbolic links are not read from a source directory")
        with (gzip.open if path.name.endswith(".gz") else open)(
            path, "rt", encoding="utf-8", newline=""
        ) as handle:
            if next(csv.reader(handle), None) != MERGED_HEADER:
                raise ValueError(f"{path.name}: expected header merge_date,id,merge_into_id")
    return found


def load_merged_ids(
    con: duckdb.DuckDBPyConnection, table: str, directory: Path, files: list[Path]
) -> int:
    """Replace ``table`` (``raw.openalex_merged_ids`` or ``raw.openalex_author_merged_ids``:
    merge_date, old_id, merge_into_id, source_file) with the rows of the merged-ids
    ``files`` (``merged_id_files``) below ``directory``. DuckDB reads them, gzipped or not,
    so a snapshot's millions of rows never pass through Python. Ids are normalised to the
    short form (``W123``); ``source_file`` is relative to ``directory``. Returns the rows."""
    if not files:
        columns = ", ".join(f"{column} varchar" for column in SCHEMAS["raw.openalex_merged_ids"])
        con.execute(f"create or replace table {table} ({columns})")
        return 0
    prefix = len(str(directory)) + 2  # the first character after the folder and its "/"
    con.execute(
        f"create or replace table {table} as "
        "select merge_date, upper(regexp_extract(id, '[^/]*$')) as old_id, "
        "upper(regexp_extract(merge_into_id, '[^/]*$')) as merge_into_id, "
        f"substr(filename, {prefix}) as source_file "
        "from read_csv(?, header = true, filename = true, compression = 'auto', "
        "columns = {'merge_date': 'VARCHAR', 'id': 'VARCHAR', 'merge_into_id': 'VARCHAR'})",
        [[str(path) for path in files]],
    )
    return con.execute(f"select count(*) from {table}").fetchone()[0]


def raw_frames(
    batch: ParsedBatch, merged_ids: list[dict[str, str]], data_kind: str
) -> dict[str, pl.DataFrame]:
    """Typed frames for every raw table from a parsed batch and merged-id rows."""
    frames = {}
    for table, field_name in BATCH_FIELDS.items():
        rows = getattr(batch, field_name)
        if table == "raw.source_files":
            rows = [{**row, "data_kind": data_kind} for row in rows]
        frames[table] = (
            pl.DataFrame(rows, schema=SCHEMAS[table], orient="row")
            if rows
            else pl.DataFrame(schema=SCHEMAS[table])
        )
    frames["raw.openalex_merged_ids"] = pl.DataFrame(
        merged_ids, schema=SCHEMAS["raw.openalex_merged_ids"]
    )
    return frames
