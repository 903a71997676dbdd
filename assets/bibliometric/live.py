"""The live OpenAlex client: pyalex builds the query, this module fetches it safely.

pyalex 0.21 has no timeouts, retries only over https, stops cursor paging at 10,000
records by default and has no guard against a repeating cursor, so it is used only to
build the query URL. Fetching is done here: cursor paging without a cap, a timeout on
every request, capped full-jitter backoff that honours ``Retry-After``, a cursor-loop
guard, and every page landed verbatim in the landing zone before it is used, with the
cursor saved after each landed page so that a later run resumes where this one stopped.

Status codes (OpenAlex API docs, 2026): 403 means slow down (back off, retry); 429 means
the daily budget is spent (park the partition until ``x-ratelimit-reset``; retrying in
the same run is useless); 400 and 401 are errors in the request or the key (raised at
once with the API's message); 5xx are transient (retried).

The API key and the contact email travel in headers (``Authorization: Bearer`` and
``User-Agent``), never in a URL, and every log line and error message is scrubbed of
both. Messages name the source, the partition (a publication year, or what the caller
calls it), the page and the URL.

``fetch_partition`` fetches one publication year of works; ``fetch_query`` fetches any
list query built elsewhere (for example a batch of authors by id) with the same rules;
``fetch_works`` fetches works one at a time (``/works/<id>``), for the works whose list
record cuts their authorships at 100 (``is_authors_truncated``): a single work's record
lists them all. ``truncated_works`` finds those in a partition's landed pages.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import pyalex
import requests

from pipelines.fetching import (
    MESSAGE_LIMIT,
    FetchOutcome,
    backoff_delay,
    capped,
    gave_up,
    header_setting,
    outcome,
    park,
    parse_retry_after,
    request_problem,
    still_parked,
)
from pipelines.landing import (
    REDACTED,
    CompletedFetch,
    LandedPage,
    LandingZone,
    PartitionState,
    redact_url,
    utc_now,
)

SOURCE = "openalex"
START_CURSOR = "*"
# a fetch ending more than this share of meta.count short, and more than this many records,
# is not complete (the count drifts by a few records while a listing is paged)
COUNT_SLACK = 0.01
COUNT_SLACK_RECORDS = 10
MAX_PER_PAGE = 200
# x-ratelimit-reset values above this are epoch seconds, below it seconds from now.
EPOCH_THRESHOLD = 1_000_000_000


# what a single work answers when it is no longer there under its id: deleted (404, 410),
# or merged into another work (a redirect, not followed: the other work's record under
# this one's id would count one work twice); its list record is kept, and the fetch goes on
GONE = (301, 302, 307, 308, 404, 410)


class OpenAlexError(RuntimeError):
    """A fetch that cannot go on; the message names source, partition, page and URL."""


# A check of one usable list page before it counts: "" when it passes, else the problem.
PageCheck = Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class _Request:
    """One page request: where it belongs and its URL (which carries no secrets).

    ``label`` is how messages name the partition, e.g. ``openalex year 2020``.
    """

    partition: str
    fetch_id: str
    page: int
    url: str
    label: str
    single: bool = False  # a single work (``decode_work``), not a list page

    @property
    def where(self) -> str:
        """The request as error messages name it: source, partition, page (or work) and
        redacted URL."""
        return (
            f"{self.label} {'work' if self.single else 'page'} {self.page} ({redact_url(self.url)})"
        )


@dataclass(frozen=True)
class _Reply:
    """A response; for a 200, its decoded page (None when unusable) and landed blob."""

    response: requests.Response
    page: dict[str, Any] | None
    landed: LandedPage | None
    problem: str


def parse_reset(value: str | None, now: datetime | None = None) -> datetime | None:
    """An ``x-ratelimit-reset`` header as the UTC time the budget resets, or None.

    OpenAlex sends seconds until the reset (midnight UTC); an epoch timestamp is
    accepted too. ``now`` (UTC) defaults to the clock.
    """
    try:
        seconds = float((value or "").strip())
    except ValueError:
        return None
    if seconds >= EPOCH_THRESHOLD:
        return datetime.fromtimestamp(seconds, UTC)
    return (now or datetime.now(UTC)) + timedelta(seconds=max(0.0, seconds))


def decode_page(body: bytes) -> tuple[dict[str, Any] | None, str]:
    """Decode a list response: ``(page, "")`` when usable, ``(None, problem)`` when not.

    Usable means a JSON object with a ``meta`` object whose ``next_cursor`` is a string
    or null, and a ``results`` list.
    """
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        start = body[:40].decode("utf-8", "replace")
        return None, f"response body is not valid JSON ({len(body)} bytes, starting {start!r})"
    if not isinstance(data, dict) or not isinstance(data.get("meta"), dict):
        return None, "response is not an OpenAlex list page (no 'meta' object)"
    if not isinstance(data.get("results"), list):
        return None, "response is not an OpenAlex list page (no 'results' list)"
    if not isinstance(data["meta"].get("next_cursor"), str | None):
        return None, f"meta.next_cursor is not a string: {data['meta']['next_cursor']!r}"
    return data, ""


def decode_work(body: bytes) -> tuple[dict[str, Any] | None, str]:
    """Decode a single-work response as a page of that one work: ``(page, "")`` when the
    body is a JSON object whose ``id`` is an OpenAlex work id, ``(None, problem)`` when
    not."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        start = body[:40].decode("utf-8", "replace")
        return None, f"response body is not valid JSON ({len(body)} bytes, starting {start!r})"
    work_id = str(data.get("id") or "") if isinstance(data, dict) else ""
    if not work_id.removeprefix("https://openalex.org/").startswith("W"):
        return None, "response is not an OpenAlex work (no work 'id')"
    return {"meta": {"count": 1, "next_cursor": None}, "results": [data]}, ""


