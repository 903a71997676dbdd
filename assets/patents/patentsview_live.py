"""The live PatentsView PatentSearch API client: US grants and pre-grant publications by year.

One partition is one year. Its fetch has two parts, fetched in this order: the ``patent``
endpoint (grants, dated by ``patent_date``) and the ``publication`` endpoint (pre-grant
publications, dated by ``publication_date``), each restricted to documents whose current
CPC group ids begin with one of the reviewed codes. Every response body is landed
verbatim in the landing zone before it is used, and the state is saved after each landed
page, so a later run resumes after the last landed page.

What this relies on (PatentSearch API v1, read 2026):

- Requests (API reference, search.patentsview.org/docs/docs/Search API/SearchAPIReference;
  R client ropensci/patentsview ``R/search-pv.R``): a query is ``q`` (JSON query language),
  ``f`` (fields; a nested group's name such as ``assignees`` returns the whole group),
  ``s`` (sort) and ``o`` (options). GET takes them as URL parameters; POST takes the same
  four as one JSON body, recommended for long queries, so every request here is
  ``POST {base}/{endpoint}/``. Every request carries the key as the ``X-Api-Key`` header.
- Query operators (qry_funs reference, docs.ropensci.org/patentsview): ``_eq _neq _gt _gte
  _lt _lte`` on numbers, dates and strings; ``_begins`` and ``_contains`` on strings only;
  ``_and`` / ``_or`` take lists; nested fields are named ``group.field``, e.g.
  ``cpc_current.cpc_group_id`` (a string such as ``"G06N10/40"``).
- Fields (field list of the R client, mustberuss/patentsview ``data-raw/fieldsdf.csv``):
  the patent endpoint's id is ``patent_id`` (a string: ``"6009555"``, ``"D912345"``,
  ``"RE49000"``), with ``patent_title``, ``patent_abstract``, ``patent_date``,
  ``patent_type``, ``withdrawn``, ``patent_earliest_application_date`` and the groups
  ``application``, ``foreign_priority``, ``granted_pregrant_crosswalk``, ``assignees``
  (``assignee_country``), ``inventors`` (``inventor_country``), ``cpc_current``. The
  publication endpoint's id is ``document_number`` (returned as a JSON number, e.g.
  ``20010000002``) with ``publication_title``, ``publication_abstract``,
  ``publication_date`` and the same groups except ``application``, which it lacks.
- Responses (recorded bodies, ../shared/fixtures/patentsview): ``{"error": false, "count": n,
  "total_hits": N, "<plural>": [...]}`` with the plural ``patents`` or ``publications``.
  Fields not requested may come back too. A 500 is an HTML page, not JSON
  (error_500_ipc_endpoint.html). The patent endpoint leaves withdrawn patents out unless
  ``o.exclude_withdrawn`` is false (R client docs); that default is kept.
- Paging (R client vignette "Result Set Paging"; PatentSearch 2.3.0 release notes):
  ``o = {"size": <= 1000, "after": <the last record's sort value>}`` with ``s`` sorting on
  a unique key, here ``patent_id`` or ``document_number`` ascending; sorting on a
  non-unique key skips or repeats records. Since release 2.3.0 ``patent_id`` is sorted
  unpadded unless ``o.pad_patent_id`` is true (not used here), i.e. as a string
  (``"10000000"`` before ``"6009555"``; the vignette's descending page starts ``"RE34947"``
  then ``"9999018"``), so the order guard compares ids as strings (and numbers as
  numbers). A page shorter than ``size`` is the last. An endpoint that ends with fewer
  records than its ``total_hits`` is an error, never a done fetch (only a fresh fetch can
  fill the gap); more records than ``total_hits`` (documents added while paging) is a
  WARNING.
- Limits and errors (API reference "Usage Limits": 45 requests a minute per key;
  patentsview.org/api-v01-information-page: over it, "429 Too many Requests"; R clients:
  ropensci ``R/search-pv.R`` sleeps ``Retry-After`` seconds on a 429, mustberuss
  ``R/process-error.R`` reads 403 as a rejected key and 400's reason from the
  ``X-Status-Reason`` header). Requests are therefore spaced ``60 / 45`` seconds apart.

Status handling: 200 bodies that are not a result page (HTML, truncated JSON, ``error:
true``), connection errors, timeouts and 5xx are retried with capped full-jitter backoff;
429 is retried honouring ``Retry-After`` and, when it outlasts the retries (or asks for
longer than ``backoff_cap``), parks the partition with its cursor saved; 400, 401, 403 and
other statuses raise at once. The key is never put in a URL, and every log line and error
message is scrubbed of it.
"""

