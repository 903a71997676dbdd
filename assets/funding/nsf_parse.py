"""Pure parsing of NSF Awards API pages into the common grant rows (``grants.py``).

Input: one landed response of ``GET .../services/v1/awards.json``, decoded from JSON:
``{"response": {"award": [...], "metadata": {"totalCount": N, ...}}}``. A query the
API refuses comes back, with HTTP 200, as ``{"response": {"serviceNotification":
[{"notificationType", "notificationCode", "notificationMessage"}]}}``: that is not a
page, never an empty one. (Shapes: NSF Awards API docs,
resources.research.gov/common/webapi/awardapisearch-v1.htm, sections "Sample Output:
JSON" and "Sample ERROR Output: JSON"; the R check of ``serviceNotification`` in
github.com/NCEAS/metacatui/issues/1403; the recorded-shape tests of
gefsikatsinelou/MetaSearchMCP ``tests/test_nsf_awards_provider.py``.)

Award fields read (docs, "Output Print Fields"): ``id`` (the award number, digits, as
a string), ``title``, ``abstractText``, ``agency``, ``awardeeName``,
``awardeeCountryCode`` (ISO 3166-1 alpha-2), ``ueiNumber``, ``startDate`` and
``expDate`` (``MM/DD/YYYY``), ``estimatedTotalAmt`` and ``fundsObligatedAmt`` (numbers
written as strings, e.g. ``"988608"``) and ``fundProgramName``. The API leaves out a
field whose value is empty (ropensci/awardFindR ``R/nsf.R``: "API doesn't return cols
that are entirely NA"), so an absent field on one award is "no value".

Rules (on top of the bad-input behaviour in ``grants.py``):
- service ``nsf``, currency ``USD`` (NSF states every amount in US dollars), funder the
  award's ``agency`` (``NSF`` when absent), programme ``fundProgramName``, status None;
- the amount is ``estimatedTotalAmt`` (the award's whole intended amount); an award
  without it falls back to ``fundsObligatedAmt`` (obligated so far, possibly less) and
  its ``amount_measure`` says so;
- a start year before 1950 (NSF was founded in 1950) or after ``max_year`` is
  quarantined (``year_out_of_range``); an unreadable date, or an end before the start,
  quarantines the award (``invalid_date``);
- an id that is not all digits is ``invalid_id``; the same id twice on one page keeps
  the first and quarantines the second (``duplicate_record``);
- one organisation row per award: the awardee (position 1, role ``awardee``), which
  receives the whole award, so its amount is the grant's;
- ``id``, ``title``, ``startDate`` and ``awardeeName``, and one of the two amounts, are
  sent for every award: a page where none of its awards has one of them is schema
  drift, and the page is quarantined whole (``schema_drift``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from assets.funding.grants import (
    GrantBatch,
    grant_row,
    organisation_country,
    organisation_row,
    parse_amount,
    quarantine_row,
)
from pipelines.parsing import CountryCodes, Provenance, RecordError, clean_text

SERVICE = "nsf"
CURRENCY = "USD"
FUNDER = "NSF"
MIN_YEAR = 1950
AWARD_ID = re.compile(r"^\d+$")
US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
AMOUNT = "estimatedTotalAmt"
FALLBACK_AMOUNT = "fundsObligatedAmt"
FALLBACK_MEASURE = f"{FALLBACK_AMOUNT} ({AMOUNT} absent)"
# Fields NSF sends for every award; absent from a whole page means renamed or dropped.
ALWAYS_SENT = ("id", "title", "startDate", "awardeeName")
# What the parser reads: the live client asks for exactly these (``printFields``).
PRINT_FIELDS = (
    "id",
    "title",
    "abstractText",
    "agency",
    "awardeeName",
    "awardeeCountryCode",
    "ueiNumber",
    "startDate",
    "expDate",
    AMOUNT,
    FALLBACK_AMOUNT,
    "fundProgramName",
)


def service_notifications(page: Any) -> list[str]:
    """The API's refusal messages in a decoded body (``code: message``), [] when none."""
    response = page.get("response") if isinstance(page, Mapping) else None
    notes = response.get("serviceNotification") if isinstance(response, Mapping) else None
    if isinstance(notes, Mapping):
        notes = [notes]
    if not isinstance(notes, list):
        return []
    messages = []
    for note in notes:
        if isinstance(note, Mapping):
            parts = [clean_text(note.get(k)) for k in ("notificationType", "notificationCode")]
            head = " ".join(p for p in parts if p) or "notification"
            messages.append(f"{head}: {clean_text(note.get('notificationMessage')) or ''}")
        else:
            messages.append(str(note)[:200])
    return messages