def truncated_works(landing: LandingZone, partition: str) -> list[str]:
    """The ids (``W123``) of the works whose record in ``partition``'s last complete fetch
    lists only the first 100 of their authorships (``is_authors_truncated``), in page
    order, each once."""
    ids: dict[str, None] = {}
    for path in landing.current_files_by_partition().get(partition, []):
        page, _ = decode_page(gzip.decompress(path.read_bytes()))
        for work in (page or {}).get("results", []):
            if isinstance(work, dict) and work.get("is_authors_truncated") is True:
                ids[str(work.get("id") or "").rsplit("/", 1)[-1]] = None
    return [work_id for work_id in ids if work_id.startswith("W")]


def api_message(response: requests.Response) -> str:
    """The error the API put in a response body (``{"error", "message"}``), shortened."""
    try:
        data = response.json()
        text = ": ".join(str(data[k]) for k in ("error", "message") if data.get(k))
    except (ValueError, AttributeError):
        text = response.text.strip()
    text = text or "(empty body)"
    return text if len(text) <= MESSAGE_LIMIT else text[:MESSAGE_LIMIT] + "..."


def _header(response: requests.Response, name: str) -> str:
    """A response header's value, or ``?`` when absent."""
    return response.headers.get(name, "?")


def far_short(fetched: int, count: int | None) -> bool:
    """Whether ``fetched`` records fall far short of ``meta.count``: by more than
    ``COUNT_SLACK`` of it and more than ``COUNT_SLACK_RECORDS`` (OpenAlex's count drifts by a
    few records while a listing is paged; a listing cut short, such as at 10,000, does not)."""
    if count is None:
        return False
    missing = count - fetched
    return missing > COUNT_SLACK_RECORDS and missing > COUNT_SLACK * count


def budget(response: requests.Response) -> str:
    """The daily budget as the response reports it, e.g. ``cost $0.0001, left $0.9654 of $1``."""
    return (
        f"cost ${_header(response, 'x-ratelimit-cost-usd')}, "
        f"left ${_header(response, 'x-ratelimit-remaining-usd')} "
        f"of ${_header(response, 'x-ratelimit-limit-usd')}"
    )


