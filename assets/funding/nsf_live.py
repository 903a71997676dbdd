"""The live NSF Awards API client: the awards that start in one year and match the scope words.

One partition is one start year. Its fetch has one part per search term, fetched in the
order given (each term is searched on its own, so no query depends on Boolean syntax;
an award found by two terms lands twice, and later steps keep one row per award id).
Every response body is landed verbatim in the landing zone (``LandingZone(root, "nsf")``,
blobs ``.json``) before it is judged, and the state is saved after each landed page, so
a later run resumes after the last landed page.

What this relies on (NSF Awards API v1, read 2026):

- Requests (docs: resources.research.gov/common/webapi/awardapisearch-v1.htm, "Request
  URLs" and "Request Parameters"): ``GET https://api.nsf.gov/services/v1/awards.json``
  with ``keyword`` (free-text search across the award data), ``printFields`` (a comma
  list of the fields to return), ``rpp`` (results per page, at most 25), ``offset``
  (1-based: the first page is ``offset=1``, the next ``offset=26``; NCEAS/datamgmt
  ``R/get_awards.R`` and ropensci/awardFindR ``R/nsf.R`` page this way) and
  ``startDateStart`` / ``startDateEnd`` (the award's start date, ``mm/dd/yyyy``; the
  ``dateStart``/``dateEnd`` pair filters the award date instead). No key is needed.
  research.gov also serves the same API at ``www.research.gov/awardapi-service/v1``
  (awardFindR moved there in 2023): ``base_url`` is a setting.
- Responses: see ``assets.funding.nsf_parse``: ``{"response": {"award": [...],
  "metadata": {"totalCount": N}}}``; a refused query is HTTP 200 with a
  ``serviceNotification`` list, which is fatal here (retrying cannot change it). A page
  shorter than ``rpp`` is the last. The API pages by offset in no stable order, so an
  award added or removed while paging shifts the later pages: one award lands twice and
  another is skipped unseen. Hence a term is counted by its distinct award ids, against
  the largest ``totalCount`` its pages gave (a listing that shrank while paging may have
  skipped one): fewer distinct awards is an error, never a done fetch, whatever the
  repeats; more (awards added while paging) is a WARNING.
- Limits and downtime (docs, "Notice"): "Scheduled downtime is typically on weekends
  starting at 10PM Friday through 12PM Sunday", extended when NSF needs more; no rate
  limit is published, so requests are spaced ``min_interval`` apart (1 s by default;
  awardFindR sleeps 3 s between pages). An outage shows as 5xx or as an HTML page with
  status 200: both are retried, and when they outlast the retries the partition is
  parked (cursor saved) with a message naming the maintenance window.

Status handling: connection errors, timeouts, 5xx and 200s that are not a result page
(HTML, truncated JSON) are retried with capped full-jitter backoff; 429 is retried
honouring ``Retry-After``; when 429 outlasts the retries (or asks for longer than
``backoff_cap``) the partition is parked; 5xx or HTML outlasting the retries parks it for
``park_seconds`` (the maintenance window). A refusal (``serviceNotification``), a page
that repeats the previous one (same first award id), a page longer than ``rpp``, and
other statuses raise at once, naming service, year, term, offset and the URL.
"""

from __future__ import annotations

import gzip
import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import requests

