"""Assets of the classification room: works per approach, and the classifier's scores."""

import hashlib
import sys

import dagster as dg
import duckdb
import polars as pl

from assets.bibliometric.assets import RAW_KEY
from assets.classification import classifier
from assets.classification.classifier import ApproachPattern, approach_patterns, classify, score
from assets.reference.assets import REFERENCE_KEY
from pipelines import work_delta
from pipelines.db import replace_table
from pipelines.parse_cache import code_digest
from pipelines.resources import QcmResource

WORK_APPROACHES_KEY = dg.AssetKey(["core", "work_approaches"])
EVALUATION_KEY = dg.AssetKey(["meta", "classifier_evaluation"])
TEXT_APPROACHES = "core.work_text_approaches"  # the rules' answer per text, kept between builds
WORK_APPROACHES = "core.work_approaches"
# a work's text, read from the raw record staging.works kept (which holds the abstract's hash)
TEXT = "coalesce(records.title, '') || ' ' || coalesce(records.abstract, '')"
RECORDS = "inner join raw.openalex_works as records using (record_key)"
# the code that decides a work's rows besides its text and the rules
CLASSIFIER_MODULES = (classifier, sys.modules[__name__])
# the approaches reported separately from quantum technology (INDICATORS.md: post-quantum
# cryptography), as a list: they do not put a record in 'all' on their own
ADJACENT = (
    "(select coalesce(list(approach order by approach), []) "
    "from ref.approaches where family = 'adjacent')"
)


def in_all(approaches: str) -> str:
    """The SQL condition that an in-scope record is in 'all' (all quantum technology),
    given ``approaches``, the SQL list of the approaches it is classified in (empty when
    none): it is unless every one of them is adjacent (``ADJACENT``). A record only on
    post-quantum cryptography is reported under pqc alone; one also on a quantum approach
    (qkd, say) stays in 'all', and so does a record no rule classifies. The one place of
    this rule for works, patent families and grants."""
    return f"(len({approaches}) = 0 or not list_has_all({ADJACENT}, {approaches}))"


def approach_rules(con: duckdb.DuckDBPyConnection) -> list[ApproachPattern]:
    """The keyword rules of ``ref.classification_rules``, one pattern pair per approach."""
    rules = con.execute("select approach, kind, pattern from ref.classification_rules").pl()
    return approach_patterns(rules.iter_rows(named=True))


def build_record_approaches(
    con: duckdb.DuckDBPyConnection, table: str, id_column: str, records_sql: str
) -> int:
    """Write ``table`` (one row per record and approach) with the keyword rules; row count.

    ``records_sql`` selects the in-scope records with ``id_column`` (one row each),
    ``title`` and ``abstract``. Rows: each approach whose rules match title or abstract,
    'all' for every record not only in adjacent approaches (``in_all``), and
    'unclassified' for records no rule matched. ``table`` and ``id_column`` are qcm's own
    names, never user input.
    """
    matched = classify(
        con,
        f"select {id_column} as id, coalesce(title, '') || ' ' || coalesce(abstract, '') "
        f"as text from ({records_sql})",
        approach_rules(con),
    )
    con.execute(
        f"""
        create or replace table {table} as
        with records as ({records_sql}),
        classified as (
            select
                records.{id_column},
                coalesce(list(matched.approach) filter (where matched.approach is not null), [])
                    as approaches
            from records
            left join {matched} as matched
                on matched.id = records.{id_column}
            group by records.{id_column}
        )
        select {id_column}, 'all' as approach, 'in scope' as basis from classified
        where {in_all("approaches")}
        union all
        select id as {id_column}, approach, 'keyword rules' as basis from {matched}
        union all
        select {id_column}, 'unclassified' as approach, 'no rule matched' as basis
        from classified
        where len(approaches) = 0
        """
    )
    return con.execute(f"select count(*) from {table}").fetchone()[0]


def rules_digest(patterns: list[ApproachPattern]) -> str:
    """SHA-256 of the joined rules: a classification kept under another digest is stale."""
    return hashlib.sha256(repr(patterns).encode()).hexdigest()


