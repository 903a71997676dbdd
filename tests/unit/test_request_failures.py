"""Request failures another attempt cannot mend (a certificate that fails verification, a
redirect loop, a URL that cannot be requested) stop every live client at once: not
retried, saved in the partition's state, raised with the URL's secrets redacted; no
connection and hangs stay retried."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from assets.bibliometric.live import OpenAlexFetcher
from assets.funding.cordis_live import CordisFetcher
from assets.funding.nsf_live import NsfFetcher
from assets.funding.ukri_live import UkriFetcher, partition_name
from assets.funding.world_bank_live import WorldBankFetcher
from assets.patents.epo_ops_live import EpoOpsFetcher
from assets.patents.patentsview_live import PatentsViewFetcher
from assets.supply_chain.comtrade_live import ComtradeFetcher
from pipelines.fetching import BodyTooLarge, request_problem, step_failure
from pipelines.landing import LandingZone
from tests.mock_server import MockServer, Reply

pytestmark = pytest.mark.unit
KEY = "k3y-CANARY-5ecret"
CERTIFICATE = (
    "HTTPSConnectionPool(host='127.0.0.1', port=443): Max retries exceeded with url: "
    f"/works?api_key={KEY}&page=2 (Caused by SSLError(SSLCertVerificationError(1, '[SSL: "
    "CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate')))"
)


class Stop(Exception):
    """The client error ``fatal`` builds in the unit tests."""


def judged(error: requests.RequestException) -> tuple[str, str]:
    """``("retry", problem)`` or ``("stop", message)`` for ``error``."""
    try:
        return "retry", request_problem(error, lambda text: Stop(f"svc 2020: {text}"))
    except Stop as stop:
        return "stop", str(stop)


# --- the shared judgement -------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        requests.ConnectionError(f"Max retries exceeded with url: /w?api_key={KEY} (refused)"),
        requests.exceptions.ConnectTimeout("connect timed out"),
        requests.exceptions.ReadTimeout("read timed out"),
        requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead"),
        requests.exceptions.SSLError("EOF occurred in violation of protocol (_ssl.c:2427)"),
    ],
    ids=["connection", "connect timeout", "read timeout", "cut off", "TLS handshake cut"],
)
def test_no_answer_and_hangs_stay_worth_another_attempt(error: Exception) -> None:
    verdict, problem = judged(error)
    assert verdict == "retry" and problem.startswith(f"{type(error).__name__}: ")
    assert KEY not in problem


@pytest.mark.parametrize(
    ("error", "advice"),
    [
        (requests.exceptions.SSLError(CERTIFICATE), "TLS certificate failed verification"),
        (requests.exceptions.TooManyRedirects("Exceeded 30 redirects."), "redirects in a loop"),
        (
            requests.exceptions.InvalidURL(f"Invalid URL 'https://[::1/w?key={KEY}'"),
            "the URL cannot be requested",
        ),
        (
            requests.exceptions.MissingSchema(f"Invalid URL 'api.x.org/w?token={KEY}'"),
            "the URL has no scheme",
        ),
        (
            requests.exceptions.InvalidSchema(f"No connection adapters for 'ftp://x/?key={KEY}'"),
            "the URL's scheme cannot be requested",
        ),
        (
            requests.exceptions.SSLError(
                "HTTPSConnectionPool(host='127.0.0.1', port=80): Max retries exceeded (Caused "
                "by SSLError(SSLError(1, '[SSL: WRONG_VERSION_NUMBER] wrong version number')))"
            ),
            "does not answer in TLS there",
        ),
        (BodyTooLarge("the answer to https://x/w is larger than 10 bytes"), "on every attempt"),
        (
            requests.exceptions.InvalidHeader(
                "Invalid leading whitespace, reserved character(s), or return character(s) "
                f"in header value: ' {KEY}'"
            ),
            "a request header cannot be sent",
        ),
    ],
    ids=[
        "certificate",
        "redirect loop",
        "invalid URL",
        "no scheme",
        "bad scheme",
        "https to http",
        "too large",
        "header",
    ],
)
def test_failures_no_attempt_can_mend_stop_with_advice_and_no_secret(
    error: Exception, advice: str
) -> None:
    verdict, message = judged(error)
    assert verdict == "stop"
    assert message.startswith(f"svc 2020: {type(error).__name__}: ")
    assert advice in message and message.endswith("; not retried")
    assert KEY not in message
    if "key=" in str(error) or "token=" in str(error):
        assert "REDACTED" in message


def test_a_secret_outside_any_url_form_is_redacted_too() -> None:
    # a URL setting without a scheme or a path before its query
    _, message = judged(
        requests.exceptions.MissingSchema(
            f"Invalid URL 'api.x.org?token={KEY}&Api_Key={KEY}': No scheme supplied"
        )
    )
    assert KEY not in message
    assert "'api.x.org?token=REDACTED&Api_Key=REDACTED'" in message
    # a name that merely ends like a secret's keeps its value
    _, message = judged(requests.exceptions.InvalidSchema("No adapter for 'x?monkey=1'"))
    assert "monkey=1" in message


def test_the_certificate_message_keeps_the_path_and_the_cause() -> None:
    _, message = judged(requests.exceptions.SSLError(CERTIFICATE))
    assert "with url: /works?api_key=REDACTED&page=2 (Caused by SSLError" in message
    assert "certificate verify failed: self-signed certificate" in message
    assert "REQUESTS_CA_BUNDLE" in message


# --- every live client ----------------------------------------------------------------


class Counting(requests.Session):
    """A proxy-free session counting the requests a client sends (not the redirects)."""

    def __init__(self) -> None:
        super().__init__()
        self.trust_env = False
        self.sent = 0

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        self.sent += 1
        return super().request(*args, **kwargs)


@dataclass(frozen=True)
class Client:
    """How to build one live client on a base URL and fetch one partition with it."""

    source: str
    suffix: str
    partition: str
    follows_redirects: bool
    fetch: Callable[[LandingZone, str, Counting, list[float]], Any]


def _common(session: Counting, sleeps: list[float]) -> dict[str, Any]:
    return {"session": session, "sleep": sleeps.append, "log": lambda line: None}


def _paced(session: Counting, sleeps: list[float]) -> dict[str, Any]:
    return {**_common(session, sleeps), "min_interval": 0.0}


CLIENTS = [
    Client(
        "openalex",
        ".json",
        "2020",
        True,
        lambda zone, url, session, sleeps: OpenAlexFetcher(
            zone, api_key=KEY, email=None, base_url=url, **_common(session, sleeps)
        ).fetch_partition(2020, ["T10682"], "quantum"),
    ),
    Client(
        "patentsview",
        ".json",
        "2020",
        False,  # never follows a redirect: it would carry the key's header elsewhere
        lambda zone, url, session, sleeps: PatentsViewFetcher(
            zone, api_key=KEY, base_url=url, **_paced(session, sleeps)
        ).fetch_partition(2020, ["G06N10/00"]),
    ),
    Client(
        "epo_ops",
        ".xml",
        "2020",
        True,
        lambda zone, url, session, sleeps: EpoOpsFetcher(
            zone, key=KEY, secret=KEY, base_url=url, **_common(session, sleeps)
        ).fetch_partition(2020, ["G06N10/00"]),
    ),
    Client(
        "nsf",
        ".json",
        "2020",
        True,
        lambda zone, url, session, sleeps: NsfFetcher(
            zone, base_url=url, **_paced(session, sleeps)
        ).fetch_partition(2020),
    ),
    Client(
        "ukri",
        ".json",
        partition_name("quantum"),
        True,
        lambda zone, url, session, sleeps: UkriFetcher(
            zone, ["quantum"], search_url=url, **_paced(session, sleeps)
        ).fetch_partition("quantum"),
    ),
    Client(
        "cordis",
        ".zip",
        "HORIZON",
        True,
        lambda zone, url, session, sleeps: CordisFetcher(
            zone, base_url=url, **_common(session, sleeps)
        ).fetch_partition("HORIZON"),
    ),
    Client(
        "world_bank",
        ".json",
        "SP.POP.TOTL",
        True,
        lambda zone, url, session, sleeps: WorldBankFetcher(
            zone, base_url=url, **_paced(session, sleeps)
        ).fetch_indicator("SP.POP.TOTL", ["USA"], 2020, 2020),
    ),
    Client(
        "comtrade",
        ".json",
        "2022",
        False,  # never follows a redirect: it would carry the key's header elsewhere
        lambda zone, url, session, sleeps: ComtradeFetcher(
            zone, key=KEY, base_url=url, **_paced(session, sleeps)
        ).fetch_partition(2022, ["854140"]),
    ),
]


def stopped_once(tmp_path: Path, client: Client, base_url: str) -> tuple[str, Counting]:
    """Fetch ``client``'s partition from ``base_url``, expecting it to stop at once with its
    error saved in the state; return the error's message and the session."""
    zone = LandingZone(tmp_path / "raw", client.source, client.suffix)
    session, sleeps = Counting(), []
    with pytest.raises(Exception) as caught:
        client.fetch(zone, base_url, session, sleeps)
    message = str(caught.value)
    assert type(caught.value).__module__.startswith("assets."), caught.value  # the client's
    assert not step_failure(caught.value).allow_retries
    assert sleeps == [] and "not retried" in message and KEY not in message
    state = zone.load_state(client.partition)
    assert state is not None and state.error == message and state.done is None
    return message, session


