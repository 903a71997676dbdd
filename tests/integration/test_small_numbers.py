"""Small numbers suppressed: `qcm build --small-numbers suppress` on the sample's state
publishes every flagged row without its numbers, keeps every other row as the flagged
release has it, and its dashboards leave the suppressed rows out and say so."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.integration.conftest import run_cli

# one worker builds the shared sample once and runs every test that reads it (pytest-xdist)
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("sample")]

# each mart that suppresses: its flag, the numbers emptied under it, its key, what marks a
# row whose numbers are all kept ({n}: small_n_threshold, {f}: workforce_small_flow; career
# stages suppress their researchers and their moves apart; a workforce row's counts follow
# their own rules) and a column of such rows that can still differ (a security share's
# five-year change, when the year five before is small)
SUPPRESSED = {
    "marts.publication_indicators": (
        "small_n",
        ("value", "numerator", "denominator", "works_whole"),
        "entity_type, entity_code, approach, year, indicator",
        "not small_n",
        None,
    ),
    "marts.patent_indicators": (
        "small_n",
        ("value", "numerator", "denominator", "families_whole"),
        "entity_type, entity_code, approach, year, counting, family_scope, indicator",
        "not small_n",
        None,
    ),
    "marts.patent_applicant_types": (
        "small_n",
        ("share", "numerator", "denominator"),
        "entity_type, entity_code, approach, year, family_scope, applicant_type",
        "not small_n",
        None,
    ),
    "marts.funding_indicators": (
        "small_n",
        ("value", "numerator", "denominator", "records", "conversion_gaps"),
        "entity_type, entity_code, approach, year, funding_kind, funder_scope, indicator",
        "not small_n",
        None,
    ),
    "marts.security_indicators": (
        "small_n",
        ("value", "value_low", "value_high", "numerator", "denominator", "records"),
        "entity_type, entity_code, approach, year, indicator",
        "not small_n",
        "value_5y_change",
    ),
    "marts.workforce_indicators": (
        "small_n",
        ("value", "numerator", "denominator", "researchers_active", "flow_moves"),
        "entity_type, entity_code, approach, year, indicator",
        "not small_n and researchers_active >= {n} and flow_moves >= {f}",
        None,
    ),
    "marts.workforce_flows": (
        "is_small",
        ("moves", "returns"),
        "origin_iso3, destination_iso3, approach, year",
        "not is_small",
        None,
    ),
    "marts.workforce_career_stages": (
        "small_flow",
        ("inflow", "outflow", "net_flow"),
        "country_iso3, approach, year, career_stage",
        "not small_flow and not small_n",
        None,
    ),
    "marts.workforce_career_stages_world": (
        "small_flow",
        ("moves",),
        "approach, year, career_stage",
        "not small_flow and not small_n",
        None,
    ),
    "marts.coauthorship_pairs": (
        "small_n",
        ("works",),
        "approach, year, country_a, country_b",
        "not small_n",
        None,
    ),
}


@pytest.fixture(scope="module")
def suppressed(sample: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample build's state and release, built again with small numbers suppressed:
    the folder holding the new ``out/``."""
    tmp = tmp_path_factory.mktemp("suppressed")
    shutil.copytree(sample[0] / "state", tmp / "state")
    shutil.copytree(sample[0] / "out", tmp / "out")
    args = ["build", "--out", str(tmp / "out"), "--state", str(tmp / "state")]
    with pytest.MonkeyPatch.context() as mp:
        code, output = run_cli([*args, "--small-numbers", "suppress"], mp)
    assert code == 0, output
    # only what reads the setting was built again: the indicators were kept
    assert "built marts.publication_indicators" in output
    assert "built indicators." not in output
    return tmp


