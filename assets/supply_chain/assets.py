"""Dagster assets of the supply-chain source (UN Comtrade trade in component codes).

- ``raw/supply_chain``: parses the Comtrade response bodies of the run's mode (the
  embedded sample, a directory given with ``--source-dir supply_chain=PATH``, or the
  landing zone's latest complete fetches) into ``raw.trade_records``, quarantining what
  it cannot use (``raw.trade_quarantine``) and listing every file read
  (``raw.trade_source_files``). It keeps the tables as they are when the files, the
  parser and its inputs are those they were parsed from (``parsed_from``): the parse
  reads every file at once (a record met in an earlier file is a duplicate), so any
  change parses them all again.

The HS code map, the supplier registry, the export-control cross-walk and the
competitor sets are reviewed reference tables (``ref.hs_codes``, ``ref.suppliers`` ...).
"""

import sys
from collections.abc import Mapping
from pathlib import Path

import dagster as dg
import yaml

from assets.reference.assets import REFERENCE_KEY
from assets.reference.tables import country_codes
from assets.supply_chain import comtrade_body, raw_tables
from assets.supply_chain import parse as parse_module
from assets.supply_chain.live_assets import COMTRADE_PAGES_KEY
from assets.supply_chain.parse import parse_files, raw_files
from assets.supply_chain.raw_tables import SCHEMAS, raw_frames
from pipelines import lineage, parsing
from pipelines.as_of import latest_year, run_day
from pipelines.checks import quarantine_rate_check, unusable_files_check
from pipelines.db import append_rows, replace_table, table_exists
from pipelines.file_hashes import sha256_file
from pipelines.live_fetch import raw_input_files
from pipelines.parse_cache import code_digest
from pipelines.resources import QcmResource

SOURCE_CONFIG = yaml.safe_load((Path(__file__).parent / "source.yml").read_text(encoding="utf-8"))
RAW_KEY = dg.AssetKey(["raw", "supply_chain"])
RAW_TABLES = tuple(SCHEMAS)
MAX_QUARANTINE_RATE = 0.05
# files parsed and loaded at a time: a live year holds one response per code, each of
# tens of thousands of records, so a whole history never sits in memory at once
FILES_PER_CHUNK = 16
# what the tables' rows depend on besides the files and inputs: the parser, and this
# module, which reads the files in chunks
PARSER_MODULES = (parse_module, raw_tables, comtrade_body, parsing, sys.modules[__name__])
# reasons that cost a trade record (unreadable files are checked on their own)
RECORD_LEVEL_REASONS = (
    "invalid_record",
    "invalid_value",
    "negative_value",
    "not_annual",
    "year_out_of_range",
    "unsupported_hs_revision",
    "unknown_hs_code",
)


def parsed_from(
    files: list[Path],
    directory: Path,
    hs_codes: Mapping[str, frozenset[str]],
    iso3: frozenset[str],
    max_year: int,
    kind: str,
) -> list[object]:
    """What decides the raw trade tables' rows (a JSON value): the code of
    ``PARSER_MODULES``, every file's name below ``directory`` and checksum, and the
    parser's inputs (the HS codes by revision, the ISO3 codes, the last valid year, the
    kind of data)."""
    return [
        code_digest(PARSER_MODULES),
        [[path.relative_to(directory).as_posix(), _checksum(path)] for path in files],
        {revision: sorted(codes) for revision, codes in sorted(hs_codes.items())},
        sorted(iso3),
        max_year,
        kind,
    ]


def _checksum(path: Path) -> str:
    """The SHA-256 of ``path``'s bytes, or why it cannot be read: the parse then
    quarantines the file (``unreadable_file``), and the asset goes on."""
    try:
        return sha256_file(path)
    except OSError as err:
        return f"unreadable: {err}"


