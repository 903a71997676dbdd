"""Dagster assets of the grant sources (NSF, UKRI Gateway to Research, EU CORDIS).

- ``raw/funding``: parses the raw grant files of the run's mode (the embedded sample, a
  directory given with ``--source-dir funding=PATH`` holding files of any of the three
  services, or the landing zones' latest complete fetches) into the ``raw`` grant
  tables, quarantining what it cannot use.

National programme commitments are not fetched: they are the reviewed reference table
``ref.funding_programmes`` (assets/reference/funding_programmes.csv).
"""

from pathlib import Path

import dagster as dg
import polars as pl
import yaml

from assets.funding import parse as parse_module
from assets.funding import raw_tables
from assets.funding.parse import parse_files, raw_files, scope_rule
from assets.funding.raw_tables import SCHEMAS, raw_frames
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
RAW_KEY = dg.AssetKey(["raw", "funding"])
NSF_PAGES_KEY = dg.AssetKey(["raw", "nsf_pages"])
UKRI_PAGES_KEY = dg.AssetKey(["raw", "ukri_pages"])
CORDIS_FILES_KEY = dg.AssetKey(["raw", "cordis_files"])
RAW_TABLES = tuple(SCHEMAS)
MAX_QUARANTINE_RATE = 0.05
# reasons that cost a whole grant (the others cost an organisation's country)
RECORD_LEVEL_REASONS = (
    "invalid_id",
    "missing_date",
    "invalid_date",
    "missing_amount",
    "non_positive_amount",
    "year_out_of_range",
    "invalid_record",
)
# the grant services and the kind of body each lands
SERVICE_SUFFIXES = {"nsf": ".json", "ukri": ".json", "cordis": ".zip"}
PARSER_MODULES = (parse_module, raw_tables, parsing)  # what a parsed partition depends on


def landing_zone(settings: Settings, service: str) -> LandingZone:
    """The landing zone of one grant service (``nsf``, ``ukri`` or ``cordis``)."""
    return LandingZone(settings.landing_dir, service, SERVICE_SUFFIXES[service])


@dg.asset(
    key=RAW_KEY,
    deps=[REFERENCE_KEY, NSF_PAGES_KEY, UKRI_PAGES_KEY, CORDIS_FILES_KEY],
    group_name="funding",
    kinds={"duckdb", "python"},
    pool="duckdb",
    description="Grants of NSF, UKRI and CORDIS parsed losslessly into raw tables with "
    "provenance; unusable grants and organisation countries quarantined with reasons.",
)
def funding_raw(context: dg.AssetExecutionContext, qcm: QcmResource) -> dg.MaterializeResult:
    """Parse every raw grant file of the mode into ``raw.grant*``; counts as metadata."""
    settings = qcm.settings
    directory, files = raw_input_files(
        settings,
        "funding",
        SERVICE_SUFFIXES,
        raw_files,
        "fetch first (jobs nsf_fetch, ukri_fetch and cordis_fetch)",
    )
    with qcm.connect() as con:
        codes = country_codes(con)
        aliases = dict(con.execute("select code, iso3 from ref.eu_country_codes").fetchall())
        pattern, exclude, weak = (
            con.execute("select value from ref.methods where key = ?", [key]).fetchone()[0]
            for key in (
                "patent_quantum_term_pattern",
                "patent_quantum_term_exclude",
                "patent_quantum_term_weak",
            )
        )
    keep = scope_rule(*(p.removeprefix("(?i)") for p in (pattern, exclude, weak)))
    context.log.info(f"funding: reading {len(files)} files from {directory}")
    max_year, kind = latest_year(run_day(context, settings.as_of)), settings.dataset_kind("funding")

    def parse(paths: list[Path]) -> list[dict[str, pl.DataFrame]]:
        return [raw_frames(parse_files(paths, directory, codes, aliases, max_year, keep), kind)]

    inputs = (codes, sorted(aliases.items()), pattern, exclude, weak, max_year, kind)
    parsed = parse_landed(
        settings, "funding", SERVICE_SUFFIXES, files, parse, PARSER_MODULES, inputs
    )
    with qcm.connect() as con:
        counts, kept = load_parsed(con, parsed, RAW_TABLES, context.run.run_id)
        reasons = value_counts(con, "raw.grant_quarantine", "reason")
        services = value_counts(con, "raw.grants", "service")
    records, quarantined = counts["raw.grants"], counts["raw.grant_quarantine"]
    context.log.info(
        f"funding: {records:,} grant records ({services or 'none'}) from "
        f"{len(files)} files; {quarantined:,} quarantined ({reasons or 'none'}); "
        + loaded_note(parsed, RAW_TABLES, kept)
    )
    return dg.MaterializeResult(
        metadata={
            "files": len(files),
            "grant_records": records,
            "quarantined": quarantined,
            "partitions_parsed": parsed.use.parsed,
            "partitions_reused": parsed.use.reused,
            "raw_tables_kept": len(kept),
            "quarantine_reasons": reasons,
            "services": services,
            "data_kind": settings.dataset_kind("funding"),
            **counts,
        }
    )


funding_files_readable = unusable_files_check(
    RAW_KEY,
    "funding_files_readable",
    "funding",
    "raw.grant_quarantine",
    ("unreadable_file", "schema_drift"),
    "every raw grant file could be read and has the fields the parser needs",
)
funding_quarantine_rate = quarantine_rate_check(
    RAW_KEY,
    "funding_quarantine_rate",
    "grant records",
    "raw.grants",
    "raw.grant_quarantine",
    RECORD_LEVEL_REASONS,
    MAX_QUARANTINE_RATE,
)
