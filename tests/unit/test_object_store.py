"""Object-store URLs as messages show them, pushes to a local folder, and the sensor that
pushes a build's release."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines import object_store
from pipelines.build_guard import OUT_TAG
from pipelines.object_store import PARTIAL, PushError, _scrubbed, display_url, push
from pipelines.push_asset import push_after_build

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("s3://bucket/qcm/parquet", "s3://bucket/qcm/parquet"),
        ("s3://KEYID:SECRET@bucket/qcm", "s3://***@bucket/qcm"),
        # an AWS secret may hold "/" or "+", which a URL parser would take for the path
        ("s3://KEYID:SEC/RET+X@bucket/qcm", "s3://***@bucket/qcm"),
        ("s3://bucket/qcm?endpoint_override=minio:9000&scheme=http",
         "s3://bucket/qcm?endpoint_override=minio:9000&scheme=http"),
        # an Azure SAS token's parameters, and anything else not known to be harmless
        ("abfs://c@acct.dfs.core.windows.net/qcm?sv=2024&sig=abc%2Bdef&enable_tls=true",
         "abfs://***@acct.dfs.core.windows.net/qcm?sv=***&sig=***&enable_tls=true"),
        ("gs://bucket/qcm#token", "gs://bucket/qcm#***"),
        ("/mnt/share/qcm", "/mnt/share/qcm"),
        ("file:///mnt/share/qcm", "file:///mnt/share/qcm"),
    ],
)  # fmt: skip
def test_display_url_hides_credentials(url: str, shown: str) -> None:
    assert display_url(url) == shown


def test_messages_are_scrubbed_of_a_urls_secrets_raw_and_decoded() -> None:
    url = "abfs://acct:KEY/1+2@acct.blob.core.windows.net/c/qcm?sig=a%2Bb"
    text = f"Cannot parse URI: '{url}'; key KEY/1+2; signature a+b and a%2Bb"
    scrubbed = _scrubbed(text, url)
    assert "KEY/1+2" not in scrubbed and "a+b" not in scrubbed and "a%2Bb" not in scrubbed
    assert display_url(url) in scrubbed


def release(folder: Path, tables: dict[str, str | None], kind: str = "live") -> Path:
    """A Parquet release as the publish writes it: a file per table (one row holding its
    name, its build in its key-value metadata), README.md and manifest.json."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for name, build in tables.items():
        file = folder / f"{name}.parquet"
        meta = f", kv_metadata {{qcm_build: '{build}'}}" if build else ""
        duckdb.sql(f"copy (select '{name}' as t) to '{file}' (format parquet{meta})")
        entries.append({"file": file.name, "table": f"marts.{name}", "build": build,
                        "data_kind": kind})  # fmt: skip
    (folder / "README.md").write_text("# qcm marts as Parquet\n", encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps(entries), encoding="utf-8")
    return folder


def test_push_to_a_folder_sends_changed_builds_and_deletes_dropped_tables(tmp_path: Path) -> None:
    remote = tmp_path / "share" / "qcm"
    first = push(release(tmp_path / "r1", {"a": "run1 x", "b": "run1 y"}), str(remote))
    assert (first.sent, first.kept, first.deleted) == (("a.parquet", "b.parquet"), (), ())
    assert duckdb.sql(f"select t from '{remote / 'a.parquet'}'").fetchall() == [("a",)]
    # b rebuilt, a the same build, c new; "d.parquet" was never pushed; a stopped push's
    # partial file is cleared
    (remote / "d.parquet").write_bytes(b"not ours")
    (remote / f"b.parquet{PARTIAL}").write_bytes(b"half")
    second = push(release(tmp_path / "r2", {"a": "run1 x", "b": "run2 y", "c": None}), str(remote))
    assert second.sent == ("b.parquet", "c.parquet")
    assert second.kept == ("a.parquet",)
    assert second.deleted == ()
    third = push(release(tmp_path / "r3", {"a": "run1 x"}), str(remote))
    assert (third.sent, third.kept) == ((), ("a.parquet",))
    assert third.deleted == ("b.parquet", "c.parquet")
    names = sorted(p.name for p in remote.iterdir())
    assert names == ["README.md", "a.parquet", "d.parquet", "manifest.json"]
    manifest = json.loads((remote / "manifest.json").read_text(encoding="utf-8"))
    assert [e["file"] for e in manifest] == ["a.parquet"]


