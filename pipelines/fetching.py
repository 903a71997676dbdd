"""What every live client shares: retry rules, fetch outcomes, parking, bodies described.

The live clients (OpenAlex works and authors, PatentsView, EPO OPS, NSF, UKRI, CORDIS,
the World Bank, UN Comtrade) fetch one partition at a time into a
``pipelines.landing.LandingZone``. They share here: which request failures are worth
another attempt (``TRANSIENT_ERRORS``) and which are raised at once, described with any
URL's secrets redacted (``request_problem``), the capped full-jitter backoff
(``backoff_delay``) and the HTTP ``Retry-After`` header in seconds
(``parse_retry_after``); whether a body is an HTML page instead of an answer
(``looks_like_html``); how a partition's fetch ended (``FetchOutcome``, built from its
state by ``outcome``) and the check that skips a partition still parked
(``still_parked``); the hint given when only a fresh fetch can help (``REFETCH``); and a
short description of a response body for messages (``describe_body``); and the session
every client sends through (``capped``), which refuses an answer larger than
``MAX_BODY_BYTES`` before holding it in memory (``BodyTooLarge``).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TypeVar

import dagster as dg
import requests
from requests.adapters import HTTPAdapter

from pipelines.landing import REDACTED, SECRET_PARAMS, LandingZone, PartitionState, redact_url

# Dagster's retry of a fetch step that failed on a transient error the client's own
# retries did not outlast (``gave_up``, ``step_failure``): twice, after 1 then 2 minutes
# (linear: Dagster's exponential backoff waits 1 then 3), each +/- a random share (jitter)
# so parallel partitions of different services do not come back in step.
FETCH_RETRY = dg.RetryPolicy(
    max_retries=2, delay=60, backoff=dg.Backoff.LINEAR, jitter=dg.Jitter.PLUS_MINUS
)

# Failures worth another attempt: no answer, a hang, or a body cut off in transit (but
# not a certificate that fails verification, an SSLError and so a ConnectionError:
# ``request_problem``).
TRANSIENT_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
# What to do about a TLS certificate that fails verification (``_tls_advice``).
CERTIFICATE_ADVICE = (
    "the service's TLS certificate failed verification, so the connection cannot be "
    "trusted: check the service's URL setting and this machine's CA certificates "
    "(REQUESTS_CA_BUNDLE)"
)
# What to do about any other request failure another attempt cannot mend, by kind (first
# match).
PERMANENT_ADVICE: tuple[tuple[type[requests.RequestException], str], ...] = (
    (
        requests.exceptions.TooManyRedirects,
        "the service redirects in a loop: check the service's URL setting, or the service's "
        "status page",
    ),
    (
        requests.exceptions.InvalidURL,
        "the URL cannot be requested: correct the service's URL setting",
    ),
    (
        requests.exceptions.MissingSchema,
        "the URL has no scheme: correct the service's URL setting (https://...)",
    ),
    (
        requests.exceptions.InvalidSchema,
        "the URL's scheme cannot be requested: correct the service's URL setting (https://...)",
    ),
    (
        requests.exceptions.InvalidHeader,
        "a request header cannot be sent (a line break, or a space at either end, in a key or "
        "e-mail setting?): check the service's key and contact settings",
    ),
)
# Request failures whose text is never quoted: requests puts a header's value in it, and
# a header may carry a key (PatentsView's X-Api-Key, EPO's and Comtrade's tokens).
WITHHELD_TEXT = (requests.exceptions.InvalidHeader,)
# A URL, or the path and query of one, in an exception's text (requests quotes them).
URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>()]+|/[^\s'\"<>()]*\?[^\s'\"<>()]*")
# A secret query parameter's name and value anywhere in a text (names as in redact_url).
SECRET_PAIR = re.compile(
    r"(?i)(?<![\w-])("
    + "|".join(re.escape(name) for name in sorted(SECRET_PARAMS, key=len, reverse=True))
    + r")=[^&\s'\"<>()]*"
)
# The most characters of a server's text quoted in a message.
MESSAGE_LIMIT = 300
# What to tell the operator when resuming cannot help and only a fresh fetch can.
REFETCH = (
    "re-run with a fresh fetch (qcm build --mode live --refetch, or from the Dagster UI a run "
    "tagged qcm/refetch=1)"
)
# The largest answer a JSON or XML API client holds in memory, decoded. The largest
# legitimate one is a UN Comtrade answer of 100,000 records (about 70 MB); pages of the
# other services are a few MB; CORDIS's bulk archives stream under their own cap.
MAX_BODY_BYTES = 256 << 20
HTML_TITLE = re.compile(rb"<title>\s*(.*?)\s*</title>", re.IGNORECASE | re.DOTALL)
GiveUp = TypeVar("GiveUp", bound=Exception)


def gave_up(error: GiveUp) -> GiveUp:
    """``error``, marked as a client's giving up on a failure that may pass (no answer, a
    hang, 5xx or 429 through all its own attempts): the step may be retried later."""
    error.transient = True  # type: ignore[attr-defined]
    return error


def header_setting(value: str, source: str, variable: str, what: str) -> None:
    """Check ``value``, a setting that travels in an HTTP header (a key, a contact address),
    can as it is: ASCII letters, digits and punctuation, no spaces. Raises ValueError
    naming the ``source``, ``what`` it is and its environment ``variable``, never the value:
    requests would refuse it at the first request with the value in its error (a line
    break, a space at either end) or fail to encode it (a character outside Latin-1)."""
    if not value or not value.isascii() or not value.isprintable() or " " in value:
        raise ValueError(
            f"{source} needs {what} of ASCII letters, digits and punctuation, without spaces "
            f"or control characters ({variable}); the value itself is not shown"
        )


def redact_text(text: str) -> str:
    """``text`` with every URL in it (or path with a query, as urllib3 quotes one) passed
    through ``redact_url``: the values of secret query parameters become ``REDACTED``; so
    does the value of any ``name=value`` pair of a secret's name elsewhere (a URL setting
    without a scheme, ``api.x.org?token=...``)."""
    text = URL_IN_TEXT.sub(lambda match: redact_url(match.group()), text)
    return SECRET_PAIR.sub(lambda match: f"{match.group(1)}={REDACTED}", text)


def _tls_advice(error: requests.RequestException) -> str | None:
    """What to do about a TLS failure no attempt can mend: a certificate that failed
    verification (self-signed, expired, another host's) or a server that does not speak
    TLS there (an https URL pointed at a plain-http port); None for any other failure, a
    handshake cut off among them, which may pass."""
    if not isinstance(error, requests.exceptions.SSLError):
        return None
    text = str(error).lower()
    if "certificate_verify_failed" in text or "certificate verify failed" in text:
        return CERTIFICATE_ADVICE
    # OpenSSL's words, old and new, for a server that answers in plain text
    if any(
        words in text
        for words in (
            "wrong_version_number",
            "wrong version number",
            "unknown protocol",
            "record layer failure",
        )
    ):
        return (
            "the service does not answer in TLS there (an https URL pointed at a plain-http "
            "port?): check the service's URL setting"
        )
    return None


def request_problem(error: requests.RequestException, fatal: Callable[[str], Exception]) -> str:
    """Judge a request that raised ``error`` (no answer to read) for a client's retry loop.

    A failure another attempt may mend (``TRANSIENT_ERRORS``: no connection, a hang, a
    body cut off in transit) returns its description for the retry's log line. Any other
    (a URL that cannot be requested, a redirect loop, a TLS certificate that fails
    verification, an answer over the session's cap) is the same on every attempt: raises
    ``fatal(description)``, the client's error (which names source, partition and the
    redacted URL, and is saved in the partition's state before it propagates), with what
    to do and that it was not retried. URLs in the description are redacted
    (``redact_text``); the text of a failure that quotes a header (``WITHHELD_TEXT``) is
    left out.
    """
    text = (
        "its text is left out, as it quotes a header that may hold a key"
        if isinstance(error, WITHHELD_TEXT)
        else redact_text(str(error))
    )
    problem = f"{type(error).__name__}: {text}"
    tls = _tls_advice(error)
    if isinstance(error, TRANSIENT_ERRORS) and tls is None:
        return problem[:MESSAGE_LIMIT]
    advice = tls or next(
        (words for kind, words in PERMANENT_ADVICE if isinstance(error, kind)),
        "the request fails the same way on every attempt",
    )
    # from None: a chained cause would print requests' own text, unredacted, in tracebacks
    raise fatal(f"{problem}; {advice}; not retried") from None


def step_failure(error: Exception) -> dg.Failure:
    """The failure of a fetch step for a client's ``error``: retried by ``FETCH_RETRY``
    when the client gave up on a failure that may pass (``gave_up``), never otherwise (a
    refused request, a bad answer, a cursor that loops: trying again cannot help)."""
    return dg.Failure(str(error), allow_retries=getattr(error, "transient", False))


@dataclass(frozen=True)
class FetchOutcome:
    """How a partition's fetch ended.

    ``status`` is ``done`` (every page landed) or ``parked`` (the service refuses
    requests for now; the cursor is saved and ``parked_until`` says when to run again,
    None when the service gave no time). ``pages_landed`` and ``records`` count the
    whole fetch so far, across resumed runs; ``meta_count`` is the service's own count
    of matching records (None before the first page).
    """

    partition: str
    status: str
    pages_landed: int
    records: int
    meta_count: int | None
    parked_until: str | None
    message: str


def backoff_delay(
    attempt: int,
    retry_after: float | None,
    base: float,
    cap: float,
    rng: random.Random,
) -> float:
    """Seconds to wait before retry number ``attempt + 1`` (``attempt`` counts from 0).

    Full jitter: a uniform draw from ``[0, min(cap, base * 2**attempt)]``, so many
    clients do not retry in step. Never less than ``retry_after`` (the server's
    ``Retry-After`` in seconds) when one was given.
    """
    delay = rng.uniform(0.0, min(cap, base * 2.0 ** min(attempt, 32)))
    return delay if retry_after is None else max(delay, retry_after)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """A ``Retry-After`` header as seconds to wait (0 or more), or None when absent or unreadable.

    The header holds either seconds or an HTTP date (RFC 9110); ``now`` (UTC) defaults
    to the clock.
    """
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def outcome(state: PartitionState, message: str) -> FetchOutcome:
    """The outcome that reports ``state`` (done, else parked) with ``message``."""
    return FetchOutcome(
        partition=state.partition,
        status="done" if state.status == "done" else "parked",
        pages_landed=len(state.pages),
        records=state.records,
        meta_count=state.meta_count,
        parked_until=state.parked_until,
        message=message,
    )


def park_for(seconds: float) -> datetime:
    """The time to park a partition until: ``seconds`` from now, at least one second."""
    return datetime.now(UTC) + timedelta(seconds=max(seconds, 1.0))


def park(
    landing: LandingZone,
    state: PartitionState,
    until: datetime | None,
    describe: Callable[[str | None], str],
    log: Callable[[str], None],
) -> FetchOutcome:
    """Save ``state`` as parked until ``until`` (None: no time known) and return the outcome.

    ``describe`` turns the saved ``parked_until`` text (or None) into the message that is
    stored as the state's error, logged and returned: it says why and where to resume.
    """
    state.status = "parked"
    state.parked_until = until.strftime("%Y-%m-%dT%H:%M:%SZ") if until else None
    message = describe(state.parked_until)
    state.error = message
    landing.save_state(state)
    log(message)
    return outcome(state, message)


def still_parked(
    state: PartitionState,
    source: str,
    resume_at: str,
    log: Callable[[str], None],
    label: str | None = None,
) -> FetchOutcome | None:
    """A ``parked`` outcome when ``state`` is parked until a time still to come, else None.

    ``resume_at`` says in words where the fetch will resume (e.g. ``page 4``); the
    message, which names the partition as ``label`` (by default ``<source> year
    <partition>``), is also passed to ``log``. A state parked with no time
    (``parked_until`` None) is not still parked: the caller tries again.
    """
    if state.status != "parked" or not state.parked_until:
        return None
    until = datetime.fromisoformat(state.parked_until.replace("Z", "+00:00"))
    if until <= datetime.now(UTC):
        return None
    name = label or f"{source} year {state.partition}"
    message = (
        f"{name}: still parked until {state.parked_until} (the service refused further "
        f"requests until then); not calling it. Run again after that time: the fetch "
        f"resumes at {resume_at}."
    )
    log(message)
    return outcome(state, message)


def looks_like_html(body: bytes) -> bool:
    """Whether a body is an HTML page (what an outage, a maintenance window or a proxy
    error serves in place of the API's answer)."""
    start = body[:512].lstrip().lower()
    return start.startswith((b"<!doctype html", b"<html")) or b"<html" in start


def describe_body(body: bytes) -> str:
    """A short description of a body for messages: an HTML page's title, or its start."""
    title = HTML_TITLE.search(body[:4000])
    if title:
        text = " ".join(title.group(1).decode("utf-8", "replace").split())[:MESSAGE_LIMIT]
        return f"an HTML page titled {text!r}"
    start = " ".join(body[:MESSAGE_LIMIT].decode("utf-8", "replace").split())
    return f"{len(body)} bytes, starting {start[:80]!r}" if body else "an empty body"


class Pacer:
    """Spaces a client's requests at least ``min_interval`` seconds apart (``sleep`` and
    ``clock`` are injectable, so tests neither wait nor depend on the wall clock)."""

    def __init__(
        self, min_interval: float, sleep: Callable[[float], None], clock: Callable[[], float]
    ) -> None:
        self.min_interval = min_interval
        self.sleep = sleep
        self.clock = clock
        self._last: float | None = None

    def wait(self) -> None:
        """Return once ``min_interval`` has passed since the previous call."""
        if self._last is not None:
            remaining = self.min_interval - (self.clock() - self._last)
            if remaining > 0:
                self.sleep(remaining)
        self._last = self.clock()


class BodyTooLarge(requests.RequestException):
    """An answer was larger than the cap of its session; it was not read further."""


class CappedAdapter(HTTPAdapter):
    """An HTTP adapter that reads a non-streamed answer itself, refusing it (BodyTooLarge)
    once its declared or decoded size passes ``max_bytes``."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__()
        self.max_bytes = max_bytes

    def send(
        self, request: requests.PreparedRequest, stream: bool = False, **kwargs: object
    ) -> requests.Response:  # type: ignore[override]
        response = super().send(request, stream=True, **kwargs)
        if stream:
            return response
        declared = response.headers.get("Content-Length", "")
        size = int(declared) if declared.isdigit() else 0
        body = bytearray()
        if size <= self.max_bytes:
            for chunk in response.iter_content(chunk_size=1 << 16):
                body += chunk
                size = len(body)
                if size > self.max_bytes:
                    break
        if size > self.max_bytes:
            response.close()
            raise BodyTooLarge(
                f"the answer to {redact_url(str(request.url))} is larger than "
                f"{self.max_bytes:,} bytes: refused before it filled memory (a broken or "
                "hostile server)",
                request=request,
                response=response,
            )
        response._content = bytes(body)  # what requests itself stores once a body is read
        return response


def capped(session: requests.Session | None, max_bytes: int | None = None) -> requests.Session:
    """``session`` (a new one when None) with every http and https answer read through a
    CappedAdapter of ``max_bytes`` (MAX_BODY_BYTES when None)."""
    session = session or requests.Session()
    adapter = CappedAdapter(max_bytes or MAX_BODY_BYTES)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
