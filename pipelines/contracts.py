"""Table contracts: the ``<table>.yml`` beside each SQL file, and the checks they yield.

A contract states a table's grain, its columns (type, description, tests) and
table-level SQL checks, and whether the SQL file builds a table (the default) or a view
(``materialized: view``: a view reads only the published schemas, so the published file
can hold it as a view). ``refresh: by_work`` promises that a work's rows depend only on
that work's rows in the per-work inputs, ``refresh: by_year`` that the rows of a
publication year (``year_column``, ``year`` when absent) depend only on the rows of that
year's works (see ``pipelines.work_delta``), so a build brings the table up to date by
the works that changed; ``whole`` (the default) builds it whole. From it come two
blocking checks: the schema (every column present with its type) and the values (a Great
Expectations suite run on the table read into a frame, plus SQL checks whose returned
rows are failures).

Contract file shape::

    table: core.work_country_fractions
    materialized: table        # or view; table when absent
    refresh: by_work           # or by_year, or whole (the default)
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

import gc
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import yaml

from pipelines import expectation_memo

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
EXAMPLES = 5
# a table up to this size is validated whole (see _frames); a larger one on its distinct
# values, far fewer rows for pandas: at a million works the checks took 47 s and
# peaked at 2.0 GB with a million here, 34 s and 1.9 GB with 50,000
WHOLE_ROWS = 50_000
MATERIALIZATIONS = ("table", "view")
# temporary: the rows a check on some rows reads, selected once (each frame would select
# them again: a condition on a record key, say, read over every row of a raw table)
CHECKED_ROWS = "qcm_checked_rows"
REFRESHES = ("whole", "by_work", "by_year")
# PyYAML's safe loader in C (libyaml, in PyYAML's wheels) where it was built: it read all
# the contracts (209 when measured) in 0.11 s, the pure-Python one in 0.8 s, to the same
# values; they are read at every import of the pipeline and in each build
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Expectation:
    """A GX expectation of a contract, the columns it reads and its kind (``unique`` for
    uniqueness, ``values`` for a test each value passes or fails on its own, ``null`` for
    not null: a value test that reads only whether a value is null)."""

    expectation: Any
    columns: tuple[str, ...]
    kind: str


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
    refresh: str = "whole"
    year_column: str = "year"

    @property
    def refresh_key(self) -> str | None:
        """The column a refresh that is not whole selects rows by: ``work_id`` or the
        year column."""
        return {"by_work": "work_id", "by_year": self.year_column}.get(self.refresh)


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
            f"{f['expectation']} failed for {f['unexpected']} {f.get('unit', 'row(s)')}; "
            f"examples: {f['examples']}"
            for f in self.failures
        ]
        return f"{table}: " + "; ".join(parts)


def load_contract(path: Path) -> Contract:
    """Read one contract file; raise ValueError naming the file when it is malformed, its
    ``materialized`` is neither table nor view, or its ``refresh`` neither whole, by_work
    nor by_year (which need a table with their ``work_id`` or year column)."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    data = data if isinstance(data, dict) else {}
    materialized = data.get("materialized", "table")
    refresh = data.get("refresh", "whole")
    year_column = data.get("year_column", "year")
    if materialized not in MATERIALIZATIONS:
        raise ValueError(
            f"contract {path} is malformed: materialized is {materialized!r}, "
            f"expected one of {list(MATERIALIZATIONS)}"
        )
    if refresh not in REFRESHES:
        raise ValueError(
            f"contract {path} is malformed: refresh is {refresh!r}, "
            f"expected one of {list(REFRESHES)}"
        )
    try:
        columns = tuple(
            Column(name, spec["type"], spec["description"], tuple(spec.get("tests", [])))
            for name, spec in data["columns"].items()
        )
        contract = Contract(
            table=data["table"],
            grain=data["grain"],
            description=data["description"],
            columns=columns,
            unique=tuple(data.get("unique", [])),
            checks=tuple(data.get("checks", [])),
            path=path,
            materialized=materialized,
            refresh=refresh,
            year_column=year_column,
        )
    except (KeyError, TypeError, AttributeError) as err:
        raise ValueError(f"contract {path} is malformed: missing {err}") from err
    key = contract.refresh_key
    if key is not None and (materialized != "table" or key not in {c.name for c in columns}):
        raise ValueError(
            f"contract {path}: refresh {refresh} needs a table (not a view) with a {key} column"
        )
    return contract


