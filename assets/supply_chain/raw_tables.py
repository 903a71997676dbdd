"""Turn a parsed trade batch into typed frames for the ``raw`` schema.

Input: a ``TradeBatch`` from ``parse.parse_files``; output: ``{"raw.<table>": frame}``
with fixed column types, so an empty batch still yields correctly typed tables.
"""

from __future__ import annotations

import polars as pl

from assets.supply_chain.parse import TradeBatch

S, N, F, B = pl.String, pl.Int64, pl.Float64, pl.Boolean
SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "raw.trade_records": {
        "year": N,
        "flow_code": S,
        "classification": S,
        "hs_revision": S,
        "cmd_code": S,
        "reporter_code": N,
        "reporter_iso_raw": S,
        "reporter_iso3": S,
        "partner_code": N,
        "partner_iso_raw": S,
        "partner_iso3": S,
        "partner_kind": S,
        "partner2_code": N,
        "customs_code": S,
        "mot_code": N,
        "primary_value": F,
        "cif_value": F,
        "fob_value": F,
        "net_weight_kg": F,
        "is_reported": B,
        "is_aggregate": B,
        "source_file": S,
        "source_sha256": S,
        "record_index": N,
        "record_key": S,
    },
    "raw.trade_quarantine": {
        "source": S,
        "source_file": S,
        "record_index": N,
        "record_id": S,
        "reason": S,
        "detail": S,
    },
    "raw.trade_source_files": {
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
    "raw.trade_records": "records",
    "raw.trade_quarantine": "quarantine",
    "raw.trade_source_files": "files",
}


def raw_frames(batch: TradeBatch, data_kind: str) -> dict[str, pl.DataFrame]:
    """Typed frames for every raw trade table; ``data_kind`` labels the source files."""
    frames = {}
    for table, field_name in BATCH_FIELDS.items():
        rows = getattr(batch, field_name)
        if table == "raw.trade_source_files":
            rows = [{**row, "data_kind": data_kind} for row in rows]
        frames[table] = pl.DataFrame(rows, schema=SCHEMAS[table], orient="row")
    return frames
