"""The live CORDIS client: each framework programme's bulk CSV archive, landed verbatim.

One partition is one framework programme (``FP7``, ``H2020``, ``HORIZON``); its fetch is
one download, ``GET {base_url}/cordis-{name}projects-csv.zip``. The archive is verified:
it must be a ZIP (never an HTML page served with status 200), every member must pass its
CRC check (a test unzip), ``project.csv`` and ``organization.csv`` must be present and
safe (``cordis_parse.archive_members``: no path traversal, no symbolic links, no
oversized member) and both must read as CSV, with at least one project; their record
counts go into the manifest and the state. An archive whose checksum equals the last
complete fetch's is reported as unchanged.

A body that came whole (as long as the transport announced) is landed verbatim even when
it fails verification, so the file stays on disk to inspect: its manifest line carries
the ``error`` and the state never lists it, so the parser never reads it (the last
complete fetch stays current). A body that is not a ZIP or cannot be unpacked (a page
served during an outage, a file damaged on its way) is downloaded again with backoff,
then the partition fails with an error naming the programme, the URL and the landed
file, which a later run may mend (``gave_up``). A sound ZIP that is not a usable CORDIS
archive (``ArchiveRefused``: a member missing, repeated, unsafe or not CSV, no project)
fails at once, never retried: the same file downloads the same. A body cut off in
transit is not landed and is downloaded again.

What this relies on (read 2026; facts only, no code taken):

- The archive URLs and names, case as written: ``cordis-HORIZONprojects-csv.zip``
  (data.europa.eu dataset "CORDIS - EU research projects under Horizon Europe
  (2021-2027)"; the README of a public "CORDIS Horizon Europe Explorer" links
  https://cordis.europa.eu/data/cordis-HORIZONprojects-csv.zip),
  ``cordis-h2020projects-csv.zip`` (pyobo's CORDIS project converter downloads
  https://cordis.europa.eu/data/cordis-h2020projects-csv.zip) and
  ``cordis-fp7projects-csv.zip`` (named with the other two as the publisher's files in
  sister-software/mailwoman's CORDIS adapter test). ``base_url`` is a setting.
- The downloads need no key; KTH-Library/cordis notes that "the download speed is rate
  limited when working directly against these files", hence one request per partition,
  a long read timeout, and 429/5xx retried honouring ``Retry-After``. A 429 that
  outlasts the retries parks the partition until the time the server gave.

Bodies are held in memory up to ``max_bytes`` (the landing zone stores bytes).
"""

from __future__ import annotations

import random
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
import urllib3

from assets.funding.cordis_parse import archive_members, csv_rows, is_cordis_zip, open_archive
from pipelines.fetching import (
    FetchOutcome,
    backoff_delay,
    capped,
    describe_body,
    gave_up,
    outcome,
    park,
    park_for,
    parse_retry_after,
    request_problem,
    still_parked,
)
from pipelines.landing import (
    CompletedFetch,
    LandedPage,
    LandingZone,
    PartitionState,
    redact_url,
    utc_now,
)

SOURCE = "cordis"
BASE_URL = "https://cordis.europa.eu/data"
# Framework programme -> the name in its archive's file name.
PROGRAMMES = {"FP7": "fp7", "H2020": "h2020", "HORIZON": "HORIZON"}
DEFAULT_PROGRAMMES = ("H2020", "HORIZON")


class CordisError(RuntimeError):
    """A download that cannot go on; the message names programme and (redacted) URL."""


@dataclass(frozen=True)
class ArchiveCheck:
    """What a verified archive holds: its member names and the records of its two CSVs."""

    members: tuple[str, ...]
    project_records: int
    organisation_records: int


class ArchiveDamaged(ValueError):
    """The bytes cannot be unpacked: not a readable ZIP, or a member fails its CRC check.

    A download can come whole by HTTP's count yet damaged (a file replaced while it was
    served, a corrupting proxy), so another download may be sound: retried.
    """


class ArchiveRefused(ValueError):
    """A sound ZIP that is not a usable CORDIS bulk archive: a member missing, repeated,
    unsafe or not CSV, no project, or packed in a way Python's zipfile cannot unpack (a
    compression method it lacks, an encrypted member). The same file downloads the same:
    never retried."""


