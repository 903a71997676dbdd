"""The live EPO OPS client against a scripted local server: planning, paging, faults, secrets."""

from __future__ import annotations

import base64
import gzip
import json
import re
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest

from assets.patents.epo_ops_live import (
    COUNT_CAP,
    BadBody,
    EpoOpsError,
    EpoOpsFetcher,
    QueryPart,
    fault_text,
    parse_throttle,
    read_family,
    read_search_page,
    split_dates,
)
from pipelines.fetching import REFETCH, FetchOutcome
from pipelines.landing import LandingZone
from tests.mock_server import MockServer, Reply, closed_port_url, hanging_connect_url

pytestmark = pytest.mark.unit
KEY = "test-consumer-key"
SECRET = "test-consumer-secret"
TOKEN = "test-token-1"
YEAR = 2020
CODE = "H04L9/0852"
WHOLE_YEAR = f'cpc=/low {CODE} and pd within "20200101 20201231"'
XML = {"Content-Type": "application/xml"}
SEARCH = "/rest-services/published-data/search/biblio"
COUNT = "/rest-services/published-data/search"
FAMILY = "/rest-services/family/publication/docdb/"
TOKEN_PATH = "/auth/accesstoken"


# --- hand-made OPS answers -------------------------------------------------------------


def search_xml(total: int, begin: int, end: int, docs: Iterable[tuple[str, str]]) -> str:
    """A search/biblio page: ``docs`` are (family id, docdb id ``CC.NR.KK``)."""
    records = "".join(
        f'<exchange-document system="ops.epo.org" family-id="{family}" country="{cc}" '
        f'doc-number="{nr}" kind="{kk}"><bibliographic-data/></exchange-document>'
        for family, (cc, nr, kk) in ((f, d.split(".")) for f, d in docs)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<ops:world-patent-data xmlns="http://www.epo.org/exchange" xmlns:ops="http://ops.epo.org">'
        f'<ops:biblio-search total-result-count="{total}" publications-count="{end - begin + 1}">'
        '<ops:query syntax="CQL">q</ops:query>'
        f'<ops:range begin="{begin}" end="{end}"/>'
        f"<ops:search-result><exchange-documents>{records}</exchange-documents>"
        "</ops:search-result></ops:biblio-search></ops:world-patent-data>"
    )


def family_xml(family: str, members: Iterable[str]) -> str:
    """A family answer with ``members`` (docdb ids)."""
    body = "".join(
        f'<ops:family-member family-id="{family}"><publication-reference>'
        f'<document-id document-id-type="docdb"><country>{cc}</country>'
        f"<doc-number>{nr}</doc-number><kind>{kk}</kind></document-id>"
        "</publication-reference></ops:family-member>"
        for cc, nr, kk in (m.split(".") for m in members)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<ops:world-patent-data xmlns="http://www.epo.org/exchange" xmlns:ops="http://ops.epo.org">'
        f'<ops:patent-family legal="false" total-result-count="1">{body}</ops:patent-family>'
        "</ops:world-patent-data>"
    )


def page(total: int, begin: int, end: int, docs: list[tuple[str, str]], **headers: str) -> Reply:
    """A search page reply."""
    return Reply(200, search_xml(total, begin, end, docs), {**XML, **headers})


def counted(total: int, **headers: str) -> Reply:
    """The answer to a count request (Range 1-1)."""
    return page(total, 1, 1, [("F0", "EP.0.A1")], **headers)


def family(family_id: str, *members: str) -> Reply:
    """A family reply."""
    return Reply(200, family_xml(family_id, members), XML)


def fault(status: int, code: str, message: str, **headers: str) -> Reply:
    """An OPS fault body with ``status``."""
    body = (
        f'<fault xmlns="http://ops.epo.org"><code>{code}</code><message>{message}</message></fault>'
    )
    return Reply(status, body, {**XML, **headers})


def token(value: str = TOKEN) -> Reply:
    """The token endpoint's answer (expires_in is a string, as OPS sends it)."""
    return Reply(200, {"access_token": value, "token_type": "BearerToken", "expires_in": "1199"})


NO_RESULTS = fault(404, "SERVER.EntityNotFound", "No results found")
ONE_DOC = [("F1", "EP.1.A1")]


def throttle(search: str) -> dict[str, str]:
    """An X-Throttling-Control header with the search service at ``search`` (colour:limit)."""
    value = (
        "busy (images=green:100, inpadoc=green:45, other=green:1000, retrieval=green:100, "
        f"search={search})"
    )
    return {"X-Throttling-Control": value}


class Harness:
    """A fetcher wired to a mock server, a temporary landing zone and recorded logs/sleeps."""

    def __init__(self, tmp_path: Path, base_url: str, **options: Any) -> None:
        self.zone = LandingZone(tmp_path / "raw", "epo_ops", ".xml")
        self.logs: list[str] = []
        self.sleeps: list[float] = []
        settings: dict[str, Any] = {
            "key": KEY,
            "secret": SECRET,
            "timeout": (2, 2),
            "max_retries": 3,
            **options,
        }
        self.fetcher = EpoOpsFetcher(
            self.zone,
            base_url=base_url,
            sleep=self.sleeps.append,
            session=MockServer.session(),
            log=self.logs.append,
            **settings,
        )

    def fetch(self, codes: Iterable[str] = (CODE,), restart: bool = False) -> FetchOutcome:
        """Fetch the test year."""
        return self.fetcher.fetch_partition(YEAR, list(codes), restart=restart)

    def manifest(self) -> list[dict[str, Any]]:
        """The manifest's entries."""
        if not self.zone.manifest_path.exists():
            return []
        lines = self.zone.manifest_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines]


