"""The sample release's Parquet marts pushed to an S3 endpoint and read back remotely.

The endpoint is moto's S3 server on a local port (no network, any credentials); the
push is the real ``qcm push`` command, and DuckDB reads the objects over S3's HTTP API
through pyarrow's S3 file system (DuckDB's own ``httpfs`` extension, which the README
shows, is downloaded on first use and cannot be here).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow.fs as pafs
import pytest
import requests
from fsspec.implementations.arrow import ArrowFSWrapper

from tests.integration.conftest import run_cli, same_rows

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("sample")]

BUCKET = "qcm-test"
KEY_ID, SECRET = "CANARY-KEY-ID-7731", "CANARY-SECRET-8842"  # must never be printed


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A local S3 endpoint (``host:port``) holding an empty bucket ``BUCKET``; the
    credentials are the canaries, from the environment as on a real machine."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    # moto's buckets live in the process, shared by every server it starts: start empty
    requests.post(f"http://{host}:{port}/moto-api/reset", timeout=10).raise_for_status()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    s3(f"{host}:{port}").create_dir(BUCKET)
    yield f"{host}:{port}"
    server.stop()


def s3(endpoint: str) -> pafs.S3FileSystem:
    """pyarrow's S3 file system on the local endpoint, as a reader would open it."""
    return pafs.S3FileSystem(
        access_key=KEY_ID,
        secret_key=SECRET,
        endpoint_override=endpoint,
        scheme="http",
        region="us-east-1",
        allow_bucket_creation=True,
    )


def closed_port() -> int:
    """A local port nothing listens on (bound, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_pushed_marts_read_remotely_equal_the_release(
    sample: tuple[Path, str], endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = sample[0] / "out"
    url = f"s3://{BUCKET}/qcm/parquet?endpoint_override={endpoint}&scheme=http"
    code, output = run_cli(["push", url, "--out", str(out)], monkeypatch)
    assert code == 0, output
    files = sorted(p.name for p in (out / "parquet").glob("*.parquet"))
    assert f": {len(files)} files sent" in output and ", 0 kept" in output, output

    con = duckdb.connect()
    con.register_filesystem(ArrowFSWrapper(s3(endpoint)))  # its protocol is s3
    con.execute(f"attach '{out / 'qcm.duckdb'}' as release (read_only)")
    for file in files:  # each read once through S3's API, then compared with the release
        con.execute(
            f"create or replace temp table remote as "
            f"from read_parquet('s3://{BUCKET}/qcm/parquet/{file}')"
        )
        local = f"release.marts.{file.removesuffix('.parquet')}"
        same_rows(con, "from remote", f"from {local}", file)
    # a file read remotely still says what data it holds (the synthetic sample, or the
    # reviewed reference tables alone) and which build it is, as the manifest does
    manifest = json.loads((out / "parquet" / "manifest.json").read_text(encoding="utf-8"))
    said = dict(
        con.execute(
            "select parse_filename(file_name), decode(value) from parquet_kv_metadata("
            f"'s3://{BUCKET}/qcm/parquet/*.parquet') where decode(key) = 'qcm_data_kind'"
        ).fetchall()
    )
    assert said == {entry["file"]: entry["data_kind"] for entry in manifest}
    assert "synthetic sample" in said.values()

    # pushed again unchanged: only README.md and manifest.json are sent
    code, output = run_cli(["push", url, "--out", str(out)], monkeypatch)
    assert code == 0, output
    assert ": 0 files sent" in output and f"{len(files)} kept (the same build)" in output, output
    assert KEY_ID not in output and SECRET not in output


def test_a_failed_push_names_the_url_without_its_secrets(
    sample: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = f"127.0.0.1:{closed_port()}"
    url = f"s3://{KEY_ID}:{SECRET}@{BUCKET}/qcm?endpoint_override={closed}&scheme=http"
    code, output = run_cli(["push", url, "--out", str(sample[0] / "out")], monkeypatch)
    assert code == 1
    shown = f"s3://***@{BUCKET}/qcm?endpoint_override={closed}&scheme=http"
    assert f"qcm push: cannot read {shown}: " in output, output
    assert KEY_ID not in output and SECRET not in output, output


def test_the_push_asset_reads_its_url_when_it_runs(
    sample: tuple[Path, str], endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import dagster as dg

    from pipelines.push_asset import PARQUET_URL, parquet_in_object_storage
    from pipelines.resources import QcmResource

    qcm = QcmResource(out_dir=str(sample[0] / "out"), state_dir=str(tmp_path / "state"))
    monkeypatch.delenv(PARQUET_URL, raising=False)
    with pytest.raises(dg.Failure, match=f"{PARQUET_URL} is not set") as unset:
        parquet_in_object_storage(dg.build_asset_context(), qcm=qcm)
    assert not unset.value.allow_retries  # a setting to make, not a failure to wait out

    # a store that does not answer: retried, and neither the message nor any error
    # chained to it (Dagster records the whole chain) names the credentials
    url = f"s3://{KEY_ID}:{SECRET}@{BUCKET}/dagster?endpoint_override="
    monkeypatch.setenv(PARQUET_URL, f"{url}127.0.0.1:{closed_port()}&scheme=http")
    with pytest.raises(dg.Failure, match=r"push failed: cannot read s3://\*\*\*@") as failed:
        parquet_in_object_storage(dg.build_asset_context(), qcm=qcm)
    assert failed.value.allow_retries
    assert failed.value.__cause__ is None and failed.value.__suppress_context__
    assert KEY_ID not in str(failed.value) and SECRET not in str(failed.value)

    # the credentials in the URL this time, not in the environment
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv(PARQUET_URL, f"{url}{endpoint}&scheme=http")
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([parquet_in_object_storage], resources={"qcm": qcm}, instance=instance)
    metadata = result.asset_materializations_for_node("parquet_in_object_storage")[0].metadata
    files = sorted(p.name for p in (sample[0] / "out" / "parquet").glob("*.parquet"))
    assert metadata["sent"].value == len(files) and metadata["kept"].value == 0
    shown = f"s3://***@{BUCKET}/dagster?endpoint_override={endpoint}&scheme=http"
    assert metadata["url"].value == shown
    logged = [record.user_message for record in instance.all_logs(result.run_id)]
    assert any(f"to {shown}: {len(files)} files sent" in line for line in logged), logged
    assert not [line for line in logged if KEY_ID in line or SECRET in line]
    listed = s3(endpoint).get_file_info(pafs.FileSelector(f"{BUCKET}/dagster"))
    assert sorted(i.base_name for i in listed if i.base_name.endswith(".parquet")) == files


def test_the_push_benchmark_runs_on_a_release(sample: tuple[Path, str]) -> None:
    """``qcm benchmark --push DIR`` (its figures are not judged here: timing is the
    benchmark's, never a test's)."""
    from pipelines import push_benchmark

    report = push_benchmark.run(sample[0] / "out")
    files = len(list((sample[0] / "out" / "parquet").glob("*.parquet")))
    assert report["files"] == files and report["unchanged_push_files_sent"] == 0
    assert report["slowest_read_back"][0].endswith(".parquet")
