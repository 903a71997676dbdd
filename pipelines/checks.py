"""Blocking Dagster asset checks built from table contracts (``sql/**/<table>.yml``)."""

import time
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

import dagster as dg
import duckdb

from pipelines import as_of, lineage
from pipelines.contracts import Contract, check_values, checkable_on_rows, schema_problems
from pipelines.resources import QcmResource


@dataclass(frozen=True)
class ChangedRows:
    """The rows a build wrote again in a table it otherwise left as it was (a refresh by
    work or by year, ``pipelines.work_delta``; the raw rows of the files read again):
    ``previous`` the table's signature before, ``key`` the column that selects them (no
    kept row shares a value of it with them), ``rows`` the SQL condition selecting them,
    ``what`` how the log names them."""

    previous: str
    key: str
    rows: str
    what: str


def rewritten_rows(con: duckdb.DuckDBPyConnection, table: str, run_id: str) -> ChangedRows | None:
    """The rows of ``table`` its Python writer wrote again in run ``run_id``, as it
    recorded them (``lineage.record_rewritten``), or None."""
    found = lineage.rewritten(con, table, run_id)
    return None if found is None else ChangedRows(*found)


def check_name(contract: Contract) -> str:
    """The name of the contract check of ``contract``'s table: ``contract_<schema>__<table>``."""
    return "contract_" + contract.table.replace(".", "__")


def contract_spec(asset_key: dg.AssetKey, contract: Contract) -> dg.AssetCheckSpec:
    """The blocking check that ``asset_key`` wrote ``contract``'s table as its contract says:
    when it fails, downstream assets of the same run do not start. Raises ValueError (when
    the job is loaded) naming a SQL check that reads the clock other than as
    ``current_date``, which a build could not fix for its run (``pipelines.as_of``)."""
    for check in contract.checks:
        where = f"contract {contract.path or contract.table}: check {check['name']}"
        as_of.refuse_other_clocks(check["sql"], where)
    return dg.AssetCheckSpec(
        check_name(contract),
        asset=asset_key,
        blocking=True,
        description=f"{contract.table} ({contract.grain}) matches its contract",
    )


def contract_result(
    context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext,
    con: duckdb.DuckDBPyConnection,
    asset_key: dg.AssetKey,
    contract: Contract,
    sql_tables: Collection[str],
    day: date,
    changed: ChangedRows | None = None,
) -> dg.AssetCheckResult:
    """Check that ``contract``'s table matches its contract's schema and values as of the
    run's ``day``: its SQL checks read that day as ``current_date`` (``as_of.dated_checks``;
    the check's key holds what they read of it).

    On failure the result's description names the table, each failed expectation and
    example rows. When the table, the tables its contract reads, the contract and the
    checking code are what they were when the check last passed (``pipelines.lineage``;
    ``sql_tables`` are those built from SQL files, signed by their lineage), the pass is
    reported again without reading the values. When the build wrote only the ``changed``
    rows again and the check's expectations last passed on the table as it was before,
    with the tables its ``in_ref`` tests read the same, its expectations are run on those
    rows alone (when the contract allows: ``checkable_on_rows``); its SQL checks read the
    whole table, whatever they read. The message is also logged; the metadata holds the
    expectations, the failures and the check's own seconds (``seconds``: a check run in
    its asset's step is told apart from the build by it).
    """
    started = time.perf_counter()
    contract = as_of.dated_checks(contract, day)
    name = check_name(contract)
    run_id = context.run.run_id
    metadata: dict[str, int | float | str] = {}
    problems = schema_problems(con, contract)
    if problems:
        lineage.record_check(con, name, None, 0, run_id)
        passed = False
        message = f"{contract.table}: schema differs from contract: " + "; ".join(problems)
    else:
        read = sorted({contract.table} | lineage.contract_reads(contract))
        signed = lineage.signatures(con, read, run_id, sql_tables)
        key = lineage.check_key(contract, signed)
        earlier = lineage.verified(con, name, key)
        if earlier is not None:
            expectations, verified_in = earlier
            passed = True
            message = (
                f"{contract.table}: all {expectations} expectations met (unchanged since they "
                f"were verified in run {verified_in})"
            )
            metadata = {"expectations": expectations, "failures": 0, "verified_in": verified_in}
        else:
            before = None
            if changed is not None and checkable_on_rows(contract, changed.key):
                # the expectations' pass on the table as it was: the SQL checks run whole
                before_key = lineage.expectations_key(
                    contract, {**signed, contract.table: changed.previous}
                )
                before = lineage.verified(con, name, before_key, "expectations_key")
            outcome = check_values(con, contract, changed.rows if before else None)
            passed = outcome.passed
            lineage.record_check(
                con,
                name,
                key if passed else None,
                outcome.expectations,
                run_id,
                lineage.expectations_key(contract, signed),
            )
            message = outcome.message(contract.table)
            if before is not None:
                message += f" on {changed.what} (the other rows' pass in run {before[1]} stands)"
            metadata = {"expectations": outcome.expectations, "failures": len(outcome.failures)}
    (context.log.info if passed else context.log.error)(message)
    metadata["seconds"] = round(time.perf_counter() - started, 4)
    return dg.AssetCheckResult(
        passed=passed,
        asset_key=asset_key,
        check_name=name,
        description=message[:2000],
        metadata=metadata,
    )


