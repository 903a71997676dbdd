"""The live UN Comtrade API client: one trade year of every reporter's trade in the HS codes.

One partition is one trade year. Its plan is one request per commodity code, in the order
given (the reviewed HS 6-digit codes, then ``TOTAL``, the all-goods line); each asks for
every reporter and every partner (``TOTAL``: the World only), exports and imports, as
reported (classification ``HS``), the totals over customs procedures and modes of
transport. Every HTTP 200 body is
landed verbatim in the landing zone (``LandingZone(root, "comtrade")``, blobs ``.json``)
before it is judged, and the state is saved after each landed code, so a later run resumes
at the next unlanded code and never asks again for one already landed. The state's
``query`` is the plan (codes, flows, ``maxRecords`` and the fixed parameters), so a
changed plan starts afresh.

What this relies on (read 2026):

- Requests: ``GET https://comtradeapi.un.org/data/v1/get/{typeCode}/{freqCode}/{clCode}``,
  here ``get/C/A/HS`` (goods, annual, HS as reported), the "extracts final data" endpoint
  (uncomtrade.org/docs/un-comtrade-api; the official Python package
  uncomtrade/comtradeapicall ``src/comtradeapicall/PreviewGet.py`` builds the same URL).
  Query parameters (comtradeapicall ``README.md``, "Selection Criteria" and "Query
  Options"; ropensci/comtradr ``R/ct_check_params.R``): ``period`` (the year),
  ``cmdCode``, ``flowCode`` (comma list, ``X,M``), ``customsCode`` (``C00``, all
  procedures), ``motCode`` (``0``, all modes), ``partner2Code`` (``0``, World),
  ``maxRecords``, ``format`` (``JSON``) and ``includeDesc``; ``reporterCode`` and
  ``partnerCode`` left out mean every reporter and every partner (comtradr
  ``R/ct_get_data.R``: "Parameters that accept NULL will query all possible values").
- The key: the APIs run on Azure API Management (uncomtrade.org/docs/un-comtrade-api),
  whose subscription-key header is ``Ocp-Apim-Subscription-Key``; comtradr
  ``R/ct_build_request.R`` sends the key that way. It never goes in the URL (the
  official package's ``subscription-key`` query parameter would put it in every
  ``requests`` error message: ``../shared/RELIABILITY.md``). Redirects are not followed,
  so the header is never sent to another host.
- Responses: see ``assets.supply_chain.comtrade_body``. A 200 whose ``data`` is empty
  with ``count`` 0 and no ``error`` is how the API answers bad parameters
  (``../shared/RELIABILITY.md``): an error here, never zero trade. A body holding
  ``maxRecords`` records, or fewer than its ``count``, was cut at ``maxRecords``: an
  error, never a done code.
- Limits: the free subscription allows 500 calls a day (``../shared/RELIABILITY.md``).
  The gateway answers a spent quota with HTTP 403 and ``{"statusCode": 403, "message":
  "Out of call volume quota. Quota will be replenished in 12:34:56."}`` (the Azure API
  Management quota policy's wording, quoted in public client code; the time is
  ``[days.]hh:mm:ss``), and a rate limit with 429, ``Retry-After`` and "Try again in N
  seconds"; comtradr ``R/ct_perform_request.R`` waits out 403/429 and throttles its
  requests. Requests here are spaced ``min_interval`` apart.

Status handling: connection errors, timeouts, 5xx, 429 and 200s that are not JSON
(an HTML page, a truncated body) are retried with capped full-jitter backoff; 429
honours ``Retry-After`` (or the message's "Try again in N seconds"). A spent quota
parks the partition until the quota is replenished (``park_seconds`` when the message
gives no time), with no retry; a rate limit that outlasts the retries or asks for more
than ``backoff_cap`` parks it too, and 5xx or non-JSON 200s outlasting the retries park
it for ``park_seconds`` (an outage). 401 and other 403s (the key refused), other
statuses, connection failures outlasting the retries and every fatal body (a gateway
refusal, an ``error`` text, an empty answer, a truncated or inconsistent one, a JSON
body of another shape) raise ComtradeError naming service, year, cmdCode, page and the
redacted URL. The key never appears in a message, a log line, the manifest or a state.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import requests

from assets.supply_chain.comtrade_body import (
    body_count,
    body_error,
    body_records,
    gateway_refusal,
    is_comtrade_body,
)
from pipelines.fetching import (
    MESSAGE_LIMIT,
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
    CompletedFetch,
    LandedPage,
    LandingZone,
    PartitionState,
    redact_url,
    utc_now,
)

SOURCE = "comtrade"
KEY_VARIABLE = "COMTRADE_API_KEY"
KEY_HEADER = "Ocp-Apim-Subscription-Key"
DAILY_CALLS = 500
TOTAL = "TOTAL"
# The endpoint's path below the API root: goods (C), annual (A), HS as reported.
ENDPOINT = "get/C/A/HS"
# The fixed parameters of every request: all customs procedures, all modes of
# transport, no second partner, records in JSON with the code descriptions.
FIXED_PARAMS = {
    "customsCode": "C00",
    "motCode": "0",
    "partner2Code": "0",
    "format": "JSON",
    "includeDesc": "true",
}
HS6_OR_TOTAL = re.compile(r"\d{6}|TOTAL")
FLOW_CODE = re.compile(r"[A-Z]{1,3}")
REDACTED = "REDACTED"
QUOTA_TEXT = re.compile(r"\bquota\b", re.IGNORECASE)
REPLENISH_CLOCK = re.compile(
    r"replenished in\s+(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.\d+)?", re.IGNORECASE
)
REPLENISH_DAYS = re.compile(r"replenished in\s+(\d+(?:\.\d+)?)\s+days?", re.IGNORECASE)
TRY_AGAIN = re.compile(r"try again in\s+(\d+(?:\.\d+)?)\s+seconds?", re.IGNORECASE)
# Reasons a request can end without a usable body but without an error: the partition parks.
RATE_LIMIT = "rate_limit"
QUOTA = "quota"
OUTAGE = "outage"


class ComtradeError(RuntimeError):
    """A fetch that cannot go on; the message names year, cmdCode, page and URL (never the key)."""


def format_cursor(index: int, code: str) -> str:
    """The state's cursor for a request: the code's 0-based place in the plan and the code."""
    return json.dumps([index, code])


def parse_cursor(cursor: str | None, codes: Sequence[str]) -> int:
    """The plan index of a state cursor (None: the first code).

    Raises ValueError when the cursor does not name the code at its place in ``codes``.
    """
    if cursor is None:
        return 0
    try:
        index, code = json.loads(cursor)
    except (TypeError, ValueError):
        index, code = None, None
    if not isinstance(index, int) or not 0 <= index < len(codes) or codes[index] != code:
        raise ValueError(f"{SOURCE} state cursor {cursor!r} names no code of the plan")
    return index


def gateway_message(body: bytes) -> str:
    """The API gateway's ``message`` of an error body (``{"statusCode", "message"}``), or ""."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return ""
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return " ".join(data["message"].split())[:MESSAGE_LIMIT]
    return ""


