"""What the landing zone held when this release was built: per live service and partition,
the complete fetch the build read, and any newer fetch that has not finished.

A partition whose newer fetch was parked (a spent budget) or stopped (an error) is still
read from its last complete fetch, whole: never half old and half new pages. This is
where that shows: ``raw.fetch_states`` holds one row per partition of every landing zone
the build read (none outside live mode, which reads no landing zone, nor for a source
given its own folder with ``--source-dir``), and ``meta.fetches`` publishes it with the
state of each partition (complete, stale or missing) and the gap between the records
fetched and the count the service reported.
"""

from collections.abc import Collection
from datetime import datetime
from pathlib import Path

import dagster as dg
import polars as pl

from pipelines.db import replace_table
from pipelines.landing import LandingZone
from pipelines.live_fetch import LIVE_FETCHES
from pipelines.resources import QcmResource

FETCH_STATES_KEY = dg.AssetKey(["raw", "fetch_states"])
FETCH_STATES_TABLES = ["raw.fetch_states"]
# the source (of --source-dir) each live service's landing zone feeds
SERVICE_SOURCES = {job.removesuffix("_fetch"): source for source, job, _, _ in LIVE_FETCHES}
SCHEMA = {
    "service": pl.String,
    "partition": pl.String,
    "served_fetch_id": pl.String,
    "served_finished_at": pl.Datetime("us", "UTC"),
    "served_records": pl.Int64,
    "served_reported_count": pl.Int64,
    "newer_fetch_id": pl.String,
    "newer_status": pl.String,
    "newer_records": pl.Int64,
    "newer_parked_until": pl.Datetime("us", "UTC"),
    "newer_error": pl.String,
}


def _time(text: str | None) -> datetime | None:
    """An ISO UTC time of a state file as a datetime (None stays None)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def fetch_state_rows(landing_dir: Path, services: Collection[str]) -> pl.DataFrame:
    """One row per partition of the landing zones of ``services`` under ``landing_dir``
    (SCHEMA), sorted by service and partition: its last complete fetch (served_*) and,
    when a fetch started after it has not finished, that fetch (newer_*)."""
    rows = []
    folders = sorted(p.parent for p in landing_dir.glob("*/state")) if landing_dir.is_dir() else []
    for folder in (f for f in folders if f.name in services):
        for partition, state in LandingZone(landing_dir, folder.name).partitions().items():
            done = state.done
            newer = None if done and state.fetch_id == done.fetch_id else state
            rows.append(
                {
                    "service": folder.name,
                    "partition": partition,
                    "served_fetch_id": done.fetch_id if done else None,
                    "served_finished_at": _time(done.finished_at) if done else None,
                    "served_records": done.records if done else None,
                    "served_reported_count": done.meta_count if done else None,
                    "newer_fetch_id": newer.fetch_id if newer else None,
                    "newer_status": newer.status if newer else None,
                    "newer_records": newer.records if newer else None,
                    "newer_parked_until": _time(newer.parked_until) if newer else None,
                    "newer_error": newer.error if newer else None,
                }
            )
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


@dg.asset(
    key=FETCH_STATES_KEY,
    group_name="publish",
    kinds={"duckdb"},
    pool="duckdb",
    description="Live mode: one row per partition of every landing zone, with the complete "
    "fetch this build read and any newer fetch not finished (empty in other modes, which "
    "read no landing zone).",
)
def fetch_states(context: dg.AssetExecutionContext, qcm: QcmResource) -> dg.MaterializeResult:
    settings = qcm.settings
    read = [s for s, source in SERVICE_SOURCES.items() if settings.source_dir(source) is None]
    frame = (
        fetch_state_rows(settings.landing_dir, read)
        if settings.mode == "live"
        else pl.DataFrame(schema=SCHEMA)
    )
    with qcm.connect() as con:
        replace_table(con, "raw.fetch_states", frame)
    unfinished = frame.filter(pl.col("newer_fetch_id").is_not_null()).height
    missing = frame.filter(pl.col("served_fetch_id").is_null()).height
    if unfinished:
        context.log.warning(
            f"{unfinished} partitions have a newer fetch not finished: they are read from "
            f"their last complete fetch ({missing} have none, so their records are missing)"
        )
    return dg.MaterializeResult(
        metadata={"partitions": frame.height, "unfinished": unfinished, "missing": missing}
    )
