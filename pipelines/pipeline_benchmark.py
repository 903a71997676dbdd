"""The end-to-end benchmark: a whole ``qcm build`` on a generated OpenAlex snapshot.

``run(works, folder, memory_limit)`` writes (or reuses, when the generator's code is the
same) a synthetic snapshot of ``works`` works and the records of their authors
(``pipelines.bench_corpus``), then
measures in one run, on this machine:

- floor 1: decompressing every part, two ``gzip -dc`` processes in parallel (2 cores);
- floor 2: DuckDB alone reading every part with the reader's explicit columns;
- the pipeline: ``qcm build --source-dir openalex=<snapshot> --source-dir
  openalex_authors=<author records>`` in its own process, under ``QCM_MEMORY_LIMIT``
  (DuckDB spills beyond it) and none of the user's other ``QCM_`` settings, with its peak
  memory (its process and its helper processes together);
- per stage, from the run's Dagster event log: every step's wall time, summed into the
  stages of the works' lineage (ingest, classification, core tables, indicators,
  marts and meta, contract checks, publish), the composite's bootstrap (synthesis), the
  dashboards, the rest of the build (the author records' ingest and the other sources'
  embedded samples) and Dagster's time between steps;
- Dagster's own time for as many steps, measured by a job of steps that do nothing but
  what Dagster does in each of ours (``pipelines.dagster_floor``), as a share of the run;
- per stage, its peak memory: the largest of the build's resident memory samples (every
  ``RSS_EVERY_S`` seconds) taken while its steps ran; and the ``TOP_STEPS`` steps of the
  largest peaks, with theirs;
- the processor time the build used (``cpu_s``, its helper processes included) and how
  many of the cores it kept busy (``cores_busy``), in all and per stage
  (``stage_cores_busy``, from its processor time sampled with its memory): what a stage
  leaves idle;
- a refresh: the snapshot updated with a new part of one year's new works, built over the
  full build's working state (which reads only the new part and classifies only its
  texts) as of the next day, as a daily schedule's would be (``pipelines.as_of``: what
  reads the whole date is built again), with its stages and its shares of the full
  build's works' pipeline and run (the author records as they were: their parse is
  reused);
- a rerun: the same build again with nothing new, which keeps every table whose inputs
  did not change and reports their checks' passes again (``pipelines.lineage``), and
  keeps the dashboards (``dashboards.site_key``).

Each stage is reported as a ratio to both floors and, in the full build, as records (the
snapshot's works) per second (``stage_rates``); the works' pipeline as a whole too, so runs
on noisy machines stay comparable. Nothing here runs in the test suite.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import duckdb

from assets.bibliometric.duckdb_parse import WORK_COLUMNS
from pipelines import bench_corpus, dagster_floor
from pipelines.as_of import latest_year
from pipelines.bench_corpus import OUTSIDE_SLICE, write_authors, write_corpus, write_update
from pipelines.db import OUT_OF_MEMORY, connect_working

REPO_ROOT = Path(__file__).resolve().parent.parent
RUN_EVENTS = ("PIPELINE_START", "RUN_START", "PIPELINE_SUCCESS", "RUN_SUCCESS")
# the stages of the goal: the works from raw files to the published file
STAGES = (
    "ingest",
    "classification",
    "core tables",
    "indicators",
    "marts and meta",
    "contract checks",
    "publish",
)
# reported beside them: the composite's bootstrap, the dashboards (rendered from the
# published marts), and the rest of the build (the author records' ingest and the other
# sources' embedded samples)


def generator_digest() -> str:
    """The first 8 hex digits of the SHA-256 of the corpus generator's code
    (``pipelines/bench_corpus.py``): a corpus is named by the code that wrote it."""
    return hashlib.sha256(Path(bench_corpus.__file__).read_bytes()).hexdigest()[:8]


def _cached(folder: Path, stem: str, write: Callable[[Path], dict]) -> tuple[Path, dict]:
    """The folder ``<stem>-<generator_digest>`` under ``folder`` and its sizes (the file
    beside it, ``.json``), written by ``write`` unless already whole. A folder of the same
    stem written by other generator code (or named before digests were) is deleted: its
    files are not what this code writes."""
    name = f"{stem}-{generator_digest()}"
    root = folder / name
    sizes_file = folder / f"{name}.json"
    if not sizes_file.is_file():
        stale = re.compile(rf"{re.escape(stem)}(-[0-9a-f]{{8}})?(\.json)?")
        for path in folder.glob(f"{stem}*"):
            if stale.fullmatch(path.name):
                print(f"deleting {path.name}: written by other corpus generator code", flush=True)
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink()
        shutil.rmtree(root, ignore_errors=True)
        sizes = write(root)
        sizes_file.write_text(json.dumps(sizes), encoding="utf-8")
    return root, json.loads(sizes_file.read_text(encoding="utf-8"))


def corpus(folder: Path, works: int, outside: float = OUTSIDE_SLICE) -> tuple[Path, dict]:
    """The snapshot of ``works`` works under ``folder`` (``_cached``)."""
    stem = f"works-{works}" if outside == OUTSIDE_SLICE else f"works-{works}-outside-{outside}"
    return _cached(folder, stem, lambda root: write_corpus(root, works, outside))


def author_records(folder: Path, works: int, corpus: Path) -> tuple[Path, dict]:
    """The records of the authors of the snapshot ``corpus`` of ``works`` works, under
    ``folder`` (``_cached``)."""
    return _cached(folder, f"authors-{works}", lambda root: write_authors(root, corpus))


def parts(root: Path) -> list[Path]:
    """Every works part of the snapshot, in name order."""
    return sorted((root / "data" / "works").glob("updated_date=*/part_*.gz"))


def gzip_floor(files: list[Path]) -> float:
    """Seconds for two ``gzip -dc`` processes to decompress ``files`` between them."""
    halves = [files[0::2], files[1::2]]
    started = time.perf_counter()
    running = [
        subprocess.Popen(["gzip", "-dc", *map(str, half)], stdout=subprocess.DEVNULL)
        for half in halves
        if half
    ]
    failed = [process.wait() != 0 for process in running]
    seconds = time.perf_counter() - started
    if any(failed):
        raise RuntimeError("gzip -dc failed on the benchmark corpus")
    return seconds


def duckdb_floor(files: list[Path], memory_limit: str) -> float:
    """Seconds for DuckDB to read every part with the reader's explicit columns."""
    typed = ", ".join(f"'{k}': '{v}'" for k, v in WORK_COLUMNS.items())
    names = ", ".join(f"'{path}'" for path in files)
    con = duckdb.connect()
    con.execute(f"set memory_limit = '{memory_limit}'")
    started = time.perf_counter()
    con.execute(
        f"select count(*), sum(len(authorships)), sum(len(topics)) from read_json([{names}], "
        f"format = 'newline_delimited', columns = {{{typed}}}, hive_partitioning = false)"
    ).fetchall()
    con.close()
    return time.perf_counter() - started


