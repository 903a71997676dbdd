"""Dagster glue every live fetch asset shares: live mode only, endpoints, credentials, and
the metadata of a finished fetch.

Each helper turns a settings problem into ``dg.Failure(allow_retries=False)``: retrying
cannot fix a missing key or a plain-http endpoint.
"""

from __future__ import annotations

import os

import dagster as dg

from pipelines.fetching import FetchOutcome
from pipelines.settings import SettingsError, credential, service_url


def require_live(asset: str, mode: str, offline: str) -> None:
    """Refuse to call a service outside live mode; ``offline`` names the offline reader."""
    if mode != "live":
        raise dg.Failure(
            f"{asset} fetches from a live service, but the mode is {mode!r}: run "
            f"`qcm build --mode live` (with any credentials set), or read {offline} offline."
        )


def api_root(variable: str, default: str) -> str:
    """A service's API root from ``variable`` or ``default``; https only (dg.Failure)."""
    try:
        return service_url(variable, default, os.environ)
    except SettingsError as err:
        raise dg.Failure(str(err), allow_retries=False) from err


def secret(variable: str, where_to_get: str) -> str:
    """The value of a credential variable; dg.Failure when unset or malformed."""
    try:
        return credential(variable, where_to_get, os.environ)
    except SettingsError as err:
        raise dg.Failure(str(err), allow_retries=False) from err


def fetch_result(outcome: FetchOutcome, what: str) -> dg.MaterializeResult:
    """Metadata of a done fetch; dg.Failure naming ``what`` and the partition otherwise."""
    if outcome.status != "done":
        raise dg.Failure(
            f"{what} {outcome.partition} is {outcome.status}: {outcome.message}",
            allow_retries=False,
        )
    return dg.MaterializeResult(
        metadata={
            "pages": outcome.pages_landed,
            "records": outcome.records,
            "reported_total": outcome.meta_count,
        }
    )
