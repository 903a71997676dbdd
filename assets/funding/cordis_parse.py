"""Pure parsing of EU CORDIS projects (XML records and bulk CSV archives) into grant rows.

Input, either of:

- one CORDIS project record as XML (namespace ``http://cordis.europa.eu``, root
  ``<project>``): ``id``, ``title``, ``objective``, ``startDate``, ``endDate``,
  ``ecMaxContribution``, ``status`` as child elements, and under
  ``relations/associations`` one ``<organization>`` per participation (attributes
  ``type``, ``order``, ``ecContribution``, ``netEcContribution``; children ``id``,
  ``legalName``, ``address/country``) and ``<programme>`` elements carrying the
  ``frameworkProgramme``. A ``<programme>`` record (the description of a programme,
  not a grant) reads as no record at all: an empty batch, 0 records, no error;
- one bulk archive of a framework programme (``cordis-HORIZONprojects-csv.zip``,
  ``cordis-h2020projects-csv.zip``, ``cordis-fp7projects-csv.zip``) holding
  ``project.csv`` and ``organization.csv`` (at the top or in a folder such as ``csv/``),
  semicolon-separated with every field quoted. Only the projects ``keep(title,
  objective)`` selects are turned into rows (a programme dump is not all quantum).

What this relies on (read 2026; facts only, no code taken):

- The XML shape: real records in ../shared/fixtures/cordis (openeuropa/cordis-php-client
  test data, see its PROVENANCE.md section 3a): a project whose seven organisations sum,
  by ``netEcContribution``, to its ``ecMaxContribution`` (5,500,000), a third party with
  ``ecContribution="0"`` and ``netEcContribution="54941.25"`` sharing ``order="4"`` with
  its parent, whose ``ecContribution`` (1,004,831.25) is the net 949,890 plus the third
  party's share; and a programme record.
- The CSV columns: ``project.csv`` has ``id;acronym;status;title;startDate;endDate;
  totalCost;ecMaxContribution;legalBasis;topics;ecSignatureDate;frameworkProgramme;
  masterCall;subCall;fundingScheme;nature;objective;contentUpdateDate;rcn;grantDoi``
  and ``organization.csv`` ``projectID;projectAcronym;organisationID;vatNumber;name;
  shortName;SME;activityType;street;postCode;city;country;nutsCode;geolocation;
  organizationURL;contactForm;contentUpdateDate;rcn;order;role;ecContribution;
  netEcContribution;totalCost;endOfParticipation;active`` (column constants of
  David-TMNg/Modern_Data_Analytics ``src/modern_data_analytics/constants.py``; header and
  rows quoted from the publisher's files in sister-software/mailwoman's CORDIS adapter
  test). Members may sit in a ``csv/`` folder (KTH-Library/cordis
  ``data-raw/cordis_data.R`` strips ``csv/`` from member names).
- Numbers: the same release writes ``"528340.97"`` and ``"960619,95"`` (a decimal comma)
  in neighbouring columns and no thousands separators (the quoted rows above; a public
  notebook replaces ``,`` by ``.`` in ``ecMaxContribution`` before reading it as a
  float). So a CORDIS number is digits with at most one ``.`` or ``,`` as its decimal
  mark; anything else (``1,250,000.50``, ``1.250.000``) is not an amount.
- Roles: ``coordinator``, ``participant``, ``thirdParty``, ``associatedPartner`` and, in
  H2020, ``partner`` (the quoted rows; Modern_Data_Analytics' role constants). An H2020
  ``partner`` row has ``ecContribution`` empty and ``netEcContribution`` ``0``; an FP7
  row has ``netEcContribution`` empty. Countries are ISO 3166-1 alpha-2 except the EU's
  own ``EL`` (Greece) and ``UK`` (United Kingdom), passed in as ``aliases``
  (``assets/reference/eu_country_codes.csv``); ``XK`` (Kosovo) appears too.

Measure rule. The grant's amount is ``ecMaxContribution`` in EUR (``amount_measure``
``ecMaxContribution``). An organisation's money is its ``netEcContribution`` (so a third
party is credited with what it receives and its parent with the rest); where that is
absent, its ``ecContribution``, except for a third party, whose ``ecContribution`` is a
``0`` placeholder (its share is then unknown, None). The two are never added.
``amount_measure`` names the field used. A share that is present but not a number, or
negative, is quarantined ``invalid_amount`` and counts as unknown.

Reconciliation: when the organisations' shares sum to more than 1 EUR away from
``ecMaxContribution`` a quarantine row ``contribution_mismatch`` names both sums. The
grant stays: grant totals use ``ecMaxContribution``, country splits the shares.

Organisation rows: ``position`` is ``order``; ``role`` maps ``type`` (XML) or ``role``
(CSV): ``coordinator``, ``participant``, ``third_party``, ``associated_partner``, any
other value kept lower-cased (``partner``); a third party's ``parent_position`` is the
``order`` it shares with its parent. Rows are sorted by position, a third party after
its parent.

Bad input (``assets/funding/grants.py``): a project id that is not a CORDIS number
(``invalid_id``), no ``startDate`` (``missing_date``), a malformed date
(``invalid_date``), a start year before 1950 or after ``max_year``
(``year_out_of_range``), no usable ``ecMaxContribution`` (``missing_amount``,
``non_positive_amount``) quarantine the project whole. An organisation without a country
is ``ZZZ``, counted; invalid codes are quarantined and count as ``ZZZ``. In an archive, a
row with the wrong number of fields is ``malformed_row``, a repeated project id
``duplicate_record``, an organisation row of a project absent from ``project.csv``
``orphan_organisation``; an expected column absent from a header is ``schema_drift``
(the file is read on; the records it affects are quarantined by the rules above). A
header without the columns needed to read at all (``id``, ``title``, ``objective``;
``projectID``), an archive member with a path leaving the archive, a symbolic link, an
encrypted or oversized member, a missing or repeated ``project.csv`` or
``organization.csv``, and a truncated or corrupt archive raise ValueError: the file is
unreadable, never read as empty.
"""

