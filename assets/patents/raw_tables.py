"""Turn a parsed patent batch into typed frames for the ``raw`` schema.

Input: a ``PatentBatch`` from ``parse.parse_files``; output: ``{"raw.<table>": frame}``
with fixed column types, so an empty batch still yields correctly typed tables.
"""

from __future__ import annotations

import polars as pl

from assets.patents.parse import PatentBatch

S, N, B = pl.String, pl.Int64, pl.Boolean
PROVENANCE = {"source_file": S, "source_sha256": S, "record_index": N, "record_key": S}
PARTY = {
    "record_key": S,
    "document_id": S,
    "position": N,
    "name": S,
    "country_code_raw": S,
    "country_iso3": S,
}
SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "raw.patent_documents": {
        "document_id": S,
        "service": S,
        "record_type": S,
        "office": S,
        "doc_number": S,
        "number_key": S,
        "kind": S,
        "family_id": S,
        "application_number": S,
        "publication_date": pl.Date,
        "application_date": pl.Date,
        "priority_date": pl.Date,
        "title": S,
        "title_lang": S,
        "abstract": S,
        "has_biblio": B,
        "foreign_priorities": S,
        **PROVENANCE,
    },
    "raw.patent_applicants": {**PARTY, "type_code": S, "name_format": S},
    "raw.patent_inventors": dict(PARTY),
    "raw.patent_classifications": {
        "record_key": S,
        "document_id": S,
        "position": N,
        "cpc_code": S,
    },
    "raw.patent_quarantine": {
        "source": S,
        "source_file": S,
        "record_index": N,
        "record_id": S,
        "reason": S,
        "detail": S,
    },
    "raw.patent_source_files": {
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
    "raw.patent_documents": "documents",
    "raw.patent_applicants": "applicants",
    "raw.patent_inventors": "inventors",
    "raw.patent_classifications": "classifications",
    "raw.patent_quarantine": "quarantine",
    "raw.patent_source_files": "files",
}
DATES = ("publication_date", "application_date", "priority_date")


def raw_frames(batch: PatentBatch, data_kind: str) -> dict[str, pl.DataFrame]:
    """Typed frames for every raw patent table; ``data_kind`` labels the source files."""
    frames = {}
    for table, field_name in BATCH_FIELDS.items():
        rows = getattr(batch, field_name)
        if table == "raw.patent_source_files":
            rows = [{**row, "data_kind": data_kind} for row in rows]
        schema = SCHEMAS[table]
        if table == "raw.patent_documents":
            # ISO date strings from the parser become dates here
            text_schema = {k: (S if k in DATES else v) for k, v in schema.items()}
            frame = pl.DataFrame(rows, schema=text_schema, orient="row")
            frame = frame.with_columns(pl.col(c).str.to_date("%Y-%m-%d") for c in DATES)
        else:
            frame = pl.DataFrame(rows, schema=schema, orient="row")
        frames[table] = frame
    return frames
