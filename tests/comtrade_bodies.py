"""UN Comtrade API v1 bodies in the real shape, built small for tests.

A data request answers ``{"elapsedTime": ..., "count": N, "data": [...], "error": ""}``;
the API gateway answers a refused key or a spent quota with ``{"statusCode": ...,
"message": ...}`` (``assets/supply_chain/comtrade_body.py`` names the sources). No real
body is recorded here: UN Comtrade's terms restrict redistributing its data
(``../shared/fixtures/PROVENANCE.md`` section 6), so every value below is made up in
the documented shape (the field names and their order follow the v1 ``get/C/A/HS``
response that ropensci/comtradr records as a test mock,
``tests/testthat/goods/comtradeapi.un.org/data/v1/get/C/A/HS-5e2730.R``).
``comtrade_record`` gives one annual export record of the United States to the World;
keyword arguments change a field, and ``None`` as a value keeps the field with a JSON
null (use ``drop=`` to remove fields).
"""

from __future__ import annotations

from typing import Any

# What the gateway says when the daily call quota of a subscription is spent (the
# time is hours:minutes:seconds until the quota is replenished).
QUOTA_MESSAGE = "Out of call volume quota. Quota will be replenished in 12:34:56."
# What the gateway says to a missing or wrong subscription key.
INVALID_KEY_MESSAGE = (
    "Access denied due to invalid subscription key. Make sure to provide a valid key for "
    "an active subscription."
)
# A hand-made stand-in for what an outage serves with status 200: HTML, not JSON.
OUTAGE_HTML = (
    b"<!DOCTYPE html><html><head><title>UN Comtrade - Service Unavailable</title></head>"
    b"<body><h1>The service is temporarily unavailable.</h1></body></html>"
)


def comtrade_record(*, drop: tuple[str, ...] = (), **overrides: Any) -> dict[str, Any]:
    """One annual record (``refMonth`` 52) of the US exporting HS 841869 to the World.

    ``overrides`` replace fields (a value of None becomes a JSON null, as the API writes
    absent values); ``drop`` names fields to remove. ``refYear``, ``period`` and
    ``refPeriodId`` follow a ``refYear`` override unless they are overridden too.
    """
    year = int(overrides.get("refYear", 2022))
    record: dict[str, Any] = {
        "typeCode": "C",
        "freqCode": "A",
        "refPeriodId": year * 10000 + 101,
        "refYear": year,
        "refMonth": 52,
        "period": str(year),
        "reporterCode": 842,
        "reporterISO": "USA",
        "reporterDesc": "USA",
        "flowCode": "X",
        "flowDesc": "Export",
        "partnerCode": 0,
        "partnerISO": "W00",
        "partnerDesc": "World",
        "partner2Code": 0,
        "partner2ISO": "W00",
        "partner2Desc": "World",
        "classificationCode": "H6",
        "classificationSearchCode": "HS",
        "isOriginalClassification": True,
        "cmdCode": "841869",
        "cmdDesc": "Refrigerating or freezing equipment n.e.c.; heat pumps",
        "aggrLevel": 6,
        "isLeaf": True,
        "customsCode": "C00",
        "customsDesc": "TOTAL CPC",
        "mosCode": "0",
        "motCode": 0,
        "motDesc": "TOTAL MOT",
        "qtyUnitCode": -1,
        "qtyUnitAbbr": "N/A",
        "qty": 0,
        "isQtyEstimated": False,
        "altQtyUnitCode": -1,
        "altQtyUnitAbbr": "N/A",
        "altQty": 0,
        "isAltQtyEstimated": False,
        "netWgt": 0,
        "isNetWgtEstimated": False,
        "grossWgt": 0,
        "isGrossWgtEstimated": False,
        "cifvalue": None,
        "fobvalue": 1.0e6,
        "primaryValue": 1.0e6,
        "legacyEstimationFlag": 0,
        "isReported": True,
        "isAggregate": True,
    }
    record.update(overrides)
    for name in drop:
        record.pop(name, None)
    return record


def comtrade_body(
    records: list[dict[str, Any]], count: int | None = None, error: str = ""
) -> dict[str, Any]:
    """A data response holding ``records``; ``count`` defaults to their number."""
    return {
        "elapsedTime": "0.1 secs",
        "count": len(records) if count is None else count,
        "data": list(records),
        "error": error,
    }


def code_records(cmd_code: str, n: int = 2, year: int = 2022) -> list[dict[str, Any]]:
    """``n`` records of one commodity code and year, alternating exports and imports of
    successive reporters (so no two are the same row)."""
    reporters = [(842, "USA"), (276, "DEU"), (392, "JPN"), (156, "CHN"), (528, "NLD")]
    rows = []
    for i in range(n):
        code, iso = reporters[i % len(reporters)]
        flow = "X" if i % 2 == 0 else "M"
        rows.append(
            comtrade_record(
                cmdCode=cmd_code,
                refYear=year,
                reporterCode=code,
                reporterISO=iso,
                reporterDesc=iso,
                flowCode=flow,
                flowDesc="Export" if flow == "X" else "Import",
                primaryValue=1.0e6 + i,
                fobvalue=1.0e6 + i if flow == "X" else None,
                cifvalue=None if flow == "X" else 1.0e6 + i,
            )
        )
    return rows


def gateway_error(status: int, message: str) -> dict[str, Any]:
    """The API gateway's error object (a refused key, a spent quota, a rate limit)."""
    return {"statusCode": status, "message": message}
