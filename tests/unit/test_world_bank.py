"""World Bank refresh: parsing real-shaped bodies, error shapes, the merge rule, the live client."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.funding.live_assets import conversion_refresh
from assets.funding.world_bank_live import WorldBankError, WorldBankFetcher, landed_rows
from assets.funding.world_bank_parse import (
    FX_KEY,
    INDICATOR_KEY,
    WorldBankApiError,
    WorldBankResponseError,
    check_one_deflator_base,
    decode_page,
    format_value,
    merge_rows,
    rows_from_pages,
)
from assets.reference.tables import reference_frames
from pipelines.db import replace_table
from pipelines.landing import LandingZone
from pipelines.resources import QcmResource
from pipelines.settings import Settings
from tests import world_bank_bodies as wb
from tests.mock_server import MockServer, Reply, closed_port_url

pytestmark = pytest.mark.unit
CURRENCY_OF = {"DEU": "EUR", "GBR": "GBP", "JPN": "JPY"}
HTML_HEADERS = {"Content-Type": "text/html"}


def fetcher(tmp_path: Path, server_url: str, session=None, **kwargs) -> WorldBankFetcher:
    """A fetcher on a fresh landing zone that never sleeps."""
    options = {
        "max_retries": 2,
        "min_interval": 0.0,
        "sleep": lambda s: None,
        "log": lambda m: None,
    }
    options.update(kwargs)
    return WorldBankFetcher(
        LandingZone(tmp_path, "world_bank"), base_url=server_url, session=session, **options
    )


# --- parsing -------------------------------------------------------------------------


def test_a_page_decodes_with_per_page_as_a_string() -> None:
    body = wb.page([wb.record("SP.POP.TOTL", "USA", 2022, 333287557)], per_page=50)
    page = decode_page(body)
    assert (page.page, page.pages, page.per_page, page.total) == (1, 1, 50, 1)
    assert page.last_updated == "2025-07-01"
    assert page.records[0]["countryiso3code"] == "USA"


def test_an_empty_result_decodes_to_no_records() -> None:
    page = decode_page(wb.EMPTY)
    assert (page.total, page.records) == (0, [])


@pytest.mark.parametrize(
    ("body", "error", "words"),
    [
        (wb.ERROR_120, WorldBankApiError, "120 Invalid value"),
        (wb.ERROR_175, WorldBankApiError, "175 Invalid format: The indicator was not found"),
        (wb.HTML, WorldBankResponseError, "HTML page titled 'Service Unavailable'"),
        (wb.page([])[:40], WorldBankResponseError, "not JSON"),
        (b'{"page": 1}', WorldBankResponseError, "not a [metadata, records] array"),
        (b'[{"page":1,"pages":1,"per_page":"50","total":3},null]', WorldBankResponseError, "null"),
        (b'[{"page":"x","pages":1,"per_page":"50","total":0},[]]', WorldBankResponseError, "page"),
    ],
)
def test_errors_and_broken_bodies_are_named_never_read_as_no_data(
    body: bytes, error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words.replace("[", r"\[").replace("]", r"\]")):
        decode_page(body)


def test_indicator_rows_skip_and_count_nulls() -> None:
    body = wb.page(
        [
            wb.record("NY.GDP.MKTP.CD", "USA", 2024, None),
            wb.record("NY.GDP.MKTP.CD", "USA", 2023, 27360935000000.0),
            wb.record("NY.GDP.MKTP.CD", "EUU", 2023, 18349000000000.0),
        ]
    )
    rows = rows_from_pages("NY.GDP.MKTP.CD", [decode_page(body)], "2026-03-01", CURRENCY_OF)
    assert rows.nulls == {"NY.GDP.MKTP.CD": 1}
    assert [(r["country_iso3"], r["year"], r["value"]) for r in rows.indicators] == [
        ("USA", "2023", "27360935000000"),
        ("EUU", "2023", "18349000000000"),
    ]
    first = rows.indicators[0]
    assert (first["indicator"], first["unit"]) == ("gdp_usd", "current US$")
    assert (
        first["source"]
        == "World Bank WDI NY.GDP.MKTP.CD via api.worldbank.org, retrieved 2026-03-01"
    )


def test_fx_rows_use_the_currency_of_each_world_bank_country() -> None:
    body = wb.page(
        [
            wb.record("PA.NUS.FCRF", "DEU", 2023, 0.924793),
            wb.record("PA.NUS.FCRF", "JPN", 2023, 140.491),
            wb.record("PA.NUS.FCRF", "USA", 2023, 1.0),
        ]
    )
    rows = rows_from_pages("PA.NUS.FCRF", [decode_page(body)], "2026-03-01", CURRENCY_OF)
    assert [(r["currency"], r["year"], r["units_per_usd"]) for r in rows.fx] == [
        ("EUR", "2023", "0.924793"),
        ("JPY", "2023", "140.491"),
    ]
    assert rows.unmapped == ["USA"] and rows.indicators == []


def test_the_deflator_unit_names_the_base_year_found_in_the_series() -> None:
    records = [
        wb.record("NY.GDP.DEFL.ZS", "USA", year, value)
        for year, value in ((2016, 98.2), (2017, 100.0), (2018, 102.3))
    ]
    rows = rows_from_pages("NY.GDP.DEFL.ZS", [decode_page(wb.page(records))], "d", CURRENCY_OF)
    assert {r["unit"] for r in rows.indicators} == {"index 2017=100"}
    later = [wb.record("NY.GDP.DEFL.ZS", "USA", 2023, 122.3)]
    rows = rows_from_pages("NY.GDP.DEFL.ZS", [decode_page(wb.page(later))], "d", CURRENCY_OF)
    assert rows.indicators[0]["unit"] == "index (base year outside the range fetched)"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"countryiso3code": ""}, "3-letter country code"),
        ({"date": "2023Q1"}, "4-digit year"),
        ({"value": "12.5"}, "not a number"),
        ({"indicator": {"id": "SP.POP.TOTL", "value": ""}}, "not NY.GDP.MKTP.CD"),
    ],
)
def test_schema_drift_in_a_record_is_an_error(change: dict, words: str) -> None:
    broken = {**wb.record("NY.GDP.MKTP.CD", "USA", 2023, 1.0), **change}
    with pytest.raises(WorldBankResponseError, match=words):
        rows_from_pages("NY.GDP.MKTP.CD", [decode_page(wb.page([broken]))], "d", CURRENCY_OF)


def test_numbers_are_written_without_exponent() -> None:
    assert format_value(2.7e13) == "27000000000000"
    assert format_value(1.0817) == "1.0817"
    assert format_value(333287557) == "333287557"


# --- merge ---------------------------------------------------------------------------


def fx(currency: str, year: str, value: str, source: str = "committed") -> dict[str, str]:
    return {
        "currency": currency,
        "year": year,
        "units_per_usd": value,
        "source": source,
        "note": "",
    }


def test_refreshed_rows_win_and_committed_rows_the_refresh_lacks_are_kept() -> None:
    committed = [
        fx("EUR", "2022", "0.949"),
        fx("EUR", "2023", "0.924471"),
        fx("TWD", "2023", "31.1525"),
    ]
    refreshed = [
        fx("EUR", "2023", "0.924793", "wb"),
        fx("EUR", "2024", "0.924", "wb"),
        fx("EUR", "2022", "0.949", "wb"),
    ]
    report = merge_rows(committed, refreshed, FX_KEY, "units_per_usd")
    by_key = {(r["currency"], r["year"]): r for r in report.rows}
    assert by_key[("EUR", "2023")]["units_per_usd"] == "0.924793"
    assert by_key[("EUR", "2023")]["source"] == "wb"
    assert by_key[("TWD", "2023")]["source"] == "committed"
    assert report.added == [("EUR", "2024")]
    assert report.changed == [(("EUR", "2023"), "0.924471", "0.924793")]
    assert report.kept == 1
    assert [tuple(r[c] for c in FX_KEY) for r in report.rows] == sorted(by_key)
    assert "1 rows added, 1 values changed, 1 committed rows" in report.summary("fx_rates")


def test_a_repeated_key_is_refused() -> None:
    with pytest.raises(ValueError, match="refreshed rows repeat the key EUR/2023"):
        merge_rows([], [fx("EUR", "2023", "1"), fx("EUR", "2023", "2")], FX_KEY, "units_per_usd")


def test_two_deflator_bases_are_never_mixed() -> None:
    row = {"country_iso3": "USA", "year": "2023", "indicator": "gdp_deflator", "value": "1"}
    rows = [{**row, "unit": "index 2017=100"}, {**row, "year": "2024", "unit": "index 2025=100"}]
    with pytest.raises(ValueError, match="several bases"):
        check_one_deflator_base(rows)
    assert check_one_deflator_base(rows[:1]) == "index 2017=100"
    assert INDICATOR_KEY == ("country_iso3", "year", "indicator")


# --- live client ---------------------------------------------------------------------


def gdp_pages() -> list[bytes]:
    """Two pages of two records each (per_page 2)."""
    first = [
        wb.record("NY.GDP.MKTP.CD", "USA", 2023, 2.7e13),
        wb.record("NY.GDP.MKTP.CD", "USA", 2022, 2.5e13),
    ]
    second = [
        wb.record("NY.GDP.MKTP.CD", "DEU", 2023, 4.5e12),
        wb.record("NY.GDP.MKTP.CD", "DEU", 2022, None),
    ]
    return [
        wb.page(first, number=1, pages=2, per_page=2, total=4),
        wb.page(second, number=2, pages=2, per_page=2, total=4),
    ]


def test_pages_are_requested_landed_verbatim_and_parsed(tmp_path: Path) -> None:
    bodies = gdp_pages()
    with MockServer([Reply(200, bodies[0]), Reply(200, bodies[1])]) as server:
        client = fetcher(tmp_path, server.url, server.session(), per_page=2)
        result = client.fetch_indicator("NY.GDP.MKTP.CD", ["USA", "DEU"], 2010, 2025)
    assert (result.status, result.pages_landed, result.records, result.meta_count) == (
        "done",
        2,
        4,
        4,
    )
    request = server.requests[1]
    assert request.path == "/country/USA;DEU/indicator/NY.GDP.MKTP.CD"
    assert request.query == {
        "format": ["json"],
        "date": ["2010:2025"],
        "per_page": ["2"],
        "page": ["2"],
    }
    landed = client.landing.current_files()
    assert [gzip.decompress(p.read_bytes()) for p in landed] == bodies
    rows = landed_rows(client.landing, CURRENCY_OF)
    assert [(r["country_iso3"], r["year"]) for r in rows.indicators] == [
        ("USA", "2023"),
        ("USA", "2022"),
        ("DEU", "2023"),
    ]
    assert rows.nulls == {"NY.GDP.MKTP.CD": 1}
    # the pages read, as raw files of the run: path, checksum and size of the stored file
    assert [
        (f["source_file"], f["source_sha256"], f["bytes"], f["records"]) for f in rows.files
    ] == [
        (
            p.relative_to(client.landing.root).as_posix(),
            hashlib.sha256(p.read_bytes()).hexdigest(),
            p.stat().st_size,
            2,
        )
        for p in landed
    ]


def test_html_and_5xx_are_retried_and_the_html_body_is_kept(tmp_path: Path) -> None:
    body = wb.page([wb.record("SP.POP.TOTL", "USA", 2022, 333287557)])
    replies = [Reply(200, wb.HTML, HTML_HEADERS), Reply(503, b"busy"), Reply(200, body)]
    with MockServer(replies) as server:
        client = fetcher(tmp_path, server.url, server.session())
        result = client.fetch_indicator("SP.POP.TOTL", ["USA"], 2022, 2022)
    assert result.status == "done" and len(server.requests) == 3
    manifest = [json.loads(line) for line in client.landing.manifest_path.read_text().splitlines()]
    assert [entry["bytes"] for entry in manifest] == [len(wb.HTML), len(body)]


def test_an_api_error_message_fails_at_once_naming_it(tmp_path: Path) -> None:
    with MockServer([Reply(200, wb.ERROR_120)]) as server:
        client = fetcher(tmp_path, server.url, server.session())
        with pytest.raises(WorldBankError, match=r"SP\.POP\.TOTL page 1 .*120 Invalid value"):
            client.fetch_indicator("SP.POP.TOTL", ["USA"], 2022, 2022)
    assert len(server.requests) == 1
    state = client.landing.load_state("SP.POP.TOTL")
    assert state is not None and "120 Invalid value" in (state.error or "")


def test_an_empty_result_is_an_error_not_no_data(tmp_path: Path) -> None:
    with MockServer([Reply(200, wb.EMPTY)]) as server:
        client = fetcher(tmp_path, server.url, server.session())
        with pytest.raises(WorldBankError, match="total 0"):
            client.fetch_indicator("SP.POP.TOTL", ["USA"], 2022, 2022)


def test_a_short_fetch_is_not_marked_done(tmp_path: Path) -> None:
    body = wb.page([wb.record("SP.POP.TOTL", "USA", 2022, 1)], total=2)
    with MockServer([Reply(200, body)]) as server:
        client = fetcher(tmp_path, server.url, server.session())
        with pytest.raises(WorldBankError, match="1 records in all but total is 2"):
            client.fetch_indicator("SP.POP.TOTL", ["USA"], 2022, 2022)
    assert client.landing.current_files() == []


def test_a_failed_run_resumes_after_the_last_landed_page(tmp_path: Path) -> None:
    bodies = gdp_pages()
    with MockServer([Reply(200, bodies[0]), Reply(400, wb.ERROR_120)]) as server:
        client = fetcher(tmp_path, server.url, server.session(), per_page=2)
        with pytest.raises(WorldBankError, match="HTTP 400: the API answered with an error: 120"):
            client.fetch_indicator("NY.GDP.MKTP.CD", ["USA", "DEU"], 2010, 2025)
    with MockServer([Reply(200, bodies[1])]) as server:
        client = fetcher(tmp_path, server.url, server.session(), per_page=2)
        result = client.fetch_indicator("NY.GDP.MKTP.CD", ["USA", "DEU"], 2010, 2025)
    assert server.requests[0].query["page"] == ["2"]
    assert (result.status, result.records) == ("done", 4)


def test_retries_give_up_naming_the_request(tmp_path: Path) -> None:
    client = fetcher(tmp_path, closed_port_url(), max_retries=1)
    with pytest.raises(WorldBankError, match="gave up after 2 attempts; last: ConnectionError"):
        client.fetch_indicator("SP.POP.TOTL", ["USA"], 2022, 2022)


def test_429_waits_at_least_retry_after(tmp_path: Path) -> None:
    waits: list[float] = []
    body = wb.page([wb.record("SP.POP.TOTL", "USA", 2022, 1)])
    with MockServer([Reply(429, b"", {"Retry-After": "7"}), Reply(200, body)]) as server:
        client = fetcher(tmp_path, server.url, server.session(), sleep=waits.append)
        assert client.fetch_indicator("SP.POP.TOTL", ["USA"], 2022, 2022).status == "done"
    assert waits and waits[0] >= 7


@pytest.mark.parametrize(
    ("indicator", "countries", "first", "last"),
    [
        ("NY.GDP.PCAP.CD", ["USA"], 2010, 2025),
        ("SP.POP.TOTL", ["US"], 2010, 2025),
        ("SP.POP.TOTL", ["USA/../x"], 2010, 2025),
        ("SP.POP.TOTL", [], 2010, 2025),
        ("SP.POP.TOTL", ["USA"], 2025, 2010),
    ],
)
def test_bad_queries_are_refused_before_any_request(
    tmp_path: Path, indicator: str, countries: list[str], first: int, last: int
) -> None:
    client = fetcher(tmp_path, closed_port_url())
    with pytest.raises(ValueError, match="world_bank"):
        client.url(indicator, countries, first, last, 1)


def test_requests_are_spaced_at_least_min_interval(tmp_path: Path) -> None:
    now = [0.0]
    waits: list[float] = []
    bodies = gdp_pages()
    with MockServer([Reply(200, bodies[0]), Reply(200, bodies[1])]) as server:
        client = fetcher(
            tmp_path,
            server.url,
            server.session(),
            per_page=2,
            min_interval=0.5,
            sleep=waits.append,
            clock=lambda: now[0],
        )
        client.fetch_indicator("NY.GDP.MKTP.CD", ["USA", "DEU"], 2010, 2025)
    assert waits == [0.5]


def test_a_read_hang_times_out_and_is_retried(tmp_path: Path) -> None:
    body = wb.page([wb.record("SP.POP.TOTL", "USA", 2022, 333287557)])
    logs: list[str] = []
    with MockServer([Reply(200, body, delay=3), Reply(200, body)]) as server:
        client = fetcher(
            tmp_path, server.url, server.session(), timeout=(0.5, 0.3), log=logs.append
        )
        result = client.fetch_indicator("SP.POP.TOTL", ["USA"], 2022, 2022)
    assert result.status == "done" and len(server.requests) == 2
    assert any("ReadTimeout" in line for line in logs), logs


def test_the_refresh_lists_its_pages_and_a_funding_folder_reads_none(tmp_path: Path) -> None:
    # a live run landed the GDP pages; a refresh reads them and lists them as raw files,
    # while a build given a funding folder, which is read offline, uses neither
    state = tmp_path / "state"
    with MockServer([Reply(200, body) for body in gdp_pages()]) as server:
        client = fetcher(state / "raw", server.url, server.session(), per_page=2)
        client.fetch_indicator("NY.GDP.MKTP.CD", ["USA", "DEU"], 2010, 2025)
    landed = client.landing.current_files()
    settings = Settings(mode="live", out_dir=tmp_path / "out", state_dir=state)
    settings.working_db.parent.mkdir(parents=True)
    with duckdb.connect(str(settings.working_db)) as con:
        con.execute("create schema ref; create schema raw")
        replace_table(con, "ref.currencies", reference_frames()["ref.currencies"])

    def refreshed(source_dirs: str) -> tuple[int, list[str]]:
        resource = QcmResource(
            mode="live", source_dirs=source_dirs, out_dir=str(tmp_path / "out"),
            state_dir=str(state),
        )  # fmt: skip
        assert dg.materialize([conversion_refresh], resources={"qcm": resource}).success
        with duckdb.connect(str(settings.working_db), read_only=True) as con:
            values = con.execute(
                "select count(*) from raw.refreshed_economic_indicators"
            ).fetchone()[0]
            files = con.execute(
                "select source_file from raw.world_bank_source_files order by 1"
            ).fetchall()
        return values, [f[0] for f in files]

    pages = sorted(p.relative_to(state / "raw").as_posix() for p in landed)
    assert refreshed("") == (3, pages)
    assert refreshed(f"funding={tmp_path}") == (0, [])


def test_a_long_retry_after_is_refused_not_slept_out(tmp_path: Path) -> None:
    waits: list[float] = []
    with MockServer([Reply(503, b"", {"Retry-After": "86400"})]) as server:
        client = fetcher(tmp_path, server.url, server.session(), sleep=waits.append)
        with pytest.raises(WorldBankError, match="Retry-After 86400s is more than backoff_cap"):
            client.fetch_indicator("SP.POP.TOTL", ["USA"], 2022, 2022)
    assert waits == [] and len(server.requests) == 1