def contract_checks(
    asset_key: dg.AssetKey,
    tables: Sequence[str],
    contracts: dict[str, Contract],
    sql_tables: Collection[str] = (),
) -> dg.AssetChecksDefinition:
    """The contract checks of every table a Python asset writes, run in one step (a step
    costs Dagster about 30 ms of its own); a table without a contract is an error.

    Each check is blocking (``contract_spec``) and can be run alone; see
    ``contract_result`` for what it checks and when a pass is reported again.
    ``sql_tables`` are the tables built from SQL files. A table whose writer recorded the
    rows it wrote again in the run (``lineage.record_rewritten``) is checked on those.
    """
    missing = [t for t in tables if t not in contracts]
    if missing:
        raise ValueError(
            f"asset {asset_key.to_user_string()} writes tables without a contract: {missing}"
        )
    specs = [contract_spec(asset_key, contracts[t]) for t in tables]
    by_key = {spec.key: contracts[t] for spec, t in zip(specs, tables, strict=True)}

    @dg.multi_asset_check(
        name=f"{asset_key.to_python_identifier()}_contracts",
        specs=specs,
        can_subset=True,
        pool="duckdb",
        description=f"{asset_key.to_user_string()}'s tables match their contracts",
    )
    def _checks(
        context: dg.AssetCheckExecutionContext, qcm: QcmResource
    ) -> Iterator[dg.AssetCheckResult]:
        day = as_of.run_day(context, qcm.settings.as_of)
        with qcm.connect() as con:
            for key, contract in by_key.items():
                if key in context.selected_asset_check_keys:
                    changed = rewritten_rows(con, contract.table, context.run.run_id)
                    yield contract_result(
                        context, con, asset_key, contract, sql_tables, day, changed
                    )

    return _checks


def quarantine_rate(
    con: duckdb.DuckDBPyConnection,
    what: str,
    records_table: str,
    quarantine_table: str,
    reasons: Sequence[str],
    limit: float,
) -> dg.AssetCheckResult:
    """The check result for a source's share of whole records quarantined.

    ``records_table`` holds the usable records; quarantine rows whose reason is one of
    ``reasons`` each cost a whole record. Fails when the share exceeds ``limit``, with a
    message naming the count, the share and the reasons. Table names and reasons come
    from the calling room's constants, never from input.
    """
    marks = ", ".join("?" for _ in reasons)
    records = con.execute(f"select count(*) from {records_table}").fetchone()[0]
    rows = con.execute(
        f"select reason, count(*) from {quarantine_table} where reason in ({marks}) "
        "group by reason order by 2 desc, 1",
        list(reasons),
    ).fetchall()
    bad = sum(n for _, n in rows)
    rate = bad / (records + bad) if records + bad else 0.0
    message = (
        f"{what}: {bad:,} of {records + bad:,} records quarantined "
        f"({rate:.2%}, at most {limit:.0%} allowed); reasons: {dict(rows)}"
    )
    return dg.AssetCheckResult(
        passed=rate <= limit,
        description=message,
        metadata={"quarantined_records": bad, "rate": rate},
    )


def unusable_files(
    con: duckdb.DuckDBPyConnection, what: str, quarantine_table: str, reasons: Sequence[str]
) -> dg.AssetCheckResult:
    """The check result for a source's raw files: fails, naming up to 20 files with their
    reason and detail, when the quarantine holds file-level rows with one of ``reasons``
    (an unreadable file, a schema drift). Names come from the calling room, never input."""
    marks = ", ".join("?" for _ in reasons)
    bad = con.execute(
        f"select source_file, reason, detail from {quarantine_table} "
        f"where reason in ({marks}) order by source_file limit 20",
        list(reasons),
    ).fetchall()
    if not bad:
        return dg.AssetCheckResult(passed=True)
    message = f"{what}: unusable raw files: " + "; ".join(f"{f} ({r}): {d}" for f, r, d in bad)
    return dg.AssetCheckResult(passed=False, description=message)


def unusable_files_check(
    asset_key: dg.AssetKey,
    name: str,
    source: str,
    quarantine_table: str,
    reasons: Sequence[str],
    description: str,
) -> dg.AssetChecksDefinition:
    """A blocking check named ``name``: no raw file of ``source`` was quarantined with one of
    ``reasons`` (an unreadable file, schema drift); on failure it names the files."""

    @dg.asset_check(
        asset=asset_key, name=name, blocking=True, pool="duckdb", description=description
    )
    def _check(context: dg.AssetCheckExecutionContext, qcm: QcmResource) -> dg.AssetCheckResult:
        with qcm.connect() as con:
            result = unusable_files(con, source, quarantine_table, tuple(reasons))
        if not result.passed:
            context.log.error(result.description)
        return result

    return _check


def quarantine_rate_check(
    asset_key: dg.AssetKey,
    name: str,
    what: str,
    records_table: str,
    quarantine_table: str,
    reasons: Sequence[str],
    max_rate: float,
) -> dg.AssetChecksDefinition:
    """A blocking check named ``name``: at most ``max_rate`` of the records of ``what`` were
    quarantined with one of the record-level ``reasons``; on failure it names the top ones."""

    @dg.asset_check(
        asset=asset_key,
        name=name,
        blocking=True,
        pool="duckdb",
        description=f"at most {max_rate:.0%} of {what} are quarantined "
        "(more means schema drift or a bad source)",
    )
    def _check(context: dg.AssetCheckExecutionContext, qcm: QcmResource) -> dg.AssetCheckResult:
        with qcm.connect() as con:
            result = quarantine_rate(
                con, what, records_table, quarantine_table, tuple(reasons), max_rate
            )
        (context.log.info if result.passed else context.log.error)(result.description)
        return result

    return _check
