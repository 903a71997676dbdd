"""The whole-pipeline benchmark's report reads as a table: each stage's figures in its
columns, a dash for what an older report lacks, the refresh, the rerun and any step that
ran out of DuckDB's memory; a file that is no report is refused with the reason."""

import json
from pathlib import Path

import pytest

from pipelines.benchmark import show_report
from pipelines.benchmark_summary import summary

pytestmark = pytest.mark.unit


def report() -> dict:
    """A report of a million works, with figures small enough to check by eye."""
    stages = {
        "ingest": 50.0,
        "classification": 10.0,
        "core tables": 40.0,
        "indicators": 20.0,
        "marts and meta": 5.0,
        "contract checks": 15.0,
        "publish": 10.0,
        "synthesis": 25.0,
        "dashboards": 5.0,
        "other sources": 30.0,
    }
    return {
        "works_generated": 1_000_000,
        "parts": 8,
        "json_mb": 6836,
        "gzip_mb": 879,
        "author_records": 333_245,
        "memory_limit": "1GB",
        "floor_gzip_s": 10.0,
        "floor_duckdb_s": 12.5,
        "ingest_mb_per_s": 136.7,
        "stages_s": stages,
        "stage_x_gzip_floor": {k: v / 10.0 for k, v in stages.items()},
        "stage_x_duckdb_floor": {k: v / 12.5 for k, v in stages.items()},
        "stage_works_per_s": {k: round(1_000_000 / v) for k, v in stages.items()},
        "stage_peak_rss_gb": {"ingest": 1.58},
        "stage_cores_busy": {"ingest": 1.9},
        "works_pipeline_s": 150.0,
        "works_pipeline_x_gzip_floor": 15.0,
        "works_pipeline_x_duckdb_floor": 12.0,
        "works_per_s": 6667,
        "steps": 187,
        "run_s": 210.0,
        "peak_rss_gb": 1.74,
        "cpu_s": 357.0,
        "cores_busy": 1.7,
        "dagster_floor_s": 5.25,
        "dagster_share_of_run": 0.025,
        "out_of_memory": [],
        "refresh": {
            "of_year": 2025,
            "new_works": 63_277,
            "stages_s": {"ingest": 7.5, "core tables": 22.5},
            "works_pipeline_s": 70.0,
            "run_s": 84.0,
            "run_share_of_full": 0.4,
            "process_share_of_full": 0.42,
            "works_pipeline_share_of_full": 0.467,
            "peak_rss_gb": 1.62,
            "tables_kept": 78,
            "out_of_memory": ["[indicators__security_counts] ran out of memory; again"],
        },
        "rerun": {
            "stages_s": {"ingest": 0.1},
            "works_pipeline_s": 6.4,
            "run_s": 12.6,
            "run_share_of_full": 0.06,
            "peak_rss_gb": 0.77,
            "tables_kept": 132,
            "out_of_memory": [],
        },
    }


def row(text: str, name: str) -> list[str]:
    """The cells of the table's row for ``name``."""
    line = next(line for line in text.splitlines() if line.startswith(name))
    return line[len(name) :].split()


def test_each_stage_has_its_figures_in_its_columns_and_a_dash_where_none_was_measured() -> None:
    text = summary(report())
    assert row(text, "stage") == [
        "seconds", "x", "gzip", "x", "DuckDB", "works/s", "peak", "GB", "cores", "refresh",
        "s", "rerun", "s",
    ]  # fmt: skip
    # 50 s: 5x the 10 s floor, 4x the 12.5 s one, 20,000 of the million works a second
    assert row(text, "ingest") == ["50.0", "5.00", "4.00", "20,000", "1.58", "1.90", "7.5", "0.1"]
    # no peak or cores for the core tables, and they did not run in the rerun
    assert row(text, "core tables") == ["40.0", "4.00", "3.20", "25,000", "-", "-", "22.5", "-"]
    assert row(text, "works' pipeline") == ["150.0", "15.00", "12.00", "6,667", "70.0", "6.4"]
    assert text.index("publish") < text.index("works' pipeline") < text.index("synthesis")


def test_the_run_refresh_rerun_and_steps_out_of_memory_are_said_under_the_table() -> None:
    text = summary(report())
    assert "1,000,000 works in 8 parts: 6,836 MB of JSON (879 MB gzipped)" in text
    assert "run: 210.0 s in 187 steps, peak 1.74 GB" in text
    assert "Dagster's floor 5.25 s, 2.5% of the run" in text
    assert "refresh of 2025 (63,277 new works): 84.0 s, 0.4 of the run" in text
    assert "(0.420 of the command's time; works' pipeline 0.467" in text
    # a report before the command's time was reported has a dash for it
    assert "rerun with nothing new: 12.6 s, 0.06 of the run (- of the command's time)" in text
    assert "out of DuckDB's memory, built again: [indicators__security_counts]" in text
    quiet = report()
    quiet["refresh"]["out_of_memory"] = []
    assert summary(quiet).endswith("no step ran out of DuckDB's memory")


def test_the_day_each_build_was_as_of_is_said_when_the_report_has_it() -> None:
    dated = report()  # the report above, of qcm before 0.9.1, has no days
    dated["as_of"] = "2026-12-06"
    dated["refresh"]["as_of"] = dated["rerun"]["as_of"] = "2026-12-07"
    text = summary(dated)
    assert "run, as of 2026-12-06: 210.0 s in 187 steps" in text
    assert "refresh of 2025 (63,277 new works, as of 2026-12-07): 84.0 s" in text
    assert "rerun with nothing new, as of 2026-12-07: 12.6 s" in text


def test_a_report_older_than_the_stage_rates_still_reads() -> None:
    older = report()
    for key in ("stage_x_gzip_floor", "stage_x_duckdb_floor", "stage_works_per_s"):
        del older[key]
    assert row(summary(older), "ingest") == ["50.0", "-", "-", "-", "1.58", "1.90", "7.5", "0.1"]


def test_a_report_older_than_the_processor_time_still_reads() -> None:
    older = report()
    for key in ("cpu_s", "cores_busy", "stage_cores_busy"):
        del older[key]
    text = summary(older)
    assert "peak 1.74 GB, - s of processor (- cores)" in text
    assert row(text, "ingest")[5] == "-"


def test_a_saved_report_is_shown_and_a_file_that_is_none_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "report-1000000.json"
    saved.write_text(json.dumps(report()), encoding="utf-8")
    assert show_report(saved) == 0
    assert row(capsys.readouterr().out, "publish")[0] == "10.0"
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"works": 3}), encoding="utf-8")
    assert show_report(other) == 2
    assert "cannot be read as a report" in capsys.readouterr().err
    assert show_report(tmp_path / "absent.json") == 2
    assert "absent.json" in capsys.readouterr().err
    # a figure of the wrong kind is refused with the reason, not a traceback
    for field, value in (("stages_s", []), ("refresh", ["run_s"])):
        broken = report()
        broken[field] = value
        saved.write_text(json.dumps(broken), encoding="utf-8")
        assert show_report(saved) == 2
        assert "cannot be read as a report" in capsys.readouterr().err
