"""Write the embedded synthetic trade sample: UN Comtrade API v1 bodies, one per year and code.

Run ``python -m assets.supply_chain.sample_generator`` to rewrite
``assets/supply_chain/sample/supply_chain/``. The output is deterministic (a fixed seed).

What it models (invented numbers, real format): 16 reporters trade the component codes
of ``ref.hs_codes`` (core codes and three generic lines) and the all-goods line TOTAL in
2019-2025, HS2017 (``H5``) codes to 2021 and HS2022 (``H6``) codes from 2022. Each
component has a few strong exporters (dilution refrigerators from Finland, the UK, the
Netherlands and the US; synthetic diamond from China ...) and importers weighted by the
size of their quantum efforts. Every reporter files, per code and flow, a World row,
its five largest named partners (and any partner that files nothing that year, so that
mirror flows have something to read) and an ``Areas, nes`` remainder standing for the
partners the sample does not name.

The defects real trade data has are planted, each with the behaviour the parser and
staging define: Russia stops reporting from 2022 and India is missing in 2019 (their
trade comes from mirror flows); 2025 is incomplete (only nine reporters filed); Taiwan
files as ``Other Asia, nes`` (490, S19); an EU aggregate reporter (97, EUR); records of
an HS2012 (``H4``) query; an unknown code; a negative value; confidential (null) values;
a breakdown by mode of transport next to the totals; a reporter-year with partner rows
but no World row; and a second, overlapping response that repeats records of another
(one with a revised value).
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path
from typing import Any

OUT_DIR = Path(__file__).parent / "sample" / "supply_chain"
SEED = 20261129
YEARS = range(2019, 2026)
HS2022_FROM = 2022
INCOMPLETE_YEAR = 2025
LATE_REPORTERS_2025 = {"RUS", "IND", "ISR", "CAN", "AUS", "FIN", "CHE"}
# reporter ISO3 -> (Comtrade code, ISO as Comtrade writes it, name, import weight)
COUNTRIES: dict[str, tuple[int, str, str, float]] = {
    "USA": (842, "USA", "USA", 10.0),
    "CHN": (156, "CHN", "China", 9.0),
    "DEU": (276, "DEU", "Germany", 6.0),
    "JPN": (392, "JPN", "Japan", 5.0),
    "GBR": (826, "GBR", "United Kingdom", 4.0),
    "FRA": (251, "FRA", "France", 4.0),
    "NLD": (528, "NLD", "Netherlands", 2.0),
    "FIN": (246, "FIN", "Finland", 0.7),
    "CHE": (757, "CHE", "Switzerland", 1.5),
    "KOR": (410, "KOR", "Rep. of Korea", 3.0),
    "TWN": (490, "S19", "Other Asia, nes", 2.5),
    "CAN": (124, "CAN", "Canada", 2.0),
    "ISR": (376, "ISR", "Israel", 1.0),
    "IND": (699, "IND", "India", 2.0),
    "RUS": (643, "RUS", "Russian Federation", 1.5),
    "AUS": (36, "AUS", "Australia", 1.5),
}
NOT_REPORTING = {("RUS", y) for y in YEARS if y >= HS2022_FROM} | {("IND", 2019)}
# HS2022 series code -> (world market in USD in 2019, strong exporters and their weights)
MARKETS: dict[str, tuple[float, dict[str, float]]] = {
    "841869": (6e9, {"FIN": 5, "GBR": 3, "NLD": 2, "USA": 3, "DEU": 2, "CHN": 2}),
    "841899": (8e9, {"DEU": 4, "CHN": 4, "USA": 3, "JPN": 2, "FIN": 1}),
    "841480": (12e9, {"JPN": 4, "DEU": 4, "USA": 3, "CHN": 3}),
    "841960": (1.5e9, {"DEU": 4, "USA": 3, "FRA": 2}),
    "280429": (3e9, {"USA": 6, "RUS": 2, "FRA": 1, "DEU": 1}),
    "284540": (4e7, {"USA": 6, "RUS": 5, "CAN": 1}),
    "284590": (6e8, {"RUS": 6, "USA": 3, "NLD": 2, "GBR": 2}),
    "901320": (7e9, {"DEU": 6, "USA": 4, "JPN": 2, "CHN": 3, "GBR": 1, "FIN": 1}),
    "901380": (9e9, {"CHN": 5, "JPN": 4, "DEU": 3, "USA": 3, "KOR": 2}),
    "854149": (5e9, {"JPN": 5, "DEU": 3, "CHN": 4, "USA": 2, "CHE": 1}),
    "900110": (8e9, {"CHN": 5, "USA": 4, "JPN": 3, "DEU": 1}),
    "854470": (7e9, {"CHN": 6, "DEU": 2, "USA": 2, "KOR": 2}),
    "841410": (9e9, {"DEU": 5, "JPN": 4, "GBR": 3, "USA": 3, "CHN": 2, "KOR": 1}),
    "710421": (1.2e9, {"CHN": 12, "IND": 2, "USA": 1, "GBR": 1}),
    "710491": (5e8, {"IND": 6, "CHN": 5, "USA": 1}),
    "854320": (4e9, {"USA": 5, "DEU": 3, "CHN": 3, "JPN": 2, "CHE": 1}),
    "903040": (3e9, {"USA": 5, "CHN": 3, "DEU": 2, "JPN": 2}),
    "903089": (5e9, {"USA": 4, "DEU": 4, "JPN": 3, "CHN": 3, "CHE": 1}),
    "854420": (6e9, {"CHN": 6, "USA": 2, "DEU": 2, "JPN": 2}),
    "848620": (60e9, {"NLD": 6, "JPN": 5, "USA": 5, "KOR": 1, "DEU": 1}),
    "850590": (3e9, {"CHN": 5, "DEU": 3, "JPN": 2, "USA": 2}),
    "281810": (2e9, {"CHN": 5, "DEU": 2, "JPN": 1}),
    "850440": (120e9, {"CHN": 8, "DEU": 3, "USA": 2, "JPN": 2, "TWN": 2}),
}
# HS2017 lines that carry a series before 2022 (a broader line: its values jump at 2022)
HS2017_CODES = {"854149": ("854140", 18.0), "710421": ("710420", 2.5)}
HS2022_ONLY = {"284540", "710491"}
TOTAL_EXPORTS = {  # all goods, USD billions in 2019 (a rough scale; invented)
    "USA": 1640, "CHN": 2500, "DEU": 1490, "JPN": 705, "GBR": 460, "FRA": 570, "NLD": 710,
    "FIN": 73, "CHE": 310, "KOR": 540, "TWN": 330, "CAN": 450, "ISR": 58, "IND": 320,
    "RUS": 420, "AUS": 270,
}  # fmt: skip
ROW_IMPORT_SHARE = 0.35  # the world beyond the 16 reporters, as importers
ROW_EXPORT_WEIGHT = 2.0  # ... and as exporters
NAMED_PARTNERS = 5
CIF_MARKUP = 1.06


def record(
    year: int,
    reporter: str,
    flow: str,
    partner: str | None,
    cmd: str,
    value: float | None,
    **overrides: Any,
) -> dict[str, Any]:
    """One Comtrade record in the v1 shape (``partner`` None: World; ``"NES"``: Areas, nes)."""
    code, iso, name, _ = COUNTRIES[reporter]
    if partner is None:
        p_code, p_iso, p_name = 0, "W00", "World"
    elif partner == "NES":
        p_code, p_iso, p_name = 899, "_X ", "Areas, nes"
    else:
        p_code, p_iso, p_name = COUNTRIES[partner][:3]
    h6 = year >= HS2022_FROM
    row = {
        "typeCode": "C", "freqCode": "A", "refPeriodId": int(f"{year}0101"), "refYear": year,
        "refMonth": 52, "period": str(year), "reporterCode": code, "reporterISO": iso,
        "reporterDesc": name, "flowCode": flow, "flowDesc": "Export" if flow == "X" else "Import",
        "partnerCode": p_code, "partnerISO": p_iso, "partnerDesc": p_name, "partner2Code": 0,
        "partner2ISO": "W00", "partner2Desc": "World", "classificationCode": "H6" if h6 else "H5",
        "classificationSearchCode": "HS", "isOriginalClassification": True, "cmdCode": cmd,
        "cmdDesc": None, "aggrLevel": 0 if cmd == "TOTAL" else 6, "isLeaf": cmd != "TOTAL",
        "customsCode": "C00", "customsDesc": "TOTAL CPC", "mosCode": "0", "motCode": 0,
        "motDesc": "TOTAL MOT", "qtyUnitCode": -1, "qtyUnitAbbr": "N/A", "qty": 0,
        "isQtyEstimated": False, "altQtyUnitCode": -1, "altQtyUnitAbbr": "N/A", "altQty": 0,
        "isAltQtyEstimated": False, "netWgt": 0, "isNetWgtEstimated": False, "grossWgt": 0,
        "isGrossWgtEstimated": False,
        "cifvalue": value if flow == "M" else None, "fobvalue": value if flow == "X" else None,
        "primaryValue": value, "legacyEstimationFlag": 0, "isReported": True,
        "isAggregate": True,
    }  # fmt: skip
    row.update(overrides)
    return row


def body(records: list[dict[str, Any]]) -> dict[str, Any]:
    """A v1 data response holding ``records``."""
    return {"elapsedTime": "0.42 secs", "count": len(records), "data": records, "error": ""}


def true_flows(rng: random.Random, series: str, year: int) -> dict[tuple[str, str], float]:
    """The invented true trade of one series and year: (exporter, importer) -> USD FOB.

    Exporters and importers are the 16 reporters and ``ROW`` (the rest of the world).
    """
    size, strong = MARKETS[series]
    market = size * 1.06 ** (year - 2019) * rng.uniform(0.9, 1.1)
    if year < HS2022_FROM and series in HS2017_CODES:
        market *= HS2017_CODES[series][1]  # the broader HS2017 line
    exporters = {c: strong.get(c, 0.15) * rng.uniform(0.8, 1.2) for c in COUNTRIES}
    exporters["ROW"] = ROW_EXPORT_WEIGHT
    importers = {c: w[3] * rng.uniform(0.8, 1.2) for c, w in COUNTRIES.items()}
    scale = sum(importers.values()) * ROW_IMPORT_SHARE / (1 - ROW_IMPORT_SHARE)
    importers["ROW"] = scale
    flows = {}
    for exporter, ew in exporters.items():
        for importer, iw in importers.items():
            if exporter != importer and not (exporter == "ROW" and importer == "ROW"):
                flows[(exporter, importer)] = ew * iw
    total = sum(flows.values())
    return {key: market * weight / total for key, weight in flows.items()}


def reporter_records(
    flows: dict[tuple[str, str], float],
    reporter: str,
    flow: str,
    year: int,
    cmd: str,
    always: set[str],
) -> list[dict[str, Any]]:
    """The records one reporter files for a code and flow: World, top partners, Areas nes.

    Partners in ``always`` (the countries that file nothing that year) are named too, so
    their trade can be mirrored from these reports.
    """
    if flow == "X":
        partners = {imp: v for (exp, imp), v in flows.items() if exp == reporter}
    else:
        partners = {exp: v * CIF_MARKUP for (exp, imp), v in flows.items() if imp == reporter}
    total = sum(partners.values())
    named = sorted((p for p in partners if p != "ROW"), key=lambda p: -partners[p])
    named = named[:NAMED_PARTNERS] + [p for p in named[NAMED_PARTNERS:] if p in always]
    rows = [record(year, reporter, flow, None, cmd, round(total, 0))]
    rows += [record(year, reporter, flow, p, cmd, round(partners[p], 0)) for p in named]
    rest = total - sum(partners[p] for p in named)
    rows.append(record(year, reporter, flow, "NES", cmd, round(rest, 0)))
    return rows


def reporters(year: int) -> list[str]:
    """The countries that filed for ``year``."""
    late = LATE_REPORTERS_2025 if year == INCOMPLETE_YEAR else set()
    return [c for c in COUNTRIES if (c, year) not in NOT_REPORTING and c not in late]


def year_files(rng: random.Random, year: int) -> dict[str, list[dict[str, Any]]]:
    """Every response of one year: file name -> records (one response per code)."""
    files: dict[str, list[dict[str, Any]]] = {}
    for series in MARKETS:
        if series in HS2022_ONLY and year < HS2022_FROM:
            continue
        cmd = HS2017_CODES[series][0] if year < HS2022_FROM and series in HS2017_CODES else series
        flows = true_flows(rng, series, year)
        rows = []
        silent = set(COUNTRIES) - set(reporters(year))
        for reporter in reporters(year):
            for flow in ("X", "M"):
                rows += reporter_records(flows, reporter, flow, year, cmd, silent)
        files[f"comtrade_{year}_{cmd}.json"] = rows
    totals = []
    for reporter in reporters(year):
        exports = TOTAL_EXPORTS[reporter] * 1e9 * 1.04 ** (year - 2019) * rng.uniform(0.95, 1.05)
        totals.append(record(year, reporter, "X", None, "TOTAL", round(exports, 0)))
        totals.append(record(year, reporter, "M", None, "TOTAL", round(exports * 0.97, 0)))
    files[f"comtrade_{year}_TOTAL.json"] = totals
    return files


def plant_defects(files: dict[str, list[dict[str, Any]]]) -> None:
    """Plant the defects of the module doc into the generated responses (in place)."""
    dilution = files["comtrade_2023_841869.json"]
    # a second, overlapping response: six records again, one of them revised
    again = [dict(r) for r in dilution[:6]]
    again[1]["primaryValue"] = round(again[1]["primaryValue"] * 1.1, 0)
    files["comtrade_2023_841869_overlap.json"] = again
    # an EU aggregate reporter and an HS2012 query's records
    eu = dict(dilution[0], reporterCode=97, reporterISO="EUR", reporterDesc="EU")
    h4 = dict(dilution[0], classificationCode="H4", refYear=2023)
    unknown = dict(dilution[0], cmdCode="841861", cmdDesc="Heat pumps")
    negative = dict(dilution[2], primaryValue=-5000.0, partnerCode=392, partnerISO="JPN")
    files["comtrade_2023_mixed_query.json"] = [eu, h4, unknown, negative]
    # confidential values: Israel withholds its isotope and helium-3 exports
    for name in ("comtrade_2023_284590.json", "comtrade_2024_284540.json"):
        for row in files[name]:
            if row["reporterISO"] == "ISR" and row["flowCode"] == "X":
                row["primaryValue"] = row["fobvalue"] = None
    # a breakdown by mode of transport beside the totals (air: motCode 1000)
    lasers = files["comtrade_2022_901320.json"]
    air = [dict(r, motCode=1000, motDesc="Air", isAggregate=False,
                primaryValue=round(r["primaryValue"] * 0.8, 0)) for r in lasers[:7]]  # fmt: skip
    lasers.extend(air)
    # Australia's 2021 vacuum-pump imports: partner rows but no World row
    pumps = files["comtrade_2021_841410.json"]
    pumps[:] = [
        r for r in pumps
        if not (r["reporterISO"] == "AUS" and r["flowCode"] == "M" and r["partnerCode"] == 0)
    ]  # fmt: skip


def main() -> None:
    """Rewrite the sample folder."""
    rng = random.Random(SEED)
    files: dict[str, list[dict[str, Any]]] = {}
    for year in YEARS:
        files.update(year_files(rng, year))
    plant_defects(files)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for old in OUT_DIR.glob("*.json.gz"):
        old.unlink()
    for name, rows in sorted(files.items()):
        data = json.dumps(body(rows), separators=(",", ":")).encode("utf-8")
        (OUT_DIR / f"{name}.gz").write_bytes(gzip.compress(data, mtime=0))
    print(f"wrote {len(files)} files, {sum(len(r) for r in files.values()):,} records to {OUT_DIR}")


if __name__ == "__main__":
    main()
