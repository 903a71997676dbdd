"""The keyword classifier: which technology approaches a text belongs to.

Rules live in ``assets/reference/classification_rules.csv`` (approach, include or
exclude, RE2 pattern). A text is in an approach when any include rule of the approach
matches and no exclude rule does; matching is case-insensitive (RE2's ``(?i)`` flag).

Each approach's rules are joined into one include and one exclude pattern. Every
pattern of every approach is then matched in one pass over each text by an RE2 set
(google-re2's ``re2.Set``): the texts stream out of DuckDB in batches, and the pairs
found go back into a temporary table. One statement per approach inside DuckDB (RE2
too, so the same answers) reads every text once per approach: three times slower with
nineteen approaches (15.4 s against 5.0 s for a million titles and abstracts). It is the
path taken where google-re2 is not installed (it has no wheels for Python 3.14 yet:
``pyproject.toml``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.db import append_rows

try:
    import re2
except ImportError:  # where google-re2 has no wheel: one statement per approach
    re2 = None

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
    con.execute(f"create or replace temp table {MATCHES} (id varchar, approach varchar)")
    if re2 is None:
        _classify_by_statements(con, texts_sql, patterns)
    else:
        _classify_by_set(con, texts_sql, patterns)
    return MATCHES


def _classify_by_statements(
    con: duckdb.DuckDBPyConnection, texts_sql: str, patterns: list[ApproachPattern]
) -> None:
    """Append the matched pairs to ``MATCHES`` with one DuckDB statement per approach,
    each pattern a constant so that RE2 compiles it once (a pattern taken from a column
    is recompiled for every row: ~30x slower)."""
    con.execute(f"create or replace temp table {TEXTS} as select id, text from ({texts_sql})")
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


# texts per batch read out of DuckDB (about 30 MB of text for works with abstracts)
BATCH_ROWS = 50_000
# memory for the set's automaton (RE2's default is 8 MiB): the more it has, the fewer the
# texts it gives up on (see SetMatcher)
SET_MEMORY = 64 << 20


class SetMatcher:
    """Every approach's include and exclude pattern matched in one pass over a text.

    RE2's set search gives no answer when its automaton runs out of memory, which looks
    like no match. So a text the set finds nothing in is searched once more for any
    include pattern by an ordinary RE2 search, which never gives up; when that finds one,
    the set gave up, and the text is matched pattern by pattern. The answers are RE2's,
    as in DuckDB.
    """

    def __init__(self, patterns: list[ApproachPattern]) -> None:
        options = re2.Options()
        options.max_mem = SET_MEMORY
        options.log_errors = False
        self.approaches = [p.approach for p in patterns]
        self._includes = [re2.compile(p.include.encode(), options) for p in patterns]
        self._excludes = [
            re2.compile(p.exclude.encode(), options) if p.exclude else None for p in patterns
        ]
        self._any = re2.compile("|".join(f"(?:{p.include})" for p in patterns).encode(), options)
        # the set's pattern i is approach i's include pattern; its exclude pattern comes after
        # all of those, under the number _exclude_of[i]
        self._set = re2.Set.SearchSet(options)
        for pattern in patterns:
            self._set.Add(pattern.include.encode())
        self._exclude_of: dict[int, int] = {}
        for number, pattern in enumerate(patterns):
            if pattern.exclude:
                self._exclude_of[number] = self._set.Add(pattern.exclude.encode())
        self._set.Compile()

    def approaches_of(self, text: bytes) -> list[int]:
        """The numbers (in ``approaches``) of the approaches ``text`` (UTF-8) is in."""
        found = self._set.Match(text)
        if found is None:
            return self._searched(text) if self._any.search(text) is not None else []
        if max(found) < len(self.approaches):  # no exclude pattern matched
            return found
        hits = set(found)
        return [
            number
            for number in found
            if number < len(self.approaches) and self._exclude_of.get(number) not in hits
        ]

    def _searched(self, text: bytes) -> list[int]:
        """``approaches_of`` by one ordinary RE2 search per pattern."""
        return [
            number
            for number, include in enumerate(self._includes)
            if include.search(text) is not None
            and (self._excludes[number] is None or self._excludes[number].search(text) is None)
        ]


def _classify_by_set(
    con: duckdb.DuckDBPyConnection, texts_sql: str, patterns: list[ApproachPattern]
) -> None:
    """Append the matched pairs to ``MATCHES``, every text read once by a ``SetMatcher``."""
    if not patterns:
        return
    matcher = SetMatcher(patterns)
    reader = con.execute(
        f"select id::varchar as id, encode(text) as text from ({texts_sql})"
    ).to_arrow_reader(BATCH_ROWS)
    empty = pa.table({"id": pa.array([], pa.string()), "approach": pa.array([], pa.string())})
    append_rows(con, MATCHES, pa.concat_tables([empty, *_pairs(reader, matcher)]))


def _pairs(batches: Iterable[pa.RecordBatch], matcher: SetMatcher) -> Iterator[pa.Table]:
    """One table of (id, approach) pairs per Arrow batch of (id, UTF-8 text) rows."""
    names = pa.array(matcher.approaches, pa.string())
    for batch in batches:
        texts = batch.column(1).to_pylist()
        found = pa.array(
            [[] if text is None else matcher.approaches_of(text) for text in texts],
            pa.list_(pa.int32()),
        )
        yield pa.table(
            {
                "id": batch.column(0).take(pc.list_parent_indices(found)),
                "approach": names.take(pc.list_flatten(found)),
            }
        )


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
