"""Dagster glue the sources share: live mode only, endpoints, credentials, the metadata of
a finished fetch, and the raw files a source reads in the run's mode.

Each helper turns a settings problem into ``dg.Failure(allow_retries=False)``: retrying
cannot fix a missing key or a plain-http endpoint.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from pipelines.fetching import FetchOutcome
from pipelines.landing import LandingWriteError, LandingZone
from pipelines.settings import Settings, SettingsError, credential, service_url

# the live fetch jobs `qcm build` runs first, in order; a job's landing zone is its name
# without `_fetch`: (source of --source-dir, job, label, partitions:
# "years" = the --years range, "all" = every partition of the job: terms, programmes or
# indicators)
LIVE_FETCHES = (
    ("openalex", "openalex_fetch", "OpenAlex", "years"),
    # after the works: its job builds staging.authorships from them first
    ("openalex_authors", "openalex_authors_fetch", "OpenAlex authors", "all"),
    ("patents", "patentsview_fetch", "PatentsView", "years"),
    ("patents", "epo_ops_fetch", "EPO OPS", "years"),
    ("funding", "nsf_fetch", "NSF", "years"),
    ("funding", "ukri_fetch", "UKRI", "all"),
    ("funding", "cordis_fetch", "CORDIS", "all"),
    # the conversion tables serve the funding source: a funding folder reads offline
    ("funding", "world_bank_fetch", "World Bank", "all"),
    ("supply_chain", "comtrade_fetch", "UN Comtrade", "years"),
)


def require_live(asset: str, mode: str, offline: str) -> None:
    """Refuse to call a service outside live mode; ``offline`` names the offline reader."""
    if mode != "live":
        raise dg.Failure(
            f"{asset} fetches from a live service, but the mode is {mode!r}: run "
            f"`qcm build --mode live` (with any credentials set), or read {offline} offline.",
            allow_retries=False,
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


WARNING_MARK = "WARNING: "  # how a fetch client marks a line that needs a person's eye


def fetch_log(context: dg.AssetExecutionContext) -> Callable[[str], None]:
    """The log a fetch client writes its lines to in ``context``'s step: a line it marks
    ``WARNING: `` (a count that does not add up, a family not found) at Dagster's warning
    level, where the UI's level filter finds it, the others at info."""

    def log(line: str) -> None:
        (context.log.warning if WARNING_MARK in line else context.log.info)(line)

    return log


@contextmanager
def client_settings(source: str) -> Iterator[None]:
    """Around a fetch client's construction, or its check of what a fetch will ask for: its
    refusal (a ValueError: a page size out of range, a key or contact address that cannot
    travel in a header, a malformed CPC code of the reviewed map, a country code a World
    Bank request cannot carry) becomes a dg.Failure naming ``source`` that Dagster does not
    retry, as trying again cannot help; without it the step's retry policy would try twice
    more, minutes apart."""
    try:
        yield
    except ValueError as err:
        raise dg.Failure(f"{source}: {err}", allow_retries=False) from err


@contextmanager
def stopped_when_terminated(source: str) -> Iterator[None]:
    """Around a fetch: a run terminated from the UI (or interrupted) while it fetches
    ``source`` stops the step for good, a dg.Failure Dagster does not retry. Dagster turns
    an interrupt into a retry when the step has a retry policy (every fetch has
    ``FETCH_RETRY``): without this, a Terminate would start the fetch again minutes later,
    beside whatever the freed pool let in. The pages landed are kept; the next run resumes
    after them. Its limits: an interrupt before the fetch starts (reading the settings or
    the working database) is still retried, and the in-process executor, which does not
    look for an interrupt between steps, goes on to a run's other independent steps (each
    fetch job has one fetch step).

    A page that cannot be landed (``LandingWriteError``: a full disk, a folder it may not
    write) stops the step for good too, naming the file: the same disk minutes later would
    refuse it again, and it needs a person."""
    try:
        yield
    except (dg.DagsterExecutionInterruptedError, KeyboardInterrupt) as err:
        raise dg.Failure(
            f"{source}: the fetch stopped, as the run was terminated or interrupted; the "
            "pages landed are kept and the next run resumes after them",
            allow_retries=False,
        ) from err
    except LandingWriteError as err:
        raise dg.Failure(f"{source}: {err}", allow_retries=False) from err


# a run with this tag set to "1" (the UI's Launchpad) starts its fetches afresh, as
# `qcm build --refetch` does
REFETCH_TAG = "qcm/refetch"


def fetch_afresh(context: dg.AssetExecutionContext, settings: Settings) -> bool:
    """Whether the fetch of ``context``'s step starts afresh instead of resuming its saved
    partition: ``QCM_REFETCH=1`` (``qcm build --refetch``) in ``settings``, or the run's
    tag ``qcm/refetch`` = ``1``, on the step's first attempt in a run that is not a
    re-execution; a retry, or a re-execution (which carries the tags), resumes what the
    fresh fetch landed."""
    first = context.retry_number == 0 and context.run.parent_run_id is None
    return first and (settings.refetch or context.run.tags.get(REFETCH_TAG) == "1")


def require_done(outcome: FetchOutcome, what: str) -> FetchOutcome:
    """``outcome`` when its fetch is done; a dg.Failure naming ``what`` and the partition
    otherwise (parked: a later run resumes it; retrying now cannot help)."""
    if outcome.status != "done":
        raise dg.Failure(
            f"{what} {outcome.partition} is {outcome.status}: {outcome.message}",
            allow_retries=False,
        )
    return outcome


def fetch_result(outcome: FetchOutcome, what: str) -> dg.MaterializeResult:
    """Metadata of a done fetch; dg.Failure naming ``what`` and the partition otherwise."""
    require_done(outcome, what)
    return dg.MaterializeResult(
        metadata={
            "pages": outcome.pages_landed,
            "records": outcome.records,
            "reported_total": outcome.meta_count,
        }
    )


def raw_input_files(
    settings: Settings,
    source: str,
    services: Mapping[str, str],
    list_folder: Callable[[Path], list[Path]],
    how_to_fetch: str,
) -> tuple[Path, list[Path]]:
    """The folder and raw files a source's ``raw`` asset reads in this run's mode.

    A ``--source-dir`` folder (or the embedded sample) is listed with ``list_folder``;
    otherwise the latest complete fetches of the landing zones of ``services`` (service ->
    blob suffix) are read. Raises dg.Failure saying ``how_to_fetch`` when there is nothing.
    """
    directory = settings.source_dir(source)
    if directory is not None:
        if not directory.is_dir():
            raise dg.Failure(f"{source} source directory {directory} does not exist")
        files = list_folder(directory)
    else:
        directory = settings.landing_dir
        files = [
            path
            for service, suffix in services.items()
            for path in LandingZone(directory, service, suffix).current_files()
        ]
    if not files:
        raise dg.Failure(
            f"{source}: no raw files to read in {directory} (mode {settings.mode}); in live "
            f"mode {how_to_fetch}"
        )
    return directory, files
