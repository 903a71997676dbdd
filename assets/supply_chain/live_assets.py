"""Live fetch asset of the supply-chain source: one trade year of UN Comtrade per partition.

- ``raw/comtrade_pages`` (live only): every reporter's exports and imports, with every
  partner, of the reviewed HS codes of the year's HS revision (the code map
  ``assets/reference/hs_codes.csv`` without its context lines: HS2017 before 2022, HS2022
  from 2022) and of ``TOTAL`` (with the World only), one request per code, landed
  verbatim in the ``comtrade`` landing zone and resumable
  (``assets.supply_chain.comtrade_live``). It never opens the working database.
  Needs ``COMTRADE_API_KEY``; the free subscription allows 500 calls a day, so a spent
  quota parks the year and a later run resumes it at the next unlanded code.
"""

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import polars as pl
import yaml

from assets.reference.tables import read_csv
from assets.supply_chain.comtrade_live import (
    KEY_VARIABLE,
    SOURCE,
    TOTAL,
    ComtradeError,
    ComtradeFetcher,
)
from pipelines.fetching import FETCH_RETRY, step_failure
from pipelines.landing import LandingZone
from pipelines.live_fetch import (
    api_root,
    client_settings,
    fetch_afresh,
    fetch_log,
    fetch_result,
    require_live,
    secret,
    stopped_when_terminated,
)
from pipelines.resources import QcmResource
from pipelines.settings import Settings

SOURCE_CONFIG = yaml.safe_load((Path(__file__).parent / "source.yml").read_text(encoding="utf-8"))
COMTRADE = SOURCE_CONFIG["services"]["comtrade"]
COMTRADE_PAGES_KEY = dg.AssetKey(["raw", "comtrade_pages"])
FIRST_YEAR = int(SOURCE_CONFIG["query"]["first_year"])
# annual trade of the current year does not exist before it ends: the last year is the one before
YEARS = dg.StaticPartitionsDefinition([str(y) for y in range(FIRST_YEAR, datetime.now(UTC).year)])
# HS2022 took effect on 1 January 2022: earlier years are reported in HS2017.
HS2022_FROM = 2022


def landing_zone(settings: Settings) -> LandingZone:
    """The UN Comtrade landing zone (JSON bodies) under the settings' landing folder."""
    return LandingZone(settings.landing_dir, SOURCE, ".json")


def hs_revision(year: int) -> str:
    """The HS revision a trade year's codes are taken from: HS2017 before 2022, else HS2022."""
    return "HS2017" if year < HS2022_FROM else "HS2022"


def query_codes(year: int, table: pl.DataFrame | None = None) -> tuple[list[str], list[str]]:
    """The commodity codes to fetch for ``year`` and those of them that may answer empty.

    Codes: the distinct codes of the year's HS revision in the reviewed code map
    (``table``, by default ``assets/reference/hs_codes.csv``, the file ``ref.hs_codes`` is
    loaded from) that are not context lines; from 2022 also the HS2017 codes that HS2022
    no longer has (8541.40, 7104.20), because a reporter still filing in HS2017 reports
    its trade under them, and without them that trade would read as none. Sorted, then
    ``TOTAL`` (the all-goods line). Those older codes may answer empty (nobody files in
    HS2017 any more): the second list. Read from the file, so a fetch never opens the
    working database.
    """
    table = read_csv("hs_codes.csv") if table is None else table
    usable = [
        (row["hs_revision"], str(row["hs_code"]).strip())
        for row in table.iter_rows(named=True)
        if row["role"] != "context" and row["hs_code"]
    ]
    current = {code for revision, code in usable if revision == hs_revision(year)}
    older = set()
    if hs_revision(year) == "HS2022":
        older = {code for revision, code in usable if revision == "HS2017"} - current
    return [*sorted(current | older), TOTAL], sorted(older)


@dg.asset(
    key=COMTRADE_PAGES_KEY,
    group_name="supply_chain",
    partitions_def=YEARS,
    kinds={"comtrade", "http"},
    pool="comtrade",
    retry_policy=FETCH_RETRY,
    description="Live only: one trade year of every reporter's exports and imports of the "
    "reviewed HS codes (and TOTAL) from the UN Comtrade API, one request per code, landed "
    "verbatim, resumable across days of quota.",
)
def comtrade_pages(context: dg.AssetExecutionContext, qcm: QcmResource) -> dg.MaterializeResult:
    """Fetch the partition's year from UN Comtrade; a spent daily quota parks it (named)."""
    settings = qcm.settings
    require_live("raw/comtrade_pages", settings.mode, "raw/supply_chain")
    year = int(context.partition_key)
    key = secret(KEY_VARIABLE, COMTRADE["key_from"])
    base_url = api_root("COMTRADE_API_URL", COMTRADE["api"])
    codes, may_be_empty = query_codes(year)
    if codes == [TOTAL]:
        raise dg.Failure(
            f"{SOURCE} year {year}: assets/reference/hs_codes.csv holds no "
            f"{hs_revision(year)} code, so there is nothing to fetch",
            allow_retries=False,
        )
    with client_settings(SOURCE):
        fetcher = ComtradeFetcher(
            landing_zone(settings),
            key=key,
            base_url=base_url,
            flows=tuple(SOURCE_CONFIG["query"]["flows"]),
            max_records=int(SOURCE_CONFIG["query"]["max_records"]),
            log=fetch_log(context),
        )
    with stopped_when_terminated(SOURCE):
        try:
            outcome = fetcher.fetch_partition(
                year, codes, restart=fetch_afresh(context, settings), may_be_empty=may_be_empty
            )
        except (ComtradeError, ValueError) as err:
            raise step_failure(err) from err
    return fetch_result(outcome, "comtrade year")