def is_nsf_page(page: Any) -> bool:
    """Whether a decoded body is an NSF Awards API response (a page or a refusal).

    True for ``{"response": {...}}`` holding an ``award`` list, a ``metadata`` object or
    a ``serviceNotification``; the funding reader uses it to tell formats apart.
    """
    response = page.get("response") if isinstance(page, Mapping) else None
    if not isinstance(response, Mapping):
        return False
    return (
        isinstance(response.get("award"), list)
        or isinstance(response.get("metadata"), Mapping)
        or "serviceNotification" in response
    )


def page_total(page: Mapping[str, Any]) -> int | None:
    """``metadata.totalCount`` of a page as an int (it may come as a string), else None."""
    metadata = page.get("response", {}).get("metadata")
    total = metadata.get("totalCount") if isinstance(metadata, Mapping) else None
    if isinstance(total, bool):
        return None
    if isinstance(total, int):
        return total
    text = clean_text(total)
    return int(text) if text is not None and text.isdigit() else None


def page_awards(page: Any) -> list[Any]:
    """The award list of a result page.

    A response without an ``award`` list counts as an empty page only when its
    ``metadata.totalCount`` is 0. Raises ValueError (naming the API's own message when
    it sent one) for anything else: a refusal, an unknown shape.
    """
    notes = service_notifications(page)
    if notes:
        raise ValueError(f"not an NSF result page: the API refused the query ({'; '.join(notes)})")
    if not is_nsf_page(page):
        raise ValueError("not an NSF Awards API response (no 'response' object)")
    awards = page["response"].get("award")
    if isinstance(awards, list):
        return awards
    if awards is None and page_total(page) == 0:
        return []
    raise ValueError("not an NSF result page (no 'award' list and totalCount is not 0)")


def parse_us_date(value: Any, name: str) -> str | None:
    """An ISO date from NSF's ``MM/DD/YYYY``; None when absent.

    Raises RecordError ``invalid_date`` for anything else, or a day that does not exist.
    """
    text = clean_text(value)
    if text is None:
        return None
    match = US_DATE.match(text)
    if not match:
        raise RecordError("invalid_date", f"{name}={value!r} is not MM/DD/YYYY")
    month, day, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        raise RecordError("invalid_date", f"{name}={value!r} is not a date") from None


def _programme(value: Any) -> str | None:
    """``fundProgramName`` as text; a list of programmes is joined with ``; ``."""
    if isinstance(value, list):
        names = [name for name in (clean_text(v) for v in value) if name]
        return "; ".join(names) or None
    return clean_text(value)


def _amount(record: Mapping[str, Any]) -> tuple[float, str]:
    """``(amount, measure)``: ``estimatedTotalAmt``, or ``fundsObligatedAmt`` without it."""
    if clean_text(record.get(AMOUNT)) is not None:
        return parse_amount(record[AMOUNT], AMOUNT), AMOUNT
    if clean_text(record.get(FALLBACK_AMOUNT)) is not None:
        return parse_amount(record[FALLBACK_AMOUNT], FALLBACK_AMOUNT), FALLBACK_MEASURE
    raise RecordError("missing_amount", f"neither {AMOUNT} nor {FALLBACK_AMOUNT} is given")


def award_id(record: Any) -> str:
    """The award number of a record; RecordError ``invalid_id`` when absent or not digits."""
    if not isinstance(record, Mapping):
        raise RecordError("invalid_record", f"award is a {type(record).__name__}, not an object")
    text = clean_text(record.get("id"))
    if text is None or not AWARD_ID.match(text):
        raise RecordError("invalid_id", f"id={record.get('id')!r} is not an NSF award number")
    return text