def replenish_seconds(message: str) -> float | None:
    """Seconds until a spent quota is replenished, read from the gateway's message.

    Reads "Quota will be replenished in 12:34:56" (``[days.]hh:mm:ss``) and "in 2.5
    days"; None when the message gives no time.
    """
    clock = REPLENISH_CLOCK.search(message)
    if clock:
        days, hours, minutes, seconds = (int(g) if g else 0 for g in clock.groups())
        return float(((days * 24 + hours) * 60 + minutes) * 60 + seconds)
    days_only = REPLENISH_DAYS.search(message)
    if days_only:
        return float(days_only.group(1)) * 86400.0
    return None


def try_again_seconds(message: str) -> float | None:
    """Seconds a rate-limit message asks to wait ("Try again in 26 seconds"), or None."""
    found = TRY_AGAIN.search(message)
    return float(found.group(1)) if found else None


@dataclass(frozen=True)
class Judged:
    """What a 200 body is: its decoded JSON (None when not JSON), whether it is usable,
    and if not, the problem and whether retrying could help (``fatal`` False)."""

    data: Any
    usable: bool
    problem: str = ""
    fatal: bool = False


def judge_body(body: bytes, max_records: int, empty_ok: bool = False) -> Judged:
    """Judge a 200 body of a data request against ``maxRecords``.

    Not JSON (an HTML page, a truncated body): retry. Fatal: a gateway refusal, valid
    JSON of another shape, an ``error`` text, an empty answer with ``count`` 0 (bad
    parameters; usable only when ``empty_ok``: a code of an older HS edition that no
    reporter may still use), ``maxRecords`` records or fewer than ``count`` (truncated),
    and more records than ``count`` (inconsistent). Otherwise usable.
    """
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return Judged(None, False, f"response body is not valid JSON ({describe_body(body)})")
    refusal = gateway_refusal(data)
    if refusal:
        return Judged(data, False, f"the API gateway refused the request ({refusal})", True)
    if not is_comtrade_body(data):
        keys = sorted(data)[:8] if isinstance(data, dict) else type(data).__name__
        return Judged(
            data,
            False,
            f"the response is not a UN Comtrade data response (no 'data' list; got {keys}): "
            "the API changed, so retrying cannot help",
            True,
        )
    error = body_error(data)
    if error:
        return Judged(data, False, f"the API reported an error: {error[:MESSAGE_LIMIT]}", True)
    records = body_records(data)
    count = body_count(data)
    if not records and not count and not empty_ok:
        return Judged(
            data,
            False,
            f"the API answered count {count} with no records and an empty error: this is how "
            "UN Comtrade answers bad parameters, so it is an error, not zero trade (check "
            "that the code is an HS code the API knows and that the year has been reported)",
            True,
        )
    if len(records) >= max_records or (count is not None and count > len(records)):
        return Judged(
            data,
            False,
            f"answer truncated at maxRecords: {len(records)} records (maxRecords "
            f"{max_records}, count {count}); the rest of the answer is missing, so the code "
            "is not marked done",
            True,
        )
    if count is not None and count < len(records):
        return Judged(
            data,
            False,
            f"inconsistent body: count {count} but {len(records)} records",
            True,
        )
    return Judged(data, True)


