"""Table contracts: the ``<table>.yml`` beside each SQL file, and the checks they yield.

A contract states a table's grain, its columns (type, description, tests) and
table-level SQL checks, and whether the SQL file builds a table (the default) or a view
(``materialized: view``: a view reads only the published schemas, so the published file
can hold it as a view). From it come two blocking checks: the schema (every column
present with its type) and the values (a Great Expectations suite run on the table
read into a frame, plus SQL checks whose returned rows are failures).

Contract file shape::

    table: core.work_country_fractions
    materialized: table        # or view; table when absent
    grain: one row per work and country
    description: ...
    unique: [work_id, country_iso3]
    columns:
      work_id: {type: VARCHAR, description: ..., tests: [not_null]}
      fraction: {type: DOUBLE, description: ..., tests: [not_null, {between: [0, 1]}]}
    checks:
      - name: fractions_sum_to_one
        description: each work's fractions sum to 1
        sql: select work_id from ... having abs(sum(fraction) - 1) > 1e-9
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import yaml

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
EXAMPLES = 5
MATERIALIZATIONS = ("table", "view")


@dataclass(frozen=True)
class Column:
    """One column of a contract."""

    name: str
    type: str
    description: str
    tests: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Contract:
    """What a table promises: grain, columns, unique key and SQL checks."""

    table: str
    grain: str
    description: str
    columns: tuple[Column, ...]
    unique: tuple[str, ...] = ()
    checks: tuple[dict[str, str], ...] = ()
    path: Path | None = None
    materialized: str = "table"


@dataclass
class CheckOutcome:
    """The result of a value check: passed, and for each failure what and examples."""

    passed: bool
    failures: list[dict[str, Any]] = field(default_factory=list)
    expectations: int = 0

    def message(self, table: str) -> str:
        """A one-paragraph account naming table, expectation and example rows."""
        if self.passed:
            return f"{table}: all {self.expectations} expectations met"
        parts = [
            f"{f['expectation']} failed for {f['unexpected']} row(s); examples: {f['examples']}"
            for f in self.failures
        ]
        return f"{table}: " + "; ".join(parts)


def load_contract(path: Path) -> Contract:
    """Read one contract file; raise ValueError naming the file when it is malformed or
    its ``materialized`` is neither table nor view."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    materialized = data.get("materialized", "table") if isinstance(data, dict) else None
    if materialized not in MATERIALIZATIONS:
        raise ValueError(
            f"contract {path} is malformed: materialized is {materialized!r}, "
            f"expected one of {list(MATERIALIZATIONS)}"
        )
    try:
        columns = tuple(
            Column(name, spec["type"], spec["description"], tuple(spec.get("tests", [])))
            for name, spec in data["columns"].items()
        )
        return Contract(
            table=data["table"],
            grain=data["grain"],
            description=data["description"],
            columns=columns,
            unique=tuple(data.get("unique", [])),
            checks=tuple(data.get("checks", [])),
            path=path,
            materialized=materialized,
        )
    except (KeyError, TypeError, AttributeError) as err:
        raise ValueError(f"contract {path} is malformed: missing {err}") from err


@cache
def load_contracts(sql_dir: Path) -> dict[str, Contract]:
    """Every contract below ``sql_dir``, keyed by ``schema.table``."""
    contracts = {}
    for path in sorted(sql_dir.rglob("*.yml")):
        contract = load_contract(path)
        contracts[contract.table] = contract
    return contracts


def schema_problems(con: duckdb.DuckDBPyConnection, contract: Contract) -> list[str]:
    """Differences between the table in the database and its contract (empty if none)."""
    schema, table = contract.table.split(".")
    actual = dict(
        con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
    )
    if not actual:
        return [f"{contract.table} does not exist"]
    problems = []
    for column in contract.columns:
        if column.name not in actual:
            problems.append(f"column {column.name} is missing")
        elif actual[column.name] != column.type:
            problems.append(
                f"column {column.name} is {actual[column.name]}, contract says {column.type}"
            )
    extra = set(actual) - {c.name for c in contract.columns}
    if extra:
        problems.append(f"columns not in the contract: {sorted(extra)}")
    return problems


