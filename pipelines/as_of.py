"""The day a build is as of: what its SQL reads as today.

SQL reads the date as ``current_date``, or as ``year(current_date)`` where the year is all
it needs (which years are still incomplete, which bloc memberships run to the present),
and reads no other clock. A run fixes that day once: ``QCM_AS_OF`` (``qcm build --as-of``)
when set, to rebuild a release as of the day it was built, else the day the Dagster run
was created, in local time as DuckDB's ``current_date`` is. Before a SQL table is signed
and built, its SQL has that day written in (``dated``), so that:

- every table of a run reads the same day, though the run crosses midnight;
- a table's lineage signature (``pipelines.lineage``) holds what its SQL reads of the
  day: the year alone for ``year(current_date)``. A build on the next day keeps the
  tables that read only the year and what is built from them; only what reads the whole
  date (``indicators.supplier_counts``: who is a registry member today) is built again.

A contract's SQL checks are dated the same way before they are keyed and run
(``dated_checks``): ``ref.milestones``' "no date after today" reads the build's day.

The SQL files themselves keep ``current_date``: pasted into the DuckDB shell they read
the shell's own today. The sources' parsers quarantine a record dated after the year
after the run's day (``latest_year``), so a release rebuilt as of its day reads its
records as it did.
"""

import dataclasses
import re
from datetime import UTC, date

import dagster as dg

from pipelines.contracts import Contract
from pipelines.lineage import QUOTED_OR_COMMENT

# SQL's quoted strings, names and comments, which read no clock, and the reads of it in
# its code: the year of today, today, and every other way DuckDB reads the clock
_READS = re.compile(
    rf"(?P<quoted>{QUOTED_OR_COMMENT.pattern})"
    r"|(?P<year>\byear\s*\(\s*current_date\b(?:\s*\(\s*\))?\s*\))"
    r"|(?P<today>\bcurrent_date\b(?:\s*\(\s*\))?)"
    r"|(?P<other>\b(?:current_timestamp|current_time|current_localtime(?:stamp)?"
    r"|localtime(?:stamp)?)\b"
    r"|\b(?:get_current_time(?:stamp)?|transaction_timestamp|now|today)\s*\()",
    re.IGNORECASE,
)


def run_day(context: dg.AssetExecutionContext, as_of: date | None) -> date:
    """The day the run of ``context`` is as of: ``as_of`` when given, else the local date
    at which the run was created, or the run it re-executes (the first of a chain of
    re-executions, whose records the others keep) when Dagster still has it. The same in
    every step of the run, whenever it runs.

    Raises RuntimeError when Dagster has no record of the run itself.
    """
    if as_of is not None:
        return as_of
    run = context.run
    instance = context.instance
    record = instance.get_run_record_by_id(run.root_run_id) if run.root_run_id else None
    record = record or instance.get_run_record_by_id(run.run_id)
    if record is None:
        raise RuntimeError(f"Dagster has no record of run {run.run_id}: its day is unknown")
    created = record.create_timestamp
    if created.tzinfo is None:  # run storages that keep naive UTC
        created = created.replace(tzinfo=UTC)
    return created.astimezone().date()


def latest_year(day: date) -> int:
    """The latest year a record read as of ``day`` may carry: the next one (early online
    versions of works, patents and grants dated ahead); a later year is quarantined."""
    return day.year + 1


def clock_reads(sql: str) -> list[str]:
    """The clocks ``sql`` reads other than ``current_date`` (outside its quoted strings,
    names and comments), in the order it reads them: none for SQL a build can date."""
    return [m.group() for m in _READS.finditer(sql) if m.lastgroup == "other"]


def refuse_other_clocks(sql: str, what: str) -> None:
    """Raise ValueError naming ``what`` (the SQL file or the check) when ``sql`` reads the
    clock other than as ``current_date`` (``clock_reads``): a day no build can fix."""
    clocks = clock_reads(sql)
    if clocks:
        raise ValueError(
            f"{what} reads the clock as {clocks[0]!r}; read the day as current_date (or its "
            "year as year(current_date)), which a build fixes for the whole run"
        )


def dated(sql: str, day: date) -> str:
    """``sql`` as of ``day``: each ``year(current_date)`` in its code (not in its quoted
    strings, names or comments) written as the year (a BIGINT, as ``year`` gives), each
    other ``current_date`` as the date (a DATE literal)."""

    def written(read: re.Match[str]) -> str:
        if read.lastgroup == "year":
            return f"{day.year}::bigint"
        if read.lastgroup == "today":
            return f"date '{day.isoformat()}'"
        return read.group()

    return _READS.sub(written, sql)


def dated_checks(contract: Contract, day: date) -> Contract:
    """``contract`` with the SQL of each of its checks as of ``day`` (``dated``)."""
    checks = tuple({**check, "sql": dated(check["sql"], day)} for check in contract.checks)
    return dataclasses.replace(contract, checks=checks)