def parse_nsf_award(
    record: Mapping[str, Any], prov: Provenance, codes: CountryCodes, max_year: int
) -> GrantBatch:
    """One award as a batch: its grant row and its awardee's organisation row.

    Raises RecordError (the whole award is quarantined by the caller) for a bad id,
    date, amount or year; an invalid country code only adds a quarantine row.
    """
    grant_id = award_id(record)
    start = parse_us_date(record.get("startDate"), "startDate")
    if start is None:
        raise RecordError("missing_date", "startDate is absent")
    end = parse_us_date(record.get("expDate"), "expDate")
    if end is not None and end < start:
        raise RecordError("invalid_date", f"expDate {end} is before startDate {start}")
    if not MIN_YEAR <= int(start[:4]) <= max_year:
        raise RecordError(
            "year_out_of_range", f"startDate {start} is outside {MIN_YEAR}-{max_year}"
        )
    amount, measure = _amount(record)
    out = GrantBatch()
    raw_country, iso3 = organisation_country(
        record.get("awardeeCountryCode"), codes, prov, SERVICE, grant_id, out
    )
    out.grants.append(
        grant_row(
            prov,
            service=SERVICE,
            grant_id=grant_id,
            title=clean_text(record.get("title")),
            abstract=clean_text(record.get("abstractText")),
            funder=clean_text(record.get("agency")) or FUNDER,
            programme=_programme(record.get("fundProgramName")),
            currency=CURRENCY,
            amount=amount,
            amount_measure=measure,
            start_date=start,
            end_date=end,
            status=None,
        )
    )
    out.organisations.append(
        organisation_row(
            prov,
            service=SERVICE,
            grant_id=grant_id,
            position=1,
            org_id=clean_text(record.get("ueiNumber")),
            name=clean_text(record.get("awardeeName")),
            role="awardee",
            parent_position=None,
            country_code_raw=raw_country,
            country_iso3=iso3,
            amount=amount,
            amount_measure=measure,
        )
    )
    return out


def _drift(awards: list[Any]) -> list[str]:
    """The always-sent fields that no award of a page carries ([] when the page has none)."""
    objects = [a for a in awards if isinstance(a, Mapping)]
    if not objects:
        return []
    missing = [f for f in ALWAYS_SENT if all(f not in a for a in objects)]
    if all(AMOUNT not in a and FALLBACK_AMOUNT not in a for a in objects):
        missing.append(f"{AMOUNT} or {FALLBACK_AMOUNT}")
    return missing


def parse_nsf_page(
    page: Mapping[str, Any], prov_file: Provenance, codes: CountryCodes, max_year: int
) -> tuple[GrantBatch, int]:
    """Parse one landed NSF page; return the batch and the number of awards read.

    ``prov_file`` names the landed file (its ``record_index`` is replaced by each
    award's position on the page); ``max_year`` is the last start year accepted.
    Raises ValueError when the body is not a result page (see ``page_awards``).
    """
    awards = page_awards(page)
    out = GrantBatch()
    missing = _drift(awards)
    if missing:
        out.quarantine.append(
            quarantine_row(
                prov_file,
                SERVICE,
                None,
                "schema_drift",
                f"no award of this page has the field(s) {missing}: renamed or dropped by the "
                f"API? The page's {len(awards)} awards are not read.",
            )
        )
        return out, len(awards)
    seen: dict[str, int] = {}
    for index, record in enumerate(awards):
        prov = Provenance(prov_file.source_file, prov_file.source_sha256, index)
        record_id = None
        try:
            record_id = award_id(record)
            if record_id in seen:
                raise RecordError(
                    "duplicate_record",
                    f"award {record_id} already read at index {seen[record_id]} of this page",
                )
            seen[record_id] = index
            out.extend(parse_nsf_award(record, prov, codes, max_year))
        except RecordError as err:
            if record_id is None and isinstance(record, Mapping):
                record_id = clean_text(record.get("id"))
            out.quarantine.append(quarantine_row(prov, SERVICE, record_id, err.reason, str(err)))
    return out, len(awards)
