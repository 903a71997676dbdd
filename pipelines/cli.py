"""The ``qcm`` command, for people who do not live in the Dagster UI.

``qcm build`` runs the whole asset graph on the chosen mode's data and publishes;
``qcm evaluate-classifier`` prints the keyword classifier's precision and recall on
the labelled evaluation set; ``qcm push`` copies a release's Parquet marts to object
storage.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.live_fetch import LIVE_FETCHES
from pipelines.settings import (
    MODES,
    REPO_ROOT,
    SMALL_NUMBERS,
    Settings,
    SettingsError,
    parse_source_dirs,
)

if TYPE_CHECKING:  # dagster is imported when a command needs it: --help stays fast
    from dagster import AssetCheckKey, AssetKey, DagsterInstance, Definitions, ExecutionResult

RUN_CONFIG = {"loggers": {"progress": {}}}
EXECUTORS = ("in_process", "multiprocess")
# Dagster's multiprocess executor: one process per step, one step at a time. Every step of
# the main job but the site opens the working database read-write, which one process at a
# time can do, and the pool "duckdb" of dagster.yaml keeps other runs out, not this run's
# other steps: one at a time is the executor's to keep. (When pools held steps, a second
# step in flight waited for the pool, claiming again after Dagster's backoff, and the
# sample's whole graph took 21.7 minutes with two at a time, 3.1 one at a time, 0.8 in one
# process.) A fork server with the code location and
# Great Expectations loaded starts each step in a fraction of a second instead of
# importing them afresh (about 5 s a step).
MULTIPROCESS = {
    "max_concurrent": 1,
    "start_method": {
        "forkserver": {"preload_modules": ["pipelines.build_job", "great_expectations"]}
    },
}


def prepare_dagster_home(state_dir: Path) -> Path:
    """Create ``state_dir/dagster`` holding the repo's dagster.yaml; set DAGSTER_HOME."""
    home = state_dir / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def apply_settings(args: argparse.Namespace) -> Settings:
    """Turn command-line options into ``QCM_*`` variables and validated settings."""
    if args.mode:
        os.environ["QCM_MODE"] = args.mode
    if args.source_dir:
        os.environ["QCM_SOURCE_DIRS"] = ";".join(args.source_dir)
        parse_source_dirs(os.environ["QCM_SOURCE_DIRS"])
    if args.out:
        os.environ["QCM_OUT"] = str(Path(args.out).resolve())
    if args.state:
        os.environ["QCM_STATE"] = str(Path(args.state).resolve())
    if getattr(args, "refetch", False):
        os.environ["QCM_REFETCH"] = "1"
    if getattr(args, "synthesis", None):
        os.environ["QCM_SYNTHESIS"] = str(Path(args.synthesis).resolve())
    if getattr(args, "small_numbers", None):
        os.environ["QCM_SMALL_NUMBERS"] = args.small_numbers
    if getattr(args, "as_of", None):
        os.environ["QCM_AS_OF"] = args.as_of
    return Settings.from_env()


def parse_years(text: str | None) -> list[int]:
    """``2024-2026`` or ``2025`` as a list of years; the last two years when empty.

    Raises SettingsError for anything else, or a range that runs backwards.
    """
    now = datetime.now(UTC).year
    if not text:
        return [now - 1, now]
    first, _, last = text.partition("-")
    if not (first.isdigit() and (last.isdigit() or not last)):
        raise SettingsError(f"--years {text!r} is not a year or a range such as 2024-2026")
    start, end = int(first), int(last or first)
    if start > end:
        raise SettingsError(f"--years {text!r} runs backwards")
    return list(range(start, end + 1))


def year_keys(label: str, known: Sequence[str], years: Sequence[int]) -> tuple[list[str], str]:
    """The partition keys among ``known`` (the fetch ``label``'s years, in order) of
    ``years``, and a line naming the years it has none for (empty when it has all)."""
    keys = [str(y) for y in years if str(y) in known]
    skipped = [str(y) for y in years if str(y) not in known]
    if not skipped:
        return keys, ""
    then = "fetching the others" if keys else "nothing fetched from it"
    return keys, (
        f"qcm build: {label} has no year {', '.join(skipped)} to fetch (its years run "
        f"{known[0]}-{known[-1]}); {then}"
    )


