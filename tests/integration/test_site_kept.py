"""A build whose published data and dashboards' code are what the last site was made from
keeps that site; a change to anything the pages show makes every page again."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from dashboards.site import build_site

# one worker builds the shared sample once and runs every test that reads it (pytest-xdist)
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("sample")]


def made_at(site: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in site.rglob("*.html")}


def test_a_run_that_changed_nothing_shown_keeps_the_site_a_changed_number_remakes_it(
    sample: tuple[Path, str], tmp_path: Path
) -> None:
    # the sample build's release and the site it made of it
    database, site = tmp_path / "qcm.duckdb", tmp_path / "site"
    shutil.copyfile(sample[0] / "out" / "qcm.duckdb", database)
    shutil.copytree(sample[0] / "out" / "site", site)
    before = made_at(site)
    with duckdb.connect(str(database)) as con:
        (run_id,) = con.execute(
            "select run_id from meta.runs order by published_at desc limit 1"
        ).fetchone()
    first = build_site(database, site)  # the same data and code: kept
    assert first.kept_from == run_id
    assert made_at(site) == before and first.pages == len(before)
    with duckdb.connect(str(database)) as con:
        # a later run that changed nothing: its own row in meta.runs, the same data
        con.execute(
            "insert into meta.runs select * replace ('later-run' as run_id, "
            "started_at + interval 1 hour as started_at, "
            "published_at + interval 1 hour as published_at) "
            "from meta.runs order by published_at desc limit 1"
        )
    kept = build_site(database, site)
    assert kept.kept_from == run_id
    assert (kept.pages, kept.bytes, kept.largest_page) == (
        first.pages,
        first.bytes,
        first.largest_page,
    )
    assert made_at(site) == before  # not one page written again
    assert f"from run {run_id[:8]}" in (site / "index.html").read_text(encoding="utf-8")

    with duckdb.connect(str(database)) as con:  # one number the pages show
        con.execute(
            "update marts.publication_indicators set value = value + 1 "
            "where entity_code = 'DEU' and indicator = 'publications_whole'"
        )
    remade = build_site(database, site)
    assert remade.kept_from is None
    assert all(made_at(site)[p] != before[p] for p in before)
    assert "from run later-ru" in (site / "index.html").read_text(encoding="utf-8")
    assert build_site(database, site).kept_from == "later-run"
