"""Live fetch assets of the funding source, and the conversion-table refresh.

- ``raw/nsf_pages``: one start year of NSF awards matching the scope terms (Awards API,
  no key), landed verbatim, resumable.
- ``raw/ukri_pages``: one search term of UKRI Gateway to Research projects (no key).
- ``raw/cordis_files``: one framework programme's CORDIS bulk archive (H2020, HORIZON),
  verified (test-unzip, members, row counts) and landed.
- ``raw/world_bank_pages``: one World Bank indicator (exchange rates, PPP factors, GDP,
  GDP at PPP, population, deflator) for the programme countries.
- ``raw/conversion_refresh``: in live mode, the rows of the latest complete World Bank
  fetches, which ``staging.fx_rates`` and ``staging.economic_indicators`` prefer over the
  committed tables; in other modes empty (the committed tables alone are used).
"""

from datetime import UTC, datetime

import dagster as dg
import polars as pl

from assets.funding.assets import (
    CORDIS_FILES_KEY,
    NSF_PAGES_KEY,
    SOURCE_CONFIG,
    UKRI_PAGES_KEY,
    landing_zone,
)
from assets.funding.cordis_live import DEFAULT_PROGRAMMES, CordisError, CordisFetcher
from assets.funding.nsf_live import NsfError, NsfFetcher
from assets.funding.raw_tables import SCHEMAS
from assets.funding.ukri_live import UkriError, UkriFetcher
from assets.funding.world_bank_live import (
    ALL_INDICATORS,
    WorldBankError,
    WorldBankFetcher,
    landed_rows,
)
from assets.funding.world_bank_parse import (
    DEFLATOR_INDICATOR,
    FX_COLUMNS,
    INDICATOR_COLUMNS,
    check_one_deflator_base,
)
from assets.reference.assets import REFERENCE_KEY
from assets.reference.tables import read_csv
from pipelines.db import replace_table
from pipelines.fetching import FETCH_RETRY, step_failure
from pipelines.landing import LandingZone
from pipelines.live_fetch import (
    api_root,
    client_settings,
    fetch_afresh,
    fetch_log,
    fetch_result,
    require_live,
    stopped_when_terminated,
)
from pipelines.resources import QcmResource

WORLD_BANK_PAGES_KEY = dg.AssetKey(["raw", "world_bank_pages"])
REFRESH_KEY = dg.AssetKey(["raw", "conversion_refresh"])
SOURCE_FILES = "raw.world_bank_source_files"
REFRESH_TABLES = ("raw.refreshed_fx_rates", "raw.refreshed_economic_indicators", SOURCE_FILES)
TERMS = tuple(SOURCE_CONFIG["query"]["terms"])
FIRST_YEAR = SOURCE_CONFIG["query"]["first_year"]
YEARS = dg.StaticPartitionsDefinition(
    [str(y) for y in range(FIRST_YEAR, datetime.now(UTC).year + 1)]
)
TERM_PARTITIONS = dg.StaticPartitionsDefinition(list(TERMS))
PROGRAMME_PARTITIONS = dg.StaticPartitionsDefinition(list(DEFAULT_PROGRAMMES))
INDICATOR_PARTITIONS = dg.StaticPartitionsDefinition(list(ALL_INDICATORS))


@dg.asset(
    key=NSF_PAGES_KEY,
    group_name="funding",
    partitions_def=YEARS,
    kinds={"nsf", "http"},
    pool="nsf",
    retry_policy=FETCH_RETRY,
    description="Live only: one start year of NSF awards matching the quantum scope terms, "
    "landed verbatim, resumable.",
)
def nsf_pages(context: dg.AssetExecutionContext, qcm: QcmResource) -> dg.MaterializeResult:
    """Fetch the partition's start year from the NSF Awards API."""
    settings = qcm.settings
    require_live("raw/nsf_pages", settings.mode, "raw/funding")
    with client_settings("nsf"):
        fetcher = NsfFetcher(
            landing_zone(settings, "nsf"),
            terms=TERMS,
            base_url=api_root("NSF_API_URL", SOURCE_CONFIG["services"]["nsf"]["api"]),
            log=fetch_log(context),
        )
    with stopped_when_terminated("nsf"):
        try:
            outcome = fetcher.fetch_partition(
                int(context.partition_key), restart=fetch_afresh(context, settings)
            )
        except NsfError as err:
            raise step_failure(err) from err
    return fetch_result(outcome, "nsf year")