@cache
def load_contracts(sql_dir: Path) -> dict[str, Contract]:
    """Every contract below ``sql_dir``, keyed by ``schema.table``."""
    contracts = {}
    for path in sorted(sql_dir.rglob("*.yml")):
        contract = load_contract(path)
        contracts[contract.table] = contract
    return contracts


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """Each column of ``schema.table`` with its type, in order (empty when it is absent).

    Read with ``describe``, which looks up the one table: 0.4 ms a call on a million-work
    working database, against 3 ms to 5 ms for ``duckdb_columns()`` (which lists every
    column of the database's 220 tables and views to keep one table's) and more for
    ``information_schema.columns``, a view over it, the same names and types for all of
    them. A run asks about 350 times (a million-work rerun: 348). Only when ``describe``
    finds nothing, the table being absent or a view whose tables are gone, is the
    catalogue's record read (empty for an absent table, the columns the view was made
    with otherwise)."""
    schema, name = table.split(".")
    try:
        return [row[:2] for row in con.execute(f'describe "{schema}"."{name}"').fetchall()]
    except duckdb.CatalogException:
        return con.execute(
            "select column_name, data_type from duckdb_columns() "
            "where schema_name = ? and table_name = ? order by column_index",
            [schema, name],
        ).fetchall()


def schema_problems(con: duckdb.DuckDBPyConnection, contract: Contract) -> list[str]:
    """Differences between the table in the database and its contract (empty if none):
    columns missing, of another type, not in the contract, or in another order."""
    actual = dict(table_columns(con, contract.table))
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
    order = [c.name for c in contract.columns]
    if not problems and list(actual) != order:
        # meta.columns numbers a column by its place in the contract: it must be the table's
        moved = [name for name, listed in zip(actual, order, strict=True) if name != listed]
        problems.append(
            f"columns in another order than the contract's (from {moved[0]} on): {list(actual)}"
        )
    return problems


@cache
def _great_expectations() -> Any:
    """The ``great_expectations`` module, imported once (it takes seconds), with its
    logging quiet and its objects out of the garbage collector's reach.

    ``check_values`` runs a full garbage collection after each frame it validates (see
    ``_failures``). Importing GX adds about 400,000 long-lived objects, over which each
    collection would cost about 150 ms; they are collected once and frozen here
    (``gc.freeze``), after which a collection costs milliseconds. Its expectations'
    configurations are kept through a validation (``pipelines.expectation_memo``).
    """
    import great_expectations as gx
    from great_expectations.expectations.expectation import Expectation as GxExpectation

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    expectation_memo.install(GxExpectation)
    gc.collect()
    gc.freeze()
    return gx


def _expectations(contract: Contract, con: duckdb.DuckDBPyConnection) -> list[Expectation]:
    """The contract's GX expectations, each with the columns it reads and its kind."""
    exp = _great_expectations().expectations
    out: list[Expectation] = []
    if contract.unique:
        key = list(contract.unique)
        made = (
            exp.ExpectColumnValuesToBeUnique(column=key[0])
            if len(key) == 1
            else exp.ExpectCompoundColumnsToBeUnique(column_list=key)
        )
        out.append(Expectation(made, contract.unique, "unique"))
    for column in contract.columns:
        for test in column.tests:
            name, arg = (test, None) if isinstance(test, str) else next(iter(test.items()))
            kind = "values"
            if name == "not_null":
                made, kind = exp.ExpectColumnValuesToNotBeNull(column=column.name), "null"
            elif name == "unique":
                made, kind = exp.ExpectColumnValuesToBeUnique(column=column.name), "unique"
            elif name == "between":
                low, high = arg
                made = exp.ExpectColumnValuesToBeBetween(
                    column=column.name, min_value=low, max_value=high
                )
            elif name == "in_set":
                made = exp.ExpectColumnValuesToBeInSet(column=column.name, value_set=list(arg))
            elif name == "in_ref":
                ref_table, ref_column = arg.rsplit(".", 1)
                values = [
                    r[0] for r in con.execute(f"select {ref_column} from {ref_table}").fetchall()
                ]
                made = exp.ExpectColumnValuesToBeInSet(column=column.name, value_set=values)
            elif name == "matches":
                made = exp.ExpectColumnValuesToMatchRegex(column=column.name, regex=arg)
            else:
                raise ValueError(
                    f"contract {contract.table}: unknown test {name!r} on {column.name}"
                )
            out.append(Expectation(made, (column.name,), kind))
    return out


# the calling thread's GX context (``_quiet_gx``)
_THREAD = threading.local()


