"""Write a live World Bank refresh into the committed conversion tables, for review.

Input: the World Bank landing zone of a live run (``.qcm/raw/world_bank``) and the
reviewed tables ``fx_rates.csv`` and ``economic_indicators.csv``. Output: both files
rewritten with the refreshed rows merged in (a refreshed value replaces the committed one
with its source; committed rows the refresh lacks are kept; the US dollar is never a
fetched rate), sorted by key, and one summary line per table. A reviewer reads the change
with ``git diff assets/reference/`` and commits it: offline builds then use it too.
"""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

from assets.funding.world_bank_live import landed_rows
from assets.funding.world_bank_parse import (
    FX_COLUMNS,
    FX_KEY,
    INDICATOR_COLUMNS,
    INDICATOR_KEY,
    check_one_deflator_base,
    merge_rows,
)
from assets.reference.tables import REFERENCE_DIR
from pipelines.landing import LandingZone


def _write(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    """Replace ``path`` with ``rows`` as CSV (a temporary file renamed into place)."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows({c: row.get(c) or "" for c in columns} for row in rows)
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def update_tables(landing: LandingZone, reference_dir: Path = REFERENCE_DIR) -> list[str]:
    """Merge the latest complete World Bank fetches into the committed tables.

    Returns one summary line per table (rows added, values changed, committed rows kept).
    Raises ValueError when the landing zone holds no complete fetch, or when the merged
    deflator rows would mix two index bases; the files are then left as they were.
    """
    currency_of = {
        row["world_bank_country"]: row["currency"]
        for row in _read(reference_dir / "currencies.csv")
        if row["world_bank_country"] and row["currency"] != "USD"
    }
    rows = landed_rows(landing, currency_of)
    if not rows.fx and not rows.indicators:
        raise ValueError(
            f"no complete World Bank fetch in {landing.base}: run `qcm build --mode live` "
            "(or the world_bank_fetch job) first"
        )
    fx = merge_rows(_read(reference_dir / "fx_rates.csv"), rows.fx, FX_KEY, "units_per_usd")
    economy = merge_rows(
        _read(reference_dir / "economic_indicators.csv"), rows.indicators, INDICATOR_KEY, "value"
    )
    check_one_deflator_base(economy.rows)
    _write(reference_dir / "fx_rates.csv", FX_COLUMNS, fx.rows)
    _write(reference_dir / "economic_indicators.csv", INDICATOR_COLUMNS, economy.rows)
    return [fx.summary("fx_rates.csv"), economy.summary("economic_indicators.csv")]