def build(args: argparse.Namespace) -> int:
    """Run the main job (after the live fetch in live mode); print a summary. Exit code.

    Holds the working state for the whole build (``pipelines.build_guard``): another build
    of the same state exits at once with code 2, and so does a build that finds a run of
    the Dagster UI or daemon using a pool of the job it is about to run.
    """
    settings = apply_settings(args)
    prepare_dagster_home(settings.state_dir)
    from pipelines import build_guard

    try:
        with build_guard.exclusive(settings.state_dir):
            return _build(args, settings)
    except build_guard.BuildBusy as err:
        print(f"qcm build: {err}", file=sys.stderr)
        return 2


def _build(args: argparse.Namespace, settings: Settings) -> int:
    """The build itself, run while holding the working state."""
    import dagster as dg

    from pipelines import db
    from pipelines.build_guard import OUT_TAG, RUN_TAGS, refuse_beside, release_dead_runs
    from pipelines.definitions import build_definitions

    defs = build_definitions()  # after the settings above: the resource reads them now

    started = time.monotonic()
    kind = settings.dataset_kind("openalex")
    print(f"qcm build: mode {settings.mode} ({kind}); working state {settings.state_dir}")
    older = db.older_storage(settings.working_db)
    if older is not None:
        print(
            f"qcm build: the working database {settings.working_db} is in DuckDB's storage "
            f"format {older}, begun by an earlier qcm; one begun in {db.WORKING_STORAGE} "
            "writes tables about a quarter faster; deleting it makes the next build a full "
            "one that begins it anew"
        )
    instance = dg.DagsterInstance.get()
    for run_id in release_dead_runs(instance):
        print(
            f"qcm build: run {run_id} of an earlier build never ended (the build was killed); "
            "marked failed, so that it no longer holds its concurrency pools"
        )
    if settings.mode == "live":
        for source, job, label, partitions in LIVE_FETCHES:
            if source in settings.source_dirs:
                continue
            fetch = defs.resolve_job_def(job)
            if fetch.partitions_def is None:  # one unpartitioned run
                keys: list[str | None] = [None]
            elif partitions == "years":
                known = fetch.partitions_def.get_partition_keys()
                keys, note = year_keys(label, known, parse_years(args.years))
                if note:
                    print(note)
            else:
                keys = fetch.partitions_def.get_partition_keys()
            for key in keys:
                stage = label if key is None else f"{label} {key}"
                refuse_beside(instance, fetch.graph.pools)
                print(f"stage: fetch {stage}")
                result = fetch.execute_in_process(
                    run_config=RUN_CONFIG,
                    instance=instance,
                    partition_key=key,
                    tags=RUN_TAGS,
                    raise_on_error=False,
                )
                if not result.success:
                    print(
                        f"qcm build: fetching {stage} did not finish; nothing was "
                        "published. Re-run later: the fetch resumes after its last landed page.",
                        file=sys.stderr,
                    )
                    return 1
    refuse_beside(instance, defs.resolve_job_def("qcm_build").graph.pools)
    print("stage: build, validate and publish")
    # the build's folder, for the sensor that pushes a release (push_after_build)
    result = run_main_job(
        defs, instance, args.executor, RUN_TAGS | {OUT_TAG: str(settings.out_dir)}
    )
    if not result.success:
        print(
            "qcm build: FAILED (see the messages above). Steps after the failure did not run: "
            "the database is published only once every check passed, the site after it.",
            file=sys.stderr,
        )
        return 1
    print_summary(settings, time.monotonic() - started)
    return 0