@dg.asset(
    key=RAW_KEY,
    deps=[REFERENCE_KEY, COMTRADE_PAGES_KEY],
    group_name="supply_chain",
    kinds={"duckdb", "python"},
    pool="duckdb",
    description="UN Comtrade records of the component codes parsed losslessly into "
    "raw.trade_records with provenance; unusable records quarantined with reasons.",
)
def supply_chain_raw(context: dg.AssetExecutionContext, qcm: QcmResource) -> dg.MaterializeResult:
    """Parse every Comtrade body of the mode into ``raw.trade_*``, or keep the tables when
    they were parsed from the same files, parser and inputs (``parsed_from``, signed with
    ``pipelines.lineage.declare``); counts as metadata."""
    settings = qcm.settings
    run_id = context.run.run_id
    directory, files = raw_input_files(
        settings, "supply_chain", {"comtrade": ".json"}, raw_files,
        "fetch first (job comtrade_fetch, with COMTRADE_API_KEY set)",
    )  # fmt: skip
    with qcm.connect() as con:
        iso3 = frozenset(country_codes(con).iso2_to_iso3.values())
        rows = con.execute("select hs_revision, hs_code from ref.hs_codes").fetchall()
    hs_codes: dict[str, set[str]] = {}
    for revision, code in rows:
        hs_codes.setdefault(revision, set()).add(code)
    codes = {k: frozenset(v) for k, v in hs_codes.items()}
    kind = settings.dataset_kind("supply_chain")
    max_year = latest_year(run_day(context, settings.as_of))
    decided = parsed_from(files, directory, codes, iso3, max_year, kind)
    with qcm.connect() as con:
        kept = all(
            table_exists(con, t) and lineage.last_signed(con, t) == lineage.declared(t, decided)
            for t in RAW_TABLES
        )
        if kept:
            for table in RAW_TABLES:
                lineage.declare(con, table, decided, run_id)
            counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in RAW_TABLES}
            reasons = dict(
                con.execute(
                    "select reason, count(*) from raw.trade_quarantine group by reason order by 1"
                ).fetchall()
            )
        else:
            lineage.unsign(con, RAW_TABLES)  # a step stopped midway leaves none to trust
    if not kept:
        context.log.info(f"supply_chain: parsing {len(files)} files from {directory}")
        counts, reasons = _parse_into_tables(qcm, files, directory, codes, iso3, max_year, kind)
        with qcm.connect() as con:
            for table in RAW_TABLES:
                lineage.declare(con, table, decided, run_id)
    records, quarantined = counts["raw.trade_records"], counts["raw.trade_quarantine"]
    how = "kept, parsed before from the same files, parser and inputs" if kept else "parsed"
    context.log.info(
        f"supply_chain: {records:,} trade records from {len(files)} files; "
        f"{quarantined:,} quarantined ({reasons or 'none'}); {how}"
    )
    return dg.MaterializeResult(
        metadata={
            "files": len(files),
            "trade_records": records,
            "quarantined": quarantined,
            "quarantine_reasons": reasons,
            "data_kind": kind,
            "kept": kept,
            **counts,
        }
    )


def _parse_into_tables(
    qcm: QcmResource,
    files: list[Path],
    directory: Path,
    codes: Mapping[str, frozenset[str]],
    iso3: frozenset[str],
    max_year: int,
    kind: str,
) -> tuple[dict[str, int], dict[str, int]]:
    """Parse ``files`` (below ``directory``) into the raw trade tables, replacing them, a
    chunk of files at a time; the rows written per table, and the quarantine's reasons."""
    seen: dict[str, str] = {}
    counts = dict.fromkeys(RAW_TABLES, 0)
    reasons: dict[str, int] = {}
    with qcm.connect() as con:
        # a chunk of files at a time, so memory stays bounded whatever the folder holds
        for start in range(0, len(files), FILES_PER_CHUNK):
            chunk = files[start : start + FILES_PER_CHUNK]
            batch = parse_files(chunk, directory, codes, iso3, max_year, seen)
            for table, frame in raw_frames(batch, kind).items():
                write = replace_table if start == 0 else append_rows
                counts[table] += write(con, table, frame)
            for row in batch.quarantine:
                reasons[row["reason"]] = reasons.get(row["reason"], 0) + 1
    return counts, dict(sorted(reasons.items()))


supply_chain_files_readable = unusable_files_check(
    RAW_KEY,
    "supply_chain_files_readable",
    "comtrade",
    "raw.trade_quarantine",
    ("unreadable_file",),
    "every raw trade file could be read and is a UN Comtrade data response",
)
supply_chain_quarantine_rate = quarantine_rate_check(
    RAW_KEY,
    "supply_chain_quarantine_rate",
    "trade records",
    "raw.trade_records",
    "raw.trade_quarantine",
    RECORD_LEVEL_REASONS,
    MAX_QUARANTINE_RATE,
)
