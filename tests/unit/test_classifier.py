"""The keyword classifier and its scoring, on hand-made rules and texts."""

from __future__ import annotations

import csv
import hashlib

import duckdb
import pytest

from assets.classification import classifier
from assets.classification.classifier import ApproachPattern, approach_patterns, classify, score
from assets.reference.tables import REFERENCE_DIR, read_csv

pytestmark = pytest.mark.unit

# every work with its text, as the classifier reads it
EVERY_WORK = (
    "select works.work_id, records.title, records.abstract from staging.works as works "
    "inner join raw.openalex_works as records using (record_key)"
)
RULES = [
    {"approach": "superconducting", "kind": "include", "pattern": r"\btransmons?\b"},
    {"approach": "superconducting", "kind": "include", "pattern": "Fluxonium"},
    {"approach": "photonic", "kind": "include", "pattern": "quantum dots?"},
    {"approach": "photonic", "kind": "exclude", "pattern": "light[- ]emitting"},
]


def test_rules_join_into_one_case_insensitive_pattern_per_approach() -> None:
    patterns = approach_patterns(RULES)
    assert patterns == [
        ApproachPattern("photonic", "(?i)(?:quantum dots?)", "(?i)(?:light[- ]emitting)"),
        ApproachPattern("superconducting", r"(?i)(?:\btransmons?\b)|(?:Fluxonium)", None),
    ]


def test_unknown_rule_kind_and_orphan_exclude_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        approach_patterns([{"approach": "x", "kind": "maybe", "pattern": "a"}])
    with pytest.raises(ValueError, match="no include rule"):
        approach_patterns([{"approach": "x", "kind": "exclude", "pattern": "a"}])


NO_RE2 = "google-re2 is not installed (it has no wheels for Python 3.14): no RE2 set to test"


