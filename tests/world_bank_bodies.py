"""World Bank Indicators API v2 bodies in their real shape, built by hand for the tests.

The shape follows the API documentation and recorded answers quoted by public clients
(see ``assets/funding/world_bank_parse``): ``[metadata, records]`` with ``per_page`` as a
string, null values for years without data, ``[{..., "total": 0}, null]`` when nothing
matches, and ``[{"message": [{"id", "key", "value"}]}]`` for an error. The numbers are
test values, not facts: the committed tables carry the facts with their sources.
"""

from __future__ import annotations

import json
from typing import Any

NAMES = {
    "PA.NUS.FCRF": "Official exchange rate (LCU per US$, period average)",
    "PA.NUS.PPP": "PPP conversion factor, GDP (LCU per international $)",
    "NY.GDP.MKTP.CD": "GDP (current US$)",
    "NY.GDP.MKTP.PP.CD": "GDP, PPP (current international $)",
    "SP.POP.TOTL": "Population, total",
    "NY.GDP.DEFL.ZS": "GDP deflator (base year varies by country)",
}
COUNTRIES = {
    "USA": ("US", "United States"),
    "DEU": ("DE", "Germany"),
    "GBR": ("GB", "United Kingdom"),
    "JPN": ("JP", "Japan"),
    "EUU": ("EU", "European Union"),
}


def record(indicator: str, iso3: str, year: int, value: float | int | None) -> dict[str, Any]:
    """One observation as the API writes it."""
    iso2, name = COUNTRIES[iso3]
    return {
        "indicator": {"id": indicator, "value": NAMES[indicator]},
        "country": {"id": iso2, "value": name},
        "countryiso3code": iso3,
        "date": str(year),
        "value": value,
        "unit": "",
        "obs_status": "",
        "decimal": 0 if indicator == "SP.POP.TOTL" else 1,
    }


def page(
    records: list[dict[str, Any]],
    *,
    number: int = 1,
    pages: int = 1,
    per_page: int = 1000,
    total: int | None = None,
) -> bytes:
    """One page body: metadata (``per_page`` as a string, as the API sends it) and records."""
    meta = {
        "page": number,
        "pages": pages,
        "per_page": str(per_page),
        "total": len(records) if total is None else total,
        "sourceid": "2",
        "lastupdated": "2025-07-01",
    }
    return json.dumps([meta, records]).encode()


# Nothing matched the query.
EMPTY = json.dumps(
    [{"page": 0, "pages": 0, "per_page": "1000", "total": 0, "lastupdated": "2025-07-01"}, None]
).encode()
# A parameter the API does not accept (e.g. a country code it does not know).
ERROR_120 = json.dumps(
    [
        {
            "message": [
                {
                    "id": "120",
                    "key": "Invalid value",
                    "value": "The provided parameter value is not valid",
                }
            ]
        }
    ]
).encode()
# An indicator id that does not exist (the form quoted in gshs-ornl/wbstats issue #44).
ERROR_175 = json.dumps(
    [
        {
            "message": [
                {
                    "id": "175",
                    "key": "Invalid format",
                    "value": "The indicator was not found. It may have been deleted or archived.",
                }
            ]
        }
    ]
).encode()
HTML = b"<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body></body></html>"
