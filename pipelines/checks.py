"""Blocking Dagster asset checks built from table contracts (``sql/**/<table>.yml``)."""

from collections.abc import Sequence

import dagster as dg

from pipelines.contracts import Contract, check_values, schema_problems
from pipelines.resources import QcmResource


def contract_check(asset_key: dg.AssetKey, contract: Contract) -> dg.AssetChecksDefinition:
    """One blocking check: the table matches its contract's schema and values.

    On failure the check's description names the table, each failed expectation and
    example rows, and downstream assets of the same run do not start.
    """
    name = "contract_" + contract.table.replace(".", "__")

    @dg.asset_check(
        asset=asset_key,
        name=name,
        blocking=True,
        pool="duckdb",
        description=f"{contract.table} ({contract.grain}) matches its contract",
    )
    def _check(context: dg.AssetCheckExecutionContext, qcm: QcmResource) -> dg.AssetCheckResult:
        with qcm.connect() as con:
            problems = schema_problems(con, contract)
            if problems:
                message = f"{contract.table}: schema differs from contract: " + "; ".join(problems)
                context.log.error(message)
                return dg.AssetCheckResult(passed=False, description=message)
            outcome = check_values(con, contract)
        message = outcome.message(contract.table)
        (context.log.info if outcome.passed else context.log.error)(message)
        return dg.AssetCheckResult(
            passed=outcome.passed,
            description=message[:2000],
            metadata={"expectations": outcome.expectations, "failures": len(outcome.failures)},
        )

    return _check


def contract_checks(
    asset_key: dg.AssetKey, tables: Sequence[str], contracts: dict[str, Contract]
) -> list[dg.AssetChecksDefinition]:
    """Checks for every table an asset writes; a table without a contract is an error."""
    missing = [t for t in tables if t not in contracts]
    if missing:
        raise ValueError(
            f"asset {asset_key.to_user_string()} writes tables without a contract: {missing}"
        )
    return [contract_check(asset_key, contracts[t]) for t in tables]
