"""Helpers for integration tests: raw pages, the real `qcm` command run in-process, shared
builds, and a browser tab for the site's pages."""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

# what two builds of the same inputs may rightly publish differently
DIFFER_BY_RUN = {"meta.runs": "one row per run: run id, start and publish times"}
# columns that name the run which built a table (compared without them)
RUN_COLUMNS = {"meta.tables": ("built_by_run",)}


def write_page(folder: Path, name: str, works: list[dict]) -> Path:
    """Write an API list-response page of ``works`` (the real raw format)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(
        json.dumps({"meta": {"count": len(works), "next_cursor": None}, "results": works})
    )
    return path


def tiny_source(folder: Path, source: str) -> str:
    """Write a one-page corpus of ``source`` (openalex, openalex_authors, patents, funding or
    supply_chain) under ``folder``.

    Returns the ``--source-dir`` value. Tests about one source read the other from
    here, so their builds stay quick (the full samples are built once, in ``sample``).
    """
    from tests.nsf_bodies import nsf_award, nsf_page
    from tests.patent_bodies import exchange_document, ops_search

    path = folder / f"tiny_{source}"
    if source == "openalex":
        work = {
            "id": "https://openalex.org/W9001",
            "title": "Transmon qubit readout",
            "publication_year": 2020,
            "cited_by_count": 1,
            "authorships": [{"author": {}, "countries": ["FR"], "institutions": []}],
            "topics": [],
        }
        write_page(path, "page.json", [work])
    elif source == "openalex_authors":
        author = {
            "id": "https://openalex.org/A9001",
            "display_name": "Researcher 9001",
            "affiliations": [
                {"institution": {"id": "https://openalex.org/I1", "country_code": "FR"},
                 "years": [2020]}
            ],
            "last_known_institutions": [],
        }  # fmt: skip
        write_page(path, "page.json", [author])
    elif source == "supply_chain":
        from tests.comtrade_bodies import comtrade_body, comtrade_record

        path.mkdir(parents=True, exist_ok=True)
        records = [
            comtrade_record(refYear=2023, primaryValue=100.0),
            comtrade_record(refYear=2023, flowCode="M", reporterCode=276, reporterISO="DEU",
                            partnerCode=842, partnerISO="USA", primaryValue=60.0),
        ]  # fmt: skip
        (path / "comtrade.json").write_text(json.dumps(comtrade_body(records)), encoding="utf-8")
    elif source == "patents":
        path.mkdir(parents=True, exist_ok=True)
        (path / "search.xml").write_text(ops_search(exchange_document()), encoding="utf-8")
    else:
        path.mkdir(parents=True, exist_ok=True)
        page = json.dumps(nsf_page(nsf_award()))
        (path / "nsf.json").write_text(page, encoding="utf-8")
    return f"{source}={path}"


def tiny_sources(folder: Path, *sources: str) -> list[str]:
    """``--source-dir`` arguments reading each of ``sources`` from its tiny corpus."""
    return [arg for source in sources for arg in ("--source-dir", tiny_source(folder, source))]


def run_cli(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """Run the ``qcm`` command in-process with a clean QCM environment.

    Returns its exit code and everything it printed (stdout and stderr together).
    """
    from pipelines.cli import main

    for name in (
        "QCM_MODE",
        "QCM_SOURCE_DIRS",
        "QCM_OUT",
        "QCM_STATE",
        "QCM_REFETCH",
        "QCM_SYNTHESIS",
        "QCM_SMALL_NUMBERS",
        "DAGSTER_HOME",
    ):
        monkeypatch.delenv(name, raising=False)
    # the session's day (tests/conftest.py), restored after a build as of another day
    monkeypatch.setenv("QCM_AS_OF", os.environ.get("QCM_AS_OF", ""))
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(args)
    return code, out.getvalue()


def build_sample(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run ``qcm build`` on the embedded sample with output and state under ``tmp``."""
    args = ["build", "--out", str(tmp / "out"), "--state", str(tmp / "state")]
    code, output = run_cli(args, monkeypatch)
    assert code == 0, output
    return output


def recorded_paces(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Make the live clients' pacers (``pipelines.fetching.Pacer``) record the pauses they
    ask for, in seconds, instead of sleeping; returns the list they go into. A live build
    against local mocks would otherwise wait out each service's spacing (about 31 s for
    the funding services and Comtrade). Each client's unit tests check its spacing with
    an injected clock."""
    from pipelines.fetching import Pacer

    asked: list[float] = []
    spaced = Pacer.__init__

    def recording(self: Pacer, min_interval: float, sleep: object, clock: object) -> None:
        spaced(self, min_interval, asked.append, clock)

    monkeypatch.setattr(Pacer, "__init__", recording)
    return asked


@pytest.fixture
def paces(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses the live clients' pacers ask for in this test (``recorded_paces``)."""
    return recorded_paces(monkeypatch)


@dataclass
class LiveServices:
    """A live build against local mocks of every patent, funding and trade service: its
    folder (``out/`` and ``state/``), exit code and output, the requests each mock saw
    (by service), how many scripted replies went unused, and the pauses asked for."""

    folder: Path
    code: int
    output: str
    requests: dict[str, list]
    unused: int
    paces: list[float]