def test_files_a_stopped_push_sent_are_deleted_by_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    remote = tmp_path / "share"
    push(release(tmp_path / "r1", {"a": "run1 x"}), str(remote))
    # the next push sends b, then stops before its manifest (the store fails)
    send = object_store._send

    def failing(source: object, name: str, *args: object) -> int:
        if name == "manifest.json":
            raise PushError("the store failed", transient=True)
        return send(source, name, *args)

    monkeypatch.setattr(object_store, "_send", failing)
    with pytest.raises(PushError):
        push(release(tmp_path / "r2", {"a": "run1 x", "b": "run2 y"}), str(remote))
    monkeypatch.undo()
    assert (remote / "b.parquet").is_file() and (remote / object_store.PENDING).is_file()
    # b is named by no manifest, and the release pushed next does not hold it
    third = push(release(tmp_path / "r3", {"a": "run1 x"}), str(remote))
    assert third.deleted == ("b.parquet",)
    assert sorted(p.name for p in remote.iterdir()) == ["README.md", "a.parquet", "manifest.json"]
    # a push with nothing to send writes no record of what it might leave
    assert push(release(tmp_path / "r4", {"a": "run1 x"}), str(remote)).sent == ()
    assert not (remote / object_store.PENDING).exists()


def test_push_refuses_the_sample_over_real_data_unless_allowed(tmp_path: Path) -> None:
    remote = str(tmp_path / "share")
    push(release(tmp_path / "live", {"a": "run1 x"}, kind="live"), remote)
    sample = release(tmp_path / "sample", {"a": "run2 x"}, kind="synthetic sample")
    with pytest.raises(PushError, match=r"holds real data in 1 files \(a\.parquet"):
        push(sample, remote)
    assert push(sample, remote, allow_sample_over_real=True).sent == ("a.parquet",)


def test_push_names_a_missing_release_and_a_foreign_manifest(tmp_path: Path) -> None:
    with pytest.raises(PushError, match="holds no Parquet release to push"):
        push(tmp_path / "nothing", str(tmp_path / "remote"))
    folder = release(tmp_path / "r", {"a": "run1 x"})
    (folder / "a.parquet").unlink()
    with pytest.raises(PushError, match=r"misses a\.parquet of its manifest"):
        push(folder, str(tmp_path / "remote"))
    # a manifest that would have a push delete outside its folder is not qcm's
    for text in ('{"not": "a list"}', '[{"file": "../victim.parquet"}]', b"\xff\xfe"):
        remote = tmp_path / "theirs"
        remote.mkdir(exist_ok=True)
        path = remote / "manifest.json"
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        with pytest.raises(PushError, match="is not a qcm manifest") as caught:
            push(release(tmp_path / "r2", {"a": "run1 x"}), str(remote))
        assert not caught.value.transient


def test_push_refuses_a_file_of_another_build_than_its_manifest_says(tmp_path: Path) -> None:
    folder = release(tmp_path / "r", {"a": "run1 x"})
    duckdb.sql(
        f"copy (select 'a' as t) to '{folder / 'a.parquet'}' "
        "(format parquet, kv_metadata {qcm_build: 'run2 x'})"
    )  # published over the folder after its manifest was read
    with pytest.raises(PushError, match="not of the build its manifest names"):
        push(folder, str(tmp_path / "remote"))


@dg.op
def builds() -> None:
    """A build's step: nothing to do."""


@dg.job(name="qcm_build")
def qcm_build() -> None:
    builds()


def _after(instance: dg.DagsterInstance, tags: dict[str, str]) -> object:
    """What push_after_build says of a successful qcm_build run with ``tags``."""
    result = qcm_build.execute_in_process(instance=instance, tags=tags)
    context = dg.build_run_status_sensor_context(
        sensor_name="push_after_build",
        dagster_event=result.get_run_success_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    )
    return push_after_build(context)


def test_a_build_is_pushed_only_from_the_folder_the_push_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QCM_OUT", str(tmp_path / "out"))
    instance = dg.DagsterInstance.ephemeral()
    # the UI's or a schedule's build (no folder tagged) and `qcm build`'s into QCM_OUT
    for tags in ({}, {OUT_TAG: str(tmp_path / "out")}):
        request = _after(instance, tags)
        assert isinstance(request, dg.RunRequest) and request.run_key.startswith("push-after-")
    # `qcm build --out elsewhere`: the push would send the older release of QCM_OUT
    skipped = _after(instance, {OUT_TAG: str(tmp_path / "elsewhere")})
    assert isinstance(skipped, dg.SkipReason)
    assert f"published to {tmp_path / 'elsewhere'}, not to {tmp_path / 'out'}" in (
        skipped.skip_message or ""
    )
    assert f"qcm push URL --out {tmp_path / 'elsewhere'}" in (skipped.skip_message or "")