class OpenAlexFetcher:
    """Fetch OpenAlex list queries one partition at a time into a landing zone.

    A partition is one publication year of works (``fetch_partition``) or any list query
    built elsewhere (``fetch_query``).

    ``api_key`` and ``email`` go into pyalex's configuration (so that any pyalex call in
    the process identifies itself the same way) and into the request headers. The other
    arguments are the page size (1 to 200; OpenAlex documents 100 as its largest page
    now), the API's base URL, the (connect, read) timeout in seconds, the number of
    retries per page, the backoff base and cap in seconds, and the ``sleep``, ``session``
    and ``log`` to use (injectable for tests).
    """

    def __init__(
        self,
        landing: LandingZone,
        *,
        api_key: str | None,
        email: str | None,
        per_page: int = 100,
        base_url: str = "https://api.openalex.org",
        timeout: tuple[float, float] = (10, 60),
        max_retries: int = 6,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        select: list[str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        log: Callable[[str], None] = print,
    ) -> None:
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"openalex per_page must be 1 to {MAX_PER_PAGE}, not {per_page}")
        if max_retries < 0:
            raise ValueError(f"openalex max_retries must be 0 or more, not {max_retries}")
        if api_key:
            header_setting(api_key, "openalex", "OPENALEX_API_KEY", "an API key")
        if email:
            header_setting(email, "openalex", "OPENALEX_EMAIL", "a contact email")
        self.landing = landing
        self.per_page = per_page
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.select = select
        self.sleep = sleep
        self.session = capped(session)
        self._log = log
        self._rng = random.Random()
        self._secrets = [s for s in (api_key, email) if s]
        user_agent = f"qcm (mailto:{email})" if email else "qcm"
        self.headers = {"User-Agent": user_agent, "Accept": "application/json"}
        if api_key:
            self.headers["Authorization"] = f"Bearer {api_key}"

    def scrub(self, text: str) -> str:
        """``text`` with the API key and the email replaced by ``REDACTED``."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def log(self, text: str) -> None:
        """Log one line, scrubbed of secrets."""
        self._log(self.scrub(text))

    def rebase(self, url: str) -> str:
        """A URL pyalex built (it hard-codes the host) with its path and query on ``base_url``."""
        built = urlsplit(url)
        return f"{self.base_url}{built.path}?{built.query}"

    def query_url(self, year: int, topic_ids: list[str], search: str) -> str:
        """The works query (without paging) for one year, built by pyalex.

        Works published in ``year``, with any of ``topic_ids`` among their topics, whose
        title or abstract matches ``search`` (OpenAlex boolean syntax); the ``select``
        fields only, when given. pyalex hard-codes the host, so the path and query are
        re-based onto ``base_url``.
        """
        if not topic_ids:
            raise ValueError("openalex query needs at least one topic id")
        query = (
            pyalex.Works()
            .filter(publication_year=year, topics={"id": "|".join(topic_ids)})
            .search_filter(title_and_abstract=search)
        )
        if self.select:
            query = query.select(self.select)
        return self.rebase(query.url)

    def fetch_partition(
        self, year: int, topic_ids: list[str], search: str, restart: bool = False
    ) -> FetchOutcome:
        """Fetch every page of one publication year into the landing zone.

        Resumes the year's unfinished fetch from its saved cursor (a fresh fetch from
        ``*`` when ``restart`` is True, the last fetch completed, or the query changed).
        Returns a ``done`` outcome when the last page is landed, or a ``parked`` one when
        the daily budget is spent (or still was, per the saved ``parked_until``).
        Raises OpenAlexError, after saving the error in the partition's state, when a
        page cannot be fetched: a bad request or key, retries exhausted, a response that
        is not a list page, a cursor loop, or a listing that ends far short of its
        ``meta.count`` (``far_short``). Pages landed before stay landed.
        """
        return self.fetch_query(
            str(year),
            self.query_url(year, topic_ids, search),
            f"{SOURCE} year {year}",
            restart=restart,
        )

    def fetch_query(
        self,
        partition: str,
        query: str,
        label: str,
        restart: bool = False,
        check: PageCheck | None = None,
    ) -> FetchOutcome:
        """Fetch every page of one list query (``query``: a URL on ``base_url`` without
        paging parameters) into the landing zone as ``partition``.

        ``label`` names the partition in messages (``openalex year 2020``). ``check``, when
        given, judges each usable page once it is landed: a problem it returns stops the
        fetch with an OpenAlexError (the page stays landed, the cursor stays before it).
        Resuming, parking and errors work as described in ``fetch_partition``.
        """
        # What is fetched, not where from: a resumed fetch may use another base URL.
        return self._resumable(
            partition,
            query.removeprefix(self.base_url),
            label,
            restart,
            lambda state: f"page {len(state.pages) + 1}",
            lambda state: self._fetch_pages(state, query, label, check),
        )

    def fetch_works(
        self, partition: str, ids: list[str], label: str, restart: bool = False
    ) -> FetchOutcome:
        """Fetch each work of ``ids`` alone (``/works/<id>``) into the landing zone as
        ``partition``, one landed page a work, with every authorship it has.

        Resumes an unfinished fetch of the same ids at the next work (afresh when
        ``restart`` is True, the last fetch of them completed, or the ids changed: a
        year's listing that names another work starts its whole works again). A work
        answered 404 or 410 (deleted since it was listed) or a redirect (merged into
        another work, which is not followed) is skipped with a warning. Returns a ``done``
        outcome when every work is landed, or a ``parked`` one when the daily budget is
        spent. No ids complete at once: without a partition of that name (none is made),
        or as a fetch of nothing, so the works an older fetch landed stop being read.
        Raises OpenAlexError as ``fetch_partition`` does.
        """
        if not ids and self.landing.load_state(partition) is None:
            return FetchOutcome(partition, "done", 0, 0, 0, None, f"{label}: none to fetch")
        return self._resumable(
            partition,
            "single works " + hashlib.sha256(" ".join(ids).encode()).hexdigest(),
            label,
            restart,
            lambda state: f"work {int(state.cursor or 0) + 1}",
            lambda state: self._fetch_works(state, ids, label),
        )

    def _resumable(
        self,
        partition: str,
        identity: str,
        label: str,
        restart: bool,
        next_item: Callable[[PartitionState], str],
        fetch: Callable[[PartitionState], FetchOutcome],
    ) -> FetchOutcome:
        """Run ``fetch`` on ``partition``'s fetch of ``identity`` (what is fetched) under
        the partition's lock: a parked fetch of the same identity whose time has not come
        returns parked at once; otherwise an unfinished one resumes (afresh when
        ``restart``) at ``next_item`` of its state (``page 3``, ``work 7``). An
        OpenAlexError is saved in the state, then raised."""
        with self.landing.lock(partition):
            saved = self.landing.load_state(partition)
            if not restart and saved is not None and saved.query == identity:
                waiting = still_parked(saved, SOURCE, next_item(saved), self.log, label=label)
                if waiting is not None:
                    return waiting
            state = self.landing.start_fetch(partition, restart=restart, query=identity)
            if state.pages or state.cursor:
                self.log(
                    f"{label}: resuming fetch {state.fetch_id} at {next_item(state)} "
                    f"({state.records} records so far)"
                )
            try:
                return fetch(state)
            except OpenAlexError as err:
                state.error = str(err)
                self.landing.save_state(state)
                raise

    def _fetch_works(self, state: PartitionState, ids: list[str], label: str) -> FetchOutcome:
        """Land the works of ``ids`` from the state's cursor (the index of the next one, as
        text) to the last; save the state after each."""
        gone = 0
        for index in range(int(state.cursor or 0), len(ids)):
            url = f"{self.base_url}/works/{quote(ids[index], safe='')}"
            request = _Request(state.partition, state.fetch_id, index + 1, url, label, True)
            reply = self._get(request)
            status = reply.response.status_code
            if status == 429:
                return self._park(state, reply.response, request.where, f"work {index + 1}")
            if reply.landed is None:  # GONE
                gone += 1
                moved = reply.response.headers.get("Location")
                self.log(
                    f"WARNING: {request.where}: HTTP {status}"
                    + (f" (merged: {redact_url(moved)})" if moved else "")
                    + ", its list record is kept"
                )
            else:
                state.pages.append(reply.landed.sha256)
                state.records += 1
            state.cursor = str(index + 1)
            state.error = None
            self.landing.save_state(state)
        state.status, state.cursor, state.meta_count = "done", None, len(ids)
        state.done = CompletedFetch(
            fetch_id=state.fetch_id,
            pages=list(state.pages),
            records=state.records,
            meta_count=len(ids),
            finished_at=utc_now(),
        )
        self.landing.save_state(state)
        message = f"{label}: done, {state.records} of {len(ids)} works landed whole"
        self.log(message + (f" ({gone} no longer there)" if gone else ""))
        return outcome(state, message)

    def _fetch_pages(
        self, state: PartitionState, query: str, label: str, check: PageCheck | None
    ) -> FetchOutcome:
        """Land pages from the state's cursor until the last; save the state after each."""
        partition = state.partition
        requested = {cursor: number for number, cursor in enumerate(state.cursors, start=1)}
        while True:
            cursor = state.cursor or START_CURSOR
            url = f"{query}&per-page={self.per_page}&cursor={quote(cursor, safe='')}"
            request = _Request(partition, state.fetch_id, len(state.pages) + 1, url, label)
            reply = self._get(request)
            if reply.page is None or reply.landed is None:
                return self._park(state, reply.response, request.where)
            results, meta = reply.page["results"], reply.page["meta"]
            next_cursor = meta.get("next_cursor")
            requested[cursor] = request.page
            if next_cursor is not None and next_cursor in requested:
                raise self._error(
                    request.where,
                    f"cursor loop: the next cursor is the one page {requested[next_cursor]} "
                    "was requested with; the saved cursor is left at this page",
                )
            problem = check(reply.page) if check is not None else ""
            if problem:
                raise self._error(
                    request.where, f"{problem}; the page is landed, the saved cursor is before it"
                )
            count = meta.get("count", state.meta_count)
            if not results and next_cursor is not None and (count is None or state.records < count):
                raise self._error(
                    request.where,
                    f"an empty page came with a next cursor after {state.records} of meta.count "
                    f"{count} records: stopping would lose records; the saved cursor is before "
                    "this page, so a re-run asks for it again",
                )
            fetched = state.records + len(results)
            if (next_cursor is None or not results) and far_short(fetched, count):
                raise self._error(
                    request.where,
                    f"the last page came after {fetched} of meta.count {count} records, far "
                    "short of the count (a truncated listing): the fetch is not complete; the "
                    "saved cursor is before this page, so a re-run asks for it again",
                )
            state.pages.append(reply.landed.sha256)
            state.cursors.append(cursor)
            state.records += len(results)
            state.meta_count = meta.get("count", state.meta_count)
            state.error = None
            finished = next_cursor is None or not results
            state.cursor = None if finished else next_cursor
            if finished:
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
                f"{label} page {request.page}: {len(results)} records "
                f"({state.records} of meta.count {state.meta_count}); {budget(reply.response)}"
            )
            if finished:
                return self._finish(state, label, next_cursor, results)

    def _finish(
        self, state: PartitionState, where: str, next_cursor: str | None, results: list[Any]
    ) -> FetchOutcome:
        """Report the end of a fetch, warning when the count differs from ``meta.count``."""
        if next_cursor is not None and not results:  # every counted record is in: done
            self.log(
                f"WARNING: {where}: an empty page came with a next cursor after all "
                f"{state.records} records of meta.count; stopping there"
            )
        message = (
            f"{where}: done, {len(state.pages)} pages, {state.records} records "
            f"(meta.count {state.meta_count})"
        )
        if state.meta_count is not None and state.records != state.meta_count:
            self.log(
                f"WARNING: {where}: fetched {state.records} records but meta.count is "
                f"{state.meta_count} (difference {state.records - state.meta_count:+d})"
            )
            message += f"; fetched {state.records} differs from meta.count {state.meta_count}"
        self.log(message)
        return outcome(state, message)

    def _park(
        self, state: PartitionState, response: requests.Response, where: str, resume: str = ""
    ) -> FetchOutcome:
        """Save the state as parked until the budget resets (``x-ratelimit-reset``, else
        ``Retry-After``, else the next midnight UTC, when OpenAlex's daily budget renews);
        return the parked outcome. ``resume`` names where a run resumes (the next page
        when empty)."""
        resume = resume or f"page {len(state.pages) + 1}"
        now = datetime.now(UTC)
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        reset = (
            parse_reset(response.headers.get("x-ratelimit-reset"), now)
            or (now + timedelta(seconds=retry_after) if retry_after is not None else None)
            or datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
        )
        return park(
            self.landing,
            state,
            reset,
            lambda until: self.scrub(
                f"{where}: HTTP 429, daily budget spent ({api_message(response)}; "
                f"{budget(response)}); parked until {until or 'the reset (time unknown)'} "
                f"with the cursor saved: run again after that to resume at {resume}"
            ),
            self.log,
        )

    def _land(self, request: _Request, response: requests.Response) -> _Reply:
        """Land a 200 body verbatim, then judge it; the manifest says what was found."""
        page, problem = (decode_work if request.single else decode_page)(response.content)
        if page is None:
            extra: dict[str, Any] = {"error": problem}
        else:
            extra = {
                "records": len(page["results"]),
                "next_cursor": page["meta"].get("next_cursor"),
                "meta_count": page["meta"].get("count"),
                "cost_usd": response.headers.get("x-ratelimit-cost-usd"),
                "remaining_usd": response.headers.get("x-ratelimit-remaining-usd"),
            }
        landed = self.landing.land(
            response.content,
            url=request.url,
            partition=request.partition,
            fetch_id=request.fetch_id,
            page=request.page,
            status=response.status_code,
            extra=extra,
        )
        return _Reply(response, page, landed, problem)

    def _error(self, where: str, problem: str) -> OpenAlexError:
        """An OpenAlexError for ``where`` (source, partition, page, URL), scrubbed of secrets."""
        return OpenAlexError(self.scrub(f"{where}: {problem}"))

    def _get(self, request: _Request) -> _Reply:
        """GET one page with retries; return a landed, usable 200 or an unlanded 429 (or,
        for a single work, whose redirects are not followed, an unlanded ``GONE``).

        Connection errors, timeouts, 403, 5xx and 200s whose body is not a list page are
        retried up to ``max_retries`` times with backoff (every 200 body is landed before
        it is judged, so the evidence stays). 400, 401 and other statuses raise at once.
        """
        where = request.where
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
            try:
                response = self.session.get(
                    request.url,
                    headers=self.headers,
                    timeout=self.timeout,
                    allow_redirects=not request.single,
                )
            except requests.RequestException as exc:
                problem = request_problem(exc, lambda text: self._error(where, text))
                continue
            status = response.status_code
            if status == 200:
                reply = self._land(request, response)
                if reply.page is not None:
                    return reply
                problem = reply.problem
                continue
            if status == 429 or (request.single and status in GONE):
                return _Reply(response, None, None, "")
            if status == 403 or status >= 500:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                problem = f"HTTP {status}" + (" (slow down)" if status == 403 else "")
                problem += f": {api_message(response)}; {budget(response)}"
                if retry_after is not None and retry_after > self.backoff_cap:
                    raise self._error(
                        where,
                        f"{problem}; the server asks to wait {retry_after:.0f}s (Retry-After), "
                        f"more than backoff_cap {self.backoff_cap:.0f}s: run again later",
                    )
                continue
            raise self._error(where, f"HTTP {status}: {api_message(response)}")
        raise gave_up(
            self._error(where, f"gave up after {self.max_retries + 1} attempts; last: {problem}")
        )
