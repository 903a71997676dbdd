"""GX expectations' configurations kept through a validation: the same verdicts, counts and
examples as GX's own property, a field assigned is seen, nothing kept after."""

import contextlib

import duckdb
import pytest

from pipelines import contracts, expectation_memo
from pipelines.contracts import Column, Contract, check_values

pytestmark = pytest.mark.unit

# every kind of test a contract can state, each failing on some of the rows below
EVERY_TEST = Contract(
    table="core.t",
    grain="one row per id and year",
    description="test",
    columns=(
        Column("id", "VARCHAR", "id", ("not_null", {"matches": "^[a-z]$"})),
        Column("year", "INTEGER", "year", ({"between": [2000, 2030]},)),
        Column("kind", "VARCHAR", "kind", ({"in_set": ["x", "y"]},)),
        Column("country", "VARCHAR", "country", ({"in_ref": "core.countries.iso3"},)),
        Column("code", "VARCHAR", "code", ("unique",)),
        Column("share", "DOUBLE", "share", ("not_null", {"between": [0, 1]})),
    ),
    unique=("id", "year"),
)


def outcome_of(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    outcome = check_values(con, EVERY_TEST)
    return [
        (f["expectation"], f["unexpected"], f["unit"], sorted(map(str, f["examples"])))
        for f in outcome.failures
    ]


def test_checks_give_the_same_failures_with_the_configurations_kept(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    con.execute("create table core.countries as select unnest(['DEU', 'USA']) as iso3")
    con.execute(
        "create table core.t as select * from (values "
        "('a', 2020, 'x', 'DEU', 'c1', 0.5::double), ('a', 2020, 'z', 'FRA', 'c1', 1.5), "
        "('B', 1999, 'y', 'USA', 'c2', null), (null, 2021, 'q', 'XXX', 'c3', 0.2)) "
        "t(id, year, kind, country, code, share)"
    )
    kept = outcome_of(con)
    assert len(kept) == 9  # all nine expectations fail
    monkeypatch.setattr(expectation_memo, "kept_configurations", contextlib.nullcontext)
    assert outcome_of(con) == kept


def test_a_configuration_is_made_once_inside_and_afresh_outside() -> None:
    gx = contracts._great_expectations()  # installs the kept property
    expectation = gx.expectations.ExpectColumnValuesToBeInSet(column="a", value_set=["x"])
    assert expectation.configuration is not expectation.configuration
    with expectation_memo.kept_configurations():
        first = expectation.configuration
        assert expectation.configuration is first
        with expectation_memo.kept_configurations():  # nested: the outer one keeps
            assert expectation.configuration is first
        expectation.column = "b"  # a field assigned is seen at once
        assert expectation.configuration.kwargs["column"] == "b"
    assert expectation_memo._ACTIVE.kept is None
    assert expectation.configuration.kwargs == {"column": "b", "value_set": ["x"]}
