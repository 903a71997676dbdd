"""Dagster assets of the bibliometric source (OpenAlex).

- ``openalex_pages`` (live only, partitioned by publication year): fetches one year's
  works from the API and lands every page verbatim in the landing zone, resumable.
- ``raw/openalex``: parses the raw files of the run's mode (the embedded sample, a
  directory given with ``--source-dir openalex=PATH``, which may be a downloaded OpenAlex
  snapshot, or the landing zone's latest complete fetch of every year) into the ``raw``
  tables with DuckDB (``duckdb_parse``), quarantining what it cannot use. Files are read
  straight into the working database, a snapshot's parts keeping only the quantum slice;
  over an earlier build only the new and changed files are read (``incremental``), so a
  refetched year, or a snapshot update's new parts, are all a refresh reads.
"""

import os
from datetime import UTC, datetime

import dagster as dg

from assets.bibliometric import duckdb_parse, raw_tables, snapshot
from assets.bibliometric import parse as parse_module
from assets.bibliometric.incremental import (
    BY_RECORD_KEY,
    INGEST_TABLE,
    SIGNED_BY_FILES,
    ingest_folder,
    ingest_key,
    record_ingest,
    sign_ingest,
)
from assets.bibliometric.live import OpenAlexError, OpenAlexFetcher, truncated_works
from assets.bibliometric.parse import raw_files
from assets.bibliometric.raw_tables import SCHEMAS, load_merged_ids, merged_id_files
from assets.bibliometric.snapshot import SOURCE_CONFIG, quantum_slice, quantum_topic_ids
from assets.reference.assets import REFERENCE_KEY
from assets.reference.tables import country_codes
from pipelines import lineage, parsing, work_delta
from pipelines.as_of import latest_year, run_day
from pipelines.checks import quarantine_rate_check, unusable_files_check
from pipelines.fetching import FETCH_RETRY, step_failure
from pipelines.landing import LandingZone
from pipelines.live_fetch import (
    client_settings,
    fetch_afresh,
    fetch_log,
    raw_input_files,
    require_done,
    stopped_when_terminated,
)
from pipelines.parse_cache import code_digest
from pipelines.resources import QcmResource
from pipelines.settings import SettingsError, credential, service_url

RAW_KEY = dg.AssetKey(["raw", "openalex"])
PAGES_KEY = dg.AssetKey(["raw", "openalex_pages"])
# a year's works fetched one at a time, whose list records cut their authorships at 100,
# land as the partition of the year with this suffix
WHOLE_SUFFIX = "-whole-authorships"
RAW_TABLES = (*SCHEMAS, INGEST_TABLE)  # every table this asset writes
LANDED = {"openalex": ".json"}  # the landing zone a live build reads, and its blob suffix
# the code the rows read from a file depend on (with the inputs, the ingest key)
PARSER_MODULES = (duckdb_parse, parse_module, raw_tables, snapshot, parsing)
YEARS = dg.StaticPartitionsDefinition(
    [str(y) for y in range(SOURCE_CONFIG["query"]["first_year"], datetime.now(UTC).year + 1)]
)
MAX_QUARANTINE_RATE = 0.05
WORK_LEVEL_REASONS = (
    "not_an_object",
    "missing_id",
    "invalid_id",
    "missing_year",
    "year_out_of_range",
    "invalid_field",
    "invalid_json",
)


@dg.asset(
    key=PAGES_KEY,
    group_name="bibliometric",
    partitions_def=YEARS,
    kinds={"openalex", "http"},
    pool="openalex",  # one year at a time: the daily budget is per key
    retry_policy=FETCH_RETRY,
    description="Live only: one publication year of quantum works fetched from the OpenAlex "
    "API (topic pre-filter plus keyword search) and landed verbatim, resumable by cursor.",
)
def openalex_pages(context: dg.AssetExecutionContext, qcm: QcmResource) -> dg.MaterializeResult:
    """Fetch the partition's year; a spent daily budget parks it (the run fails, named)."""
    settings = qcm.settings
    if settings.mode != "live":
        raise dg.Failure(
            f"openalex_pages fetches from the OpenAlex API, but the mode is {settings.mode!r}: "
            "run `qcm build --mode live` (with OPENALEX_API_KEY set) or materialise raw/openalex.",
            allow_retries=False,
        )
    try:
        api_key = credential(
            "OPENALEX_API_KEY",
            "OpenAlex requires an API key since February 2026 (https://openalex.org/settings/api)",
            os.environ,
        )
    except SettingsError as err:
        raise dg.Failure(str(err), allow_retries=False) from err
    try:
        base_url = service_url(
            "OPENALEX_API_URL", SOURCE_CONFIG["api"].removesuffix("/works"), os.environ
        )
    except SettingsError as err:
        raise dg.Failure(str(err), allow_retries=False) from err
    query = SOURCE_CONFIG["query"]
    try:
        per_page = int(os.environ.get("OPENALEX_PER_PAGE", query["per_page"]))
    except ValueError as err:
        raise dg.Failure(f"OPENALEX_PER_PAGE: {err}", allow_retries=False) from err
    with client_settings("openalex"):
        fetcher = OpenAlexFetcher(
            LandingZone(settings.landing_dir, "openalex"),
            api_key=api_key,
            email=os.environ.get("OPENALEX_EMAIL") or None,
            per_page=per_page,
            base_url=base_url,
            log=fetch_log(context),
        )
    year = context.partition_key
    restart = fetch_afresh(context, settings)
    with stopped_when_terminated("openalex"):
        try:
            listed = require_done(
                fetcher.fetch_partition(
                    int(year), quantum_topic_ids(), query["search"], restart=restart
                ),
                "openalex year",
            )
            # the list pages cut a work's authorships at 100; its own record lists them all
            whole = require_done(
                fetcher.fetch_works(
                    f"{year}{WHOLE_SUFFIX}",
                    truncated_works(fetcher.landing, year),
                    f"openalex year {year} works of more than 100 authors",
                    restart=restart,
                ),
                "openalex works fetched whole, partition",
            )
        except OpenAlexError as err:
            raise step_failure(err) from err
    return dg.MaterializeResult(
        metadata={
            "pages": listed.pages_landed,
            "records": listed.records,
            "meta_count": listed.meta_count,
            "works_fetched_whole": whole.records,
        }
    )