from __future__ import annotations

import csv
import io
import math
import re
import stat
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from assets.funding.grants import (
    GrantBatch,
    grant_row,
    organisation_country,
    organisation_row,
    parse_amount,
    quarantine_row,
)
from pipelines.parsing import CountryCodes, Provenance, RecordError, clean_text, to_int

SERVICE = "cordis"
FUNDER = "European Commission"
CURRENCY = "EUR"
GRANT_MEASURE = "ecMaxContribution"
NS = "{http://cordis.europa.eu}"
NAMESPACE = b"http://cordis.europa.eu"
MIN_YEAR = 1950
TOLERANCE_EUR = 1.0
PROJECT_MEMBER = "project.csv"
ORGANISATION_MEMBER = "organization.csv"
# The largest uncompressed member read (the biggest real member is far smaller): a bomb guard.
MAX_MEMBER_BYTES = 1 << 30
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
ROLES = {
    "coordinator": "coordinator",
    "participant": "participant",
    "thirdparty": "third_party",
    "associatedpartner": "associated_partner",
}
# Without these columns a file cannot be read at all (scope test and join key).
PROJECT_KEYS = ("id", "title", "objective")
ORGANISATION_KEYS = ("projectID",)
# Columns CORDIS always sends; one absent from a header is schema drift.
PROJECT_EXPECTED = ("startDate", "endDate", "ecMaxContribution", "frameworkProgramme", "status")
ORGANISATION_EXPECTED = (
    "organisationID",
    "name",
    "country",
    "order",
    "role",
    "ecContribution",
    "netEcContribution",
)
PROJECT_ID = re.compile(r"^\d{1,12}$")
NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")
DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T][0-9:.]*)?$")
FIRST_TAG = re.compile(rb"<([^?!/\s>][^\s>]*)([^>]*)>")
Keep = Callable[[str | None, str | None], bool]


# --- values ----------------------------------------------------------------------------


