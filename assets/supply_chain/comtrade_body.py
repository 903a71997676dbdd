"""The envelope of a UN Comtrade API v1 response: what the live client and the parser share.

What this relies on (``../shared/fixtures/PROVENANCE.md`` section 6, and
``../shared/RELIABILITY.md``): a data response is a JSON object
``{"elapsedTime": ..., "count": N, "data": [...], "error": ""}`` (other envelope keys may
exist); records carry numeric ``reporterCode``/``partnerCode`` (``partnerCode`` 0 is the
World), alpha-3 ``reporterISO``/``partnerISO``, ``cmdCode``, ``flowCode``,
``classificationCode``, ``refYear``, ``refMonth`` (52 for annual data) and
``primaryValue``. Bad parameters come back as HTTP 200 with ``count: 0, data: [],
error: ""``; the API gateway answers a refused key or an exhausted quota with
``{"statusCode": 401|403|429, "message": "..."}``.

Nothing here touches the network or a database.
"""

from __future__ import annotations

from typing import Any


def is_comtrade_body(data: Any) -> bool:
    """Whether ``data`` (decoded JSON) is a Comtrade data response: an object with a
    ``data`` list (the ``count`` and ``error`` keys may be missing)."""
    return isinstance(data, dict) and isinstance(data.get("data"), list)


def gateway_refusal(data: Any) -> str:
    """The gateway's refusal text of an error object (``{"statusCode", "message"}``), or "".

    Such a body answers a missing or invalid subscription key and an exhausted quota; it
    is never trade data.
    """
    if isinstance(data, dict) and "data" not in data and "statusCode" in data:
        return f"statusCode {data.get('statusCode')}: {str(data.get('message') or '')[:300]}"
    return ""


def body_records(data: dict[str, Any]) -> list[Any]:
    """The records of a data response (raises ValueError when it is not one)."""
    if not is_comtrade_body(data):
        raise ValueError("not a UN Comtrade data response (no 'data' list)")
    return data["data"]


def body_count(data: dict[str, Any]) -> int | None:
    """The response's own ``count`` of records, or None when absent or not a number."""
    count = data.get("count")
    return count if isinstance(count, int) and not isinstance(count, bool) else None


def body_error(data: dict[str, Any]) -> str:
    """The response's ``error`` text ("" when empty or absent)."""
    error = data.get("error")
    return str(error).strip() if error else ""