def run_main_job(
    defs: Definitions,
    instance: DagsterInstance,
    executor: str,
    tags: dict[str, str],
    selection: tuple[set[AssetKey], set[AssetCheckKey]] | None = None,
) -> ExecutionResult:
    """Run ``qcm_build`` (or only the assets and checks of ``selection``) with ``executor``.

    ``in_process`` runs every step in this process; ``multiprocess`` runs each step in a
    process of its own, started by a fork server with the job loaded (``MULTIPROCESS``),
    which loads the job by module and name as a cluster does.
    """
    import dagster as dg

    from pipelines.build_job import qcm_build_job

    if executor == "multiprocess":
        job = dg.reconstructable(qcm_build_job)
        if selection:
            job = job.get_subset(asset_selection=selection[0], asset_check_selection=selection[1])
        return dg.execute_job(
            job,
            instance=instance,
            run_config={**RUN_CONFIG, "execution": {"config": MULTIPROCESS}},
            tags=tags,
            raise_on_error=False,
        )
    job = defs.resolve_job_def("qcm_build")
    if selection:
        job = job.get_subset(asset_selection=selection[0], asset_check_selection=selection[1])
    return job.execute_in_process(
        run_config=RUN_CONFIG, instance=instance, tags=tags, raise_on_error=False
    )