@pytest.fixture(scope="session")
def live_services(tmp_path_factory: pytest.TempPathFactory) -> LiveServices:
    """One live build of 2021 serving the patents' and the funding and trade tests (group
    ``live_services``): PatentsView, EPO OPS, NSF, UKRI, CORDIS, the World Bank and UN
    Comtrade are the mocks of ``test_patents_live_build`` and ``test_funding_live_build``,
    each credential one of their canaries; OpenAlex and the authors are read from tiny
    folders. An analyst's live build calls them all in one run, as here."""
    from tests.integration import test_funding_live_build as funding
    from tests.integration import test_patents_live_build as patents
    from tests.mock_server import MockServer

    tmp = tmp_path_factory.mktemp("live_services")
    # each mock: the variable that points its client at it, and its scripted replies
    services = {
        "patentsview": ("PATENTSVIEW_API_URL", patents.pv_replies(patents.HTML_500)),
        "epo_ops": ("EPO_OPS_API_URL", patents.ops_replies()),
        "nsf": ("NSF_API_URL", funding.nsf_replies()),
        "ukri": ("UKRI_API_URL", funding.ukri_replies()),
        "cordis": ("CORDIS_DATA_URL", funding.cordis_replies()),
        "world_bank": ("WORLD_BANK_API_URL", funding.world_bank_replies()),
        "comtrade": ("COMTRADE_API_URL", funding.comtrade_replies()),
    }
    keys = {**patents.CANARIES, "COMTRADE_API_KEY": funding.CANARY}
    with contextlib.ExitStack() as servers, pytest.MonkeyPatch.context() as mp:
        mocks = {}
        for name, (variable, replies) in services.items():
            mocks[name] = servers.enter_context(MockServer(replies))
            mp.setenv(variable, mocks[name].url)
        for variable, value in keys.items():
            mp.setenv(variable, value)
        asked = recorded_paces(mp)
        args = ["build", "--mode", "live", "--years", str(funding.YEAR)]
        args += tiny_sources(tmp, "openalex", "openalex_authors")
        args += ["--out", str(tmp / "out"), "--state", str(tmp / "state")]
        code, output = run_cli(args, mp)
        seen = {name: mock.requests for name, mock in mocks.items()}
        unused = sum(mock.unused for mock in mocks.values())
    return LiveServices(tmp, code, output, seen, unused, asked)


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """One sample build shared by the tests that only read its outputs: (folder, output)."""
    tmp = tmp_path_factory.mktemp("sample")
    with pytest.MonkeyPatch.context() as mp:
        yield tmp, build_sample(tmp, mp)


# the by-hand build's other sources, each a tiny one (``tiny_source``)
BYHAND_TINY = ("funding", "openalex_authors", "supply_chain")