@pytest.fixture(params=["set", "statements"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each way the classifier can run: an RE2 set, or (without google-re2, as on Python
    3.14) one DuckDB statement per approach."""
    if request.param == "statements":
        monkeypatch.setattr(classifier, "re2", None)
    elif classifier.re2 is None:
        pytest.skip(NO_RE2)
    return request.param


def test_classify_is_case_insensitive_multi_label_and_honours_excludes(engine: str) -> None:
    con = duckdb.connect()
    texts = (
        "select * from (values ('a', 'TRANSMON and Quantum Dot sources'), "
        "('b', 'quantum dot light-emitting diodes'), ('c', 'transmonic is not a word'), "
        "('d', 'A FLUXONIUM qubit'), ('e', null))"
        " as t(id, text)"
    )
    table = classify(con, texts, approach_patterns(RULES))
    rows = con.execute(f"select id, approach from {table} order by all").fetchall()
    assert rows == [("a", "photonic"), ("a", "superconducting"), ("d", "superconducting")]


# texts where one RE2 and another could part: line breaks under "." and "^", case folding
# beyond ASCII, word boundaries next to accented letters, long texts, empty and null ones
HARD_TEXTS = [
    "Superconducting\nqubit readout",
    "josephson junction\nbased qubit",
    "ION TRAP Quantum Computing",
    "QUANTUM KEY DISTRIBUTION over 100 km",
    "Trapped-ïon qubits",
    "naïve transmon",
    "ÉCOLE quantique: nitrogen-vacancy centres in DIAMOND",
    "Σ-Δ modulators for cryogenic control electronics",
    "lattice-based post-quantum cryptography " * 400,
    "",
    None,
]


def _classified(con: duckdb.DuckDBPyConnection, texts_sql: str, rules: list[dict]) -> list[tuple]:
    table = classify(con, texts_sql, approach_patterns(rules))
    return con.execute(f"select id, approach from {table} order by all").fetchall()


def test_the_set_answers_as_duckdb_does_with_the_shipped_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The labelled titles and the hard texts, under the shipped rules: the RE2 set finds
    the pairs DuckDB's statements find, also when the set gives up on every text."""
    if classifier.re2 is None:
        pytest.skip(NO_RE2)
    rules = read_csv("classification_rules.csv").to_dicts()
    con = duckdb.connect()
    con.execute("create table texts (id integer, text varchar)")
    titles = read_csv("classification_eval.csv")["title"].to_list()
    con.executemany("insert into texts values (?, ?)", list(enumerate([*titles, *HARD_TEXTS])))
    texts_sql = "select id, text from texts"

    found = _classified(con, texts_sql, rules)
    assert len({i for i, _ in found}) > 200  # most labelled titles are in some approach
    monkeypatch.setattr(classifier.re2.Set, "Match", lambda self, text: None)
    assert _classified(con, texts_sql, rules) == found  # the ordinary searches' answers
    monkeypatch.setattr(classifier, "re2", None)
    assert _classified(con, texts_sql, rules) == found


def test_an_exclude_pattern_removes_only_its_own_approach() -> None:
    if classifier.re2 is None:
        pytest.skip(NO_RE2)
    rules = [
        *RULES,
        {"approach": "qkd", "kind": "include", "pattern": "key distribution"},
        {"approach": "qkd", "kind": "exclude", "pattern": "classical"},
    ]
    matcher = classifier.SetMatcher(approach_patterns(rules))
    assert matcher.approaches == ["photonic", "qkd", "superconducting"]
    text = "classical key distribution with quantum dots and a light-emitting transmon"
    assert sorted(matcher.approaches_of(text.encode())) == [2]
    assert sorted(matcher.approaches_of(b"key distribution from quantum dots")) == [0, 1]
    assert matcher.approaches_of(b"nothing of the kind") == []


def test_scores_by_hand() -> None:
    expected = {"p1": {"qkd"}, "p2": {"qkd", "pqc"}, "n1": set()}
    predicted = {"p1": {"qkd"}, "p2": {"pqc"}, "n1": {"qkd"}}
    qkd, pqc = score(expected, predicted, ["qkd", "pqc"])
    assert (qkd.labelled_positives, qkd.predicted, qkd.true_positives) == (2, 2, 1)
    assert (qkd.precision, qkd.recall) == (0.5, 0.5)
    assert (pqc.precision, pqc.recall) == (1.0, 1.0)
    assert score({}, {}, ["x"])[0].precision is None


def test_shipped_rules_compile_and_cover_every_approach() -> None:
    rules = read_csv("classification_rules.csv").to_dicts()
    con = duckdb.connect()
    for pattern in approach_patterns(rules):
        con.execute("select regexp_matches('x', ?)", [pattern.include])
    approaches = set(read_csv("approaches.csv")["approach"]) - {"all", "unclassified"}
    assert {r["approach"] for r in rules} == approaches


def test_rule_changes_bump_the_classifier_version() -> None:
    """The methods table records the rules' checksum: edit the rules, bump the version."""
    digest = hashlib.sha256((REFERENCE_DIR / "classification_rules.csv").read_bytes()).hexdigest()
    with (REFERENCE_DIR / "methods.csv").open(encoding="utf-8") as handle:
        methods = {r["key"]: r["value"] for r in csv.DictReader(handle)}
    assert methods["classifier_rules_sha256"] == digest, (
        "classification_rules.csv changed: bump classifier_version and record the new checksum"
    )


def test_labelled_set_is_large_and_well_formed() -> None:
    labelled = read_csv("classification_eval.csv")
    assert labelled.height >= 200
    assert labelled["doi"].n_unique() == labelled.height
    approaches = set(read_csv("approaches.csv")["approach"])
    used = {a for cell in labelled["approaches"].drop_nulls() for a in cell.split(";")}
    assert used <= approaches
    assert (labelled["kind"] == "near_miss").sum() >= 40


def work_texts(con: duckdb.DuckDBPyConnection, rows: list[tuple], version: str = "v1") -> None:
    """Set ``ref.classification_rules`` to RULES and ``staging.works`` to ``rows`` (work id,
    title, abstract), built as ``version`` of ``staging.works`` (its row hashes kept for the
    refresh by work). As in the pipeline, the texts are records of ``raw.openalex_works``
    (one per work and text, kept from earlier calls) and ``staging.works`` holds the record
    key, the title and the abstract's hash."""
    from pipelines import lineage, work_delta

    for schema in ("ref", "raw", "staging", "core"):
        con.execute(f"create schema if not exists {schema}")
    lineage.create_tables(con)
    work_delta.create_tables(con)
    con.execute("create or replace table ref.classification_rules as select * from rules")
    con.execute(  # the approaches' families: an adjacent one alone puts no work in 'all'
        "create table if not exists ref.approaches as select * from (values "
        "('superconducting', 'computing'), ('photonic', 'computing'), ('qkd', 'communication'), "
        "('pqc', 'adjacent')) as a(approach, family)"
    )
    con.execute(
        "create table if not exists raw.openalex_works "
        "(record_key varchar primary key, title varchar, abstract varchar)"
    )
    records = [(f"{w}|{title}|{abstract}", w, title, abstract) for w, title, abstract in rows]
    con.executemany(
        "insert or ignore into raw.openalex_works values (?, ?, ?)",
        [(key, title, abstract) for key, _, title, abstract in records],
    )
    con.execute("create or replace temp table kept (record_key varchar, work_id varchar)")
    con.executemany("insert into kept values (?, ?)", [(key, work) for key, work, *_ in records])
    con.execute(
        "create or replace table staging.works as select kept.work_id, kept.record_key, "
        "r.title, hash(r.abstract) as abstract_hash, 2020 as publication_year "
        "from kept inner join raw.openalex_works as r using (record_key)"
    )
    lineage.record_build(con, "staging.works", version, len(rows), "run")
    work_delta.record_work_rows(con, version)


def approaches_rows(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("select * from core.work_approaches order by all").fetchall()


def test_works_are_classified_once_per_text_and_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    from assets.classification.assets import build_record_approaches, build_work_approaches
    from pipelines import work_delta

    monkeypatch.setattr(work_delta, "FULL_ABOVE", 1.0)  # a refresh of most of four works
    con = duckdb.connect()
    rules = [(r["approach"], r["kind"], r["pattern"]) for r in RULES]
    con.execute("create table rules as select * from (values " + ", ".join(
        "(?, ?, ?)" for _ in rules) + ") as r(approach, kind, pattern)",
        [v for rule in rules for v in rule])  # fmt: skip
    first = [
        ("W1", "A transmon", None),
        ("W2", "Quantum dot LEDs", "light-emitting"),
        ("W3", None, "fluxonium and quantum dots"),
        ("W4", "A transmon", None),  # the same text as W1: classified once
    ]
    work_texts(con, first)
    rows, classified, how = build_work_approaches(con, "run1")
    assert (classified, how) == (3, "in full: no earlier build by work")
    kept = approaches_rows(con)
    assert rows == len(kept)
    build_record_approaches(con, "core.work_approaches", "work_id", EVERY_WORK)
    assert kept == approaches_rows(con)  # the same rows as classifying every work
    assert ("W3", "photonic", "keyword rules") in kept
    assert ("W2", "unclassified", "no rule matched") in kept

    # a refresh: W3's text changed, W4 gone, W5 new; only two texts are new, and the rows
    # of those three works alone are written again
    second = [*first[:2], ("W3", "Fluxonium", None), ("W5", "Quantum dots", None)]
    work_texts(con, second, "v2")
    _, classified, how = build_work_approaches(con, "run2")
    assert (classified, how) == (2, "by work: 3 of 4 works changed")
    kept = approaches_rows(con)
    build_record_approaches(con, "core.work_approaches", "work_id", EVERY_WORK)
    assert kept == approaches_rows(con)
    texts = con.execute("select count(*) from core.work_text_approaches").fetchone()[0]
    assert texts == 5  # W1, W2, W3's two texts and W5: only a full build drops texts
    work_delta.forget_keyed(con, "core.work_approaches")  # the next build is a full one
    _, classified, how = build_work_approaches(con, "run2b")
    assert (classified, how) == (0, "in full: no earlier build by work")
    assert approaches_rows(con) == kept
    texts = con.execute("select count(*) from core.work_text_approaches").fetchone()[0]
    assert texts == 4  # W3's earlier text, which no work has any more, is dropped

    # other rules: every text is classified again, and every work's rows written again
    con.execute("delete from rules where pattern = 'Fluxonium'")
    work_texts(con, second, "v3")
    _, classified, how = build_work_approaches(con, "run3")
    assert classified == 4
    assert how == "in full: its code or an input other than the works' rows changed"
    assert ("W3", "unclassified", "no rule matched") in approaches_rows(con)

    # a new parser reads W2's record again and rebuilds its abstract differently, under the
    # same record key: staging.works holds the abstract's hash, so W2 is a changed work and
    # its new text is classified (without the excluded phrase it is photonic now)
    con.execute("update raw.openalex_works set abstract = 'for displays' where title like '%LEDs'")
    work_texts(con, second, "v4")
    _, classified, how = build_work_approaches(con, "run4")
    assert (classified, how) == (1, "by work: 1 of 4 works changed")
    assert ("W2", "photonic", "keyword rules") in approaches_rows(con)


def test_a_work_only_on_post_quantum_cryptography_is_not_in_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """'all' is quantum technology: post-quantum cryptography (an adjacent approach) alone
    does not put a work there, beside a quantum approach it does; a work no rule
    classifies stays in 'all'. The same rows by a full build, a refresh by work and
    ``build_record_approaches``."""
    from assets.classification.assets import build_record_approaches, build_work_approaches
    from pipelines import work_delta

    monkeypatch.setattr(work_delta, "FULL_ABOVE", 1.0)  # a refresh of half of four works
    con = duckdb.connect()
    con.execute(
        "create table rules as select * from (values "
        "('qkd', 'include', 'quantum key distribution'), "
        "('pqc', 'include', 'post-quantum (signature|key)'), "
        "('superconducting', 'include', 'transmon')) as r(approach, kind, pattern)"
    )
    works = [
        ("W1", "Post-quantum signatures on lattices", None),
        ("W2", "Quantum key distribution with a post-quantum key exchange", None),
        ("W3", "A survey of qubits", None),
        ("W4", "A transmon", None),
    ]
    work_texts(con, works)
    build_work_approaches(con, "run1")
    expected = [
        ("W1", "pqc", "keyword rules"),  # pqc alone: not in all
        ("W2", "all", "in scope"),  # pqc and qkd: in all, and in both
        ("W2", "pqc", "keyword rules"),
        ("W2", "qkd", "keyword rules"),
        ("W3", "all", "in scope"),  # no rule matched: in all, and unclassified
        ("W3", "unclassified", "no rule matched"),
        ("W4", "all", "in scope"),
        ("W4", "superconducting", "keyword rules"),
    ]
    assert approaches_rows(con) == expected
    build_record_approaches(con, "core.work_approaches", "work_id", EVERY_WORK)
    assert approaches_rows(con) == expected

    # a refresh by work: W1 now also names quantum key distribution, so it joins all; W4
    # now names post-quantum keys only, so it leaves all
    changed = [
        ("W1", "Post-quantum signatures for quantum key distribution", None),
        *works[1:3],
        ("W4", "Post-quantum key sizes", None),
    ]
    work_texts(con, changed, "v2")
    _, _, how = build_work_approaches(con, "run2")
    assert how == "by work: 2 of 4 works changed"
    refreshed = [
        ("W1", "all", "in scope"),
        ("W1", "pqc", "keyword rules"),
        ("W1", "qkd", "keyword rules"),
        *expected[1:6],
        ("W4", "pqc", "keyword rules"),
    ]
    assert approaches_rows(con) == refreshed

    # pqc no longer adjacent: another method, so a full build, and W4 is in all again
    con.execute("update ref.approaches set family = 'communication' where approach = 'pqc'")
    _, classified, how = build_work_approaches(con, "run3")
    assert (classified, how) == (
        0,
        "in full: its code or an input other than the works' rows changed",
    )
    assert ("W4", "all", "in scope") in approaches_rows(con)
