"""staging.works on hand-made raw records: merged ids followed along their whole chain."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from assets.bibliometric.raw_tables import SCHEMAS
from pipelines.db import replace_table
from pipelines.settings import SQL_DIR

pytestmark = pytest.mark.unit

# records: (work id, record key, updated date, file). OpenAlex merged W1 into W2, then W2 into
# W3 (a chain), W5 into W6, and W7 into W8 and W8 back into W7 (a cycle), W10 into W8 (into the
# cycle). W9 is not merged.
RECORDS = [
    ("W1", "k1", "2024-01-01", "part_0.jsonl"),
    ("W3", "k3", "2024-06-01", "part_1.jsonl"),
    ("W5", "k5", "2024-06-01", "part_1.jsonl"),
    ("W7", "k7", "2024-06-01", "part_1.jsonl"),
    ("W8", "k8", "2024-05-01", "part_1.jsonl"),
    ("W10", "k10", "2024-02-01", "part_0.jsonl"),
    ("W9", "k9", "2024-06-01", "part_1.jsonl"),
]
MERGES = [
    ("2024-02-01", "W1", "W2"),
    ("2024-05-01", "W2", "W3"),
    ("2024-03-01", "W5", "W6"),
    ("2024-03-01", "W7", "W8"),
    ("2024-04-01", "W8", "W7"),
    ("2024-04-01", "W10", "W8"),
]


def test_merged_ids_are_followed_to_the_end_of_their_chain(
    con: duckdb.DuckDBPyConnection,
) -> None:
    schema = SCHEMAS["raw.openalex_works"]
    works = pl.DataFrame(
        [
            dict.fromkeys(schema)
            | {"work_id": w, "record_key": k, "updated_date": d, "source_file": f}
            | {"record_index": 0}
            for w, k, d, f in RECORDS
        ],
        schema=schema,
    )
    replace_table(con, "raw.openalex_works", works)
    replace_table(
        con,
        "raw.openalex_merged_ids",
        pl.DataFrame(
            [(*m, "merged_ids.csv") for m in MERGES],
            schema=SCHEMAS["raw.openalex_merged_ids"],
            orient="row",
        ),
    )
    rows = con.execute(
        "select work_id, record_key, records_seen "
        f"from ({(SQL_DIR / 'staging' / 'works.sql').read_text()}) order by work_id"
    ).fetchall()
    # W1 stands for W3, whose own record is kept; W7 and W8 were merged into each other and
    # W10 into them: one work, W7 (the cycle's first id), of W7's record, the latest
    assert rows == [("W3", "k3", 2), ("W6", "k5", 1), ("W7", "k7", 3), ("W9", "k9", 1)]


def test_a_record_of_every_authorship_is_kept_over_a_cut_one(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # W1's list record cuts its authorships at 100 and its landed file sorts first; the single
    # work fetched whole is kept, though both were updated the same day
    schema = SCHEMAS["raw.openalex_works"]
    records = [
        ("W1", "list", True, "openalex/blobs/0a/0a17.json.gz"),
        ("W1", "whole", False, "openalex/blobs/f3/f3c9.json.gz"),
        ("W2", "list2", True, "openalex/blobs/0a/0a17.json.gz"),
    ]
    works = pl.DataFrame(
        [
            dict.fromkeys(schema)
            | {"work_id": w, "record_key": k, "is_authors_truncated": t, "source_file": f}
            | {"updated_date": "2024-01-01", "record_index": 0}
            for w, k, t, f in records
        ],
        schema=schema,
    )
    replace_table(con, "raw.openalex_works", works)
    replace_table(
        con, "raw.openalex_merged_ids", pl.DataFrame(schema=SCHEMAS["raw.openalex_merged_ids"])
    )
    rows = con.execute(
        "select work_id, record_key, is_authors_truncated, records_seen "
        f"from ({(SQL_DIR / 'staging' / 'works.sql').read_text()}) order by work_id"
    ).fetchall()
    # W2 was not fetched whole: its cut record stands, flagged
    assert rows == [("W1", "whole", False, 2), ("W2", "list2", True, 1)]
