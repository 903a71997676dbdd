"""Benchmarks on data larger than the samples.

``qcm benchmark --works N`` runs the whole pipeline on a generated OpenAlex snapshot of N
works against two floors measured in the same run (``pipelines/pipeline_benchmark.py``).

``--patents K`` times the patent parser on the embedded patent sample's bodies (both
services' formats) read K times over, in memory: the floor is decompressing them, the
parse is ``parse.parse_body`` on every body, the load the raw patent tables.

``--authorships N`` times the workforce-flow SQL on N synthetic authorships built inside
DuckDB (see ``pipelines/workforce_benchmark.py``) against the floor of DuckDB reading them.

``--push DIR`` times pushing the release in DIR (its ``parquet/``) to a local S3 server and
reading it back (``pipelines/push_benchmark.py``).

Each prints records per second, uncompressed MB per second and each step as a ratio to
its floor, so results from noisy machines stay comparable. Nothing here runs in the tests.
"""

from __future__ import annotations

import gzip
import json
import sys
import time
from datetime import date
from pathlib import Path

import duckdb

from assets.bibliometric.parse import CountryCodes
from assets.patents import parse as patent_parse
from assets.patents import raw_tables as patent_tables
from assets.reference.tables import iso2_lookup, read_csv
from pipelines.as_of import latest_year
from pipelines.benchmark_summary import summary
from pipelines.db import replace_table
from pipelines.pipeline_benchmark import run as run_pipeline_benchmark
from pipelines.pipeline_benchmark import snapshot_filter
from pipelines.settings import SAMPLE_DIRS
from pipelines.workforce_benchmark import run_workforce_benchmark


def _codes() -> CountryCodes:
    historical = read_csv("historical_country_codes.csv").drop_nulls("valid_to")["code"]
    return CountryCodes(iso2_lookup(read_csv("countries.csv")), frozenset(historical))


def run_patent_benchmark(repeat: int) -> dict[str, float]:
    """Time floor, parse and load of the patent sample's bodies read ``repeat`` times."""
    files = patent_parse.raw_files(SAMPLE_DIRS["patents"])
    compressed = [path.read_bytes() for path in files]

    started = time.perf_counter()
    bodies = [gzip.decompress(data) for _ in range(repeat) for data in compressed]
    floor = time.perf_counter() - started

    codes = _codes()
    batch = patent_parse.PatentBatch()
    started = time.perf_counter()
    for index, body in enumerate(bodies):
        prov = patent_parse.Provenance(f"body-{index}", f"{index:064x}", None)
        parsed, _, _ = patent_parse.parse_body(body, prov, codes, latest_year(date.today()))
        batch.extend(parsed)
    parse = time.perf_counter() - started

    started = time.perf_counter()
    con = duckdb.connect()
    con.execute("create schema raw")
    for table, frame in patent_tables.raw_frames(batch, "synthetic sample").items():
        replace_table(con, table, frame)
    con.close()
    load = time.perf_counter() - started

    megabytes = sum(len(body) for body in bodies) / 1e6
    records = len(batch.documents)
    return {
        "bodies": len(bodies),
        "document_records": records,
        "uncompressed_mb": round(megabytes, 1),
        "floor_s": round(floor, 2),
        "parse_s": round(parse, 2),
        "load_s": round(load, 2),
        "parse_documents_per_s": round(records / parse),
        "parse_mb_per_s": round(megabytes / parse, 1),
        "parse_x_floor": round(parse / floor, 1),
        "load_x_floor": round(load / floor, 1),
    }


def main(
    works: int,
    folder: Path,
    patents: int,
    authorships: int = 0,
    memory_limit: str = "1GB",
    snapshot: int = 0,
    push: Path | None = None,
) -> int:
    """Run the benchmarks and print their figures as JSON (the whole pipeline's also as a
    table, ``benchmark_summary``); return an exit code."""
    if snapshot:
        print(f"qcm benchmark: the quantum slice filtered out of {snapshot:,} snapshot works")
        print(json.dumps(snapshot_filter(snapshot, folder, memory_limit), indent=1))
    if works:
        print(f"qcm benchmark: the whole pipeline on a snapshot of {works:,} synthetic works")
        report = run_pipeline_benchmark(works, folder, memory_limit)
        print(json.dumps(report, indent=1))
        (folder / f"report-{works}.json").write_text(json.dumps(report, indent=1), "utf-8")
        print(f"\n{summary(report)}")
    if patents:
        print(f"qcm benchmark: the patent sample's bodies read {patents} times over")
        print(json.dumps(run_patent_benchmark(patents), indent=1))
    if authorships:
        print(f"qcm benchmark: workforce flows on {authorships:,} synthetic authorships")
        print(json.dumps(run_workforce_benchmark(authorships, memory_limit), indent=1))
    if push:
        from pipelines import push_benchmark

        print(f"qcm benchmark: {push / 'parquet'} pushed to a local S3 server and read back")
        print(json.dumps(push_benchmark.run(push), indent=1))
    return 0


def show_report(path: Path) -> int:
    """Print the table of a report the whole-pipeline benchmark wrote (``report-N.json``)
    without running anything; 2 with the reason when it cannot be read."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
        print(summary(report))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        print(
            f"qcm benchmark: {path} cannot be read as a report of the whole-pipeline "
            f"benchmark: {error!r}",
            file=sys.stderr,
        )
        return 2
    return 0
