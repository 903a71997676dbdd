"""Live fetch assets of the patent source, one publication year per partition.

- ``raw/patentsview_pages``: US grants and pre-grant publications from the PatentsView
  PatentSearch API (key ``PATENTSVIEW_API_KEY``), landed verbatim, resumable.
- ``raw/epo_ops_pages``: worldwide documents and their DOCDB families from EPO OPS
  (OAuth client credentials ``EPO_OPS_KEY`` and ``EPO_OPS_SECRET``), the search split
  until every part is under the OPS result cap, landed verbatim, resumable.

Both query the codes of the reviewed CPC map marked ``in_live_query``. ``raw/patents``
then reads the latest complete fetch of every year of both services.
"""

import os
from datetime import UTC, datetime

import dagster as dg

from assets.patents.assets import (
    EPO_OPS_PAGES_KEY,
    PATENTSVIEW_PAGES_KEY,
    SOURCE_CONFIG,
    landing_zone,
)
from assets.patents.epo_ops_live import EpoOpsError, EpoOpsFetcher
from assets.patents.patentsview_live import PatentsViewError, PatentsViewFetcher
from assets.reference.tables import patent_live_query_codes
from pipelines.fetching import FetchOutcome
from pipelines.resources import QcmResource
from pipelines.settings import SettingsError, credential, service_url

YEARS = dg.StaticPartitionsDefinition(
    [str(y) for y in range(SOURCE_CONFIG["query"]["first_year"], datetime.now(UTC).year + 1)]
)


def secret(variable: str, where_to_get: str) -> str:
    """The value of a credential variable; dg.Failure (no retry) when unset or malformed."""
    try:
        return credential(variable, where_to_get, os.environ)
    except SettingsError as err:
        raise dg.Failure(str(err), allow_retries=False) from err


def _base_url(variable: str, service: str) -> str:
    """The service's API root from ``variable`` or source.yml; https only (dg.Failure)."""
    try:
        return service_url(variable, SOURCE_CONFIG["services"][service]["api"], os.environ)
    except SettingsError as err:
        raise dg.Failure(str(err), allow_retries=False) from err


def _require_live(asset: str, mode: str) -> None:
    """Refuse to call a service outside live mode."""
    if mode != "live":
        raise dg.Failure(
            f"{asset} fetches from a live service, but the mode is {mode!r}: run "
            "`qcm build --mode live` with the credentials set, or read raw/patents offline."
        )


def _result(outcome: FetchOutcome, service: str) -> dg.MaterializeResult:
    """Metadata for a done fetch; dg.Failure naming the year for a parked one."""
    if outcome.status != "done":
        raise dg.Failure(
            f"{service} year {outcome.partition} is {outcome.status}: {outcome.message}",
            allow_retries=False,
        )
    return dg.MaterializeResult(
        metadata={
            "pages": outcome.pages_landed,
            "records": outcome.records,
            "reported_total": outcome.meta_count,
        }
    )


@dg.asset(
    key=PATENTSVIEW_PAGES_KEY,
    group_name="patents",
    partitions_def=YEARS,
    kinds={"patentsview", "http"},
    pool="patentsview",
    retry_policy=dg.RetryPolicy(max_retries=2, delay=60, backoff=dg.Backoff.EXPONENTIAL),
    description="Live only: one publication year of quantum US grants and pre-grant "
    "publications from PatentsView (CPC map codes), landed verbatim, resumable.",
)
def patentsview_pages(context: dg.AssetExecutionContext, qcm: QcmResource) -> dg.MaterializeResult:
    """Fetch the partition's year from PatentsView; a rate-limit storm parks it (named)."""
    settings = qcm.settings
    _require_live("raw/patentsview_pages", settings.mode)
    fetcher = PatentsViewFetcher(
        landing_zone(settings, "patentsview"),
        api_key=secret(
            "PATENTSVIEW_API_KEY", "request a key at https://patentsview.org/apis/keyrequest"
        ),
        base_url=_base_url("PATENTSVIEW_API_URL", "patentsview"),
        log=context.log.info,
    )
    try:
        outcome = fetcher.fetch_partition(
            int(context.partition_key), patent_live_query_codes(), restart=settings.refetch
        )
    except PatentsViewError as err:
        raise dg.Failure(str(err), allow_retries=False) from err
    return _result(outcome, "patentsview")


@dg.asset(
    key=EPO_OPS_PAGES_KEY,
    group_name="patents",
    partitions_def=YEARS,
    kinds={"epo", "http"},
    pool="epo_ops",
    retry_policy=dg.RetryPolicy(max_retries=2, delay=60, backoff=dg.Backoff.EXPONENTIAL),
    description="Live only: one publication year of quantum patent documents and their "
    "DOCDB families from EPO OPS, the search split under the result cap, landed verbatim.",
)
def epo_ops_pages(context: dg.AssetExecutionContext, qcm: QcmResource) -> dg.MaterializeResult:
    """Fetch the partition's year from EPO OPS; a spent quota parks it (named)."""
    settings = qcm.settings
    _require_live("raw/epo_ops_pages", settings.mode)
    where = "register an application at https://developers.epo.org"
    fetcher = EpoOpsFetcher(
        landing_zone(settings, "epo_ops"),
        key=secret("EPO_OPS_KEY", where),
        secret=secret("EPO_OPS_SECRET", where),
        base_url=_base_url("EPO_OPS_API_URL", "epo_ops"),
        log=context.log.info,
    )
    try:
        outcome = fetcher.fetch_partition(
            int(context.partition_key), patent_live_query_codes(), restart=settings.refetch
        )
    except EpoOpsError as err:
        raise dg.Failure(str(err), allow_retries=False) from err
    return _result(outcome, "epo_ops")
