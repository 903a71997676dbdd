"""A build over an earlier build's working state keeps the tables and checks' passes whose
inputs did not change, builds the rest, and publishes what a fresh build of the same
inputs publishes."""

import shutil
from pathlib import Path

import pytest

from tests.integration.conftest import releases_differ, run_cli, write_page
from tests.unit.test_duckdb_parse import work

pytestmark = pytest.mark.integration


def test_a_build_over_an_earlier_state_keeps_what_did_not_change_and_equals_a_fresh_one(
    byhand: tuple[Path, dict[str, Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, sources = byhand
    # the by-hand works plus one new work; every other source as the by-hand build read it
    works = tmp_path / "works"
    shutil.copytree(sources["openalex"], works)
    write_page(works, "page3.json", [work(77, publication_year=2021)])
    inputs = ["--source-dir", f"openalex={works}", "--source-dir", f"patents={sources['patents']}"]
    for source in ("funding", "openalex_authors", "supply_chain"):
        inputs += ["--source-dir", f"{source}={folder / f'tiny_{source}'}"]
    (tmp_path / "state" / "work").mkdir(parents=True)
    shutil.copy(folder / "state" / "work" / "qcm.duckdb", tmp_path / "state" / "work")

    def build(name: str) -> str:
        args = ["build", "--out", str(tmp_path / name / "out"), "--state"]
        args.append(str(tmp_path / "state" if name == "over" else tmp_path / name / "state"))
        code, output = run_cli(args + inputs, monkeypatch)
        assert code == 0, output
        return output

    output = build("over")
    # the patents' tables and checks are kept; the works' are built and checked again
    assert "] kept staging.patent_families: " in output
    assert "staging.patent_families: all 10 expectations met (unchanged since" in output
    assert "] built staging.works (table): 6 rows" in output
    assert "staging.works: all 6 expectations met\n" in output
    kept = output.count("] kept ")
    built = output.count("] built ")
    assert kept > 40 and built > 40, (kept, built)
    build("fresh")
    # every published table and view the same, but meta.tables' count of meta.runs' rows
    # (one per run of the state: two here, one in the fresh state)
    over, fresh = (tmp_path / name / "out" / "qcm.duckdb" for name in ("over", "fresh"))
    assert releases_differ(over, fresh, {"meta.tables"}) > 60
