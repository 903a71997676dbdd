"""Blocking Dagster asset checks built from table contracts (``sql/**/<table>.yml``)."""

from collections.abc import Collection, Sequence

import dagster as dg
import duckdb

from pipelines import lineage
from pipelines.contracts import Contract, check_values, schema_problems
from pipelines.resources import QcmResource


def contract_check(
    asset_key: dg.AssetKey, contract: Contract, sql_tables: Collection[str] = ()
) -> dg.AssetChecksDefinition:
    """One blocking check: the table matches its contract's schema and values.

    On failure the check's description names the table, each failed expectation and
    example rows, and downstream assets of the same run do not start. When the table,
    the tables its contract reads, the contract and the checking code are what they were
    when the check last passed (``pipelines.lineage``; ``sql_tables`` are those built from
    SQL files, signed by their lineage), the pass is reported again without reading the
    values.
    """
    name = "contract_" + contract.table.replace(".", "__")
    read = sorted({contract.table} | lineage.contract_reads(contract))

    @dg.asset_check(
        asset=asset_key,
        name=name,
        blocking=True,
        pool="duckdb",
        description=f"{contract.table} ({contract.grain}) matches its contract",
    )
    def _check(context: dg.AssetCheckExecutionContext, qcm: QcmResource) -> dg.AssetCheckResult:
        run_id = context.run.run_id
        with qcm.connect() as con:
            problems = schema_problems(con, contract)
            if problems:
                lineage.record_check(con, name, None, 0, run_id)
                message = f"{contract.table}: schema differs from contract: " + "; ".join(problems)
                context.log.error(message)
                return dg.AssetCheckResult(passed=False, description=message)
            signatures = lineage.signatures(con, read, run_id, sql_tables)
            key = lineage.check_key(contract, signatures)
            earlier = lineage.verified(con, name, key)
            if earlier is None:
                outcome = check_values(con, contract)
                passed_key = key if outcome.passed else None
                lineage.record_check(con, name, passed_key, outcome.expectations, run_id)
        if earlier is not None:
            expectations, verified_in = earlier
            message = (
                f"{contract.table}: all {expectations} expectations met (unchanged since they "
                f"were verified in run {verified_in})"
            )
            context.log.info(message)
            return dg.AssetCheckResult(
                passed=True,
                description=message,
                metadata={"expectations": expectations, "failures": 0, "verified_in": verified_in},
            )
        message = outcome.message(contract.table)
        (context.log.info if outcome.passed else context.log.error)(message)
        return dg.AssetCheckResult(
            passed=outcome.passed,
            description=message[:2000],
            metadata={"expectations": outcome.expectations, "failures": len(outcome.failures)},
        )

    return _check


def contract_checks(
    asset_key: dg.AssetKey,
    tables: Sequence[str],
    contracts: dict[str, Contract],
    sql_tables: Collection[str] = (),
) -> list[dg.AssetChecksDefinition]:
    """Checks for every table an asset writes; a table without a contract is an error.
    ``sql_tables`` are the tables built from SQL files (see ``contract_check``)."""
    missing = [t for t in tables if t not in contracts]
    if missing:
        raise ValueError(
            f"asset {asset_key.to_user_string()} writes tables without a contract: {missing}"
        )
    return [contract_check(asset_key, contracts[t], sql_tables) for t in tables]


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
        "group by reason order by 2 desc",
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
