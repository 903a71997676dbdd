"""Live mode end to end against a local mock of the OpenAlex API (no real network).

Patents and funding are read from one-page folders (``--source-dir``), so only OpenAlex is
called: the works of the year, then the author records of the works' authors.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.integration.conftest import releases_differ, run_cli, tiny_source
from tests.mock_server import MockServer, Reply

pytestmark = pytest.mark.integration
CANARY = "canary-key-5f1e9c0d7b"
YEAR = 2021


def work(number: int, title: str, country: str) -> dict:
    return {
        "id": f"https://openalex.org/W{number}",
        "title": title,
        "publication_year": YEAR,
        "cited_by_count": number % 7,
        "topics": [{"id": "https://openalex.org/T10682", "score": 0.9}],
        "authorships": [
            {
                "author": {"id": "https://openalex.org/A1"},
                "countries": [country],
                "institutions": [
                    {"id": "https://openalex.org/I1", "country_code": country, "type": "education"}
                ],
            }
        ],
    }


def author(number: int, places: dict[str, list[int]]) -> dict:
    """A 2025-era author record with one institution per country and its years."""
    return {
        "id": f"https://openalex.org/A{number}",
        "display_name": f"Researcher {number}",
        "affiliations": [
            {
                "institution": {"id": f"https://openalex.org/I{n}", "country_code": code},
                "years": years,
            }
            for n, (code, years) in enumerate(places.items(), start=1)
        ],
        "last_known_institutions": [],
    }


def page(works: list[dict], cursor: str | None, count: int) -> dict:
    return {"meta": {"count": count, "per_page": 100, "next_cursor": cursor}, "results": works}


def run(tmp: Path, monkeypatch: pytest.MonkeyPatch, url: str | None) -> tuple[int, str]:
    """Run a live build of YEAR against ``url`` (None: no API key set)."""
    if url is None:
        monkeypatch.delenv("OPENALEX_API_KEY", raising=False)
    else:
        monkeypatch.setenv("OPENALEX_API_URL", url)
        monkeypatch.setenv("OPENALEX_API_KEY", CANARY)
        monkeypatch.setenv("OPENALEX_EMAIL", "analyst@example.org")
    args = ["build", "--mode", "live", "--years", str(YEAR), "--out", str(tmp / "out")]
    args += ["--source-dir", tiny_source(tmp, "patents")]
    args += ["--source-dir", tiny_source(tmp, "funding")]
    args += ["--source-dir", tiny_source(tmp, "supply_chain")]
    return run_cli([*args, "--state", str(tmp / "state")], monkeypatch)


def test_live_build_lands_parses_publishes_and_leaks_no_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = [work(1, "Transmon qubits at scale", "US"), work(2, "Trapped-ion clocks", "DE")]
    second = [work(3, "Quantum key distribution in cities", "CN")]
    replies = [
        Reply(200, page(first, "c2", 3)),
        Reply(503, {"error": "busy"}),
        Reply(200, page(second, "c3", 3)),
        Reply(200, page([], None, 3)),
        # the one author of the three works: in the US in 2019, in Germany in 2021
        Reply(200, page([author(1, {"US": [2019], "DE": [2021]})], "a2", 1)),
        Reply(200, page([], None, 1)),
    ]
    # the snapshot's author merges copied beside the landed author pages, as the README
    # says: A1 now stands for A7
    merged = tmp_path / "state" / "raw" / "openalex_authors" / "merged_ids" / "authors"
    merged.mkdir(parents=True)
    (merged / "2026-01-01.csv.gz").write_bytes(
        gzip.compress(b"merge_date,id,merge_into_id\n2026-01-01,A1,A7\n")
    )
    with MockServer(replies) as server:
        code, output = run(tmp_path, monkeypatch, server.url)
        requests_seen = server.requests
    assert code == 0, output
    assert [r.query.get("cursor") for r in requests_seen] == [
        *(["*"], ["c2"], ["c2"], ["c3"]),
        *(["*"], ["a2"]),
    ]
    assert [r.path for r in requests_seen[4:]] == ["/authors"] * 2
    assert requests_seen[4].query["filter"] == ["openalex:A1"]
    assert all(r.headers.get("Authorization") == f"Bearer {CANARY}" for r in requests_seen)

    con = duckdb.connect(str(tmp_path / "out" / "qcm.duckdb"), read_only=True)
    assert con.execute("select data_kind, mode, works_in_scope from meta.runs").fetchone() == (
        "directory, live",
        "live",
        3,
    )
    # the data dictionary's kind is the run's, which the drop guard of the next publish
    # reads, but for the tables the reviewed reference tables alone decide
    kinds = con.execute(
        "select data_kind, count(*) filter (where table_name = 'marts.milestones') "
        "from meta.tables group by all order by 1"
    ).fetchall()
    assert kinds == [("directory, live", 0), ("reviewed reference table", 1)]
    # the composite draws on every source: its rows say the patents, grants and trade
    # came from folders, not only that the works were live
    kinds = con.execute("select distinct data_kind from marts.synthesis_scores").fetchall()
    assert kinds == [("directory, live",)]
    assert con.execute(
        "select count(*) from meta.source_files where source_file like '%blobs%'"
    ).fetchone() == (5,)
    # the profile places the author in 2019 and 2021: one move, USA -> DEU
    assert con.execute(
        "select author_records, researchers, researcher_moves from meta.runs"
    ).fetchone() == (1, 1, 1)
    assert con.execute(
        "select researcher_id, origin_iso3, destination_iso3, year from marts.researcher_moves"
    ).fetchall() == [("A7", "USA", "DEU", 2021)]
    # every partition read is complete, and fetched what the service reported
    assert con.execute(
        "select service, state, served_records, count_gap from meta.fetches order by 1"
    ).fetchall() == [("openalex", "complete", 3, 0), ("openalex_authors", "complete", 1, 0)]
    con.close()
    assert "fetches:     2 partitions landed: 2 complete, 0 stale" in output
    assert "[raw__openalex] openalex: 3 work records from" in output
    assert "openalex: read all 3 files (no earlier ingest in the working database)" in output
    assert "1 landed partitions parsed, 0 unchanged ones reused" in output  # the authors'

    # a refresh with nothing new upstream: the year's works are fetched again and answer
    # the same pages (the author batch is done), nothing is parsed again, and the same
    # numbers are published
    release = tmp_path / "first.duckdb"
    shutil.copy(tmp_path / "out" / "qcm.duckdb", release)
    with MockServer([replies[0], replies[2], replies[3]]) as server:
        code, output = run(tmp_path, monkeypatch, server.url)
        assert server.unused == 0
    assert code == 0, output
    assert "openalex: read 0 new or changed files, kept the rows of 3 unchanged ones" in output
    assert "0 landed partitions parsed, 1 unchanged ones reused" in output  # the authors'
    assert "1 landed partitions parsed" not in output
    # the tables whose inputs did not change are kept, and their checks' passes reported
    assert "] kept staging.works: 3 rows, built before from the same SQL and inputs" in output
    assert "] kept indicators.publication_output: " in output
    assert "staging.works: all 6 expectations met (unchanged since they were verified in run" in (
        output
    )
    # (meta.fetches names the new fetch of the year, with its time; meta.tables counts the
    # rows of meta.runs, one per run of this state)
    moved = {"meta.fetches", "meta.tables"}
    assert releases_differ(release, tmp_path / "out" / "qcm.duckdb", moved) > 60

    # the canary key is nowhere: not in output, landing zone, state, Dagster's logs or the database
    assert CANARY not in output
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".gz":
                data = gzip.decompress(data)
            assert CANARY.encode() not in data, path


def test_a_spent_daily_budget_parks_the_year_and_publishes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replies = [
        Reply(200, page([work(1, "Transmon qubits", "US")], "c2", 2)),
        Reply(429, {"error": "daily budget"}, headers={"x-ratelimit-reset": "3600"}),
    ]
    with MockServer(replies) as server:
        code, output = run(tmp_path, monkeypatch, server.url)
    assert code == 1
    assert f"openalex year {YEAR} is parked" in output
    assert "resumes after its last landed page" in output
    assert not (tmp_path / "out" / "qcm.duckdb").exists()


def test_live_mode_without_a_key_stops_with_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = run(tmp_path, monkeypatch, None)
    assert code == 1
    assert "OPENALEX_API_KEY is not set" in output
