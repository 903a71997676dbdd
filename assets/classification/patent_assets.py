"""The patent classification asset: in-scope families per technology approach.

A family is in scope when ``core.patent_family_scope`` names it (a reviewed CPC code,
alone or with a quantum term). Its approaches come from the CPC map (communication,
sensing, error correction ...) and, for the approaches inside computing, from the
keyword rules over its title and abstract (the same versioned rules as publications),
applied only to families with a computing code: a clock that mentions Rydberg atoms is
not a neutral-atom computer.
"""

import dagster as dg
import duckdb

from assets.classification.assets import approach_rules, in_all
from assets.classification.classifier import classify
from assets.reference.assets import REFERENCE_KEY
from pipelines.resources import QcmResource

PATENT_APPROACHES_KEY = dg.AssetKey(["core", "patent_family_approaches"])


def build_patent_family_approaches(con: duckdb.DuckDBPyConnection) -> int:
    """Write ``core.patent_family_approaches``; return its row count.

    One row per in-scope family and approach: each approach its CPC codes map to, each
    computing approach whose keyword rules match its title or abstract (families with a
    computing code only), 'all' for every in-scope family not only in adjacent approaches
    (``in_all``), and 'unclassified' when neither gave an approach.
    """
    computing = {
        r[0]
        for r in con.execute(
            "select approach from ref.approaches where family = 'computing'"
        ).fetchall()
    }
    patterns = [p for p in approach_rules(con) if p.approach in computing]
    matched = classify(
        con,
        "select family_id as id, coalesce(title, '') || ' ' || coalesce(abstract, '') as text "
        "from staging.patent_families "
        "where family_id in "
        "(select family_id from core.patent_family_scope where domain = 'computing')",
        patterns,
    )
    con.execute(
        f"""
        create or replace table core.patent_family_approaches as
        with assigned as (
            select distinct family_id, approach, 'CPC map' as basis
            from core.patent_family_scope
            where approach is not null
            union
            select id as family_id, approach, 'keyword rules' as basis from {matched}
        ),
        one_basis as (
            -- an approach both the CPC map and the keywords give is credited to the CPC map
            select family_id, approach, min(basis) as basis from assigned group by all
        ),
        classified as (
            select
                scope.family_id,
                coalesce(list(one_basis.approach) filter (where one_basis.approach is not null), [])
                    as approaches
            from (select distinct family_id from core.patent_family_scope) as scope
            left join one_basis
                on one_basis.family_id = scope.family_id
            group by scope.family_id
        )
        select family_id, 'all' as approach, 'in scope' as basis from classified
        where {in_all("approaches")}
        union all
        select * from one_basis
        union all
        select family_id, 'unclassified' as approach, 'no approach found' as basis
        from classified
        where len(approaches) = 0
        """
    )
    return con.execute("select count(*) from core.patent_family_approaches").fetchone()[0]


@dg.asset(
    key=PATENT_APPROACHES_KEY,
    deps=[
        REFERENCE_KEY,
        dg.AssetKey(["staging", "patent_families"]),
        dg.AssetKey(["core", "patent_family_scope"]),
    ],
    group_name="core",
    kinds={"duckdb", "python"},
    pool="duckdb",
    description="One row per in-scope patent family and technology approach (multi-label): "
    "'all' (unless only on post-quantum cryptography, an adjacent approach), approaches from "
    "the CPC map and from keyword rules, or 'unclassified'.",
)
def patent_family_approaches(
    context: dg.AssetExecutionContext, qcm: QcmResource
) -> dg.MaterializeResult:
    """Classify every in-scope patent family."""
    with qcm.connect() as con:
        rows = build_patent_family_approaches(con)
        shares = con.execute(
            "select approach, count(*) from core.patent_family_approaches "
            "group by 1 order by 2 desc, 1"
        ).fetchall()
    context.log.info(
        f"built core.patent_family_approaches: {rows:,} rows; "
        + ", ".join(f"{a} {n}" for a, n in shares)
    )
    return dg.MaterializeResult(metadata={"rows": rows, **{a: n for a, n in shares}})
