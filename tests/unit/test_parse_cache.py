"""Landed partitions parsed once and reused while unchanged: a refetched partition is the
only one parsed again, and the tables are those of one parse of every file."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from pipelines import parse_cache
from pipelines.landing import CompletedFetch, LandingZone, PartitionState
from pipelines.parse_cache import landed_partitions, parse_landed
from pipelines.settings import Settings

SERVICES = {"nsf": ".json"}
SCHEMA = {"source_file": pl.String}


def land(zone: LandingZone, partition: str, fetch_id: str, bodies: list[str]) -> None:
    """A complete fetch of ``partition`` made of ``bodies``."""
    pages = [
        zone.land(json.dumps({"body": body}).encode(), url="https://x", partition=partition,
                  fetch_id=fetch_id, page=n, status=200).sha256
        for n, body in enumerate(bodies, start=1)
    ]  # fmt: skip
    done = CompletedFetch(fetch_id, pages, len(pages), None, "2026-11-30T00:00:00Z")
    zone.save_state(PartitionState(partition, fetch_id, status="done", done=done))


class Parser:
    """A parse function that records the files it was given: one row per file."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.calls: list[list[str]] = []

    def __call__(self, paths: list[Path]) -> dict[str, pl.DataFrame]:
        names = [p.relative_to(self.root).as_posix() for p in paths]
        self.calls.append(names)
        return {
            "raw.files": pl.DataFrame({"source_file": names}, schema={"source_file": pl.String})
        }


@pytest.fixture
def live(tmp_path: Path) -> Settings:
    return Settings(mode="live", out_dir=tmp_path / "out", state_dir=tmp_path / "state")


def build(settings: Settings, parser: Parser, inputs: tuple = ("codes", 2026)):
    files = LandingZone(settings.landing_dir, "nsf").current_files()
    return parse_landed(settings, "funding", SERVICES, files, parser, [parse_cache], inputs)


def test_a_refetched_partition_is_the_only_one_parsed_again(live: Settings) -> None:
    zone = LandingZone(live.landing_dir, "nsf")
    land(zone, "2020", "a", ["x1", "x2"])
    land(zone, "2021", "b", ["y1"])
    parser = Parser(live.landing_dir)
    frames, use = build(live, parser)
    assert (use.parsed, use.reused) == (2, 0) and len(parser.calls) == 2
    everything = parser(zone.current_files())["raw.files"]
    assert frames["raw.files"].equals(everything)  # the same as one parse of every file
    parser.calls.clear()
    again, use = build(live, parser)
    assert (use.parsed, use.reused) == (0, 2) and parser.calls == []
    assert again["raw.files"].equals(everything)
    land(zone, "2021", "c", ["y1", "y2"])  # 2021 refetched, with a new page
    refreshed, use = build(live, parser)
    assert (use.parsed, use.reused) == (1, 1) and len(parser.calls) == 1
    assert all(name.startswith("nsf/blobs/") for name in parser.calls[0])
    assert refreshed["raw.files"].equals(parser(zone.current_files())["raw.files"])
    # the entry of 2021's old fetch is gone: one entry per partition
    entries = sorted(
        p.relative_to(live.state_dir).parts[:5] for p in live.state_dir.glob("parsed/*/*/*/*")
    )
    assert [e[3] for e in entries] == ["2020", "2021"]


def test_changed_inputs_or_parser_code_parse_everything_again(
    live: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    land(LandingZone(live.landing_dir, "nsf"), "2020", "a", ["x1"])
    parser = Parser(live.landing_dir)
    build(live, parser)
    assert build(live, parser, ("codes", 2027))[1].parsed == 1  # another last valid year
    monkeypatch.setattr(parse_cache, "code_digest", lambda modules: "another parser")
    assert build(live, parser, ("codes", 2027))[1].parsed == 1
    assert build(live, parser, ("codes", 2027))[1].reused == 1


def test_a_blob_two_partitions_share_is_parsed_with_the_first(live: Settings) -> None:
    zone = LandingZone(live.landing_dir, "nsf")
    land(zone, "2020", "a", ["same", "x"])
    land(zone, "2021", "b", ["same"])
    groups = landed_partitions(live.landing_dir, SERVICES)
    assert [(partition, len(files)) for _, partition, files in groups] == [("2020", 2)]
    frames, _ = build(live, Parser(live.landing_dir))
    assert frames["raw.files"].height == 2


def test_outside_live_mode_the_files_are_parsed_at_once_and_reused_while_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = Settings(out_dir=tmp_path / "out", state_dir=tmp_path / "state")
    parser = Parser(tmp_path)
    files = [tmp_path / "a.json", tmp_path / "b.json"]
    for path in files:
        path.write_text(path.stem, encoding="utf-8")

    def build(inputs: tuple = ()) -> tuple[dict[str, pl.DataFrame], parse_cache.ParseUse]:
        return parse_landed(sample, "funding", SERVICES, files, parser, [parse_cache], inputs)

    frames, use = build()
    assert (use.parsed, use.reused) == (1, 0)
    assert str(use) == "parsed (new files, parser or inputs since the last build)"
    assert parser.calls == [["a.json", "b.json"]]
    again, use = build()
    assert (use.parsed, use.reused) == (0, 1) and len(parser.calls) == 1
    assert str(use) == "the last build's parse reused (the same files, parser and inputs)"
    assert again["raw.files"].equals(frames["raw.files"])
    # any change parses every file again: a file's bytes, the inputs, the parser's code
    files[1].write_text("b, edited", encoding="utf-8")
    assert build()[1].parsed == 1 and len(parser.calls) == 2
    assert build(("codes", 2027))[1].parsed == 1
    monkeypatch.setattr(parse_cache, "code_digest", lambda modules: "another parser")
    assert build(("codes", 2027))[1].parsed == 1 and len(parser.calls) == 4
    # one entry is kept: the last one
    entries = list((tmp_path / "state" / "parsed" / "funding" / "folder" / "files").iterdir())
    assert len(entries) == 1