RSS_EVERY_S = 0.2  # how often the build's resident memory is sampled
TOP_STEPS = 8  # the steps of the largest peaks reported, with their peaks
# a build's log line of a table made by its step: built (in full, unless by work or by
# year) or kept, e.g. "[core__researchers] built core.researchers (table): 10 rows"
TABLE_MADE = re.compile(r"\[(\w+)\] (built|kept) [\w.]+(?: \((by work|by year):)?")
Samples = list[tuple[float, int]]  # (epoch seconds, resident bytes)
CpuSamples = list[tuple[float, float]]  # (epoch seconds, processor seconds used so far)


@dataclass(frozen=True)
class Build:
    """What ``build`` measured of one ``qcm build``: wall seconds, peak resident memory
    (bytes), processor seconds, its output, and its resident memory and processor time
    sampled every ``RSS_EVERY_S`` seconds; its helper processes (the dashboards' second
    process) are included in every figure."""

    wall: float
    peak: int
    cpu: float
    output: str
    samples: Samples
    cpu_samples: CpuSamples


def build(
    root: Path, authors: Path, scratch: Path, memory_limit: str, day: date, again: str = ""
) -> Build:
    """Run ``qcm build`` on the snapshot ``root`` and the author records ``authors`` as of
    ``day``, in a fresh ``scratch`` folder or (``again`` names the build, its log
    ``<again>.log``) over the working state the last build there left; return what was
    measured (``Build``; the
    samples from ``/proc``). The peak is the largest of the samples (the process and its
    live helpers together) and of the largest single process's own peak (``ru_maxrss``),
    which catches a peak between samples."""
    if not again:
        shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "pipelines.cli", "build", "--mode", "sample",
        "--source-dir", f"openalex={root}",
        "--source-dir", f"openalex_authors={authors}",
        "--out", str(scratch / "out"),
        "--state", str(scratch / "state"),
        "--as-of", day.isoformat(),
    ]  # fmt: skip
    # the user's own settings (QCM_MODE=live, QCM_SYNTHESIS, ...) are not the benchmark's
    env = {k: v for k, v in os.environ.items() if not k.startswith("QCM_")}
    env["QCM_MEMORY_LIMIT"] = memory_limit
    log = scratch / f"{again or 'build'}.log"
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as handle:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=handle, stderr=handle)
        samples: Samples = []
        cpu_samples: CpuSamples = []
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            now = time.time()
            resident = _resident_bytes(process.pid)
            if resident is not None:
                samples.append((now, resident))
            used = _processor_seconds(process.pid)
            if used is not None:
                cpu_samples.append((now, used))
            time.sleep(RSS_EVERY_S)
    seconds = time.perf_counter() - started
    output = log.read_text(encoding="utf-8")
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"qcm build failed on the benchmark corpus:\n{output[-3000:]}")
    cpu = usage.ru_utime + usage.ru_stime  # its own and its waited-for children's
    peak = max([usage.ru_maxrss * 1024, *(resident for _, resident in samples)])
    return Build(seconds, peak, cpu, output, samples, cpu_samples)


