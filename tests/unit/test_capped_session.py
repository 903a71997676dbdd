"""The session every live client sends through refuses an oversized answer before it is
held in memory, whether the size is declared or only found while decoding."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from assets.funding.nsf_live import NsfError, NsfFetcher
from pipelines import fetching
from pipelines.fetching import BodyTooLarge, capped
from pipelines.landing import LandingZone
from tests.mock_server import MockServer, Reply
from tests.nsf_bodies import nsf_award, nsf_page

CAP = 10_000


def test_an_answer_within_the_cap_is_read_whole() -> None:
    with MockServer([Reply(200, b"x" * CAP)]) as server:
        session = capped(MockServer.session(), CAP)
        assert session.get(f"{server.url}/page", timeout=(2, 2)).content == b"x" * CAP


def test_a_declared_size_over_the_cap_is_refused_naming_the_url_without_its_key() -> None:
    with MockServer([Reply(200, b"x" * (CAP + 1))]) as server:
        session = capped(MockServer.session(), CAP)
        with pytest.raises(BodyTooLarge) as caught:
            session.get(f"{server.url}/page?offset=26&api_key=secret", timeout=(2, 2))
    text = str(caught.value)
    assert f"{server.url}/page?offset=26&api_key=REDACTED" in text
    assert "larger than 10,000 bytes" in text and "secret" not in text


def test_a_compressed_answer_that_decodes_past_the_cap_is_refused() -> None:
    bomb = gzip.compress(b"{" * (50 * CAP))  # 500 kB of braces in a few hundred bytes
    assert len(bomb) < CAP
    with MockServer([Reply(200, bomb, {"Content-Encoding": "gzip"})]) as server:
        session = capped(MockServer.session(), CAP)
        with pytest.raises(BodyTooLarge, match="larger than 10,000 bytes"):
            session.get(f"{server.url}/page", timeout=(2, 2))


def test_streamed_downloads_pass_through_to_their_own_cap() -> None:
    with MockServer([Reply(200, b"x" * (3 * CAP))]) as server:
        session = capped(MockServer.session(), CAP)
        response = session.get(f"{server.url}/archive.zip", timeout=(2, 2), stream=True)
        assert sum(len(chunk) for chunk in response.iter_content(4096)) == 3 * CAP


def test_a_client_meeting_an_oversized_page_lands_nothing_and_keeps_its_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetching, "MAX_BODY_BYTES", CAP)
    small = nsf_page(nsf_award(id="1"), total=2, offset=1, rpp=1)
    huge = nsf_page(nsf_award(id="2", abstractText="q" * CAP), total=2, offset=2, rpp=1)
    zone = LandingZone(tmp_path / "raw", "nsf")
    with MockServer([Reply(200, small), Reply(200, huge)]) as server:
        fetcher = NsfFetcher(
            zone, terms=("quantum",), base_url=server.url, page_size=1, min_interval=0.0,
            session=MockServer.session(), sleep=lambda seconds: None, log=lambda line: None,
        )  # fmt: skip
        with pytest.raises(NsfError, match=r"offset=2.*larger than 10,000 bytes") as caught:
            fetcher.fetch_partition(2020)
    assert len(server.requests) == 2  # refused once, not asked again
    assert "BodyTooLarge" in str(caught.value) and "not retried" in str(caught.value)
    state = zone.load_state("2020")
    assert state.status == "running" and len(state.pages) == 1
    assert state.error == str(caught.value)  # the failure is recorded in the state