def print_summary(settings: Settings, seconds: float) -> None:
    """Print records per source, quarantine, tables published and where to look."""
    import duckdb

    con = duckdb.connect(str(settings.published_db), read_only=True)
    try:
        run = con.execute(
            "select data_kind, (select count(*) from meta.source_files where source = 'openalex'), "
            "work_records, works_in_scope, quarantined "
            "from meta.runs order by published_at desc limit 1"
        ).fetchone()
        tables = con.execute(
            "select count(*) filter (where kind = 'table'), "
            "sum(row_count) filter (where kind = 'table'), count(*) filter (where kind = 'view') "
            "from meta.tables"
        ).fetchone()
        reasons = con.execute(
            "select reason, count(*) from meta.quarantine group by 1 order by 2 desc, 1"
        ).fetchall()
        patents = con.execute(
            "select (select count(*) from meta.source_files where source in "
            "('epo_ops', 'patentsview', 'patents')), "
            "(select patent_records from meta.runs order by published_at desc limit 1), "
            "(select count(*) from marts.patent_families), "
            "(select count(*) from marts.patent_families where is_international)"
        ).fetchone()
        funding = con.execute(
            "select (select count(*) from meta.source_files where source in "
            "('nsf', 'ukri', 'cordis', 'funding')), "
            "(select grant_records from meta.runs order by published_at desc limit 1), "
            "(select count(*) from marts.grants), "
            "(select count(*) from marts.funding_programmes where counted), "
            "(select count(distinct country_iso3) from marts.funding_programmes "
            "where counted and country_iso3 <> 'EUU'), "
            "(select count(*) from marts.funding_programmes where status = 'counted'), "
            "(select count(*) from marts.funding_programmes "
            "where counted and problem = 'no_fx_rate')"
        ).fetchone()
        trade = con.execute(
            "select (select count(*) from meta.source_files where source = 'comtrade'), "
            "(select trade_records from meta.runs order by published_at desc limit 1), "
            "(select count(distinct hs_code) from marts.hs_codes where role = 'core'), "
            "(select count(distinct entity_code) from marts.supply_chain_indicators "
            "where entity_type = 'country' and level = 'approach'), "
            "(select count(*) from marts.supply_chain_indicators where level = 'approach' "
            "and entity_type = 'country' and indicator = 'exports' and mirror_share > 0), "
            "(select count(*) from marts.suppliers)"
        ).fetchone()
        capability = con.execute(
            "select count(*), count(*) filter (where counted), count(distinct approach), "
            "count(*) filter (where contested), "
            "(select count(distinct metric) from marts.capability_frontier) "
            "from marts.milestones"
        ).fetchone()
        # the latest year whose composite is complete, as the frontier page leads with
        latest = (
            "(select max(year) from marts.frontier "
            "where family = 'composite' and not year_incomplete)"
        )
        synthesis = con.execute(
            "select (select value from meta.synthesis_settings where key = 'focus_bloc'), "
            "(select value from meta.synthesis_settings where key = 'replicates'), "
            f"{latest}, "
            "(select string_agg(leader_iso3 || ' ' || n, ', ' order by n desc, leader_iso3) "
            "from (select leader_iso3, count(*) as n from marts.frontier "
            f"where family = 'composite' and approach <> 'all' and year = {latest} "
            "group by all)), "
            "(select string_agg(approach, ', ' order by approach) from marts.frontier_blocs "
            f"where is_focus_bloc and gap and year = {latest})"
        ).fetchone()
        workforce = con.execute(
            "select (select count(*) from meta.source_files where source = 'openalex_authors'), "
            "author_records, researchers, researcher_moves, trail_years_compared, "
            "trail_agreement, (select count(*) from marts.researcher_moves where counted) "
            "from meta.runs order by published_at desc limit 1"
        ).fetchone()
        fetches = con.execute(
            "select count(*), count(*) filter (where state = 'complete'), "
            "count(*) filter (where state = 'stale'), count(*) filter (where state = 'missing'), "
            "string_agg(distinct service || ' ' || count_gap, ', ' order by service || ' ' || "
            "count_gap) filter (where count_gap <> 0) from meta.fetches"
        ).fetchone()
    finally:
        con.close()
    kind, files, records, works, quarantined = run
    print(f"\nqcm build: done in {seconds:.1f} s")
    print(
        f"  data:        {kind}"
        + (
            "  (SYNTHETIC: not real publications, patents, grants, researchers or trade)"
            if "sample" in kind
            else ""
        )
    )
    print(f"  openalex:    {records:,} work records from {files} files -> {works:,} works in scope")
    print(
        f"  patents:     {patents[1]:,} usable document records from {patents[0]} files -> "
        f"{patents[2]:,} quantum families in scope ({patents[3]:,} international)"
    )
    print(
        f"  funding:     {funding[1]:,} grant records from {funding[0]} files -> "
        f"{funding[2]:,} quantum grants in scope; {funding[3]} of {funding[5]} counted "
        f"programme figures in the yearly series, {funding[6]} of them as conversion gaps "
        f"without an exchange rate ({funding[4]} countries and the EU; real, sourced figures; "
        "the rest and the gaps are in meta.quarantine)"
    )
    agreement = "n/a" if workforce[5] is None else f"{workforce[5]:.1%}"
    print(
        f"  workforce:   {workforce[1]:,} author records from {workforce[0]} files -> "
        f"{workforce[2]:,} researchers, {workforce[3]:,} moves ({workforce[6]:,} counted in "
        f"the flows); the two trails agree on "
        f"{agreement} of the {workforce[4]:,} researcher-years both place"
    )
    print(
        f"  trade:       {trade[1]:,} UN Comtrade records from {trade[0]} files -> "
        f"{trade[3]} countries' trade in {trade[2]} core HS component lines ({trade[4]:,} "
        f"country-approach-years of exports rest on mirror flows); {trade[5]} registry "
        "suppliers; most traded value under these codes is not quantum"
    )
    print(
        f"  capability:  {capability[0]} reviewed milestones ({capability[1]} counted, "
        f"{capability[3]} contested) in {capability[2]} approaches -> frontiers of "
        f"{capability[4]} metrics (real, sourced results, also in a sample build)"
    )
    bloc, replicates, year, leaders, gaps = synthesis
    print(
        f"  frontier:    approaches led in the composite in {year} ({replicates} bootstrap "
        f"resamples): {leaders}; approaches where no {bloc} member is within reach: "
        f"{gaps or 'none'}"
    )
    if fetches[0]:
        print(
            f"  fetches:     {fetches[0]} partitions landed: {fetches[1]} complete, {fetches[2]} "
            f"stale (read from their last complete fetch: a newer one is unfinished), "
            f"{fetches[3]} missing (never completed); fetched minus reported records: "
            f"{fetches[4] or 'none differ'} (meta.fetches)"
        )
    print(f"  quarantined: {quarantined:,} rows " + (str(dict(reasons)) if reasons else ""))
    print(
        f"  published:   {tables[0]} tables ({tables[1]:,} rows) and {tables[2]} views of them "
        f"in {settings.published_db}"
    )
    print(f"  parquet:     {settings.out_dir / 'parquet'}")
    print(f"  dashboards:  {settings.out_dir / 'site' / 'index.html'} (open it in a browser)")
    # the DuckDB shell installed beside this Python (the venv's), else one on the PATH
    shell = Path(sys.executable).with_name("duckdb")
    shell_name = str(shell) if shell.is_file() else "duckdb"
    print(
        f'  try:         {shell_name} -readonly {settings.published_db} "select * from meta.tables"'
    )