def ranges(server: MockServer) -> list[str]:
    """The Range of every search/biblio request the server received."""
    return [r.query["Range"][0] for r in server.requests if r.path == SEARCH]


# --- pure helpers ----------------------------------------------------------------------


def test_query_part_cql() -> None:
    one = QueryPart((CODE,), date(2020, 1, 1), date(2020, 12, 31))
    assert one.query == WHOLE_YEAR
    two = QueryPart(("G06N10/00", "B82Y10/00"), date(2020, 3, 1), date(2020, 3, 31))
    assert two.query == (
        '(cpc=/low G06N10/00 or cpc=/low B82Y10/00) and pd within "20200301 20200331"'
    )
    assert QueryPart.from_json(two.to_json()) == two


def test_split_dates_halves_months_days() -> None:
    assert split_dates(date(2020, 1, 1), date(2020, 12, 31)) == [
        (date(2020, 1, 1), date(2020, 6, 30)),
        (date(2020, 7, 1), date(2020, 12, 31)),
    ]
    months = split_dates(date(2020, 1, 1), date(2020, 6, 30))
    assert months is not None and len(months) == 6
    assert months[1] == (date(2020, 2, 1), date(2020, 2, 29))
    days = split_dates(date(2020, 2, 1), date(2020, 2, 29))
    assert days is not None and len(days) == 29 and days[-1] == (date(2020, 2, 29),) * 2
    assert split_dates(date(2020, 2, 3), date(2020, 2, 3)) is None


def test_throttle_header_as_recorded_on_the_epo_forum() -> None:
    services = parse_throttle(
        "idle (images=black:0, inpadoc=green:60, other=green:1000, retrieval=green:200, "
        "search=green:30)"
    )
    assert services["images"] == ("black", 0) and services["search"] == ("green", 30)
    assert len(services) == 5 and parse_throttle(None) == {}


def test_fault_text_reads_ops_faults_and_describes_other_bodies() -> None:
    ops = b'<fault xmlns="http://ops.epo.org"><code>SERVER.Busy</code><message>later</message>'
    ops += b"</fault>"
    assert fault_text(ops) == "SERVER.Busy: later"
    # well-formed XML without a fault (an HTML page without a DOCTYPE): its title
    page = b"<html><head><title>Service Unavailable</title></head><body>busy</body></html>"
    assert fault_text(page) == "an HTML page titled 'Service Unavailable'"
    doctype = b"<!DOCTYPE html><html><head><title>Gateway Timeout</title></head></html>"
    assert fault_text(doctype) == "an HTML page titled 'Gateway Timeout'"
    assert fault_text(b"busy") == "4 bytes, starting 'busy'"
    assert fault_text(b"") == "an empty body"


def test_declarations_are_refused_xml_bombs_never_parsed() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;">]><ops:world-patent-data>&lol2;</ops:world-patent-data>'
    )
    with pytest.raises(BadBody, match="DOCTYPE or an ENTITY"):
        read_search_page(bomb)
    with pytest.raises(BadBody, match="not well-formed"):
        read_search_page(search_xml(3, 1, 3, ONE_DOC)[:120].encode())
    with pytest.raises(BadBody, match="no ops:patent-family"):
        read_family(search_xml(3, 1, 3, ONE_DOC).encode())


def test_settings_and_codes_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="EPO_OPS_KEY and EPO_OPS_SECRET"):
        Harness(tmp_path, "http://127.0.0.1:9", secret="")
    with pytest.raises(ValueError, match="page_size must be 1 to 100"):
        Harness(tmp_path, "http://127.0.0.1:9", page_size=101)
    with pytest.raises(ValueError, match="max_range 50 is below page_size 100"):
        Harness(tmp_path, "http://127.0.0.1:9", max_range=50)
    with pytest.raises(ValueError, match="max_range 2001 is above 2000, the most results OPS"):
        Harness(tmp_path, "http://127.0.0.1:9", max_range=2_001)
    with pytest.raises(ValueError, match="is not an http"):
        Harness(tmp_path, "ftp://ops.epo.org/3.2")
    with pytest.raises(ValueError, match="is not an http"):
        Harness(tmp_path, "ops.epo.org/3.2")
    # https only is the asset's rule (pipelines.settings.service_url), not the client's
    assert Harness(tmp_path, "http://ops.epo.org/3.2").fetcher.base_url == "http://ops.epo.org/3.2"
    fetcher = Harness(tmp_path, "http://127.0.0.1:9").fetcher
    assert fetcher.clean_codes(["h04l 9/0852", CODE, "H01L39"]) == [CODE, "H01L39"]
    with pytest.raises(ValueError, match="is not a CPC code"):
        fetcher.clean_codes(['H04L9/0852" or ti="x'])


# --- planning (count injected, no HTTP) ------------------------------------------------


class Counts:
    """OPS counts from per-code daily publication numbers; capped at 10,000 like OPS."""

    DAYS: ClassVar[list[date]] = [date(YEAR, 1, 1) + timedelta(days=n) for n in range(366)]

    def __init__(self) -> None:
        self.daily: dict[str, dict[date, int]] = {}
        self.calls: list[str] = []

    def spread(self, code: str, total: int, days: list[date] | None = None) -> None:
        """``total`` publications of ``code`` spread as evenly as possible over ``days``."""
        days = days or self.DAYS
        base, extra = divmod(total, len(days))
        self.daily[code] = {day: base + (n < extra) for n, day in enumerate(days)}

    def true_count(self, codes: Iterable[str], start: date, end: date) -> int:
        return sum(
            n
            for code in codes
            for day, n in self.daily.get(code, {}).items()
            if start <= day <= end
        )

    def __call__(self, query: str) -> int:
        self.calls.append(query)
        codes = re.findall(r"cpc=/low ([A-Z0-9/]+)", query)
        start, end = re.search(r'pd within "(\d{8}) (\d{8})"', query).groups()
        found = self.true_count(
            codes,
            datetime.strptime(start, "%Y%m%d").date(),
            datetime.strptime(end, "%Y%m%d").date(),
        )
        return min(found, COUNT_CAP)


