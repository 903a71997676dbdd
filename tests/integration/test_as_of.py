"""A build is as of one day (``qcm build --as-of``; by default the day its run was created):
a build over the same inputs on the next day builds again only what reads the whole date
and what is built from it, keeps what reads only the year, and ``meta.runs`` says which
day each release is as of. That SQL reading the year alone is signed by the year, so that a
new year builds it again, is tested on its signature (``tests/unit/test_as_of.py``): a
build as of a new year builds most of the graph again."""

import os
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from pipelines.lineage import referenced_tables
from pipelines.settings import SQL_DIR
from pipelines.sql_assets import sql_table_files
from tests.integration.conftest import byhand_inputs, run_cli

# on the worker that makes the by-hand build, which this test copies (pytest-xdist)
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("byhand")]

BUILT = re.compile(r"\] built ([a-z_]+\.[a-z_]+) \(table")
DAILY = "indicators.supplier_counts"  # who is a registry member on the day
YEARLY = ("staging.fx_rates", "core.bloc_member_years", "marts.publication_indicators")


def built_from(table: str) -> set[str]:
    """``table`` and every SQL table built from it, however far downstream."""
    reads = {
        t: referenced_tables(p.read_text(encoding="utf-8"))
        for t, p in sql_table_files(SQL_DIR).items()
    }
    found = {table}
    while grown := {t for t, read in reads.items() if read & found} - found:
        found |= grown
    return found


def test_the_next_day_builds_again_only_what_reads_the_date(
    byhand: tuple[Path, dict[str, Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, _ = byhand
    session = date.fromisoformat(os.environ["QCM_AS_OF"])  # the by-hand build's day
    shutil.copytree(folder / "state", tmp_path / "state")
    shutil.copytree(folder / "out", tmp_path / "out", ignore=shutil.ignore_patterns("site"))
    args = ["build", "--out", str(tmp_path / "out"), "--state", str(tmp_path / "state")]
    args += byhand_inputs(byhand)

    def build(day: str) -> set[str]:
        code, output = run_cli([*args, "--as-of", day], monkeypatch)
        assert code == 0, output
        return set(BUILT.findall(output))

    # the next day, or the day before where the next is a new year's (31 December)
    other = session + timedelta(days=1)
    if other.year != session.year:
        other = session - timedelta(days=1)
    rebuilt = build(other.isoformat())
    assert DAILY in rebuilt
    assert rebuilt <= built_from(DAILY)  # and nothing that does not read it
    assert not rebuilt & set(YEARLY)
    con = duckdb.connect(str(tmp_path / "out" / "qcm.duckdb"), read_only=True)
    try:
        days = con.execute("select as_of from meta.runs order by published_at").fetchall()
    finally:
        con.close()
    assert days == [(session,), (other,)]
