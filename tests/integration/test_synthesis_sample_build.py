"""The synthesis in the published database of the sample build: composites rebuild from
the published family scores and weights, the frontier test follows from the scores, the
settings of the run are recorded, and new weights in a settings file change the
composite without code."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from assets.synthesis.assets import SCORES_WRITTEN, synthesis_scores, synthesis_settings
from assets.synthesis.kept import RECORDS
from pipelines import lineage
from pipelines.resources import QcmResource

# one worker builds the shared sample once and runs every test that reads it (pytest-xdist)
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("sample")]
SETTINGS_FILE = Path(__file__).resolve().parents[2] / "assets" / "reference" / "synthesis.yml"


@pytest.fixture
def db(sample: tuple[Path, str]) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(sample[0] / "out" / "qcm.duckdb"), read_only=True)
    yield connection
    connection.close()


def test_summary_names_the_frontier(sample: tuple[Path, str]) -> None:
    match = re.search(
        r"frontier: +approaches led in the composite in (\d{4}) \((\d+) bootstrap resamples\): "
        r"([A-Z]{3} \d+(?:, [A-Z]{3} \d+)*); approaches where no NATO member is within reach: ",
        sample[1],
    )
    assert match, sample[1]
    assert int(match[2]) == yaml.safe_load(SETTINGS_FILE.read_text())["bootstrap"]["replicates"]
    # the year the frontier page leads with: the latest whose composite is complete
    con = duckdb.connect(str(sample[0] / "out" / "qcm.duckdb"), read_only=True)
    (latest,) = con.execute(
        "select max(year) from marts.frontier where family = 'composite' and not year_incomplete"
    ).fetchone()
    con.close()
    assert int(match[1]) == latest


def test_composite_is_the_weighted_mean_of_the_published_family_scores(
    db: duckdb.DuckDBPyConnection,
) -> None:
    mismatches = db.execute(
        """
        with rebuilt as (
            select entity_type, entity_code, approach, year, sum(weight * score) as composite
            from marts.synthesis_scores
            where family <> 'composite' and weight is not null
            group by all
        )
        select count(*), count(*) filter (where abs(c.value - r.composite) > 1e-9)
        from marts.synthesis_scores as c
        inner join rebuilt as r using (entity_type, entity_code, approach, year)
        where c.family = 'composite'
        """
    ).fetchone()
    assert mismatches[0] > 1000 and mismatches[1] == 0


def test_every_family_and_bloc_is_scored(db: duckdb.DuckDBPyConnection) -> None:
    families = {
        r[0] for r in db.execute("select distinct family from marts.synthesis_scores").fetchall()
    }
    assert families == {
        "publications",
        "patents",
        "funding",
        "workforce",
        "supply_chain",
        "capability",
        "composite",
    }
    blocs = {r[0] for r in db.execute("select bloc from marts.blocs").fetchall()}
    scored = {
        r[0]
        for r in db.execute(
            "select distinct entity_code from marts.synthesis_scores where entity_type = 'bloc'"
        ).fetchall()
    }
    assert scored == blocs
    # the leader of every family scores 1 and holds rank 1 in its interval's best end
    assert db.execute(
        "select count(*) from marts.synthesis_scores where is_leader and "
        "(abs(score - 1) > 1e-9 or rank_low <> 1)"
    ).fetchone() == (0,)


def test_frontier_gap_follows_from_member_scores(db: duckdb.DuckDBPyConnection) -> None:
    reach = float(
        db.execute("select value from meta.synthesis_settings where key = 'reach'").fetchone()[0]
    )
    # covered: a member within reach in publications, patents, workforce or the composite by
    # its score, or within reach of a capability metric's best published result (for 'all'
    # any approach's); funding and supply chain never on their own
    disagreements = db.execute(
        """
        with members as (
            select s.approach, s.year, m.bloc, s.family, s.score
            from marts.synthesis_scores as s
            inner join marts.bloc_member_years as m
                on m.iso3 = s.entity_code and m.year = s.year
            where s.entity_type = 'country'
        ),
        hardware as (
            select c.approach, c.year, m.bloc
            from marts.capability_countries as c
            inner join marts.bloc_member_years as m
                on m.iso3 = c.country_iso3 and m.year = c.year
            where c.within_reach
        ),
        covered as (
            select approach, year, bloc from members
            where score >= ? and family in ('publications', 'patents', 'workforce', 'composite')
            union
            select approach, year, bloc from hardware
            union
            select 'all', year, bloc from hardware
        )
        select count(*), count(*) filter (where f.gap = (c.bloc is not null)),
            count(*) filter (where f.gap and f.families_within_reach <> '')
        from marts.frontier_blocs as f
        left join covered as c using (approach, year, bloc)
        """,
        [reach],
    ).fetchone()
    # some gaps have a member within reach in funding or supply chain alone
    assert disagreements[0] > 100 and disagreements[1] == 0 and disagreements[2] > 0
    # a bloc none of whose members has data in an approach and year is a gap, not left out
    unranked = db.execute(
        "select count(*), count(*) filter (where not gap or best_member_iso3 is not null) "
        "from marts.frontier_blocs where members_with_data = 0"
    ).fetchone()
    assert unranked[0] > 0 and unranked[1] == 0
    focus = db.execute(
        "select distinct bloc from marts.frontier_blocs where is_focus_bloc"
    ).fetchall()
    assert focus == [("NATO",)]


def test_frontier_leader_and_concentration(db: duckdb.DuckDBPyConnection) -> None:
    rows = db.execute(
        "select count(*), count(*) filter (where leader_runner_up_ratio < 1 - 1e-9), "
        "count(*) filter (where family in ('publications', 'patents') "
        "and top10_institutions_in_leader is null) from marts.frontier"
    ).fetchone()
    assert rows[0] > 1000 and rows[1] == 0 and rows[2] == 0


def test_run_records_its_synthesis_settings(db: duckdb.DuckDBPyConnection) -> None:
    recorded = json.loads(
        db.execute("select synthesis from meta.runs order by published_at desc limit 1").fetchone()[
            0
        ]
    )
    settings = yaml.safe_load(SETTINGS_FILE.read_text())
    assert recorded["weights"] == {k: float(v) for k, v in settings["weights"].items()}
    assert recorded["normalisation"] == "ratio-to-leading-country"
    assert recorded["config_sha256"] == hashlib.sha256(SETTINGS_FILE.read_bytes()).hexdigest()
    published = dict(db.execute("select family, weight from marts.synthesis_weights").fetchall())
    assert published == recorded["weights"]


def test_new_weights_in_a_settings_file_change_the_composite(
    sample: tuple[Path, str], tmp_path: Path
) -> None:
    # a copy of the sample's working database, re-scored with publications alone
    state = tmp_path / "state"
    (state / "work").mkdir(parents=True)
    shutil.copy(sample[0] / "state" / "work" / "qcm.duckdb", state / "work" / "qcm.duckdb")
    settings = yaml.safe_load(SETTINGS_FILE.read_text())
    settings["weights"] = dict.fromkeys(settings["weights"], 0) | {"publications": 1}
    settings["bootstrap"]["replicates"] = 20
    config = tmp_path / "publications_only.yml"
    config.write_text(yaml.safe_dump(settings))
    resource = QcmResource(
        as_of=os.environ["QCM_AS_OF"],  # the session's day (tests/conftest.py)
        out_dir=str(tmp_path / "out"),
        state_dir=str(state),
        synthesis_config=str(config),
    )
    result = dg.materialize([synthesis_settings, synthesis_scores], resources={"qcm": resource})
    assert result.success
    con = duckdb.connect(str(state / "work" / "qcm.duckdb"), read_only=True)
    try:
        differing = con.execute(
            """
            select count(*), count(*) filter (where abs(c.value - p.score) > 1e-12)
            from indicators.synthesis_scores as c
            inner join indicators.synthesis_scores as p
                using (entity_type, entity_code, approach, year)
            where c.family = 'composite' and p.family = 'publications'
            """
        ).fetchone()
        replicates = con.execute(
            "select value from ref.synthesis_settings where key = 'replicates'"
        ).fetchone()
    finally:
        con.close()
    assert differing[0] > 1000 and differing[1] == 0
    assert replicates == ("20",)


def test_an_unknown_focus_bloc_stops_the_run(sample: tuple[Path, str], tmp_path: Path) -> None:
    state = tmp_path / "state"
    (state / "work").mkdir(parents=True)
    shutil.copy(sample[0] / "state" / "work" / "qcm.duckdb", state / "work" / "qcm.duckdb")
    config = tmp_path / "bad.yml"
    config.write_text(SETTINGS_FILE.read_text().replace("focus_bloc: NATO", "focus_bloc: NAT0"))
    resource = QcmResource(
        out_dir=str(tmp_path / "out"), state_dir=str(state), synthesis_config=str(config)
    )
    with pytest.raises(dg.Failure, match=r"focus_bloc 'NAT0' is not a bloc of ref\.blocs"):
        dg.materialize([synthesis_settings], resources={"qcm": resource})


def test_every_record_counts_the_countries_it_credits(sample: tuple[Path, str]) -> None:
    # the synthesis collapses records crediting one country in SQL on record_credits
    working = duckdb.connect(str(sample[0] / "state" / "work" / "qcm.duckdb"), read_only=True)
    try:
        wrong = working.execute(
            """
            select family, approach, year, record_id, count(*), list(record_credits)
            from core.synthesis_records
            group by family, approach, year, record_id
            having count(*) <> min(record_credits) or min(record_credits) <> max(record_credits)
            limit 5
            """
        ).fetchall()
        kinds = working.execute(
            f"select family, max(record_credits) > 1 from {RECORDS} group by 1"
        ).fetchall()
    finally:
        working.close()
    assert wrong == []
    assert dict(kinds) == {
        "publications": True,
        "patents": True,
        "funding": True,
        "workforce": False,
        "supply_chain": False,
    }


def _rescore(state: Path, config: Path) -> dict:
    """Materialise the synthesis settings and scores on the working state in ``state``;
    the scores asset's metadata."""
    resource = QcmResource(
        as_of=os.environ["QCM_AS_OF"],  # the session's day (tests/conftest.py)
        out_dir=str(state.with_name("out")),
        state_dir=str(state),
        synthesis_config=str(config),
    )
    result = dg.materialize([synthesis_settings, synthesis_scores], resources={"qcm": resource})
    assert result.success
    [materialization] = result.asset_materializations_for_node("indicators__synthesis_scores")
    return {k: v.value for k, v in materialization.metadata.items()}


