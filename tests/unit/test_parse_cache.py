"""Landed partitions parsed once and reused while unchanged: a refetched partition is the
only one parsed again, and the tables are those of one parse of every file."""

from __future__ import annotations

import json
from collections.abc import Iterator
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
    """A parse function that records the files it was given: one row per file, in batches
    of two files (each batch a part of the table)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.calls: list[list[str]] = []

    def __call__(self, paths: list[Path]) -> Iterator[dict[str, pl.DataFrame]]:
        names = [p.relative_to(self.root).as_posix() for p in paths]
        self.calls.append(names)
        for first in range(0, max(len(names), 1), 2):
            yield {
                "raw.files": pl.DataFrame({"source_file": names[first : first + 2]}, schema=SCHEMA)
            }

    def whole(self, paths: list[Path]) -> pl.DataFrame:
        """The table of one parse of every file of ``paths``."""
        return pl.concat([batch["raw.files"] for batch in self(paths)])


@pytest.fixture
def live(tmp_path: Path) -> Settings:
    return Settings(mode="live", out_dir=tmp_path / "out", state_dir=tmp_path / "state")


def rows(parsed: parse_cache.Parsed) -> pl.DataFrame:
    """The parsed table's rows, read from its parts in order."""
    return pl.read_parquet(parsed.parts["raw.files"])


def build(settings: Settings, parser: Parser, inputs: tuple = ("codes", 2026)):
    files = LandingZone(settings.landing_dir, "nsf").current_files()
    return parse_landed(settings, "funding", SERVICES, files, parser, [parse_cache], inputs)


def test_a_refetched_partition_is_the_only_one_parsed_again(live: Settings) -> None:
    zone = LandingZone(live.landing_dir, "nsf")
    land(zone, "2020", "a", ["x1", "x2"])
    land(zone, "2021", "b", ["y1"])
    parser = Parser(live.landing_dir)
    parsed = build(live, parser)
    assert (parsed.use.parsed, parsed.use.reused) == (2, 0) and len(parser.calls) == 2
    assert [len(parts) for parts in parsed.parts.values()] == [2]  # 2020's two files, 2021's
    everything = parser.whole(zone.current_files())
    assert rows(parsed).equals(everything)  # as one parse of all
    parser.calls.clear()
    again = build(live, parser)
    assert (again.use.parsed, again.use.reused) == (0, 2) and parser.calls == []
    assert rows(again).equals(everything)
    assert again.key == parsed.key  # the same parse: the same key
    land(zone, "2021", "c", ["y1", "y2"])  # 2021 refetched, with a new page
    refreshed = build(live, parser)
    assert (refreshed.use.parsed, refreshed.use.reused) == (1, 1) and len(parser.calls) == 1
    assert all(name.startswith("nsf/blobs/") for name in parser.calls[0])
    assert rows(refreshed).equals(parser.whole(zone.current_files()))
    assert refreshed.key != parsed.key
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
    assert build(live, parser, ("codes", 2027)).use.parsed == 1  # another last valid year
    monkeypatch.setattr(parse_cache, "code_digest", lambda modules: "another parser")
    assert build(live, parser, ("codes", 2027)).use.parsed == 1
    assert build(live, parser, ("codes", 2027)).use.reused == 1


def test_a_blob_two_partitions_share_is_parsed_with_the_first(live: Settings) -> None:
    zone = LandingZone(live.landing_dir, "nsf")
    land(zone, "2020", "a", ["same", "x"])
    land(zone, "2021", "b", ["same"])
    groups = landed_partitions(live.landing_dir, SERVICES)
    assert [(partition, len(files)) for _, partition, files in groups] == [("2020", 2)]
    parsed = build(live, Parser(live.landing_dir))
    assert rows(parsed).height == 2


def test_outside_live_mode_the_files_are_parsed_at_once_and_reused_while_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = Settings(out_dir=tmp_path / "out", state_dir=tmp_path / "state")
    parser = Parser(tmp_path)
    files = [tmp_path / "a.json", tmp_path / "b.json"]
    for path in files:
        path.write_text(path.stem, encoding="utf-8")

    def build(inputs: tuple = ()) -> parse_cache.Parsed:
        return parse_landed(sample, "funding", SERVICES, files, parser, [parse_cache], inputs)

    parsed = build()
    assert (parsed.use.parsed, parsed.use.reused) == (1, 0)
    assert str(parsed.use) == "parsed (new files, parser or inputs since the last build)"
    assert parser.calls == [["a.json", "b.json"]]
    again = build()
    assert (again.use.parsed, again.use.reused) == (0, 1) and len(parser.calls) == 1
    assert str(again.use) == "the last build's parse reused (the same files, parser and inputs)"
    assert rows(again).equals(rows(parsed))
    assert again.key == parsed.key
    # any change parses every file again: a file's bytes, the inputs, the parser's code
    files[1].write_text("b, edited", encoding="utf-8")
    assert build().use.parsed == 1 and len(parser.calls) == 2
    assert build(("codes", 2027)).use.parsed == 1
    monkeypatch.setattr(parse_cache, "code_digest", lambda modules: "another parser")
    assert build(("codes", 2027)).use.parsed == 1 and len(parser.calls) == 4
    # one entry is kept: the last one
    entries = list((tmp_path / "state" / "parsed" / "funding" / "folder" / "files").iterdir())
    assert len(entries) == 1


def test_a_parse_of_no_files_has_every_table_empty(live: Settings, tmp_path: Path) -> None:
    stale = live.state_dir / "parsed" / "funding" / "nsf" / "2020" / "an-old-entry"
    stale.mkdir(parents=True)  # a partition's entry from when something was landed
    parsed = build(live, Parser(live.landing_dir))  # nothing landed
    assert parsed.use.parsed == 0 and rows(parsed).height == 0
    assert not stale.exists()
    sample = Settings(out_dir=tmp_path / "out", state_dir=tmp_path / "sample-state")
    empty = parse_landed(sample, "funding", SERVICES, [], Parser(tmp_path), [parse_cache], ())
    assert rows(empty).schema == SCHEMA