def assert_partition(parts: list[QueryPart], codes: list[str]) -> None:
    """Every code on every day of the year is in exactly one part."""
    for code in codes:
        covered = [
            day
            for part in parts
            if code in part.codes
            for day in Counts.DAYS
            if part.start <= day <= part.end
        ]
        assert sorted(covered) == Counts.DAYS, code


def test_plan_splits_a_big_code_by_date_and_loses_nothing(tmp_path: Path) -> None:
    counts = Counts()
    counts.spread("G06N10/00", 12_000)
    counts.spread("H04L9/0852", 11_800)
    counts.spread("B82Y10/00", 1_200)
    codes = list(counts.daily)
    fetcher = Harness(tmp_path, "http://127.0.0.1:9").fetcher
    plan = fetcher.plan_queries(YEAR, codes, counts)
    assert counts.calls[0].startswith(
        "(cpc=/low G06N10/00 or cpc=/low H04L9/0852 or cpc=/low B82Y10/00) and"
    )
    assert all(part.count is not None and part.count < 2_000 for part in plan)
    assert_partition(plan, codes)
    assert sum(part.count for part in plan) == 25_000  # each part's count is exact: no loss
    by_code = {code: [p for p in plan if p.codes == (code,)] for code in codes}
    assert len(by_code["B82Y10/00"]) == 1  # small enough for the whole year
    assert [(p.start, p.end) for p in by_code["G06N10/00"]][:2] == [
        (date(2020, 1, 1), date(2020, 1, 31)),
        (date(2020, 2, 1), date(2020, 2, 29)),
    ]
    assert len(by_code["G06N10/00"]) == len(by_code["H04L9/0852"]) == 12
    # year group, 3 codes, 2 halves for each big code, then 12 months for each
    assert len(counts.calls) == 1 + 3 + 2 * 2 + 2 * 12


def test_plan_splits_a_dense_month_into_days(tmp_path: Path) -> None:
    counts = Counts()
    march = [day for day in Counts.DAYS if day.month == 3]
    counts.spread(CODE, 2_500, march)
    plan = Harness(tmp_path, "http://127.0.0.1:9").fetcher.plan_queries(YEAR, [CODE], counts)
    assert_partition(plan, [CODE])
    assert [p for p in plan if p.start.month == 3] == [
        QueryPart((CODE,), day, day, counts.true_count([CODE], day, day)) for day in march
    ]
    assert sum(p.count for p in plan) == 2_500
    one_query = Harness(tmp_path, "http://127.0.0.1:9").fetcher.plan_queries(
        YEAR, [CODE], lambda q: 1_999
    )
    assert one_query == [QueryPart((CODE,), date(2020, 1, 1), date(2020, 12, 31), 1_999)]


def test_plan_fails_when_one_code_on_one_day_is_too_big(tmp_path: Path) -> None:
    counts = Counts()
    counts.spread(CODE, 2_345, [date(2020, 3, 15)])
    fetcher = Harness(tmp_path, "http://127.0.0.1:9").fetcher
    with pytest.raises(EpoOpsError) as caught:
        fetcher.plan_queries(YEAR, [CODE], counts)
    assert f'[cpc=/low {CODE} and pd within "20200315 20200315"] has 2345 results' in str(
        caught.value
    )
    assert "cannot be split further" in str(caught.value)


def test_plan_ors_at_most_ten_codes_a_query(tmp_path: Path) -> None:
    codes = [f"G06N{n}/00" for n in range(10, 27)]
    counts = Counts()
    plan = Harness(tmp_path, "http://127.0.0.1:9").fetcher.plan_queries(YEAR, codes, counts)
    assert [len(p.codes) for p in plan] == [10, 7]
    assert all(call.count("cpc=") <= 10 for call in counts.calls)


def test_plan_limit_follows_max_range(tmp_path: Path) -> None:
    fetcher = Harness(tmp_path, "http://127.0.0.1:9", max_range=500).fetcher
    assert fetcher.retrievable == 500
    plan = fetcher.plan_queries(YEAR, [CODE], lambda q: 900 if "20200101 20201231" in q else 499)
    assert len(plan) == 2  # 900 for the year is at or above 500: two halves


# --- paging and families ---------------------------------------------------------------


