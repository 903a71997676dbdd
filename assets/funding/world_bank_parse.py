"""World Bank API v2 indicator responses turned into rows of the conversion reference tables.

Pure functions: a response body in, rows of ``fx_rates.csv`` or ``economic_indicators.csv``
out, and the rule that merges refreshed rows over the committed tables.

What this relies on (World Bank Indicators API v2, read 2026):

- Shape (datahelpdesk.worldbank.org "API Basic Call Structures" and "New Features and
  Enhancements in the V2 API"; recorded bodies in public clients): a JSON array of two
  elements, ``[{"page": 1, "pages": N, "per_page": 1000, "total": T, "lastupdated":
  "YYYY-MM-DD", ...}, [record, ...]]``; ``per_page`` may come as a string. A record is
  ``{"indicator": {"id", "value"}, "country": {"id": <ISO2 or aggregate>, "value"},
  "countryiso3code": "USA", "date": "2023", "value": 123.4 or null, "unit", "obs_status",
  "decimal"}``. A query that matches nothing answers ``[{"page": 0, "pages": 0, ...,
  "total": 0}, null]``; a year without data is a record whose ``value`` is null.
- Errors (R client gshs-ornl/wbstats issue #44; python client OliverSherouse/wbdata): a
  one-element array ``[{"message": [{"id": "120", "key": "Invalid value", "value": "The
  provided parameter value is not valid"}]}]`` (``175`` "Invalid format" for an unknown
  indicator). An error is never read as "no data".
- Aggregates keep World Bank codes in ``countryiso3code``: the European Union is ``EUU``,
  the euro area ``EMU``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pipelines.fetching import describe_body

FX_INDICATOR = "PA.NUS.FCRF"
DEFLATOR_INDICATOR = "NY.GDP.DEFL.ZS"
# World Bank indicator id -> (indicator in economic_indicators.csv, unit). The deflator's
# unit names its base year, read from the response (see ``deflator_unit``).
INDICATORS: dict[str, tuple[str, str]] = {
    "NY.GDP.MKTP.CD": ("gdp_usd", "current US$"),
    "NY.GDP.MKTP.PP.CD": ("gdp_ppp", "current international $"),
    "SP.POP.TOTL": ("population", "persons"),
    "PA.NUS.PPP": ("ppp_factor", "LCU per international $"),
    DEFLATOR_INDICATOR: ("gdp_deflator", "index"),
}
FX_COLUMNS = ("currency", "year", "units_per_usd", "source", "note")
INDICATOR_COLUMNS = ("country_iso3", "year", "indicator", "value", "unit", "source", "note")
FX_KEY = ("currency", "year")
INDICATOR_KEY = ("country_iso3", "year", "indicator")
YEAR = re.compile(r"^\d{4}$")
CODE = re.compile(r"^[A-Z0-9]{3}$")


class WorldBankResponseError(ValueError):
    """A body that is not a usable indicator page; the message says why."""


class WorldBankApiError(WorldBankResponseError):
    """A body carrying the API's own error message (a bad query: retrying cannot help)."""


@dataclass(frozen=True)
class Page:
    """One decoded response: its paging metadata and its records (empty when none matched)."""

    page: int
    pages: int
    per_page: int
    total: int
    last_updated: str | None
    records: list[dict[str, Any]]


@dataclass
class ParsedRows:
    """Rows from one or more pages: FX rows, indicator rows, and what was left out.

    ``nulls`` counts records whose value is null (no data for that year), by indicator;
    ``unmapped`` lists FX records whose country has no currency in ``currencies.csv``;
    ``files`` describes the landed pages read, in the shape of ``raw.world_bank_source_files``.
    """

    fx: list[dict[str, str]] = field(default_factory=list)
    indicators: list[dict[str, str]] = field(default_factory=list)
    nulls: dict[str, int] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)


def _integer(meta: Mapping[str, Any], key: str) -> int:
    """``meta[key]`` as an int (the API sends some as strings); WorldBankResponseError if not."""
    value = meta.get(key)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise WorldBankResponseError(f"paging field {key!r} is missing or not a number ({value!r})")
    try:
        return int(value)
    except ValueError:
        raise WorldBankResponseError(f"paging field {key!r} is not a number ({value!r})") from None


