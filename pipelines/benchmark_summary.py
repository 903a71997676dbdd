"""The end-to-end benchmark's report (``pipeline_benchmark.run``) as a table to read.

``summary(report)`` takes the report's dict and returns plain text: one line per stage
(its seconds, its ratios to the two floors, the snapshot's works per second through it,
its peak memory, the cores it kept busy, and its seconds in the refresh and the rerun),
the works' pipeline as a whole, then the whole run, the refresh, the rerun and any step
that ran out of DuckDB's memory. The JSON stays the record; this is what a person reads.
"""

from __future__ import annotations

from pipelines.pipeline_benchmark import STAGES

# beside the works' pipeline: the composite's bootstrap, the dashboards, the rest
OTHER_STAGES = ("synthesis", "dashboards", "other sources")
# the table's columns after the stage's name, with their widths
COLUMNS = (
    ("seconds", 9),
    ("x gzip", 8),
    ("x DuckDB", 10),
    ("works/s", 10),
    ("peak GB", 9),
    ("cores", 7),
    ("refresh s", 11),
    ("rerun s", 9),
)


def _number(value: float | None, digits: int) -> str:
    """``value`` with ``digits`` decimals and thousands separated, or a dash if absent."""
    return "-" if value is None else f"{value:,.{digits}f}"


def _line(name: str, cells: tuple[str, ...]) -> str:
    """A row of the table: ``name``, then ``cells`` right-aligned in ``COLUMNS``."""
    widths = (width for _, width in COLUMNS)
    return f"{name:<22}" + "".join(
        f"{cell:>{width}}" for cell, width in zip(cells, widths, strict=True)
    )


def _stage_line(report: dict, stage: str) -> str:
    """The row of ``stage``: its figures in the full build, then its seconds in the
    refresh and the rerun (a dash where the report has none)."""
    return _line(
        stage,
        (
            _number(report["stages_s"].get(stage), 1),
            _number(report.get("stage_x_gzip_floor", {}).get(stage), 2),
            _number(report.get("stage_x_duckdb_floor", {}).get(stage), 2),
            _number(report.get("stage_works_per_s", {}).get(stage), 0),
            _number(report.get("stage_peak_rss_gb", {}).get(stage), 2),
            _number(report.get("stage_cores_busy", {}).get(stage), 2),
            _number((report.get("refresh") or {}).get("stages_s", {}).get(stage), 1),
            _number((report.get("rerun") or {}).get("stages_s", {}).get(stage), 1),
        ),
    )


def summary(report: dict) -> str:
    """The benchmark's ``report`` as lines of text (see the module's docstring)."""
    pipeline = _line(
        "works' pipeline",
        (
            _number(report["works_pipeline_s"], 1),
            _number(report["works_pipeline_x_gzip_floor"], 2),
            _number(report["works_pipeline_x_duckdb_floor"], 2),
            _number(report["works_per_s"], 0),
            "",
            "",
            _number((report.get("refresh") or {}).get("works_pipeline_s"), 1),
            _number((report.get("rerun") or {}).get("works_pipeline_s"), 1),
        ),
    )
    cpu = report.get("cpu_s")  # reports before e42b634 have no processor time
    cores = report.get("cores_busy")
    lines = [
        f"{report['works_generated']:,} works in {report['parts']} "
        f"part{'' if report['parts'] == 1 else 's'}: "
        f"{report['json_mb']:,} MB of JSON ({report['gzip_mb']:,} MB gzipped), "
        f"{report['author_records']:,} author records; DuckDB limited to "
        f"{report['memory_limit']}",
        f"floors: two gzip -dc {report['floor_gzip_s']:.1f} s, DuckDB alone "
        f"{report['floor_duckdb_s']:.1f} s; ingest {report['ingest_mb_per_s']} MB/s of JSON",
        "",
        _line("stage", tuple(name for name, _ in COLUMNS)),
        *(_stage_line(report, stage) for stage in STAGES),
        pipeline,
        *(_stage_line(report, stage) for stage in OTHER_STAGES if stage in report["stages_s"]),
        "",
        f"run{_as_of(report)}: {report['run_s']:,.1f} s in {report['steps']} steps, peak "
        f"{report['peak_rss_gb']} GB, {_number(cpu, 1)} s of processor "
        f"({_number(cores, 2)} cores); Dagster's floor {report['dagster_floor_s']} s, "
        f"{report['dagster_share_of_run']:.1%} of the run",
    ]
    if report.get("refresh"):
        refresh = report["refresh"]
        lines.append(
            f"refresh of {refresh['of_year']} ({refresh['new_works']:,} new works"
            f"{_as_of(refresh)}): "
            f"{refresh['run_s']:,.1f} s, {refresh['run_share_of_full']} of the run "
            f"({_number(refresh.get('process_share_of_full'), 3)} of the command's time; "
            f"works' pipeline {refresh['works_pipeline_share_of_full']} of the full "
            f"build's); peak {refresh['peak_rss_gb']} GB; {refresh['tables_kept']} tables "
            "kept"
        )
    if report.get("rerun"):
        rerun = report["rerun"]
        lines.append(
            f"rerun with nothing new{_as_of(rerun)}: {rerun['run_s']:,.1f} s, "
            f"{rerun['run_share_of_full']} "
            f"of the run ({_number(rerun.get('process_share_of_full'), 3)} of the command's "
            f"time); peak {rerun['peak_rss_gb']} GB; {rerun['tables_kept']} tables kept"
        )
    failed = [
        line
        for build in (report, (report.get("refresh") or {}), (report.get("rerun") or {}))
        for line in build.get("out_of_memory", [])
    ]
    lines.append(
        "out of DuckDB's memory, built again: " + "; ".join(failed)
        if failed
        else "no step ran out of DuckDB's memory"
    )
    return "\n".join(lines)


def _as_of(build: dict) -> str:
    """``, as of <day>`` for a build whose report says which day it was as of; nothing for
    reports of qcm before 0.9.1, which do not."""
    return f", as of {build['as_of']}" if build.get("as_of") else ""