def build_work_approaches(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[int, int, str]:
    """Write ``core.work_approaches`` from ``staging.works`` in run ``run_id``; return its
    row count, how many distinct texts the rules ran on, and whether the rows of the
    changed works alone were written (and why).

    The approaches of a work depend only on its text (title and abstract, read from the
    record ``staging.works`` kept, in ``raw.openalex_works``) and the rules,
    so they are kept by text in ``core.work_text_approaches`` (the MD5 of the text, the
    rules' digest, the matched approaches) and the rules run only on texts not seen by
    the same rules before: a refresh classifies its new and changed works alone. The
    table is brought up to date by the works that changed since its last build under the
    same rules, code and adjacent approaches (whether a work is in 'all' depends on them
    too: ``in_all``; see ``pipelines.work_delta``): only their texts are hashed and
    their rows written again. Otherwise it is written whole, and the texts no work has any
    more are then dropped from ``core.work_text_approaches`` (a refresh leaves a changed
    work's earlier text there until then). The rows are the rows of
    ``build_record_approaches`` on the same works.
    """
    patterns = approach_rules(con)
    digest = rules_digest(patterns)
    con.execute(
        f"create table if not exists {TEXT_APPROACHES} "
        "(text_md5 varchar, rules_sha256 varchar, approaches varchar[])"
    )
    con.execute(f"delete from {TEXT_APPROACHES} where rules_sha256 <> ?", [digest])
    # the adjacent approaches decide the rows of 'all': another list is another method
    adjacent = con.execute(f"select {ADJACENT}").fetchone()[0]
    method = hashlib.sha256(
        (digest + code_digest(CLASSIFIER_MODULES) + repr(adjacent)).encode()
    ).hexdigest()
    version = work_delta.works_version(con)
    changed, reason = (
        work_delta.changed_since(con, WORK_APPROACHES, method, version)
        if version is not None
        else (None, "staging.works has no recorded version")
    )
    work_delta.forget_keyed(con, WORK_APPROACHES)
    works = "" if changed is None else f" where {work_delta.CHANGED_ROWS}"
    con.execute(  # the works narrowed first, so that only their records are read
        "create or replace temp table _qcm_work_texts as "
        f"select works.work_id, works.record_key, md5({TEXT}) as text_md5 "
        f"from (select work_id, record_key from staging.works{works}) as works {RECORDS}"
    )
    con.execute(
        "create or replace temp table _qcm_new_texts as select distinct text_md5 "
        f"from _qcm_work_texts anti join {TEXT_APPROACHES} using (text_md5)"
    )
    new = con.execute("select count(*) from _qcm_new_texts").fetchone()[0]
    # every work of a new text is read once (a text two works share is classified twice,
    # rarer than reading the texts twice to drop the repeats)
    matched = classify(
        con,
        f"select works.text_md5 as id, {TEXT} as text from _qcm_work_texts as works "
        f"semi join _qcm_new_texts using (text_md5) {RECORDS}",
        patterns,
    )
    con.execute(
        f"insert into {TEXT_APPROACHES} "
        "select t.text_md5, ?, list_sort(coalesce(list(m.approach) "
        "filter (where m.approach is not null), [])) "  # not an ordered aggregate: it may spill
        f"from _qcm_new_texts as t left join (select distinct id, approach from {matched}) as m "
        "on m.id = t.text_md5 group by t.text_md5",
        [digest],
    )
    rows_sql = f"""
        with classified as (
            select w.work_id, k.approaches
            from _qcm_work_texts as w inner join {TEXT_APPROACHES} as k using (text_md5)
        )
        select work_id, 'all' as approach, 'in scope' as basis from classified
        where {in_all("approaches")}
        union all
        select work_id, unnest(approaches) as approach, 'keyword rules' as basis
        from classified
        union all
        select work_id, 'unclassified' as approach, 'no rule matched' as basis
        from classified where len(approaches) = 0
        """
    if changed is None:
        con.execute(
            f"delete from {TEXT_APPROACHES} "
            "where text_md5 not in (select text_md5 from _qcm_work_texts)"
        )
        con.execute(f"create or replace table {WORK_APPROACHES} as {rows_sql}")
    else:
        con.execute(f"delete from {WORK_APPROACHES} where {work_delta.CHANGED_ROWS}")
        con.execute(f"insert into {WORK_APPROACHES} {rows_sql}")
    work_delta.record_keyed(con, WORK_APPROACHES, "work_id", method, version, run_id)
    con.execute("drop table _qcm_work_texts")
    con.execute("drop table _qcm_new_texts")
    rows = con.execute(f"select count(*) from {WORK_APPROACHES}").fetchone()[0]
    return rows, new, ("by work: " if changed is not None else "in full: ") + reason


def build_classifier_evaluation(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Write ``meta.classifier_evaluation`` from the labelled set; return its rows.

    The labelled set has titles only, so the scores are for titles alone; in the
    pipeline abstracts add recall.
    """
    labelled = con.execute(
        "select doi, title, approaches, kind from ref.classification_eval"
    ).fetchall()
    expected = {
        doi: {a.strip() for a in (approaches or "").split(";") if a.strip()}
        for doi, _, approaches, _ in labelled
    }
    near_misses = {doi for doi, _, _, kind in labelled if kind == "near_miss"}
    predicted: dict[str, set[str]] = {doi: set() for doi in expected}
    matched = classify(
        con, "select doi as id, title as text from ref.classification_eval", approach_rules(con)
    )
    for doi, approach in con.execute(f"select id, approach from {matched}").fetchall():
        predicted[doi].add(approach)
    approaches = [
        r[0]
        for r in con.execute(
            "select approach from ref.approaches "
            "where approach not in ('all', 'unclassified') order by 1"
        ).fetchall()
    ]
    version = con.execute(
        "select value from ref.methods where key = 'classifier_version'"
    ).fetchone()[0]
    rows = [
        {
            "approach": s.approach,
            "labelled_positives": s.labelled_positives,
            "predicted": s.predicted,
            "true_positives": s.true_positives,
            "precision": s.precision,
            "recall": s.recall,
            "near_misses_predicted": sum(1 for d in near_misses if s.approach in predicted[d]),
            "near_misses_in_set": len(near_misses),
            "classifier_version": version,
        }
        for s in score(expected, predicted, approaches)
    ]
    replace_table(con, "meta.classifier_evaluation", pl.DataFrame(rows))
    return rows


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


@dg.asset(
    key=WORK_APPROACHES_KEY,
    deps=[REFERENCE_KEY, RAW_KEY, dg.AssetKey(["staging", "works"])],
    group_name="core",
    kinds={"duckdb", "python"},
    pool="duckdb",
    description="One row per work and technology approach it belongs to (multi-label), plus "
    "'all' for every work not only on post-quantum cryptography (an adjacent approach) and "
    "'unclassified' where no keyword rule matched.",
)
def work_approaches(context: dg.AssetExecutionContext, qcm: QcmResource) -> dg.MaterializeResult:
    """Classify every in-scope work with the versioned keyword rules."""
    with qcm.connect() as con:
        rows, classified, how = build_work_approaches(con, context.run.run_id)
        shares = con.execute(
            f"select approach, count(*) from {WORK_APPROACHES} group by 1 order by 2 desc, 1"
        ).fetchall()
    context.log.info(
        f"built {WORK_APPROACHES} ({how}): {rows:,} rows, the rules run on {classified:,} "
        "new or changed texts; " + ", ".join(f"{a} {n}" for a, n in shares)
    )
    return dg.MaterializeResult(
        metadata={"rows": rows, "texts_classified": classified, **{a: n for a, n in shares}}
    )


@dg.asset(
    key=EVALUATION_KEY,
    deps=[REFERENCE_KEY],
    group_name="meta",
    kinds={"duckdb", "python"},
    pool="duckdb",
    description="Precision and recall of the keyword classifier per approach on the labelled "
    "evaluation set, stored with the classifier version.",
)
def classifier_evaluation(
    context: dg.AssetExecutionContext, qcm: QcmResource
) -> dg.MaterializeResult:
    """Score the classifier on the labelled set and store the figures."""
    with qcm.connect() as con:
        rows = build_classifier_evaluation(con)
    context.log.info(
        "classifier evaluation (precision/recall): "
        + ", ".join(
            f"{r['approach']} {_figure(r['precision'])}/{_figure(r['recall'])}" for r in rows
        )
    )
    return dg.MaterializeResult(metadata={"approaches": len(rows)})
