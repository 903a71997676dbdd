"""Read UN Comtrade response bodies into trade rows, quarantining what cannot be used.

Input: a folder of Comtrade API v1 data responses (``.json`` or ``.json.gz``, the
landing zone's blobs or a user's downloads), the reviewed HS code map
(``ref.hs_codes``: which six-digit codes each HS revision holds) and the valid ISO
3166-1 alpha-3 codes. Output: a ``TradeBatch`` of ``raw.trade_records`` rows (one per
usable record, lossless, with provenance), ``raw.trade_quarantine`` rows (one per record
that cannot be used, with the reason) and ``raw.trade_source_files`` rows (one per file).

Defined behaviour for the defects trade data has:

- a record of an HS revision other than HS2017 (``H5``) or HS2022 (``H6``): quarantined
  ``unsupported_hs_revision`` (the code map covers those two; older revisions need a
  concordance we have not reviewed);
- a six-digit code the map does not hold for that revision: ``unknown_hs_code``
  (``TOTAL``, the all-goods line, is always known);
- a negative value: ``negative_value``; a value that is no number: ``invalid_value``;
  a missing value (confidential or not reported) is kept with ``primary_value`` null and
  counted by the later steps, never read as zero;
- a reporter that is no country (a group such as the EU): ``aggregate_reporter``, as
  its members report themselves and adding it would count their trade twice;
- a partner that is no country (``Areas, nes``, free zones, bunkers): kept, with
  ``partner_kind`` ``unspecified`` and no ISO code; partner 0 is the World
  (``partner_kind`` ``world``), kept beside the partner rows and never added to them;
- Comtrade's ``Other Asia, nes`` (code 490, ISO ``S19``) is Taiwan's trade as the UN
  publishes it, read as TWN (``meta.methods`` ``trade_taiwan_rule``);
- monthly records or a missing year, reporter, flow or code: ``not_annual`` /
  ``invalid_record``; a year after the current one: ``year_out_of_range``.

Duplicates (the same flow in two overlapping responses) are all kept here; the staging
step keeps one and lists the others in ``meta.quarantine``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assets.supply_chain.comtrade_body import body_records, gateway_refusal, is_comtrade_body
from pipelines.parsing import Provenance, RecordError, clean_text, read_files
from pipelines.parsing import source_files as list_source_files

SOURCE = "comtrade"
RAW_SUFFIXES = (".json", ".json.gz")
MAX_BODY_BYTES = 256 * 1024 * 1024
REVISIONS = {"H5": "HS2017", "H6": "HS2022"}
ALL_GOODS = "TOTAL"
TAIWAN_CODE = 490
TAIWAN_ISO = "S19"
FIRST_YEAR = 1988


@dataclass
class TradeBatch:
    """What a set of files yielded: trade rows, quarantine rows and one row per file."""

    records: list[dict[str, Any]] = field(default_factory=list)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)


def raw_files(directory: Path) -> list[Path]:
    """The Comtrade response files below ``directory``, sorted (symlinks refused)."""
    return list_source_files(directory, RAW_SUFFIXES)


def _number(value: Any, name: str) -> float | None:
    """A JSON number (or numeric text) as float; None stays None; else ``invalid_value``."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RecordError("invalid_value", f"{name}={value!r} is not a number")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise RecordError("invalid_value", f"{name}={value!r} is not a number") from None


def _int(value: Any, name: str) -> int | None:
    """An integer code that may arrive as text; None stays None; else ``invalid_record``."""
    try:
        number = _number(value, name)
    except RecordError:
        raise RecordError("invalid_record", f"{name}={value!r} is not an integer") from None
    if number is None:
        return None
    if number != int(number):
        raise RecordError("invalid_record", f"{name}={value!r} is not an integer")
    return int(number)


def _country(code: int | None, iso: str | None, iso3: frozenset[str]) -> str | None:
    """The ISO alpha-3 code of a Comtrade reporter or partner, or None when it is no country."""
    if code == TAIWAN_CODE or iso == TAIWAN_ISO:
        return "TWN"
    return iso if iso in iso3 else None


