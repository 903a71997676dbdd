"""The row shape every grant parser writes, whatever the service (NSF, CORDIS, UKRI).

A parser turns one raw body into a ``GrantBatch``: one ``grants`` row per award or
project (the funder's money for the whole grant, in the currency the funder states),
one ``organisations`` row per organisation taking part (with its own share of that
money where the service states it), and ``quarantine`` rows for what cannot be used.
Countries, approaches, years and conversions are derived later, in SQL; a parser keeps
what the record says.

Defined behaviour for bad input (every parser follows it; tests hold it):
- a grant without an id, a start date or an amount is quarantined whole (``invalid_id``,
  ``missing_date``, ``missing_amount``); each service pays in one currency (NSF USD, UKRI
  GBP, CORDIS EUR), and a currency without a rate for the grant's year is quarantined
  later, in SQL (``no_fx_rate``, naming both);
- an amount that is zero or negative quarantines the grant (``non_positive_amount``);
- an organisation without a country keeps its row with country ``ZZZ`` (unknown),
  counted, never dropped; an invalid or withdrawn code adds a quarantine row naming it
  and the organisation also counts as ``ZZZ``;
- a field the service always sends that is absent from every record of a page is
  schema drift: the page is quarantined (``schema_drift``), never read as "no data".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipelines.parsing import CountryCodes, Provenance, RecordError, clean_text

SOURCE = "funding"
GRANT_COLUMNS = (
    "service",
    "grant_id",
    "title",
    "abstract",
    "funder",
    "programme",
    "currency",
    "amount",
    "amount_measure",
    "start_date",
    "end_date",
    "status",
)
ORGANISATION_COLUMNS = (
    "service",
    "grant_id",
    "position",
    "org_id",
    "name",
    "role",
    "parent_position",
    "country_code_raw",
    "country_iso3",
    "amount",
    "amount_measure",
)


@dataclass
class GrantBatch:
    """Column-oriented rows for the raw grant tables, plus quarantine and file rows."""

    grants: list[dict[str, Any]] = field(default_factory=list)
    organisations: list[dict[str, Any]] = field(default_factory=list)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)

    def extend(self, other: GrantBatch) -> None:
        """Append every row of ``other`` to this batch."""
        for name in self.__dataclass_fields__:
            getattr(self, name).extend(getattr(other, name))


def grant_row(prov: Provenance, **values: Any) -> dict[str, Any]:
    """A raw grant row with every column of ``GRANT_COLUMNS`` present (missing = None).

    ``start_date``/``end_date`` are ISO dates; ``amount`` a positive float in
    ``currency`` (ISO 4217); ``amount_measure`` names the service's field it came from.
    Raises KeyError for a column name that is not part of the shape.
    """
    row = dict.fromkeys(GRANT_COLUMNS)
    for key, value in values.items():
        if key not in row:
            raise KeyError(f"grant rows have no column {key!r}")
        row[key] = value
    row.update(prov.columns())
    return row


def organisation_row(prov: Provenance, **values: Any) -> dict[str, Any]:
    """A raw organisation row with every column of ``ORGANISATION_COLUMNS`` present.

    ``position`` is the organisation's order in the grant (1 = lead or coordinator);
    ``parent_position`` the position of the participant a third party is linked to;
    ``amount`` its share of the grant in the grant's currency, None where the service
    does not say. Raises KeyError for a column name that is not part of the shape.
    """
    row = dict.fromkeys(ORGANISATION_COLUMNS)
    for key, value in values.items():
        if key not in row:
            raise KeyError(f"organisation rows have no column {key!r}")
        row[key] = value
    row.update(prov.columns())
    return row


def quarantine_row(
    prov: Provenance, service: str, record_id: str | None, reason: str, detail: str
) -> dict[str, Any]:
    """One quarantine row (the same columns as every other source's quarantine)."""
    return {
        "source": service,
        "source_file": prov.source_file,
        "record_index": prov.record_index,
        "record_id": record_id,
        "reason": reason,
        "detail": detail[:500],
    }


def parse_amount(value: Any, name: str) -> float:
    """A positive money amount from a number or a numeric string (``"1,250,000.50"``).

    Raises RecordError ``missing_amount`` when absent or not a number, and
    ``non_positive_amount`` when zero or negative (a grant of nothing is not funding).
    """
    if isinstance(value, bool):
        raise RecordError("missing_amount", f"{name}={value!r} is not an amount")
    text = clean_text(value)
    if text is None:
        raise RecordError("missing_amount", f"{name} is absent")
    try:
        amount = float(text.replace(",", "").replace(" ", ""))
    except ValueError:
        raise RecordError("missing_amount", f"{name}={value!r} is not an amount") from None
    if not math.isfinite(amount):
        raise RecordError("missing_amount", f"{name}={value!r} is not an amount")
    if amount <= 0:
        raise RecordError("non_positive_amount", f"{name}={value!r}")
    return amount


def organisation_country(
    raw: Any,
    codes: CountryCodes,
    prov: Provenance,
    service: str,
    record_id: str,
    out: GrantBatch,
    aliases: Mapping[str, str] | None = None,
) -> tuple[str | None, str]:
    """``(raw code, ISO3)`` of an organisation's ISO 3166-1 alpha-2 country code.

    ``aliases`` maps a service's own documented codes to ISO3 (the EU writes ``EL`` for
    Greece and ``UK`` for the United Kingdom); elsewhere those codes are invalid.
    Absent: ``ZZZ`` (unknown), counted. Invalid or withdrawn codes add a quarantine row
    naming the code and count as ``ZZZ`` too.
    """
    code = clean_text(raw)
    if code is None:
        return None, "ZZZ"
    code = code.upper()
    if aliases and code in aliases:
        return code, aliases[code]
    if code in codes.iso2_to_iso3:
        return code, codes.iso2_to_iso3[code]
    reason = "historical_country_code" if code in codes.historical else "invalid_country_code"
    out.quarantine.append(
        quarantine_row(
            prov, service, record_id, reason, f"organisation country {code!r}; counted as unknown"
        )
    )
    return code, "ZZZ"