def cordis_number(value: Any, name: str) -> str | None:
    """A CORDIS number as text with a decimal point (``"960619,95"`` -> ``"960619.95"``).

    None when absent. Raises RecordError ``missing_amount`` for text that is not digits
    with at most one ``.`` or ``,`` as decimal mark (CORDIS writes no thousands
    separators, so ``1,250,000`` is ambiguous and refused).
    """
    text = clean_text(value)
    if text is None:
        return None
    if not NUMBER.match(text):
        raise RecordError("missing_amount", f"{name}={value!r} is not an amount")
    return text.replace(",", ".")


def organisation_share(value: Any, name: str) -> float | None:
    """An organisation's share in EUR (0 allowed), None when absent.

    Raises RecordError ``invalid_amount`` when present but not a number, or negative.
    """
    try:
        text = cordis_number(value, name)
    except RecordError as err:
        raise RecordError("invalid_amount", err.detail) from None
    if text is None:
        return None
    amount = float(text)
    if amount < 0:
        raise RecordError("invalid_amount", f"{name}={value!r} is negative")
    return amount


def organisation_amount(net: Any, gross: Any, role: str | None) -> tuple[float | None, str | None]:
    """``(share, measure)`` of one organisation under the measure rule (module doc).

    ``netEcContribution`` when present; else ``ecContribution`` unless the organisation
    is a third party; else ``(None, None)``. Raises RecordError ``invalid_amount`` for a
    malformed or negative value of the field chosen.
    """
    share = organisation_share(net, "netEcContribution")
    if share is not None:
        return share, "netEcContribution"
    if role == "third_party":
        return None, None
    share = organisation_share(gross, "ecContribution")
    return (share, "ecContribution") if share is not None else (None, None)


def cordis_role(value: Any) -> str | None:
    """Our role name for a CORDIS ``type``/``role`` (``thirdParty`` -> ``third_party``).

    Unknown values are kept, lower-cased (``partner``); absent is None.
    """
    text = clean_text(value)
    if text is None:
        return None
    return ROLES.get(text.lower(), text.lower())


def cordis_date(value: Any, name: str) -> str | None:
    """An ISO date from ``YYYY-MM-DD`` (a time after it is ignored); None when absent.

    Raises RecordError ``invalid_date`` for anything else or a date not in the calendar.
    """
    text = clean_text(value)
    if text is None:
        return None
    match = DATE.match(text)
    if not match:
        raise RecordError("invalid_date", f"{name}={value!r} is not a date")
    try:
        return date(*(int(part) for part in match.groups())).isoformat()
    except ValueError:
        raise RecordError("invalid_date", f"{name}={value!r} is not a date") from None


# --- one project -----------------------------------------------------------------------


