"""The UN Comtrade reader: records, the defined behaviour for each defect, files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from assets.supply_chain.parse import TradeBatch, parse_body, parse_files, raw_files
from assets.supply_chain.raw_tables import SCHEMAS, raw_frames
from pipelines.parsing import Provenance
from tests.comtrade_bodies import comtrade_body, comtrade_record, gateway_error

pytestmark = pytest.mark.unit
HS = {"HS2017": frozenset({"841869", "854140"}), "HS2022": frozenset({"841869", "854149"})}
ISO3 = frozenset({"USA", "DEU", "CHN", "TWN", "JPN"})
PROV = Provenance("page.json", "ab" * 32, None)


def parse(*records: dict) -> TradeBatch:
    """Parse one body holding ``records``."""
    batch, _ = parse_body(json.dumps(comtrade_body(list(records))).encode(), PROV, HS, ISO3, 2026)
    return batch


def reasons(batch: TradeBatch) -> list[str]:
    return [row["reason"] for row in batch.quarantine]


def test_a_record_is_read_losslessly_with_provenance() -> None:
    batch = parse(comtrade_record(), comtrade_record(partnerCode=276, partnerISO="DEU"))
    world, germany = batch.records
    assert (world["year"], world["flow_code"], world["hs_revision"], world["cmd_code"]) == (
        2022, "X", "HS2022", "841869",
    )  # fmt: skip
    assert (world["reporter_iso3"], world["partner_kind"], world["partner_iso3"]) == (
        "USA", "world", None,
    )  # fmt: skip
    assert (germany["partner_kind"], germany["partner_iso3"]) == ("country", "DEU")
    assert world["primary_value"] == 1.0e6 and world["customs_code"] == "C00"
    assert (germany["record_index"], germany["record_key"]) == (1, f"{'ab' * 8}:1")
    assert batch.quarantine == []


def test_each_defect_has_its_defined_behaviour() -> None:
    batch = parse(
        comtrade_record(cmdCode="841861"),  # not in the map
        comtrade_record(classificationCode="H4"),  # an HS2012 query
        comtrade_record(cmdCode="854149", classificationCode="H5"),  # HS2022 code in H5
        comtrade_record(primaryValue=-5.0),
        comtrade_record(primaryValue="a lot"),
        comtrade_record(reporterCode=97, reporterISO="EUR"),  # the EU as a reporter
        comtrade_record(refMonth=3, freqCode="M"),
        comtrade_record(refYear=2031),
        comtrade_record(drop=("cmdCode",)),
        "not an object",
        comtrade_record(primaryValue=None),  # confidential: kept, never zero
        comtrade_record(partnerCode=899, partnerISO="_X "),  # Areas, nes: kept, unknown
        comtrade_record(reporterCode=490, reporterISO="S19"),  # Other Asia, nes = Taiwan
        comtrade_record(cmdCode="TOTAL", aggrLevel=0),  # all goods: always known
        comtrade_record(cmdCode="854140", classificationCode="H5", refYear=2021),
    )
    assert reasons(batch) == [
        "unknown_hs_code",
        "unsupported_hs_revision",
        "unknown_hs_code",
        "negative_value",
        "invalid_value",
        "aggregate_reporter",
        "not_annual",
        "year_out_of_range",
        "invalid_record",
        "invalid_record",
    ]
    assert batch.quarantine[0]["record_id"] == "2022/842/0/X/841861"
    confidential, nes, taiwan, total, hs2017 = batch.records
    assert confidential["primary_value"] is None
    assert (nes["partner_kind"], nes["partner_iso3"]) == ("unspecified", None)
    assert taiwan["reporter_iso3"] == "TWN"
    assert total["cmd_code"] == "TOTAL"
    assert (hs2017["hs_revision"], hs2017["cmd_code"]) == ("HS2017", "854140")


def test_numbers_sent_as_text_are_read() -> None:
    (row,) = parse(comtrade_record(refYear="2022", reporterCode="842", primaryValue="12.5")).records
    assert (row["year"], row["reporter_code"], row["primary_value"]) == (2022, 842, 12.5)


def test_a_body_that_is_no_trade_data_is_refused() -> None:
    for body, match in (
        (b"<html><title>Down</title></html>", "not valid JSON"),
        (json.dumps(gateway_error(401, "Access denied")).encode(), "refusal of the API gateway"),
        (b'{"results": []}', "not a UN Comtrade data response"),
        (b'{"count": 1, "data": [', "not valid JSON"),
    ):
        with pytest.raises(ValueError, match=match):
            parse_body(body, PROV, HS, ISO3, 2026)


def test_files_are_read_gzipped_or_not_duplicates_once_and_bad_ones_quarantined(
    tmp_path: Path,
) -> None:
    good = json.dumps(comtrade_body([comtrade_record()])).encode()
    (tmp_path / "a.json").write_bytes(good)
    (tmp_path / "b.json.gz").write_bytes(gzip.compress(good))  # the same bytes inside
    (tmp_path / "c.json").write_bytes(
        json.dumps(comtrade_body([comtrade_record(refYear=2023)])).encode()
    )
    (tmp_path / "d.json").write_text("<html>error</html>")
    (tmp_path / "notes.txt").write_text("not read")
    files = raw_files(tmp_path)
    assert [p.name for p in files] == ["a.json", "b.json.gz", "c.json", "d.json"]
    batch = parse_files(files, tmp_path, HS, ISO3, 2026)
    assert [r["year"] for r in batch.records] == [2022, 2022, 2023]
    assert [f["status"] for f in batch.files] == ["read", "read", "read", "unreadable"]
    assert reasons(batch) == ["unreadable_file"]
    assert batch.quarantine[0]["source_file"] == "d.json"
    frames = raw_frames(batch, "directory")
    assert {t: f.height for t, f in frames.items()} == {
        "raw.trade_records": 3,
        "raw.trade_quarantine": 1,
        "raw.trade_source_files": 4,
    }
    assert set(frames["raw.trade_source_files"]["data_kind"]) == {"directory"}
    for table, frame in frames.items():
        assert dict(frame.schema) == SCHEMAS[table]


def test_identical_files_are_read_once(tmp_path: Path) -> None:
    body = json.dumps(comtrade_body([comtrade_record()])).encode()
    (tmp_path / "a.json").write_bytes(body)
    (tmp_path / "copy.json").write_bytes(body)
    batch = parse_files(raw_files(tmp_path), tmp_path, HS, ISO3, 2026)
    assert len(batch.records) == 1
    assert batch.files[1]["status"] == "duplicate of a.json"


def test_a_symlink_in_a_source_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "outside.json").write_text("{}")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "link.json").symlink_to(tmp_path / "outside.json")
    with pytest.raises(ValueError, match="symbolic links"):
        raw_files(folder)


def test_hostile_bodies_are_quarantined_not_crashed_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "deep.json").write_text("[" * 4_000 + "]" * 4_000)  # deeper than json follows
    (tmp_path / "big.json").write_bytes(
        json.dumps(comtrade_body([comtrade_record()] * 50)).encode()
    )
    monkeypatch.setattr("assets.supply_chain.parse.MAX_BODY_BYTES", 10_000)
    batch = parse_files(raw_files(tmp_path), tmp_path, HS, ISO3, 2026)
    assert batch.records == []
    details = {row["source_file"]: row["detail"] for row in batch.quarantine}
    assert "larger than 10000 bytes" in details["big.json"]
    assert details["deep.json"] == "nested too deeply"