@dg.asset(
    key=RAW_KEY,
    deps=[REFERENCE_KEY, PAGES_KEY],
    group_name="bibliometric",
    kinds={"duckdb", "python"},
    pool="duckdb",
    description="OpenAlex works parsed losslessly into raw tables with provenance "
    "(file, checksum, record index); unusable records quarantined with their reason.",
)
def openalex_raw(context: dg.AssetExecutionContext, qcm: QcmResource) -> dg.MaterializeResult:
    """Parse every raw file of the mode into ``raw.*``; return counts as metadata."""
    settings = qcm.settings
    directory, files = raw_input_files(
        settings,
        "openalex",
        LANDED,
        raw_files,
        "materialise raw/openalex_pages for the years first",
    )
    with qcm.connect() as con:
        codes = country_codes(con)
    context.log.info(f"openalex: {len(files)} raw files in {directory}")
    max_year = latest_year(run_day(context, settings.as_of))
    kind = settings.dataset_kind("openalex")
    merged = merged_id_files(directory, "works") if settings.source_dir("openalex") else []
    inputs = (codes, max_year, kind, quantum_slice())
    key = ingest_key(inputs, code_digest(PARSER_MODULES))
    run_id = context.run.run_id
    with qcm.connect() as con:  # straight into the working database, the changed files
        signed = {table: lineage.last_signed(con, table) for table in SIGNED_BY_FILES}
        lineage.unsign(con, SIGNED_BY_FILES)
        plan, outcomes = ingest_folder(con, files, directory, key, *inputs)
        load_merged_ids(con, "raw.openalex_merged_ids", directory, merged)
        record_ingest(con, key, plan, len(files))
        sign_ingest(con, key, plan, directory, signed, run_id)
        for table in BY_RECORD_KEY:  # a record key's rows depend on its file and the key alone
            work_delta.record_keyed(con, table, "record_key", key, None, run_id)
        counts = {
            table: con.execute(f"select count(*) from {table}").fetchone()[0]
            for table in RAW_TABLES
        }
        reasons = dict(
            con.execute(
                "select reason, count(*) from raw.quarantine group by reason order by reason"
            ).fetchall()
        )
        # works whose every record cuts their authorships at 100 (no record fetched whole)
        (cut,) = con.execute(
            "select count(*) from (select work_id from raw.openalex_works where work_id in "
            "(select work_id from raw.openalex_works where is_authors_truncated) "
            "group by work_id having bool_and(coalesce(is_authors_truncated, false)))"
        ).fetchone()
    works, quarantined = counts["raw.openalex_works"], counts["raw.quarantine"]
    if cut:
        context.log.warning(
            f"openalex: {cut:,} works list only their first 100 authorships in every record "
            "read (is_authors_truncated): their credit is split over those 100 alone. A "
            "live build fetches such works whole; a folder of API pages needs their single-"
            "work records (/works/<id>) beside the pages."
        )
    careful = [o for o in outcomes if o.path == "python"]
    how = (
        f"read all {len(files)} files ({plan.reason})"
        if plan.full
        else f"read {len(plan.read)} new or changed files, kept the rows of {plan.kept} "
        f"unchanged ones, dropped those of {len(plan.dropped)} changed or gone ({plan.reason})"
    )
    context.log.info(f"openalex: {how}")
    context.log.info(
        f"openalex: {works:,} work records from {len(files)} files; "
        f"{quarantined:,} quarantined ({reasons or 'none'}); "
        f"{len(careful)} files read by the Python parser"
        + (f" (first: {careful[0].source_file}: {careful[0].reason})" if careful else "")
    )
    return dg.MaterializeResult(
        metadata={
            "files": len(files),
            "files_read": len(plan.read),
            "files_kept": plan.kept,
            "files_dropped": len(plan.dropped),
            "full_read": plan.full,
            "files_read_by_python": len(careful),
            "work_records": works,
            "quarantined": quarantined,
            "quarantine_reasons": reasons,
            "works_with_authorships_cut": cut,
            "data_kind": settings.dataset_kind("openalex"),
            **counts,
        }
    )


openalex_files_readable = unusable_files_check(
    RAW_KEY,
    "openalex_files_readable",
    "openalex",
    "raw.quarantine",
    ("unreadable_file", "schema_drift", "missing_part", "incomplete_part"),
    "every raw file could be read and has the fields the parser needs, and every part a "
    "snapshot manifest lists is on disk whole",
)
openalex_quarantine_rate = quarantine_rate_check(
    RAW_KEY,
    "openalex_quarantine_rate",
    "openalex work records",
    "raw.openalex_works",
    "raw.quarantine",
    WORK_LEVEL_REASONS,
    MAX_QUARANTINE_RATE,
)
