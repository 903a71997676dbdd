"""Live fetch asset of the workforce source: the OpenAlex author records of the works in scope.

- ``raw/openalex_author_pages`` (live only, unpartitioned): reads the distinct author ids
  of ``staging.authorships`` from the working database and lands the author records of
  every one from the OpenAlex API, in batches of at most 100 ids, verbatim and resumable
  (``assets.workforce.live``), in the ``openalex_authors`` landing zone.

``author_fetch_selection()`` is what a fetch job runs: the works' raw tables and the SQL
assets up to ``staging.authorships`` (so a fresh working database is built from the landed
works first), then this asset.
"""

import os
from datetime import timedelta
from pathlib import Path

import dagster as dg
import duckdb
import yaml

from assets.bibliometric.assets import PAGES_KEY
from assets.bibliometric.live import OpenAlexError, OpenAlexFetcher
from assets.workforce.live import SOURCE, fetch_authors
from pipelines.fetching import FETCH_RETRY, step_failure
from pipelines.landing import LandingZone
from pipelines.live_fetch import (
    api_root,
    fetch_afresh,
    fetch_log,
    require_live,
    secret,
    stopped_when_terminated,
)
from pipelines.resources import QcmResource

SOURCE_CONFIG = yaml.safe_load((Path(__file__).parent / "source.yml").read_text(encoding="utf-8"))
AUTHOR_PAGES_KEY = dg.AssetKey(["raw", "openalex_author_pages"])
AUTHORSHIPS_KEY = dg.AssetKey(["staging", "authorships"])
AUTHOR_IDS_SQL = "select distinct author_id from staging.authorships where author_id is not null"


def author_fetch_selection() -> dg.AssetSelection:
    """The assets a fetch job of the author records runs, with their checks.

    ``raw/openalex_author_pages`` and everything upstream of it (the reference tables,
    ``raw/openalex`` and the SQL assets up to ``staging.authorships``) except the
    partitioned works fetch ``raw/openalex_pages``, whose landed years ``raw/openalex``
    reads.
    """
    return dg.AssetSelection.assets(AUTHOR_PAGES_KEY).upstream() - dg.AssetSelection.assets(
        PAGES_KEY
    )


@dg.asset(
    key=AUTHOR_PAGES_KEY,
    deps=[AUTHORSHIPS_KEY],
    group_name="workforce",
    kinds={"openalex", "http"},
    # it opens the working database (one writer or many readers across processes)
    pool="duckdb",
    retry_policy=FETCH_RETRY,
    description="Live only: the OpenAlex author record of every author of the works in "
    "scope (staging.authorships), fetched in batches of at most 100 ids and landed "
    "verbatim, resumable by batch and cursor.",
)
def openalex_author_pages(
    context: dg.AssetExecutionContext, qcm: QcmResource
) -> dg.MaterializeResult:
    """Fetch every author of ``staging.authorships``; a spent daily budget parks the batch."""
    settings = qcm.settings
    require_live(
        "raw/openalex_author_pages", settings.mode, "the author pages landed by an earlier run"
    )
    ids = author_ids(qcm)
    with stopped_when_terminated(SOURCE):
        try:
            fetcher = OpenAlexFetcher(
                LandingZone(settings.landing_dir, SOURCE),
                api_key=secret(
                    "OPENALEX_API_KEY",
                    "OpenAlex requires an API key since February 2026 "
                    "(https://openalex.org/settings/api)",
                ),
                email=os.environ.get("OPENALEX_EMAIL") or None,
                per_page=int(
                    os.environ.get("OPENALEX_PER_PAGE", SOURCE_CONFIG["query"]["per_page"])
                ),
                base_url=api_root(
                    "OPENALEX_API_URL", SOURCE_CONFIG["api"].removesuffix("/authors")
                ),
                log=fetch_log(context),
            )
            summary = fetch_authors(
                fetcher,
                ids,
                restart=fetch_afresh(context, settings),
                log=fetch_log(context),
                max_age=profile_max_age(),
            )
        except ValueError as err:
            # a malformed OPENALEX_PER_PAGE or an author id that is not one: retrying cannot help
            raise dg.Failure(f"{SOURCE}: {err}", allow_retries=False) from err
        except OpenAlexError as err:
            raise step_failure(err) from err
    if summary.status != "done":
        raise dg.Failure(summary.message, allow_retries=False)
    return dg.MaterializeResult(
        metadata={
            "batches": summary.batches,
            "batches_fetched": summary.fetched,
            "batches_refreshed": summary.refreshed,
            "batches_skipped": summary.skipped,
            "records": summary.records,
            "ids_requested": summary.ids_requested,
            "ids_without_record": summary.missing,
        }
    )


def profile_max_age() -> timedelta | None:
    """How old a batch of author records may grow before it is fetched again
    (``source.yml``: ``profiles.refresh_after_days``; None: never)."""
    days = SOURCE_CONFIG["profiles"]["refresh_after_days"]
    if days is None:
        return None
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise dg.Failure(
            f"{SOURCE}: profiles.refresh_after_days in source.yml must be a whole number of "
            f"days of at least 1, or null (never): {days!r}",
            allow_retries=False,
        )
    return timedelta(days=days)


def author_ids(qcm: QcmResource) -> list[str]:
    """The distinct author ids of ``staging.authorships``; dg.Failure when there are none."""
    try:
        with qcm.connect() as con:
            ids = [row[0] for row in con.execute(AUTHOR_IDS_SQL).fetchall()]
    except duckdb.CatalogException as err:
        raise dg.Failure(
            f"{SOURCE}: staging.authorships is not in the working database ({err}); "
            "materialise it first (the openalex_authors_fetch job does)",
            allow_retries=False,
        ) from err
    if not ids:
        raise dg.Failure(
            f"{SOURCE}: staging.authorships holds no author id, so there is nothing to fetch: "
            "fetch and build the works first",
            allow_retries=False,
        )
    return ids