def parse_project(
    project: Mapping[str, Any],
    organisations: list[Mapping[str, Any]],
    prov: Provenance,
    codes: CountryCodes,
    aliases: Mapping[str, str],
    max_year: int,
) -> GrantBatch:
    """One grant row and its organisation rows from a project and its participations.

    ``project`` and each organisation are mappings with CORDIS's CSV column names
    (``id``, ``title``, ``objective``, ``startDate``, ``endDate``, ``ecMaxContribution``,
    ``frameworkProgramme``, ``status``; ``organisationID``, ``name``, ``country``,
    ``order``, ``role``, ``ecContribution``, ``netEcContribution``). Raises RecordError
    when the project is unusable as a whole; country, share and order problems become
    quarantine rows in the returned batch while the project stays.
    """
    raw_id = clean_text(project.get("id"))
    if raw_id is None or not PROJECT_ID.match(raw_id):
        raise RecordError("invalid_id", f"project id {project.get('id')!r} is not a CORDIS number")
    start = cordis_date(project.get("startDate"), "startDate")
    if start is None:
        raise RecordError("missing_date", f"{raw_id}: startDate is absent")
    if not MIN_YEAR <= int(start[:4]) <= max_year:
        raise RecordError("year_out_of_range", f"{raw_id}: startDate {start}")
    end = cordis_date(project.get("endDate"), "endDate")
    amount = parse_amount(
        cordis_number(project.get("ecMaxContribution"), GRANT_MEASURE), GRANT_MEASURE
    )
    out = GrantBatch()
    out.grants.append(
        grant_row(
            prov,
            service=SERVICE,
            grant_id=raw_id,
            title=clean_text(project.get("title")),
            abstract=clean_text(project.get("objective")),
            funder=FUNDER,
            programme=clean_text(project.get("frameworkProgramme")),
            currency=CURRENCY,
            amount=amount,
            amount_measure=GRANT_MEASURE,
            start_date=start,
            end_date=end,
            status=clean_text(project.get("status")),
        )
    )
    rows = [_organisation(o, raw_id, prov, codes, aliases, out) for o in organisations]
    rows.sort(
        key=lambda r: (r["position"] is None, r["position"] or 0, r["parent_position"] is not None)
    )
    out.organisations.extend(rows)
    total = math.fsum(r["amount"] for r in rows if r["amount"] is not None)
    if abs(total - amount) > TOLERANCE_EUR:
        out.quarantine.append(
            quarantine_row(
                prov,
                SERVICE,
                raw_id,
                "contribution_mismatch",
                f"{raw_id}: the shares of its {len(rows)} organisations sum to {total:.2f} EUR "
                f"but ecMaxContribution is {amount:.2f} EUR; grant totals use "
                "ecMaxContribution, country splits the shares",
            )
        )
    return out


def _organisation(
    org: Mapping[str, Any],
    grant_id: str,
    prov: Provenance,
    codes: CountryCodes,
    aliases: Mapping[str, str],
    out: GrantBatch,
) -> dict[str, Any]:
    """One organisation row; its order, share and country problems go to ``out.quarantine``."""
    name = clean_text(org.get("name"))
    role = cordis_role(org.get("role"))
    try:
        position = to_int(clean_text(org.get("order")), "order")
    except RecordError as err:
        out.quarantine.append(
            quarantine_row(
                prov, SERVICE, grant_id, err.reason, f"organisation {name!r}: {err.detail}"
            )
        )
        position = None
    try:
        share, measure = organisation_amount(
            org.get("netEcContribution"), org.get("ecContribution"), role
        )
    except RecordError as err:
        detail = f"organisation {name!r}: {err.detail}; its share counts as unknown"
        out.quarantine.append(quarantine_row(prov, SERVICE, grant_id, err.reason, detail))
        share, measure = None, None
    raw, iso3 = organisation_country(
        org.get("country"), codes, prov, SERVICE, grant_id, out, aliases
    )
    return organisation_row(
        prov,
        service=SERVICE,
        grant_id=grant_id,
        position=position,
        org_id=clean_text(org.get("organisationID")),
        name=name,
        role=role,
        parent_position=position if role == "third_party" else None,
        country_code_raw=raw,
        country_iso3=iso3,
        amount=share,
        amount_measure=measure,
    )


# --- XML -------------------------------------------------------------------------------


def _root_tag(body: bytes) -> tuple[bytes, bytes] | None:
    """The first element's tag and attribute text, skipping the prolog and comments."""
    text = re.sub(rb"<!--.*?-->", b"", body[:8192], flags=re.DOTALL)
    match = FIRST_TAG.search(text)
    return (match.group(1), match.group(2)) if match else None


def is_cordis_xml(body: bytes) -> bool:
    """Whether ``body`` is XML whose root element is in the CORDIS namespace."""
    root = _root_tag(body.lstrip(b"\xef\xbb\xbf \t\r\n"))
    return root is not None and b'xmlns="' + NAMESPACE + b'"' in root[1]


def _text(element: ET.Element | None) -> str | None:
    """The cleaned text of an element, None when empty or absent."""
    return None if element is None else clean_text(element.text)


