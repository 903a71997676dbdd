"""Turn a parsed author batch into typed frames for the ``raw`` schema.

Input: an ``AuthorBatch`` from ``parse.parse_files`` and merged-id rows; output:
``{"raw.<table>": frame}`` with fixed column types, so an empty batch still yields
correctly typed tables.
"""

from __future__ import annotations

import polars as pl

from assets.workforce.parse import AuthorBatch

S, N, B = pl.String, pl.Int64, pl.Boolean
PROVENANCE = {"source_file": S, "source_sha256": S, "record_index": N, "record_key": S}
INSTITUTION = {
    "institution_id": S,
    "institution_name": S,
    "institution_type": S,
    "country_code_raw": S,
    "country_iso3": S,
}
SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "raw.openalex_authors": {
        "author_id": S,
        "display_name": S,
        "orcid": S,
        "works_count": N,
        "is_deleted": B,
        "affiliations_listed": N,
        "updated_date": S,
        "schema_generation": S,
        **PROVENANCE,
    },
    "raw.openalex_author_affiliations": {
        "record_key": S,
        "author_id": S,
        "position": N,
        "year": N,
        **INSTITUTION,
    },
    "raw.openalex_author_last_known": {
        "record_key": S,
        "author_id": S,
        "position": N,
        "origin": S,
        **INSTITUTION,
    },
    "raw.openalex_author_merged_ids": {
        "merge_date": S,
        "old_id": S,
        "merge_into_id": S,
        "source_file": S,
    },
    "raw.author_quarantine": {
        "source": S,
        "source_file": S,
        "record_index": N,
        "record_id": S,
        "reason": S,
        "detail": S,
    },
    "raw.author_source_files": {
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
    "raw.openalex_authors": "authors",
    "raw.openalex_author_affiliations": "affiliations",
    "raw.openalex_author_last_known": "last_known",
    "raw.author_quarantine": "quarantine",
    "raw.author_source_files": "files",
}
PARSED_TABLES = tuple(BATCH_FIELDS)  # the tables made from the files: all but the merged ids


def raw_frames(
    batch: AuthorBatch, merged_ids: list[dict[str, str]], data_kind: str
) -> dict[str, pl.DataFrame]:
    """Typed frames for every raw author table; ``data_kind`` labels the source files."""
    frames = {}
    for table, field_name in BATCH_FIELDS.items():
        rows = getattr(batch, field_name)
        if table == "raw.author_source_files":
            rows = [{**row, "data_kind": data_kind} for row in rows]
        frames[table] = pl.DataFrame(rows, schema=SCHEMAS[table], orient="row")
    frames["raw.openalex_author_merged_ids"] = pl.DataFrame(
        merged_ids, schema=SCHEMAS["raw.openalex_author_merged_ids"], orient="row"
    )
    return frames
