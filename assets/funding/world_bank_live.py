"""The live World Bank Indicators API client: refreshes the conversion reference tables.

One partition is one indicator (``PA.NUS.FCRF``, ``NY.GDP.MKTP.CD`` ...) over a country
list and a year range, fetched as ``GET {base}/country/{A;B;C}/indicator/{id}?format=json
&date={first}:{last}&per_page={n}&page={p}``. Every response body is landed verbatim in
the landing zone (source ``world_bank``, suffix ``.json``) before it is judged, and the
state is saved after each landed page, so a later run resumes after the last landed page.

What this relies on (datahelpdesk.worldbank.org, "API Basic Call Structures" and "New
Features and Enhancements in the V2 API", read 2026): no key; several countries are
joined with ``;`` in the path; ``date`` takes a ``first:last`` year range; ``page`` and
``per_page`` page through the result (see ``world_bank_parse`` for the body shape). No
rate limit is published, so requests are spaced ``min_interval`` (0.5 s) apart.

Status handling: connection errors, timeouts, 5xx, 429 (honouring ``Retry-After``) and
200 bodies that are not JSON (an HTML page, a truncated body) are retried with capped
full-jitter backoff. The API's own error message (``[{"message": [...]}]``), other 4xx,
a page that is not the one requested, an empty result (total 0) and a fetch that ends
with fewer records than ``total`` raise ``WorldBankError`` at once: an error is never
turned into "no data". Pages landed before stay landed.
"""

from __future__ import annotations

import gzip
import hashlib
import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import requests

from assets.funding.world_bank_parse import (
    FX_INDICATOR,
    INDICATORS,
    Page,
    ParsedRows,
    WorldBankApiError,
    WorldBankResponseError,
    decode_page,
    rows_from_pages,
)
from pipelines.fetching import (
    REFETCH,
    FetchOutcome,
    Pacer,
    backoff_delay,
    capped,
    describe_body,
    gave_up,
    outcome,
    parse_retry_after,
    request_problem,
)
from pipelines.landing import CompletedFetch, LandedPage, LandingZone, PartitionState, utc_now

SOURCE = "world_bank"
ALL_INDICATORS = (FX_INDICATOR, *INDICATORS)
MAX_PER_PAGE = 1000
COUNTRY = re.compile(r"^[A-Z]{3}$")


class WorldBankError(RuntimeError):
    """A fetch that cannot go on; the message names indicator, page and URL."""


@dataclass(frozen=True)
class _Reply:
    """A landed, decoded page."""

    page: Page
    landed: LandedPage