def verify_archive(body: bytes) -> ArchiveCheck:
    """Test-unzip a bulk archive and count its records.

    Raises ArchiveDamaged when the body is not a readable ZIP or a member fails its CRC
    check; ArchiveRefused when a member is packed in a way zipfile cannot unpack
    (encrypted, an unknown compression method) or unsafe, ``project.csv`` or
    ``organization.csv`` is missing, repeated or not CSV, or ``project.csv`` holds no
    project. Both are ValueErrors.
    """
    try:
        with open_archive(body) as archive:
            return _check_members(archive)
    except (ArchiveDamaged, ArchiveRefused):
        raise
    except ValueError as err:  # open_archive: not a readable ZIP
        raise ArchiveDamaged(str(err)) from None


def _check_members(archive: zipfile.ZipFile) -> ArchiveCheck:
    """``verify_archive`` on an opened archive."""
    try:
        bad = archive.testzip()
    except (zipfile.BadZipFile, zlib.error, EOFError) as err:
        raise ArchiveDamaged(f"the archive cannot be unpacked ({err})") from None
    except (NotImplementedError, RuntimeError) as err:  # a compression method, encryption
        raise ArchiveRefused(f"the archive cannot be unpacked here ({err})") from None
    if bad is not None:
        raise ArchiveDamaged(f"member {bad!r} fails its CRC check")
    # every member unpacked whole above, so what fails from here is the content itself
    try:
        project, organisation = archive_members(archive)
        # minus the header line
        projects = sum(1 for _ in csv_rows(archive, project)) - 1
        organisations = sum(1 for _ in csv_rows(archive, organisation)) - 1
    except ValueError as err:
        raise ArchiveRefused(str(err)) from None
    if projects < 1:
        raise ArchiveRefused(f"{project.filename} holds no project")
    names = tuple(info.filename for info in archive.infolist())
    return ArchiveCheck(names, projects, max(organisations, 0))


