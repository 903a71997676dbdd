"""The live UKRI Gateway to Research (GtR) client: quantum projects by search term.

One partition is one search term (``term-quantum_computing``): the project search cannot
be restricted to a start year, so a term's whole result list is one fetch, paged with
``page`` and ``fetchSize``. Every response body is landed verbatim (``LandingZone(root,
"ukri")``, suffix ``.json``) before it is used, and the state is saved after each landed
page, so a later run resumes at the page after the last landed one. Each search result
already carries the award (``fund.valuePounds``), its dates, the funder and the lead
organisation (see ``ukri_parse``), so no second request per project is made.

What this relies on (read 2026; facts only, no code taken):

- Endpoint and parameters: GtR's page "Searching projects"
  (https://gtr.ukri.org/resources/gtrapi-search-projects.html): ``GET
  https://gtr.ukri.org/api/search/project?term=<term>`` with ``page`` (from 1) and
  ``fetchSize``; the body's ``facetedSearchResultBean`` echoes the ``request`` and gives
  ``totalResults`` and the ``results`` list. No key or account is needed (the same page
  documents none). Public clients ask for ``fetchSize=100`` (MatthewSmith430/GtR
  ``R/gtr_project_search_function.R``), which is taken as the largest page here.
- The result keys each page is checked for: ``projectComposition.project`` with ``id``
  and ``grantReference`` (same GtR page).
- Limits: GtR publishes no request rate; requests are spaced 1 s apart by default
  (``min_interval``). GtR is refreshed quarterly (UKRI, "A guide to Gateway to Research",
  https://www.ukri.org/publications/gateway-to-research-guide/a-guide-to-gateway-to-research),
  so a term's result list does not move while it is paged.

Status handling: 200 bodies that are not a search page (HTML, truncated JSON, another
shape), connection errors, timeouts and 5xx are retried with capped full-jitter backoff;
429 is retried honouring ``Retry-After`` and, when it outlasts the retries (or asks for
longer than ``backoff_cap``), parks the partition with its page saved; other statuses
raise at once. A page holding a project already landed by this fetch (a repeated page),
and a result list that ends short of ``totalResults``, are errors, never a done fetch.
Every error names the service, term, page and the redacted URL.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests

from pipelines.fetching import (
    REFETCH,
    FetchOutcome,
    Pacer,
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

SOURCE = "ukri"
MAX_PAGE_SIZE = 100
BEAN = "facetedSearchResultBean"
UNSAFE = re.compile(r"[^A-Za-z0-9]+")


class UkriError(RuntimeError):
    """A fetch that cannot go on; the message names term, page and URL."""


def partition_name(term: str) -> str:
    """The partition of a search term: ``term-`` and its letters and digits joined by ``_``.

    Raises ValueError for a term without any letter or digit.
    """
    slug = UNSAFE.sub("_", term.strip().lower()).strip("_")
    if not slug:
        raise ValueError(f"{SOURCE} search term {term!r} has no letters or digits")
    return f"term-{slug}"[:128]


def project_key(result: Any) -> str | None:
    """The GtR id of a search result's project (``projectComposition.project.id``), or None."""
    composition = result.get("projectComposition") if isinstance(result, dict) else None
    project = composition.get("project") if isinstance(composition, dict) else None
    value = project.get("id") if isinstance(project, dict) else None
    return str(value) if value not in (None, "") else None


def decode_page(body: bytes) -> tuple[dict[str, Any] | None, str]:
    """Decode a search response: ``(page, "")`` when usable, ``(None, problem)`` when not.

    Usable means a JSON object whose ``facetedSearchResultBean`` has an integer
    ``totalResults`` (0 or more) and a ``results`` list whose entries each name a
    project ``id``.
    """
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return None, f"response body is not valid JSON ({describe_body(body)})"
    bean = data.get(BEAN) if isinstance(data, dict) else None
    if not isinstance(bean, dict):
        keys = sorted(data)[:8] if isinstance(data, dict) else type(data).__name__
        return None, f"response is not a GtR search page (no {BEAN!r} object; keys: {keys})"
    total = bean.get("totalResults")
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        return None, f"response has no integer totalResults (got {total!r})"
    results = bean.get("results")
    if not isinstance(results, list):
        return None, "response has no results list"
    for number, result in enumerate(results, start=1):
        if project_key(result) is None:
            return None, f"result {number} has no projectComposition.project.id"
    return data, ""


@dataclass(frozen=True)
class _Request:
    """One page request: its partition, fetch, page number, term and URL."""

    partition: str
    fetch_id: str
    page: int
    term: str
    url: str

    @property
    def where(self) -> str:
        """The request as messages name it: service, term, page and redacted URL."""
        return f"{SOURCE} term {self.term!r} page {self.page} (GET {redact_url(self.url)})"