def api_error(data: Any) -> str | None:
    """The API's own error message in a decoded body (``id key: value; ...``), or None."""
    if not isinstance(data, list) or not data or not isinstance(data[0], dict):
        return None
    messages = data[0].get("message")
    if not isinstance(messages, list):
        return None
    parts = []
    for message in messages:
        if isinstance(message, dict):
            parts.append(
                f"{message.get('id', '?')} {message.get('key', '')}: {message.get('value', '')}"
            )
    return "; ".join(parts) or "an error message without text"


def decode_page(body: bytes) -> Page:
    """Decode one indicator response body into a ``Page``.

    Raises WorldBankResponseError naming the problem for: a body that is not JSON (an
    HTML page, a truncated body), the API's error message (as WorldBankApiError), and
    any other shape than
    ``[metadata, records or null]``. ``null`` records are accepted only with ``total`` 0.
    """
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise WorldBankResponseError(f"body is not JSON ({describe_body(body)})") from None
    message = api_error(data)
    if message is not None:
        raise WorldBankApiError(f"the API answered with an error: {message}")
    if not isinstance(data, list) or len(data) != 2 or not isinstance(data[0], dict):
        raise WorldBankResponseError(
            f"body is not a [metadata, records] array ({describe_body(body)})"
        )
    meta, records = data
    numbers = {key: _integer(meta, key) for key in ("page", "pages", "per_page", "total")}
    if records is None:
        if numbers["total"] != 0:
            raise WorldBankResponseError(f"records are null although total is {numbers['total']}")
        records = []
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise WorldBankResponseError("records are not a list of objects")
    last = meta.get("lastupdated")
    return Page(**numbers, last_updated=last if isinstance(last, str) else None, records=records)


def format_value(value: float | int) -> str:
    """A number as plain decimal text, without exponent or trailing ``.0``.

    ``2.7e13`` becomes ``27000000000000``; ``1.0817`` stays ``1.0817``.
    """
    text = format(Decimal(repr(float(value))), "f") if not isinstance(value, int) else str(value)
    return text[:-2] if text.endswith(".0") else text


def source_text(indicator_id: str, retrieved: str) -> str:
    """The ``source`` column of a refreshed row."""
    return f"World Bank WDI {indicator_id} via api.worldbank.org, retrieved {retrieved}"


def deflator_unit(records: Iterable[Mapping[str, Any]]) -> str:
    """``index YYYY=100`` for the year whose deflator value rounds to 100.0 (the base year).

    ``index (base year outside the range fetched)`` when no year does, so that rows of
    different bases are never merged as one series (see ``check_one_deflator_base``).
    """
    for record in records:
        value = record.get("value")
        if isinstance(value, int | float) and round(float(value), 1) == 100.0:
            return f"index {record.get('date')}=100"
    return "index (base year outside the range fetched)"