class WorldBankFetcher:
    """Fetch World Bank indicators for a country list and year range into a landing zone.

    ``landing`` is the source's zone (``LandingZone(root, "world_bank")``). The other
    arguments: the API root, the (connect, read) timeout in seconds, retries per page,
    the backoff base and cap in seconds, records per page (1 to 1000), the least time
    between two requests (0.5 s: at most 2 a second), and the ``sleep``, ``session``,
    ``log`` and monotonic ``clock`` to use (injectable for tests).
    """

    def __init__(
        self,
        landing: LandingZone,
        *,
        base_url: str = "https://api.worldbank.org/v2",
        timeout: tuple[float, float] = (10, 60),
        max_retries: int = 5,
        backoff_base: float = 2.0,
        backoff_cap: float = 60.0,
        per_page: int = MAX_PER_PAGE,
        min_interval: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        log: Callable[[str], None] = print,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"{SOURCE} per_page must be 1 to {MAX_PER_PAGE}, not {per_page}")
        if max_retries < 0 or min_interval < 0:
            raise ValueError(f"{SOURCE} max_retries and min_interval must be 0 or more")
        self.landing = landing
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.per_page = per_page
        self.sleep = sleep
        self.session = capped(session)
        self.log = log
        self._rng = random.Random()
        self.pacer = Pacer(min_interval, sleep, clock)

    def url(
        self, indicator: str, countries: Sequence[str], first: int, last: int, page: int
    ) -> str:
        """The request URL of one page.

        Raises ValueError for an indicator outside ``ALL_INDICATORS``, a country that is not
        three capital letters (World Bank codes such as ``EUU`` included), or years out of order.
        """
        if indicator not in ALL_INDICATORS:
            raise ValueError(
                f"{SOURCE}: indicator must be one of {ALL_INDICATORS}, not {indicator!r}"
            )
        bad = [c for c in countries if not COUNTRY.match(c)]
        if not countries or bad:
            raise ValueError(
                f"{SOURCE}: country codes must be 3 capital letters (bad: {bad or 'none given'})"
            )
        if not 1900 <= first <= last <= 2100:
            raise ValueError(f"{SOURCE}: year range {first}:{last} is not a valid range")
        return (
            f"{self.base_url}/country/{';'.join(countries)}/indicator/{indicator}"
            f"?format=json&date={first}:{last}&per_page={self.per_page}&page={page}"
        )

    def fetch_indicator(
        self,
        indicator: str,
        countries: Sequence[str],
        first: int,
        last: int,
        restart: bool = False,
    ) -> FetchOutcome:
        """Fetch every page of one indicator into the landing zone; return the ``done`` outcome.

        Resumes the indicator's unfinished fetch of the same query after its last landed
        page (a fresh fetch when ``restart`` is True or the query changed). Raises
        WorldBankError, after saving the error in the partition's state, when a page cannot
        be fetched or the result is empty or short of ``total``.
        """
        # The query without host and page: a changed API root alone does not restart a fetch.
        url = self.url(indicator, countries, first, last, 0)
        query = url.removeprefix(self.base_url).rsplit("&page=", 1)[0]
        with self.landing.lock(indicator):
            state = self.landing.start_fetch(indicator, restart=restart, query=query)
            if state.pages:
                self.log(
                    f"{SOURCE} {indicator}: resuming fetch {state.fetch_id} "
                    f"at page {len(state.pages) + 1}"
                )
            try:
                return self._fetch_pages(state, indicator, countries, first, last)
            except WorldBankError as err:
                state.error = str(err)
                self.landing.save_state(state)
                raise

    def _fetch_pages(
        self, state: PartitionState, indicator: str, countries: Sequence[str], first: int, last: int
    ) -> FetchOutcome:
        """Land pages from the state's next page to the last one."""
        while True:
            number = len(state.pages) + 1
            url = self.url(indicator, countries, first, last, number)
            where = f"{SOURCE} {indicator} page {number} (GET {url})"
            reply = self._get(url, state, number, where)
            page = reply.page
            if page.total == 0:
                raise WorldBankError(
                    f"{where}: no records (total 0) for these countries and years; an empty "
                    "result is not taken as 'no data': check the indicator and country codes"
                )
            if page.page != number:
                raise WorldBankError(f"{where}: the API answered page {page.page}, not {number}")
            state.pages.append(reply.landed.sha256)
            state.cursors.append(str(number))
            state.records += len(page.records)
            state.meta_count = page.total
            state.error = None
            if number >= page.pages:
                if state.records != page.total:
                    raise WorldBankError(
                        f"{where}: the last page is landed with {state.records} records in all "
                        f"but total is {page.total}; the fetch is not marked done; {REFETCH}"
                    )
                state.status = "done"
                state.done = CompletedFetch(
                    fetch_id=state.fetch_id,
                    pages=list(state.pages),
                    records=state.records,
                    meta_count=page.total,
                    finished_at=utc_now(),
                )
            self.landing.save_state(state)
            self.log(f"{where}: {len(page.records)} records ({state.records} of {page.total})")
            if state.status == "done":
                message = (
                    f"{SOURCE} {indicator}: done, {len(state.pages)} pages, {state.records} records"
                )
                self.log(message)
                return outcome(state, message)

    def _get(self, url: str, state: PartitionState, number: int, where: str) -> _Reply:
        """GET one page with retries; land every 200 body before judging it."""
        problem = ""
        retry_after: float | None = None
        for attempt in range(self.max_retries + 1):
            if attempt:
                delay = backoff_delay(
                    attempt - 1, retry_after, self.backoff_base, self.backoff_cap, self._rng
                )
                self.log(
                    f"{where}: {problem}; retry {attempt} of {self.max_retries} in {delay:.1f}s"
                )
                self.sleep(delay)
            retry_after = None
            self.pacer.wait()
            try:
                response = self.session.get(
                    url, timeout=self.timeout, headers={"User-Agent": "qcm"}
                )
            except requests.RequestException as exc:
                problem = request_problem(exc, lambda text: WorldBankError(f"{where}: {text}"))
                continue
            status = response.status_code
            if status == 200:
                landed = self.landing.land(
                    response.content,
                    url=url,
                    partition=state.partition,
                    fetch_id=state.fetch_id,
                    page=number,
                    status=status,
                )
                try:
                    return _Reply(decode_page(response.content), landed)
                except WorldBankApiError as err:
                    raise WorldBankError(
                        f"{where}: {err}; the body is landed as evidence"
                    ) from None
                except WorldBankResponseError as err:
                    problem = str(err)
                    continue
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if status == 429 or status >= 500:
                problem = f"HTTP {status}: {describe_body(response.content)}"
                if retry_after is not None and retry_after > self.backoff_cap:
                    # a wait longer than the cap is never slept out inside the step
                    raise gave_up(
                        WorldBankError(
                            f"{where}: {problem}; Retry-After {retry_after:.0f}s is more than "
                            f"backoff_cap ({self.backoff_cap:.0f}s): try again later"
                        )
                    )
                continue
            raise WorldBankError(f"{where}: HTTP {status}: {self._detail(response.content)}")
        raise gave_up(
            WorldBankError(
                f"{where}: gave up after {self.max_retries + 1} attempts; last: {problem}"
            )
        )

    @staticmethod
    def _detail(body: bytes) -> str:
        """The API's error message in a refused request's body, else a short description."""
        try:
            decode_page(body)
        except WorldBankResponseError as err:
            return str(err)
        return describe_body(body)


def landed_rows(landing: LandingZone, currency_of: Mapping[str, str]) -> ParsedRows:
    """Rows of every indicator's last complete fetch in ``landing``, in the tables' shape.

    ``currency_of`` maps World Bank country codes to currencies (``currencies.csv``); the
    retrieval date in each row's source is the day its fetch finished. The pages read are
    listed in ``files``: path relative to the landing root, SHA-256 and size of the stored
    (gzipped) file, records.
    """
    out = ParsedRows()
    for indicator, state in landing.partitions().items():
        if state.done is None:
            continue
        pages = []
        for sha in state.done.pages:
            path = landing.blob_path(sha)
            stored = path.read_bytes()
            page = decode_page(gzip.decompress(stored))
            pages.append(page)
            out.files.append(
                {
                    "source": "world_bank",
                    "source_file": path.relative_to(landing.root).as_posix(),
                    "source_sha256": hashlib.sha256(stored).hexdigest(),
                    "bytes": len(stored),
                    "records": len(page.records),
                    "status": "read",
                    "data_kind": "live",
                }
            )
        rows = rows_from_pages(indicator, pages, state.done.finished_at[:10], currency_of)
        out.fx.extend(rows.fx)
        out.indicators.extend(rows.indicators)
        out.unmapped.extend(rows.unmapped)
        for name, count in rows.nulls.items():
            out.nulls[name] = out.nulls.get(name, 0) + count
    return out
