"""NSF Awards API bodies in the real shape, built small for tests (and the sample generator).

A search answers ``{"response": {"award": [...], "metadata": {...}}}``; a refused query
answers, with HTTP 200, ``{"response": {"serviceNotification": [...]}}``. Amounts are
strings and dates ``MM/DD/YYYY``, as the API writes them. Defaults describe one quantum
award; keyword arguments change a field, and ``None`` removes it (the API leaves out
empty fields).
"""

from __future__ import annotations

from typing import Any

# A hand-made stand-in for what an outage serves: an HTML page, not JSON (no real one is
# recorded).
MAINTENANCE_HTML = (
    b"<!DOCTYPE html><html><head><title>Research.gov - Scheduled Maintenance</title></head>"
    b"<body><h1>This site is undergoing scheduled maintenance.</h1></body></html>"
)


def nsf_award(**overrides: Any) -> dict[str, Any]:
    """One award record with the fields the parser reads (``None`` drops a field)."""
    record: dict[str, Any] = {
        "id": "2012345",
        "title": "Collaborative Research: Trapped-ion quantum networks",
        "abstractText": "This award supports research on entangling trapped-ion qubits.",
        "agency": "NSF",
        "awardeeName": "Example State University",
        "awardeeCountryCode": "US",
        "ueiNumber": "TESTUEI00001",
        "startDate": "09/01/2020",
        "expDate": "08/31/2023",
        "estimatedTotalAmt": "750000",
        "fundsObligatedAmt": "250000",
        "fundProgramName": "QIS - Quantum Information Science",
    }
    for key, value in overrides.items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value
    return record


def nsf_page(
    *awards: dict[str, Any], total: int | None = None, offset: int = 1, rpp: int = 25
) -> dict[str, Any]:
    """A search page holding ``awards``; ``total`` is ``metadata.totalCount`` (default: their
    number), and ``total=-1`` leaves the metadata out."""
    response: dict[str, Any] = {"award": list(awards)}
    if total != -1:
        count = len(awards) if total is None else total
        response["metadata"] = {"totalCount": count, "offset": offset, "rpp": rpp}
    return {"response": response}


def nsf_ids_page(ids: list[str], total: int | None = None, year: int = 2020) -> dict[str, Any]:
    """A page of minimal awards with the given ids, started in ``year``."""
    awards = [nsf_award(id=i, startDate=f"03/01/{year}") for i in ids]
    return nsf_page(*awards, total=total)


def nsf_refusal(
    code: str = "AwardAPI-004",
    message: str = "There was an error processing your request.",
    kind: str = "FATAL",
) -> dict[str, Any]:
    """The body of a query the API refuses (sent with HTTP 200)."""
    return {
        "response": {
            "serviceNotification": [
                {"notificationType": kind, "notificationCode": code, "notificationMessage": message}
            ]
        }
    }
