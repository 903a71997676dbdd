"""OpenAlex's merged-ids files are read for the entity they are of, in the snapshot's own
layout (``merged_ids/<entity>/<date>.csv.gz``) and under a hand-given name."""

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb
import pytest

from assets.bibliometric.raw_tables import load_merged_ids, merged_id_files

pytestmark = pytest.mark.unit


def read_merged_ids(directory: Path, entity: str) -> list[dict[str, str]]:
    """The rows the raw table holds after a load of ``entity``'s files below ``directory``,
    in file then line order."""
    con = duckdb.connect()
    con.execute("create schema raw")
    load_merged_ids(con, "raw.m", directory, merged_id_files(directory, entity))
    cursor = con.execute("select * from raw.m")
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


HEADER = "merge_date,id,merge_into_id\n"


def merges(path: Path, *rows: str) -> None:
    """Write a merged-ids file at ``path`` (gzipped when its name ends .gz)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = HEADER + "".join(f"{row}\n" for row in rows)
    path.write_bytes(gzip.compress(text.encode()) if path.name.endswith(".gz") else text.encode())


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    """A downloaded snapshot's folders, with a merged-ids file of each entity and a part."""
    data = tmp_path / "openalex-snapshot" / "data"
    merges(data / "merged_ids" / "works" / "2024-01-02.csv.gz", "2024-01-02,W9,W2")
    merges(data / "merged_ids" / "authors" / "2024-01-02.csv.gz", "2024-01-02,A9,A2")
    merges(data / "merged_ids" / "institutions" / "2024-01-02.csv.gz", "2024-01-02,I9,I2")
    part = data / "works" / "updated_date=2024-01-02" / "part_000.gz"
    part.parent.mkdir(parents=True)
    part.write_bytes(gzip.compress(b'{"id": "W1"}\n'))
    return tmp_path / "openalex-snapshot"


def test_a_snapshots_merged_ids_are_read_for_their_entity(snapshot: Path) -> None:
    assert read_merged_ids(snapshot, "works") == [
        {
            "merge_date": "2024-01-02",
            "old_id": "W9",
            "merge_into_id": "W2",
            "source_file": "data/merged_ids/works/2024-01-02.csv.gz",
        }
    ]
    assert [r["old_id"] for r in read_merged_ids(snapshot / "data", "authors")] == ["A9"]
    # the works folder alone holds no merged ids: they sit beside it in the snapshot
    assert read_merged_ids(snapshot / "data" / "works", "works") == []


def test_a_hand_named_file_is_read_unless_it_names_another_entity(tmp_path: Path) -> None:
    merges(tmp_path / "merged_ids_works.csv", "2026-01-01,https://openalex.org/W9,W2")
    merges(tmp_path / "merged_ids_authors.csv", "2026-01-01,A9,A2")
    merges(tmp_path / "merged_ids.csv", "2026-01-01,W8,W3")
    works = read_merged_ids(tmp_path, "works")
    assert [(r["old_id"], r["source_file"]) for r in works] == [
        ("W8", "merged_ids.csv"),
        ("W9", "merged_ids_works.csv"),
    ]
    assert [r["old_id"] for r in read_merged_ids(tmp_path, "authors")] == ["W8", "A9"]


def test_a_file_that_is_not_openalexs_format_is_named(tmp_path: Path) -> None:
    path = tmp_path / "merged_ids" / "works" / "2024-01-02.csv"
    path.parent.mkdir(parents=True)
    path.write_text("old,new\nW9,W2\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"2024-01-02.csv: expected header"):
        read_merged_ids(tmp_path, "works")