def test_pages_ranges_and_each_family_once(tmp_path: Path) -> None:
    pages = [
        page(5, 1, 2, [("F1", "EP.1.A1"), ("F2", "EP.2.A1")]),
        page(5, 3, 4, [("F2", "EP.3.A1"), ("F3", "EP.4.A1")]),  # F2 spread over two pages
        page(5, 5, 5, [("F1", "EP.5.A1")]),  # the last range asked 5-6, OPS answers 5-5
    ]
    families = [
        family("F1", "EP.1.A1", "US.9.B2"),
        family("F2", "EP.2.A1"),
        family("F3", "EP.4.A1", "WO.7.A1"),
    ]
    with MockServer([token(), counted(5), *pages, *families]) as server:
        harness = Harness(tmp_path, server.url, page_size=2)
        outcome = harness.fetch()
    assert (outcome.status, outcome.pages_landed, outcome.records, outcome.meta_count) == (
        "done",
        6,
        5,
        5,
    )
    login, count, *rest = server.requests
    assert (login.method, login.path, login.body) == (
        "POST",
        TOKEN_PATH,
        b"grant_type=client_credentials",
    )
    assert login.headers["Authorization"] == "Basic " + base64.b64encode(
        f"{KEY}:{SECRET}".encode()
    ).decode("ascii")
    assert (count.path, count.query) == (COUNT, {"q": [WHOLE_YEAR], "Range": ["1-1"]})
    assert ranges(server) == ["1-2", "3-4", "5-6"]
    assert [r.path for r in rest[3:]] == [
        f"{FAMILY}EP.1.A1",
        f"{FAMILY}EP.2.A1",
        f"{FAMILY}EP.4.A1",
    ]
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in server.requests[1:])
    entries = harness.manifest()
    assert [e["kind"] for e in entries] == ["count"] + ["search"] * 3 + ["family"] * 3
    assert [(e["page"], e.get("range"), e.get("part")) for e in entries[1:4]] == [
        (1, "1-2", 0),
        (2, "3-4", 0),
        (3, "5-6", 0),
    ]
    assert entries[4]["offices"] == ["EP", "US"] and entries[4]["family_id"] == "F1"
    bodies = [gzip.decompress(f.read_bytes()).decode() for f in harness.zone.current_files()]
    assert bodies == [r.payload().decode() for r in pages + families]
    state = harness.zone.load_state("2020")
    assert (state.status, state.cursor, state.error) == ("done", None, None)
    assert state.cursors == ["0:1", "0:3", "0:5", "family:0", "family:1", "family:2"]


def test_404_for_a_part_planned_non_empty_is_retried_then_an_error(tmp_path: Path) -> None:
    with MockServer([token(), counted(2), NO_RESULTS, NO_RESULTS, NO_RESULTS]) as server:
        harness = Harness(tmp_path, server.url, max_retries=2)
        with pytest.raises(EpoOpsError) as caught:
            harness.fetch()
        assert ranges(server) == ["1-100"] * 3
    text = str(caught.value)
    assert text.startswith(f"epo_ops year 2020 page 1, part 1/1 [{WHOLE_YEAR}] range 1-100 (")
    assert "gave up after 3 attempts" in text
    assert "HTTP 404: SERVER.EntityNotFound: No results found, but the plan counted 2" in text
    assert len(harness.sleeps) == 2
    state = harness.zone.load_state("2020")
    assert (state.status, state.cursor, state.pages, state.done) == ("running", "0:1", [], None)
    assert [e["kind"] for e in harness.manifest()] == ["count"]  # the 404s are no pages


def test_404_for_a_part_planned_non_empty_then_the_page_loses_nothing(tmp_path: Path) -> None:
    replies = [token(), counted(1), NO_RESULTS, page(1, 1, 100, ONE_DOC), family("F1", "EP.1.A1")]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        outcome = harness.fetch()
    assert (outcome.status, outcome.records, outcome.pages_landed) == ("done", 1, 2)
    assert len(harness.sleeps) == 1


def test_404_when_counting_is_an_empty_part_never_asked_for(tmp_path: Path) -> None:
    with MockServer([token(), NO_RESULTS]) as server:
        harness = Harness(tmp_path, server.url)
        outcome = harness.fetch()
        assert [r.path for r in server.requests] == [TOKEN_PATH, COUNT]
    assert (outcome.status, outcome.records, outcome.meta_count) == ("done", 0, 0)
    assert "0 of 0 families" in outcome.message
    assert harness.manifest()[-1]["status"] == 404


def test_a_family_not_found_is_left_out_and_reported(tmp_path: Path) -> None:
    docs = [("F1", "EP.1.A1"), ("F2", "EP.2.A1")]
    replies = [token(), counted(2), page(2, 1, 100, docs), NO_RESULTS, family("F2", "EP.2.A1")]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        outcome = harness.fetch()
    assert (outcome.status, outcome.pages_landed, outcome.records) == ("done", 2, 2)
    assert "1 of 2 families (1 not found by OPS)" in outcome.message
    assert any("WARNING" in line and "family F1" in line for line in harness.logs)


def test_part_grown_past_the_range_limit_is_an_error(tmp_path: Path) -> None:
    with MockServer([token(), counted(3), page(2_400, 1, 100, ONE_DOC)]) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(EpoOpsError, match="now has 2400 results, more than the 2000") as caught:
            harness.fetch()
    assert f"{REFETCH} to re-plan" in str(caught.value) and "restart=True" not in str(caught.value)
    assert harness.zone.load_state("2020").pages == []


def test_a_part_ending_short_of_its_total_is_never_done(tmp_path: Path) -> None:
    first = page(5, 1, 2, [("F1", "EP.1.A1"), ("F2", "EP.2.A1")])
    with MockServer([token(), counted(5), first, page(5, 3, 4, [])]) as server:
        harness = Harness(tmp_path, server.url, page_size=2)
        with pytest.raises(EpoOpsError) as caught:
            harness.fetch()
    text = str(caught.value)
    assert text.startswith(f"epo_ops year 2020 page 2, part 1/1 [{WHOLE_YEAR}] range 3-4 (")
    assert "the part ended (this page has 0 records) with 2 records fetched of the 5" in text
    assert text.endswith(
        f"the fetch is not marked done (its saved cursor and pages are kept); {REFETCH}"
    )
    state = harness.zone.load_state("2020")
    assert (state.status, state.cursor, state.cursors, state.records, state.done) == (
        "running",
        "0:3",
        ["0:1"],
        2,
        None,
    )
    assert state.error == text and harness.zone.current_files() == []