SCORED = ("indicators.synthesis_scores", "indicators.synthesis_sensitivity")


def _differing_rows(first: Path, second: Path) -> dict[str, int]:
    """Rows of each scored table found in only one of two working states (exact values)."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{first / 'work' / 'qcm.duckdb'}' as a (read_only)")
        con.execute(f"attach '{second / 'work' / 'qcm.duckdb'}' as b (read_only)")
        return {
            table: con.execute(
                f"select count(*) from ((from a.{table} except all from b.{table}) "
                f"union all (from b.{table} except all from a.{table}))"
            ).fetchone()[0]
            for table in SCORED
        }
    finally:
        con.close()


def test_a_rescore_resamples_only_changed_groups_and_equals_a_fresh_one(
    sample: tuple[Path, str], tmp_path: Path
) -> None:
    state = tmp_path / "state"
    (state / "work").mkdir(parents=True)
    working = state / "work" / "qcm.duckdb"
    shutil.copy(sample[0] / "state" / "work" / "qcm.duckdb", working)
    settings = yaml.safe_load(SETTINGS_FILE.read_text())
    settings["bootstrap"]["replicates"] = 20  # other settings than the sample's: none kept
    config = tmp_path / "twenty.yml"
    config.write_text(yaml.safe_dump(settings))
    first = _rescore(state, config)
    assert first["groups_kept"] == 0 and first["groups_resampled"] > 1000
    once = tmp_path / "once"
    shutil.copytree(state, once)

    # the same records, settings and code again: the scores kept whole
    again = _rescore(state, config)
    assert again == {"rows": first["rows"], "kept": True}
    assert _differing_rows(state, once) == dict.fromkeys(SCORED, 0)
    # computed again (their signatures dropped): every group kept, the same scores to the
    # last bit
    with duckdb.connect(str(working)) as con:
        lineage.unsign(con, SCORES_WRITTEN)
    again = _rescore(state, config)
    assert (again["groups_resampled"], again["groups_kept"]) == (0, first["groups_resampled"])
    assert _differing_rows(state, once) == dict.fromkeys(SCORED, 0)

    # half the works of a year go and a year of researchers: only their groups change (the
    # records rewritten here as a build would: their build's record dropped first)
    con = duckdb.connect(str(working))
    try:
        for table in ("core.synthesis_records", "core.synthesis_workforce_records"):
            con.execute(f"delete from {lineage.BUILT} where table_name = ?", [table])
        year = con.execute(
            "select max(year) from core.synthesis_records where family = 'publications'"
        ).fetchone()[0]
        con.execute(
            "delete from core.synthesis_records where family = 'publications' "
            "and year = ? and hash(record_id) % 2 = 0",
            [year],
        )
        con.execute("delete from core.synthesis_workforce_records where year = ?", [year])
        # one more researcher in a row of the year before: the same names, another count
        con.execute(
            "update core.synthesis_workforce_records set records = records + 1 where (approach, "
            "year, record_id) in (select approach, year, min(record_id) from "
            "core.synthesis_workforce_records where year = ? group by all order by all limit 1)",
            [year - 1],
        )
        changed, groups = con.execute(
            "select count(distinct (approach)) filter (where family = 'publications' "
            f"and year = ?), count(distinct (family, approach, year)) from {RECORDS}",
            [year],
        ).fetchone()
    finally:
        con.close()
    assert changed > 3
    third = _rescore(state, config)
    assert (third["groups_resampled"], third["groups_kept"]) == (changed + 1, groups - changed - 1)

    # and the scores are those of resampling every group of the same records
    fresh = tmp_path / "fresh"
    shutil.copytree(state, fresh)
    with duckdb.connect(str(fresh / "work" / "qcm.duckdb")) as con:
        con.execute("drop table core.synthesis_group_values")
        lineage.unsign(con, SCORES_WRITTEN)
    assert _rescore(fresh, config)["groups_kept"] == 0
    assert _differing_rows(state, fresh) == dict.fromkeys(SCORED, 0)
    assert _differing_rows(state, once) != dict.fromkeys(SCORED, 0)