@pytest.mark.parametrize("client", CLIENTS, ids=[c.source for c in CLIENTS])
def test_an_untrusted_certificate_stops_the_client_at_once(tmp_path: Path, client: Client) -> None:
    with MockServer([], tls=True) as server:
        message, session = stopped_once(tmp_path, client, server.url)
    assert session.sent == 1
    assert "SSLError: " in message and "certificate verify failed" in message
    assert "TLS certificate failed verification" in message


@pytest.mark.parametrize(
    "client", [c for c in CLIENTS if c.follows_redirects], ids=lambda c: c.source
)
def test_a_redirect_loop_stops_the_client_at_once(tmp_path: Path, client: Client) -> None:
    loop = [Reply(302, b"", {"Location": "/again"})] * 31
    with MockServer(loop) as server:
        message, session = stopped_once(tmp_path, client, server.url)
    assert session.sent == 1 and len(server.requests) == 31  # the first and 30 redirects
    assert "TooManyRedirects: Exceeded 30 redirects." in message
    assert "redirects in a loop" in message


@pytest.mark.parametrize(
    # EPO OPS refuses a base_url that is not http(s) when it is built
    "client",
    [c for c in CLIENTS if c.source != "epo_ops"],
    ids=lambda c: c.source,
)
def test_a_url_that_cannot_be_requested_stops_the_client_at_once(
    tmp_path: Path, client: Client
) -> None:
    message, session = stopped_once(tmp_path, client, "ftp://127.0.0.1/api")
    assert session.sent == 1
    assert "InvalidSchema: No connection adapters were found for 'ftp://127.0.0.1/api" in message


def test_a_secret_in_the_url_is_redacted_in_the_error_and_the_state(tmp_path: Path) -> None:
    cordis = next(c for c in CLIENTS if c.source == "cordis")
    message, _ = stopped_once(tmp_path, cordis, f"ftp://127.0.0.1/data?token={KEY}")
    assert message.count("token=REDACTED") == 2  # where it was asked, and requests' text
