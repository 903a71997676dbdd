"""Signatures: a table whose SQL and inputs did not change is kept, and a check that passed
on the same rows is not run again; any change builds and checks again."""

from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from pipelines import lineage
from pipelines.contracts import Column, Contract
from pipelines.db import load_parsed
from pipelines.parse_cache import Parsed, ParseUse
from pipelines.resources import QcmResource
from pipelines.sql_assets import build_sql_assets
from tests.unit.test_contracts import write_table_files

pytestmark = pytest.mark.unit


@pytest.fixture
def db(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The in-memory connection with the lineage tables, as the working database has them."""
    lineage.create_tables(con)
    return con


def test_a_content_signature_is_the_rows_in_any_order(con: duckdb.DuckDBPyConnection) -> None:
    # a column named t: the whole row is hashed, not a column that has the alias's name
    rows = "select range as t, range::varchar as name from range(50)"
    con.execute(f"create table raw.t as {rows}")
    signed = lineage.content_signature(con, "raw.t")
    con.execute("create or replace table raw.t as select * from raw.t order by t desc")
    assert lineage.content_signature(con, "raw.t") == signed
    con.execute("update raw.t set name = 'x' where t = 7")
    assert lineage.content_signature(con, "raw.t") != signed
    con.execute(f"create or replace table raw.t as {rows}")
    con.execute("alter table raw.t rename name to label")
    assert lineage.content_signature(con, "raw.t") != signed
    con.execute("insert into raw.t values (1, '1')")  # a duplicate row counts
    assert lineage.content_signature(con, "raw.t") != signed
    assert lineage.content_signature(con, "raw.absent") != signed


def test_a_python_table_is_signed_once_per_run_and_a_sql_table_by_its_build(
    db: duckdb.DuckDBPyConnection,
) -> None:
    def signed(table: str, run_id: str, sql_tables: tuple[str, ...] = ()) -> str:
        return lineage.signatures(db, [table], run_id, sql_tables)[table]

    db.execute("create table raw.t as select 1 as id")
    first = signed("raw.t", "run-1")
    db.execute("insert into raw.t values (2)")
    assert signed("raw.t", "run-1") == first  # taken once in a run
    assert signed("raw.t", "run-2") != first  # and again in the next
    db.execute("create table core.s as select 1 as id")
    lineage.record_build(db, "core.s", "built-under", 1, "run-1")
    assert signed("core.s", "run-2", ("core.s",)) == "built-under"
    # a table no longer built from SQL is signed by its content, whatever was recorded
    assert signed("core.s", "run-2") != "built-under"


def test_a_writer_signs_its_table_by_what_decides_its_rows_in_its_own_run(
    db: duckdb.DuckDBPyConnection,
) -> None:
    def signed(run_id: str) -> str:
        return lineage.signatures(db, ["raw.t"], run_id, ())["raw.t"]

    db.execute("create table raw.t as select 1 as id")
    by_content = signed("run-1")
    assert lineage.last_signed(db, "raw.t") == by_content
    # the writer of run 2 forgets the signature, writes, then signs by its inputs
    lineage.unsign(db, ["raw.t"])
    assert lineage.last_signed(db, "raw.t") is None
    db.execute("insert into raw.t values (2)")
    declared = lineage.declare(db, "raw.t", ["key", [["a.json", "ab12"]]], "run-2")
    assert signed("run-2") == declared != by_content  # no scan: the declared signature
    assert lineage.declare(db, "raw.t", ["key", [["a.json", "ab12"]]], "run-3") == declared
    assert lineage.declare(db, "raw.t", ["key", [["a.json", "cd34"]]], "run-3") != declared
    # a run that did not write it signs it by its content
    assert signed("run-4") == lineage.content_signature(db, "raw.t") != declared


def test_a_parsed_table_is_loaded_again_only_from_another_parse(
    db: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    def parse(key: str, *parts: pl.DataFrame) -> Parsed:
        paths = []
        for number, part in enumerate(parts):
            paths.append(tmp_path / f"{key}-{number}.parquet")
            part.write_parquet(paths[-1])
        return Parsed({"raw.t": paths}, key, ParseUse())

    def load(parsed: Parsed, run_id: str) -> list[str]:
        counts, kept = load_parsed(db, parsed, ["raw.t"], run_id)
        assert counts == {"raw.t": db.execute("select count(*) from raw.t").fetchone()[0]}
        return kept

    first = parse("k1", pl.DataFrame({"id": [1, 2]}), pl.DataFrame({"id": [3]}))
    assert load(first, "run-1") == []
    assert db.execute("select id from raw.t").fetchall() == [(1,), (2,), (3,)]  # in order
    signed = lineage.signatures(db, ["raw.t"], "run-1", ())["raw.t"]
    assert signed == lineage.last_signed(db, "raw.t")  # declared by the parse: no scan
    # the same parse: kept as it is (not read again), signed the same for the new run
    db.execute("insert into raw.t values (9)")
    assert load(first, "run-2") == ["raw.t"]
    assert lineage.signatures(db, ["raw.t"], "run-2", ())["raw.t"] == signed
    assert db.execute("select count(*) from raw.t").fetchone() == (4,)
    # another parse, the table gone, or signed by its content in a run that read it
    # without loading it: loaded
    assert load(parse("k2", pl.DataFrame({"id": [1]})), "run-3") == []
    assert load(first, "run-4") == []
    db.execute("drop table raw.t")
    assert load(first, "run-5") == []
    lineage.signatures(db, ["raw.t"], "run-6", ())
    assert load(first, "run-7") == []
    assert db.execute("select id from raw.t").fetchall() == [(1,), (2,), (3,)]


def test_rewritten_rows_are_named_for_their_run_alone(db: duckdb.DuckDBPyConnection) -> None:
    lineage.record_rewritten(db, "raw.t", "before", "record_key", "false", "no records", "run-1")
    found = ("before", "record_key", "false", "no records")
    assert lineage.rewritten(db, "raw.t", "run-1") == found
    assert lineage.rewritten(db, "raw.t", "run-2") is None
    lineage.unsign(db, ["raw.t"])  # its writer is about to change it again
    assert lineage.rewritten(db, "raw.t", "run-1") is None


def test_comments_go_and_quoted_dashes_stay() -> None:
    sql = "select 'a--b' as x, \"c--d\" -- it's a comment\nfrom core.t -- 'not a string\n"
    assert lineage.sql_code(sql) == "select 'a--b' as x, \"c--d\" \nfrom core.t "
    # what follows a quoted "--" on its line is code: the table it reads, an edit of it
    one = "select 'a--b' as x from core.t"
    assert lineage.referenced_tables(one) == {"core.t"}
    assert lineage.lineage_signature(one, "table", {}) != lineage.lineage_signature(
        one.replace("from core.t", "from core.u"), "table", {}
    )
    assert lineage.referenced_tables("select 1 -- from core.hidden\nfrom core.t") == {"core.t"}


def test_a_lineage_signature_changes_with_the_sql_and_its_inputs_but_not_its_comments() -> None:
    sql, inputs = "select * from raw.t", {"raw.t": "a"}
    signed = lineage.lineage_signature(sql, "table", inputs)
    assert lineage.lineage_signature(sql, "table", dict(inputs)) == signed
    assert lineage.lineage_signature(sql + " where id > 1", "table", inputs) != signed
    assert lineage.lineage_signature(sql, "view", inputs) != signed
    assert lineage.lineage_signature(sql, "table", {"raw.t": "b"}) != signed
    # comments are not read: an edit in one does not count
    assert lineage.lineage_signature(sql + "\n-- not current_date", "table", inputs) == signed


def test_a_table_is_kept_only_as_built(db: duckdb.DuckDBPyConnection) -> None:
    assert lineage.kept_rows(db, "core.s", "sig") is None  # never built
    db.execute("create table core.s as select range as id from range(3)")
    lineage.record_build(db, "core.s", "sig", 3, "run-1")
    assert lineage.kept_rows(db, "core.s", "sig") == 3
    assert lineage.kept_rows(db, "core.s", "other") is None
    db.execute("delete from core.s where id = 0")  # changed behind the build's back
    assert lineage.kept_rows(db, "core.s", "sig") is None
    db.execute("drop table core.s")
    assert lineage.kept_rows(db, "core.s", "sig") is None
    db.execute(f"delete from {lineage.BUILT} where table_name = 'core.s'")  # never built
    db.execute("create table core.s as select range as id from range(3)")
    assert lineage.kept_rows(db, "core.s", "sig") is None


def test_a_contract_reads_its_reference_tables_and_what_its_checks_name() -> None:
    contract = Contract(
        table="core.t",
        grain="one row",
        description="test",
        columns=(
            Column("id", "VARCHAR", "id", ("not_null",)),
            Column("iso3", "VARCHAR", "country", ({"in_ref": "ref.countries.iso3"},)),
        ),
        checks=(
            {
                "name": "a",
                "description": "a",
                "sql": "select id from core.t except select id from staging.t -- not core.u",
            },
        ),
    )
    assert lineage.contract_reads(contract) == {"ref.countries", "staging.t"}
    # its expectations read the reference table alone: their key leaves the SQL checks'
    # tables out, the whole check's does not
    assert lineage.expectation_reads(contract) == {"ref.countries"}
    signed = {"core.t": "t1", "ref.countries": "c1", "staging.t": "s1"}
    other = {**signed, "staging.t": "s2"}
    assert lineage.check_key(contract, signed) != lineage.check_key(contract, other)
    assert lineage.expectations_key(contract, signed) == lineage.expectations_key(contract, other)
    for changed in ({**signed, "core.t": "t2"}, {**signed, "ref.countries": "c2"}):
        assert lineage.expectations_key(contract, changed) != lineage.expectations_key(
            contract, signed
        )


def test_a_build_keeps_what_did_not_change_and_builds_and_checks_what_did(
    tmp_path: Path,
) -> None:
    source = tmp_path / "source.txt"
    sql_dir = tmp_path / "sql"
    between = ({"between": [0, 100]},)
    write_table_files(sql_dir, "core.a", "select x from raw.src", "table", ("not_null",))
    write_table_files(sql_dir, "marts.b", "select x + 1 as x from core.a", "table", between)

    @dg.asset(key=["raw", "src"])
    def src(qcm: QcmResource) -> None:
        values = [int(v) for v in source.read_text().split()]
        with qcm.connect() as con:
            con.execute("create or replace table raw.src (x integer)")
            con.executemany("insert into raw.src values (?)", [[v] for v in values])

    assets = build_sql_assets(sql_dir, {"raw.src": src.key})
    qcm = QcmResource(out_dir=str(tmp_path / "out"), state_dir=str(tmp_path / "state"))

    def build() -> tuple[dict[str, bool], dict[str, str]]:
        """Materialise everything; whether each SQL table was kept, each check's verdict."""
        result = dg.materialize([src, *assets], resources={"qcm": qcm}, raise_on_error=False)
        kept = {
            m.asset_key.to_user_string(): m.metadata["kept"].value
            for m in result.get_asset_materialization_events()
            for m in [m.event_specific_data.materialization]
            if "kept" in m.metadata
        }
        verdicts = {
            e.check_name: ("passed" if e.passed else "failed")
            + (" again" if "verified_in" in e.metadata else "")
            for e in result.get_asset_check_evaluations()
        }
        return kept, verdicts

    source.write_text("1 2 3")
    assert build() == (
        {"core/a": False, "marts/b": False},
        {"contract_core__a": "passed", "contract_marts__b": "passed"},
    )
    assert build() == (
        {"core/a": True, "marts/b": True},
        {"contract_core__a": "passed again", "contract_marts__b": "passed again"},
    )
    source.write_text("3 2 1")  # the same rows, rewritten in another order
    assert build()[0] == {"core/a": True, "marts/b": True}
    source.write_text("1 2 300")  # a changed input: everything after it built and checked
    assert build() == (
        {"core/a": False, "marts/b": False},
        {"contract_core__a": "passed", "contract_marts__b": "failed"},
    )
    # a failed check is run again, not remembered; a changed SQL file builds its table
    write_table_files(sql_dir, "marts.b", "select x - 1 as x from core.a", "table", between)
    assets = build_sql_assets(sql_dir, {"raw.src": src.key})
    assert build() == (
        {"core/a": True, "marts/b": False},
        {"contract_core__a": "passed again", "contract_marts__b": "failed"},
    )
    with duckdb.connect(str(tmp_path / "state" / "work" / "qcm.duckdb")) as con:
        con.execute("drop table marts.b")
    assert build()[0] == {"core/a": True, "marts/b": False}


def test_a_sql_tables_check_runs_in_its_step_and_either_can_run_alone(tmp_path: Path) -> None:
    write_table_files(tmp_path / "sql", "core.a", "select 1 as x", "table", ("not_null",))
    [asset] = build_sql_assets(tmp_path / "sql", {})
    check = dg.AssetCheckKey(asset.key, "contract_core__a")
    qcm = QcmResource(out_dir=str(tmp_path / "out"), state_dir=str(tmp_path / "state"))

    def run(selection: dg.AssetSelection) -> tuple[list[str], list[str], list[str]]:
        """The steps run, the assets materialised and the checks evaluated."""
        result = dg.materialize([asset], resources={"qcm": qcm}, selection=selection)
        steps = [e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS"]
        built = [m.asset_key.to_user_string() for m in result.get_asset_materialization_events()]
        checked = [e.check_name for e in result.get_asset_check_evaluations()]
        return steps, built, checked

    assert run(dg.AssetSelection.all()) == (["core__a"], ["core/a"], ["contract_core__a"])
    assert run(dg.AssetSelection.checks(check)) == (["core__a"], [], ["contract_core__a"])
    assert run(dg.AssetSelection.assets(asset.key).without_checks()) == (
        ["core__a"],
        ["core/a"],
        [],
    )
