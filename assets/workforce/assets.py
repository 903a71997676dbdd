"""Dagster assets of the workforce source (OpenAlex author records).

- ``raw/openalex_authors``: parses the raw author files of the run's mode (the embedded
  sample, a directory given with ``--source-dir openalex_authors=PATH``, or the landing
  zone's latest complete fetch of every batch) into the ``raw`` author tables,
  quarantining what it cannot use. OpenAlex's merged-ids files of authors (a snapshot's
  ``merged_ids/authors/*.csv.gz``, or ``merged_ids*.csv`` naming no other entity; columns
  ``merge_date,id,merge_into_id``) in a source directory, or in live mode in the landing
  zone's ``openalex_authors/`` folder, are read too.
"""

import dagster as dg

from assets.bibliometric import duckdb_parse as works_duckdb_parse
from assets.bibliometric.raw_tables import load_merged_ids, merged_id_files
from assets.reference.assets import REFERENCE_KEY
from assets.reference.tables import country_codes
from assets.workforce import duckdb_parse, raw_tables
from assets.workforce import parse as parse_module
from assets.workforce.duckdb_parse import parse_frames
from assets.workforce.live_assets import AUTHOR_PAGES_KEY
from assets.workforce.parse import RECORD_REASONS, SOURCE, raw_files
from assets.workforce.raw_tables import PARSED_TABLES, SCHEMAS
from pipelines import parsing
from pipelines.as_of import latest_year, run_day
from pipelines.checks import quarantine_rate_check, unusable_files_check
from pipelines.db import load_parsed, loaded_note, value_counts
from pipelines.live_fetch import raw_input_files
from pipelines.parse_cache import parse_landed
from pipelines.resources import QcmResource

RAW_KEY = dg.AssetKey(["raw", "openalex_authors"])
RAW_TABLES = tuple(SCHEMAS)
MERGED_TABLE = "raw.openalex_author_merged_ids"
LANDED = {SOURCE: ".json"}  # the landing zone a live build reads, and its blob suffix
# what a parsed partition depends on
PARSER_MODULES = (duckdb_parse, works_duckdb_parse, parse_module, raw_tables, parsing)
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
        LANDED,
        raw_files,
        "run the job openalex_authors_fetch first (it needs the works)",
    )
    with qcm.connect() as con:
        codes = country_codes(con)
    context.log.info(f"{SOURCE}: reading {len(files)} files from {directory}")
    max_year, kind = latest_year(run_day(context, settings.as_of)), settings.dataset_kind(SOURCE)

    # each file parsed in this build, by which parser, and why DuckDB did not read it
    taken: list[tuple[str, str, str]] = []
    with qcm.connect() as con:  # DuckDB parses within the working database's memory limit
        parsed = parse_landed(
            settings,
            SOURCE,
            LANDED,
            files,
            lambda paths: parse_frames(con, paths, directory, codes, max_year, kind, taken),
            PARSER_MODULES,
            (codes, max_year, kind),
        )
    by_duckdb = sum(parser == "duckdb" for _, parser, _ in taken)
    by_python = [(name, why) for name, parser, why in taken if parser == "python"]
    # live mode: OpenAlex's merged-ids files (snapshot folder merged_ids/authors/), if the
    # analyst put them beside the landed pages; the API's list pages carry no merges
    merged_dir = directory if settings.source_dir(SOURCE) else directory / SOURCE
    merged = merged_id_files(merged_dir, "authors") if merged_dir.is_dir() else []
    with qcm.connect() as con:
        counts, kept = load_parsed(con, parsed, PARSED_TABLES, context.run.run_id)
        counts[MERGED_TABLE] = load_merged_ids(con, MERGED_TABLE, merged_dir, merged)
        reasons = value_counts(con, "raw.author_quarantine", "reason")
        generations = value_counts(con, "raw.openalex_authors", "schema_generation")
    authors, quarantined = counts["raw.openalex_authors"], counts["raw.author_quarantine"]
    context.log.info(
        f"{SOURCE}: {authors:,} author records ({generations or 'none'}) from "
        f"{len(files)} files; {quarantined:,} quarantined ({reasons or 'none'}); "
        + loaded_note(parsed, PARSED_TABLES, kept)
        + (
            f"; {by_duckdb} of {len(taken)} files parsed by DuckDB, the rest by Python"
            if taken
            else ""
        )
        + (f" (first: {by_python[0][0]}: {by_python[0][1]})" if by_python else "")
    )
    return dg.MaterializeResult(
        metadata={
            "files": len(files),
            "author_records": authors,
            "schema_generations": generations,
            "quarantined": quarantined,
            "partitions_parsed": parsed.use.parsed,
            "partitions_reused": parsed.use.reused,
            "files_parsed_by_duckdb": by_duckdb,
            "files_parsed_by_python": len(taken) - by_duckdb,
            "raw_tables_kept": len(kept),
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