def rows_from_pages(
    indicator_id: str,
    pages: Iterable[Page],
    retrieved: str,
    currency_of: Mapping[str, str],
) -> ParsedRows:
    """Rows of one indicator's pages, in the shape of the committed tables.

    ``currency_of`` maps a World Bank country code (``DEU``, ``GBR``) to the currency its
    ``PA.NUS.FCRF`` series gives per US$ (from ``currencies.csv``); PA.NUS.FCRF records of
    other countries are listed in ``unmapped``. Records with a null value are counted in
    ``nulls``, never written. Raises WorldBankResponseError for an unknown indicator, a
    record of another indicator, or a record without a 3-letter code or a 4-digit year.
    """
    if indicator_id != FX_INDICATOR and indicator_id not in INDICATORS:
        raise WorldBankResponseError(f"indicator {indicator_id!r} has no table to go to")
    records = [record for page in pages for record in page.records]
    out = ParsedRows()
    source = source_text(indicator_id, retrieved)
    unit = deflator_unit(records) if indicator_id == DEFLATOR_INDICATOR else None
    for number, record in enumerate(records, start=1):
        got = (record.get("indicator") or {}).get("id")
        code, year = record.get("countryiso3code"), record.get("date")
        if got != indicator_id:
            raise WorldBankResponseError(
                f"record {number} is of indicator {got!r}, not {indicator_id}"
            )
        if not isinstance(code, str) or not CODE.match(code):
            raise WorldBankResponseError(f"record {number} has no 3-letter country code ({code!r})")
        if not isinstance(year, str) or not YEAR.match(year):
            raise WorldBankResponseError(f"record {number} ({code}) has no 4-digit year ({year!r})")
        value = record.get("value")
        if value is None:
            out.nulls[indicator_id] = out.nulls.get(indicator_id, 0) + 1
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise WorldBankResponseError(
                f"record {number} ({code} {year}) value {value!r} is not a number"
            )
        if indicator_id == FX_INDICATOR:
            if code not in currency_of:
                out.unmapped.append(code)
                continue
            out.fx.append(
                {
                    "currency": currency_of[code],
                    "year": year,
                    "units_per_usd": format_value(value),
                    "source": source,
                    "note": f"World Bank country {code}",
                }
            )
            continue
        name, default_unit = INDICATORS[indicator_id]
        out.indicators.append(
            {
                "country_iso3": code,
                "year": year,
                "indicator": name,
                "value": format_value(value),
                "unit": unit or default_unit,
                "source": source,
                "note": "",
            }
        )
    return out


@dataclass
class MergeReport:
    """The merged rows (sorted by key) and what the refresh did to the committed table."""

    rows: list[dict[str, str]]
    added: list[tuple[str, ...]]
    changed: list[tuple[tuple[str, ...], str, str]]
    kept: int

    def summary(self, table: str) -> str:
        """One line for the log: counts, then the first few changes as ``key: old -> new``."""
        shown = "; ".join(f"{'/'.join(k)}: {old} -> {new}" for k, old, new in self.changed[:5])
        return (
            f"{table}: {len(self.added)} rows added, {len(self.changed)} values changed, "
            f"{self.kept} committed rows the refresh lacks kept" + (f" ({shown})" if shown else "")
        )


def merge_rows(
    committed: Iterable[Mapping[str, str]],
    refreshed: Iterable[Mapping[str, str]],
    key: tuple[str, ...],
    value_column: str,
) -> MergeReport:
    """Merge refreshed rows over committed ones: the refresh wins, nothing is dropped.

    Rows are matched on ``key``; a refreshed row replaces the committed row with its key
    (source and note included), a committed row the refresh lacks is kept as it is.
    ``changed`` lists keys whose ``value_column`` differs. Raises ValueError when one
    input repeats a key (a table must not hold two values for one fact).
    """

    def index(
        rows: Iterable[Mapping[str, str]], name: str
    ) -> dict[tuple[str, ...], dict[str, str]]:
        table: dict[tuple[str, ...], dict[str, str]] = {}
        for row in rows:
            k = tuple(str(row[c]) for c in key)
            if k in table:
                raise ValueError(f"{name} rows repeat the key {'/'.join(k)}")
            table[k] = dict(row)
        return table

    old, new = index(committed, "committed"), index(refreshed, "refreshed")
    merged = {**old, **new}
    added = sorted(k for k in new if k not in old)
    changed = sorted(
        (k, old[k][value_column], new[k][value_column])
        for k in new
        if k in old and old[k][value_column] != new[k][value_column]
    )
    kept = sum(1 for k in old if k not in new)
    return MergeReport([merged[k] for k in sorted(merged)], added, changed, kept)


def check_one_deflator_base(rows: Iterable[Mapping[str, str]]) -> str:
    """The one unit every ``gdp_deflator`` row shares; ValueError naming them when they differ.

    Constant-dollar conversion divides by one deflator series: rows of two base years
    (e.g. a refresh after a rebasing merged over committed rows) must not be mixed.
    """
    units = sorted({r["unit"] for r in rows if r["indicator"] == "gdp_deflator"})
    if len(units) > 1:
        raise ValueError(
            f"gdp_deflator rows carry several bases ({', '.join(units)}): refresh every "
            "year of the series at once, or rebase it, before using it"
        )
    return units[0] if units else ""
