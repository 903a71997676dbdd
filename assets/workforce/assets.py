"""Dagster assets of the workforce source (OpenAlex author records).

- ``raw/openalex_authors``: parses the raw author files of the run's mode (the embedded
  sample, a directory given with ``--source-dir openalex_authors=PATH``, or the landing
  zone's latest complete fetch of every batch) into the ``raw`` author tables,
  quarantining what it cannot use. Merged-id files (``merged_ids*.csv``, columns
  ``merge_date,id,merge_into_id``) in a source directory, or in live mode in the landing
  zone's ``openalex_authors/`` folder, are read too.
"""

import dagster as dg

from assets.bibliometric.raw_tables import read_merged_ids
from assets.reference.assets import REFERENCE_KEY
from assets.reference.tables import country_codes
from assets.workforce.live_assets import AUTHOR_PAGES_KEY
from assets.workforce.parse import RECORD_REASONS, SOURCE, parse_files, raw_files
from assets.workforce.raw_tables import SCHEMAS, raw_frames
from pipelines.checks import quarantine_rate_check, unusable_files_check
from pipelines.db import replace_table
from pipelines.live_fetch import raw_input_files
from pipelines.resources import QcmResource

RAW_KEY = dg.AssetKey(["raw", "openalex_authors"])
RAW_TABLES = tuple(SCHEMAS)
MAX_QUARANTINE_RATE = 0.05


@dg.asset(
    key=RAW_KEY,
    deps=[REFERENCE_KEY, AUTHOR_PAGES_KEY],
    group_name="workforce",
    kinds={"duckdb", "python"},
    pool="duckdb",
    description="OpenAlex author records (both generations) parsed losslessly into raw "
    "tables with provenance: one row per author, per affiliation year and per last-known "
    "institution; unusable records and parts quarantined with their reason.",
)
def openalex_authors_raw(
    context: dg.AssetExecutionContext, qcm: QcmResource
) -> dg.MaterializeResult:
    """Parse every raw author file of the mode into ``raw.*``; counts as metadata."""
    settings = qcm.settings
    directory, files = raw_input_files(
        settings,
        SOURCE,
        {SOURCE: ".json"},
        raw_files,
        "run the job openalex_authors_fetch first (it needs the works)",
    )
    with qcm.connect() as con:
        codes = country_codes(con)
    context.log.info(f"{SOURCE}: parsing {len(files)} files from {directory}")
    batch = parse_files(files, directory, codes, settings.max_publication_year())
    # live mode: OpenAlex's merged-ids files (snapshot folder merged_ids/authors/), if the
    # analyst put them beside the landed pages; the API's list pages carry no merges
    merged_dir = directory if settings.source_dir(SOURCE) else directory / SOURCE
    merged = read_merged_ids(merged_dir) if merged_dir.is_dir() else []
    frames = raw_frames(batch, merged, settings.dataset_kind(SOURCE))
    with qcm.connect() as con:
        counts = {table: replace_table(con, table, frames[table]) for table in RAW_TABLES}
    reasons: dict[str, int] = {}
    for row in batch.quarantine:
        reasons[row["reason"]] = reasons.get(row["reason"], 0) + 1
    generations: dict[str, int] = {}
    for row in batch.authors:
        key = row["schema_generation"]
        generations[key] = generations.get(key, 0) + 1
    context.log.info(
        f"{SOURCE}: {len(batch.authors):,} author records ({generations or 'none'}) from "
        f"{len(files)} files; {len(batch.quarantine):,} quarantined ({reasons or 'none'})"
    )
    return dg.MaterializeResult(
        metadata={
            "files": len(files),
            "author_records": len(batch.authors),
            "schema_generations": generations,
            "quarantined": len(batch.quarantine),
            "quarantine_reasons": reasons,
            "data_kind": settings.dataset_kind(SOURCE),
            **counts,
        }
    )


authors_files_readable = unusable_files_check(
    RAW_KEY,
    "openalex_authors_files_readable",
    SOURCE,
    "raw.author_quarantine",
    ("unreadable_file",),
    "every raw author file could be read",
)
authors_quarantine_rate = quarantine_rate_check(
    RAW_KEY,
    "openalex_authors_quarantine_rate",
    "openalex author records",
    "raw.openalex_authors",
    "raw.author_quarantine",
    RECORD_REASONS,
    MAX_QUARANTINE_RATE,
)
