"""What meta.fetches says of each partition of a landing zone: complete, stale (a newer
fetch unfinished) or missing, and the gap between fetched and reported records."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.db import replace_table
from pipelines.fetch_states import SERVICE_SOURCES, fetch_state_rows
from pipelines.landing import CompletedFetch, LandingZone, PartitionState

SQL = Path(__file__).resolve().parents[2] / "sql" / "meta" / "fetches.sql"


def landed(root: Path) -> None:
    """Four NSF partitions and one Comtrade partition, in every state a fetch can be in."""
    nsf = LandingZone(root, "nsf")
    first = CompletedFetch("f2020", ["a"], 9, 10, "2026-11-01T00:00:00Z")
    nsf.save_state(PartitionState("2020", "f2020", status="done", records=9, done=first))
    older = CompletedFetch("f2021a", ["b"], 5, 5, "2026-10-01T00:00:00Z")
    nsf.save_state(
        PartitionState(
            "2021", "f2021b", status="parked", records=2, parked_until="2026-11-24T00:00:00Z",
            error="HTTP 429: daily budget spent", done=older,
        )
    )  # fmt: skip
    nsf.save_state(PartitionState("2022", "f2022", status="running", records=3, error="kill"))
    unreported = CompletedFetch("f2023", ["c"], 4, None, "2026-11-02T00:00:00Z")
    nsf.save_state(PartitionState("2023", "f2023", status="done", records=4, done=unreported))
    comtrade = LandingZone(root, "comtrade")
    comtrade.save_state(PartitionState("2022", "c2022", status="running"))


def test_each_partition_is_complete_stale_or_missing_with_its_count_gap(tmp_path: Path) -> None:
    landed(tmp_path / "raw")
    frame = fetch_state_rows(tmp_path / "raw", ["nsf"])
    con = duckdb.connect()
    con.execute("create schema raw")
    replace_table(con, "raw.fetch_states", frame)
    rows = con.execute(
        "select partition, state, served_fetch_id, served_records, count_gap, newer_status, "
        f"newer_records, newer_parked_until::varchar, newer_error from ({SQL.read_text()})"
    ).fetchall()
    assert rows == [
        ("2020", "complete", "f2020", 9, -1, None, None, None, None),
        ("2021", "stale", "f2021a", 5, 0, "parked", 2, "2026-11-24 00:00:00+00",
         "HTTP 429: daily budget spent"),
        ("2022", "missing", None, None, None, "running", 3, None, "kill"),
        ("2023", "complete", "f2023", 4, None, None, None, None, None),
    ]  # fmt: skip


def test_only_the_services_read_are_listed_and_nothing_landed_is_no_rows(tmp_path: Path) -> None:
    landed(tmp_path / "raw")
    both = fetch_state_rows(tmp_path / "raw", ["nsf", "comtrade"])
    assert both.group_by("service").len().sort("service").rows() == [("comtrade", 1), ("nsf", 4)]
    nothing = fetch_state_rows(tmp_path / "missing", list(SERVICE_SOURCES))
    assert nothing.height == 0 and nothing.schema == fetch_state_rows(tmp_path, []).schema


def test_every_landing_zone_feeds_its_source() -> None:
    assert SERVICE_SOURCES == {
        "openalex": "openalex",
        "openalex_authors": "openalex_authors",
        "patentsview": "patents",
        "epo_ops": "patents",
        "nsf": "funding",
        "ukri": "funding",
        "cordis": "funding",
        "world_bank": "funding",
        "comtrade": "supply_chain",
    }