def test_a_short_page_before_the_total_is_caught_when_the_part_ends(tmp_path: Path) -> None:
    replies = [
        token(),
        counted(5),
        page(5, 1, 2, [("F1", "EP.1.A1"), ("F2", "EP.2.A1")]),
        page(5, 3, 4, [("F3", "EP.3.A1")]),  # range 3-4 with one publication
        page(5, 5, 5, [("F5", "EP.5.A1")]),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, page_size=2)
        with pytest.raises(EpoOpsError, match="with 4 records fetched of the 5 OPS reports"):
            harness.fetch()
    assert harness.zone.load_state("2020").cursor == "0:5"


def test_a_total_changing_between_pages_is_an_error_also_after_a_resume(tmp_path: Path) -> None:
    first = page(5, 1, 2, [("F1", "EP.1.A1"), ("F2", "EP.2.A1")])
    shifted = page(6, 3, 4, [("F3", "EP.3.A1"), ("F4", "EP.4.A1")])
    with MockServer([token(), counted(5), first, shifted]) as server:
        harness = Harness(tmp_path, server.url, page_size=2)
        with pytest.raises(EpoOpsError) as caught:
            harness.fetch()
    text = str(caught.value)
    assert "range 3-4" in text and "OPS now reports 6 results for this part, 5 on its first" in text
    assert "records could be skipped or repeated" in text and text.endswith(REFETCH)
    assert harness.zone.load_state("2020").cursor == "0:3"
    # a later run reads the first page's total back from its landed blob
    with MockServer([token(), shifted]) as server:
        harness = Harness(tmp_path, server.url, page_size=2)
        with pytest.raises(EpoOpsError, match="6 results for this part, 5 on its first page"):
            harness.fetch()
        assert ranges(server) == ["3-4"]


def test_more_records_than_the_total_is_a_warning(tmp_path: Path) -> None:
    docs = [("F1", "EP.1.A1"), ("F1", "EP.1.B1"), ("F2", "EP.2.A1")]
    replies = [
        token(),
        counted(2),
        page(2, 1, 2, docs),  # three publications for a total of two
        family("F1", "EP.1.A1", "EP.1.B1"),
        family("F2", "EP.2.A1"),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        outcome = harness.fetch()
    assert (outcome.status, outcome.records, outcome.meta_count) == ("done", 3, 2)
    assert "fetched 3, more than the count 2" in outcome.message
    warnings = [line for line in harness.logs if line.startswith("WARNING")]
    assert len(warnings) == 1 and "1 more than the 2 OPS reports" in warnings[0]


def test_the_reported_total_is_the_first_pages_not_the_plans(tmp_path: Path) -> None:
    replies = [token(), counted(3), page(1, 1, 100, ONE_DOC), family("F1", "EP.1.A1")]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        outcome = harness.fetch()
    assert (outcome.status, outcome.records, outcome.meta_count) == ("done", 1, 1)
    assert any("OPS now counts 1 results, 3 when planned" in line for line in harness.logs)


def test_restart_drops_the_saved_plan_and_plans_again(tmp_path: Path) -> None:
    first = page(4, 1, 2, [("F1", "EP.1.A1"), ("F2", "EP.2.A1")])
    down = fault(503, "SERVER.Unavailable", "try later")
    with MockServer([token(), counted(4), first, down]) as server:
        harness = Harness(tmp_path, server.url, page_size=2, max_retries=0)
        with pytest.raises(EpoOpsError):
            harness.fetch()
    stopped = harness.zone.load_state("2020")
    assert stopped.cursor == "0:3" and "plan=" in stopped.query
    replies = [token(), counted(1), page(1, 1, 2, ONE_DOC), family("F1", "EP.1.A1")]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, page_size=2)
        outcome = harness.fetch(restart=True)
        assert [r.path for r in server.requests] == [TOKEN_PATH, COUNT, SEARCH, f"{FAMILY}EP.1.A1"]
        assert ranges(server) == ["1-2"]
    assert (outcome.status, outcome.records, outcome.meta_count, outcome.pages_landed) == (
        "done",
        1,
        1,
        2,
    )
    state = harness.zone.load_state("2020")
    assert state.fetch_id != stopped.fetch_id and state.cursors == ["0:1", "family:0"]


# --- faults ----------------------------------------------------------------------------


def test_5xx_then_success_loses_nothing(tmp_path: Path) -> None:
    busy = Reply(503, "<html>busy</html>", {"Content-Type": "text/html"})
    replies = [token(), counted(1), busy, busy, page(1, 1, 100, ONE_DOC), family("F1", "EP.1.A1")]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, backoff_base=1, backoff_cap=8)
        outcome = harness.fetch()
    assert (outcome.status, outcome.records, outcome.pages_landed) == ("done", 1, 2)
    assert len(harness.sleeps) == 2 and all(0 <= s <= 2 for s in harness.sleeps)
    assert ranges(server) == ["1-100"] * 3


