"""Publishing is atomic, refuses unsafe targets and unexplained drops."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.meta_assets import append_run, drop_unpublished
from pipelines.publish import (
    TEMP_PREFIX,
    TRAIL_AGREEMENT_SQL,
    PublishError,
    data_kind,
    publish,
    real_data_replaced,
    released_runs,
    row_count_drops,
)
from pipelines.settings import SQL_DIR
from tests.unit.test_core_sql import run_sql

pytestmark = pytest.mark.unit


def working_db(path: Path, rows: int, kind: str = "synthetic sample") -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists marts")
    con.execute("create schema if not exists meta")
    con.execute("create schema if not exists core")
    con.execute(f"create or replace table marts.numbers as select range as n from range({rows})")
    con.execute("create or replace table core.hidden as select 1 as x")
    con.execute(
        "create or replace table meta.source_files as "
        "select 'openalex' as source, 'read' as status, ? as data_kind",
        [kind],
    )
    con.execute(
        "create or replace table meta.tables as select 'marts.numbers' as table_name, "
        f"{rows}::bigint as row_count, ? as data_kind",
        [kind],
    )
    con.close()
    return path


def test_publish_copies_public_schemas_and_parquet(tmp_path: Path) -> None:
    work = working_db(tmp_path / "work.duckdb", 10)
    result = publish(work, tmp_path / "out")
    con = duckdb.connect(str(result.database), read_only=True)
    assert con.execute("select count(*) from marts.numbers").fetchone() == (10,)
    schemas = {
        r[0] for r in con.execute("select schema_name from information_schema.schemata").fetchall()
    }
    assert "core" not in schemas
    con.close()
    assert duckdb.sql(
        f"select count(*) from '{result.parquet_dir / 'numbers.parquet'}'"
    ).fetchone() == (10,)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["parquet", "qcm.duckdb"]


def test_an_open_reader_keeps_its_snapshot_and_new_readers_see_the_new_one(tmp_path: Path) -> None:
    out = tmp_path / "out"
    publish(working_db(tmp_path / "work.duckdb", 10), out)
    reader = duckdb.connect(str(out / "qcm.duckdb"), read_only=True)
    publish(working_db(tmp_path / "work.duckdb", 12), out)
    assert reader.execute("select count(*) from marts.numbers").fetchone() == (10,)
    reader.close()
    fresh = duckdb.connect(str(out / "qcm.duckdb"), read_only=True)
    assert fresh.execute("select count(*) from marts.numbers").fetchone() == (12,)
    fresh.close()


def test_paths_with_quotes_are_safe(tmp_path: Path) -> None:
    folder = tmp_path / "it's here"
    folder.mkdir()
    work = working_db(folder / "work.duckdb", 2)
    assert publish(work, folder / "out'; drop table x; --").tables == {
        "marts.numbers": 2,
        "meta.source_files": 1,
        "meta.tables": 1,
    }


def test_publishing_over_the_working_database_is_refused(tmp_path: Path) -> None:
    work = working_db(tmp_path / "qcm.duckdb", 3)
    with pytest.raises(PublishError, match="working database"):
        publish(work, tmp_path)


def test_a_large_drop_is_refused_and_the_last_release_kept(tmp_path: Path) -> None:
    out = tmp_path / "out"
    publish(working_db(tmp_path / "work.duckdb", 100), out)
    with pytest.raises(PublishError, match="dropped by more than half"):
        publish(working_db(tmp_path / "work.duckdb", 10), out)
    con = duckdb.connect(str(out / "qcm.duckdb"), read_only=True)
    assert con.execute("select count(*) from marts.numbers").fetchone() == (100,)
    con.close()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    publish(working_db(tmp_path / "work.duckdb", 10), out, allow_drop=True)


def test_a_drop_is_refused_when_the_sources_differ_in_kind(tmp_path: Path) -> None:
    """One source read from a folder, the others from the sample: the data dictionary and
    the guard spell the kind alike (``data_kind``), so the guard compares the releases."""

    def mixed(rows: int) -> Path:
        path = working_db(tmp_path / "work.duckdb", rows)
        con = duckdb.connect(str(path))
        con.execute(
            "create or replace table meta.source_files as "
            "select * from (values ('synthetic sample'), ('directory')) as t(data_kind)"
        )
        con.execute("update meta.tables set data_kind = ?", [data_kind(con)])
        con.close()
        return path

    out = tmp_path / "out"
    publish(mixed(100), out)
    con = duckdb.connect(str(out / "qcm.duckdb"), read_only=True)
    assert con.execute("select distinct data_kind from meta.tables").fetchall() == [
        ("directory, synthetic sample",)
    ]
    con.close()
    with pytest.raises(PublishError, match=re.escape("marts.numbers: 100 -> 10 rows")):
        publish(mixed(10), out)


def test_the_sample_does_not_replace_a_release_of_real_data(tmp_path: Path) -> None:
    # the weekly schedule of a daemon started without QCM_MODE=live, or a `./dev build`
    # into the folder of a live release: the sample would replace the real figures
    out = tmp_path / "out"
    publish(working_db(tmp_path / "work.duckdb", 100, kind="live"), out)
    with pytest.raises(PublishError, match=re.escape("real data of openalex (live)")):
        publish(working_db(tmp_path / "work.duckdb", 100), out)
    con = duckdb.connect(str(out / "qcm.duckdb"), read_only=True)
    assert con.execute("select data_kind from meta.tables").fetchall() == [("live",)]
    con.close()
    publish(working_db(tmp_path / "work.duckdb", 100), out, allow_drop=True)  # on purpose
    # real data replaces the sample, and the sample another sample
    publish(working_db(tmp_path / "work.duckdb", 100, kind="directory"), out)
    sample = "synthetic sample"
    assert real_data_replaced({"openalex": sample}, {"openalex": sample}) == []
    assert real_data_replaced({"openalex": "live"}, {"openalex": sample}) == ["openalex (live)"]
    # the same kinds of data, but the folder read for another source than before
    before = {"openalex": "directory", "epo_ops": sample}
    after = {"openalex": sample, "epo_ops": "directory"}
    assert real_data_replaced(before, after) == ["openalex (directory)"]
    # a source that was not read before, or is still real
    assert real_data_replaced({"openalex": "live"}, {"openalex": "live", "nsf": sample}) == []


def test_drops_compare_only_the_same_kind_of_data() -> None:
    previous = {"marts.a|live": 100, "marts.ref|reviewed reference table": 50}
    counts = {"marts.a": 10, "marts.ref": 20}
    assert (
        row_count_drops(
            counts, previous, {"marts.a": "synthetic sample", "marts.ref": "synthetic sample"}
        )
        == []
    )
    # a reviewed table is compared across runs of any kind: its kind is its own
    assert row_count_drops(
        counts, previous, {"marts.a": "live", "marts.ref": "reviewed reference table"}
    ) == ["marts.a: 100 -> 10 rows", "marts.ref: 50 -> 20 rows"]


def test_the_run_history_takes_columns_a_newer_version_records(
    con: duckdb.DuckDBPyConnection,
) -> None:
    con.execute("create table meta.runs (run_id varchar, work_records bigint)")
    con.execute("insert into meta.runs values ('old', 5)")
    append_run(con, {"run_id": "new", "work_records": 7, "patent_records": 3})
    append_run(con, {"run_id": "new", "work_records": 8, "patent_records": 4})  # a retry
    rows = con.execute("select * from meta.runs order by run_id").fetchall()
    assert rows == [("new", 8, 4), ("old", 5, None)]


def test_the_run_history_types_a_value_that_is_null(con: duckdb.DuckDBPyConnection) -> None:
    # code outside a git checkout records no commit: its columns keep their types
    append_run(con, {"run_id": "a", "code_commit": None, "code_modified": None})
    append_run(con, {"run_id": "b", "code_commit": "abc", "code_modified": True})
    types = dict(
        con.execute("select column_name, column_type from (describe meta.runs)").fetchall()
    )
    assert types == {"run_id": "VARCHAR", "code_commit": "VARCHAR", "code_modified": "BOOLEAN"}
    rows = con.execute("select * from meta.runs order by run_id").fetchall()
    assert rows == [("a", None, None), ("b", "abc", True)]


def test_runs_that_never_published_leave_the_run_history(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    # 'released' published; 'failed' logged itself and its data dictionary failed; 'killed'
    # published and was killed before it could say so: the release lists it
    con.execute("create schema lineage")
    con.execute("create table lineage.unpublished_runs (run_id varchar primary key)")
    con.execute("create table meta.runs (run_id varchar)")
    con.execute("insert into meta.runs values ('released'), ('failed'), ('killed')")
    con.execute("insert into lineage.unpublished_runs values ('failed'), ('killed')")
    release = tmp_path / "qcm.duckdb"
    with duckdb.connect(str(release)) as out:
        out.execute("create schema meta")
        out.execute("create table meta.runs (run_id varchar)")
        out.execute("insert into meta.runs values ('released'), ('killed')")
    assert released_runs(release) == {"released", "killed"}
    assert released_runs(tmp_path / "none.duckdb") == set()
    (tmp_path / "broken.duckdb").write_bytes(b"not a database")
    assert released_runs(tmp_path / "broken.duckdb") is None
    assert drop_unpublished(con, released_runs(release)) == ["failed"]
    runs = con.execute("select run_id from meta.runs order by 1").fetchall()
    assert runs == [("killed",), ("released",)]
    assert con.execute("select count(*) from lineage.unpublished_runs").fetchone() == (0,)


def test_the_parquet_folder_describes_its_files(tmp_path: Path) -> None:
    work = working_db(tmp_path / "work.duckdb", 3)
    con = duckdb.connect(str(work))
    con.execute("create schema if not exists meta")
    con.execute(
        "create or replace table meta.tables as select 'marts.numbers' as table_name, "
        "'one row per number' as grain, 'Numbers | for tests' as description, "
        "3::bigint as row_count, 'synthetic sample' as data_kind"
    )
    con.execute(
        "create table meta.columns as select 'marts.numbers' as table_name, column_name, "
        "1 as ordinal, data_type, 'A column' as description from information_schema.columns "
        "where table_schema = 'marts' and table_name = 'numbers'"
    )
    con.close()
    result = publish(work, tmp_path / "out")
    readme = (result.parquet_dir / "README.md").read_text(encoding="utf-8")
    assert "## numbers.parquet" in readme and "Grain: one row per number." in readme
    assert "Numbers | for tests" in readme and "Rows in this release: 3." in readme
    # sample data says so in the folder too, not only inside the database
    assert "The data of this release: synthetic sample" in readme and "SYNTHETIC SAMPLE" in readme
    assert "Data: synthetic sample." in readme
    columns = duckdb.sql(f"describe select * from '{result.parquet_dir / 'numbers.parquet'}'")
    for name, data_type, *_ in columns.fetchall():
        assert f"| `{name}` | {data_type} | A column |" in readme
    # each file says what it holds, away from its folder too, and so does the manifest
    metadata = duckdb.sql(
        "select key::varchar, value::varchar from "
        f"parquet_kv_metadata('{result.parquet_dir / 'numbers.parquet'}')"
    ).fetchall()
    assert dict(metadata) == {"qcm_table": "marts.numbers", "qcm_data_kind": "synthetic sample"}
    manifest = json.loads((result.parquet_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == [
        {
            "file": "numbers.parquet",
            "table": "marts.numbers",
            "build": None,
            "data_kind": "synthetic sample",
        }
    ]


def add_views(work: Path, *statements: str) -> None:
    """Run ``create view`` statements in the working database."""
    con = duckdb.connect(str(work))
    for statement in statements:
        con.execute(statement)
    con.close()


def test_views_are_published_as_views_and_written_as_parquet(tmp_path: Path) -> None:
    work = working_db(tmp_path / "work.duckdb", 10)
    # a view on a view whose name sorts first: it is created after the view it reads
    add_views(
        work,
        "create view marts.zz_even as select n from marts.numbers where n % 2 = 0",
        "create view marts.aa_big_even as select n from marts.zz_even where n > 4",
    )
    result = publish(work, tmp_path / "out")
    assert result.tables["marts.zz_even"] == 5 and result.tables["marts.aa_big_even"] == 2
    con = duckdb.connect(str(result.database), read_only=True)
    kinds = dict(
        con.execute(
            "select table_name, table_type from information_schema.tables "
            "where table_schema = 'marts'"
        ).fetchall()
    )
    assert kinds == {"numbers": "BASE TABLE", "zz_even": "VIEW", "aa_big_even": "VIEW"}
    assert con.execute("select sum(n) from marts.aa_big_even").fetchone() == (6 + 8,)
    con.close()
    # another process attaching the file under another name reads the views too
    assert duckdb.sql(
        f"attach '{result.database}' as release (read_only); "
        "select count(*) from release.marts.aa_big_even"
    ).fetchone() == (2,)
    parquet = result.parquet_dir / "aa_big_even.parquet"
    assert duckdb.sql(f"select sum(n) from '{parquet}'").fetchone() == (14,)


def test_a_view_reading_an_unpublished_table_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    publish(working_db(tmp_path / "work.duckdb", 10), out)
    work = working_db(tmp_path / "work.duckdb", 10)
    add_views(work, "create view marts.leak as select x from core.hidden")
    with pytest.raises(PublishError, match=r"views could not be recreated .*marts\.leak: "):
        publish(work, out)
    con = duckdb.connect(str(out / "qcm.duckdb"), read_only=True)
    assert con.execute("select count(*) from information_schema.tables").fetchone() == (3,)
    con.close()


def test_a_view_that_lost_half_its_rows_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    work = working_db(tmp_path / "work.duckdb", 10)
    add_views(work, "create view marts.small as select n from marts.numbers where n < 8")
    con = duckdb.connect(str(work))
    con.execute("insert into meta.tables values ('marts.small', 8, 'synthetic sample')")
    con.close()
    publish(work, out)
    add_views(work, "create or replace view marts.small as select n from marts.numbers where n < 3")
    with pytest.raises(PublishError, match=r"marts\.small: 8 -> 3 rows"):
        publish(work, out)


def test_the_changelog_names_the_schema_version_of_its_newest_release() -> None:
    sql = (SQL_DIR / "meta" / "schema_version.sql").read_text(encoding="utf-8")
    version = duckdb.sql(sql).fetchone()[0]
    changelog = (SQL_DIR.parent / "CHANGELOG.md").read_text(encoding="utf-8")
    newest = changelog.split("\n## ")[1]
    heading = newest.splitlines()[0]
    named = re.findall(r"schema version (\d+)", newest)
    assert named and {int(n) for n in named} == {version}, heading


def test_a_dead_publish_leaves_no_temporary_file_after_the_next(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    # what a publish killed mid-copy leaves behind: its temporary file and write-ahead log
    (out / f"{TEMP_PREFIX}0123abcd").write_bytes(b"half a database")
    (out / f"{TEMP_PREFIX}0123abcd.wal").write_bytes(b"")
    publish(working_db(tmp_path / "work.duckdb", 10), out)
    assert sorted(p.name for p in out.iterdir()) == ["parquet", "qcm.duckdb"]


def record_dictionary(con: duckdb.DuckDBPyConnection) -> None:
    """Write ``meta.tables`` of every public table with its build from ``lineage.built``,
    as the data dictionary does before a publish."""
    con.execute(
        "create or replace table meta.tables as select t.table_schema || '.' || t.table_name "
        "as table_name, null::bigint as row_count, 'synthetic sample' as data_kind, "
        "b.run_id as built_by_run, b.signature as build_signature "
        "from information_schema.tables as t left join lineage.built as b "
        "on b.table_name = t.table_schema || '.' || t.table_name "
        "where t.table_schema in ('marts', 'meta')"
    )


def built_working_db(path: Path, builds: dict[str, str], letters: str = "abc") -> Path:
    """A working database of ``marts.numbers`` (3 rows) and ``marts.letters`` (one row
    per letter of ``letters``), each recorded as built by the run ``builds`` names, with
    its data dictionary, and a view on the letters."""
    working_db(path, 3)
    con = duckdb.connect(str(path))
    con.execute(
        "create or replace table marts.letters as select unnest(?) as letter", [list(letters)]
    )
    con.execute(
        "create or replace view marts.upper as select upper(letter) as letter from marts.letters"
    )
    con.execute("create schema if not exists lineage")
    con.execute(
        "create or replace table lineage.built (table_name varchar, signature varchar, "
        "row_count bigint, run_id varchar)"
    )
    for table, run in builds.items():
        con.execute("insert into lineage.built values (?, 'sig', 0, ?)", [table, run])
    record_dictionary(con)
    con.close()
    return path


def released(out: Path, sql: str) -> list[tuple]:
    """The rows ``sql`` reads from the release in ``out``."""
    con = duckdb.connect(str(out / "qcm.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_table_of_the_same_build_is_taken_from_the_last_release(tmp_path: Path) -> None:
    out, work = tmp_path / "out", tmp_path / "work.duckdb"
    builds = {"marts.numbers": "run1", "marts.letters": "run1"}
    first = publish(built_working_db(work, builds), out)
    assert first.reused == ()
    numbers_file = out / "parquet" / "numbers.parquet"
    inode = numbers_file.stat().st_ino
    # the numbers change without a new build (which a build never does): the release shows
    # the last release's, so they were not copied; the letters were built again
    built_working_db(work, builds | {"marts.letters": "run2"}, letters="xyzw")
    con = duckdb.connect(str(work))
    con.execute("update marts.numbers set n = n + 100")
    con.close()
    second = publish(work, out)
    assert second.reused == ("marts.numbers",)
    assert released(out, "select sum(n) from marts.numbers") == [(3,)]
    assert released(out, "select string_agg(letter, '' order by letter) from marts.upper") == [
        ("WXYZ",)
    ]
    assert numbers_file.stat().st_ino == inode  # linked, not written again
    assert duckdb.sql(f"select count(*) from '{out / 'parquet' / 'upper.parquet'}'").fetchone() == (
        4,
    )
    manifest = json.loads((out / "parquet" / "manifest.json").read_text(encoding="utf-8"))
    assert {e["file"]: e["build"] for e in manifest}["letters.parquet"] == "run2 sig"
    # nothing new: the view's file is reused too (same definition, same builds read)
    assert publish(work, out).reused == ("marts.letters", "marts.numbers", "marts.upper")


def test_a_parquet_file_of_another_kind_of_data_is_written_anew(tmp_path: Path) -> None:
    out, work = tmp_path / "out", tmp_path / "work.duckdb"
    builds = {"marts.numbers": "run1", "marts.letters": "run1"}
    publish(built_working_db(work, builds), out)
    numbers = out / "parquet" / "numbers.parquet"
    inode = numbers.stat().st_ino
    con = duckdb.connect(str(work))
    # a run of another kind: its sources and its data dictionary say so
    con.execute("update meta.source_files set data_kind = 'directory'")
    con.execute("update meta.tables set data_kind = 'directory'")
    con.close()
    publish(work, out)
    assert numbers.stat().st_ino != inode
    metadata = duckdb.sql(
        f"select key::varchar, value::varchar from parquet_kv_metadata('{numbers}')"
    ).fetchall()
    assert dict(metadata) == {
        "qcm_table": "marts.numbers",
        "qcm_data_kind": "directory",
        "qcm_build": "run1 sig",
    }
    assert publish(work, out).reused == ("marts.letters", "marts.numbers", "marts.upper")


def test_nothing_is_reused_without_a_record_of_the_last_builds(tmp_path: Path) -> None:
    out, work = tmp_path / "out", tmp_path / "work.duckdb"
    builds = {"marts.numbers": "run1", "marts.letters": "run1"}
    publish(built_working_db(work, builds), out)
    (out / "parquet" / "manifest.json").write_text("not json", encoding="utf-8")
    # the file still records its builds: its tables are reused, the Parquet files not
    assert publish(work, out).reused == ("marts.letters", "marts.numbers")
    # a release made before the builds were recorded reuses nothing
    publish(working_db(tmp_path / "old.duckdb", 3), out)
    assert publish(work, out).reused == ()
    assert released(out, "select count(*) from marts.letters") == [(3,)]


def test_an_unreadable_last_release_is_named_and_may_be_replaced_when_allowed(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "qcm.duckdb").write_bytes(b"not a database")
    work = working_db(tmp_path / "work.duckdb", 10)
    with pytest.raises(PublishError, match="cannot read the last release"):
        publish(work, out)
    assert publish(work, out, allow_drop=True).reused == ()
    assert released(out, "select count(*) from marts.numbers") == [(10,)]


def refreshed_by_works(
    path: Path, pairs: list[tuple[str, str]], build: tuple[str, str], rewrote: dict | None = None
) -> Path:
    """A working database whose ``marts.pairs`` (work, approach) holds ``pairs``, recorded
    as built by ``build`` (run, signature), with its data dictionary; ``rewrote`` is what
    ``pipelines.work_delta.record_rewritten_works`` recorded of that build (``previous``
    signature and ``works``), when it was a refresh by work."""
    from pipelines import lineage, work_delta

    working_db(path, 3)
    con = duckdb.connect(str(path))
    lineage.create_tables(con)
    work_delta.create_tables(con)
    con.execute("create or replace table marts.pairs (work_id varchar, approach varchar)")
    con.executemany("insert into marts.pairs values (?, ?)", pairs)
    run, signature = build
    con.execute(
        "insert or replace into lineage.built values ('marts.pairs', ?, 0, ?)", [signature, run]
    )
    con.execute("delete from lineage.rewritten_works")
    con.execute("delete from lineage.rewritten")
    if rewrote is not None:
        con.executemany(
            "insert into lineage.rewritten_works values ('marts.pairs', ?)",
            [(w,) for w in rewrote["works"]],
        )
        rows = "work_id in (select work_id from lineage.rewritten_works)"
        lineage.record_rewritten(con, "marts.pairs", rewrote["previous"], "work_id", rows, "", run)
    record_dictionary(con)
    con.close()
    return path


def test_a_table_refreshed_by_work_is_brought_up_to_date_in_the_last_release(
    tmp_path: Path,
) -> None:
    out, work = tmp_path / "out", tmp_path / "work.duckdb"
    first = [("W1", "all"), ("W2", "all"), ("W2", "photonic"), ("W3", "all")]
    assert publish(refreshed_by_works(work, first, ("run1", "sig1")), out).updated == ()
    # run2 brought it up to date by W2 (one approach fewer) and W4 (new) from sig1, which
    # the release holds: the release's copy takes their rows alone
    second = [("W1", "all"), ("W2", "all"), ("W3", "all"), ("W4", "all"), ("W4", "qkd")]
    refresh = {"previous": "sig1", "works": ["W2", "W4"]}
    result = publish(refreshed_by_works(work, second, ("run2", "sig2"), refresh), out)
    assert result.updated == ("marts.pairs",)
    assert "marts.pairs" not in result.reused
    assert released(out, "select * from marts.pairs order by all") == second
    assert duckdb.sql(f"select count(*) from '{out / 'parquet' / 'pairs.parquet'}'").fetchone() == (
        5,
    )
    # a refresh from a build the release does not hold: copied whole
    third = [*second, ("W5", "all")]
    refresh = {"previous": "sig1", "works": ["W5"]}
    result = publish(refreshed_by_works(work, third, ("run3", "sig3"), refresh), out)
    assert result.updated == ()
    assert released(out, "select * from marts.pairs order by all") == third
    # works missing from the record leave another row count: copied whole
    fourth = [*third, ("W6", "all")]
    refresh = {"previous": "sig3", "works": ["W7"]}
    result = publish(refreshed_by_works(work, fourth, ("run4", "sig4"), refresh), out)
    assert result.updated == ()
    assert released(out, "select * from marts.pairs order by all") == fourth


def test_the_trails_agree_where_their_modal_countries_of_a_year_are_the_same() -> None:
    con = duckdb.connect()
    con.execute("create schema staging")
    con.execute("create schema core")
    con.execute(
        "create table staging.researcher_evidence as select * from (values "
        # 2020: the profile's tie goes to DEU (ISO3 order), as do the authorships: agree
        "('R1', 2020, 'DEU', 'profile', 2), ('R1', 2020, 'FRA', 'profile', 2), "
        "('R1', 2020, 'DEU', 'authorships', 1), "
        # 2021: the profile says USA, the authorships GBR (3 works against 1): disagree
        "('R1', 2021, 'USA', 'profile', 1), ('R1', 2021, 'GBR', 'authorships', 3), "
        "('R1', 2021, 'USA', 'authorships', 1), "
        # one trail only: not compared
        "('R2', 2020, 'CHN', 'authorships', 1), ('R2', 2021, 'CHN', 'profile', 1)"
        ") as t(researcher_id, year, country_iso3, trail, evidence)"
    )
    run_sql(con, "core.trail_agreement_years")
    years = "select * from core.trail_agreement_years order by year"
    assert con.execute(years).fetchall() == [(2020, 1, 1), (2021, 1, 0)]
    assert con.execute(TRAIL_AGREEMENT_SQL).fetchone() == (2, 0.5)
    # no researcher-year placed by both trails: none compared, no agreement
    con.execute("delete from core.trail_agreement_years")
    assert con.execute(TRAIL_AGREEMENT_SQL).fetchone() == (0, None)


def test_a_readers_stray_write_ahead_log_never_reaches_the_next_release(tmp_path: Path) -> None:
    work = working_db(tmp_path / "work.duckdb", 3)
    release = publish(work, tmp_path / "out").database
    # a reader opens the release read-write (DuckDB's default), writes, and dies before a
    # checkpoint: its log stays beside the file
    script = (
        "import duckdb, os\n"
        f"con = duckdb.connect({str(release)!r})\n"
        "con.execute('set checkpoint_threshold = \\'1GB\\'')\n"
        "con.execute('create table mine as select 99 as x')\n"
        "con.execute('insert into marts.numbers select * from marts.numbers')\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    wal = release.with_name(release.name + ".wal")
    assert wal.exists()
    again = publish(work, tmp_path / "out")
    con = duckdb.connect(str(again.database), read_only=True)
    tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    rows = con.execute("select count(*) from marts.numbers").fetchone()[0]
    con.close()
    assert "mine" not in tables and rows == 3
    # the log is kept, aside, as the evidence of what the session did
    assert again.set_aside is not None and again.set_aside.exists() and not wal.exists()


def test_a_log_left_by_a_session_on_an_older_release_is_set_aside(tmp_path: Path) -> None:
    out = tmp_path / "out"
    work = working_db(tmp_path / "work.duckdb", 3)
    older = tmp_path / "older.duckdb"
    shutil.copyfile(publish(work, out).database, older)
    with duckdb.connect(str(older)) as con:
        con.execute("create table mine as select 99 as x")
    # a session opened the older release read-write just before a publish swapped it out,
    # wrote and died: its log, named for the path, lies beside the newer release, and
    # DuckDB cannot replay it into that file (which has no table "mine")
    script = (
        "import duckdb, os\n"
        f"con = duckdb.connect({str(older)!r})\n"
        "con.execute('set checkpoint_threshold = \\'1GB\\'')\n"
        "con.execute('insert into mine select 1')\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    working_db(work, 4)
    release = publish(work, out).database
    os.replace(older.with_name(older.name + ".wal"), release.with_name(release.name + ".wal"))
    with pytest.raises(duckdb.Error):
        duckdb.connect(str(release), read_only=True)
    again = publish(work, out)
    assert again.set_aside is not None and again.tables["marts.numbers"] == 4
    assert released(out, "select count(*) from marts.numbers") == [(4,)]


def test_a_kept_table_changed_in_the_release_is_copied_anew(tmp_path: Path) -> None:
    out, work = tmp_path / "out", tmp_path / "work.duckdb"
    builds = {"marts.numbers": "run1", "marts.letters": "run1"}
    publish(built_working_db(work, builds), out)
    # a reader deletes a row in the release, read-write, and checkpoints: the same build is
    # recorded, yet the rows are no longer the build's
    con = duckdb.connect(str(out / "qcm.duckdb"))
    con.execute("delete from marts.numbers where n = 1")
    con.execute("checkpoint")
    con.close()
    publish(work, out)
    assert released(out, "select count(*), sum(n) from marts.numbers") == [(3, 3)]


def test_a_release_open_read_write_elsewhere_is_named_and_never_swapped(tmp_path: Path) -> None:
    out = tmp_path / "out"
    work = working_db(tmp_path / "work.duckdb", 3)
    release = publish(work, out).database
    working_db(work, 5)
    # a reader's session holds the release open read-write (DuckDB's default) in another
    # process: its lock and its log must not be published under, even when drops are allowed
    script = (
        "import duckdb, sys\n"
        f"con = duckdb.connect({str(release)!r})\n"
        "print('open', flush=True)\n"
        "sys.stdin.readline()\n"
    )
    reader = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert reader.stdout.readline().strip() == "open"
        inode = release.stat().st_ino
        for allow_drop in (False, True):
            with pytest.raises(PublishError) as raised:
                publish(work, out, allow_drop=allow_drop)
            message = str(raised.value)
            assert f"(PID {reader.pid})" in message and "open read-write" in message
            assert "QCM_ALLOW_DROP" not in message and "read_only=True" in message
        assert release.stat().st_ino == inode
        assert not list(out.glob("*.set-aside")) and not list(out.glob(f"{TEMP_PREFIX}*"))
    finally:
        reader.communicate("\n", timeout=30)
    assert publish(work, out).tables["marts.numbers"] == 5


def test_exchange_rates_are_reviewed_unless_the_run_refreshed_them(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # the committed rates alone are reviewed figures; rows the World Bank refreshed in a
    # live run are the run's
    from pipelines.meta_assets import reviewed_tables

    con.execute("create schema if not exists raw")
    con.execute("create table raw.refreshed_fx_rates (currency varchar, year integer)")
    assert {"marts.fx_rates", "marts.milestones"} <= reviewed_tables(con)
    con.execute("insert into raw.refreshed_fx_rates values ('EUR', 2024)")
    reviewed = reviewed_tables(con)
    assert "marts.fx_rates" not in reviewed and "marts.milestones" in reviewed
