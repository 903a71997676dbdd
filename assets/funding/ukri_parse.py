"""Pure parsing of UKRI Gateway to Research (GtR) project search pages into grant rows.

Input: one body of the GtR project search (``GET https://gtr.ukri.org/api/search/project
?term=<term>&page=<n>&fetchSize=<size>``, see ``ukri_live``), decoded from JSON:
``{"facetedSearchResultBean": {"totalResults": N, "results": [{"projectComposition":
{...}}, ...]}}``. One result is one project; its ``projectComposition`` holds the
``project`` (with its ``fund``), the ``leadResearchOrganisation`` and, where GtR sends
them, further ``organisationRoles``.

What this relies on (read 2026; facts only, no code taken):

- The search response and the project fields: GtR's own page "Searching projects"
  (https://gtr.ukri.org/resources/gtrapi-search-projects.html): ``facetedSearchResultBean``
  with ``request`` (``page``, ``fetchSize``, ``term``), ``totalResults`` and ``results``;
  each result's ``projectComposition.project`` carries ``id`` (a GUID), ``resourceUrl``,
  ``title``, ``status`` (may be null), ``grantReference`` (``MC_UU_00007/8``),
  ``grantCategory`` (``Intramural``), ``abstractText`` and ``fund`` with ``valuePounds``
  (a number: ``4072000``), ``start`` and ``end`` as epoch milliseconds (``1522537200000``,
  i.e. midnight 1 April 2018 in UK summer time) and ``funder``.
- The funder's name under ``fund.funder.name`` and the lead organisation under
  ``projectComposition.leadResearchOrganisation`` (``id``, ``name``, ``address``): the R
  client MatthewSmith430/GtR (``R/gtr_project_search_function.R`` reads
  ``projectComposition.project.fund.funder.name`` and
  ``projectComposition.leadResearchOrganisation.name`` from search pages;
  ``R/gtr_project_extract_function.R`` reads ``organisationRole`` entries with ``role``,
  ``address.postCode`` and ``address.region``, and the lead role name ``LEAD_RO``).

Rules (``assets/funding/grants.py`` gives the shared bad-input behaviour):

- ``grant_id`` is ``grantReference`` (the reference GtR's own project pages use, and the
  one publications acknowledge); a project without one is quarantined ``invalid_id``.
  A second project with the same reference on one page is quarantined
  ``duplicate_record`` (the first is kept).
- ``funder`` is ``fund.funder.name`` (EPSRC, STFC, Innovate UK ...); ``programme`` the
  ``grantCategory``; ``amount`` ``fund.valuePounds`` in GBP (``amount_measure``
  ``fund.valuePounds``); dates are ``fund.start``/``fund.end`` read as UK calendar dates.
  A start year before 1950 or after ``max_year`` is quarantined ``year_out_of_range``.
- Organisations: position 1 is the lead research organisation (role ``lead``); each
  further ``organisationRoles`` entry follows in the order sent, with its GtR role names
  lower-cased and joined by ``+`` (``COLLABORATOR`` -> ``collaborator``); the lead's own
  entry there (same id, role ``LEAD_RO``) is not repeated.
- Countries: ``address.country`` as GtR writes it. Two letters are an ISO 3166-1 alpha-2
  code (``grants.organisation_country``: invalid or withdrawn codes are quarantined);
  anything longer is a country name, matched case-insensitively against the ``name``
  column of the reviewed ``ref.countries`` table (``United Kingdom`` -> ``GBR``); a name
  not there adds a quarantine row ``unknown_country_name`` and counts as ``ZZZ``. A
  lead research organisation without a country is in the United Kingdom (``GBR``, raw
  country null): UKRI pays its grants to UK research organisations and businesses
  (UKRI, "Check if you are eligible for research and innovation funding",
  https://www.ukri.org/apply-for-funding/before-you-apply/check-if-you-are-eligible-for-research-and-innovation-funding/).
  Any other organisation without a country is ``ZZZ`` (counted, never dropped); the
  ``region`` (``London``, ``Scotland``) is not turned into a country here.
- Schema drift: ``projectComposition``, ``project.grantReference``, ``project.title`` or
  ``project.fund`` absent from every result of a page quarantines the page.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from assets.funding.grants import (
    GrantBatch,
    grant_row,
    organisation_country,
    organisation_row,
    parse_amount,
    quarantine_row,
)
from assets.reference.tables import read_csv
from pipelines.parsing import CountryCodes, Provenance, RecordError, clean_text

SERVICE = "ukri"
CURRENCY = "GBP"
AMOUNT_MEASURE = "fund.valuePounds"
MIN_YEAR = 1950
BEAN = "facetedSearchResultBean"
LEAD_ROLE = "LEAD_RO"
UK_TIME = ZoneInfo("Europe/London")
# Fields GtR sends for every project; one absent from every result of a page is drift.
EXPECTED_PROJECT_FIELDS = ("grantReference", "title", "fund")


def is_ukri_page(page: Any) -> bool:
    """Whether ``page`` (decoded JSON) is a GtR project search page: a
    ``facetedSearchResultBean`` object holding a ``results`` list."""
    if not isinstance(page, Mapping):
        return False
    bean = page.get(BEAN)
    return isinstance(bean, Mapping) and isinstance(bean.get("results"), list)


@lru_cache(maxsize=1)
def reference_country_names() -> dict[str, str]:
    """Country names of the reviewed ``countries.csv`` (as ``name_key`` gives them) to ISO3."""
    rows = read_csv("countries.csv").iter_rows(named=True)
    return {name_key(r["name"]): r["iso3"] for r in rows if r["name"] and r["iso3"]}


def name_key(name: str) -> str:
    """A country name as compared: NFC, case-folded, inner spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def gtr_date(value: Any, name: str) -> str | None:
    """An ISO date from GtR's epoch milliseconds (read as a UK date) or an ISO text date.

    None when absent; RecordError ``invalid_date`` for anything else.
    """
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            moment = datetime.fromtimestamp(value / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise RecordError("invalid_date", f"{name}={value!r} is not a date") from None
        return moment.astimezone(UK_TIME).date().isoformat()
    text = clean_text(value) or ""
    try:
        return datetime.fromisoformat(text[:10]).date().isoformat()
    except ValueError:
        raise RecordError("invalid_date", f"{name}={value!r} is not a date") from None


def _country(
    address: Any,
    codes: CountryCodes,
    names: Mapping[str, str],
    prov: Provenance,
    grant_id: str,
    out: GrantBatch,
) -> tuple[str | None, str]:
    """``(raw country, ISO3)`` of an organisation's ``address.country`` (see module rules)."""
    raw = clean_text(address.get("country")) if isinstance(address, Mapping) else None
    if raw is None:
        return None, "ZZZ"
    if len(raw) == 2:
        return organisation_country(raw, codes, prov, SERVICE, grant_id, out)
    iso3 = names.get(name_key(raw))
    if iso3 is None:
        out.quarantine.append(
            quarantine_row(
                prov,
                SERVICE,
                grant_id,
                "unknown_country_name",
                f"organisation country {raw!r} is not in ref.countries; counted as unknown",
            )
        )
        return raw, "ZZZ"
    return raw, iso3


def _role_names(entry: Mapping[str, Any]) -> list[str]:
    """The GtR role names of an ``organisationRoles`` entry (``role`` or ``roles``)."""
    roles = entry.get("roles", entry.get("role"))
    if isinstance(roles, Mapping):
        roles = [roles]
    names = [clean_text(r.get("name")) for r in roles or [] if isinstance(r, Mapping)]
    return [n for n in names if n]


def _organisations(
    composition: Mapping[str, Any],
    grant_id: str,
    prov: Provenance,
    codes: CountryCodes,
    names: Mapping[str, str],
    out: GrantBatch,
) -> list[dict[str, Any]]:
    """Organisation rows of one project: the lead first, then every other role holder."""
    rows: list[dict[str, Any]] = []
    lead = composition.get("leadResearchOrganisation")
    lead_id = None
    if isinstance(lead, Mapping):
        lead_id = clean_text(lead.get("id"))
        raw, iso3 = _country(lead.get("address"), codes, names, prov, grant_id, out)
        if raw is None:
            iso3 = "GBR"  # UKRI pays UK research organisations (module docstring)
        rows.append(
            organisation_row(
                prov,
                service=SERVICE,
                grant_id=grant_id,
                position=1,
                org_id=lead_id,
                name=clean_text(lead.get("name")),
                role="lead",
                country_code_raw=raw,
                country_iso3=iso3,
            )
        )
    others = composition.get("organisationRoles")
    for entry in others if isinstance(others, list) else []:
        if not isinstance(entry, Mapping):
            continue
        org_id = clean_text(entry.get("id"))
        roles = _role_names(entry)
        if lead_id is not None and org_id == lead_id and LEAD_ROLE in roles:
            continue
        raw, iso3 = _country(entry.get("address"), codes, names, prov, grant_id, out)
        rows.append(
            organisation_row(
                prov,
                service=SERVICE,
                grant_id=grant_id,
                position=len(rows) + 1,
                org_id=org_id,
                name=clean_text(entry.get("name")),
                role="+".join(r.lower() for r in roles) or None,
                country_code_raw=raw,
                country_iso3=iso3,
            )
        )
    return rows


def parse_ukri_record(
    result: Any,
    prov: Provenance,
    codes: CountryCodes,
    max_year: int,
    names: Mapping[str, str],
) -> GrantBatch:
    """One search result (``{"projectComposition": ...}``) as a grant and its organisations.

    Raises RecordError (reason as in the module rules) when the project cannot be used;
    country problems only add quarantine rows to the returned batch.
    """
    composition = result.get("projectComposition") if isinstance(result, Mapping) else None
    project = composition.get("project") if isinstance(composition, Mapping) else None
    if not isinstance(project, Mapping):
        raise RecordError("invalid_record", "result has no projectComposition.project object")
    grant_id = clean_text(project.get("grantReference"))
    if grant_id is None:
        raise RecordError("invalid_id", f"project {project.get('id')!r} has no grantReference")
    fund = project.get("fund") if isinstance(project.get("fund"), Mapping) else {}
    start = gtr_date(fund.get("start"), "fund.start")
    if start is None:
        raise RecordError("missing_date", f"{grant_id}: fund.start is absent")
    if not MIN_YEAR <= int(start[:4]) <= max_year:
        raise RecordError("year_out_of_range", f"{grant_id}: fund.start {start}")
    amount = parse_amount(fund.get("valuePounds"), AMOUNT_MEASURE)
    funder = fund.get("funder") if isinstance(fund.get("funder"), Mapping) else {}
    out = GrantBatch()
    out.grants.append(
        grant_row(
            prov,
            service=SERVICE,
            grant_id=grant_id,
            title=clean_text(project.get("title")),
            abstract=clean_text(project.get("abstractText")),
            funder=clean_text(funder.get("name")),
            programme=clean_text(project.get("grantCategory")),
            currency=CURRENCY,
            amount=amount,
            amount_measure=AMOUNT_MEASURE,
            start_date=start,
            end_date=gtr_date(fund.get("end"), "fund.end"),
            status=clean_text(project.get("status")),
        )
    )
    out.organisations.extend(_organisations(composition, grant_id, prov, codes, names, out))
    return out


def _drift(results: list[Any]) -> str:
    """Which always-sent field is absent from every result of a page ("" if none)."""
    compositions = [
        r.get("projectComposition") if isinstance(r, Mapping) else None for r in results
    ]
    if not any(isinstance(c, Mapping) for c in compositions):
        return "projectComposition"
    projects = [c.get("project") for c in compositions if isinstance(c, Mapping)]
    for name in EXPECTED_PROJECT_FIELDS:
        if not any(isinstance(p, Mapping) and name in p for p in projects):
            return f"projectComposition.project.{name}"
    return ""


def parse_ukri_page(
    page: Mapping[str, Any],
    prov_file: Provenance,
    codes: CountryCodes,
    max_year: int,
    names: Mapping[str, str] | None = None,
) -> tuple[GrantBatch, int]:
    """Parse one GtR search page into ``(batch, records read)``.

    ``prov_file`` names the landed body (its ``record_index`` is ignored: each result
    gets its position on the page, from 0). ``names`` maps country names as compared by
    ``name_key`` to ISO3 (default: the reviewed ``countries.csv``). Unusable projects
    become quarantine rows with a reason; a page missing an always-sent field in every
    result is quarantined whole (``schema_drift``) with no grant rows. Raises ValueError
    for a body that is not a search page (``is_ukri_page`` false).
    """
    if not is_ukri_page(page):
        raise ValueError(f"{prov_file.source_file}: not a GtR project search page")
    results = page[BEAN]["results"]
    names = reference_country_names() if names is None else names
    batch = GrantBatch()
    page_prov = Provenance(prov_file.source_file, prov_file.source_sha256, None)
    drift = _drift(results) if results else ""
    if drift:
        batch.quarantine.append(
            quarantine_row(
                page_prov,
                SERVICE,
                None,
                "schema_drift",
                f"{drift} is absent from all {len(results)} results: the API changed; "
                "page not read",
            )
        )
        return batch, len(results)
    seen: set[str] = set()
    for index, result in enumerate(results):
        prov = Provenance(prov_file.source_file, prov_file.source_sha256, index)
        try:
            record = parse_ukri_record(result, prov, codes, max_year, names)
        except RecordError as err:
            project = (
                (result.get("projectComposition") or {}) if isinstance(result, Mapping) else {}
            )
            inner = project.get("project") if isinstance(project, Mapping) else None
            record_id = (
                clean_text(inner.get("grantReference")) if isinstance(inner, Mapping) else None
            )
            batch.quarantine.append(
                quarantine_row(prov, SERVICE, record_id, err.reason, err.detail)
            )
            continue
        grant_id = record.grants[0]["grant_id"]
        if grant_id in seen:
            batch.quarantine.append(
                quarantine_row(
                    prov,
                    SERVICE,
                    grant_id,
                    "duplicate_record",
                    f"{grant_id} already read from this page; the first is kept",
                )
            )
            continue
        seen.add(grant_id)
        batch.extend(record)
    return batch, len(results)