class _Parked(Exception):
    """The service refused with 429 for longer than the retries allow."""

    def __init__(self, problem: str, retry_after: float | None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.retry_after = retry_after


def _error_detail(response: requests.Response) -> str:
    """The start of an error answer's body, described (``describe_body``); a body that
    breaks off or cannot be decoded is said to be unreadable, never raised: the status
    alone decides what happens next."""
    try:
        return describe_body(response.raw.read(4000, decode_content=True) or b"")
    except (urllib3.exceptions.HTTPError, OSError) as error:
        return f"(its body could not be read: {type(error).__name__})"


class CordisFetcher:
    """Download framework programmes' bulk archives into a landing zone, one partition each.

    ``landing`` is the source's zone, created with ``suffix=".zip"``. The other
    arguments: the archives' folder URL, the (connect, read) timeout in seconds, retries
    per archive, the backoff base and cap in seconds, the largest body accepted, and the
    ``sleep``, ``session`` and ``log`` to use (injectable for tests).
    """

    def __init__(
        self,
        landing: LandingZone,
        *,
        base_url: str = BASE_URL,
        timeout: tuple[float, float] = (10, 600),
        max_retries: int = 4,
        backoff_base: float = 5.0,
        backoff_cap: float = 300.0,
        max_bytes: int = 1 << 30,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        log: Callable[[str], None] = print,
    ) -> None:
        if landing.suffix != ".zip":
            raise ValueError(
                f"{SOURCE} lands ZIP archives: create its zone with "
                f"LandingZone(root, {SOURCE!r}, suffix='.zip'), not {landing.suffix!r}"
            )
        if max_retries < 0:
            raise ValueError(f"{SOURCE} max_retries must be 0 or more, not {max_retries}")
        self.landing = landing
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_bytes = max_bytes
        self.sleep = sleep
        self.session = capped(session)
        self.log = log
        self._rng = random.Random()

    def url(self, programme: str) -> str:
        """The archive URL of ``programme``; ValueError for a programme CORDIS has no archive of."""
        if programme not in PROGRAMMES:
            raise ValueError(
                f"{SOURCE} programme must be one of {sorted(PROGRAMMES)}, not {programme!r}"
            )
        return f"{self.base_url}/cordis-{PROGRAMMES[programme]}projects-csv.zip"

    def fetch_partition(self, programme: str) -> FetchOutcome:
        """Download, verify and land one programme's archive; return the outcome.

        ``done`` when landed (its message says whether the archive changed since the last
        complete fetch), ``parked`` when the service refused with 429 beyond the retries
        (or, per the saved state, still does). Raises CordisError, after saving the error
        in the partition's state, when the archive cannot be had or fails verification
        (the message names the landed file of a whole body that failed); the last
        complete fetch stays the current one.
        """
        if programme not in PROGRAMMES:
            raise ValueError(f"{SOURCE} programme must be one of {sorted(PROGRAMMES)}")
        url = self.url(programme)
        with self.landing.lock(programme):
            saved = self.landing.load_state(programme)
            if saved is not None and saved.query == url:
                waiting = still_parked(saved, SOURCE, "the download", self.log)
                if waiting is not None:
                    return waiting
            previous = list(saved.done.pages) if saved is not None and saved.done else []
            # one file is one page: a broken download is never resumed, always redone
            state = self.landing.start_fetch(programme, restart=True, query=url)
            where = f"{SOURCE} {programme} (GET {redact_url(url)})"
            try:
                body, check = self._download(state, where, url)
            except _Parked as parked:
                return self._park(state, where, parked)
            except CordisError as err:
                state.error = str(err)
                self.landing.save_state(state)
                raise
            return self._land(state, where, url, body, check, previous)

    def _land(
        self,
        state: PartitionState,
        where: str,
        url: str,
        body: bytes,
        check: ArchiveCheck,
        previous: list[str],
    ) -> FetchOutcome:
        """Land a verified archive and mark the partition's fetch done."""
        extra: dict[str, Any] = {
            "programme": state.partition,
            "members": list(check.members),
            "project_records": check.project_records,
            "organisation_records": check.organisation_records,
        }
        landed = self._land_page(state, url, body, extra)
        state.pages, state.cursors = [landed.sha256], [""]
        state.records, state.cursor, state.error = check.project_records, None, None
        state.status = "done"
        state.done = CompletedFetch(
            fetch_id=state.fetch_id,
            pages=[landed.sha256],
            records=check.project_records,
            meta_count=None,
            finished_at=utc_now(),
        )
        self.landing.save_state(state)
        message = (
            f"{where}: done, {landed.bytes} bytes, {check.project_records} projects and "
            f"{check.organisation_records} organisation records"
        )
        if previous == [landed.sha256]:
            message += f"; unchanged since the last fetch (same checksum {landed.sha256[:12]})"
        self.log(message)
        return outcome(state, message)

    def _land_page(
        self, state: PartitionState, url: str, body: bytes, extra: dict[str, Any]
    ) -> LandedPage:
        """Land ``body``, the one page of ``state``'s fetch from ``url``, verbatim, with
        ``extra`` in its manifest line."""
        return self.landing.land(
            body,
            url=url,
            partition=state.partition,
            fetch_id=state.fetch_id,
            page=1,
            status=200,
            extra=extra,
        )

    def _reject(self, state: PartitionState, url: str, body: bytes, problem: str) -> str:
        """Land a whole body that failed verification, as evidence; return where, in words
        (``landed for inspection as <path>``), or why it could not be (a full disk: the
        failure being reported is the body's, so it is said, not raised).

        Its manifest line carries ``error``; the state never lists it, so no reader takes
        it for data.
        """
        try:
            landed = self._land_page(
                state, url, body, {"programme": state.partition, "error": problem}
            )
        except OSError as error:
            return f"not landed for inspection ({type(error).__name__}: {error})"
        return f"landed for inspection as {landed.path}"

    def _park(self, state: PartitionState, where: str, parked: _Parked) -> FetchOutcome:
        """Save the partition as parked until the server's time (or ``backoff_cap``)."""
        wait = parked.retry_after if parked.retry_after is not None else self.backoff_cap
        return park(
            self.landing,
            state,
            park_for(wait),
            lambda until: (
                f"{where}: {parked.problem}; parked until {until}: run again after that to "
                "download the archive"
            ),
            self.log,
        )

    def _read(self, response: requests.Response, where: str) -> bytes:
        """The whole body, refusing more than ``max_bytes`` (CordisError)."""
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise CordisError(f"{where}: the archive is {declared} bytes, over max_bytes")
        chunks, size = [], 0
        for chunk in response.iter_content(chunk_size=1 << 20):
            size += len(chunk)
            if size > self.max_bytes:
                raise CordisError(f"{where}: the archive is over max_bytes {self.max_bytes}")
            chunks.append(chunk)
        return b"".join(chunks)

    def _download(self, state: PartitionState, where: str, url: str) -> tuple[bytes, ArchiveCheck]:
        """GET the archive of ``state``'s partition with retries; return a verified body.

        Connection errors, timeouts, a body cut off in transit, 5xx, 429 and a 200 whose
        body is not a ZIP or cannot be unpacked (``ArchiveDamaged``) are retried with
        backoff; other statuses raise CordisError at once, as does running out of
        retries. A whole 200 body that fails verification is landed first (``_reject``);
        a sound ZIP refused for its content (``ArchiveRefused``) raises CordisError at
        once, naming the landed file. Raises ``_Parked`` when 429 outlasts the retries or
        asks for longer than ``backoff_cap``.
        """
        problem, retry_after, rate_limited = "", None, False
        for attempt in range(self.max_retries + 1):
            if attempt:
                delay = backoff_delay(
                    attempt - 1, retry_after, self.backoff_base, self.backoff_cap, self._rng
                )
                self.log(
                    f"{where}: {problem}; retry {attempt} of {self.max_retries} in {delay:.1f}s"
                )
                self.sleep(delay)
            retry_after, rate_limited = None, False
            try:
                response = self.session.get(url, timeout=self.timeout, stream=True)
            except requests.RequestException as exc:
                problem = request_problem(exc, lambda text: CordisError(f"{where}: {text}"))
                continue
            with response:
                status = response.status_code
                if status == 200:
                    try:
                        body = self._read(response, where)
                    except requests.RequestException as exc:
                        failure = request_problem(exc, lambda text: CordisError(f"{where}: {text}"))
                        problem = f"the download broke off ({failure})"
                        continue
                    if not is_cordis_zip(body):
                        problem = (
                            f"HTTP 200 but the body is not a ZIP archive ({describe_body(body)})"
                        )
                    else:
                        try:
                            return body, verify_archive(body)
                        except ArchiveRefused as err:
                            kept = self._reject(state, url, body, f"archive refused: {err}")
                            raise CordisError(
                                f"{where}: the download is a sound ZIP but not a usable CORDIS "
                                f"bulk archive: {err} ({kept}; never read as data); not "
                                "retried, as the same file would download the same. See what "
                                "CORDIS changed, then correct the archive's expected layout or "
                                "report the file to CORDIS; the last complete fetch stays "
                                "current"
                            ) from None
                        except ArchiveDamaged as err:
                            problem = f"the archive fails verification ({err})"
                    problem += f"; {self._reject(state, url, body, problem)}"
                    continue
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                detail = _error_detail(response)
                if status == 429:
                    rate_limited = True
                    problem = "HTTP 429 (too many requests)"
                    if retry_after is not None and retry_after > self.backoff_cap:
                        raise _Parked(f"{problem}, Retry-After {retry_after:.0f}s", retry_after)
                    continue
                if status >= 500:
                    problem = f"HTTP {status}: {detail}"
                    if retry_after is not None and retry_after > self.backoff_cap:
                        # a wait longer than the cap parks the partition, never sleeps it out
                        raise _Parked(f"{problem}, Retry-After {retry_after:.0f}s", retry_after)
                    continue
                raise CordisError(f"{where}: HTTP {status}: {detail}")
        if rate_limited:
            raise _Parked(f"{problem}, still after {self.max_retries + 1} attempts", retry_after)
        raise gave_up(
            CordisError(f"{where}: gave up after {self.max_retries + 1} attempts; last: {problem}")
        )