def _resident_bytes(pid: int) -> int | None:
    """The resident memory (VmRSS) of the process and its live descendants now, or None
    once the process is gone (a descendant gone meanwhile counts nothing)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
        children = _children(pid)
    except (FileNotFoundError, ProcessLookupError):
        return None
    own = next(
        (int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS:")),
        0,  # a process exiting has no VmRSS line
    )
    return own + sum(_resident_bytes(child) or 0 for child in children)


def _children(pid: int) -> list[int]:
    """The process ids of the live children of ``pid``, of every thread (``/proc``)."""
    return [
        int(child)
        for listing in Path(f"/proc/{pid}/task").glob("*/children")
        for child in listing.read_text(encoding="utf-8").split()
    ]


def step_spans(state: Path) -> tuple[dict[str, tuple[float, float]], float, dict[str, float]]:
    """Each step's (start, end) epoch seconds in the latest ``qcm_build`` run, the run's
    own wall seconds, and per step the seconds its checks took (the ``seconds`` metadata
    of the check results it reported; an SQL table's check runs in its asset's step)."""
    import dagster as dg

    from pipelines.dagster_storage import instance_at

    instance = instance_at(state / "dagster")
    run = instance.get_runs(dg.RunsFilter(job_name="qcm_build"), limit=1)[0]
    started: dict[str, float] = {}
    spans: dict[str, tuple[float, float]] = {}
    checked: dict[str, float] = defaultdict(float)
    run_times = []
    for entry in instance.all_logs(run.run_id):
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type_value in RUN_EVENTS:
            run_times.append(entry.timestamp)
        elif event.event_type_value == "STEP_START":
            started[event.step_key] = entry.timestamp
        elif event.event_type_value == "STEP_SUCCESS" and event.step_key in started:
            spans[event.step_key] = (started[event.step_key], entry.timestamp)
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            seconds = event.event_specific_data.metadata.get("seconds")
            if seconds is not None:
                checked[event.step_key] += seconds.value
    instance.dispose()
    return spans, max(run_times) - min(run_times), dict(checked)


def works_lineage() -> dict[str, str]:
    """Step key -> stage for every asset fed by the OpenAlex works, and for every step of
    checks on those assets: ``contract checks`` when all its assets are of the works'
    pipeline (``STAGES``), else their stage (the composite's checks are the composite's)."""
    import dagster as dg

    from pipelines.definitions import build_definitions

    definitions = build_definitions()
    graph = definitions.resolve_asset_graph()
    start = ("raw", "openalex")
    seen, todo = set(), [dg.AssetKey(list(start))]
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        todo.extend(graph.get(key).child_keys)
    stages: dict[str, str] = {}
    staged: dict[dg.AssetKey, str] = {}
    for key in seen:
        path = key.path
        step = "__".join(path)
        if tuple(path) == start:
            stage = "ingest"
        elif "synthesis" in path[-1] or (path[0] == "marts" and path[-1].startswith("frontier")):
            stage = "synthesis"  # the composite, and the frontier test read from it
        elif path == ["core", "work_approaches"]:
            stage = "classification"
        elif path[0] in ("staging", "core"):
            stage = "core tables"
        elif path[0] == "indicators":
            stage = "indicators"
        elif path[0] in ("marts", "meta"):
            stage = "marts and meta"
        elif path == ["site"]:
            stage = "dashboards"
        elif path[0] == "published" or path[-1] in ("published", "parquet"):
            stage = "publish"
        else:
            continue
        stages[step] = staged[key] = stage
    for checks in definitions.asset_checks or []:
        checked = {check.asset_key for check in checks.check_keys}
        if checked <= staged.keys():
            of = {staged[key] for key in checked}
            stage = "contract checks" if of <= set(STAGES) else " and ".join(sorted(of))
            stages[checks.node_def.name] = stage
    return stages


def stage_of(step: str, lineage: dict[str, str]) -> str:
    """The stage of a step: its place in the works' lineage (``works_lineage``: an asset
    or a step of checks on them), or the rest of the build (the other sources)."""
    return lineage.get(step, "other sources")


def stage_table(
    steps: dict[str, float], lineage: dict[str, str], checked: dict[str, float]
) -> dict[str, float]:
    """Seconds per stage (``stage_of``) of every step; the seconds a step spent on checks
    (``checked``, by step) count as contract checks when the step is of the works'
    pipeline (``STAGES``: an SQL table's check runs in its asset's step; the composite's
    tables' checks stay the composite's)."""
    totals: dict[str, float] = defaultdict(float)
    for step, seconds in steps.items():
        stage = stage_of(step, lineage)
        moved = checked.get(step, 0.0) if stage in STAGES else 0.0
        totals[stage] += seconds - moved
        if moved:
            totals["contract checks"] += moved
    return dict(totals)


def stage_rates(
    stages: dict[str, float], gzip_s: float, duckdb_s: float, works: int | None = None
) -> dict[str, dict[str, float]]:
    """Each stage's seconds (``stages``) as ratios to the two floors of the same run
    (``stage_x_gzip_floor``, ``stage_x_duckdb_floor``) and, given the snapshot's
    ``works``, as its records per second (``stage_works_per_s``: the snapshot's works over
    the stage's seconds, so stages compare on one count). A stage that took no time is
    left out: it has no rate."""
    timed = {stage: seconds for stage, seconds in sorted(stages.items()) if seconds > 0}
    rates = {
        "stage_x_gzip_floor": {k: round(v / gzip_s, 2) for k, v in timed.items()},
        "stage_x_duckdb_floor": {k: round(v / duckdb_s, 2) for k, v in timed.items()},
    }
    if works is not None:
        rates["stage_works_per_s"] = {k: round(works / v) for k, v in timed.items()}
    return rates


def _processor_seconds(pid: int) -> float | None:
    """The processor seconds the process and its descendants have used so far, user and
    system: its own, its waited-for children's and its live descendants' (``/proc``; a
    helper's time is counted while it runs, not only once it is waited for), or None
    once it is gone."""
    ticks = _process_ticks(pid)
    return None if ticks is None else ticks / os.sysconf("SC_CLK_TCK")


def _process_ticks(pid: int) -> int | None:
    """Clock ticks of ``pid`` and its live descendants (``_processor_seconds``)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
        children = _children(pid)
    except (FileNotFoundError, ProcessLookupError):
        return None
    # after the command name in parentheses: state is field 3, utime ... cstime 14 to 17
    own = sum(int(tick) for tick in stat.rsplit(")", 1)[1].split()[11:15])
    return own + sum(_process_ticks(child) or 0 for child in children)


def stage_cores(
    spans: dict[str, tuple[float, float]], cpu_samples: CpuSamples, lineage: dict[str, str]
) -> dict[str, float]:
    """How many cores each stage kept busy: the processor seconds used between
    consecutive samples, over those samples' wall seconds, summed for the intervals whose
    middle falls in one of the stage's steps (the steps run one at a time). A step counts
    whole in its stage: a SQL table's contract check, which runs in its step, counts here
    with the table's stage, not with the contract checks."""
    used: dict[str, float] = defaultdict(float)
    wall: dict[str, float] = defaultdict(float)
    ordered = sorted((start, end, step) for step, (start, end) in spans.items())
    for (at, before), (then, after) in pairwise(cpu_samples):
        middle = (at + then) / 2
        step = next((s for start, end, s in ordered if start <= middle <= end), None)
        if step is not None:
            stage = stage_of(step, lineage)
            used[stage] += after - before
            wall[stage] += then - at
    return {stage: round(used[stage] / wall[stage], 2) for stage in sorted(wall) if wall[stage]}


def step_peaks(spans: dict[str, tuple[float, float]], samples: Samples) -> dict[str, int]:
    """The largest resident memory (bytes) sampled while each step ran; a step shorter
    than the sampling interval may have no sample and is left out."""
    peaks: dict[str, int] = {}
    for step, (start, end) in spans.items():
        inside = [resident for at, resident in samples if start <= at <= end]
        if inside:
            peaks[step] = max(inside)
    return peaks


def stage_peaks(step_peak: dict[str, int], lineage: dict[str, str]) -> dict[str, int]:
    """Each stage's largest step peak (bytes), from ``step_peaks``."""
    peaks: dict[str, int] = {}
    for step, resident in step_peak.items():
        stage = stage_of(step, lineage)
        peaks[stage] = max(peaks.get(stage, 0), resident)
    return peaks


def memory_figures(
    spans: dict[str, tuple[float, float]], samples: Samples, lineage: dict[str, str]
) -> dict[str, dict[str, float]]:
    """The report's memory figures of a build (GB): each stage's peak and the
    ``TOP_STEPS`` steps of the largest peaks, from the resident memory ``samples``."""
    by_step = step_peaks(spans, samples)
    largest = sorted(by_step.items(), key=lambda item: (-item[1], item[0]))[:TOP_STEPS]
    return {
        "stage_peak_rss_gb": {
            k: round(v / 1e9, 2) for k, v in sorted(stage_peaks(by_step, lineage).items())
        },
        "largest_step_peaks_rss_gb": {k: round(v / 1e9, 2) for k, v in largest},
    }


def process_figures(
    made: Build, spans: dict[str, tuple[float, float]], lineage: dict[str, str]
) -> dict:
    """The report's figures of a build's process: its wall and processor seconds, the
    cores it kept busy in all and per stage, and its memory figures."""
    return {
        "process_s": round(made.wall, 1),
        "cpu_s": round(made.cpu, 1),
        "cores_busy": round(made.cpu / made.wall, 2),
        "stage_cores_busy": stage_cores(spans, made.cpu_samples, lineage),
        "peak_rss_gb": round(made.peak / 1e9, 2),
        **memory_figures(spans, made.samples, lineage),
    }


def run(works: int, folder: Path, memory_limit: str) -> dict:
    """Measure the whole pipeline on ``works`` works; return every figure."""
    root, sizes = corpus(folder, works)
    authors, author_sizes = author_records(folder, works, root)
    files = parts(root)
    gzip_s = gzip_floor(files)
    duckdb_s = duckdb_floor(files, memory_limit)
    day = date.today()
    made = build(root, authors, folder / "build", memory_limit, day)
    spans, run_wall, checked = step_spans(folder / "build" / "state")
    steps = {step: end - start for step, (start, end) in spans.items()}
    lineage = works_lineage()
    stages = stage_table(steps, lineage, checked)
    pipeline = sum(stages.get(stage, 0.0) for stage in STAGES)
    dagster = run_wall - sum(steps.values())
    dagster_s = dagster_floor.floor(len(steps), folder / "dagster-floor", REPO_ROOT)
    works_line = next((line for line in made.output.splitlines() if " work records " in line), "")
    mb = sizes["json_bytes"] / 1e6
    report = {
        "works_generated": works,
        "parts": len(files),
        "json_mb": round(mb),
        "gzip_mb": round(sizes["gzip_bytes"] / 1e6),
        "author_records": author_sizes["authors"],
        "authors_gzip_mb": round(author_sizes["gzip_bytes"] / 1e6),
        "memory_limit": memory_limit,
        "as_of": day.isoformat(),
        # to the millisecond: the refresh's ratios are taken against them, and a small
        # corpus's floor is a few hundredths of a second
        "floor_gzip_s": round(gzip_s, 3),
        "floor_duckdb_s": round(duckdb_s, 3),
        "floor_mb_per_s": round(mb / gzip_s),
        "stages_s": {k: round(v, 1) for k, v in sorted(stages.items())},
        **stage_rates(stages, gzip_s, duckdb_s, works),
        "works_pipeline_s": round(pipeline, 1),
        "works_pipeline_x_gzip_floor": round(pipeline / gzip_s, 2),
        "works_pipeline_x_duckdb_floor": round(pipeline / duckdb_s, 2),
        "works_per_s": round(works / pipeline),
        "ingest_mb_per_s": round(mb / stages["ingest"], 1),
        "dagster_between_steps_s": round(dagster, 1),
        "steps": len(steps),
        "dagster_floor_s": round(dagster_s, 1),
        "dagster_share_of_run": round(dagster_s / run_wall, 3),
        "run_s": round(run_wall, 1),
        **process_figures(made, spans, lineage),
        "build_says": works_line.strip(),
        "out_of_memory": out_of_memory(made.output),
    }
    # the refresh and the rerun come the next day (but in the same year: a new year builds
    # again all that reads the year, which the full build measures)
    later = min(day + timedelta(days=1), date(day.year, 12, 31))
    updated = folder / f"works-{works}-updated"
    report["refresh"] = refresh(
        root, updated, authors, folder, works, memory_limit, report, lineage, later
    )
    # the refresh's build again, with nothing new: what it keeps
    report["rerun"] = build_again(
        updated, authors, folder, memory_limit, report, lineage, later, "rerun"
    )
    return report


def refresh(
    root: Path,
    updated: Path,
    authors: Path,
    folder: Path,
    works: int,
    memory_limit: str,
    full: dict,
    lineage: dict[str, str],
    day: date,
) -> dict:
    """Measure a refresh after the full build of ``run``: the snapshot ``root`` updated
    with a new part of one year's new works (``bench_corpus.write_update``) in ``updated``,
    built over the full build's working state as of ``day``. Returns its stages, their
    shares of the full build's works' pipeline and run, and its peak memory with the
    stages' and largest steps' peaks."""
    shutil.rmtree(updated, ignore_errors=True)
    update = write_update(updated, root, works)
    return {
        "new_works": update["works"],
        "of_year": update["year"],
        "new_part_gzip_mb": round(update["gzip_bytes"] / 1e6, 1),
        **build_again(updated, authors, folder, memory_limit, full, lineage, day, "refresh"),
    }


def build_again(
    root: Path,
    authors: Path,
    folder: Path,
    memory_limit: str,
    full: dict,
    lineage: dict[str, str],
    day: date,
    name: str,
) -> dict:
    """Build ``root`` (with the author records ``authors``) as of ``day`` over the working
    state of the last build in ``folder`` (log ``<name>.log``); its stages, their shares of the
    ``full`` build's works' pipeline and run, its peak memory with the stages' and largest
    steps' peaks, what its log says of the files read and texts classified, how many
    tables it kept and checks' passes it reported again, whether it kept the last site,
    how its steps made their tables (``tables_made``), and any step that ran out of
    DuckDB's memory."""
    made = build(root, authors, folder / "build", memory_limit, day, again=name)
    output = made.output
    spans, run_wall, checked = step_spans(folder / "build" / "state")
    steps = {step: end - start for step, (start, end) in spans.items()}
    stages = stage_table(steps, lineage, checked)
    pipeline = sum(stages.get(stage, 0.0) for stage in STAGES)
    lines = [line.strip() for line in output.splitlines()]
    says = [line for line in lines if "openalex: read" in line]
    says += [line for line in lines if "the rules run on" in line]
    return {
        "as_of": day.isoformat(),
        "tables_kept": sum("] kept " in line for line in lines),
        "checks_passed_again": sum("(unchanged since they were verified" in line for line in lines),
        "site_kept": any("site: kept the pages of run" in line for line in lines),
        "stages_s": {k: round(v, 1) for k, v in sorted(stages.items())},
        # against the full build's floors: the same run, the same files
        **stage_rates(stages, full["floor_gzip_s"], full["floor_duckdb_s"]),
        "works_pipeline_s": round(pipeline, 1),
        "works_pipeline_share_of_full": round(pipeline / full["works_pipeline_s"], 3),
        "run_s": round(run_wall, 1),
        "run_share_of_full": round(run_wall / full["run_s"], 3),
        # the command's own seconds (its start-up and its end included): what a user waits
        "process_share_of_full": round(made.wall / full["process_s"], 3),
        # the full build's Dagster floor per step, for this build's steps
        "dagster_share_of_run": round(
            full["dagster_floor_s"] / full["steps"] * len(steps) / run_wall, 3
        ),
        **process_figures(made, spans, lineage),
        "build_says": says,
        **tables_made(output, steps),
        "out_of_memory": out_of_memory(output),
    }


def tables_made(output: str, steps: dict[str, float]) -> dict[str, dict[str, float]]:
    """How a build's steps made their tables, from its ``output``: the seconds of the steps
    (``steps``, a table's contract check included) that built a table in full, brought it
    up to date by the works or years that changed, or kept it, and the ``TOP_STEPS`` steps
    built in full that took longest: what a refresh still writes whole."""
    made: dict[str, str] = {}
    for step, verb, delta in TABLE_MADE.findall(output):
        made[step] = "kept" if verb == "kept" else "by work or year" if delta else "in full"
    seconds: dict[str, float] = defaultdict(float)
    for step, how in made.items():
        seconds[how] += steps.get(step, 0.0)
    in_full = sorted(
        ((steps.get(step, 0.0), step) for step, how in made.items() if how == "in full"),
        reverse=True,
    )[:TOP_STEPS]
    return {
        "tables_made_s": {how: round(s, 1) for how, s in sorted(seconds.items())},
        "largest_steps_in_full_s": {step: round(s, 1) for s, step in in_full},
    }


def out_of_memory(output: str) -> list[str]:
    """The lines of a build's ``output`` where a table's step ran out of DuckDB's memory
    (and built the table again in a freshly opened database, or failed): none in a run
    that spilled as it should."""
    return [line.strip() for line in output.splitlines() if OUT_OF_MEMORY in line]


def snapshot_filter(works: int, folder: Path, memory_limit: str) -> dict:
    """Throughput of filtering the quantum slice out of a snapshot where it is rare.

    Writes (once) a snapshot of ``works`` works of which 99% lie outside the slice, as in
    OpenAlex's whole snapshot, and times the reader alone (``duckdb_parse.read_files``
    into a fresh database, two parts at a time) against the two-``gzip`` floor.
    """
    from assets.bibliometric.duckdb_parse import create_raw_tables, read_files
    from assets.bibliometric.parse import raw_files
    from assets.bibliometric.snapshot import quantum_slice
    from pipelines.benchmark import _codes

    root, sizes = corpus(folder, works, outside=0.99)
    files = parts(root)
    gzip_s = gzip_floor(files)
    database = folder / "snapshot-filter.duckdb"
    database.unlink(missing_ok=True)
    con = connect_working(database)  # in the working database's format, as a build writes
    try:
        con.execute(f"set memory_limit = '{memory_limit}'")
        create_raw_tables(con)
        started = time.perf_counter()
        max_year = latest_year(date.today())
        outcomes = read_files(
            con, raw_files(root), root, _codes(), max_year, "bench", quantum_slice()
        )
        seconds = time.perf_counter() - started
    finally:
        con.close()
        database.unlink(missing_ok=True)
    gigabytes = sizes["json_bytes"] / 1e9
    return {
        "works_read": works,
        "works_kept": sum(o.kept for o in outcomes),
        "json_gb": round(gigabytes, 2),
        "gzip_gb": round(sizes["gzip_bytes"] / 1e9, 2),
        "floor_gzip_s": round(gzip_s, 1),
        "filter_s": round(seconds, 1),
        "filter_x_gzip_floor": round(seconds / gzip_s, 2),
        "seconds_per_json_gb": round(seconds / gigabytes, 1),
        "json_mb_per_s": round(sizes["json_bytes"] / 1e6 / seconds),
    }
