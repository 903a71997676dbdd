"""The grant classification asset: in-scope grants per technology approach.

A grant is in scope when its title or abstract carries a quantum term
(``staging.grants.in_scope``); its approaches come from the same versioned keyword
rules as publications (``ref.classification_rules``), over title and abstract.
"""

import dagster as dg
import duckdb

from assets.classification.assets import build_record_approaches
from assets.reference.assets import REFERENCE_KEY
from pipelines.resources import QcmResource

GRANT_APPROACHES_KEY = dg.AssetKey(["core", "grant_approaches"])


def build_grant_approaches(con: duckdb.DuckDBPyConnection) -> int:
    """Write ``core.grant_approaches`` from the in-scope ``staging.grants``; row count."""
    return build_record_approaches(
        con,
        "core.grant_approaches",
        "grant_key",
        "select grant_key, title, abstract from staging.grants where in_scope",
    )


@dg.asset(
    key=GRANT_APPROACHES_KEY,
    deps=[REFERENCE_KEY, dg.AssetKey(["staging", "grants"])],
    group_name="core",
    kinds={"duckdb", "python"},
    pool="duckdb",
    description="One row per in-scope grant and technology approach (multi-label): 'all' "
    "(unless only on post-quantum cryptography, an adjacent approach), approaches from the "
    "keyword rules over title and abstract, or 'unclassified'.",
)
def grant_approaches(context: dg.AssetExecutionContext, qcm: QcmResource) -> dg.MaterializeResult:
    """Classify every in-scope grant."""
    with qcm.connect() as con:
        rows = build_grant_approaches(con)
        shares = con.execute(
            "select approach, count(*) from core.grant_approaches group by 1 order by 2 desc, 1"
        ).fetchall()
    context.log.info(
        f"built core.grant_approaches: {rows:,} rows; " + ", ".join(f"{a} {n}" for a, n in shares)
    )
    return dg.MaterializeResult(metadata={"rows": rows, **{a: n for a, n in shares}})