def _quiet_gx() -> Any:
    """The calling thread's ephemeral GX context without progress bars, that does not save
    its project configuration; made at the thread's first check and used by the next.

    An ephemeral context keeps nothing, but GX still serialises its whole project
    configuration to YAML (in memory) each time a data source, asset or batch definition
    is added or a data source deleted: four times for every frame ``_failures``
    validates, about 6 ms each, 60% of the cost of a small frame (GX 1.24). Nothing reads
    that copy back, so this context's save does nothing.

    Making the context took about a sixth of a small table's check (all 209 checks of the
    sample's tables: 13.2 s of processor time instead of 16.0 s). What the context holds
    between checks is nothing a check leaves: each frame is validated in a data source of
    its own, deleted after it (``_failures``), with its own execution engine and metrics;
    the suites are never added to the context.
    """
    context = getattr(_THREAD, "gx_context", None)
    if context is None:
        context = _great_expectations().get_context(mode="ephemeral")
        context.variables.progress_bars = {"globally": False, "metric_calculations": False}
        context._save_project_config = lambda: None  # a private method of GX: see above
        _THREAD.gx_context = context
    return context


def _quoted(columns: Sequence[str]) -> str:
    return ", ".join(f'"{name}"' for name in columns)


def _frames(
    con: duckdb.DuckDBPyConnection, table: str, expectations: list[Expectation]
) -> Iterator[tuple[str, Any, list[Expectation]]]:
    """The frames GX validates, each with its expectations and what one of its rows is
    (``table`` the name of the contract's table, or of a table of some of its rows).

    A table of up to ``WHOLE_ROWS`` rows is one frame of the columns the expectations
    read. A larger one is never read whole: each column's value expectations (not null,
    in a set, between, matching) are validated on the column's distinct values, and each
    uniqueness expectation on the rows whose key occurs more than once. Every row of the
    table passes a value expectation exactly when every distinct value does, and only
    repeated keys can break uniqueness, so the verdicts are the table's own; the frames
    are read ``WHOLE_ROWS`` rows at a time, so memory stays bounded. A column whose only
    test is not null (most ids) is validated on one value of each kind it holds, null
    and not null: that is all the test reads, and its failure is the same one distinct
    value, null (at three million works, 2 rows instead of 3 million per id column). Such
    columns are read in one scan and validated in one frame (``_null_frames``): GX's own
    cost of a frame (about 5 ms) is more than a column's scan. An empty table gives no
    frame: it meets every expectation, as GX finds on an empty frame, in about 23 ms of
    GX's own work a table (a build of one-page sources has 50 empty tables of 230: 1.2 s).
    """
    rows = con.execute(f"select count(*) from {table}").fetchone()[0]
    if rows == 0:
        return
    if rows <= WHOLE_ROWS:
        columns = _quoted(dict.fromkeys(c for e in expectations for c in e.columns))
        yield "row(s)", con.execute(f"select {columns} from {table}").df(), expectations
        return
    queries = []
    for expectation in (e for e in expectations if e.kind == "unique"):
        key = _quoted(expectation.columns)
        queries.append(
            (
                "row(s)",
                f"select {key} from {table} where ({key}) in "
                f"(select {key} from {table} group by all having count(*) > 1)",
                [expectation],
            )
        )
    by_column: dict[str, list[Expectation]] = {}
    for expectation in (e for e in expectations if e.kind in ("values", "null")):
        by_column.setdefault(expectation.columns[0], []).append(expectation)
    null_only = {
        column: column_expectations
        for column, column_expectations in by_column.items()
        if all(e.kind == "null" for e in column_expectations)
    }
    for column, column_expectations in by_column.items():
        if column not in null_only:
            query = f'select distinct "{column}" from {table}'
            queries.append(("distinct value(s)", query, column_expectations))
    for unit, query, frame_expectations in queries:
        result = con.execute(query)
        while True:
            chunk = result.fetch_df_chunk(WHOLE_ROWS // 2048)
            if chunk.empty:
                break
            yield unit, chunk, frame_expectations
    if null_only:
        yield from _null_frames(con, table, null_only)


def _null_frames(
    con: duckdb.DuckDBPyConnection, table: str, null_only: dict[str, list[Expectation]]
) -> Iterator[tuple[str, Any, list[Expectation]]]:
    """The frames of the columns of ``null_only`` (column -> its not-null expectations),
    from one scan of ``table``: each column as the distinct values its test reads, one of
    each kind it holds, not null first, then null. They share one frame of two rows (a
    column without nulls repeats its value); a column holding only nulls gets a frame of
    its one distinct value, so that its failure counts one, as when read alone."""
    pairs = ", ".join(
        f'unnest([any_value("{c}"), case when bool_or("{c}" is null) then null '
        f'else any_value("{c}") end]) as "{c}"'
        for c in null_only
    )
    frame = con.execute(f"select {pairs} from {table}").df()
    only_nulls = [c for c in null_only if frame[c].isna().all()]
    shared = [c for c in null_only if c not in only_nulls]
    if shared:
        yield "distinct value(s)", frame[shared], [e for c in shared for e in null_only[c]]
    for column in only_nulls:
        yield "distinct value(s)", frame[[column]].head(1), null_only[column]


def _failures(
    context: Any, name: str, frame: Any, expectations: list[Expectation]
) -> list[tuple[str, int, list[Any]]]:
    """Validate one frame in a GX data source of its own, deleted after (also when GX
    raises); return each failed expectation's name, count of unexpected rows or values,
    and examples.

    GX holds the frame, its batch and its metrics in the data source's execution engine,
    and the data source, engine and batch refer to each other: once the data source is
    deleted and this function has returned, they are a garbage cycle that only a
    collection frees.
    """
    gx = _great_expectations()
    source = context.data_sources.add_pandas(name=name)
    try:
        batch = (
            source.add_dataframe_asset(name=name)
            .add_batch_definition_whole_dataframe("whole")
            .get_batch(batch_parameters={"dataframe": frame})
        )
        with expectation_memo.kept_configurations():
            suite = gx.ExpectationSuite(
                name=name, expectations=[e.expectation.copy() for e in expectations]
            )
            # pass or fail first (half the cost); the counts and examples only when it failed
            result = batch.validate(suite, result_format="BOOLEAN_ONLY")
            if not result.success:
                result = batch.validate(suite, result_format="SUMMARY")
        failures = []
        for item in result.results:
            if item.success:
                continue
            config = item.expectation_config
            kwargs = {k: v for k, v in config.kwargs.items() if k in ("column", "column_list")}
            failures.append(
                (
                    f"{config.type}({kwargs})",
                    item.result.get("unexpected_count") or 0,
                    list(item.result.get("partial_unexpected_list", [])),
                )
            )
    finally:
        context.data_sources.delete(source.name)
    return failures


def checkable_on_rows(contract: Contract, key: str | None) -> bool:
    """Whether the GX expectations of ``contract`` can be run alone on the rows a build
    wrote again, selected by the column ``key`` (some works or years: the contract's
    ``refresh_key``; the records of some files: ``record_key``), the table's other rows
    having passed them before: every value test reads one value at a time, and every
    uniqueness is of a key holding ``key`` (rows written again never share it with rows
    kept)."""
    unique_columns = {
        column.name for column in contract.columns for test in column.tests if test == "unique"
    }
    return (
        key is not None
        and unique_columns <= {key}
        and (not contract.unique or key in contract.unique)
    )


def _expectation_failures(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    relation: str,
    expectations: list[Expectation],
) -> list[dict[str, Any]]:
    """Validate ``expectations`` (of ``contract``'s table) on ``relation`` (the table, or a
    table of some of its rows) frame by frame; return each failed expectation with its
    count of unexpected rows or values and examples."""
    context = _quiet_gx()
    failed: dict[str, dict[str, Any]] = {}
    for number, (unit, frame, frame_expectations) in enumerate(
        _frames(con, relation, expectations)
    ):
        name = f"{contract.table}-{number}"
        for expectation, unexpected, examples in _failures(
            context, name, frame, frame_expectations
        ):
            failure = failed.setdefault(
                expectation,
                {"expectation": expectation, "unexpected": 0, "unit": unit, "examples": []},
            )
            failure["unexpected"] += unexpected
            failure["examples"] = (failure["examples"] + examples)[:EXAMPLES]
        gc.collect()
    return list(failed.values())


def check_values(
    con: duckdb.DuckDBPyConnection, contract: Contract, rows: str | None = None
) -> CheckOutcome:
    """Run the contract's GX expectations and SQL checks on the table as it is now; with
    ``rows`` (a SQL condition, for a ``checkable_on_rows`` contract), the expectations on
    the rows that meet it alone, the SQL checks still on the whole table.

    Each frame GX has validated is freed before the next is read: a full garbage
    collection after each frame frees the cycle ``_failures`` leaves (without it, the
    frames of a large table piled up until the next collection: about 0.3 GB in one check
    at three million works). The ``rows`` are selected once, into a temporary table of
    the columns the expectations read.
    """
    expectations = _expectations(contract, con)
    outcome = CheckOutcome(passed=True, expectations=len(expectations) + len(contract.checks))
    if expectations and rows is None:
        outcome.failures.extend(_expectation_failures(con, contract, contract.table, expectations))
    elif expectations:
        columns = _quoted(dict.fromkeys(c for e in expectations for c in e.columns))
        con.execute(
            f"create or replace temp table {CHECKED_ROWS} as "
            f"select {columns} from {contract.table} where {rows}"
        )
        try:
            outcome.failures.extend(
                _expectation_failures(con, contract, CHECKED_ROWS, expectations)
            )
        finally:
            con.execute(f"drop table if exists {CHECKED_ROWS}")
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