@pytest.fixture(scope="session")
def byhand(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    """One build shared by the by-hand tests: the works of ``test_indicators_by_hand`` and
    the patents of ``test_patent_indicators_by_hand``, the other sources tiny. Returns the
    folder (published files in ``out/``) and the source folders by source."""
    from tests.integration.test_indicators_by_hand import write_works
    from tests.integration.test_patent_indicators_by_hand import write_patents

    tmp = tmp_path_factory.mktemp("byhand")
    sources = {"openalex": write_works(tmp / "works"), "patents": write_patents(tmp / "patents")}
    args = ["build", "--out", str(tmp / "out"), "--state", str(tmp / "state")]
    args += [arg for name, path in sources.items() for arg in ("--source-dir", f"{name}={path}")]
    args += tiny_sources(tmp, *BYHAND_TINY)
    with pytest.MonkeyPatch.context() as mp:
        code, output = run_cli(args, mp)
    assert code == 0, output
    return tmp, sources


@dataclass
class ChangedBuild:
    """A build over the by-hand build's working state with two works changed: its folder
    (the working state in ``state/``, the release in ``over/out/``), its inputs (the
    ``--source-dir`` arguments), exit code and output, and the connections the injected
    out-of-memory failure failed in."""

    folder: Path
    inputs: list[str]
    code: int
    output: str
    failed: list[duckdb.DuckDBPyConnection]


@pytest.fixture(scope="session")
def changed_over(
    byhand: tuple[Path, dict[str, Path]], tmp_path_factory: pytest.TempPathFactory
) -> ChangedBuild:
    """One build over a copy of the by-hand build's state and release, of its inputs with
    two works changed (``test_kept_tables.changed_inputs``), whose by-year refresh of one
    table runs out of DuckDB's memory once on the way (``test_out_of_memory``), as a
    refresh may at scale. ``test_kept_tables`` reads what it kept and built, and compares
    it with a fresh build of the same inputs; ``test_out_of_memory`` reads how the table
    was built again."""
    from tests.integration.test_kept_tables import changed_inputs
    from tests.integration.test_out_of_memory import failing_refresh

    tmp = tmp_path_factory.mktemp("changed")
    with pytest.MonkeyPatch.context() as mp:
        inputs = changed_inputs(byhand, tmp, mp)
        failed = failing_refresh(1, mp)
        args = ["build", "--out", str(tmp / "over" / "out"), "--state", str(tmp / "state")]
        code, output = run_cli(args + inputs, mp)
    return ChangedBuild(tmp, inputs, code, output, failed)


def byhand_inputs(byhand: tuple[Path, dict[str, Path]], **replaced: Path) -> list[str]:
    """The ``--source-dir`` arguments of the by-hand build's inputs (``byhand``), with the
    folders of ``replaced`` (source=folder) in place of its own."""
    folder, sources = byhand
    tiny = {source: folder / f"tiny_{source}" for source in BYHAND_TINY}
    folders = {**sources, **tiny, **replaced}
    return [arg for name, path in folders.items() for arg in ("--source-dir", f"{name}={path}")]


def releases_differ(
    first: Path,
    second: Path,
    differ: Collection[str] = (),
    tables: Collection[str] | None = None,
) -> int:
    """Compare every published table and view of two releases (or the ``tables`` of two
    databases) row for row (doubles to 9 decimals: a sum may add the same numbers in
    another order), except DIFFER_BY_RUN, RUN_COLUMNS and ``differ``; assert they hold the
    same rows (``same_rows``).
    Returns how many were compared."""
    con = duckdb.connect()
    con.execute(f"attach '{first}' as first (read_only)")
    con.execute(f"attach '{second}' as second (read_only)")
    if tables is None:
        tables = [
            r[0]
            for r in con.execute(
                "select table_schema || '.' || table_name from information_schema.tables "
                "where table_catalog = 'first' order by 1"
            ).fetchall()
            if r[0] not in DIFFER_BY_RUN and r[0] not in differ
        ]
    for table in tables:
        schema, name = table.split(".")
        columns = ", ".join(
            f'round("{column}", 9)' if kind in ("DOUBLE", "FLOAT") else f'"{column}"'
            for column, kind in con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_catalog = 'first' and table_schema = ? and table_name = ? "
                "order by ordinal_position",
                [schema, name],
            ).fetchall()
            if column not in RUN_COLUMNS.get(table, ())
        )
        same_rows(
            con,
            f"select {columns} from first.{table}",
            f"select {columns} from second.{table}",
            table,
        )
    con.close()
    return len(tables)


# a browser tab and the list of its problems (``new_tab``)
Tab = tuple[Any, list[str]]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium for the module's tests; they are skipped with the reason when
    there is none (``dashboards.browser``)."""
    from dashboards.browser import BrowserUnavailable, headless_browser

    try:
        with headless_browser() as chromium:
            yield chromium
    except BrowserUnavailable as err:
        pytest.skip(f"no browser for the site tests: {err}")


def new_tab(browser: Any) -> Tab:
    """A new tab of ``browser`` (1280 by 900 px) and the list that collects, for as long as
    the tab is open, its console errors, page errors, dialogs and requests to anywhere but
    the disk."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed request: {r.url}"))
    page.on(
        "request",
        lambda r: (
            None
            if r.url.startswith(("file:", "data:", "blob:"))
            else problems.append(f"request: {r.url}")
        ),
    )
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    return page, problems


@pytest.fixture(scope="module")
def shared_tab(browser: Any) -> Iterator[Tab]:
    """One tab for the module's tests, as a reader follows the site's links. Chromium
    compiles plotly.js (4.8 MB) again in each new tab, but once only per tab: here a page
    took about 1.9 s to draw in a new tab, and 0.9 s in a tab that had shown one."""
    page, problems = new_tab(browser)
    yield page, problems
    page.close()


@pytest.fixture
def tab(shared_tab: Tab) -> Iterator[Tab]:
    """The module's tab (``shared_tab``), blank and 1280 by 900 px, its problems' list
    empty. After the test the tab leaves its page, and any problem it had fails the test
    (one that came after the test's own check of the list included)."""
    page, problems = shared_tab  # blank: new, or left so by the test before
    page.set_viewport_size({"width": 1280, "height": 900})
    problems.clear()
    yield page, problems
    page.goto("about:blank")
    assert problems == [], f"problems of the test's page: {problems}"


def same_rows(con: duckdb.DuckDBPyConnection, first: str, second: str, name: str) -> None:
    """Assert that the queries ``first`` and ``second`` give the same rows, as many times
    each, naming ``name`` and a few rows of either that the other lacks when they do not.
    Their counts and the sums of their rows' hashes are compared first (a few times faster
    than comparing the rows themselves); only when those differ are the rows compared."""
    fingerprint = "select count(*), sum(hash(q)) from ({}) as q"
    if (
        con.execute(fingerprint.format(first)).fetchone()
        == con.execute(fingerprint.format(second)).fetchone()
    ):
        return
    differing = con.execute(
        f"(select 'first' as build, * from (({first}) except all ({second}))) union all "
        f"(select 'second' as build, * from (({second}) except all ({first}))) limit 6"
    ).fetchall()
    assert differing == [], "\n".join([name, *map(str, differing)])