def test_persistent_5xx_names_query_and_range_and_resume_continues(tmp_path: Path) -> None:
    first = page(4, 1, 2, [("F1", "EP.1.A1"), ("F1", "EP.2.A1")])
    down = fault(503, "SERVER.Unavailable", "try later")
    with MockServer([token(), counted(4), first, down, down, down]) as server:
        harness = Harness(tmp_path, server.url, page_size=2, max_retries=2)
        with pytest.raises(EpoOpsError) as caught:
            harness.fetch()
    text = str(caught.value)
    assert text.startswith(
        f"epo_ops year 2020 page 2, part 1/1 [{WHOLE_YEAR}] range 3-4 ({server.url}{SEARCH}?q="
    )
    assert "Range=3-4" in text and "gave up after 3 attempts" in text
    assert "HTTP 503: SERVER.Unavailable: try later" in text
    state = harness.zone.load_state("2020")
    assert (state.status, state.cursor, len(state.pages), state.error) == (
        "running",
        "0:3",
        1,
        text,
    )

    second = page(4, 3, 4, [("F2", "EP.3.A1"), ("F1", "EP.4.A1")])
    replies = [token(), second, family("F1", "EP.1.A1"), family("F2", "EP.3.A1")]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, page_size=2)
        outcome = harness.fetch()
        assert [r.path for r in server.requests][:2] == [TOKEN_PATH, SEARCH]  # no new plan
        assert ranges(server) == ["3-4"]
    assert (outcome.status, outcome.pages_landed, outcome.records) == ("done", 4, 4)
    landed = [(e["fetch_id"], e["page"]) for e in harness.manifest() if e["kind"] != "count"]
    assert len(landed) == len(set(landed)) == 4


def quota(reason: str, **headers: str) -> Reply:
    """A fair-use 403 with ``X-Rejection-Reason: reason``."""
    message = "This request has been rejected due to the violation of Fair Use policy"
    return fault(403, "403", message, **{"X-Rejection-Reason": reason, **headers})


def test_403_hourly_quota_backs_off_with_retry_after_in_milliseconds(tmp_path: Path) -> None:
    hourly = quota("IndividualQuotaPerHour", **{"Retry-After": "5000"})
    replies = [token(), counted(1), hourly, page(1, 1, 100, ONE_DOC), family("F1", "EP.1.A1")]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, backoff_base=0.01, backoff_cap=30)
        assert harness.fetch().status == "done"
    assert harness.sleeps == [5.0]  # OPS's 5000 ms
    assert any("IndividualQuotaPerHour" in line and "retry 1 of 3" in line for line in harness.logs)


@pytest.mark.parametrize(
    ("reason", "park_for"),
    [
        ("IndividualQuotaPerHour", timedelta(hours=1)),
        ("AnonymousQuotaPerMinute", timedelta(minutes=1)),
    ],
)
def test_403_hourly_or_minute_quota_parks_when_the_retries_run_out(
    tmp_path: Path, reason: str, park_for: timedelta
) -> None:
    first = page(3, 1, 2, [("F1", "EP.1.A1"), ("F2", "EP.2.A1")])
    with MockServer([token(), counted(3), first, quota(reason), quota(reason)]) as server:
        harness = Harness(tmp_path, server.url, page_size=2, max_retries=1)
        before = datetime.now(UTC)
        parked = harness.fetch()
        assert server.unused == 0 and len(harness.sleeps) == 1
    assert (parked.status, parked.pages_landed, parked.records) == ("parked", 1, 2)
    until = datetime.fromisoformat(parked.parked_until.replace("Z", "+00:00"))
    assert park_for - timedelta(seconds=5) < until - before < park_for + timedelta(seconds=5)
    assert reason in parked.message and "still refused after 2 attempts" in parked.message
    assert "from result 3" in parked.message
    state = harness.zone.load_state("2020")
    assert (state.status, state.cursor, state.parked_until) == (
        "parked",
        "0:3",
        parked.parked_until,
    )


def test_403_weekly_quota_parks_with_the_state_saved_and_resumes(tmp_path: Path) -> None:
    weekly = fault(403, "403", "Fair Use", **{"X-Rejection-Reason": "RegisteredQuotaPerWeek"})
    first = page(3, 1, 2, [("F1", "EP.1.A1"), ("F2", "EP.2.A1")])
    with MockServer([token(), counted(3), first, weekly]) as server:
        harness = Harness(tmp_path, server.url, page_size=2)
        parked = harness.fetch()
        assert len(server.requests) == 4 and not harness.sleeps  # never retried in this run
    assert (parked.status, parked.pages_landed, parked.records, parked.parked_until) == (
        "parked",
        1,
        2,
        None,
    )
    assert "RegisteredQuotaPerWeek" in parked.message and "from result 3" in parked.message
    state = harness.zone.load_state("2020")
    assert (state.status, state.cursor, state.error) == ("parked", "0:3", parked.message)

    replies = [
        token(),
        page(3, 3, 3, [("F3", "EP.3.A1")]),
        *(family(f, f"EP.{n}.A1") for n, f in enumerate(["F1", "F2", "F3"], 1)),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, page_size=2)
        done = harness.fetch()
        assert ranges(server) == ["3-4"]
    assert (done.status, done.pages_landed, done.records) == ("done", 5, 3)


def test_throttle_colours_slow_down_and_black_parks(tmp_path: Path) -> None:
    replies = [
        token(),
        counted(5, **throttle("yellow:20")),
        page(5, 1, 2, [("F1", "EP.1.A1"), ("F2", "EP.2.A1")], **throttle("red:10")),
        page(
            5,
            3,
            4,
            [("F3", "EP.3.A1"), ("F4", "EP.4.A1")],
            **throttle("black:0"),
            **{"Retry-After": "60000"},
        ),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, page_size=2)
        before = datetime.now(UTC)
        parked = harness.fetch()
        assert server.unused == 0 and len(server.requests) == 4
    assert harness.sleeps == [3.0, 12.0]  # 60/20 s when yellow, twice 60/10 s when red
    assert (parked.status, parked.pages_landed, parked.records) == ("parked", 2, 4)
    until = datetime.fromisoformat(parked.parked_until.replace("Z", "+00:00"))
    assert timedelta(seconds=50) < until - before < timedelta(seconds=70)  # Retry-After in ms
    assert "black" in parked.message and "from result 5" in parked.message
    assert any("search throttle is yellow" in line for line in harness.logs)


