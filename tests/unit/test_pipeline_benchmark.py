"""The benchmark sums each step of a run into the right stage of the works' pipeline,
reports each stage against the floors and as a rate, finds each stage's peak memory among
the samples taken while its steps ran, and the cores it kept busy, says how each step made
its table, and names the steps that ran out of DuckDB's memory."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.pipeline_benchmark import (
    STAGES,
    _cached,
    _processor_seconds,
    _resident_bytes,
    generator_digest,
    memory_figures,
    out_of_memory,
    stage_cores,
    stage_peaks,
    stage_rates,
    stage_table,
    step_peaks,
    tables_made,
    works_lineage,
)

pytestmark = pytest.mark.unit


def test_steps_are_summed_into_the_stages_of_the_goal_and_the_rest_beside_them() -> None:
    lineage = works_lineage()
    steps = {
        "raw__openalex": 60.0,
        "core__work_approaches": 15.0,
        "staging__works": 3.0,
        "indicators__workforce_flows": 16.0,
        "marts__publication_indicators": 2.25,
        "raw__openalex_contracts": 0.25,
        "published": 8.0,
        "site": 21.0,
        "indicators__synthesis_scores": 44.0,
        "indicators__synthesis_scores_contracts": 1.5,
        "marts__frontier": 0.5,
        "marts__work_approaches": 0.75,
        "raw__patents": 4.0,
        # another source's asset and checks, whose names begin as the works' asset's do
        "raw__openalex_authors": 3.0,
        "raw__openalex_authors_contracts": 1.0,
    }
    # an SQL table's check runs in its asset's step: its seconds count as checks; another
    # source's checks stay with the other sources
    # and so does the composite's: its checks are the composite's, not the works' pipeline's
    checked = {
        "marts__publication_indicators": 0.25,
        "raw__patents": 0.5,
        "marts__frontier": 0.25,
    }
    stages = stage_table(steps, lineage, checked)
    assert stages == {
        "ingest": 60.0,
        "classification": 15.0,  # the classification's table, not the mart of it
        "core tables": 3.0,
        "indicators": 16.0,
        "marts and meta": 2.75,
        "contract checks": 0.5,  # 0.25 in the SQL table's step, 0.25 in a step of checks
        "publish": 8.0,
        "dashboards": 21.0,
        "synthesis": 46.0,  # the scores, their step of checks, the frontier test's mart
        "other sources": 8.0,
    }
    # the dashboards and the bootstrap are reported beside the works' pipeline, not in it
    assert "dashboards" not in STAGES and "synthesis" not in STAGES
    assert set(STAGES) <= set(stages)


def test_each_stage_is_a_ratio_to_both_floors_and_a_rate_of_the_snapshots_works() -> None:
    stages = {"ingest": 50.0, "core tables": 20.0, "publish": 0.0}
    rates = stage_rates(stages, gzip_s=10.0, duckdb_s=12.5, works=1_000_000)
    assert rates == {
        "stage_x_gzip_floor": {"core tables": 2.0, "ingest": 5.0},
        "stage_x_duckdb_floor": {"core tables": 1.6, "ingest": 4.0},
        # a million works over 20 s and over 50 s; a stage of no time has no rate
        "stage_works_per_s": {"core tables": 50_000, "ingest": 20_000},
    }
    # a refresh or a rerun: ratios to the full build's floors, no rate of the snapshot
    assert set(stage_rates(stages, 10.0, 12.5)) == {"stage_x_gzip_floor", "stage_x_duckdb_floor"}


def test_each_stage_peaks_at_the_largest_sample_taken_while_its_steps_ran() -> None:
    lineage = works_lineage()
    spans = {
        "raw__openalex": (100.0, 160.0),
        "staging__works": (160.5, 163.0),
        "core__work_entities": (163.5, 166.0),
        "site": (170.0, 190.0),
        "published": (166.5, 166.6),  # shorter than the sampling: no sample inside
    }
    samples = [(99.0, 9), (120.0, 5), (159.0, 7), (162.0, 8), (165.0, 6), (180.0, 4)]
    by_step = step_peaks(spans, samples)
    # the sample at 99 s is before the first step; the short step has no sample
    assert by_step == {"raw__openalex": 7, "staging__works": 8, "core__work_entities": 6, "site": 4}
    assert stage_peaks(by_step, lineage) == {
        "ingest": 7,
        "core tables": 8,  # the larger of its two steps' samples
        "dashboards": 4,
    }
    # what the report says of the full build and of the refresh alike, in GB
    gigabytes = [(at, resident * 10**9) for at, resident in samples]
    assert memory_figures(spans, gigabytes, lineage) == {
        "stage_peak_rss_gb": {"core tables": 8.0, "dashboards": 4.0, "ingest": 7.0},
        "largest_step_peaks_rss_gb": {
            "staging__works": 8.0,
            "raw__openalex": 7.0,
            "core__work_entities": 6.0,
            "site": 4.0,
        },
    }


def test_each_stage_keeps_busy_the_cores_sampled_while_its_steps_ran() -> None:
    lineage = works_lineage()
    spans = {"raw__openalex": (100.0, 104.0), "site": (104.5, 106.0)}
    # (epoch seconds, processor seconds used so far), every second
    samples = [(99.0, 0.0), (100.0, 0.5), (101.0, 2.5), (102.0, 4.5), (103.0, 5.5)]
    samples += [(104.0, 7.5), (105.0, 8.0), (106.0, 9.0), (107.0, 10.0)]
    # ingest: the intervals from 100 to 104 (middles 100.5 to 103.5), 7.0 processor
    # seconds in 4 s; the dashboards: 104-105 and 105-106 (middles 104.5, the site's
    # start, and 105.5), 1.5 in 2 s; the middles of 99-100 and 106-107 fall in no step
    assert stage_cores(spans, samples, lineage) == {"dashboards": 0.75, "ingest": 1.75}
    assert stage_cores(spans, samples[:1], lineage) == {}  # one sample: no interval


def test_the_processor_time_of_a_process_is_read_from_proc() -> None:
    if not os.path.exists(f"/proc/{os.getpid()}/stat"):
        pytest.skip("no /proc on this system: the benchmark reads processor time there")
    before = _processor_seconds(os.getpid())
    deadline = time.process_time() + 0.3
    while time.process_time() < deadline:  # spend 0.3 s of processor time
        pass
    after = _processor_seconds(os.getpid())
    assert before is not None and after is not None
    assert 0.2 <= after - before <= 1.0  # clock ticks are coarse (1/100 s)
    # a child's time counts while it runs (here: 0.5 s spent, then waiting to be told)
    script = (
        "import sys, time\n"
        "end = time.process_time() + 0.5\n"
        "while time.process_time() < end: pass\n"
        "print('spent', flush=True); sys.stdin.readline()"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == "spent\n"
        with_child = _processor_seconds(os.getpid())
        assert with_child is not None and with_child - after >= 0.45
    finally:
        child.communicate("\n")
    assert _processor_seconds(2**22 + 1) is None  # no such process


def test_the_resident_memory_of_a_process_includes_its_live_helpers() -> None:
    if not os.path.exists(f"/proc/{os.getpid()}/status"):
        pytest.skip("no /proc on this system: the benchmark reads resident memory there")
    alone = _resident_bytes(os.getpid())
    # a helper holding 200 MB, as the dashboards' second process holds the marts
    script = "import sys\nheld = bytearray(200 * 2**20)\nprint('held', flush=True)\n"
    script += "sys.stdin.readline()"
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == "held\n"
        with_child = _resident_bytes(os.getpid())
        assert alone is not None and with_child is not None
        assert with_child - alone >= 200 * 2**20
    finally:
        child.communicate("\n")
    assert _resident_bytes(2**22 + 1) is None  # no such process


def test_a_corpus_is_named_by_the_generator_code_and_one_of_other_code_is_deleted(
    tmp_path: Path,
) -> None:
    digest = generator_digest()
    assert len(digest) == 8 and int(digest, 16) >= 0
    written: list[Path] = []

    def write(root: Path) -> dict:
        root.mkdir()
        written.append(root)
        return {"works": 3}

    # what older code left: a corpus of another digest, one named before digests were,
    # and beside them what is not a corpus of this size (kept)
    for name in ("works-5-0123abcd", "works-5", "works-50-0123abcd", "works-5-updated"):
        (tmp_path / name).mkdir()
        (tmp_path / f"{name}.json").write_text("{}", encoding="utf-8")
    root, sizes = _cached(tmp_path, "works-5", write)
    assert root == tmp_path / f"works-5-{digest}" and sizes == {"works": 3}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [
            f"works-5-{digest}",
            f"works-5-{digest}.json",
            "works-50-0123abcd",
            "works-50-0123abcd.json",
            "works-5-updated",
            "works-5-updated.json",
        ]
    )
    # written once, then reused
    assert _cached(tmp_path, "works-5", write) == (root, sizes) and written == [root]


def test_a_build_out_of_memory_is_named_in_the_report() -> None:
    output = "\n".join(
        [
            "  [core__researchers] built core.researchers (table): 10 rows",
            "  [indicators__security_counts] indicators.security_counts: DuckDB ran out of "
            "memory under its limit of 1GB: Out of Memory Error: ... Building it again in a "
            "freshly opened database",
            "  [indicators__security_counts] built indicators.security_counts (in full: no "
            "earlier build): 40 rows",
        ]
    )
    assert out_of_memory(output) == [output.splitlines()[1].strip()]
    assert out_of_memory("  [core__researchers] built core.researchers (table): 10 rows") == []


def test_a_refresh_says_which_tables_its_steps_built_in_full_brought_up_to_date_or_kept() -> None:
    output = "\n".join(
        [
            "  [raw__openalex] openalex: read 1 new or changed files, kept the rows of 8",
            "  [staging__works] built staging.works (table): 1,010,171 rows",
            "  [core__researcher_years] built core.researcher_years (table): 4,521,745 rows",
            "  [marts__publications_long] built marts.publications_long (view): 169,124 rows",
            "  [core__work_entities] built core.work_entities (by work: 60,142 of 1,010,171 "
            "works changed): 9,541,534 rows",
            "  [indicators__citation_impact] built indicators.citation_impact (by year: 60,142 "
            "of 1,010,171 works changed, in 1 of 26 years): 51,000 rows",
            "  [indicators__frontier] built indicators.frontier (in full: no earlier build): "
            "2,253 rows",
            "  [core__grant_approaches] built core.grant_approaches: 1,245 rows; all 532",
            "  [meta__schema_version] kept meta.schema_version: 1 rows, built before from the "
            "same SQL and inputs",
        ]
    )
    steps = {
        "raw__openalex": 7.5,
        "staging__works": 2.5,
        "core__researcher_years": 5.5,
        "marts__publications_long": 0.5,
        "core__work_entities": 0.75,
        "indicators__citation_impact": 1.25,
        "indicators__frontier": 0.25,
        "core__grant_approaches": 0.125,
        "meta__schema_version": 0.0625,
    }
    made = tables_made(output, steps)
    # the ingest makes no table of its own line; a step built "in full" by work or year
    # counts as built in full, as do views and the tables built by Python
    assert made["tables_made_s"] == {"by work or year": 2.0, "in full": 8.9, "kept": 0.1}
    assert list(made["largest_steps_in_full_s"].items()) == [
        ("core__researcher_years", 5.5),
        ("staging__works", 2.5),
        ("marts__publications_long", 0.5),
        ("indicators__frontier", 0.2),
        ("core__grant_approaches", 0.1),
    ]