def parse_cordis_project_xml(
    body: bytes,
    prov_file: Provenance,
    codes: CountryCodes,
    aliases: Mapping[str, str],
    max_year: int,
) -> tuple[GrantBatch, int]:
    """Parse one CORDIS XML record; return the batch and the records read (0 or 1).

    A ``<project>`` is one record (quarantined whole when unusable); a ``<programme>``
    is no record (empty batch, 0). Raises ValueError for a body with a DOCTYPE or
    entity declarations (refused: entity expansion), XML that is not well-formed, or
    another root element.
    """
    if b"<!DOCTYPE" in body[:4096].upper() or b"<!ENTITY" in body.upper():
        raise ValueError("XML with a DOCTYPE or entity declarations is refused")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as err:
        raise ValueError(f"not well-formed XML ({err})") from None
    if root.tag == f"{NS}programme":
        return GrantBatch(), 0
    if root.tag != f"{NS}project":
        raise ValueError(f"not a CORDIS project or programme record (root element {root.tag!r})")
    fields = ("id", "title", "objective", "startDate", "endDate", "ecMaxContribution", "status")
    project: dict[str, Any] = {name: _text(root.find(f"{NS}{name}")) for name in fields}
    associations = f"{NS}relations/{NS}associations"
    project["frameworkProgramme"] = _text(root.find(f"{NS}frameworkProgramme")) or next(
        (
            _text(p.find(f"{NS}frameworkProgramme"))
            for p in root.iterfind(f"{associations}/{NS}programme")
            if _text(p.find(f"{NS}frameworkProgramme"))
        ),
        None,
    )
    organisations = [
        {
            "organisationID": _text(org.find(f"{NS}id")),
            "name": _text(org.find(f"{NS}legalName")),
            "country": _text(org.find(f"{NS}address/{NS}country")),
            "order": org.get("order"),
            "role": org.get("type"),
            "ecContribution": org.get("ecContribution"),
            "netEcContribution": org.get("netEcContribution"),
        }
        for org in root.iterfind(f"{associations}/{NS}organization")
    ]
    prov = Provenance(prov_file.source_file, prov_file.source_sha256, 0)
    out = GrantBatch()
    try:
        out.extend(parse_project(project, organisations, prov, codes, aliases, max_year))
    except RecordError as err:
        out.quarantine.append(quarantine_row(prov, SERVICE, project["id"], err.reason, err.detail))
    return out, 1


# --- bulk archives ---------------------------------------------------------------------


def is_cordis_zip(body_or_path: bytes | Path) -> bool:
    """Whether a body (or the file at a path) is a ZIP archive, the form of a CORDIS bulk
    download (no other grant service delivers ZIPs). Whether it holds the CORDIS members
    is for ``parse_cordis_bulk_zip`` to say, naming what is wrong."""
    if isinstance(body_or_path, Path):
        with body_or_path.open("rb") as handle:
            head = handle.read(4)
    else:
        head = bytes(body_or_path[:4])
    return head in ZIP_SIGNATURES


def _member_problem(info: zipfile.ZipInfo) -> str:
    """Why an archive member is refused ("" when it is safe to read)."""
    name = info.filename
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
        return f"member {name!r} has a path that leaves the archive (path traversal)"
    if stat.S_ISLNK(info.external_attr >> 16):
        return f"member {name!r} is a symbolic link"
    if info.flag_bits & 0x1:
        return f"member {name!r} is encrypted"
    if info.file_size > MAX_MEMBER_BYTES:
        return f"member {name!r} unpacks to {info.file_size} bytes, over {MAX_MEMBER_BYTES}"
    return ""


def archive_members(archive: zipfile.ZipFile) -> tuple[zipfile.ZipInfo, zipfile.ZipInfo]:
    """The ``project.csv`` and ``organization.csv`` members of a CORDIS bulk archive.

    Raises ValueError when any member is unsafe (``_member_problem``) or either file is
    missing or present twice.
    """
    found: dict[str, list[zipfile.ZipInfo]] = {PROJECT_MEMBER: [], ORGANISATION_MEMBER: []}
    for info in archive.infolist():
        problem = _member_problem(info)
        if problem:
            raise ValueError(f"archive refused: {problem}")
        base = PurePosixPath(info.filename).name
        if base in found and not info.is_dir():
            found[base].append(info)
    for base, infos in found.items():
        if len(infos) != 1:
            names = sorted(i.filename for i in archive.infolist())[:10]
            raise ValueError(
                f"not a CORDIS bulk archive: {len(infos)} members named {base} "
                f"(exactly one expected; members: {names})"
            )
    return found[PROJECT_MEMBER][0], found[ORGANISATION_MEMBER][0]