def parse_record(
    record: Any,
    hs_codes: Mapping[str, frozenset[str]],
    iso3: frozenset[str],
    max_year: int,
) -> dict[str, Any]:
    """One Comtrade record as a ``raw.trade_records`` row (without provenance).

    ``hs_codes`` maps an HS revision (``HS2017``, ``HS2022``) to the six-digit codes the
    reviewed map holds for it; ``iso3`` is the set of valid alpha-3 codes; ``max_year``
    the latest acceptable year. Raises RecordError with the reason of the module doc.
    """
    if not isinstance(record, dict):
        raise RecordError("invalid_record", f"a record is a {type(record).__name__}, not an object")
    year = _int(record.get("refYear"), "refYear")
    reporter_code = _int(record.get("reporterCode"), "reporterCode")
    flow = clean_text(record.get("flowCode"))
    cmd = clean_text(record.get("cmdCode"))
    missing = [
        name
        for name, value in (("refYear", year), ("reporterCode", reporter_code),
                            ("flowCode", flow), ("cmdCode", cmd))
        if value is None
    ]  # fmt: skip
    if missing:
        raise RecordError("invalid_record", f"missing {', '.join(missing)}")
    assert year is not None and cmd is not None
    month = _int(record.get("refMonth"), "refMonth")
    if clean_text(record.get("freqCode")) not in (None, "A") or month not in (None, 52):
        raise RecordError(
            "not_annual", f"freqCode {record.get('freqCode')!r} refMonth {month}: not annual data"
        )
    if not FIRST_YEAR <= year <= max_year:
        raise RecordError("year_out_of_range", f"refYear {year} is outside {FIRST_YEAR}-{max_year}")
    classification = clean_text(record.get("classificationCode"))
    revision = REVISIONS.get(classification or "")
    if revision is None:
        raise RecordError(
            "unsupported_hs_revision",
            f"classificationCode {classification!r}: only H5 (HS2017) and H6 (HS2022) are mapped",
        )
    if cmd != ALL_GOODS and cmd not in hs_codes.get(revision, frozenset()):
        raise RecordError(
            "unknown_hs_code", f"cmdCode {cmd!r} is not in the reviewed {revision} code map"
        )
    value = _number(record.get("primaryValue"), "primaryValue")
    if value is not None and value < 0:
        raise RecordError("negative_value", f"primaryValue {value} is negative")
    reporter_iso = clean_text(record.get("reporterISO"))
    reporter = _country(reporter_code, reporter_iso, iso3)
    if reporter is None:
        raise RecordError(
            "aggregate_reporter",
            f"reporter {reporter_code} ({reporter_iso!r}) is not a country (a group of "
            "reporters counts its members twice)",
        )
    partner_code = _int(record.get("partnerCode"), "partnerCode")
    partner_iso = clean_text(record.get("partnerISO"))
    partner = None if partner_code == 0 else _country(partner_code, partner_iso, iso3)
    kind = "world" if partner_code == 0 else ("country" if partner else "unspecified")
    return {
        "year": year,
        "flow_code": flow,
        "classification": classification,
        "hs_revision": revision,
        "cmd_code": cmd,
        "reporter_code": reporter_code,
        "reporter_iso_raw": reporter_iso,
        "reporter_iso3": reporter,
        "partner_code": partner_code,
        "partner_iso_raw": partner_iso,
        "partner_iso3": partner,
        "partner_kind": kind,
        "partner2_code": _int(record.get("partner2Code"), "partner2Code"),
        "customs_code": clean_text(record.get("customsCode")),
        "mot_code": _int(record.get("motCode"), "motCode"),
        "primary_value": value,
        "cif_value": _number(record.get("cifvalue"), "cifvalue"),
        "fob_value": _number(record.get("fobvalue"), "fobvalue"),
        "net_weight_kg": _number(record.get("netWgt"), "netWgt"),
        "is_reported": record.get("isReported") if isinstance(record.get("isReported"), bool)
        else None,
        "is_aggregate": record.get("isAggregate") if isinstance(record.get("isAggregate"), bool)
        else None,
    }  # fmt: skip


def quarantine_row(
    prov: Provenance, record_id: str | None, reason: str, detail: str
) -> dict[str, Any]:
    """A ``raw.trade_quarantine`` row."""
    return {
        "source": SOURCE,
        "source_file": prov.source_file,
        "record_index": prov.record_index,
        "record_id": record_id,
        "reason": reason,
        "detail": detail[:500],
    }


def _record_id(record: Any) -> str | None:
    """A readable id of a record for quarantine rows: year/reporter/partner/flow/code."""
    if not isinstance(record, dict):
        return None
    keys = ("refYear", "reporterCode", "partnerCode", "flowCode", "cmdCode")
    return "/".join(str(record.get(k)) for k in keys)


def parse_body(
    body: bytes,
    prov_file: Provenance,
    hs_codes: Mapping[str, frozenset[str]],
    iso3: frozenset[str],
    max_year: int,
) -> tuple[TradeBatch, int]:
    """Parse one response body; return its rows and the number of records it held.

    Raises ValueError when the body is not a Comtrade data response (an HTML page, a
    gateway refusal saved by mistake, JSON of another shape).
    """
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"not valid JSON ({err})") from None
    refusal = gateway_refusal(data)
    if refusal:
        raise ValueError(f"a refusal of the API gateway, not trade data ({refusal})")
    if not is_comtrade_body(data):
        keys = sorted(data)[:8] if isinstance(data, dict) else type(data).__name__
        raise ValueError(f"JSON that is not a UN Comtrade data response (got {keys})")
    out = TradeBatch()
    records = body_records(data)
    for index, record in enumerate(records):
        prov = Provenance(prov_file.source_file, prov_file.source_sha256, index)
        try:
            row = parse_record(record, hs_codes, iso3, max_year)
        except RecordError as err:
            out.quarantine.append(quarantine_row(prov, _record_id(record), err.reason, err.detail))
            continue
        out.records.append(row | prov.columns())
    return out, len(records)


def parse_files(
    paths: Iterable[Path],
    root: Path,
    hs_codes: Mapping[str, frozenset[str]],
    iso3: frozenset[str],
    max_year: int,
    seen: dict[str, str] | None = None,
) -> TradeBatch:
    """Parse every file into one batch; an unreadable file becomes a quarantine row.

    ``root`` is the folder paths are reported relative to. A file whose bytes equal an
    earlier file's is listed as a duplicate and not read twice; ``seen`` (checksum ->
    file, updated here) carries the files read so far when a folder is read in chunks.
    """
    out = TradeBatch()

    def parse(body: bytes, prov_file: Provenance) -> tuple[int, str]:
        batch, records = parse_body(body, prov_file, hs_codes, iso3, max_year)
        out.records.extend(batch.records)
        out.quarantine.extend(batch.quarantine)
        return records, SOURCE

    def unreadable(prov_file: Provenance, detail: str) -> None:
        out.quarantine.append(quarantine_row(prov_file, None, "unreadable_file", detail))

    out.files += read_files(paths, root, MAX_BODY_BYTES, SOURCE, parse, unreadable, seen)
    return out
