"""The fault catalogue (tests/reliability_catalogue.yml) names only tests that exist, every
fault handled or partial has at least one, and the counts are printed for the record."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.unit
REPO = Path(__file__).resolve().parents[2]
CATALOGUE = REPO / "tests" / "reliability_catalogue.yml"
STATUSES = ("handled", "partial", "open")


@cache
def defined_tests(path: str) -> frozenset[str]:
    """The names of the module-level test functions of a test file."""
    tree = ast.parse((REPO / path).read_text(encoding="utf-8"))
    return frozenset(
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    )


def entries() -> list[tuple[str, dict]]:
    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    return [(group, entry) for group, faults in data.items() for entry in faults]


def test_every_named_test_exists_and_statuses_hold() -> None:
    found = entries()
    assert {group for group, _ in found} == {"network", "data", "storage", "security"}
    for group, entry in found:
        where = f"{group}: {entry['fault']}"
        assert entry["status"] in STATUSES, where
        tests = entry["tests"]
        assert bool(tests) == (entry["status"] != "open"), where
        assert entry["status"] != "partial" or entry.get("note"), f"{where}: say what is missing"
        for test in tests:
            path, _, name = test.partition("::")
            assert (REPO / path).is_file(), f"{where}: no file {path}"
            assert name in defined_tests(path), f"{where}: {path} has no {name}"


def test_counts() -> None:
    found = entries()
    counts = {s: sum(e["status"] == s for _, e in found) for s in STATUSES}
    tests = {t for _, e in found for t in e["tests"]}
    print(
        f"\nfault catalogue: {len(found)} faults, {counts['handled']} handled, "
        f"{counts['partial']} partial, {counts['open']} open; {len(tests)} distinct tests"
    )
    assert counts["handled"] + counts["partial"] + counts["open"] == len(found)