from __future__ import annotations

import gzip
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from pipelines.fetching import (
    MESSAGE_LIMIT,
    REFETCH,
    FetchOutcome,
    Pacer,
    backoff_delay,
    capped,
    describe_body,
    gave_up,
    header_setting,
    outcome,
    park,
    park_for,
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

SOURCE = "patentsview"
MAX_PAGE_SIZE = 1000
REQUESTS_PER_MINUTE = 45
CPC_FIELD = "cpc_current.cpc_group_id"


@dataclass(frozen=True)
class Endpoint:
    """One searched endpoint: its name, the plural key of its records, its unique sort
    key, the date field that places a document in a year, and the fields requested."""

    name: str
    plural: str
    sort_key: str
    date_field: str
    fields: tuple[str, ...]


PATENT = Endpoint(
    "patent",
    "patents",
    "patent_id",
    "patent_date",
    (
        "patent_id",
        "patent_title",
        "patent_abstract",
        "patent_date",
        "patent_type",
        "wipo_kind",
        "withdrawn",
        "patent_earliest_application_date",
        "application",
        "foreign_priority",
        "granted_pregrant_crosswalk",
        "assignees",
        "inventors",
        "cpc_current",
    ),
)
PUBLICATION = Endpoint(
    "publication",
    "publications",
    "document_number",
    "publication_date",
    (
        "document_number",
        "publication_title",
        "publication_abstract",
        "publication_date",
        "foreign_priority",
        "granted_pregrant_crosswalk",
        "assignees",
        "inventors",
        "cpc_current",
    ),
)
# A partition's fetch: the endpoints in the order they are fetched.
ENDPOINTS = (PATENT, PUBLICATION)
BY_NAME = {endpoint.name: endpoint for endpoint in ENDPOINTS}


class PatentsViewError(RuntimeError):
    """A fetch that cannot go on; the message names year, endpoint, page, ``after`` and URL."""


def cpc_prefix(code: str) -> str:
    """The ``cpc_group_id`` prefix that selects ``code`` and everything under it.

    A subclass-level group without ``/`` (``H01L39``) becomes ``H01L39/``, so that it
    does not also match ``H01L391/...``; a main group (``G06N10/00``) becomes ``G06N10/``,
    so that its subgroups (``G06N10/40``) match too; any other subgroup is kept as given
    (``G01R33/035`` also matches ``G01R33/0354``).
    """
    code = code.strip().replace(" ", "")
    if not code:
        raise ValueError("patentsview query: empty CPC code")
    if "/" not in code:
        return f"{code}/"
    group, _, subgroup = code.partition("/")
    return f"{group}/" if subgroup == "00" else code


def format_cursor(endpoint: str, after: Any | None) -> str:
    """The state's cursor for a request: ``endpoint:`` then ``after`` as JSON (empty at first).

    JSON keeps the value's type: ``patent:"6009654"`` (a string id) and
    ``publication:20010000002`` (a number), sent back to the API as they came.
    """
    return f"{endpoint}:" if after is None else f"{endpoint}:{json.dumps(after)}"


def parse_cursor(cursor: str | None) -> tuple[Endpoint, Any | None]:
    """The endpoint and ``after`` value of a state cursor (None: the first endpoint's start)."""
    if cursor is None:
        return ENDPOINTS[0], None
    name, _, after = cursor.partition(":")
    if name not in BY_NAME:
        raise ValueError(f"{SOURCE} state cursor {cursor!r} names no known endpoint")
    return BY_NAME[name], (json.loads(after) if after else None)


def comes_after(value: Any, previous: Any) -> bool:
    """Whether sort value ``value`` comes strictly after ``previous`` in ascending order.

    Numbers compare as numbers; anything else as strings, as the API sorts ``patent_id``.
    """
    numbers = (int, float)
    if isinstance(value, numbers) and isinstance(previous, numbers):
        return value > previous
    return str(value) > str(previous)


def decode_page(body: bytes, endpoint: Endpoint) -> tuple[dict[str, Any] | None, str]:
    """Decode a search response: ``(page, "")`` when usable, ``(None, problem)`` when not.

    Usable means a JSON object with ``error`` false, integer ``count`` and ``total_hits``,
    and a list under the endpoint's plural key holding ``count`` records.
    """
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return None, f"response body is not valid JSON ({describe_body(body)})"
    if not isinstance(data, dict):
        return None, "response is not a PatentsView result (not a JSON object)"
    if data.get("error") is not False:
        return None, f"response reports an error (error: {data.get('error')!r})"
    records = data.get(endpoint.plural)
    if not isinstance(records, list):
        return None, f"response has no {endpoint.plural!r} list (keys: {sorted(data)[:8]})"
    for key in ("count", "total_hits"):
        if not isinstance(data.get(key), int) or isinstance(data.get(key), bool):
            return None, f"response has no integer {key!r} (got {data.get(key)!r})"
    if data["count"] != len(records):
        return None, f"count {data['count']} differs from the {len(records)} records returned"
    return data, ""


def order_problem(records: list[Any], sort_key: str, after: Any | None) -> str:
    """Why ``records`` cannot follow ``after`` in a page sorted by ``sort_key`` ("" if they can).

    Every record needs the sort key; the first must come after ``after`` (else the page
    repeats records already landed) and each after the one before it.
    """
    previous = after
    for number, record in enumerate(records, start=1):
        value = record.get(sort_key) if isinstance(record, dict) else None
        if value is None:
            return f"record {number} has no {sort_key}, the sort key paging depends on"
        if previous is not None and not comes_after(value, previous):
            if number == 1:
                return (
                    f"the page repeats records or is out of order: its first {sort_key} "
                    f"{value!r} does not come after {previous!r}, the last one already landed"
                )
            return (
                f"the page is not sorted by {sort_key}: record {number} ({value!r}) does not "
                f"come after record {number - 1} ({previous!r})"
            )
        previous = value
    return ""


@dataclass(frozen=True)
class _Request:
    """One page request: where it belongs, its URL (no secrets) and its JSON body."""

    partition: str
    fetch_id: str
    page: int
    endpoint: Endpoint
    after: Any | None
    url: str
    body: dict[str, Any]

    @property
    def where(self) -> str:
        """The request as messages name it: source, year, endpoint, page, ``after`` and URL."""
        after = "none (first page)" if self.after is None else json.dumps(self.after)
        return (
            f"{SOURCE} year {self.partition} {self.endpoint.name} page {self.page} "
            f"after {after} (POST {redact_url(self.url)})"
        )


@dataclass(frozen=True)
class _Reply:
    """A request's result: a landed, usable page, or (``page`` None) a rate limit to park on."""

    page: dict[str, Any] | None
    landed: LandedPage | None
    problem: str
    retry_after: float | None = None


class PatentsViewFetcher:
    """Fetch one year's quantum grants and pre-grant publications into a landing zone.

    ``landing`` is the source's zone (``LandingZone(root, "patentsview")``); ``api_key``
    travels only in the ``X-Api-Key`` header. The other arguments: the API root, the
    (connect, read) timeout in seconds, retries per page, the backoff base and cap in
    seconds, the page size (1 to 1000), the least time between two requests (default
    60/45 s, so the 45-a-minute limit is never reached), and the ``sleep``, ``session``,
    ``log`` and monotonic ``clock`` to use (injectable for tests).
    """

    def __init__(
        self,
        landing: LandingZone,
        *,
        api_key: str,
        base_url: str = "https://search.patentsview.org/api/v1",
        timeout: tuple[float, float] = (10, 120),
        max_retries: int = 6,
        backoff_base: float = 2.0,
        backoff_cap: float = 120.0,
        page_size: int = MAX_PAGE_SIZE,
        min_interval: float = 60.0 / REQUESTS_PER_MINUTE,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        log: Callable[[str], None] = print,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        header_setting(api_key, SOURCE, "PATENTSVIEW_API_KEY", "an API key")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"{SOURCE} page_size must be 1 to {MAX_PAGE_SIZE}, not {page_size}")
        if max_retries < 0:
            raise ValueError(f"{SOURCE} max_retries must be 0 or more, not {max_retries}")
        if min_interval < 0:
            raise ValueError(f"{SOURCE} min_interval must be 0 or more, not {min_interval}")
        self.landing = landing
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.page_size = page_size
        self.sleep = sleep
        self.session = capped(session)
        self._log = log
        self._rng = random.Random()
        self._secret = api_key
        self.pacer = Pacer(min_interval, sleep, clock)
        self.headers = {"X-Api-Key": api_key, "Accept": "application/json", "User-Agent": "qcm"}

    def scrub(self, text: str) -> str:
        """``text`` with the API key replaced by ``REDACTED``."""
        return text.replace(self._secret, REDACTED)

    def log(self, text: str) -> None:
        """Log one line, scrubbed of the key."""
        self._log(self.scrub(text))

    def query(self, endpoint: str, year: int, cpc_codes: list[str]) -> dict[str, Any]:
        """The search for one endpoint and year, without paging: ``{"q", "f", "s"}``.

        Documents dated in ``year`` (``patent_date`` or ``publication_date``) with a
        current CPC group id beginning with any of ``cpc_codes`` (see ``cpc_prefix``),
        the fields the parser reads, sorted ascending by the endpoint's unique id.
        """
        if endpoint not in BY_NAME:
            raise ValueError(
                f"{SOURCE} endpoint must be one of {sorted(BY_NAME)}, not {endpoint!r}"
            )
        if not cpc_codes:
            raise ValueError(f"{SOURCE} query needs at least one CPC code")
        spec = BY_NAME[endpoint]
        prefixes = list(dict.fromkeys(cpc_prefix(code) for code in cpc_codes))
        return {
            "q": {
                "_and": [
                    {"_gte": {spec.date_field: f"{year:04d}-01-01"}},
                    {"_lte": {spec.date_field: f"{year:04d}-12-31"}},
                    {"_or": [{"_begins": {CPC_FIELD: prefix}} for prefix in prefixes]},
                ]
            },
            "f": list(spec.fields),
            "s": [{spec.sort_key: "asc"}],
        }

    def fetch_partition(
        self, year: int, cpc_codes: list[str], restart: bool = False
    ) -> FetchOutcome:
        """Fetch every page of one year, both endpoints, into the landing zone.

        Resumes the year's unfinished fetch after its last landed page (a fresh fetch
        when ``restart`` is True, the last fetch completed, or the query changed).
        Returns a ``done`` outcome when the last page of both endpoints is landed, or a
        ``parked`` one when the rate limit outlasted the retries (or, per the saved
        ``parked_until``, still does). Raises PatentsViewError, after saving the error in
        the partition's state, when a page cannot be fetched: a bad query or key, retries
        exhausted, a response that is not a result page, or a page that repeats or breaks
        the sort order. Pages landed before stay landed.
        """
        partition = str(year)
        queries = {spec.name: self.query(spec.name, year, cpc_codes) for spec in ENDPOINTS}
        identity = json.dumps(queries, sort_keys=True, separators=(",", ":"))
        with self.landing.lock(partition):
            saved = self.landing.load_state(partition)
            if not restart and saved is not None and saved.query == identity:
                waiting = still_parked(saved, SOURCE, f"page {len(saved.pages) + 1}", self.log)
                if waiting is not None:
                    return waiting
            state = self.landing.start_fetch(partition, restart=restart, query=identity)
            if state.pages:
                endpoint, after = parse_cursor(state.cursor)
                self.log(
                    f"{SOURCE} year {partition}: resuming fetch {state.fetch_id} at page "
                    f"{len(state.pages) + 1} ({endpoint.name} after {json.dumps(after)}; "
                    f"{state.records} records so far)"
                )
            try:
                return self._fetch_pages(state, queries)
            except PatentsViewError as err:
                state.error = str(err)
                self.landing.save_state(state)
                raise

    def _landed_totals(self, state: PartitionState) -> dict[str, tuple[int, int]]:
        """Records fetched and last ``total_hits`` per endpoint, from this fetch's landed pages.

        Read back from the blobs, so that a resumed fetch reports the whole fetch.
        """
        totals: dict[str, tuple[int, int]] = {}
        for sha in state.pages:
            data = json.loads(gzip.decompress(self.landing.blob_path(sha).read_bytes()))
            spec = next(s for s in ENDPOINTS if isinstance(data.get(s.plural), list))
            records, _ = totals.get(spec.name, (0, 0))
            totals[spec.name] = (records + len(data[spec.plural]), data["total_hits"])
        return totals

    def _fetch_pages(self, state: PartitionState, queries: dict[str, Any]) -> FetchOutcome:
        """Land pages from the state's cursor to the last of the last endpoint."""
        partition = state.partition
        totals = self._landed_totals(state)
        while True:
            spec, after = parse_cursor(state.cursor)
            options: dict[str, Any] = {"size": self.page_size}
            if after is not None:
                options["after"] = after
            request = _Request(
                partition,
                state.fetch_id,
                len(state.pages) + 1,
                spec,
                after,
                f"{self.base_url}/{spec.name}/",
                {**queries[spec.name], "o": options},
            )
            reply = self._post(request)
            if reply.page is None or reply.landed is None:
                return self._park(state, reply, request.where)
            records = reply.page[spec.plural]
            fetched = totals.get(spec.name, (0, 0))[0] + len(records)
            # A short page (count 0 included) is the endpoint's last.
            last_page = len(records) < self.page_size
            if last_page and fetched < reply.page["total_hits"]:
                raise self._error(request.where, self._shortfall(spec, fetched, reply.page))
            state.pages.append(reply.landed.sha256)
            state.cursors.append(format_cursor(spec.name, after))
            state.records += len(records)
            totals[spec.name] = (fetched, reply.page["total_hits"])
            state.meta_count = sum(hits for _, hits in totals.values())
            state.error = None
            following = ENDPOINTS.index(spec) + 1
            if not last_page:
                state.cursor = format_cursor(spec.name, records[-1][spec.sort_key])
            elif following < len(ENDPOINTS):
                state.cursor = format_cursor(ENDPOINTS[following].name, None)
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
                f"{SOURCE} year {partition} {spec.name} page {request.page}: {len(records)} "
                f"records ({totals[spec.name][0]} of total_hits {reply.page['total_hits']})"
            )
            if state.status == "done":
                return self._finish(state, totals)

    def _shortfall(self, spec: Endpoint, fetched: int, page: dict[str, Any]) -> str:
        """Why an endpoint that ended with fewer records than ``total_hits`` is not done."""
        hits = page["total_hits"]
        return (
            f"the {spec.name} endpoint ended (a page of {page['count']} records, fewer than the "
            f"page size {self.page_size}) with {fetched} records fetched but total_hits "
            f"{hits}: {hits - fetched} fewer than the API reports, so the fetch is not marked done "
            f"(its saved cursor and pages are kept); {REFETCH}"
        )

    def _finish(self, state: PartitionState, totals: dict[str, tuple[int, int]]) -> FetchOutcome:
        """Report the end of a fetch, warning where more records came than ``total_hits``.

        Fewer never reach here (see ``_shortfall``); more can, when documents are added
        while the pages are fetched (repeats are refused by the order guard).
        """
        where = f"{SOURCE} year {state.partition}"
        parts = [f"{name} {got} of total_hits {hits}" for name, (got, hits) in totals.items()]
        message = (
            f"{where}: done, {len(state.pages)} pages, {state.records} records ({'; '.join(parts)})"
        )
        for name, (got, hits) in totals.items():
            if got > hits:
                self.log(
                    f"WARNING: {where} {name}: fetched {got} records but total_hits is {hits} "
                    f"({got - hits} more; documents added while paging?)"
                )
                message += f"; {name}: fetched {got}, more than total_hits {hits}"
        self.log(message)
        return outcome(state, message)

    def _park(self, state: PartitionState, reply: _Reply, where: str) -> FetchOutcome:
        """Save the state as parked until the rate limit lifts; return the parked outcome."""
        wait = reply.retry_after if reply.retry_after is not None else self.backoff_cap
        return park(
            self.landing,
            state,
            park_for(wait),
            lambda until: self.scrub(
                f"{where}: {reply.problem}; rate limit of {REQUESTS_PER_MINUTE} requests a "
                f"minute per key: parked until {until} with the cursor saved: run again after "
                f"that to resume at page {len(state.pages) + 1}"
            ),
            self.log,
        )

    def _land(self, request: _Request, response: requests.Response) -> tuple[_Reply, str]:
        """Land a 200 body verbatim, then judge it: ``(reply, fatal problem or "")``.

        A body that is not a result page comes back with ``page`` None (worth a retry);
        a result page that repeats records or breaks the sort order is fatal. The
        manifest's extras say what was found.
        """
        spec = request.endpoint
        page, problem = decode_page(response.content, spec)
        fatal = (
            "" if page is None else order_problem(page[spec.plural], spec.sort_key, request.after)
        )
        extra: dict[str, Any] = {"endpoint": spec.name, "after": request.after}
        if page is None or fatal:
            extra["error"] = self.scrub(problem or fatal)
        else:
            extra.update(count=page["count"], total_hits=page["total_hits"])
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

    def _error(self, where: str, problem: str) -> PatentsViewError:
        """A PatentsViewError for ``where``, scrubbed of the key."""
        return PatentsViewError(self.scrub(f"{where}: {problem}"))

    def _post(self, request: _Request) -> _Reply:
        """POST one page with retries; return a landed, usable page or a rate limit to park on.

        Connection errors, timeouts, 5xx, 429 and 200s whose body is not a result page
        are retried up to ``max_retries`` times with backoff (every 200 body is landed
        before it is judged, so the evidence stays). 400, 401, 403, other statuses and a
        page that breaks the order raise at once.
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
                # never followed: a redirect to another host would carry the key's header
                response = self.session.post(
                    request.url,
                    json=request.body,
                    headers=self.headers,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                problem = request_problem(exc, lambda text: self._error(where, text))
                continue
            status = response.status_code
            if status == 200:
                reply, fatal = self._land(request, response)
                if fatal:
                    raise self._error(
                        where, f"{fatal}; the body is landed as evidence, the cursor is kept"
                    )
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
                    raise self._error(
                        where,
                        f"{problem}; the server asks to wait {retry_after:.0f}s (Retry-After), "
                        f"more than backoff_cap {self.backoff_cap:.0f}s: run again later",
                    )
                continue
            raise self._error(where, self._refusal(response))
        if rate_limited:
            problem += f", still after {self.max_retries + 1} attempts"
            return _Reply(None, None, problem, retry_after)
        raise gave_up(
            self._error(where, f"gave up after {self.max_retries + 1} attempts; last: {problem}")
        )

    @staticmethod
    def _refusal(response: requests.Response) -> str:
        """Why the API refused a request (a status not worth retrying), for the error."""
        status = response.status_code
        reason = response.headers.get("X-Status-Reason")
        code = response.headers.get("X-Status-Reason-Code")
        detail = reason.strip() if reason else describe_body(response.content)
        detail = detail if len(detail) <= MESSAGE_LIMIT else detail[:MESSAGE_LIMIT] + "..."
        if status in (401, 403):
            return (
                f"HTTP {status}: the API key was refused ({detail}); check PATENTSVIEW_API_KEY "
                "(the key itself is not shown)"
            )
        if status == 400:
            return f"HTTP 400: the API rejected the query: {detail}" + (
                f" (X-Status-Reason-Code {code})" if code else ""
            )
        return f"HTTP {status}: {detail}"
