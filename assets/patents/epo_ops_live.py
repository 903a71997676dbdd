"""The live EPO Open Patent Services (OPS v3.2) client: search pages and families, landed.

One publication year is one partition. ``plan_queries`` splits the year's search into
parts OPS can list in full; ``fetch_partition`` pages through every part's
``published-data/search/biblio`` results and then fetches the INPADOC family of every
family seen, landing every body verbatim (``LandingZone(root, "epo_ops", ".xml")``)
before it is used and saving the state after each landed page, so a later run resumes
where this one stopped. XML is read here only for control flow (counts, ranges, family
ids); turning records into tables is the parser's job.

What OPS does, and what this module does about it (sources read in 2026):

- Token: ``POST {base}/auth/accesstoken`` with HTTP Basic ``key:secret`` and the form
  body ``grant_type=client_credentials`` answers JSON with ``access_token`` and
  ``expires_in`` (seconds, sent as a string) [OPS OpenAPI spec ``resources/ops.yaml`` in
  patent-dev/epo-ops; its ``auth.go``; ip-tools/python-epo-ops-client ``api.py`` and
  ``models.py``]. The token travels only in ``Authorization: Bearer``. An expired token
  is answered with 400 (fault message ``invalid_access_token``) [python-epo-ops-client
  ``_check_for_expired_token``] or 401 [patent-dev/epo-ops ``retry.go``]: the token is
  renewed once and the request repeated; a second refusal is an error. A refused key or
  secret (the token request answered 4xx) is an error at once, never retried.
- Search: ``GET {base}/rest-services/published-data/search/biblio?q=<CQL>&Range=b-e``
  (``Range`` as a query parameter; ``X-OPS-Range`` is the header form) [ops.yaml;
  python-epo-ops-client]. At most 100 results per request, and only positions 1 to
  2,000 of a result list can be retrieved: asking 2001-2100 is refused with 400
  ``CLIENT.InvalidQuery`` [EPO OPS support on forums.epo.org, "Range parameter" (2015)
  and "API published-data questions" (2018): "OPS can only display a total of 2 000
  results"; FHG-IMW/epo-ops ``limits.rb`` MAX_QUERY_RANGE = 2000]. That 2,000 is the
  ``max_range`` setting. ``total-result-count`` is capped at 10,000 [same 2018 post;
  ``../shared/fixtures/epo_ops/search.response.xml``]: 10,000 means "unknown, too many".
- CQL: ``cpc=Y02E10/72`` matches that symbol only; the relational qualifier ``=/low``
  (``cpc=/low G06N10/00``) adds everything below it in the CPC hierarchy [OPS reference
  guide p. 149 as quoted by ip-tools/patzilla's CQL notes: "a relational qualifier
  (=/low, =/high, =/same) can be used with CPC classification indices only"; its
  examples ``cpc=/low A01B``], so every code is queried with it; publication dates as
  ``pd within "YYYYMMDD YYYYMMDD"``, two dates separated by a space [poldham/opsrdev
  ``ops_publications``; other OPS clients' tests]. At most 10 terms per field and 20 in
  all, else 400 ``CLIENT.ScopeTermsMaximumNumber`` [EPO OPS support, forums.epo.org
  "Maximum number of terms in a query" (2015)], so CPC codes are OR-ed at most
  ``max_codes_per_query`` (10) to a query.
- An empty search is answered 404 with the fault ``SERVER.EntityNotFound`` "No results
  found" [the fault body as asserted by ip-tools/patzilla's live OPS tests; OPS clients
  on GitHub read a search 404 as zero hits]: a part counted 0 when planned has no
  records and its pages are never asked for. Some malformed queries and faults are said
  to be answered the same way, so a 404 for a page of a part counted above 0 is not read
  as "empty" (that would lose its records silently): it is retried like a transient
  fault, then an error naming the year, the part's query and the range.
- Paging a part: every page must report the ``total-result-count`` of the part's first
  page (a change means the results shifted between range requests, so records could be
  skipped or repeated), and a part that ends (a short or empty page) with fewer records
  than that total is an error, never a done fetch; both ask for a fresh fetch. More
  records than the total is a WARNING.
- Families: ``GET {base}/rest-services/family/publication/docdb/CC.NUMBER.KIND`` [ops.yaml],
  asked once per family id seen, with the first member seen. A family answered 404 is
  left out with a WARNING and counted in the outcome's message, so that one missing
  family does not stop the year for good.
- Throttling: answers carry ``X-Throttling-Control: busy (images=green:100,
  inpadoc=green:45, other=green:1000, retrieval=green:100, search=green:15)``, per
  service a colour and the requests allowed per minute [forums.epo.org "OPS
  Throttling-Control Retry-After" (2021); python-epo-ops-client
  ``throttle/storages/sqlite.py``]: green is under half the limit, yellow and red are
  more, black means refused. Here yellow waits 60/limit seconds before the next request
  to that service, red twice that, and black parks the partition until the Retry-After
  has passed (a minute when absent).
- Fair-use quotas: 403 with ``X-Rejection-Reason`` (``IndividualQuotaPerHour``,
  ``RegisteredQuotaPerWeek``, ...) [python-epo-ops-client ``_check_for_exceeded_quota``;
  FHG-IMW/epo-ops ``rate_limit.rb``]. An hourly or per-minute reason is retried with
  backoff and, when the retries run out, parks the partition for an hour or a minute; a
  daily or weekly one parks it at once with no time (retrying in this run is useless;
  OPS gives no reset time); a 403 with no known reason is an error at once. A 429
  (not documented by OPS) is retried after its ``Retry-After``, or parks when that is
  longer than the backoff cap.
- ``Retry-After`` units: OPS documents none (a 403 ``ThrottlingControlQuota`` with
  ``Retry-After: 216383`` on the EPO forum, "OPS Throttling-Control Retry-After" (2021),
  left its asker guessing). On OPS's fair-use answers (a black throttle, a 403 quota)
  it is read in milliseconds, as python-epo-ops-client's throttle storage reads it
  (``timedelta(milliseconds=...)``); on a 429 or a 5xx, which OPS does not document and
  a gateway may send, in seconds (or an HTTP date) as HTTP defines it [RFC 9110].

The consumer key, the secret and the access token never appear in a URL, a message, a
log line or the manifest: every message is scrubbed of all three.
"""

