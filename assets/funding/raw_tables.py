"""Turn a parsed grant batch into typed frames for the ``raw`` schema.

Input: a ``GrantBatch`` from ``parse.parse_files``; output: ``{"raw.<table>": frame}``
with fixed column types, so an empty batch still yields correctly typed tables.
"""

from __future__ import annotations

import polars as pl

from assets.funding.grants import GrantBatch

S, N, F = pl.String, pl.Int64, pl.Float64
PROVENANCE = {"source_file": S, "source_sha256": S, "record_index": N, "record_key": S}
SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "raw.grants": {
        "service": S,
        "grant_id": S,
        "title": S,
        "abstract": S,
        "funder": S,
        "programme": S,
        "currency": S,
        "amount": F,
        "amount_measure": S,
        "start_date": pl.Date,
        "end_date": pl.Date,
        "status": S,
        **PROVENANCE,
    },
    "raw.grant_organisations": {
        "service": S,
        "grant_id": S,
        "position": N,
        "org_id": S,
        "name": S,
        "role": S,
        "parent_position": N,
        "country_code_raw": S,
        "country_iso3": S,
        "amount": F,
        "amount_measure": S,
        **PROVENANCE,
    },
    "raw.grant_quarantine": {
        "source": S,
        "source_file": S,
        "record_index": N,
        "record_id": S,
        "reason": S,
        "detail": S,
    },
    "raw.grant_source_files": {
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
    "raw.grants": "grants",
    "raw.grant_organisations": "organisations",
    "raw.grant_quarantine": "quarantine",
    "raw.grant_source_files": "files",
}
DATES = ("start_date", "end_date")


def raw_frames(batch: GrantBatch, data_kind: str) -> dict[str, pl.DataFrame]:
    """Typed frames for every raw grant table; ``data_kind`` labels the source files."""
    frames = {}
    for table, field_name in BATCH_FIELDS.items():
        rows = getattr(batch, field_name)
        if table == "raw.grant_source_files":
            rows = [{**row, "data_kind": data_kind} for row in rows]
        schema = SCHEMAS[table]
        if table == "raw.grants":
            # ISO date strings from the parsers become dates here
            text_schema = {k: (S if k in DATES else v) for k, v in schema.items()}
            frame = pl.DataFrame(rows, schema=text_schema, orient="row")
            frame = frame.with_columns(pl.col(c).str.to_date("%Y-%m-%d") for c in DATES)
        else:
            frame = pl.DataFrame(rows, schema=schema, orient="row")
        frames[table] = frame
    return frames