@dg.asset(
    key=UKRI_PAGES_KEY,
    group_name="funding",
    partitions_def=TERM_PARTITIONS,
    kinds={"ukri", "http"},
    pool="ukri",
    retry_policy=FETCH_RETRY,
    description="Live only: every UKRI Gateway to Research project matching one scope term, "
    "landed verbatim, resumable.",
)
def ukri_pages(context: dg.AssetExecutionContext, qcm: QcmResource) -> dg.MaterializeResult:
    """Fetch the partition's term from the GtR project search."""
    settings = qcm.settings
    require_live("raw/ukri_pages", settings.mode, "raw/funding")
    with client_settings("ukri"):
        fetcher = UkriFetcher(
            landing_zone(settings, "ukri"),
            list(TERMS),
            search_url=api_root("UKRI_API_URL", SOURCE_CONFIG["services"]["ukri"]["api"])
            + "/search/project",
            log=fetch_log(context),
        )
    with stopped_when_terminated("ukri"):
        try:
            outcome = fetcher.fetch_partition(
                context.partition_key, restart=fetch_afresh(context, settings)
            )
        except UkriError as err:
            raise step_failure(err) from err
    return fetch_result(outcome, "ukri term")


@dg.asset(
    key=CORDIS_FILES_KEY,
    group_name="funding",
    partitions_def=PROGRAMME_PARTITIONS,
    kinds={"cordis", "http"},
    pool="cordis",
    retry_policy=FETCH_RETRY,
    description="Live only: one framework programme's CORDIS bulk archive (projects and "
    "organisations), verified and landed verbatim.",
)
def cordis_files(context: dg.AssetExecutionContext, qcm: QcmResource) -> dg.MaterializeResult:
    """Download the partition's programme archive from CORDIS."""
    settings = qcm.settings
    require_live("raw/cordis_files", settings.mode, "raw/funding")
    with client_settings("cordis"):
        fetcher = CordisFetcher(
            landing_zone(settings, "cordis"),
            base_url=api_root("CORDIS_DATA_URL", SOURCE_CONFIG["services"]["cordis"]["api"]),
            log=fetch_log(context),
        )
    with stopped_when_terminated("cordis"):
        try:
            outcome = fetcher.fetch_partition(context.partition_key)
        except CordisError as err:
            raise step_failure(err) from err
    return fetch_result(outcome, "cordis programme")


def world_bank_zone(qcm: QcmResource) -> LandingZone:
    """The World Bank landing zone."""
    return LandingZone(qcm.settings.landing_dir, "world_bank", ".json")


