"""Every reviewed reference file is well-formed CSV: a strict parser reads each row with as
many fields as the header (a bare quote inside a quoted field is an error, where a lenient
reader silently drops the quote marks from the text it loads)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from assets.reference.tables import reference_frames

pytestmark = pytest.mark.unit
REFERENCE = Path(__file__).resolve().parents[2] / "assets" / "reference"
FILES = sorted(REFERENCE.glob("*.csv"))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_a_reference_file_is_strict_csv(path: Path) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle, strict=True))
    header = rows[0]
    short = [(line, len(row)) for line, row in enumerate(rows[1:], 2) if len(row) != len(header)]
    assert short == [], f"{path.name}: rows (line, fields) unlike the header's {len(header)}"


def test_quoted_words_in_a_method_reach_the_database_as_written() -> None:
    methods = reference_frames()["ref.methods"]
    rule = methods.filter(methods["key"] == "capability_counting_rule")["description"][0]
    assert '("more than 99.9%" for a fidelity' in rule