def _expectations(contract: Contract, con: duckdb.DuckDBPyConnection) -> list[Any]:
    import great_expectations as gx

    exp = gx.expectations
    out: list[Any] = []
    if len(contract.unique) == 1:
        out.append(exp.ExpectColumnValuesToBeUnique(column=contract.unique[0]))
    elif contract.unique:
        out.append(exp.ExpectCompoundColumnsToBeUnique(column_list=list(contract.unique)))
    for column in contract.columns:
        for test in column.tests:
            name, arg = (test, None) if isinstance(test, str) else next(iter(test.items()))
            if name == "not_null":
                out.append(exp.ExpectColumnValuesToNotBeNull(column=column.name))
            elif name == "unique":
                out.append(exp.ExpectColumnValuesToBeUnique(column=column.name))
            elif name == "between":
                low, high = arg
                out.append(
                    exp.ExpectColumnValuesToBeBetween(
                        column=column.name, min_value=low, max_value=high
                    )
                )
            elif name == "in_set":
                out.append(exp.ExpectColumnValuesToBeInSet(column=column.name, value_set=list(arg)))
            elif name == "in_ref":
                ref_table, ref_column = arg.rsplit(".", 1)
                values = [
                    r[0] for r in con.execute(f"select {ref_column} from {ref_table}").fetchall()
                ]
                out.append(exp.ExpectColumnValuesToBeInSet(column=column.name, value_set=values))
            elif name == "matches":
                out.append(exp.ExpectColumnValuesToMatchRegex(column=column.name, regex=arg))
            else:
                raise ValueError(
                    f"contract {contract.table}: unknown test {name!r} on {column.name}"
                )
    return out


def _quiet_gx() -> Any:
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}
    return context


def check_values(con: duckdb.DuckDBPyConnection, contract: Contract) -> CheckOutcome:
    """Run the contract's GX expectations and SQL checks on the table as it is now."""
    import great_expectations as gx

    expectations = _expectations(contract, con)
    outcome = CheckOutcome(passed=True, expectations=len(expectations) + len(contract.checks))
    if expectations:
        frame = con.execute(f"select * from {contract.table}").df()
        context = _quiet_gx()
        batch = (
            context.data_sources.add_pandas(name="qcm")
            .add_dataframe_asset(name=contract.table)
            .add_batch_definition_whole_dataframe("whole")
            .get_batch(batch_parameters={"dataframe": frame})
        )
        suite = gx.ExpectationSuite(name=contract.table, expectations=expectations)
        # pass or fail first (half the cost); the counts and examples only when it failed
        result = batch.validate(suite, result_format="BOOLEAN_ONLY")
        if not result.success:
            result = batch.validate(suite, result_format="SUMMARY")
        for item in result.results:
            if not item.success:
                config = item.expectation_config
                kwargs = {k: v for k, v in config.kwargs.items() if k in ("column", "column_list")}
                outcome.failures.append(
                    {
                        "expectation": f"{config.type}({kwargs})",
                        "unexpected": item.result.get("unexpected_count"),
                        "examples": item.result.get("partial_unexpected_list", [])[:EXAMPLES],
                    }
                )
    for check in contract.checks:
        rows = con.execute(f"select * from ({check['sql']}) limit {EXAMPLES}").fetchall()
        if rows:
            count = con.execute(f"select count(*) from ({check['sql']})").fetchone()
            outcome.failures.append(
                {
                    "expectation": f"{check['name']} ({check['description']})",
                    "unexpected": count[0] if count else None,
                    "examples": [list(r) for r in rows],
                }
            )
    outcome.passed = not outcome.failures
    return outcome