@dg.asset(
    key=WORLD_BANK_PAGES_KEY,
    group_name="funding",
    partitions_def=INDICATOR_PARTITIONS,
    kinds={"worldbank", "http"},
    pool="world_bank",
    retry_policy=FETCH_RETRY,
    description="Live only: one World Bank indicator for the programme countries and years, "
    "landed verbatim, to refresh the conversion tables.",
)
def world_bank_pages(context: dg.AssetExecutionContext, qcm: QcmResource) -> dg.MaterializeResult:
    """Fetch the partition's indicator for every country of the programme table."""
    settings = qcm.settings
    require_live("raw/world_bank_pages", settings.mode, "raw/funding")
    # the reviewed table itself: a first live run fetches before ref.* is loaded; the
    # World Bank publishes no series for Taiwan (currencies.csv, TWD)
    programmes = read_csv("funding_programmes.csv")
    countries = sorted(set(programmes["country_iso3"]) - {"TWN"})
    if context.partition_key == DEFLATOR_INDICATOR:
        countries = ["USA"]  # constant dollars use the US deflator only
    last = datetime.now(UTC).year
    with client_settings("world_bank"):  # a setting, or a country code a request cannot carry
        fetcher = WorldBankFetcher(
            world_bank_zone(qcm),
            base_url=api_root("WORLD_BANK_API_URL", SOURCE_CONFIG["services"]["world_bank"]["api"]),
            log=fetch_log(context),
        )
        fetcher.url(context.partition_key, countries, FIRST_YEAR, last, 1)
    with stopped_when_terminated("world_bank"):
        try:
            outcome = fetcher.fetch_indicator(
                context.partition_key,
                countries,
                FIRST_YEAR,
                last,
                restart=fetch_afresh(context, settings),
            )
        except WorldBankError as err:
            raise step_failure(err) from err
    return fetch_result(outcome, "world bank indicator")


@dg.asset(
    key=REFRESH_KEY,
    deps=[REFERENCE_KEY, WORLD_BANK_PAGES_KEY],
    group_name="funding",
    kinds={"duckdb", "python"},
    pool="duckdb",
    description="Conversion rows refreshed from the latest complete World Bank fetches "
    "(live mode without a funding folder), and the landed pages they came from; empty "
    "otherwise, where the committed tables are used alone.",
)
def conversion_refresh(context: dg.AssetExecutionContext, qcm: QcmResource) -> dg.MaterializeResult:
    """Write ``raw.refreshed_fx_rates``, ``raw.refreshed_economic_indicators`` and the
    pages read, ``raw.world_bank_source_files`` (which ``meta.source_files`` lists)."""
    settings = qcm.settings
    fx: list[dict] = []
    indicators: list[dict] = []
    files: list[dict] = []
    if settings.mode == "live" and settings.source_dir("funding") is not None:
        # a funding folder reads offline: the World Bank is not fetched (qcm build) and
        # what an earlier run landed is not read either
        context.log.info("conversion refresh: a funding folder is given, committed tables only")
    elif settings.mode == "live":
        with qcm.connect() as con:
            currency_of = dict(
                con.execute(
                    "select world_bank_country, currency from ref.currencies "
                    "where world_bank_country is not null"
                ).fetchall()
            )
        rows = landed_rows(world_bank_zone(qcm), currency_of)
        fx, indicators, files = rows.fx, rows.indicators, rows.files
        try:
            check_one_deflator_base(indicators)
        except ValueError as err:
            raise dg.Failure(f"conversion refresh: {err}", allow_retries=False) from err
        if rows.unmapped:
            context.log.warning(
                f"conversion refresh: exchange rates of {len(rows.unmapped)} World Bank "
                f"countries map to no currency in ref.currencies and are not used: "
                f"{', '.join(sorted(set(rows.unmapped)))}"
            )
        context.log.info(
            f"conversion refresh: {len(fx)} exchange rates and {len(indicators)} economic "
            f"values from {len(files)} World Bank pages; null values skipped: "
            f"{rows.nulls or 'none'}"
        )
    else:
        context.log.info(f"conversion refresh: mode {settings.mode}, committed tables only")
    frames = {
        "raw.refreshed_fx_rates": pl.DataFrame(
            fx, schema={c: pl.String for c in FX_COLUMNS}, orient="row"
        ),
        "raw.refreshed_economic_indicators": pl.DataFrame(
            indicators, schema={c: pl.String for c in INDICATOR_COLUMNS}, orient="row"
        ),
        # the same columns as every source's files (raw.grant_source_files)
        SOURCE_FILES: pl.DataFrame(files, schema=SCHEMAS["raw.grant_source_files"]),
    }
    with qcm.connect() as con:
        counts = {table: replace_table(con, table, frames[table]) for table in REFRESH_TABLES}
    return dg.MaterializeResult(metadata=counts)