from __future__ import annotations

import base64
import gzip
import json
import random
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import requests

from pipelines.fetching import (
    MESSAGE_LIMIT,
    REFETCH,
    FetchOutcome,
    backoff_delay,
    capped,
    describe_body,
    gave_up,
    outcome,
    parse_retry_after,
    request_problem,
    still_parked,
)
from pipelines.fetching import (
    park as park_partition,
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

SOURCE = "epo_ops"
NS = {"ex": "http://www.epo.org/exchange", "ops": "http://ops.epo.org"}
COUNT_CAP = 10_000
MAX_PAGE_SIZE = 100
MAX_RANGE = 2_000
MAX_CODES_PER_QUERY = 10
# Renew the access token this many seconds before OPS says it expires.
TOKEN_MARGIN = 60.0
# How long a black throttle lasts when OPS sends no Retry-After.
BLACK_DEFAULT_SECONDS = 60.0
# How long to park when an hourly or per-minute quota still refuses after the retries.
QUOTA_PARK = {"hour": timedelta(hours=1), "minute": timedelta(minutes=1)}
CPC_CODE = re.compile(r"[A-Z][0-9]{2}[A-Z](?:[0-9]{1,4}(?:/[0-9]{1,6})?)?")
DOCDB_ID = re.compile(r"[A-Z]{2}\.[A-Z0-9]+(?:\.[A-Z0-9]+)?")
# OPS never declares a DOCTYPE or entities; a body that does is refused (XML bombs).
DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
THROTTLE_SERVICE = re.compile(r"([A-Za-z-]+)\s*=\s*([A-Za-z]+)\s*:\s*(\d+)")
PLAN_MARK = "\nplan="
FAMILY_CURSOR = "family:"
SEARCH_PATH = "rest-services/published-data/search"
FAMILY_PATH = "rest-services/family/publication/docdb"


class EpoOpsError(RuntimeError):
    """A fetch that cannot go on; the message names year, part query or family, range and URL."""


class BadBody(ValueError):
    """A response body that is not the OPS XML expected; the message says why."""


class _Park(Exception):
    """OPS refuses further requests for now: park the partition with its state saved."""

    def __init__(self, reason: str, until: datetime | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.until = until


@dataclass(frozen=True)
class QueryPart:
    """One search of the plan: any of ``codes`` published from ``start`` to ``end``.

    ``count`` is the result count OPS gave when the part was planned (None before).
    """

    codes: tuple[str, ...]
    start: date
    end: date
    count: int | None = None

    @property
    def query(self) -> str:
        """The CQL, e.g. ``cpc=/low H04L9/0852 and pd within "20200101 20201231"``.

        ``=/low`` makes a CPC symbol match its whole subtree (G06N10/00 includes /20 to
        /80); a plain ``cpc=`` matches the symbol itself only.
        """
        codes = " or ".join(f"cpc=/low {code}" for code in self.codes)
        if len(self.codes) > 1:
            codes = f"({codes})"
        return f'{codes} and pd within "{self.start:%Y%m%d} {self.end:%Y%m%d}"'

    def to_json(self) -> dict[str, Any]:
        """The part as a JSON-ready dict (kept in the partition state)."""
        return {
            "codes": list(self.codes),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "count": self.count,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QueryPart:
        """Rebuild a part from ``to_json`` output."""
        return cls(
            tuple(data["codes"]),
            date.fromisoformat(data["start"]),
            date.fromisoformat(data["end"]),
            data["count"],
        )


@dataclass(frozen=True)
class SearchHit:
    """One publication in a search page: its family id ("" when absent) and docdb id."""

    family_id: str
    docdb: str


@dataclass(frozen=True)
class SearchPage:
    """What a search page says: the (capped) total, the range returned, the publications."""

    total: int
    begin: int
    end: int
    hits: tuple[SearchHit, ...]

    @property
    def capped(self) -> bool:
        """Whether ``total`` is OPS's cap, i.e. the true count is unknown."""
        return self.total >= COUNT_CAP


@dataclass(frozen=True)
class FamilyPage:
    """What a family answer says: its family ids and members (docdb ids, in order)."""

    family_ids: frozenset[str]
    members: tuple[str, ...]

    @property
    def offices(self) -> list[str]:
        """The publishing offices (country codes) of the members, sorted."""
        return sorted({member.split(".")[0] for member in self.members})


@dataclass(frozen=True)
class _Request:
    """One GET: where it belongs, its URL (no secrets), throttle service and manifest extras.

    ``planned`` is set for a page of a search part: the count the plan gave the part (above
    0). Such a request reads a 404 "No results found" as a fault to retry; any other
    request (a count, a family) reads it as an empty answer.
    """

    partition: str
    fetch_id: str
    page: int
    url: str
    service: str
    label: str
    extra: dict[str, Any] = field(default_factory=dict)
    planned: int | None = None

    @property
    def where(self) -> str:
        """The request as messages name it: source, year, what is asked, redacted URL."""
        return f"{SOURCE} year {self.partition} {self.label} ({redact_url(self.url)})"


@dataclass(frozen=True)
class _Tally:
    """A part's search pages landed so far: the total its first page reported, the records."""

    total: int
    records: int


@dataclass(frozen=True)
class _Reply:
    """A usable answer: the parsed page (None for an empty search) and its landed blob."""

    parsed: Any
    landed: LandedPage


def split_dates(start: date, end: date) -> list[tuple[date, date]] | None:
    """Split a publication-date span into smaller spans covering it exactly, or None.

    A whole calendar year becomes its two halves; a span over several months becomes
    calendar months; a span inside one month becomes single days; a single day cannot
    be split (None).
    """
    year = start.year
    if (start, end) == (date(year, 1, 1), date(year, 12, 31)):
        return [(start, date(year, 6, 30)), (date(year, 7, 1), end)]
    if (start.year, start.month) != (end.year, end.month):
        pieces = []
        current = start
        while current <= end:
            following = date(current.year + current.month // 12, current.month % 12 + 1, 1)
            last = following - timedelta(days=1)
            pieces.append((current, min(last, end)))
            current = following
        return pieces
    if start < end:
        days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        return [(day, day) for day in days]
    return None


def parse_ops_xml(body: bytes) -> ET.Element:
    """Parse an OPS XML body; raise BadBody when it declares a DOCTYPE or entity, or is broken."""
    if DECLARATION.search(body):
        raise BadBody("it declares a DOCTYPE or an ENTITY, which OPS never does (refused)")
    try:
        return ET.fromstring(body)
    except ET.ParseError as err:
        raise BadBody(f"it is not well-formed XML ({err})") from None


def _int_attribute(element: ET.Element, name: str) -> int:
    """An integer attribute of ``element``; BadBody when missing or not a number."""
    value = element.get(name)
    try:
        return int(value or "")
    except ValueError:
        raise BadBody(f"{element.tag} has no integer {name!r} (found {value!r})") from None


def _docdb(element: ET.Element | None) -> str:
    """``CC.NUMBER.KIND`` from a docdb ``document-id``, or "" when it has no country or number."""
    if element is None:
        return ""
    country, number, kind = (
        (element.findtext(f"ex:{name}", "", NS) or "").strip()
        for name in ("country", "doc-number", "kind")
    )
    if not country or not number:
        return ""
    return ".".join(part for part in (country, number, kind) if part)


def read_search_page(body: bytes) -> SearchPage:
    """Read a ``published-data/search`` answer (with or without the biblio constituent).

    Returns the total (``total-result-count``, capped by OPS at 10,000), the range
    returned and every publication with its family id and docdb id. Raises BadBody when
    the body is not an ``ops:world-patent-data`` with an ``ops:biblio-search``.
    """
    root = parse_ops_xml(body)
    search = root.find("ops:biblio-search", NS)
    if root.tag != f"{{{NS['ops']}}}world-patent-data" or search is None:
        raise BadBody("it has no ops:world-patent-data/ops:biblio-search element")
    total = _int_attribute(search, "total-result-count")
    returned = search.find("ops:range", NS)
    if returned is None:
        raise BadBody("its ops:biblio-search has no ops:range element")
    hits = [
        SearchHit(
            doc.get("family-id", ""),
            ".".join(doc.get(name, "") for name in ("country", "doc-number", "kind")).strip("."),
        )
        for doc in search.iter(f"{{{NS['ex']}}}exchange-document")
    ]
    hits += [
        SearchHit(
            ref.get("family-id", ""),
            _docdb(ref.find("ex:document-id[@document-id-type='docdb']", NS)),
        )
        for ref in search.iter(f"{{{NS['ops']}}}publication-reference")
    ]
    return SearchPage(
        total,
        _int_attribute(returned, "begin"),
        _int_attribute(returned, "end"),
        tuple(hits),
    )


def read_family(body: bytes) -> FamilyPage:
    """Read a ``family`` answer: its family ids and the docdb id of every member.

    Raises BadBody when the body has no ``ops:patent-family`` with family members.
    """
    root = parse_ops_xml(body)
    family = root.find("ops:patent-family", NS)
    if family is None:
        raise BadBody("it has no ops:patent-family element")
    members = family.findall("ops:family-member", NS)
    if not members:
        raise BadBody("its ops:patent-family has no ops:family-member")
    return FamilyPage(
        frozenset(m.get("family-id", "") for m in members if m.get("family-id")),
        tuple(
            _docdb(m.find("ex:publication-reference/ex:document-id[@document-id-type='docdb']", NS))
            for m in members
        ),
    )


def fault_text(body: bytes) -> str:
    """The code and message of an OPS fault body, shortened; for any other body (an HTML
    page, plain text, XML without them, nothing) its description: title, or start."""
    try:
        root = parse_ops_xml(body)
    except BadBody:
        return describe_body(body)
    parts = [
        (element.text or "").strip()
        for element in root.iter()
        if element.tag.rsplit("}", 1)[-1] in ("code", "message", "description")
    ]
    text = " ".join(": ".join(part for part in parts if part).split())
    if not text:
        return describe_body(body)
    return text if len(text) <= MESSAGE_LIMIT else text[:MESSAGE_LIMIT] + "..."


def parse_throttle(value: str | None) -> dict[str, tuple[str, int]]:
    """An ``X-Throttling-Control`` header as {service: (colour, requests per minute)}."""
    return {
        name.lower(): (colour.lower(), int(limit))
        for name, colour, limit in THROTTLE_SERVICE.findall(value or "")
    }


def ops_retry_after(response: requests.Response) -> float | None:
    """The ``Retry-After`` of an OPS fair-use answer as seconds, or None when absent or unreadable.

    OPS sends it in milliseconds on its throttle and quota refusals (see the module doc);
    HTTP's seconds on a 429 or a 5xx are read by ``parse_retry_after`` instead.
    """
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")) / 1000.0)
    except ValueError:
        return None


def _no_results(response: requests.Response) -> bool:
    """Whether a 404 is OPS's "No results found" for an empty search."""
    text = fault_text(response.content).lower()
    return "entitynotfound" in text or "no results found" in text


def _token_refused(response: requests.Response) -> bool:
    """Whether an answer says the access token is expired, invalid or missing."""
    if response.status_code == 401:
        return True
    if response.status_code != 400:
        return False
    text = response.content[:4000].decode("utf-8", "replace").lower()
    challenge = response.headers.get("WWW-Authenticate", "").lower()
    return (
        "invalid_access_token" in text
        or "accesstoken" in text
        or "access token" in text
        or "expired" in challenge
        or "invalid_token" in challenge
    )


class EpoOpsFetcher:
    """Fetch EPO OPS search pages and families one publication year at a time.

    ``landing`` is ``LandingZone(root, "epo_ops", ".xml")``; ``key`` and ``secret`` are the
    OPS OAuth consumer key and secret (both required). The other arguments: the API's
    base URL (``.../3.2``; http(s) only here, https enforced where the asset reads it
    through ``pipelines.settings.service_url``), the (connect, read) timeout in seconds,
    the retries per request, the backoff base and cap in seconds, the results per
    request (1 to 100), ``max_range`` (the last result position a query may list, from
    ``page_size`` to 2,000, the most OPS lists), the CPC codes OR-ed in one query at
    most (OPS allows 10 terms per field), and the ``sleep``, ``session`` and ``log`` to
    use (injectable for tests).
    """

    def __init__(
        self,
        landing: LandingZone,
        *,
        key: str,
        secret: str,
        base_url: str = "https://ops.epo.org/3.2",
        timeout: tuple[float, float] = (10, 60),
        max_retries: int = 6,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        page_size: int = MAX_PAGE_SIZE,
        max_range: int = MAX_RANGE,
        max_codes_per_query: int = MAX_CODES_PER_QUERY,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        log: Callable[[str], None] = print,
    ) -> None:
        if not key or not secret:
            raise ValueError(
                "epo_ops needs both the OAuth consumer key and secret (set EPO_OPS_KEY and "
                "EPO_OPS_SECRET)"
            )
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"epo_ops page_size must be 1 to {MAX_PAGE_SIZE}, not {page_size}")
        if max_range < page_size:
            raise ValueError(f"epo_ops max_range {max_range} is below page_size {page_size}")
        if max_range > MAX_RANGE:
            raise ValueError(
                f"epo_ops max_range {max_range} is above {MAX_RANGE}, the most results OPS "
                "lists for one query"
            )
        if max_retries < 0:
            raise ValueError(f"epo_ops max_retries must be 0 or more, not {max_retries}")
        if max_codes_per_query < 1:
            raise ValueError("epo_ops max_codes_per_query must be 1 or more")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"epo_ops base_url {base_url!r} is not an http(s) URL")
        self.landing = landing
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.page_size = page_size
        self.max_range = max_range
        self.max_codes_per_query = max_codes_per_query
        self.sleep = sleep
        self.session = capped(session)
        self._log = log
        self._rng = random.Random()
        self._credentials = (key, secret)
        basic = base64.b64encode(f"{key}:{secret}".encode()).decode("ascii")
        self._secrets = [key, secret, basic]
        self._token: str | None = None
        self._token_until = 0.0
        self._throttle: dict[str, tuple[str, int]] = {}
        self._black_until: datetime | None = None
        self._tallies: dict[int, _Tally] = {}

    @property
    def retrievable(self) -> int:
        """A part must count fewer results than this to be listed in full."""
        return min(self.max_range, COUNT_CAP)

    def scrub(self, text: str) -> str:
        """``text`` with the key, the secret, their Basic form and the token replaced."""
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text

    def log(self, text: str) -> None:
        """Log one line, scrubbed of secrets."""
        self._log(self.scrub(text))

    # --- planning -----------------------------------------------------------------------

    @staticmethod
    def clean_codes(cpc_codes: list[str]) -> list[str]:
        """The CPC codes without spaces or repeats; ValueError naming any malformed one."""
        codes: list[str] = []
        for raw in cpc_codes:
            code = "".join(raw.split()).upper()
            if not CPC_CODE.fullmatch(code):
                raise ValueError(f"{SOURCE}: {raw!r} is not a CPC code (e.g. H04L9/0852)")
            if code not in codes:
                codes.append(code)
        if not codes:
            raise ValueError(f"{SOURCE}: the search needs at least one CPC code")
        return codes

    def plan_queries(
        self, year: int, cpc_codes: list[str], count: Callable[[str], int]
    ) -> list[QueryPart]:
        """Split a year's search into parts that OPS can list in full; each with its count.

        Starts from one query per group of at most ``max_codes_per_query`` codes over the
        whole year and asks ``count`` (CQL -> OPS's result count, capped at 10,000) for
        each. A part counting ``retrievable`` or more is split, first into one query per
        code, then by publication date (halves of the year, months, days), until every
        part counts less; together the parts cover every code on every day of the year
        exactly once. Raises EpoOpsError naming the query when a single code on a single
        day is still too big.
        """
        codes = self.clean_codes(cpc_codes)
        limit = self.retrievable
        plan: list[QueryPart] = []

        def place(part: QueryPart) -> None:
            found = count(part.query)
            if found < limit:
                plan.append(replace(part, count=found))
                return
            if len(part.codes) > 1:
                pieces = [QueryPart((code,), part.start, part.end) for code in part.codes]
            else:
                spans = split_dates(part.start, part.end)
                if spans is None:
                    shown = f"at least {found}" if found >= COUNT_CAP else str(found)
                    raise EpoOpsError(
                        f"{SOURCE} year {year}: query [{part.query}] has {shown} results, more "
                        f"than the {limit} OPS can list, and one CPC code on one day cannot be "
                        "split further: use narrower CPC codes"
                    )
                pieces = [QueryPart(part.codes, start, end) for start, end in spans]
            for piece in pieces:
                place(piece)

        for first in range(0, len(codes), self.max_codes_per_query):
            group = tuple(codes[first : first + self.max_codes_per_query])
            place(QueryPart(group, date(year, 1, 1), date(year, 12, 31)))
        return plan

    # --- fetching -----------------------------------------------------------------------

    def fetch_partition(
        self, year: int, cpc_codes: list[str], restart: bool = False
    ) -> FetchOutcome:
        """Fetch one publication year: plan, land every search page, then every family.

        Resumes the year's unfinished fetch with its saved plan and cursor (a fresh fetch,
        planned anew, when ``restart`` is True, the last fetch completed, or the codes or
        settings changed). Returns a ``done`` outcome when every page and family is
        landed, or a ``parked`` one when OPS refuses requests for now (quota spent,
        throttle black).
        Raises EpoOpsError, after saving the error in the partition's state, when a
        request cannot be completed; pages landed before stay landed.
        """
        partition = str(year)
        codes = self.clean_codes(cpc_codes)
        identity = (
            f"{SOURCE} search/biblio year={year} cpc={','.join(codes)} "
            f"page_size={self.page_size} max_range={self.max_range} "
            f"codes_per_query={self.max_codes_per_query}"
        )
        self._throttle.clear()
        self._black_until = None
        self._tallies.clear()
        with self.landing.lock(partition):
            saved = self.landing.load_state(partition)
            same = saved is not None and saved.query.split(PLAN_MARK)[0] == identity
            if not restart and same and saved is not None:
                waiting = still_parked(saved, SOURCE, self._describe(saved.cursor), self.log)
                if waiting is not None:
                    return waiting
            resumable = not restart and same and saved is not None and saved.status != "done"
            query = saved.query if resumable and saved is not None else identity
            state = self.landing.start_fetch(partition, restart=restart, query=query)
            try:
                plan = self._saved_plan(state)
                if plan is None:
                    plan = self._plan(state, year, codes, identity)
                elif state.pages:
                    self.log(
                        f"{SOURCE} year {partition}: resuming fetch {state.fetch_id} at "
                        f"{self._describe(state.cursor, plan)} ({len(state.pages)} pages so far)"
                    )
                return self._run(state, plan)
            except _Park as park:
                return self._park(state, park)
            except EpoOpsError as err:
                state.error = str(err)
                self.landing.save_state(state)
                raise

    def _saved_plan(self, state: PartitionState) -> list[QueryPart] | None:
        """The plan saved in the state's query, or None when the fetch is not planned yet."""
        if PLAN_MARK not in state.query:
            return None
        return [QueryPart.from_json(p) for p in json.loads(state.query.split(PLAN_MARK)[1])]

    def _plan(
        self, state: PartitionState, year: int, codes: list[str], identity: str
    ) -> list[QueryPart]:
        """Plan the fetch (counts landed), save the plan in the state and point at part 1."""
        plan = self.plan_queries(year, codes, lambda query: self._count(state, query))
        state.query = identity + PLAN_MARK + json.dumps([p.to_json() for p in plan])
        state.cursor = "0:1" if plan else f"{FAMILY_CURSOR}0"
        state.meta_count = sum(p.count or 0 for p in plan)
        self.landing.save_state(state)
        self.log(
            f"{SOURCE} year {year}: planned {len(plan)} search queries, {state.meta_count} results "
            f"in all (a publication with several codes counts once per query)"
        )
        return plan

    def _count(self, state: PartitionState, query: str) -> int:
        """OPS's result count for ``query`` (one result asked; the body is landed)."""
        url = self._search_url(query, 1, 1, constituent=False)
        request = _Request(
            state.partition,
            state.fetch_id,
            0,
            url,
            "search",
            f"count [{query}]",
            {"kind": "count", "part_query": query},
        )
        reply = self._get(request, lambda body: self._judge_search(body, 1, 1))
        found = 0 if reply.parsed is None else reply.parsed.total
        capped = " (OPS's cap: the true count is higher)" if found >= COUNT_CAP else ""
        self.log(f"{SOURCE} year {state.partition}: count [{query}]: {found}{capped}")
        return found

    def _search_url(self, query: str, begin: int, end: int, constituent: bool = True) -> str:
        """The search URL for ``query`` and a range; with the biblio constituent or without."""
        path = f"{SEARCH_PATH}/biblio" if constituent else SEARCH_PATH
        params = urlencode({"q": query, "Range": f"{begin}-{end}"}, quote_via=quote)
        return f"{self.base_url}/{path}?{params}"

    def _run(self, state: PartitionState, plan: list[QueryPart]) -> FetchOutcome:
        """Land pages from the state's cursor: search parts, then families, then finish."""
        families: list[tuple[str, str]] | None = None
        while True:
            cursor = state.cursor or f"{FAMILY_CURSOR}0"
            if cursor.startswith(FAMILY_CURSOR):
                if families is None:
                    families = self._families(state)
                number = int(cursor.removeprefix(FAMILY_CURSOR))
                if number >= len(families):
                    return self._finish(state, len(families))
                self._family_step(state, families, number)
            else:
                index, begin = (int(n) for n in cursor.split(":"))
                self._search_step(state, plan, index, begin)

    def _next_part(self, index: int, plan: list[QueryPart]) -> str:
        """The cursor after part ``index``: the next part's first range, or the families."""
        return f"{index + 1}:1" if index + 1 < len(plan) else f"{FAMILY_CURSOR}0"

    def _search_step(
        self, state: PartitionState, plan: list[QueryPart], index: int, begin: int
    ) -> None:
        """Land one search page of part ``index`` from ``begin``; advance and save the state.

        Raises EpoOpsError, leaving the state's cursor at this range, when the part has
        grown past what OPS can list, when its total differs from its first page's, or
        when it ends with fewer records than that total.
        """
        part = plan[index]
        cursor = f"{index}:{begin}"
        if part.count == 0:
            self.log(
                f"{SOURCE} year {state.partition}: part {index + 1} [{part.query}]: no results"
            )
            state.cursor = self._next_part(index, plan)
            self.landing.save_state(state)
            return
        end = min(begin + self.page_size - 1, self.max_range)
        request = _Request(
            state.partition,
            state.fetch_id,
            len(state.pages) + 1,
            self._search_url(part.query, begin, end),
            "search",
            f"page {len(state.pages) + 1}, part {index + 1}/{len(plan)} [{part.query}] "
            f"range {begin}-{end}",
            {"kind": "search", "part": index, "part_query": part.query, "range": f"{begin}-{end}"},
            planned=part.count,
        )
        if cursor in state.cursors:
            raise self._error(
                request.where,
                "range loop: this range was already landed in this fetch; the saved cursor "
                "is left at it",
            )
        reply = self._get(request, lambda body: self._judge_search(body, begin, end))
        page: SearchPage = reply.parsed
        if page.total >= self.retrievable:
            raise self._error(
                request.where,
                f"the part now has {page.total} results, more than the {self.retrievable} "
                f"OPS can list (it had fewer when planned): {REFETCH} to re-plan",
            )
        if begin == 1:
            tally = _Tally(page.total, 0)
            if page.total != part.count:
                self.log(
                    f"WARNING: {request.where}: OPS now counts {page.total} results, "
                    f"{part.count} when planned"
                )
        else:
            tally = self._tally(state, index)
            if page.total != tally.total:
                raise self._error(
                    request.where,
                    f"OPS now reports {page.total} results for this part, {tally.total} on its "
                    "first page: the results shifted between range requests, so records could "
                    f"be skipped or repeated; {REFETCH}",
                )
        records = tally.records + len(page.hits)
        next_begin = begin + self.page_size
        ended = next_begin > page.total or not page.hits
        if ended and records < page.total:
            raise self._error(
                request.where,
                f"the part ended (this page has {len(page.hits)} records) with {records} "
                f"records fetched of the {page.total} OPS reports for it: the fetch is not "
                f"marked done (its saved cursor and pages are kept); {REFETCH}",
            )
        if ended and records > page.total:
            self.log(
                f"WARNING: {request.where}: the part ended with {records} records fetched, "
                f"{records - page.total} more than the {page.total} OPS reports for it "
                "(publications added while paging?)"
            )
        state.pages.append(reply.landed.sha256)
        state.cursors.append(cursor)
        state.records += len(page.hits)
        if begin == 1:  # the reported total is the first page's, not the plan's
            state.meta_count = (state.meta_count or 0) + page.total - (part.count or 0)
        state.error = None
        state.cursor = self._next_part(index, plan) if ended else f"{index}:{next_begin}"
        self._tallies[index] = _Tally(tally.total, records)
        self.landing.save_state(state)
        self.log(
            f"{SOURCE} year {state.partition} page {request.page}: part {index + 1}/"
            f"{len(plan)} range {begin}-{end}: {len(page.hits)} records of {page.total} "
            f"({state.records} so far)"
        )

    def _tally(self, state: PartitionState, index: int) -> _Tally:
        """Part ``index``'s tally: kept by this run, or read back from its landed pages.

        Raises EpoOpsError when the saved cursor points inside the part but none of its
        pages is landed in this fetch (a state edited or damaged).
        """
        if index not in self._tallies:
            pages = self._landed_search(state, index)
            if not pages:
                raise EpoOpsError(
                    f"{SOURCE} year {state.partition}: the saved cursor {state.cursor!r} points "
                    f"inside part {index + 1}, but none of its pages is landed; {REFETCH}"
                )
            self._tallies[index] = _Tally(pages[0].total, sum(len(p.hits) for p in pages))
        return self._tallies[index]

    def _landed_search(self, state: PartitionState, index: int | None = None) -> list[SearchPage]:
        """The search pages this fetch landed (of part ``index`` only, when given), in order.

        Read back from their blobs; raises EpoOpsError naming a blob that cannot be read.
        """
        prefix = "" if index is None else f"{index}:"
        pages = []
        for cursor, sha in zip(state.cursors, state.pages, strict=True):
            if cursor.startswith(FAMILY_CURSOR) or not cursor.startswith(prefix):
                continue
            path = self.landing.blob_path(sha)
            try:
                pages.append(read_search_page(gzip.decompress(path.read_bytes())))
            except (OSError, EOFError, BadBody) as err:
                raise EpoOpsError(
                    f"{SOURCE} year {state.partition}: landed search page {path} cannot be "
                    f"read again ({err}); {REFETCH}"
                ) from None
        return pages

    def _families(self, state: PartitionState) -> list[tuple[str, str]]:
        """Every distinct family id in the landed search pages, with its first member."""
        members: dict[str, str] = {}
        for page in self._landed_search(state):
            for hit in page.hits:
                if hit.family_id and hit.family_id not in members and DOCDB_ID.fullmatch(hit.docdb):
                    members[hit.family_id] = hit.docdb
        return list(members.items())

    def _family_step(
        self, state: PartitionState, families: list[tuple[str, str]], number: int
    ) -> None:
        """Land the family of ``families[number]``; advance and save the state."""
        family_id, member = families[number]
        cursor = f"{FAMILY_CURSOR}{number}"
        request = _Request(
            state.partition,
            state.fetch_id,
            len(state.pages) + 1,
            f"{self.base_url}/{FAMILY_PATH}/{quote(member, safe='.')}",
            "inpadoc",
            f"page {len(state.pages) + 1}, family {family_id} via {member} "
            f"({number + 1} of {len(families)})",
            {"kind": "family", "family_id": family_id, "member": member},
        )
        if cursor in state.cursors:
            raise self._error(request.where, "family loop: this family was already landed")
        reply = self._get(request, self._judge_family)
        state.cursor = f"{FAMILY_CURSOR}{number + 1}"
        state.error = None
        if reply.parsed is None:
            self.log(
                f"WARNING: {request.where}: OPS found no family for this member (404); the "
                "family is left out and counted as not found"
            )
            self.landing.save_state(state)
            return
        state.pages.append(reply.landed.sha256)
        state.cursors.append(cursor)
        self.landing.save_state(state)
        self.log(
            f"{SOURCE} year {state.partition} page {request.page}: family {family_id}: "
            f"{len(reply.parsed.members)} members, offices {','.join(reply.parsed.offices)}"
        )

    # --- judging and landing bodies -----------------------------------------------------

    @staticmethod
    def _unusable(body: bytes, what: str, err: BadBody) -> str:
        """The problem with an unusable body, naming its size and start."""
        start = body[:40].decode("utf-8", "replace")
        return f"response body is not {what} ({len(body)} bytes, starting {start!r}): {err}"

    def _judge_search(
        self, body: bytes, begin: int, end: int
    ) -> tuple[SearchPage | None, str, dict[str, Any]]:
        """A search page when usable and its range is the one asked; else the problem."""
        try:
            page = read_search_page(body)
        except BadBody as err:
            return None, self._unusable(body, "an OPS search page", err), {}
        if page.begin != begin or page.end not in (end, min(end, page.total)):
            problem = f"OPS returned range {page.begin}-{page.end} but {begin}-{end} was asked"
            return None, problem, {"range_returned": f"{page.begin}-{page.end}"}
        extra = {"total": page.total, "records": len(page.hits), "capped": page.capped}
        return page, "", extra

    def _judge_family(self, body: bytes) -> tuple[FamilyPage | None, str, dict[str, Any]]:
        """A family answer when usable; else the problem."""
        try:
            family = read_family(body)
        except BadBody as err:
            return None, self._unusable(body, "an OPS family answer", err), {}
        extra = {"members": len(family.members), "offices": family.offices}
        return family, "", extra

    def _land(
        self,
        request: _Request,
        response: requests.Response,
        judge: Callable[[bytes], tuple[Any, str, dict[str, Any]]],
    ) -> tuple[Any, str, LandedPage]:
        """Land a body verbatim, then judge it; the manifest says what was found."""
        parsed, problem, found = judge(response.content)
        extra = {**request.extra, **found}
        if parsed is None:
            extra["error"] = self.scrub(problem)
        landed = self.landing.land(
            response.content,
            url=request.url,
            partition=request.partition,
            fetch_id=request.fetch_id,
            page=request.page,
            status=response.status_code,
            extra=extra,
        )
        return parsed, problem, landed

    # --- HTTP ---------------------------------------------------------------------------

    def _error(self, where: str, problem: str) -> EpoOpsError:
        """An EpoOpsError for ``where``, scrubbed of secrets."""
        return EpoOpsError(self.scrub(f"{where}: {problem}"))

    def _bearer(self, where: str) -> str:
        """A valid access token, requested when there is none or it is about to expire."""
        if self._token is None or time.monotonic() >= self._token_until:
            self._token = self._renew_token(where)
        return self._token

    def _renew_token(self, needed_for: str) -> str:
        """A new access token; a refused key or secret raises at once, unanswered retried."""
        url = f"{self.base_url}/auth/accesstoken"
        where = f"{SOURCE} access token request ({url}), needed for {needed_for}"
        problem = ""
        for attempt in range(self.max_retries + 1):
            if attempt:
                self._backoff(where, problem, attempt, None)
            try:
                response = self.session.post(
                    url,
                    auth=self._credentials,
                    data={"grant_type": "client_credentials"},
                    headers={"Accept": "application/json"},
                    timeout=self.timeout,
                )
            except requests.RequestException as exc:
                problem = request_problem(exc, lambda text: self._error(where, text))
                continue
            status = response.status_code
            if status == 200:
                try:
                    data = response.json()
                    token = data["access_token"]
                except (ValueError, KeyError, TypeError):
                    problem = "the token answer is not JSON with an access_token"
                    continue
                if not isinstance(token, str) or not token:
                    problem = "the token answer has an empty access_token"
                    continue
                self._secrets.append(token)
                try:
                    lifetime = float(data.get("expires_in"))
                except (TypeError, ValueError):
                    lifetime = float("inf")
                self._token_until = time.monotonic() + lifetime - TOKEN_MARGIN
                return token
            if status == 429 or status >= 500:
                problem = f"HTTP {status}: {fault_text(response.content)}"
                continue
            raise self._error(
                where,
                f"HTTP {status}: OPS refused the consumer key and secret "
                f"({fault_text(response.content)}); check EPO_OPS_KEY and EPO_OPS_SECRET",
            )
        raise gave_up(
            self._error(where, f"gave up after {self.max_retries + 1} attempts; last: {problem}")
        )

    def _backoff(self, where: str, problem: str, attempt: int, retry_after: float | None) -> None:
        """Log and wait before retry number ``attempt`` (from 1)."""
        delay = backoff_delay(
            attempt - 1, retry_after, self.backoff_base, self.backoff_cap, self._rng
        )
        self.log(f"{where}: {problem}; retry {attempt} of {self.max_retries} in {delay:.1f}s")
        self.sleep(delay)

    def _observe(self, service: str, response: requests.Response) -> None:
        """Remember the throttle colours an answer reports; note when a service turns black."""
        header = response.headers.get("X-Throttling-Control")
        if not header:
            return
        before = self._throttle.get(service, ("green", 0))[0]
        self._throttle.update(parse_throttle(header))
        colour, limit = self._throttle.get(service, ("green", 0))
        if colour != before:
            self.log(f"{SOURCE}: OPS {service} throttle is {colour} ({limit} requests a minute)")
        if colour == "black":
            wait = ops_retry_after(response)
            wait = BLACK_DEFAULT_SECONDS if wait is None else wait
            self._black_until = datetime.now(UTC) + timedelta(seconds=wait)

    def _pace(self, service: str) -> None:
        """Wait as the last throttle colour of ``service`` asks; park when it is black."""
        colour, limit = self._throttle.get(service, ("green", 0))
        if colour == "black":
            raise _Park(
                f"OPS throttles the {service} service black (requests refused)", self._black_until
            )
        if colour in ("yellow", "red") and limit > 0:
            self.sleep((60.0 / limit) * (2 if colour == "red" else 1))

    def _refusal(
        self, request: _Request, response: requests.Response
    ) -> tuple[str, float | None, timedelta]:
        """Judge a 403: park, raise, or return what retrying an hourly or per-minute quota needs.

        That is (problem, Retry-After in seconds or None, how long to park when the retries
        run out: an hour or a minute).
        """
        reason = response.headers.get("X-Rejection-Reason", "").strip()
        lowered = reason.lower()
        said = f"HTTP 403 (X-Rejection-Reason: {reason or 'none'}): {fault_text(response.content)}"
        if self._throttle.get(request.service, ("green", 0))[0] == "black" or "throttl" in lowered:
            until = self._black_until or datetime.now(UTC) + timedelta(
                seconds=BLACK_DEFAULT_SECONDS
            )
            raise _Park(f"{said}; OPS throttles the {request.service} service black", until)
        if "week" in lowered or "day" in lowered:
            raise _Park(f"{said}; the fair-use quota is spent", None)
        for period, park_for in QUOTA_PARK.items():
            if period in lowered:
                return said, ops_retry_after(response), park_for
        raise self._error(request.where, said)

    def _retry(
        self,
        where: str,
        problem: str,
        failures: int,
        retry_after: float | None,
        park_for: timedelta | None = None,
    ) -> None:
        """Wait before retrying after failure number ``failures``, or stop.

        After ``max_retries`` retries, raises _Park for ``park_for`` from now when given
        (an hourly or per-minute quota), else EpoOpsError. Raises _Park when OPS asks to
        wait (Retry-After, in seconds here) longer than the backoff cap.
        """
        if failures > self.max_retries:
            if park_for is not None:
                raise _Park(
                    f"{problem}; still refused after {failures} attempts",
                    datetime.now(UTC) + park_for,
                )
            raise gave_up(self._error(where, f"gave up after {failures} attempts; last: {problem}"))
        if retry_after is not None and retry_after > self.backoff_cap:
            raise _Park(
                f"{problem}; OPS asks to wait {retry_after:.0f}s (Retry-After), more than "
                f"backoff_cap {self.backoff_cap:.0f}s",
                datetime.now(UTC) + timedelta(seconds=retry_after),
            )
        self._backoff(where, problem, failures, retry_after)

    def _get(
        self,
        request: _Request,
        judge: Callable[[bytes], tuple[Any, str, dict[str, Any]]],
    ) -> _Reply:
        """GET with retries; return a landed, usable 200 (or a landed 404 "No results").

        Connection errors, timeouts, 5xx, 429, hourly or per-minute quota 403s, a 404 "No
        results" for a page of a part planned non-empty (``request.planned``) and 200s
        whose body is unusable are retried up to ``max_retries`` times with backoff (every
        200 body is landed before it is judged); then EpoOpsError, or _Park for a quota.
        An expired token is renewed once, at once. Weekly or daily quotas, a black
        throttle and a Retry-After beyond the backoff cap raise _Park; other statuses
        raise EpoOpsError at once.
        """
        where = request.where
        failures = 0
        renewed = False
        while True:
            self._pace(request.service)
            headers = {
                "Authorization": f"Bearer {self._bearer(where)}",
                "Accept": "application/xml",
            }
            retry_after: float | None = None
            park_for: timedelta | None = None
            try:
                response = self.session.get(request.url, headers=headers, timeout=self.timeout)
            except requests.RequestException as exc:
                failures += 1
                problem = request_problem(exc, lambda text: self._error(where, text))
                self._retry(where, problem, failures, None)
                continue
            self._observe(request.service, response)
            status = response.status_code
            if status == 200:
                parsed, problem, landed = self._land(request, response, judge)
                if parsed is not None:
                    return _Reply(parsed, landed)
            elif _token_refused(response):
                if renewed:
                    raise self._error(
                        where,
                        f"HTTP {status}: the access token was refused again right after it was "
                        f"renewed ({fault_text(response.content)})",
                    )
                renewed = True
                self._token = None
                self.log(f"{where}: HTTP {status}, access token expired or refused; renewing it")
                continue
            elif status == 404 and _no_results(response) and request.planned is not None:
                problem = (
                    f"HTTP 404: {fault_text(response.content)}, but the plan counted "
                    f"{request.planned} results for this part"
                )
            elif status == 404 and _no_results(response):
                landed = self.landing.land(
                    response.content,
                    url=request.url,
                    partition=request.partition,
                    fetch_id=request.fetch_id,
                    page=request.page,
                    status=status,
                    extra={**request.extra, "total": 0, "records": 0},
                )
                return _Reply(None, landed)
            elif status == 403:
                problem, retry_after, park_for = self._refusal(request, response)
            elif status == 429 or status >= 500:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                problem = f"HTTP {status}: {fault_text(response.content)}"
            else:
                raise self._error(where, f"HTTP {status}: {fault_text(response.content)}")
            failures += 1
            self._retry(where, problem, failures, retry_after, park_for)

    # --- ending -------------------------------------------------------------------------

    def _describe(self, cursor: str | None, plan: list[QueryPart] | None = None) -> str:
        """Where a cursor points, in words: a part's range, a family, or the planning."""
        if cursor is None:
            return "the planning (counts)"
        if cursor.startswith(FAMILY_CURSOR):
            return f"family {int(cursor.removeprefix(FAMILY_CURSOR)) + 1}"
        index, begin = cursor.split(":")
        query = f" [{plan[int(index)].query}]" if plan else ""
        return f"part {int(index) + 1}{query} from result {begin}"

    def _park(self, state: PartitionState, park: _Park) -> FetchOutcome:
        """Save the state as parked (until ``park.until``, when known); return the outcome."""
        return park_partition(
            self.landing,
            state,
            park.until,
            lambda until: self.scrub(
                f"{SOURCE} year {state.partition}: {park.reason}; parked until "
                f"{until or 'OPS lifts the refusal (it gives no time; try later)'} with the "
                f"state saved: run again then to resume at {self._describe(state.cursor)}"
            ),
            self.log,
        )

    def _finish(self, state: PartitionState, families: int) -> FetchOutcome:
        """Mark the fetch done (``families`` were asked for); say when more records came.

        Every part was checked as it ended (never fewer records than its total), so the
        records are at least the reported count; more (publications added while paging)
        were warned about part by part.
        """
        state.status = "done"
        state.cursor = None
        state.error = None
        state.parked_until = None
        state.done = CompletedFetch(
            fetch_id=state.fetch_id,
            pages=list(state.pages),
            records=state.records,
            meta_count=state.meta_count,
            finished_at=utc_now(),
        )
        self.landing.save_state(state)
        where = f"{SOURCE} year {state.partition}"
        landed = sum(cursor.startswith(FAMILY_CURSOR) for cursor in state.cursors)
        message = (
            f"{where}: done, {len(state.pages) - landed} search pages with {state.records} "
            f"records (OPS counted {state.meta_count}) and {landed} of {families} families"
        )
        if landed < families:
            message += f" ({families - landed} not found by OPS)"
        if state.meta_count is not None and state.records > state.meta_count:
            message += f"; fetched {state.records}, more than the count {state.meta_count}"
        self.log(message)
        return outcome(state, message)