def evaluate_classifier(_: argparse.Namespace) -> int:
    """Print precision and recall per approach on the labelled evaluation set."""
    import duckdb

    from assets.classification.assets import build_classifier_evaluation
    from assets.reference.tables import reference_frames
    from pipelines.db import replace_table

    con = duckdb.connect()
    for schema in ("ref", "meta"):
        con.execute(f"create schema {schema}")
    for table, frame in reference_frames().items():
        replace_table(con, table, frame)
    rows = build_classifier_evaluation(con)
    con.close()
    first = rows[0]
    print(
        f"classifier {first['classifier_version']} on the labelled set "
        f"({first['near_misses_in_set']} near misses; titles only)"
    )
    print(
        f"{'approach':22} {'labelled':>8} {'predicted':>9} {'correct':>7} "
        f"{'precision':>9} {'recall':>7} {'near-miss hits':>14}"
    )
    for r in rows:
        p = "-" if r["precision"] is None else f"{r['precision']:.2f}"
        q = "-" if r["recall"] is None else f"{r['recall']:.2f}"
        print(
            f"{r['approach']:22} {r['labelled_positives']:>8} {r['predicted']:>9} "
            f"{r['true_positives']:>7} {p:>9} {q:>7} {r['near_misses_predicted']:>14}"
        )
    return 0


