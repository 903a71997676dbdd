"""The push to object storage, timed: a release's Parquet marts (``DIR/parquet``) sent by
``pipelines.object_store.push`` to a local S3 endpoint (moto's server, a dev dependency,
on a free port of this machine), sent again with nothing changed, and read back whole by
DuckDB through S3's API (pyarrow's S3 client registered as a file system). The server is
Python, so the figures are the server's pace as much as the client's: they show what a
push costs against the build, not what a cloud store would take."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import duckdb
import pyarrow.fs as pafs

from pipelines.object_store import push

BUCKET = "qcm-benchmark"
KEY_ID, SECRET = "benchmark", "benchmark"  # moto takes any


def run(out_dir: Path) -> dict:
    """Time pushing ``out_dir/parquet`` and reading it back. Returns files, MB sent,
    first_push_s, first_push_mb_per_s, unchanged_push_s, read_back_s and the slowest
    file read back. Raises RuntimeError without moto (``uv sync``: the dev group)."""
    try:
        from fsspec.implementations.arrow import ArrowFSWrapper
        from moto.server import ThreadedMotoServer
    except ImportError as err:
        raise RuntimeError(f"the push benchmark needs the dev dependencies ({err})") from err
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        store = pafs.S3FileSystem(
            access_key=KEY_ID,
            secret_key=SECRET,
            endpoint_override=f"{host}:{port}",
            scheme="http",
            region="us-east-1",
            allow_bucket_creation=True,
        )
        store.create_dir(BUCKET)
        url = f"s3://{KEY_ID}:{SECRET}@{BUCKET}/parquet?endpoint_override={host}:{port}&scheme=http"
        start = time.perf_counter()
        first = push(out_dir / "parquet", url)
        first_s = time.perf_counter() - start
        start = time.perf_counter()
        again = push(out_dir / "parquet", url)
        again_s = time.perf_counter() - start
        con = duckdb.connect()
        con.register_filesystem(ArrowFSWrapper(store))
        reads = {}
        for name in first.sent:
            start = time.perf_counter()
            con.execute(f"create or replace temp table t as from 's3://{BUCKET}/parquet/{name}'")
            reads[name] = time.perf_counter() - start
        con.close()
    finally:
        server.stop()
    slowest = max(reads, key=reads.__getitem__)
    return {
        "files": len(first.sent),
        "mb": round(first.bytes_sent / 1e6, 1),
        "first_push_s": round(first_s, 2),
        "first_push_mb_per_s": round(first.bytes_sent / 1e6 / first_s, 1),
        "unchanged_push_s": round(again_s, 3),
        "unchanged_push_files_sent": len(again.sent),
        "read_back_s": round(sum(reads.values()), 2),
        "slowest_read_back": [slowest, round(reads[slowest], 2)],
    }