@dataclass(frozen=True)
class _Request:
    """One request of the plan: where it belongs and its full URL (the key is in a header)."""

    partition: str
    fetch_id: str
    page: int
    pages: int
    code: str
    url: str

    @property
    def where(self) -> str:
        """The request as messages name it: source, year, cmdCode, page and redacted URL."""
        return (
            f"{SOURCE} year {self.partition} cmdCode {self.code!r} (page {self.page} of "
            f"{self.pages}; GET {redact_url(self.url)})"
        )


@dataclass(frozen=True)
class _Reply:
    """A request's result: a landed, usable body, or (``data`` None) a reason to park."""

    data: dict[str, Any] | None
    landed: LandedPage | None
    problem: str
    retry_after: float | None = None
    reason: str = ""


class ComtradeFetcher:
    """Fetch one trade year of the planned commodity codes from UN Comtrade into a landing zone.

    ``landing`` is the source's zone (``LandingZone(root, "comtrade")``); ``key`` the
    subscription key (``COMTRADE_API_KEY``), sent only in the ``Ocp-Apim-Subscription-Key``
    header. The other arguments: the API root, the flows asked for (``X`` exports, ``M``
    imports), ``maxRecords`` per request, the (connect, read) timeout in seconds, retries
    per request, the backoff base and cap in seconds, the least time between two requests,
    how long a quota or outage parks the partition when the server gives no time, and the
    ``sleep``, ``session``, ``log`` and monotonic ``clock`` to use (injectable for tests).
    """

    def __init__(
        self,
        landing: LandingZone,
        *,
        key: str,
        base_url: str = "https://comtradeapi.un.org/data/v1",
        flows: Sequence[str] = ("X", "M"),
        max_records: int = 100000,
        timeout: tuple[float, float] = (10, 120),
        max_retries: int = 5,
        backoff_base: float = 2.0,
        backoff_cap: float = 120.0,
        min_interval: float = 1.0,
        park_seconds: float = 3600.0,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        log: Callable[[str], None] = print,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        header_setting(key, SOURCE, KEY_VARIABLE, "a subscription key")
        cleaned = tuple(dict.fromkeys(f.strip().upper() for f in flows if f and f.strip()))
        if not cleaned or not all(FLOW_CODE.fullmatch(f) for f in cleaned):
            raise ValueError(f"{SOURCE} flows must be flow codes such as X and M, not {flows!r}")
        if max_records < 1:
            raise ValueError(f"{SOURCE} max_records must be 1 or more, not {max_records}")
        if max_retries < 0:
            raise ValueError(f"{SOURCE} max_retries must be 0 or more, not {max_retries}")
        if min_interval < 0 or park_seconds < 0:
            raise ValueError(f"{SOURCE} min_interval and park_seconds must be 0 or more")
        self.landing = landing
        self.base_url = base_url.rstrip("/")
        self.flows = cleaned
        self.max_records = max_records
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.park_seconds = park_seconds
        self.sleep = sleep
        self.session = capped(session)
        self._log = log
        self._secret = key
        self._rng = random.Random()
        self.pacer = Pacer(min_interval, sleep, clock)
        self._may_be_empty: frozenset[str] = frozenset()
        self.headers = {KEY_HEADER: key, "Accept": "application/json", "User-Agent": "qcm"}

    def scrub(self, text: str) -> str:
        """``text`` with the subscription key replaced by ``REDACTED``."""
        return text.replace(self._secret, REDACTED)

    def log(self, text: str) -> None:
        """Log one line, scrubbed of the key."""
        self._log(self.scrub(text))

    @property
    def flow_param(self) -> str:
        """The ``flowCode`` parameter: the flows, comma-separated (``X,M``)."""
        return ",".join(self.flows)

    def params(self, year: int, code: str) -> dict[str, str]:
        """The query parameters of one code and year: no reporter (all of them), no partner
        (all of them) except for ``TOTAL``, asked with the World only (``partnerCode=0``):
        the export activity index needs each country's all-goods total, and every partner
        of every reporter would overrun ``maxRecords``."""
        partner = {"partnerCode": "0"} if code == TOTAL else {}
        return {
            "period": str(year),
            "cmdCode": code,
            **partner,
            "flowCode": self.flow_param,
            **FIXED_PARAMS,
            "maxRecords": str(self.max_records),
        }

    def request_url(self, year: int, code: str) -> str:
        """The full URL of one code's request (it never holds the key)."""
        url = (
            requests.Request("GET", f"{self.base_url}/{ENDPOINT}", params=self.params(year, code))
            .prepare()
            .url
        )
        return str(url)

    def plan_identity(self, year: int, codes: Sequence[str]) -> str:
        """The state's ``query``: codes, flows, maxRecords and the fixed parameters, as JSON."""
        plan = {
            "endpoint": ENDPOINT,
            "codes": list(codes),
            "flows": list(self.flows),
            "max_records": self.max_records,
            "params": {k: v for k, v in self.params(year, "").items() if k != "cmdCode"},
        }
        return json.dumps(plan, sort_keys=True, separators=(",", ":"))

    @staticmethod
    def checked_codes(codes: Sequence[str]) -> tuple[str, ...]:
        """The plan's codes, stripped, first occurrence kept; ValueError unless each is an
        HS 6-digit code or ``TOTAL`` and there is at least one."""
        cleaned = tuple(dict.fromkeys(str(c).strip() for c in codes))
        bad = [c for c in cleaned if not HS6_OR_TOTAL.fullmatch(c)]
        if bad:
            raise ValueError(f"{SOURCE} codes must be HS 6-digit codes or {TOTAL}, not {bad[:5]!r}")
        if not cleaned:
            raise ValueError(f"{SOURCE} needs at least one commodity code to fetch")
        return cleaned

    def fetch_partition(
        self,
        year: int,
        codes: Sequence[str],
        restart: bool = False,
        may_be_empty: Collection[str] = (),
    ) -> FetchOutcome:
        """Fetch one trade year, one request per code of ``codes``, into the landing zone.

        An empty answer is an error, except for the codes of ``may_be_empty``: codes of an
        older HS edition asked for in case some reporter still files in it (8541.40 in
        2023), for which no records is a true answer.

        Resumes the year's unfinished fetch of the same plan at its next unlanded code (a
        fresh fetch when ``restart`` is True, the last fetch completed, or the plan
        changed). Returns a ``done`` outcome when the last code is landed, or a ``parked``
        one when the daily quota is spent, a rate limit or an outage outlasted the
        retries, or, per the saved ``parked_until``, one still does. Raises ComtradeError,
        after saving the error in the partition's state, when a code cannot be fetched;
        codes landed before stay landed. Raises ValueError for a malformed plan.
        """
        plan = self.checked_codes(codes)
        partition = str(year)
        self._may_be_empty = frozenset(may_be_empty)
        identity = self.plan_identity(year, plan)
        with self.landing.lock(partition):
            saved = self.landing.load_state(partition)
            if not restart and saved is not None and saved.query == identity:
                waiting = still_parked(saved, SOURCE, self._resume_at(saved, plan), self.log)
                if waiting is not None:
                    return waiting
            state = self.landing.start_fetch(partition, restart=restart, query=identity)
            index = parse_cursor(state.cursor, plan)
            if state.pages:
                self.log(
                    f"{SOURCE} year {partition}: resuming fetch {state.fetch_id} at cmdCode "
                    f"{plan[index]!r} (page {index + 1} of {len(plan)}; {len(state.pages)} "
                    f"codes landed, {state.records} records so far)"
                )
            else:
                self.log(self._budget(partition, len(plan)))
            try:
                return self._fetch_codes(state, year, plan)
            except ComtradeError as err:
                state.error = str(err)
                self.landing.save_state(state)
                raise

    @staticmethod
    def _budget(partition: str, calls: int) -> str:
        """What a year costs in calls against the free tier's daily allowance."""
        days = -(-calls // DAILY_CALLS)
        return (
            f"{SOURCE} year {partition}: {calls} calls to make (one per commodity code); the "
            f"free subscription allows {DAILY_CALLS} calls a day, so this year needs at least "
            f"{days} day{'s' if days > 1 else ''} of quota (a spent quota parks the year and a "
            "later run resumes it)"
        )

    @staticmethod
    def _resume_at(state: PartitionState, plan: Sequence[str]) -> str:
        """Where a saved fetch resumes, in words."""
        try:
            index = parse_cursor(state.cursor, plan)
        except ValueError:
            return f"page {len(state.pages) + 1}"
        return f"cmdCode {plan[index]!r} (page {index + 1} of {len(plan)})"

    def _fetch_codes(self, state: PartitionState, year: int, plan: tuple[str, ...]) -> FetchOutcome:
        """Land one body per code from the state's cursor to the last code of the plan."""
        index = parse_cursor(state.cursor, plan)
        while True:
            code = plan[index]
            request = _Request(
                state.partition,
                state.fetch_id,
                index + 1,
                len(plan),
                code,
                self.request_url(year, code),
            )
            reply = self._get(request)
            if reply.data is None or reply.landed is None:
                return self._park(state, reply, request)
            records = len(body_records(reply.data))
            count = body_count(reply.data)
            state.pages.append(reply.landed.sha256)
            state.cursors.append(format_cursor(index, code))
            state.records += records
            state.meta_count = (state.meta_count or 0) + (records if count is None else count)
            state.error = None
            index += 1
            if index < len(plan):
                state.cursor = format_cursor(index, plan[index])
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
                f"{SOURCE} year {state.partition} cmdCode {code!r} (page {request.page} of "
                f"{request.pages}): {records} records (count {count})"
            )
            if state.status == "done":
                message = (
                    f"{SOURCE} year {state.partition}: done, {len(state.pages)} codes, "
                    f"{state.records} records"
                )
                self.log(message)
                return outcome(state, message)

    def _park(self, state: PartitionState, reply: _Reply, request: _Request) -> FetchOutcome:
        """Save the state as parked (quota, rate limit or outage); return the parked outcome."""
        if reply.retry_after is not None:
            wait = reply.retry_after
        else:
            wait = self.backoff_cap if reply.reason == RATE_LIMIT else self.park_seconds
        if reply.reason == QUOTA:
            why = (
                f"the daily call quota of the {KEY_VARIABLE} subscription is spent (the free "
                f"subscription allows {DAILY_CALLS} calls a day)"
            )
        elif reply.reason == RATE_LIMIT:
            why = "the API is rate limiting this client"
        else:
            why = "the API looks down (server errors or bodies that are not JSON)"
        landed = len(state.pages)
        return park(
            self.landing,
            state,
            park_for(wait),
            lambda until: self.scrub(
                f"{request.where}: {reply.problem}; {why}: parked until {until} with the "
                f"cursor saved ({landed} of {request.pages} codes landed): run again after "
                f"that to resume at cmdCode {request.code!r} (page {request.page})"
            ),
            self.log,
        )

    def _error(self, request: _Request, text: str) -> ComtradeError:
        """The error for ``request``, scrubbed of the key."""
        return ComtradeError(self.scrub(f"{request.where}: {text}"))

    def _land(self, request: _Request, response: requests.Response) -> tuple[_Reply, str]:
        """Land a 200 body verbatim, then judge it: ``(reply, fatal problem or "")``.

        A body that is not JSON comes back with ``data`` None (worth a retry); the manifest's
        extras say what was found (cmd_code, flows, records, count, error).
        """
        judged = judge_body(response.content, self.max_records, request.code in self._may_be_empty)
        problem = self.scrub(judged.problem)
        extra: dict[str, Any] = {"cmd_code": request.code, "flows": self.flow_param}
        if is_comtrade_body(judged.data):
            extra.update(records=len(body_records(judged.data)), count=body_count(judged.data))
        if problem:
            extra["error"] = problem
        landed = self.landing.land(
            response.content,
            url=request.url,
            partition=request.partition,
            fetch_id=request.fetch_id,
            page=request.page,
            status=response.status_code,
            extra=extra,
        )
        data = judged.data if judged.usable else None
        return _Reply(data, landed, problem), problem if judged.fatal else ""

    def _get(self, request: _Request) -> _Reply:
        """GET one code with retries; return a landed, usable body or a reason to park.

        Connection errors, timeouts, 5xx, 429 and 200s that are not JSON are retried up to
        ``max_retries`` times with backoff (every 200 body is landed before it is judged,
        so the evidence stays). A spent quota comes back at once as a reason to park; a
        rate limit, or 5xx and non-JSON bodies (an outage), that outlast the retries do
        too. The key refused, other statuses and fatal bodies raise at once.
        """
        problem, reason = "", ""
        retry_after: float | None = None
        for attempt in range(self.max_retries + 1):
            if attempt:
                delay = backoff_delay(
                    attempt - 1, retry_after, self.backoff_base, self.backoff_cap, self._rng
                )
                self.log(
                    f"{request.where}: {problem}; retry {attempt} of {self.max_retries} in "
                    f"{delay:.1f}s"
                )
                self.sleep(delay)
            retry_after = None
            self.pacer.wait()
            try:
                response = self.session.get(
                    request.url, headers=self.headers, timeout=self.timeout, allow_redirects=False
                )
            except requests.RequestException as exc:
                problem = self.scrub(request_problem(exc, lambda text: self._error(request, text)))
                reason = ""
                continue
            status = response.status_code
            if status == 200:
                reply, fatal = self._land(request, response)
                if fatal:
                    raise self._error(request, f"{fatal}; the body is landed as evidence")
                if reply.data is not None:
                    return reply
                problem, reason = f"HTTP 200 but {reply.problem}", OUTAGE
                continue
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            message = self.scrub(gateway_message(response.content))
            detail = message or self.scrub(describe_body(response.content))
            if status in (403, 429) and QUOTA_TEXT.search(
                message or response.content[:2000].decode("utf-8", "replace")
            ):
                wait = replenish_seconds(message)
                return _Reply(
                    None,
                    None,
                    f"HTTP {status}: {detail}",
                    wait if wait is not None else retry_after,
                    QUOTA,
                )
            if status == 429:
                if retry_after is None:
                    retry_after = try_again_seconds(message)
                problem, reason = f"HTTP 429 (too many requests): {detail}", RATE_LIMIT
            elif status >= 500:
                problem, reason = f"HTTP {status}: {detail}", OUTAGE
            elif status in (401, 403):
                raise self._error(
                    request,
                    f"HTTP {status}: the subscription key was refused ({detail}); check "
                    f"{KEY_VARIABLE} (a key of the free 'comtrade - v1' product from "
                    "https://comtradedeveloper.un.org; the key itself is not shown)",
                )
            else:
                raise self._error(request, f"HTTP {status}: {detail}")
            if retry_after is not None and retry_after > self.backoff_cap:
                problem += f", Retry-After {retry_after:.0f}s is more than backoff_cap"
                return _Reply(None, None, problem, retry_after, reason)
        if reason:
            problem += f", still after {self.max_retries + 1} attempts"
            return _Reply(None, None, problem, retry_after, reason)
        raise gave_up(
            self._error(
                request,
                f"gave up after {self.max_retries + 1} attempts; last: {problem}; the codes "
                "landed so far are kept: run again later to resume at this code",
            )
        )
