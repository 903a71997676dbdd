"""Dagster assets of the patent source (EPO OPS and PatentsView).

- ``raw/patents``: parses the raw files of the run's mode (the embedded sample, a
  directory given with ``--source-dir patents=PATH`` holding responses of either
  service, or the landing zones' latest complete fetches) into the ``raw`` patent
  tables, quarantining what it cannot use.
"""

from pathlib import Path

import dagster as dg
import polars as pl
import yaml

from assets.patents import parse as parse_module
from assets.patents import raw_tables
from assets.patents.parse import parse_files, raw_files
from assets.patents.raw_tables import SCHEMAS, raw_frames
from assets.reference.assets import REFERENCE_KEY
from assets.reference.tables import country_codes
from pipelines import parsing
from pipelines.as_of import latest_year, run_day
from pipelines.checks import quarantine_rate_check, unusable_files_check
from pipelines.db import load_parsed, loaded_note, value_counts
from pipelines.landing import LandingZone
from pipelines.live_fetch import raw_input_files
from pipelines.parse_cache import parse_landed
from pipelines.resources import QcmResource
from pipelines.settings import Settings

SOURCE_CONFIG = yaml.safe_load((Path(__file__).parent / "source.yml").read_text(encoding="utf-8"))
RAW_KEY = dg.AssetKey(["raw", "patents"])
PATENTSVIEW_PAGES_KEY = dg.AssetKey(["raw", "patentsview_pages"])
EPO_OPS_PAGES_KEY = dg.AssetKey(["raw", "epo_ops_pages"])
RAW_TABLES = tuple(SCHEMAS)
MAX_QUARANTINE_RATE = 0.05
# reasons that cost a whole document record (the others cost a party's country or a code)
RECORD_LEVEL_REASONS = (
    "not_an_object",
    "missing_id",
    "invalid_id",
    "missing_date",
    "invalid_date",
    "year_out_of_range",
    "missing_biblio",
    "not_delivered",
    "invalid_record",
)


# the patent services and the kind of body each lands
SERVICE_SUFFIXES = {"epo_ops": ".xml", "patentsview": ".json"}
PARSER_MODULES = (parse_module, raw_tables, parsing)  # what a parsed partition depends on


def landing_zone(settings: Settings, service: str) -> LandingZone:
    """The landing zone of one patent service (``epo_ops`` or ``patentsview``)."""
    return LandingZone(settings.landing_dir, service, SERVICE_SUFFIXES[service])


@dg.asset(
    key=RAW_KEY,
    deps=[REFERENCE_KEY, PATENTSVIEW_PAGES_KEY, EPO_OPS_PAGES_KEY],
    group_name="patents",
    kinds={"duckdb", "python"},
    pool="duckdb",
    description="Patent documents of EPO OPS and PatentsView parsed losslessly into raw tables "
    "with provenance; unusable records, party countries and CPC codes quarantined with reasons.",
)
def patents_raw(context: dg.AssetExecutionContext, qcm: QcmResource) -> dg.MaterializeResult:
    """Parse every raw patent file of the mode into ``raw.patent_*``; counts as metadata."""
    settings = qcm.settings
    directory, files = raw_input_files(
        settings,
        "patents",
        SERVICE_SUFFIXES,
        raw_files,
        "fetch the years first (jobs epo_ops_fetch and patentsview_fetch)",
    )
    with qcm.connect() as con:
        codes = country_codes(con)
    context.log.info(f"patents: reading {len(files)} files from {directory}")
    max_year, kind = latest_year(run_day(context, settings.as_of)), settings.dataset_kind("patents")

    def parse(paths: list[Path]) -> list[dict[str, pl.DataFrame]]:
        return [raw_frames(parse_files(paths, directory, codes, max_year), kind)]

    parsed = parse_landed(
        settings, "patents", SERVICE_SUFFIXES, files, parse, PARSER_MODULES,
        (codes, max_year, kind),
    )  # fmt: skip
    with qcm.connect() as con:
        counts, kept = load_parsed(con, parsed, RAW_TABLES, context.run.run_id)
        reasons = value_counts(con, "raw.patent_quarantine", "reason")
        services = value_counts(con, "raw.patent_documents", "service")
    records, quarantined = counts["raw.patent_documents"], counts["raw.patent_quarantine"]
    context.log.info(
        f"patents: {records:,} document records ({services or 'none'}) from "
        f"{len(files)} files; {quarantined:,} quarantined ({reasons or 'none'}); "
        + loaded_note(parsed, RAW_TABLES, kept)
    )
    return dg.MaterializeResult(
        metadata={
            "files": len(files),
            "document_records": records,
            "quarantined": quarantined,
            "partitions_parsed": parsed.use.parsed,
            "partitions_reused": parsed.use.reused,
            "raw_tables_kept": len(kept),
            "quarantine_reasons": reasons,
            "services": services,
            "data_kind": settings.dataset_kind("patents"),
            **counts,
        }
    )


patents_files_readable = unusable_files_check(
    RAW_KEY,
    "patents_files_readable",
    "patents",
    "raw.patent_quarantine",
    ("unreadable_file", "schema_drift"),
    "every raw patent file could be read and has the fields the parser needs",
)
# withdrawn US patents are left out on purpose and do not count against the rate
patents_quarantine_rate = quarantine_rate_check(
    RAW_KEY,
    "patents_quarantine_rate",
    "patent document records",
    "raw.patent_documents",
    "raw.patent_quarantine",
    RECORD_LEVEL_REASONS,
    MAX_QUARANTINE_RATE,
)
