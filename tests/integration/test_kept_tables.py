"""A build over an earlier build's working state keeps the tables and checks' passes whose
inputs did not change, brings the per-work and per-year tables up to date by the works
that changed, builds the rest, and holds and publishes what a fresh build of the same
inputs does."""

import re
import shutil
from pathlib import Path

import pytest

from pipelines import work_delta
from pipelines.contracts import load_contracts
from pipelines.settings import SQL_DIR
from tests.integration.conftest import (
    ChangedBuild,
    byhand_inputs,
    releases_differ,
    run_cli,
    write_page,
)
from tests.integration.test_indicators_by_hand import W3, author
from tests.unit.test_duckdb_parse import work

# on the worker that makes the by-hand build, which these tests copy (pytest-xdist)
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("byhand")]


def changed_inputs(
    byhand: tuple[Path, dict[str, Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """Copy the by-hand build's working database into ``tmp_path / "state"`` (and its
    release, but its dashboards, into ``tmp_path / "over" / "out"``) and return
    the ``--source-dir`` arguments of its inputs with two works changed: the by-hand works
    plus one new work and a newer record of W3 (another title and countries); every other
    source as the by-hand build read it. Two of six works change, in two of three years:
    more than a refresh by work or year takes on at scale, so the share allowed is raised."""
    folder, sources = byhand
    monkeypatch.setattr(work_delta, "FULL_ABOVE", 0.7)
    works = tmp_path / "works"
    shutil.copytree(sources["openalex"], works)
    newer = dict(W3, title="Trapped-ion chains", updated_date="2026-06-01T00:00:00")
    newer["authorships"] = [author(["JP"]), author(["CN", "KR"])]
    write_page(works, "page3.json", [work(77, publication_year=2021), newer])
    inputs = byhand_inputs(byhand, openalex=works)
    (tmp_path / "state" / "work").mkdir(parents=True)
    shutil.copy(folder / "state" / "work" / "qcm.duckdb", tmp_path / "state" / "work")
    release = shutil.ignore_patterns("site")
    shutil.copytree(folder / "out", tmp_path / "over" / "out", ignore=release)
    return inputs


def test_a_build_over_an_earlier_state_keeps_what_did_not_change_and_equals_a_fresh_one(
    changed_over: ChangedBuild, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the build over the earlier state (one of its tables ran out of memory once on the
    # way and was built again: test_out_of_memory)
    assert changed_over.code == 0, changed_over.output
    output = changed_over.output
    # the patents' tables and checks are kept; the works' are built and checked again
    assert "] kept staging.patent_families: " in output
    assert "staging.patent_families: all 10 expectations met (unchanged since" in output
    assert "] built staging.works (table): 6 rows" in output
    assert "staging.works: all 6 expectations met\n" in output
    contracts = load_contracts(SQL_DIR).items()
    by_work = sorted(t for t, c in contracts if c.refresh == "by_work")
    for table in [*by_work, "core.work_approaches"]:
        assert f"] built {table} (by work: 2 of 6 works changed): " in output, table
    by_year = sorted(t for t, c in contracts if c.refresh == "by_year")
    for table in by_year:
        refreshed = f"] built {table} (by year: 2 of 6 works changed, in 2 of 3 years): "
        assert refreshed in output, table
    # their checks read the rows of those works (or years) alone
    assert (
        "] staging.authorships: all 3 expectations met on the rows of the 2 works that changed "
        "(the other rows' pass in run "
    ) in output
    # whatever their SQL checks read: core.work_country_fractions' read staging.works
    assert re.search(
        r"\] core\.work_country_fractions: all \d+ expectations met on the rows of the 2 works "
        r"that changed \(the other rows' pass in run ",
        output,
    )
    assert (
        "] indicators.collaboration: all 3 expectations met on the rows of the years the "
        "changed works fall in (2020, 2021) (the other rows' pass in run "
    ) in output
    # the raw tables' checks read the records of the one file read again alone; and no raw
    # table's signature is taken by scanning it: the ingest signs them by their files
    for table, expectations in (("openalex_works", 9), ("openalex_authorships", 3)):
        assert (
            f"] raw.{table}: all {expectations} expectations met on the records of the 1 files "
            "read (the other rows' pass in run "
        ) in output, table
    # the release's per-work marts are the last release's, brought up to date by those works
    assert (
        "; marts.work_approaches, marts.work_country_fractions taken from it and brought up "
        "to date by the works that changed\n"
    ) in output
    # the composite scores again only the approaches and years whose values changed
    scored = re.search(
        r"scored (\d+) of (\d+) approaches and years again, kept the rows of (\d+)", output
    )
    assert scored, output
    again, keys, same = map(int, scored.groups())
    assert 0 < again < keys and again + same == keys, scored.group(0)
    kept = output.count("] kept ")
    built = output.count("] built ")
    assert kept > 40 and built > 40, (kept, built)
    # a fresh build of the same inputs
    fresh = tmp_path / "fresh"
    args = ["build", "--out", str(fresh / "out"), "--state", str(fresh / "state")]
    code, fresh_output = run_cli(args + changed_over.inputs, monkeypatch)
    assert code == 0, fresh_output
    # every published table and view the same, but meta.tables' count of meta.runs' rows
    # (one per run of the state: two here, one in the fresh state)
    over = changed_over.folder / "over" / "out" / "qcm.duckdb"
    assert releases_differ(over, fresh / "out" / "qcm.duckdb", {"meta.tables"}) > 60
    # and the per-work and per-year tables of the working databases, private ones included
    over, fresh = (changed_over.folder / "state", fresh / "state")
    working = [path / "work" / "qcm.duckdb" for path in (over, fresh)]
    compared = [*by_work, *by_year, "core.work_approaches"]
    assert releases_differ(*working, tables=compared) == len(compared)