@dataclass(frozen=True)
class _Reply:
    """A request's result: a landed, usable page, or (``page`` None) a rate limit to park on."""

    page: dict[str, Any] | None
    landed: LandedPage | None
    problem: str
    retry_after: float | None = None


class UkriFetcher:
    """Fetch the GtR projects matching each search term into a landing zone.

    ``landing`` is the source's zone (``LandingZone(root, "ukri")``); ``terms`` the search
    terms, one partition each. The other arguments: the search URL, the (connect, read)
    timeout in seconds, retries per page, the backoff base and cap in seconds, the page
    size (1 to 100), the least time between two requests (default 1 s), and the
    ``sleep``, ``session``, ``log`` and monotonic ``clock`` to use (injectable for tests).
    """

    def __init__(
        self,
        landing: LandingZone,
        terms: list[str],
        *,
        search_url: str = "https://gtr.ukri.org/api/search/project",
        timeout: tuple[float, float] = (10, 120),
        max_retries: int = 6,
        backoff_base: float = 2.0,
        backoff_cap: float = 120.0,
        page_size: int = MAX_PAGE_SIZE,
        min_interval: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        log: Callable[[str], None] = print,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not terms:
            raise ValueError(f"{SOURCE} needs at least one search term")
        names = [partition_name(term) for term in terms]
        if len(set(names)) != len(names):
            raise ValueError(f"{SOURCE} search terms {terms!r} repeat a partition ({names})")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"{SOURCE} page_size must be 1 to {MAX_PAGE_SIZE}, not {page_size}")
        if max_retries < 0:
            raise ValueError(f"{SOURCE} max_retries must be 0 or more, not {max_retries}")
        if min_interval < 0:
            raise ValueError(f"{SOURCE} min_interval must be 0 or more, not {min_interval}")
        self.landing = landing
        self.terms = list(terms)
        self.search_url = search_url
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.page_size = page_size
        self.sleep = sleep
        self.session = capped(session)
        self.log = log
        self._rng = random.Random()
        self.pacer = Pacer(min_interval, sleep, clock)
        self.headers = {"Accept": "application/json", "User-Agent": "qcm"}

    def url(self, term: str, page: int) -> str:
        """The search URL of one page of ``term``."""
        query = urlencode({"term": term, "page": page, "fetchSize": self.page_size})
        return f"{self.search_url}?{query}"

    def fetch_partition(self, term: str, restart: bool = False) -> FetchOutcome:
        """Fetch every page of one term into the landing zone.

        Resumes the term's unfinished fetch at the page after its last landed one (a
        fresh fetch when ``restart`` is True, the last fetch completed, or the page size
        changed). Returns a ``done`` outcome when the last page is landed, or a
        ``parked`` one when the rate limit outlasted the retries. Raises UkriError,
        after saving the error in the state, when a page cannot be fetched or repeats a
        project, or when the results end short of ``totalResults``. Pages landed before
        stay landed.
        """
        partition = partition_name(term)
        identity = json.dumps({"term": term, "fetchSize": self.page_size}, sort_keys=True)
        with self.landing.lock(partition):
            saved = self.landing.load_state(partition)
            if not restart and saved is not None and saved.query == identity:
                waiting = still_parked(saved, SOURCE, f"page {len(saved.pages) + 1}", self.log)
                if waiting is not None:
                    return waiting
            state = self.landing.start_fetch(partition, restart=restart, query=identity)
            if state.pages:
                self.log(
                    f"{SOURCE} term {term!r}: resuming fetch {state.fetch_id} at page "
                    f"{state.cursor} ({state.records} records so far)"
                )
            try:
                return self._fetch_pages(state, term)
            except UkriError as err:
                state.error = str(err)
                self.landing.save_state(state)
                raise

    def _landed_ids(self, state: PartitionState) -> set[str]:
        """The project ids of this fetch's landed pages, read back from the blobs."""
        ids: set[str] = set()
        for sha in state.pages:
            data = json.loads(gzip.decompress(self.landing.blob_path(sha).read_bytes()))
            ids.update(project_key(r) or "" for r in data[BEAN]["results"])
        return ids

    def _fetch_pages(self, state: PartitionState, term: str) -> FetchOutcome:
        """Land pages from the state's cursor to the last one."""
        seen = self._landed_ids(state)
        while True:
            number = int(state.cursor or 1)
            request = _Request(
                state.partition, state.fetch_id, number, term, self.url(term, number)
            )
            reply = self._get(request, seen)
            if reply.page is None or reply.landed is None:
                return self._park(state, reply, request.where)
            bean = reply.page[BEAN]
            results = bean["results"]
            total = bean["totalResults"]
            fetched = state.records + len(results)
            last_page = len(results) < self.page_size or fetched >= total
            if last_page and fetched < total:
                raise self._error(
                    request.where,
                    f"the results ended (a page of {len(results)}, page size {self.page_size}) "
                    f"with {fetched} projects fetched but totalResults {total}: "
                    f"{total - fetched} fewer than GtR reports, so the fetch is not marked "
                    f"done (its saved page and landed pages are kept); {REFETCH}",
                )
            seen.update(project_key(r) or "" for r in results)
            state.pages.append(reply.landed.sha256)
            state.cursors.append(str(number))
            state.records = fetched
            state.meta_count = total
            state.error = None
            if last_page:
                state.cursor = None
                state.status = "done"
                state.done = CompletedFetch(
                    fetch_id=state.fetch_id,
                    pages=list(state.pages),
                    records=state.records,
                    meta_count=total,
                    finished_at=utc_now(),
                )
            else:
                state.cursor = str(number + 1)
            self.landing.save_state(state)
            self.log(
                f"{SOURCE} term {term!r} page {number}: {len(results)} projects "
                f"({fetched} of totalResults {total})"
            )
            if state.status == "done":
                message = (
                    f"{SOURCE} term {term!r}: done, {len(state.pages)} pages, "
                    f"{state.records} projects of totalResults {total}"
                )
                if fetched > total:
                    message += f"; WARNING: {fetched - total} more than totalResults"
                self.log(message)
                return outcome(state, message)

    def _park(self, state: PartitionState, reply: _Reply, where: str) -> FetchOutcome:
        """Save the state as parked until the rate limit lifts; return the parked outcome."""
        wait = reply.retry_after if reply.retry_after is not None else self.backoff_cap
        return park(
            self.landing,
            state,
            park_for(wait),
            lambda until: (
                f"{where}: {reply.problem}: parked until {until} with the page saved: run "
                f"again after that to resume at page {state.cursor or 1}"
            ),
            self.log,
        )

    def _land(
        self, request: _Request, response: requests.Response, seen: set[str]
    ) -> tuple[_Reply, str]:
        """Land a 200 body verbatim, then judge it: ``(reply, fatal problem or "")``.

        A body that is not a search page comes back with ``page`` None (worth a retry);
        a page holding a project this fetch already landed is fatal.
        """
        page, problem = decode_page(response.content)
        fatal = ""
        if page is not None:
            repeated = [k for r in page[BEAN]["results"] if (k := project_key(r)) in seen]
            if repeated:
                fatal = (
                    f"the page repeats {len(repeated)} project(s) already landed by this "
                    f"fetch (first: {repeated[0]}): GtR's paging moved or the page was served "
                    "twice"
                )
        extra: dict[str, Any] = {"term": request.term}
        if page is None or fatal:
            extra["error"] = problem or fatal
        else:
            extra.update(count=len(page[BEAN]["results"]), total_results=page[BEAN]["totalResults"])
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

    def _error(self, where: str, problem: str) -> UkriError:
        """A UkriError for ``where``."""
        return UkriError(f"{where}: {problem}")

    def _get(self, request: _Request, seen: set[str]) -> _Reply:
        """GET one page with retries; return a landed, usable page or a rate limit to park on.

        Connection errors, timeouts, 5xx, 429 and 200s whose body is not a search page
        are retried up to ``max_retries`` times with backoff (every 200 body is landed
        before it is judged). Other statuses and a repeated page raise at once.
        """
        where = request.where
        problem = ""
        retry_after: float | None = None
        rate_limited = False
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
            self.pacer.wait()
            try:
                response = self.session.get(request.url, headers=self.headers, timeout=self.timeout)
            except requests.RequestException as exc:
                problem = request_problem(exc, lambda text: self._error(where, text))
                continue
            status = response.status_code
            if status == 200:
                reply, fatal = self._land(request, response, seen)
                if fatal:
                    raise self._error(where, f"{fatal}; the body is landed as evidence")
                if reply.page is not None:
                    return reply
                problem = reply.problem
                continue
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if status == 429:
                rate_limited = True
                problem = "HTTP 429 (too many requests)"
                if retry_after is not None and retry_after > self.backoff_cap:
                    problem += f", Retry-After {retry_after:.0f}s is more than backoff_cap"
                    return _Reply(None, None, problem, retry_after)
                continue
            if status >= 500:
                problem = f"HTTP {status}: {describe_body(response.content)}"
                if retry_after is not None and retry_after > self.backoff_cap:
                    # a wait longer than the cap parks the partition, never sleeps it out
                    problem += f", Retry-After {retry_after:.0f}s is more than backoff_cap"
                    return _Reply(None, None, problem, retry_after)
                continue
            raise self._error(where, f"HTTP {status}: {describe_body(response.content)}")
        if rate_limited:
            problem += f", still after {self.max_retries + 1} attempts"
            return _Reply(None, None, problem, retry_after)
        raise gave_up(
            self._error(where, f"gave up after {self.max_retries + 1} attempts; last: {problem}")
        )