def test_403_with_black_throttle_parks_and_stays_parked(tmp_path: Path) -> None:
    black = fault(403, "403", "Fair Use", **throttle("black:0"), **{"Retry-After": "600000"})
    with MockServer([token(), counted(1), black]) as server:
        harness = Harness(tmp_path, server.url)
        parked = harness.fetch()
    assert parked.status == "parked" and not harness.sleeps
    with MockServer([]) as server:
        harness = Harness(tmp_path, server.url)
        still = harness.fetch()
        assert still.status == "parked" and server.requests == []
    assert "still parked" in still.message and "from result 1" in still.message
    assert "the service refused further requests until then" in still.message
    assert "budget" not in still.message


def test_429_retry_after_in_seconds_is_honoured_or_parks_when_too_long(tmp_path: Path) -> None:
    slow = Reply(429, "busy", {"Retry-After": "7"})
    replies = [token(), counted(1), slow, page(1, 1, 100, ONE_DOC), family("F1", "EP.1.A1")]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, backoff_base=0.01, backoff_cap=30)
        assert harness.fetch().status == "done"
    assert harness.sleeps == [7.0]
    with MockServer([token(), Reply(429, "busy", {"Retry-After": "3600"})]) as server:
        harness = Harness(tmp_path, server.url, backoff_cap=30)
        parked = harness.fetch(restart=True)
    assert parked.status == "parked" and "asks to wait 3600s" in parked.message


def test_expired_token_is_renewed_once_mid_fetch(tmp_path: Path) -> None:
    expired = fault(400, "CLIENT.InvalidAccessToken", "invalid_access_token")
    replies = [
        token(),
        counted(3),
        page(3, 1, 2, [("F1", "EP.1.A1"), ("F1", "EP.2.A1")]),
        expired,
        token("test-token-2"),
        page(3, 3, 3, [("F1", "EP.3.A1")]),
        family("F1", "EP.1.A1"),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, page_size=2)
        outcome = harness.fetch()
    assert (outcome.status, outcome.records) == ("done", 3) and not harness.sleeps
    auth = [(r.method, r.headers["Authorization"]) for r in server.requests]
    assert auth[3] == ("GET", f"Bearer {TOKEN}")
    assert auth[4][0] == "POST" and auth[5:] == [("GET", "Bearer test-token-2")] * 2


def test_token_refused_again_after_renewal_is_an_error(tmp_path: Path) -> None:
    refused = fault(401, "CLIENT.InvalidAccessToken", "invalid_access_token")
    with MockServer([token(), counted(1), refused, token("test-token-2"), refused]) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(EpoOpsError, match="refused again right after it was renewed"):
            harness.fetch()
        assert len(server.requests) == 5 and not harness.sleeps


def test_bad_key_fails_at_once_without_the_secret(tmp_path: Path) -> None:
    echo = Reply(401, {"error": "invalid_client", "error_description": f"bad {KEY}:{SECRET}"})
    with MockServer([echo]) as server:
        harness = Harness(tmp_path, server.url)
        with pytest.raises(EpoOpsError) as caught:
            harness.fetch()
        assert len(server.requests) == 1 and not harness.sleeps
    text = str(caught.value)
    assert text.startswith(f"epo_ops access token request ({server.url}{TOKEN_PATH})")
    assert "HTTP 401: OPS refused the consumer key and secret" in text
    assert "check EPO_OPS_KEY and EPO_OPS_SECRET" in text
    assert KEY not in text and SECRET not in text and "REDACTED" in text


def test_read_hang_times_out_and_is_retried(tmp_path: Path) -> None:
    replies = [
        token(),
        counted(1),
        Reply(200, search_xml(1, 1, 100, ONE_DOC), XML, delay=3),
        page(1, 1, 100, ONE_DOC),
        family("F1", "EP.1.A1"),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, timeout=(0.5, 0.5))
        assert harness.fetch().status == "done"
    assert len(harness.sleeps) == 1 and any("ReadTimeout" in line for line in harness.logs)


def test_connection_refused_is_retried_then_raised(tmp_path: Path) -> None:
    harness = Harness(tmp_path, closed_port_url(), max_retries=2)
    with pytest.raises(EpoOpsError, match="gave up after 3 attempts; last: ConnectionError"):
        harness.fetch()
    assert len(harness.sleeps) == 2


def test_a_connect_hang_times_out_and_is_retried_then_raised(tmp_path: Path) -> None:
    with hanging_connect_url() as url:
        harness = Harness(tmp_path, url, max_retries=2, timeout=(0.3, 2))
        with pytest.raises(EpoOpsError, match="gave up after 3 attempts; last: ConnectTimeout"):
            harness.fetch()
    assert len(harness.sleeps) == 2


def test_html_with_status_200_is_never_a_page(tmp_path: Path) -> None:
    html = Reply(200, "<!DOCTYPE html><html><body>Maintenance</body></html>", {})
    with MockServer([token(), counted(1), html, html]) as server:
        harness = Harness(tmp_path, server.url, max_retries=1)
        with pytest.raises(EpoOpsError) as caught:
            harness.fetch()
    text = str(caught.value)
    assert "range 1-100" in text and "not an OPS search page" in text and "<!DOCTYPE html>" in text
    bad = [e for e in harness.manifest() if e["kind"] == "search"]
    assert len(bad) == 2 and all("DOCTYPE" in e["error"] for e in bad)
    assert harness.zone.load_state("2020").pages == [] and harness.zone.current_files() == []


