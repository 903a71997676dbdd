"""Live fetch assets of the patent source, one publication year per partition.

- ``raw/patentsview_pages``: US grants and pre-grant publications from the PatentsView
  PatentSearch API (key ``PATENTSVIEW_API_KEY``), landed verbatim, resumable.
- ``raw/epo_ops_pages``: worldwide documents and their DOCDB families from EPO OPS
  (OAuth client credentials ``EPO_OPS_KEY`` and ``EPO_OPS_SECRET``), the search split
  until every part is under the OPS result cap, landed verbatim, resumable.

Both query the codes of the reviewed CPC map marked ``in_live_query``. ``raw/patents``
then reads the latest complete fetch of every year of both services.
"""

from datetime import UTC, datetime

import dagster as dg

from assets.patents.assets import (
    EPO_OPS_PAGES_KEY,
    PATENTSVIEW_PAGES_KEY,
    SOURCE_CONFIG,
    landing_zone,
)
from assets.patents.epo_ops_live import EpoOpsError, EpoOpsFetcher
from assets.patents.patentsview_live import ENDPOINTS, PatentsViewError, PatentsViewFetcher
from assets.reference.tables import patent_live_query_codes
from pipelines.fetching import FETCH_RETRY, step_failure
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

YEARS = dg.StaticPartitionsDefinition(
    [str(y) for y in range(SOURCE_CONFIG["query"]["first_year"], datetime.now(UTC).year + 1)]
)


@dg.asset(
    key=PATENTSVIEW_PAGES_KEY,
    group_name="patents",
    partitions_def=YEARS,
    kinds={"patentsview", "http"},
    pool="patentsview",
    retry_policy=FETCH_RETRY,
    description="Live only: one publication year of quantum US grants and pre-grant "
    "publications from PatentsView (CPC map codes), landed verbatim, resumable.",
)
def patentsview_pages(context: dg.AssetExecutionContext, qcm: QcmResource) -> dg.MaterializeResult:
    """Fetch the partition's year from PatentsView; a rate-limit storm parks it (named)."""
    settings = qcm.settings
    require_live("raw/patentsview_pages", settings.mode, "raw/patents")
    api_key = secret(
        "PATENTSVIEW_API_KEY", "request a key at https://patentsview.org/apis/keyrequest"
    )
    base_url = api_root("PATENTSVIEW_API_URL", SOURCE_CONFIG["services"]["patentsview"]["api"])
    with client_settings("patentsview"):
        fetcher = PatentsViewFetcher(
            landing_zone(settings, "patentsview"),
            api_key=api_key,
            base_url=base_url,
            log=fetch_log(context),
        )
    year, codes = int(context.partition_key), patent_live_query_codes()
    with client_settings("patentsview"):  # a malformed code of the reviewed CPC map
        for spec in ENDPOINTS:
            fetcher.query(spec.name, year, codes)
    with stopped_when_terminated("patentsview"):
        try:
            outcome = fetcher.fetch_partition(year, codes, restart=fetch_afresh(context, settings))
        except PatentsViewError as err:
            raise step_failure(err) from err
    return fetch_result(outcome, "patentsview year")


@dg.asset(
    key=EPO_OPS_PAGES_KEY,
    group_name="patents",
    partitions_def=YEARS,
    kinds={"epo", "http"},
    pool="epo_ops",
    retry_policy=FETCH_RETRY,
    description="Live only: one publication year of quantum patent documents and their "
    "DOCDB families from EPO OPS, the search split under the result cap, landed verbatim.",
)
def epo_ops_pages(context: dg.AssetExecutionContext, qcm: QcmResource) -> dg.MaterializeResult:
    """Fetch the partition's year from EPO OPS; a spent quota parks it (named)."""
    settings = qcm.settings
    require_live("raw/epo_ops_pages", settings.mode, "raw/patents")
    where = "register an application at https://developers.epo.org"
    fetcher = EpoOpsFetcher(
        landing_zone(settings, "epo_ops"),
        key=secret("EPO_OPS_KEY", where),
        secret=secret("EPO_OPS_SECRET", where),
        base_url=api_root("EPO_OPS_API_URL", SOURCE_CONFIG["services"]["epo_ops"]["api"]),
        log=fetch_log(context),
    )
    codes = patent_live_query_codes()
    with client_settings("epo_ops"):  # a malformed code of the reviewed CPC map
        fetcher.clean_codes(codes)
    with stopped_when_terminated("epo_ops"):
        try:
            outcome = fetcher.fetch_partition(
                int(context.partition_key), codes, restart=fetch_afresh(context, settings)
            )
        except EpoOpsError as err:
            raise step_failure(err) from err
    return fetch_result(outcome, "epo_ops year")