def test_flagged_rows_lose_their_numbers_and_the_others_keep_theirs(
    sample: tuple[Path, str], suppressed: Path
) -> None:
    con = duckdb.connect(str(suppressed / "out" / "qcm.duckdb"), read_only=True)
    con.execute(f"attach '{sample[0] / 'out' / 'qcm.duckdb'}' as flagged (read_only)")
    assert con.execute("select key, value from meta.publication_settings").fetchall() == [
        ("small_numbers", "suppress")
    ]
    assert con.execute("select value from flagged.meta.publication_settings").fetchall() == [
        ("flag",)
    ]
    # the run history says what each run's release did, the earlier run's too
    runs = con.execute("select small_numbers from meta.runs order by published_at").fetchall()
    assert runs == [("flag",), ("suppress",)]
    n, f = (
        int(con.execute("select value from meta.methods where key = ?", [key]).fetchone()[0])
        for key in ("small_n_threshold", "workforce_small_flow")
    )
    for table, (flag, numbers, key, whole, moving) in SUPPRESSED.items():
        rows, flagged_rows, kept_numbers = con.execute(
            f"select count(*), count(*) filter (where {flag}), "
            f"count(*) filter (where {flag} and not ({' is null and '.join(numbers)} is null)) "
            f"from {table}"
        ).fetchone()
        assert flagged_rows > 0 and kept_numbers == 0, table
        # the same rows and flags as the flagged release, the unflagged ones whole
        assert rows == con.execute(f"select count(*) from flagged.{table}").fetchone()[0]
        differing = con.execute(
            f"select count(*) from (select {key}, {flag} from {table} "
            f"except all select {key}, {flag} from flagged.{table})"
        ).fetchone()[0]
        assert differing == 0, table
        columns = "*" if moving is None else f"* exclude ({moving})"
        unflagged = f"select {columns} from {{}} where {whole.format(n=n, f=f)}"
        differing = con.execute(
            f"select count(*) from ({unflagged.format(table)} except all "
            f"{unflagged.format('flagged.' + table)})"
        ).fetchone()[0]
        assert differing == 0, table
    # the world's career stages are every country's added up before the suppression: the
    # flagging release's sums, whole wherever the world's own row is not small
    world = con.execute(
        "select count(*), count(*) filter (where world.active is distinct from countries.active "
        "or world.moves is distinct from countries.moves) "
        "from flagged.marts.workforce_career_stages_world as world join (select approach, year, "
        "career_stage, sum(active) as active, sum(inflow) as moves "
        "from flagged.marts.workforce_career_stages group by all) as countries "
        "using (approach, year, career_stage)"
    ).fetchone()
    assert world[0] > 0 and world[1] == 0
    hidden_countries, whole_world = con.execute(
        "select count(*) filter (where countries.active is null), "
        "count(*) filter (where countries.active is null and world.active is not null) "
        "from marts.workforce_career_stages as countries "
        "join marts.workforce_career_stages_world as world using (approach, year, career_stage)"
    ).fetchone()
    assert whole_world > 0 and hidden_countries >= whole_world
    # a security share's change is kept where neither year is small, emptied where the year
    # five before is
    changes = con.execute(
        "select count(*) filter (where base.small_n and now.value_5y_change is not null), "
        "count(*) filter (where not base.small_n and now.value_5y_change is distinct from "
        "was.value_5y_change), count(*) filter (where not base.small_n) "
        "from marts.security_indicators as now "
        "join flagged.marts.security_indicators as was using "
        "(entity_type, entity_code, approach, year, indicator) "
        "join marts.security_indicators as base on base.entity_type = now.entity_type "
        "and base.entity_code = now.entity_code and base.approach = now.approach "
        "and base.indicator = now.indicator and base.year = now.year - 5 "
        "where not now.small_n"
    ).fetchone()
    assert changes[:2] == (0, 0) and changes[2] > 0
    # the long views and their Parquet files publish what the marts hold
    long_flagged = con.execute(
        "select count(*) from marts.indicators_long where small_n and value is not null"
    ).fetchone()[0]
    assert long_flagged == 0
    parquet = suppressed / "out" / "parquet" / "publications_long.parquet"
    small, empty = duckdb.sql(
        f"select count(*) filter (where small_n), "
        f"count(*) filter (where small_n and value is null and value_low is null) "
        f"from '{parquet}'"
    ).fetchone()
    assert small == empty > 0
    # the counts beside a workforce row follow their own rules: none under them is published
    counts = con.execute(
        "select count(*) filter (where researchers_active < ?), "
        "count(*) filter (where flow_moves < ?) from marts.workforce_indicators",
        [n, f],
    ).fetchone()
    assert counts == (0, 0)
    # the Parquet folder says what the release did
    readme = (suppressed / "out" / "parquet" / "README.md").read_text(encoding="utf-8")
    assert "Small numbers: suppressed in this release (`meta.publication_settings`: " in readme
    assert "published with small_n true and without its numbers" in readme
    flagged_readme = (sample[0] / "out" / "parquet" / "README.md").read_text(encoding="utf-8")
    assert "Small numbers: flagged in this release" in flagged_readme
    con.close()


def test_the_dashboards_leave_the_suppressed_out_and_say_so(
    sample: tuple[Path, str], suppressed: Path
) -> None:
    site, flagged_site = suppressed / "out" / "site", sample[0] / "out" / "site"
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "values on fewer than 10 records (5 moves for flows) suppressed" in index
    assert "suppressed" not in (flagged_site / "index.html").read_text(encoding="utf-8")
    methods = (site / "methods.html").read_text(encoding="utf-8")
    assert "This release suppresses them" in methods
    assert " publication indicator values, " in methods
    assert "This release flags such values" in (flagged_site / "methods.html").read_text(
        encoding="utf-8"
    )
    # a lead over a runner-up too small to publish is not called clear
    assert "(no runner-up published)" in index
    assert "This release suppresses small numbers" in (site / "workforce.html").read_text(
        encoding="utf-8"
    )
    # every page of the flagged release but those of the countries whose every value is
    # small (none links to them)
    pages = {p.relative_to(site) for p in site.rglob("*.html")}
    gone = {p.relative_to(flagged_site) for p in flagged_site.rglob("*.html")} - pages
    assert gone and all(p.parent.name == "country" for p in gone)
    links = "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    assert 'href="country/AUS.html"' in links
    for page in gone:
        assert f'/{page.name}"' not in links and f'"{page.name}"' not in links