def test_truncated_xml_is_landed_retried_and_kept_out(tmp_path: Path) -> None:
    good = search_xml(1, 1, 100, ONE_DOC)
    replies = [
        token(),
        counted(1),
        Reply(200, good[: len(good) // 2], XML),
        Reply(200, good[:30], XML, declared_length=len(good)),  # cut off in transit
        Reply(200, good, XML),
        family("F1", "EP.1.A1"),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url)
        assert harness.fetch().status == "done"
    bad, ok = (e for e in harness.manifest() if e["kind"] == "search")
    assert "not well-formed" in bad["error"] and "error" not in ok
    assert len(harness.sleeps) == 2 and any("ChunkedEncodingError" in x for x in harness.logs)
    first = gzip.decompress(harness.zone.current_files()[0].read_bytes()).decode()
    assert first == good


def test_a_repeated_range_is_rejected(tmp_path: Path) -> None:
    first = page(5, 1, 2, [("F1", "EP.1.A1"), ("F2", "EP.2.A1")])
    with MockServer([token(), counted(5), first, first, first]) as server:
        harness = Harness(tmp_path, server.url, page_size=2, max_retries=1)
        with pytest.raises(EpoOpsError, match="OPS returned range 1-2 but 3-4 was asked"):
            harness.fetch()
    state = harness.zone.load_state("2020")
    assert (state.cursor, len(state.pages), state.records) == ("0:3", 1, 2)


def test_cursor_loop_guard_stops_a_range_landed_twice(tmp_path: Path) -> None:
    first = page(5, 1, 2, [("F1", "EP.1.A1"), ("F2", "EP.2.A1")])
    stop = fault(400, "CLIENT.InvalidQuery", "The request was invalid")
    with MockServer([token(), counted(5), first, stop]) as server:
        harness = Harness(tmp_path, server.url, page_size=2)
        with pytest.raises(EpoOpsError, match=r"HTTP 400: CLIENT\.InvalidQuery"):
            harness.fetch()
        assert len(server.requests) == 4  # a 400 is not retried
    state = harness.zone.load_state("2020")
    state.cursor = "0:1"
    harness.zone.save_state(state)
    with MockServer([]) as server:
        harness = Harness(tmp_path, server.url, page_size=2)
        with pytest.raises(EpoOpsError, match="range loop"):
            harness.fetch()
        assert server.requests == []


def test_canary_secrets_never_leave_the_authorization_headers(tmp_path: Path) -> None:
    key, secret, bearer = (f"canary-{what}-{uuid.uuid4().hex}" for what in "kst")
    basic = base64.b64encode(f"{key}:{secret}".encode()).decode("ascii")
    echo = f"echo {key} {secret} {bearer} {basic}"
    replies = [
        token(bearer),
        fault(503, "SERVER.Busy", echo),
        counted(3),
        page(3, 1, 2, [("F1", "EP.1.A1"), ("F2", "EP.2.A1")]),
        Reply(200, "<html>maintenance</html>", {}),
        fault(400, "CLIENT.InvalidQuery", echo),
    ]
    with MockServer(replies) as server:
        harness = Harness(tmp_path, server.url, key=key, secret=secret, page_size=2, max_retries=1)
        with pytest.raises(EpoOpsError) as caught:
            harness.fetch()
    assert server.requests[0].headers["Authorization"] == f"Basic {basic}"
    assert all(r.headers["Authorization"] == f"Bearer {bearer}" for r in server.requests[1:])
    texts = [*harness.logs, str(caught.value), repr(caught.value)]
    texts += [f"{r.path} {r.query}" for r in server.requests]
    for path in (tmp_path / "raw" / "epo_ops").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            texts.append((gzip.decompress(data) if path.suffix == ".gz" else data).decode())
    assert any("REDACTED" in text for text in texts)
    for text in texts:
        for canary in (key, secret, bearer, basic):
            assert canary not in text


# --- the real recorded OPS answers -----------------------------------------------------


@pytest.fixture
def recorded(shared_fixtures: Path) -> Path:
    """Real OPS v3.2 answers recorded by patent-dev/epo-ops (skipped when ../shared is absent)."""
    return shared_fixtures / "epo_ops"


@pytest.mark.contract
def test_recorded_search_reads_the_capped_count(recorded: Path) -> None:
    page = read_search_page((recorded / "search.response.xml").read_bytes())
    assert (page.total, page.capped, page.begin, page.end) == (10_000, True, 1, 5)
    assert [hit.family_id for hit in page.hits] == [
        "77199274",
        "97382398",
        "93255547",
        "92802298",
        "84338150",
    ]
    assert page.hits[0].docdb == "HR.P20251003.T1"


@pytest.mark.contract
def test_recorded_search_with_biblio_reads_families(recorded: Path) -> None:
    page = read_search_page((recorded / "search_with_constituent.response.xml").read_bytes())
    assert (page.total, page.begin, page.end) == (10_000, 1, 3)
    assert [(hit.family_id, hit.docdb) for hit in page.hits] == [
        ("86386685", "AU.2024270787.A1"),
        ("86763335", "AU.2024265697.A1"),
        ("61256235", "DK.3740998.T3"),
    ]


@pytest.mark.contract
def test_recorded_family_reads_members_and_offices(recorded: Path) -> None:
    family = read_family((recorded / "get_family.response.xml").read_bytes())
    assert family.family_ids == {"43088294"}
    assert family.members[:2] == ("EP.2400812.A1", "EP.2400812.B1")
    assert len(family.members) == 5 and family.offices == ["CA", "EP", "US"]
