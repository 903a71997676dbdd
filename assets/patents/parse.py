"""Pure parsing of patent documents from PatentsView and EPO OPS into flat rows.

Input: raw files as the services return them, gzipped or not, in one folder:
PatentsView PatentSearch JSON pages (``{"error": false, "count": n, "total_hits": N,
"patents": [...]}`` or ``"publications": [...]``) and EPO OPS XML bodies (a
``published-data/search/biblio`` page of ``exchange-document`` records, or a
``family`` response of ``family-member`` entries, with or without bibliographic data).
The format is read from the content, not the name.

Output: rows for the ``raw`` patent tables (documents, applicants, inventors, CPC
codes) with provenance (file, checksum, record index), and quarantine rows with a
reason for everything that cannot be used. Families, years and counts are built later,
in SQL; this module keeps what each document says.

Rules: EPO applicant and inventor countries come from the ``[XX]`` suffix of
``epodoc``-format names (``original``-format names carry none); a name without a
suffix has an unknown country (ZZZ), counted, never dropped. Invalid and withdrawn
(historical) country codes are quarantined and the party counts as unknown. A
malformed CPC code is quarantined; the document stays. A withdrawn US patent (never
issued) is quarantined whole.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pipelines.parsing import (
    CountryCodes,
    Provenance,
    RecordError,
    clean_text,
    read_files,
    source_files,
)

SOURCE = "patents"
RAW_SUFFIXES = (".json", ".json.gz", ".xml", ".xml.gz")
EXCHANGE = "{http://www.epo.org/exchange}"
OPS = "{http://ops.epo.org}"
MIN_YEAR = 1900
MAX_BODY_BYTES = 256 * 1024 * 1024
CPC_CODE = re.compile(r"^([A-HY])(\d{2})([A-Z])(\d{1,4})/(\d{2,6})$")
EPODOC_PARTY = re.compile(r"^(?P<name>.*?)\s*\[(?P<country>[A-Za-z]{2})\]\s*(?:,?\s*et al\.?)?$")
ET_AL = re.compile(r",?\s*et al\.?$", re.IGNORECASE)
CPC_SCHEMES = ("CPC", "CPCI", "CPCNO")
PV_ENDPOINTS = {"patents": "patentsview_patent", "publications": "patentsview_publication"}
# fields the parser needs from every PatentsView page; one absent from every record of a
# page means the API renamed or dropped it (schema drift), never "no data"
PV_EXPECTED = {
    "patents": ("patent_id", "patent_title", "patent_date", "assignees", "cpc_current"),
    "publications": (
        "document_number",
        "publication_title",
        "publication_date",
        "assignees",
        "cpc_current",
    ),
}
# fields PatentsView leaves out of a record that has none (a document without assignees:
# 2 of the 12 grants of a recorded page, and a recorded pre-grant publication), so a short
# page may lack them in every record: absent from all of a page of at least this many
# records, they are schema drift (of pages where one record in six has none, a page of 50
# lacks them all by chance about once in 10^39)
PV_OMITTED_WHEN_EMPTY = {"assignees": 50}


@dataclass
class PatentBatch:
    """Column-oriented rows for the raw patent tables, plus quarantine and file rows."""

    documents: list[dict[str, Any]] = field(default_factory=list)
    applicants: list[dict[str, Any]] = field(default_factory=list)
    inventors: list[dict[str, Any]] = field(default_factory=list)
    classifications: list[dict[str, Any]] = field(default_factory=list)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)

    def extend(self, other: PatentBatch) -> None:
        """Append every row of ``other`` to this batch."""
        for name in self.__dataclass_fields__:
            getattr(self, name).extend(getattr(other, name))


def quarantine_row(prov: Provenance, record_id: str | None, reason: str, detail: str) -> dict:
    """One quarantine row (same columns as the OpenAlex quarantine)."""
    return {
        "source": SOURCE,
        "source_file": prov.source_file,
        "record_index": prov.record_index,
        "record_id": record_id,
        "reason": reason,
        "detail": detail[:500],
    }


def parse_date(value: Any, name: str) -> str | None:
    """An ISO date (``YYYY-MM-DD``) from ``YYYY-MM-DD`` or ``YYYYMMDD``; None when absent.

    Raises RecordError for text that is not a real calendar date.
    """
    text = clean_text(value)
    if text is None:
        return None
    digits = text.replace("-", "")
    if len(digits) != 8 or not digits.isdigit():
        raise RecordError("invalid_date", f"{name}={value!r} is not a date")
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:])).isoformat()
    except ValueError:
        raise RecordError("invalid_date", f"{name}={value!r} is not a date") from None


def normalise_cpc(code: Any) -> str:
    """A CPC symbol in the form ``G06N10/40`` (main group without leading zeros).

    Accepts ``G06N10/40``, ``G06N 10/40`` and ``G06N  10/ 40``. Raises RecordError
    (``invalid_cpc_code``) for anything that is not a CPC group symbol.
    """
    text = re.sub(r"\s+", "", str(code or ""))
    match = CPC_CODE.match(text)
    if not match:
        raise RecordError("invalid_cpc_code", f"{code!r} is not a CPC group symbol")
    section, klass, subclass, main, sub = match.groups()
    return f"{section}{klass}{subclass}{int(main)}/{sub}"


def number_key(office: str, number: str) -> str:
    """A document number comparable across services: digits of ``number`` for ``office``.

    US pre-grant publication numbers are written with 11 digits by PatentsView
    (``20210123456``) and with 10 in DOCDB (``2021123456``): both become
    ``2021/123456``. Other numbers lose leading zeros only.
    """
    text = re.sub(r"[^0-9A-Za-z]", "", number).upper()
    if office == "US" and text.isdigit() and len(text) in (10, 11) and text[:2] in ("19", "20"):
        return f"{text[:4]}/{int(text[4:])}"
    return text.lstrip("0") or "0"


def _country(
    raw: Any, codes: CountryCodes, prov: Provenance, record_id: str, out: PatentBatch
) -> tuple[str | None, str]:
    """``(raw code, ISO3)`` of a party's country; ZZZ when absent, invalid or historical.

    Invalid and historical codes add a quarantine row naming the code.
    """
    code = clean_text(raw)
    if code is None:
        return None, "ZZZ"
    code = code.upper()
    if code in codes.iso2_to_iso3:
        return code, codes.iso2_to_iso3[code]
    reason = "historical_country_code" if code in codes.historical else "invalid_country_code"
    out.quarantine.append(
        quarantine_row(prov, record_id, reason, f"party country {code!r}; counted as unknown")
    )
    return code, "ZZZ"


def _year_check(dates: Iterable[str | None], doc_id: str, max_year: int) -> None:
    """Raise RecordError when a document has no date at all or its earliest is absurd."""
    known = sorted(d for d in dates if d)
    if not known:
        raise RecordError("missing_date", f"{doc_id}: no priority, filing or publication date")
    year = int(known[0][:4])
    if not MIN_YEAR <= year <= max_year:
        raise RecordError("year_out_of_range", f"{doc_id}: earliest date {known[0]}")


def _document_row(prov: Provenance, **values: Any) -> dict[str, Any]:
    """A raw document row with every column present."""
    row = {
        "document_id": None,
        "service": None,
        "record_type": None,
        "office": None,
        "doc_number": None,
        "number_key": None,
        "kind": None,
        "family_id": None,
        "application_number": None,
        "publication_date": None,
        "application_date": None,
        "priority_date": None,
        "title": None,
        "title_lang": None,
        "abstract": None,
        "has_biblio": False,
        "foreign_priorities": None,
    }
    row.update(values)
    row.update(prov.columns())
    return row


# --- PatentsView -----------------------------------------------------------------------


def _earliest(dates: Iterable[str | None]) -> str | None:
    """The earliest of some ISO dates, None when there are none."""
    known = [d for d in dates if d]
    return min(known) if known else None


def _foreign_priorities(claims: Iterable[Any]) -> str | None:
    """The foreign applications a PatentsView record claims priority from, as one text.

    Input: the record's ``foreign_priority`` entries. Output: their distinct
    ``country:number`` keys (the number's letters and digits only, upper case), sorted
    and joined by spaces; None when no entry names both its country and its number.
    Two US documents that claim the same foreign applications share this text.
    """
    keys = set()
    for claim in claims:
        country = clean_text(claim.get("foreign_country_filed"))
        number = re.sub(r"[^0-9A-Za-z]", "", str(claim.get("foreign_application_id") or ""))
        if country and number:
            keys.add(f"{country.upper()}:{number.upper()}")
    return " ".join(sorted(keys)) or None


def parse_patentsview_record(
    record: Any, endpoint: str, prov: Provenance, codes: CountryCodes, max_year: int
) -> PatentBatch:
    """Parse one PatentsView patent or publication record.

    Raises RecordError when the record is unusable as a whole (no id, withdrawn, no
    date, bad field). Party countries and CPC codes it cannot use become quarantine
    rows in the returned batch while the record stays.
    """
    out = PatentBatch()
    if not isinstance(record, Mapping):
        raise RecordError("not_an_object", f"record is {type(record).__name__}")
    grant = endpoint == "patentsview_patent"
    prefix = "patent" if grant else "publication"
    raw_id = record.get("patent_id") if grant else record.get("document_number")
    if raw_id is not None and (isinstance(raw_id, bool) or not isinstance(raw_id, str | int)):
        raise RecordError("invalid_id", f"{endpoint} id {raw_id!r} is not a string or number")
    number = clean_text(raw_id)
    if number is None:
        raise RecordError("missing_id", f"{endpoint} record without its id")
    doc_id = f"US.{number}"
    if record.get("withdrawn") in (True, "true", "1", 1):
        raise RecordError("withdrawn_patent", f"{doc_id} was withdrawn from issue")
    applications = record.get("application") or []
    crosswalk = record.get("granted_pregrant_crosswalk") or []
    claims = record.get("foreign_priority") or []
    priority = _earliest(
        parse_date(p.get("filing_date"), "foreign_priority.filing_date") for p in claims
    )
    application_date = _earliest(
        [parse_date(record.get("patent_earliest_application_date"), "earliest_application")]
        + [parse_date(a.get("filing_date"), "application.filing_date") for a in applications]
    )
    publication_date = parse_date(record.get(f"{prefix}_date"), f"{prefix}_date")
    _year_check([priority, application_date, publication_date], doc_id, max_year)
    app_numbers = [a.get("application_id") for a in applications] + [
        c.get("application_number") for c in crosswalk
    ]
    app_number = next((re.sub(r"\D", "", str(a)) for a in app_numbers if a), None) or None
    out.documents.append(
        _document_row(
            prov,
            document_id=doc_id,
            service="patentsview",
            record_type=endpoint,
            office="US",
            doc_number=number,
            number_key=number_key("US", number),
            kind=clean_text(record.get("wipo_kind")),
            application_number=app_number,
            publication_date=publication_date,
            application_date=application_date,
            priority_date=priority,
            title=clean_text(record.get(f"{prefix}_title")),
            title_lang="en",
            abstract=clean_text(record.get(f"{prefix}_abstract")),
            has_biblio=True,
            foreign_priorities=_foreign_priorities(claims),
        )
    )
    key = prov.record_key
    for position, assignee in enumerate(record.get("assignees") or []):
        organisation = clean_text(assignee.get("assignee_organization"))
        person = _full_name(
            assignee.get("assignee_individual_name_first"),
            assignee.get("assignee_individual_name_last"),
        )
        raw, iso3 = _country(assignee.get("assignee_country"), codes, prov, doc_id, out)
        out.applicants.append(
            {
                "record_key": key,
                "document_id": doc_id,
                "position": position,
                "name": organisation or person,
                "country_code_raw": raw,
                "country_iso3": iso3,
                "type_code": clean_text(assignee.get("assignee_type")),
                "name_format": "patentsview",
            }
        )
    for position, inventor in enumerate(record.get("inventors") or []):
        raw, iso3 = _country(inventor.get("inventor_country"), codes, prov, doc_id, out)
        name = _full_name(inventor.get("inventor_name_first"), inventor.get("inventor_name_last"))
        out.inventors.append(
            {
                "record_key": key,
                "document_id": doc_id,
                "position": position,
                "name": name,
                "country_code_raw": raw,
                "country_iso3": iso3,
            }
        )
    codes_seen = [c.get("cpc_group_id") for c in record.get("cpc_current") or []]
    _classifications(codes_seen, prov, doc_id, out)
    return out


def _full_name(first: Any, last: Any) -> str | None:
    """``first last`` from the cleaned parts that are present; None when neither is."""
    return " ".join(p for p in (clean_text(first), clean_text(last)) if p) or None


def _classifications(
    codes_seen: list[Any], prov: Provenance, doc_id: str, out: PatentBatch
) -> None:
    """Add the document's distinct valid CPC codes; quarantine the malformed ones."""
    seen: set[str] = set()
    for raw in codes_seen:
        try:
            code = normalise_cpc(raw)
        except RecordError as err:
            out.quarantine.append(quarantine_row(prov, doc_id, err.reason, err.detail))
            continue
        if code not in seen:
            seen.add(code)
            out.classifications.append(
                {
                    "record_key": prov.record_key,
                    "document_id": doc_id,
                    "position": len(seen) - 1,
                    "cpc_code": code,
                }
            )


def parse_patentsview_page(
    page: Any, prov_file: Provenance, codes: CountryCodes, max_year: int
) -> tuple[PatentBatch, int]:
    """Parse a PatentsView page; return the batch and the number of records read.

    Raises ValueError when the body is not a PatentsView result page (an error
    envelope, no result list): the file is then unreadable, never read as empty.
    """
    if not isinstance(page, Mapping) or page.get("error") not in (False, "false"):
        raise ValueError("not a PatentsView result page (error flag set or missing)")
    found = [k for k in PV_ENDPOINTS if isinstance(page.get(k), list)]
    if len(found) != 1:
        raise ValueError("not a PatentsView patent or publication page (no result list)")
    endpoint = PV_ENDPOINTS[found[0]]
    out = PatentBatch()
    records = page[found[0]]
    objects = [r for r in records if isinstance(r, Mapping)]
    missing = [
        f
        for f in PV_EXPECTED[found[0]]
        if len(objects) >= PV_OMITTED_WHEN_EMPTY.get(f, 1) and all(f not in r for r in objects)
    ]
    if missing:
        out.quarantine.append(
            quarantine_row(
                prov_file,
                None,
                "schema_drift",
                f"no record of this {found[0]} page has the field(s) {missing}: renamed or "
                "dropped by the API? The records are read without them.",
            )
        )
    for index, record in enumerate(records):
        prov = Provenance(prov_file.source_file, prov_file.source_sha256, index)
        try:
            out.extend(parse_patentsview_record(record, endpoint, prov, codes, max_year))
        except (RecordError, ValueError, TypeError, AttributeError) as err:
            _quarantine_record(out, prov, record, ("patent_id", "document_number"), err)
    return out, len(records)


def _quarantine_record(
    out: PatentBatch, prov: Provenance, record: Any, id_fields: tuple[str, ...], err: Exception
) -> None:
    """Quarantine a whole record, with its id when it has one."""
    record_id = None
    if isinstance(record, Mapping):
        record_id = next((str(record[f]) for f in id_fields if record.get(f)), None)
    reason = err.reason if isinstance(err, RecordError) else "invalid_record"
    out.quarantine.append(quarantine_row(prov, record_id, reason, str(err)))


# --- EPO OPS ---------------------------------------------------------------------------


def _text(element: ET.Element | None) -> str | None:
    """The cleaned text of an element and its children, None when empty or absent."""
    if element is None:
        return None
    return clean_text(" ".join("".join(element.itertext()).split()))


def _docdb_id(reference: ET.Element | None) -> tuple[str | None, str | None, str | None, Any]:
    """``(country, number, kind, date)`` of the docdb document-id below ``reference``."""
    if reference is None:
        return None, None, None, None
    for doc in reference.iter(f"{EXCHANGE}document-id"):
        if doc.get("document-id-type") == "docdb":
            return (
                _text(doc.find(f"{EXCHANGE}country")),
                _text(doc.find(f"{EXCHANGE}doc-number")),
                _text(doc.find(f"{EXCHANGE}kind")),
                _text(doc.find(f"{EXCHANGE}date")),
            )
    return None, None, None, None


def _claim_dates(element: ET.Element, path: str) -> list[str]:
    """Every date under the priority claims at ``path`` (docdb or epodoc ids)."""
    dates = []
    for claim in element.iterfind(path):
        for doc in claim.iter(f"{EXCHANGE}document-id"):
            value = parse_date(_text(doc.find(f"{EXCHANGE}date")), "priority-claim date")
            if value:
                dates.append(value)
    return dates


def _application_date(element: ET.Element | None) -> str | None:
    """The earliest filing date given in an application-reference."""
    if element is None:
        return None
    return _earliest(
        parse_date(_text(doc.find(f"{EXCHANGE}date")), "application date")
        for doc in element.iter(f"{EXCHANGE}document-id")
    )


def _parties(
    biblio: ET.Element,
    kind: str,
    prov: Provenance,
    doc_id: str,
    codes: CountryCodes,
    out: PatentBatch,
) -> list[dict[str, Any]]:
    """Applicant or inventor rows from epodoc names, else original names, else any.

    ``kind`` is ``applicant`` or ``inventor``. Countries come from the ``[XX]``
    suffix; a name without it counts as unknown (ZZZ).
    """
    parties = list(biblio.iterfind(f"{EXCHANGE}parties/{EXCHANGE}{kind}s/{EXCHANGE}{kind}"))
    epodoc = [p for p in parties if p.get("data-format") == "epodoc"]
    original = [p for p in parties if p.get("data-format") == "original"]
    # another or no data-format: still parties (countries unknown), never dropped
    chosen = epodoc or original or parties
    rows = []
    for position, party in enumerate(chosen):
        name = _text(party.find(f"{EXCHANGE}{kind}-name/{EXCHANGE}name"))
        raw_country = None
        if name and party.get("data-format") == "epodoc":
            match = EPODOC_PARTY.match(name)
            if match:
                name, raw_country = clean_text(match["name"]), match["country"]
            else:
                name = clean_text(ET_AL.sub("", name))
        raw, iso3 = _country(raw_country, codes, prov, doc_id, out)
        rows.append(
            {
                "record_key": prov.record_key,
                "document_id": doc_id,
                "position": position,
                "name": clean_text((name or "").rstrip(",")),
                "country_code_raw": raw,
                "country_iso3": iso3,
                "name_format": party.get("data-format") or "unknown",
            }
        )
    return rows


def parse_exchange_document(
    document: ET.Element, prov: Provenance, codes: CountryCodes, max_year: int
) -> PatentBatch:
    """Parse one OPS ``exchange-document`` (bibliographic data and abstract).

    Raises RecordError when it has no usable id or date.
    """
    out = PatentBatch()
    office = clean_text(document.get("country"))
    number = clean_text(document.get("doc-number"))
    kind = clean_text(document.get("kind"))
    biblio = document.find(f"{EXCHANGE}bibliographic-data")
    if biblio is not None and not (office and number):
        office, number, kind, _ = _docdb_id(biblio.find(f"{EXCHANGE}publication-reference"))
    if not (office and number):
        raise RecordError("missing_id", "exchange-document without country and doc-number")
    doc_id = f"{office}.{number}" + (f".{kind}" if kind else "")
    if document.get("status"):
        # OPS marks documents it cannot deliver (e.g. status="not found")
        raise RecordError("not_delivered", f"{doc_id}: OPS status {document.get('status')!r}")
    if biblio is None:
        raise RecordError("missing_biblio", f"{doc_id}: exchange-document without bibliography")
    publication_date = parse_date(
        _docdb_id(biblio.find(f"{EXCHANGE}publication-reference"))[3], "publication date"
    )
    application_date = _application_date(biblio.find(f"{EXCHANGE}application-reference"))
    priority = _earliest(
        _claim_dates(biblio, f"{EXCHANGE}priority-claims/{EXCHANGE}priority-claim")
    )
    _year_check([priority, application_date, publication_date], doc_id, max_year)
    titles = {t.get("lang") or "": _text(t) for t in biblio.iterfind(f"{EXCHANGE}invention-title")}
    titles = {lang: text for lang, text in titles.items() if text}
    title_lang = "en" if "en" in titles else next(iter(titles), None)
    abstracts = {a.get("lang") or "": _text(a) for a in document.iterfind(f"{EXCHANGE}abstract")}
    out.documents.append(
        _document_row(
            prov,
            document_id=doc_id,
            service="epo_ops",
            record_type="epo_biblio",
            office=office,
            doc_number=number,
            number_key=number_key(office, number),
            kind=kind,
            family_id=clean_text(document.get("family-id")),
            publication_date=publication_date,
            application_date=application_date,
            priority_date=priority,
            title=titles.get(title_lang) if title_lang is not None else None,
            title_lang=title_lang,
            abstract=abstracts.get("en") or next((a for a in abstracts.values() if a), None),
            has_biblio=True,
        )
    )
    applicants = _parties(biblio, "applicant", prov, doc_id, codes, out)
    out.applicants.extend({**row, "type_code": None} for row in applicants)
    for row in _parties(biblio, "inventor", prov, doc_id, codes, out):
        row.pop("name_format")
        out.inventors.append(row)
    cpc = []
    path = f"{EXCHANGE}patent-classifications/{EXCHANGE}patent-classification"
    for item in biblio.iterfind(path):
        scheme = item.find(f"{EXCHANGE}classification-scheme")
        if scheme is not None and (scheme.get("scheme") or "").upper() not in CPC_SCHEMES:
            continue
        parts = [
            _text(item.find(f"{EXCHANGE}{name}")) or ""
            for name in ("section", "class", "subclass", "main-group", "subgroup")
        ]
        cpc.append(f"{''.join(parts[:4])}/{parts[4]}")
    _classifications(cpc, prov, doc_id, out)
    return out


def parse_family_member(
    member: ET.Element, prov: Provenance, codes: CountryCodes, max_year: int
) -> PatentBatch:
    """Parse one OPS ``family-member``: its bibliography when included, else its ids.

    A member without bibliography still tells the family's office, dates and priority.
    Raises RecordError when it has no usable id or date.
    """
    inner = member.find(f"{EXCHANGE}exchange-document")
    family_id = clean_text(member.get("family-id"))
    if inner is not None:
        if family_id and not inner.get("family-id"):
            inner.set("family-id", family_id)
        batch = parse_exchange_document(inner, prov, codes, max_year)
        for row in batch.documents:
            row["record_type"] = "epo_family_member"
        return batch
    office, number, kind, published = _docdb_id(member.find(f"{EXCHANGE}publication-reference"))
    if not (office and number):
        raise RecordError("missing_id", "family-member without a docdb publication number")
    doc_id = f"{office}.{number}" + (f".{kind}" if kind else "")
    publication_date = parse_date(published, "publication date")
    application_date = _application_date(member.find(f"{EXCHANGE}application-reference"))
    priority = _earliest(_claim_dates(member, f"{EXCHANGE}priority-claim"))
    _year_check([priority, application_date, publication_date], doc_id, max_year)
    out = PatentBatch()
    out.documents.append(
        _document_row(
            prov,
            document_id=doc_id,
            service="epo_ops",
            record_type="epo_family_member",
            office=office,
            doc_number=number,
            number_key=number_key(office, number),
            kind=kind,
            family_id=family_id,
            publication_date=publication_date,
            application_date=application_date,
            priority_date=priority,
        )
    )
    return out


def parse_ops_xml(
    body: bytes, prov_file: Provenance, codes: CountryCodes, max_year: int
) -> tuple[PatentBatch, int]:
    """Parse an OPS search or family body; return the batch and the records read.

    Raises ValueError for a body that declares a DOCTYPE or entities (refused: entity
    expansion), is not well-formed, or is not an OPS search or family response.
    """
    head = body[:4096].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in body.upper():
        raise ValueError("XML with a DOCTYPE or entity declarations is refused")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as err:
        raise ValueError(f"not well-formed XML ({err})") from None
    if root.tag != f"{OPS}world-patent-data":
        raise ValueError(f"not an OPS response (root element {root.tag!r})")
    search = root.find(f"{OPS}biblio-search")
    family = root.find(f"{OPS}patent-family")
    biblio = root.find(f"{EXCHANGE}exchange-documents")
    if search is not None or biblio is not None:
        elements = list(
            (search if search is not None else root).iter(f"{EXCHANGE}exchange-document")
        )
        parse = parse_exchange_document
    elif family is not None:
        elements = list(family.iterfind(f"{OPS}family-member"))
        parse = parse_family_member
    else:
        raise ValueError(
            "an OPS response that is neither a biblio search, bibliographic data nor a family"
        )
    out = PatentBatch()
    for index, element in enumerate(elements):
        prov = Provenance(prov_file.source_file, prov_file.source_sha256, index)
        try:
            out.extend(parse(element, prov, codes, max_year))
        except (RecordError, ValueError, TypeError, AttributeError) as err:
            record_id = "/".join(
                filter(None, (element.get("country"), element.get("doc-number")))
            ) or element.get("family-id")
            reason = err.reason if isinstance(err, RecordError) else "invalid_record"
            out.quarantine.append(quarantine_row(prov, record_id, reason, str(err)))
    return out, len(elements)


# --- files -----------------------------------------------------------------------------


def raw_files(directory: Path) -> list[Path]:
    """The raw patent files below ``directory`` (either service), in a stable order.

    Symlinks are refused, so a source directory cannot point the reader outside itself.
    """
    return source_files(directory, RAW_SUFFIXES)


def parse_body(
    body: bytes, prov_file: Provenance, codes: CountryCodes, max_year: int
) -> tuple[PatentBatch, int, str]:
    """Parse a body of either service; return the batch, records read and the service.

    Raises ValueError when the body is neither an OPS XML response nor a PatentsView
    JSON page (an HTML error page saved by mistake, truncated JSON, ...).
    """
    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start == b"<":
        if body.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")):
            raise ValueError("an HTML page, not a service response (an error page?)")
        batch, records = parse_ops_xml(body, prov_file, codes, max_year)
        return batch, records, "epo_ops"
    try:
        page = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"not valid JSON ({err})") from None
    batch, records = parse_patentsview_page(page, prov_file, codes, max_year)
    return batch, records, "patentsview"


def parse_files(
    paths: Iterable[Path], root: Path, codes: CountryCodes, max_year: int
) -> PatentBatch:
    """Parse every file into one batch; an unreadable file becomes a quarantine row.

    ``root`` is the folder the paths are reported relative to (provenance). Rows name
    the service the file came from (``patentsview`` or ``epo_ops``; ``patents`` when
    the file could not be read). A file whose bytes equal an earlier file's (the same
    response landed for two partitions) is listed as a duplicate and not read again.
    """
    out = PatentBatch()

    def parse(body: bytes, prov_file: Provenance) -> tuple[int, str]:
        batch, records, service = parse_body(body, prov_file, codes, max_year)
        for row in batch.quarantine:
            row["source"] = service
        out.extend(batch)
        return records, service

    def unreadable(prov_file: Provenance, detail: str) -> None:
        out.quarantine.append(quarantine_row(prov_file, None, "unreadable_file", detail))

    out.files += read_files(paths, root, MAX_BODY_BYTES, SOURCE, parse, unreadable)
    return out