from assets.funding.nsf_parse import (
    PRINT_FIELDS,
    is_nsf_page,
    page_awards,
    page_total,
    service_notifications,
)
from pipelines.fetching import (
    MESSAGE_LIMIT,
    REFETCH,
    FetchOutcome,
    Pacer,
    backoff_delay,
    capped,
    describe_body,
    gave_up,
    looks_like_html,
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

SOURCE = "nsf"
MAX_PAGE_SIZE = 25
DEFAULT_TERMS = ("quantum",)
MAINTENANCE = (
    "NSF's weekly maintenance window (scheduled downtime is typically Friday 10 PM to "
    "Sunday 12 PM, longer when NSF needs it)"
)
# Reasons a request can end without a page but without an error: the partition parks.
RATE_LIMIT = "rate_limit"
OUTAGE = "outage"


class NsfError(RuntimeError):
    """A fetch that cannot go on; the message names year, term, offset, page and URL."""


def format_cursor(term: str, offset: int) -> str:
    """The state's cursor for a request: the term and the 1-based offset, as JSON."""
    return json.dumps([term, offset], ensure_ascii=False)


def parse_cursor(cursor: str | None, terms: tuple[str, ...]) -> tuple[str, int]:
    """The term and offset of a state cursor (None: the first term's first page)."""
    if cursor is None:
        return terms[0], 1
    term, offset = json.loads(cursor)
    if term not in terms or not isinstance(offset, int) or offset < 1:
        raise ValueError(f"{SOURCE} state cursor {cursor!r} names no term of {list(terms)}")
    return term, offset


def first_id(awards: list[Any]) -> str | None:
    """The id of a page's first award, as text (None for an empty page or no id)."""
    if not awards or not isinstance(awards[0], dict) or awards[0].get("id") is None:
        return None
    return str(awards[0]["id"])


def decode_page(body: bytes) -> tuple[dict[str, Any] | None, str, bool]:
    """Decode a search response: ``(page, "", False)`` when usable, else ``(None, problem,
    fatal)``, where ``fatal`` marks a refusal by the API (retrying cannot help)."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return None, f"response body is not valid JSON ({describe_body(body)})", False
    if not is_nsf_page(data):
        keys = sorted(data)[:8] if isinstance(data, dict) else type(data).__name__
        return None, f"response is not an NSF Awards API result (got {keys})", False
    notes = service_notifications(data)
    if notes:
        return None, f"the API refused the query: {'; '.join(notes)}"[:MESSAGE_LIMIT], True
    try:
        page_awards(data)
    except ValueError as err:
        return None, str(err), False
    return data, "", False


@dataclass(frozen=True)
class _Progress:
    """Where one term stands in this fetch: awards landed, last totalCount, last first id,
    the distinct award ids landed (``unnamed`` awards without an id, each counted as its
    own) and the largest totalCount any of its pages gave."""

    fetched: int = 0
    total: int | None = None
    first_id: str | None = None
    ids: frozenset[str] = frozenset()
    unnamed: int = 0
    largest: int | None = None

    @property
    def distinct(self) -> int:
        """How many different awards the term's pages held."""
        return len(self.ids) + self.unnamed

    def after(self, awards: list[Any], total: int | None) -> _Progress:
        """The progress once a page of ``awards`` reporting ``total`` is landed."""
        ids = [
            str(a["id"]) if isinstance(a, dict) and a.get("id") is not None else None
            for a in awards
        ]
        named = {i for i in ids if i is not None}
        totals = [t for t in (self.largest, total) if t is not None]
        return _Progress(
            fetched=self.fetched + len(awards),
            total=total,
            first_id=first_id(awards),
            ids=self.ids | named,
            unnamed=self.unnamed + ids.count(None),
            largest=max(totals) if totals else None,
        )


@dataclass(frozen=True)
class _Request:
    """One page request: where it belongs and its full URL (no secrets: NSF needs no key)."""

    partition: str
    fetch_id: str
    page: int
    term: str
    offset: int
    url: str
    previous_first: str | None

    @property
    def where(self) -> str:
        """The request as messages name it: source, year, term, offset, page and URL."""
        return (
            f"{SOURCE} year {self.partition} keyword {self.term!r} offset {self.offset} "
            f"(page {self.page}; GET {redact_url(self.url)})"
        )


@dataclass(frozen=True)
class _Reply:
    """A request's result: a landed page, or (``page`` None) a reason to park."""

    page: dict[str, Any] | None
    landed: LandedPage | None
    problem: str
    retry_after: float | None = None
    reason: str = ""


class NsfFetcher:
    """Fetch one start year's NSF awards matching the scope words into a landing zone.

    ``landing`` is the source's zone (``LandingZone(root, "nsf")``); ``terms`` the
    search words, each searched on its own (default ``("quantum",)``; the caller passes
    the reviewed scope words). The other arguments: the API root, the (connect, read)
    timeout in seconds, retries per page, the backoff base and cap in seconds, the page
    size ``rpp`` (1 to 25), the least time between two requests (1 s), how long an
    outage parks the partition when the server gives no ``Retry-After``, and the
    ``sleep``, ``session``, ``log`` and monotonic ``clock`` to use (injectable for tests).
    """

    def __init__(
        self,
        landing: LandingZone,
        *,
        terms: Iterable[str] = DEFAULT_TERMS,
        base_url: str = "https://api.nsf.gov/services/v1",
        timeout: tuple[float, float] = (10, 60),
        max_retries: int = 5,
        backoff_base: float = 2.0,
        backoff_cap: float = 120.0,
        page_size: int = MAX_PAGE_SIZE,
        min_interval: float = 1.0,
        park_seconds: float = 3600.0,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        log: Callable[[str], None] = print,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        cleaned = tuple(dict.fromkeys(t.strip() for t in terms if t and t.strip()))
        if not cleaned:
            raise ValueError(f"{SOURCE} needs at least one search term")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"{SOURCE} page_size must be 1 to {MAX_PAGE_SIZE}, not {page_size}")
        if max_retries < 0:
            raise ValueError(f"{SOURCE} max_retries must be 0 or more, not {max_retries}")
        if min_interval < 0 or park_seconds < 0:
            raise ValueError(f"{SOURCE} min_interval and park_seconds must be 0 or more")
        self.landing = landing
        self.terms = cleaned
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.page_size = page_size
        self.park_seconds = park_seconds
        self.sleep = sleep
        self.session = capped(session)
        self.log = log
        self._rng = random.Random()
        self.pacer = Pacer(min_interval, sleep, clock)
        self.headers = {"Accept": "application/json", "User-Agent": "qcm"}

    def query(self, year: int, term: str) -> dict[str, str]:
        """The search parameters of one term and start year, without ``offset``.

        Awards whose ``startDate`` falls in ``year`` and that match ``term``, with the
        fields the parser reads (``nsf_parse.PRINT_FIELDS``), ``rpp`` awards a page.
        """
        return {
            "keyword": term,
            "startDateStart": f"01/01/{year:04d}",
            "startDateEnd": f"12/31/{year:04d}",
            "printFields": ",".join(PRINT_FIELDS),
            "rpp": str(self.page_size),
        }

    def page_url(self, year: int, term: str, offset: int) -> str:
        """The full URL of one page: the term's query for ``year`` at ``offset``."""
        params = {**self.query(year, term), "offset": str(offset)}
        url = requests.Request("GET", f"{self.base_url}/awards.json", params=params).prepare().url
        return str(url)

    def fetch_partition(self, year: int, restart: bool = False) -> FetchOutcome:
        """Fetch every page of one start year, every term, into the landing zone.

        Resumes the year's unfinished fetch after its last landed page (a fresh fetch
        when ``restart`` is True, the last fetch completed, or the query changed).
        Returns a ``done`` outcome when the last page of the last term is landed, or a
        ``parked`` one when a rate limit or an outage (the maintenance window) outlasted
        the retries, or, per the saved ``parked_until``, still does. Raises NsfError,
        after saving the error in the partition's state, when a page cannot be fetched:
        a refused query, retries exhausted, a repeated or oversized page, or a term
        whose distinct awards end short of its largest ``totalCount`` (awards skipped as
        the listing shifted). Pages landed before stay landed.
        """
        partition = str(year)
        queries = {term: self.query(year, term) for term in self.terms}
        identity = json.dumps(queries, sort_keys=True, separators=(",", ":"))
        with self.landing.lock(partition):
            saved = self.landing.load_state(partition)
            if not restart and saved is not None and saved.query == identity:
                waiting = still_parked(saved, SOURCE, f"page {len(saved.pages) + 1}", self.log)
                if waiting is not None:
                    return waiting
            state = self.landing.start_fetch(partition, restart=restart, query=identity)
            if state.pages:
                term, offset = parse_cursor(state.cursor, self.terms)
                self.log(
                    f"{SOURCE} year {partition}: resuming fetch {state.fetch_id} at page "
                    f"{len(state.pages) + 1} (keyword {term!r} offset {offset}; "
                    f"{state.records} records so far)"
                )
            try:
                return self._fetch_pages(state, year)
            except NsfError as err:
                state.error = str(err)
                self.landing.save_state(state)
                raise

    def _landed_progress(self, state: PartitionState) -> dict[str, _Progress]:
        """Each term's progress in this fetch, read back from its landed pages.

        Read from the blobs, so that a resumed fetch guards and reports the whole fetch.
        """
        progress: dict[str, _Progress] = {}
        for sha, cursor in zip(state.pages, state.cursors, strict=True):
            term, _ = parse_cursor(cursor, self.terms)
            data = json.loads(gzip.decompress(self.landing.blob_path(sha).read_bytes()))
            progress[term] = progress.get(term, _Progress()).after(
                page_awards(data), page_total(data)
            )
        return progress

    def _fetch_pages(self, state: PartitionState, year: int) -> FetchOutcome:
        """Land pages from the state's cursor to the last page of the last term."""
        progress = self._landed_progress(state)
        while True:
            term, offset = parse_cursor(state.cursor, self.terms)
            before = progress.get(term, _Progress())
            request = _Request(
                state.partition,
                state.fetch_id,
                len(state.pages) + 1,
                term,
                offset,
                self.page_url(year, term, offset),
                before.first_id,
            )
            reply = self._get(request)
            if reply.page is None or reply.landed is None:
                return self._park(state, reply, request)
            awards = page_awards(reply.page)
            total = page_total(reply.page)
            now = before.after(awards, total)
            # A short page (an empty one included) is the term's last.
            last_page = len(awards) < self.page_size
            if last_page and now.largest is not None and now.distinct < now.largest:
                raise NsfError(f"{request.where}: {self._shortfall(term, now)}")
            state.pages.append(reply.landed.sha256)
            state.cursors.append(format_cursor(term, offset))
            state.records += len(awards)
            progress[term] = now
            totals = [p.total for p in progress.values() if p.total is not None]
            state.meta_count = sum(totals) if totals else None
            state.error = None
            following = self.terms.index(term) + 1
            if not last_page:
                state.cursor = format_cursor(term, offset + self.page_size)
            elif following < len(self.terms):
                state.cursor = format_cursor(self.terms[following], 1)
            else:
                state.cursor = None
                state.status = "done"
                state.done = CompletedFetch(
                    fetch_id=state.fetch_id,
                    pages=list(state.pages),
                    records=state.records,
                    meta_count=state.meta_count,
                    finished_at=utc_now(),
                )
            self.landing.save_state(state)
            self.log(
                f"{SOURCE} year {state.partition} keyword {term!r} offset {offset}: "
                f"{len(awards)} awards ({now.fetched} of totalCount {total})"
            )
            if state.status == "done":
                return self._finish(state, progress)

    def _shortfall(self, term: str, progress: _Progress) -> str:
        """Why a term whose distinct awards ended short of its largest ``totalCount`` is
        not done: expected and distinct counts, the repeats, and what to do."""
        expected = progress.largest or 0
        repeats = progress.fetched - progress.distinct
        message = (
            f"keyword {term!r} ended (a page shorter than rpp {self.page_size}) with "
            f"{progress.distinct} distinct awards ({progress.fetched} fetched) but totalCount "
            f"{expected}: {expected - progress.distinct} fewer than the API reports"
        )
        signs = [f"{repeats} of the fetched awards landed twice"] if repeats else []
        if progress.total is not None and progress.total != expected:
            signs.append(f"totalCount fell from {expected} to {progress.total}")
        if signs:
            message += (
                f" ({'; '.join(signs)}): awards added or removed while paging shifted the "
                "offsets, so some were skipped unseen"
            )
        return (
            f"{message}, so the fetch is not marked done (its saved cursor and pages are "
            f"kept); {REFETCH}"
        )

    def _finish(self, state: PartitionState, progress: dict[str, _Progress]) -> FetchOutcome:
        """Report the end of a fetch: each term's distinct awards against ``totalCount``
        (and the awards landed twice as the listing shifted), warning where more distinct
        awards came than ``totalCount``."""
        where = f"{SOURCE} year {state.partition}"
        parts = [
            f"{term!r} {p.distinct} of totalCount {p.total}"
            + (f" ({p.fetched - p.distinct} landed twice)" if p.fetched > p.distinct else "")
            for term, p in progress.items()
        ]
        message = (
            f"{where}: done, {len(state.pages)} pages, {state.records} awards ({'; '.join(parts)})"
        )
        for term, p in progress.items():
            if p.total is not None and p.distinct > p.total:
                self.log(
                    f"WARNING: {where} keyword {term!r}: {p.distinct} distinct awards but "
                    f"totalCount is {p.total} ({p.distinct - p.total} more; added while paging?)"
                )
                message += f"; {term!r}: {p.distinct} distinct, more than totalCount {p.total}"
        self.log(message)
        return outcome(state, message)

    def _park(self, state: PartitionState, reply: _Reply, request: _Request) -> FetchOutcome:
        """Save the state as parked (rate limit or outage); return the parked outcome."""
        if reply.retry_after is not None:
            wait = reply.retry_after
        else:
            wait = self.backoff_cap if reply.reason == RATE_LIMIT else self.park_seconds
        why = (
            "the API is rate limiting this client"
            if reply.reason == RATE_LIMIT
            else f"the API looks down, most likely {MAINTENANCE}"
        )
        return park(
            self.landing,
            state,
            park_for(wait),
            lambda until: (
                f"{request.where}: {reply.problem}; {why}: parked until {until} with the "
                f"cursor saved: run again after that to resume at page {len(state.pages) + 1} "
                f"(offset {request.offset})"
            ),
            self.log,
        )

    def _land(self, request: _Request, response: requests.Response) -> tuple[_Reply, str]:
        """Land a 200 body verbatim, then judge it: ``(reply, fatal problem or "")``.

        A body that is not a result page comes back with ``page`` None (worth a retry);
        a refusal, a page repeating the previous one (same first award id) or one
        longer than ``rpp`` is fatal. The manifest's extras say what was found.
        """
        page, problem, refused = decode_page(response.content)
        fatal = problem if refused else ""
        if page is not None:
            awards = page_awards(page)
            first = first_id(awards)
            if first is not None and first == request.previous_first:
                fatal = (
                    f"the page repeats the previous one (its first award {first} was also the "
                    "first of the page before): the API ignored the offset"
                )
            elif len(awards) > self.page_size:
                fatal = (
                    f"the page holds {len(awards)} awards, more than rpp {self.page_size}: the "
                    "API ignored rpp, so offsets would overlap"
                )
        extra: dict[str, Any] = {"keyword": request.term, "offset": request.offset}
        if page is None or fatal:
            extra["error"] = problem or fatal
        else:
            extra.update(records=len(page_awards(page)), total_count=page_total(page))
        landed = self.landing.land(
            response.content,
            url=request.url,
            partition=request.partition,
            fetch_id=request.fetch_id,
            page=request.page,
            status=response.status_code,
            extra=extra,
        )
        return _Reply(page, landed, problem), fatal

    def _get(self, request: _Request) -> _Reply:
        """GET one page with retries; return a landed, usable page or a reason to park.

        Connection errors, timeouts, 5xx, 429 and 200s whose body is not a result page
        are retried up to ``max_retries`` times with backoff (every 200 body is landed
        before it is judged, so the evidence stays). A rate limit, or 5xx and HTML
        bodies (an outage), that outlast the retries come back as a reason to park; other
        statuses and fatal pages raise at once.
        """
        where = request.where
        problem, reason = "", ""
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
                response = self.session.get(request.url, headers=self.headers, timeout=self.timeout)
            except requests.RequestException as exc:
                problem = request_problem(exc, lambda text: NsfError(f"{where}: {text}"))
                reason = ""
                continue
            status = response.status_code
            if status == 200:
                reply, fatal = self._land(request, response)
                if fatal:
                    raise NsfError(f"{where}: {fatal}; the body is landed as evidence")
                if reply.page is not None:
                    return reply
                problem = f"HTTP 200 but {reply.problem}"
                reason = OUTAGE if looks_like_html(response.content) else ""
                continue
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if status == 429:
                problem, reason = "HTTP 429 (too many requests)", RATE_LIMIT
            elif status >= 500:
                problem, reason = f"HTTP {status}: {describe_body(response.content)}", OUTAGE
            else:
                raise NsfError(f"{where}: HTTP {status}: {describe_body(response.content)}")
            if retry_after is not None and retry_after > self.backoff_cap:
                problem += f", Retry-After {retry_after:.0f}s is more than backoff_cap"
                return _Reply(None, None, problem, retry_after, reason)
        if reason:
            problem += f", still after {self.max_retries + 1} attempts"
            return _Reply(None, None, problem, retry_after, reason)
        raise gave_up(
            NsfError(f"{where}: gave up after {self.max_retries + 1} attempts; last: {problem}")
        )
