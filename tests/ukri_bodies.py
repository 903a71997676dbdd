"""Builders of UKRI Gateway to Research project search bodies in the real shape.

The shape follows GtR's page "Searching projects"
(https://gtr.ukri.org/resources/gtrapi-search-projects.html): ``facetedSearchResultBean``
with ``request``, ``totalResults`` and ``results`` of ``projectComposition`` objects;
dates are epoch milliseconds. The lead's sample generator mirrors these builders.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

UK_TIME = ZoneInfo("Europe/London")


def epoch_ms(day: str) -> int:
    """Midnight UK time of an ISO date, in epoch milliseconds (as GtR writes dates)."""
    moment = datetime.fromisoformat(day).replace(tzinfo=UK_TIME)
    return int(moment.timestamp() * 1000)


def organisation(
    org_id: str, name: str, country: str | None = "United Kingdom", region: str = "London"
) -> dict[str, Any]:
    """A GtR organisation with an address (no ``country`` key when ``country`` is None)."""
    address: dict[str, Any] = {"postCode": "SW7 2AZ", "region": region}
    if country is not None:
        address["country"] = country
    return {"id": org_id, "name": name, "address": address}


def role(org: dict[str, Any], *names: str) -> dict[str, Any]:
    """An ``organisationRoles`` entry: the organisation with its GtR role names."""
    return {**org, "roles": [{"name": n} for n in names]}


def project(
    reference: str = "EP/T001062/1",
    *,
    project_id: str | None = None,
    title: str = "Quantum computing with trapped ions",
    value: Any = 1250000,
    start: str | None = "2020-04-01",
    end: str | None = "2025-03-31",
    funder: str = "EPSRC",
    category: str = "Research Grant",
    status: str | None = "Active",
    lead: dict[str, Any] | None = None,
    roles: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One search result: a project with its fund, lead organisation and roles."""
    fund: dict[str, Any] = {
        "valuePounds": value,
        "start": epoch_ms(start) if start else None,
        "end": epoch_ms(end) if end else None,
        "funder": {"id": "798CB33D-C79E-4578-83F2-72606407192C", "name": funder},
    }
    composition: dict[str, Any] = {
        "project": {
            "id": project_id or f"GUID-{reference.replace('/', '-')}",
            "resourceUrl": f"https://gtr.ukri.org/projects?ref={reference.replace('/', '%2F')}",
            "title": title,
            "status": status,
            "grantReference": reference,
            "grantCategory": category,
            "abstractText": "Trapped-ion qubits.",
            "fund": fund,
        },
        "leadResearchOrganisation": lead
        if lead is not None
        else organisation("ORG-IC", "Imperial College London"),
    }
    if roles is not None:
        composition["organisationRoles"] = roles
    return {"projectComposition": composition}


def page(
    results: list[dict[str, Any]],
    total: int | None = None,
    *,
    term: str = "quantum",
    number: int = 1,
    size: int = 100,
) -> dict[str, Any]:
    """A search page of ``results`` (``totalResults`` defaults to their number)."""
    return {
        "headerData": {"lastRefreshDate": "18 Apr 2024"},
        "facetedSearchResultBean": {
            "request": {"page": number, "fetchSize": size, "term": term},
            "totalResults": len(results) if total is None else total,
            "didYouMean": [],
            "results": results,
        },
    }
