"""The keyword classifier: which technology approaches a text belongs to.

Rules live in ``assets/reference/classification_rules.csv`` (approach, include or
exclude, RE2 pattern). A text is in an approach when any include rule of the approach
matches and no exclude rule does; matching is case-insensitive (RE2's ``(?i)`` flag).
The classification runs inside DuckDB, one statement per approach with the approach's
rules joined into one constant pattern, so RE2 compiles each pattern once (a pattern
taken from a column is recompiled for every row: ~30x slower).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import duckdb

TEXTS = "_qcm_classify_texts"
MATCHES = "_qcm_classify_matches"


@dataclass(frozen=True)
class ApproachPattern:
    """One approach's include and (optional) exclude patterns, each a single regex."""

    approach: str
    include: str
    exclude: str | None


def approach_patterns(rules: Iterable[Mapping[str, str]]) -> list[ApproachPattern]:
    """Join the rules of each approach into one include and one exclude pattern.

    Raises ValueError for a rule whose kind is neither include nor exclude, or an
    approach with exclude rules but no include rule.
    """
    includes: dict[str, list[str]] = {}
    excludes: dict[str, list[str]] = {}
    for rule in rules:
        kind = rule["kind"]
        if kind not in ("include", "exclude"):
            raise ValueError(f"classification rule for {rule['approach']}: unknown kind {kind!r}")
        target = includes if kind == "include" else excludes
        target.setdefault(rule["approach"], []).append(f"(?:{rule['pattern']})")
    orphan = set(excludes) - set(includes)
    if orphan:
        raise ValueError(f"approaches with exclude rules but no include rule: {sorted(orphan)}")
    return [
        ApproachPattern(
            a, "(?i)" + "|".join(p), "(?i)" + "|".join(excludes[a]) if a in excludes else None
        )
        for a, p in sorted(includes.items())
    ]


def classify(
    con: duckdb.DuckDBPyConnection, texts_sql: str, patterns: list[ApproachPattern]
) -> str:
    """Classify every row of ``texts_sql`` (columns ``id``, ``text``).

    Returns the name of a temporary table of (id, approach) pairs, one per matched
    approach; it lives until the connection closes or the next call replaces it.
    """
    con.execute(f"create or replace temp table {TEXTS} as select id, text from ({texts_sql})")
    con.execute(f"create or replace temp table {MATCHES} (id varchar, approach varchar)")
    for pattern in patterns:
        condition = "regexp_matches(text, $include)"
        params = {"include": pattern.include, "approach": pattern.approach}
        if pattern.exclude:
            condition += " and not regexp_matches(text, $exclude)"
            params["exclude"] = pattern.exclude
        con.execute(
            f"insert into {MATCHES} select id, $approach from {TEXTS} where {condition}", params
        )
    con.execute(f"drop table {TEXTS}")
    return MATCHES


@dataclass(frozen=True)
class Score:
    """Precision and recall of one approach on a labelled set."""

    approach: str
    labelled_positives: int
    predicted: int
    true_positives: int

    @property
    def precision(self) -> float | None:
        """Share of predictions that are right; None when nothing was predicted."""
        return self.true_positives / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        """Share of labelled positives found; None when there are none."""
        return self.true_positives / self.labelled_positives if self.labelled_positives else None


def score(
    expected: Mapping[str, set[str]], predicted: Mapping[str, set[str]], approaches: Iterable[str]
) -> list[Score]:
    """Score predictions against labels; both map an item id to its set of approaches."""
    scores = []
    for approach in approaches:
        labelled = {i for i, a in expected.items() if approach in a}
        found = {i for i, a in predicted.items() if approach in a}
        scores.append(Score(approach, len(labelled), len(found), len(labelled & found)))
    return scores