@contextmanager
def open_archive(body_or_path: bytes | Path) -> Iterator[zipfile.ZipFile]:
    """Open a ZIP from bytes or a path (not a symbolic link); ValueError when unreadable."""
    if isinstance(body_or_path, Path) and body_or_path.is_symlink():
        raise ValueError(f"{body_or_path}: symbolic links are not read")
    source = body_or_path if isinstance(body_or_path, Path) else io.BytesIO(body_or_path)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise ValueError(f"not a readable ZIP archive, truncated or corrupt? ({err})") from None
    with archive:
        yield archive


def csv_rows(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> Iterator[list[str]]:
    """The records of a semicolon-separated, quoted CSV member, header first, streamed.

    Blank lines are skipped. Raises ValueError naming the member and line for text that
    is not UTF-8 or not CSV, and for a member whose bytes fail the archive's checks
    (CRC, truncation, unsupported compression).
    """
    reader = None
    try:
        with archive.open(member) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            reader = csv.reader(text, delimiter=";", quotechar='"')
            for row in reader:
                if row:
                    yield row
    except (csv.Error, UnicodeDecodeError) as err:
        line = reader.line_num if reader is not None else 0
        raise ValueError(
            f"{member.filename} near line {line}: not readable as CSV ({err})"
        ) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as err:
        raise ValueError(f"{member.filename}: cannot be unpacked ({err})") from None


def _header(
    row: list[str],
    member: str,
    keys: tuple[str, ...],
    expected: tuple[str, ...],
    prov: Provenance,
    out: GrantBatch,
) -> list[str]:
    """The cleaned column names; ValueError without ``keys``, schema drift without ``expected``."""
    header = [clean_text(name) or "" for name in row]
    missing = [k for k in keys if k not in header]
    if missing:
        raise ValueError(f"{member} has no column(s) {missing} (header: {header[:30]})")
    drift = [e for e in expected if e not in header]
    if drift:
        out.quarantine.append(
            quarantine_row(
                prov,
                SERVICE,
                None,
                "schema_drift",
                f"{member} has no column(s) {drift}: renamed or dropped by CORDIS? The records "
                "are read without them.",
            )
        )
    return header


def parse_cordis_bulk_zip(
    body_or_path: bytes | Path,
    prov_file: Provenance,
    codes: CountryCodes,
    aliases: Mapping[str, str],
    max_year: int,
    keep: Keep,
) -> tuple[GrantBatch, int]:
    """Parse the in-scope projects of a CORDIS bulk archive; return the batch and the
    number of ``project.csv`` records read (in scope or not).

    ``keep(title, objective)`` selects the projects to parse; only those and their
    organisation rows are held in memory while the two members are streamed. Each
    record's ``record_index`` is its 0-based place among ``project.csv``'s records; its
    organisations share it. Every project record ends as exactly one of: parsed, out of
    scope, or quarantined; a count that does not add up raises ValueError, as does any
    archive problem listed in the module doc.
    """
    out = GrantBatch()
    with open_archive(body_or_path) as archive:
        project_member, organisation_member = archive_members(archive)
        kept, seen, counts = _read_projects(archive, project_member, prov_file, keep, out)
        participations = _read_organisations(
            archive, organisation_member, kept, seen, prov_file, out
        )
    for index, project in kept.items():
        prov = Provenance(prov_file.source_file, prov_file.source_sha256, index)
        try:
            out.extend(
                parse_project(project, participations[index], prov, codes, aliases, max_year)
            )
            counts["parsed"] += 1
        except RecordError as err:
            out.quarantine.append(
                quarantine_row(prov, SERVICE, clean_text(project.get("id")), err.reason, err.detail)
            )
            counts["quarantined"] += 1
    ended = counts["parsed"] + counts["quarantined"] + counts["out_of_scope"]
    if ended != counts["records"]:
        raise ValueError(
            f"{PROJECT_MEMBER}: {counts['records']} records read but {ended} accounted for "
            f"({counts}); the archive is not read"
        )
    return out, counts["records"]


def _read_projects(
    archive: zipfile.ZipFile,
    member: zipfile.ZipInfo,
    prov_file: Provenance,
    keep: Keep,
    out: GrantBatch,
) -> tuple[dict[int, dict[str, str]], dict[str, int], dict[str, int]]:
    """Stream ``project.csv``: the in-scope records by index, the index of every project
    id, and the counts of records read, out of scope and quarantined so far."""
    counts = {"records": 0, "parsed": 0, "quarantined": 0, "out_of_scope": 0}
    kept: dict[int, dict[str, str]] = {}
    seen: dict[str, int] = {}
    rows = csv_rows(archive, member)
    first = next(rows, None)
    if first is None:
        raise ValueError(f"{member.filename} is empty (not even a header)")
    header = _header(first, member.filename, PROJECT_KEYS, PROJECT_EXPECTED, prov_file, out)
    for index, row in enumerate(rows):
        counts["records"] += 1
        prov = Provenance(prov_file.source_file, prov_file.source_sha256, index)
        if len(row) != len(header):
            detail = (
                f"{member.filename} record {index + 1}: {len(row)} fields, header has {len(header)}"
            )
            out.quarantine.append(quarantine_row(prov, SERVICE, None, "malformed_row", detail))
            counts["quarantined"] += 1
            continue
        record = dict(zip(header, row, strict=True))
        project_id = clean_text(record.get("id"))
        if project_id is not None and project_id in seen:
            detail = (
                f"project {project_id} repeats record {seen[project_id] + 1}; the first is kept"
            )
            out.quarantine.append(
                quarantine_row(prov, SERVICE, project_id, "duplicate_record", detail)
            )
            counts["quarantined"] += 1
            continue
        if project_id is not None:
            seen[project_id] = index
        if keep(clean_text(record.get("title")), clean_text(record.get("objective"))):
            kept[index] = record
        else:
            counts["out_of_scope"] += 1
    return kept, seen, counts


def _read_organisations(
    archive: zipfile.ZipFile,
    member: zipfile.ZipInfo,
    kept: Mapping[int, Mapping[str, str]],
    seen: Mapping[str, int],
    prov_file: Provenance,
    out: GrantBatch,
) -> dict[int, list[dict[str, str]]]:
    """Stream ``organization.csv``: the participations of the in-scope projects, by
    project record index. Malformed rows and rows of unknown projects are quarantined."""
    participations: dict[int, list[dict[str, str]]] = {index: [] for index in kept}
    rows = csv_rows(archive, member)
    first = next(rows, None)
    if first is None:
        raise ValueError(f"{member.filename} is empty (not even a header)")
    header = _header(
        first, member.filename, ORGANISATION_KEYS, ORGANISATION_EXPECTED, prov_file, out
    )
    for number, row in enumerate(rows, start=1):
        if len(row) != len(header):
            detail = (
                f"{member.filename} record {number}: {len(row)} fields, header has {len(header)}"
            )
            out.quarantine.append(quarantine_row(prov_file, SERVICE, None, "malformed_row", detail))
            continue
        record = dict(zip(header, row, strict=True))
        project_id = clean_text(record.get("projectID"))
        index = seen.get(project_id) if project_id is not None else None
        if index is None:
            detail = (
                f"{member.filename} record {number}: project {project_id!r} is not in "
                f"{PROJECT_MEMBER}"
            )
            out.quarantine.append(
                quarantine_row(prov_file, SERVICE, project_id, "orphan_organisation", detail)
            )
        elif index in participations:
            participations[index].append(record)
    return participations