def count(text: str) -> int:
    """A command-line count: a whole number, 0 or more (argparse's type)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 0 or more")
    return value


def benchmark(args: argparse.Namespace) -> int:
    """Time the whole pipeline on a generated snapshot, the patent parser and the workforce
    SQL (see pipelines/benchmark.py), or print the table of a saved report (``--summary``)."""
    from pipelines.benchmark import main as run_benchmark
    from pipelines.benchmark import show_report

    if args.summary:
        return show_report(Path(args.summary))
    return run_benchmark(
        args.works,
        Path(args.dir),
        args.patents,
        args.authorships,
        args.memory_limit,
        args.snapshot,
        Path(args.push).resolve() if args.push else None,
    )


def pools(args: argparse.Namespace) -> int:
    """Set the limit of every concurrency pool of qcm's jobs to one run at a time in the
    Dagster instance of the working state, where none is set yet (``./dev ui`` and ``./dev
    daemon`` run it before they start: the run queue does not hold a pool back the first
    time it meets it without a limit). Exit code 0."""
    import dagster as dg

    from pipelines.build_guard import limit_pools
    from pipelines.definitions import build_definitions

    settings = apply_settings(args)
    prepare_dagster_home(settings.state_dir)
    found: set[str] = set()
    for job in build_definitions().resolve_all_job_defs():
        found |= set(job.graph.pools)
    instance = dg.DagsterInstance.get()
    limit_pools(instance, found)
    limits = {
        pool: instance.event_log_storage.get_concurrency_info(pool).slot_count
        for pool in sorted(found)
    }
    print("qcm pools: " + ", ".join(f"{pool} {limit}" for pool, limit in limits.items()))
    return 0


def update_conversion_tables(args: argparse.Namespace) -> int:
    """Merge the latest World Bank refresh into the committed conversion tables."""
    from assets.funding.conversion_update import update_tables
    from pipelines.landing import LandingZone

    state = Path(args.state).resolve() if args.state else Settings.from_env().state_dir
    zone = LandingZone(state / "raw", "world_bank", ".json")
    try:
        lines = update_tables(zone)
    except ValueError as err:
        print(f"qcm update-conversion-tables: {err}", file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    print("review the change with `git diff assets/reference/` and commit it")
    return 0


def push(args: argparse.Namespace) -> int:
    """Copy the last release's Parquet marts (``OUT/parquet``) to object storage
    (``pipelines.object_store``; the URL given, else ``QCM_PARQUET_URL``) and say what was
    sent, kept and deleted, holding the working state's build lock meanwhile so that no
    ``qcm build`` publishes under it. Exit code 0; 1 with the reason when the push fails
    (the URL shown without its secrets); 2 without a URL, or beside a build."""
    from pipelines.build_guard import BuildBusy, exclusive
    from pipelines.object_store import PushError
    from pipelines.object_store import push as push_release
    from pipelines.push_asset import PARQUET_URL

    url = args.url or os.environ.get(PARQUET_URL, "")
    if not url:
        print(f"qcm push: give the URL to push to, or set {PARQUET_URL}", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    out = Path(args.out).resolve() if args.out else settings.out_dir
    state = Path(args.state).resolve() if args.state else settings.state_dir
    try:
        with exclusive(state):
            pushed = push_release(out / "parquet", url, args.allow_sample_over_real)
    except BuildBusy:
        print(
            f"qcm push: a qcm build is using the working state {state} and may publish "
            "under the push; push when it has ended",
            file=sys.stderr,
        )
        return 2
    except PushError as err:
        print(f"qcm push: {err}", file=sys.stderr)
        return 1
    print(
        f"qcm push: {out / 'parquet'} to {pushed.url}: {len(pushed.sent)} files sent "
        f"({pushed.bytes_sent / 1e6:,.1f} MB with README.md and manifest.json), "
        f"{len(pushed.kept)} kept (the same build), {len(pushed.deleted)} deleted"
    )
    return 0


def screenshots(args: argparse.Namespace) -> int:
    """Save screenshots of the main pages of a built site (needs Chromium); name the pages
    the site does not have (a country without data, say). Exit code 2 without a site or a
    browser."""
    from dashboards.browser import SHOWCASE, BrowserUnavailable, take_screenshots

    site = Path(args.site)
    if not (site / "index.html").is_file():
        print(f"qcm screenshots: no site in {site} (qcm build writes one)", file=sys.stderr)
        return 2
    try:
        paths = take_screenshots(site, Path(args.to))
    except BrowserUnavailable as err:
        print(f"qcm screenshots: {err}", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    for name in SHOWCASE:
        if not (site / name).exists():
            print(f"qcm screenshots: {name} is not in the site; no screenshot", file=sys.stderr)
    return 0


def parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    top = argparse.ArgumentParser(prog="qcm", description=__doc__.splitlines()[0])
    commands = top.add_subparsers(dest="command", required=True)
    b = commands.add_parser("build", help="run the whole asset graph and publish")
    b.add_argument("--mode", choices=MODES, help="sample (default) or live")
    b.add_argument(
        "--source-dir",
        action="append",
        metavar="SOURCE=PATH",
        help="read a source's raw files from PATH (repeatable), e.g. openalex=./oa",
    )
    b.add_argument("--out", help="where published files go (default ./out)")
    b.add_argument(
        "--state", help="working state: landing zone, working DB, Dagster home (default ./.qcm)"
    )
    b.add_argument(
        "--refetch",
        action="store_true",
        help="live mode: start every year's fetch afresh instead of resuming the saved one",
    )
    b.add_argument(
        "--years", help="live mode: publication years to fetch, e.g. 2024-2026 (default: last two)"
    )
    b.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="in_process",
        help="in_process (default: every step in this process) or multiprocess (each step "
        "in its own process, as on a cluster; see the README, Beyond one machine)",
    )
    b.add_argument(
        "--synthesis",
        metavar="FILE",
        help="synthesis settings: composite weights, reach, focus bloc, countries of concern, "
        "bootstrap (default assets/reference/synthesis.yml)",
    )
    b.add_argument(
        "--small-numbers",
        choices=SMALL_NUMBERS,
        help="flag (default): values on fewer records than meta.methods small_n_threshold are "
        "published flagged small_n; suppress: published without their numbers, and left out "
        "of the dashboards",
    )
    b.add_argument(
        "--as-of",
        metavar="DAY",
        help="the day the build is as of, e.g. 2026-12-05: what its SQL reads as today "
        "(default: the day the run is created); to rebuild a release as of meta.runs.as_of",
    )
    b.set_defaults(func=build)
    e = commands.add_parser("evaluate-classifier", help="precision and recall on the labelled set")
    e.set_defaults(func=evaluate_classifier)
    m = commands.add_parser(
        "benchmark", help="the whole pipeline on a generated snapshot, with its floors"
    )
    m.add_argument(
        "--works",
        type=count,
        default=100_000,
        help="works in the generated OpenAlex snapshot (default 100000; 0 skips)",
    )
    m.add_argument(
        "--snapshot",
        type=count,
        default=0,
        help="time filtering the quantum slice out of a snapshot of this many works, 99%% "
        "of them outside it (default 0 skips)",
    )
    m.add_argument(
        "--memory-limit",
        default="1GB",
        help="the build's DuckDB memory limit (QCM_MEMORY_LIMIT; default 1GB)",
    )
    m.add_argument(
        "--patents",
        type=count,
        default=0,
        help="time the patent parser on the patent sample read this many times over (20 is "
        "about 200k documents; default 0 skips)",
    )
    m.add_argument(
        "--authorships",
        type=count,
        default=0,
        help="time the workforce-flow SQL on this many synthetic authorships (0 skips; "
        "1000000 is the scale the method is judged at)",
    )
    m.add_argument(
        "--push",
        metavar="DIR",
        help="time pushing the release in DIR (its parquet/, e.g. the benchmark's "
        ".qcm/benchmark/build/out) to a local S3 server and reading it back",
    )
    m.add_argument("--dir", default=str(REPO_ROOT / ".qcm" / "benchmark"), help="scratch folder")
    m.add_argument(
        "--summary",
        metavar="REPORT",
        help="print the table of a saved report (report-N.json) and run nothing",
    )
    m.set_defaults(func=benchmark)
    p = commands.add_parser(
        "pools",
        help="limit every concurrency pool to one run at a time in the working state's "
        "Dagster instance (./dev ui and ./dev daemon run it first)",
    )
    p.add_argument("--state", help="working state (default ./.qcm)")
    p.set_defaults(func=pools, mode=None, source_dir=None, out=None)
    u = commands.add_parser(
        "update-conversion-tables",
        help="write the last live World Bank refresh into assets/reference (for review)",
    )
    u.add_argument("--state", help="working state of the live run (default ./.qcm)")
    u.set_defaults(func=update_conversion_tables)
    o = commands.add_parser(
        "push", help="copy the last release's Parquet marts to object storage (s3://, gs:// ...)"
    )
    o.add_argument(
        "url",
        nargs="?",
        help="where: s3://bucket/prefix (S3-compatible stores: "
        "?endpoint_override=host:port&scheme=http), gs://, abfs://, hdfs:// or a folder "
        "(default QCM_PARQUET_URL, which keeps credentials in a URL off the command line)",
    )
    o.add_argument("--out", help="the published folder holding parquet/ (default ./out)")
    o.add_argument(
        "--state", help="the working state whose build lock the push holds (default ./.qcm)"
    )
    o.add_argument(
        "--allow-sample-over-real",
        action="store_true",
        help="push the synthetic sample over files of real data",
    )
    o.set_defaults(func=push)
    s = commands.add_parser("screenshots", help="PNG screenshots of the built dashboards")
    s.add_argument("--site", default=str(REPO_ROOT / "out" / "site"), help="the built site")
    s.add_argument("--to", default=str(REPO_ROOT / "out" / "screenshots"), help="where PNGs go")
    s.set_defaults(func=screenshots)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``qcm`` console script."""
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except SettingsError as err:
        print(f"qcm: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
