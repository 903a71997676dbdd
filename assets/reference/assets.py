"""The reference-tables asset: loads every reviewed reference file into ``ref.*``, and the
run's publication settings into ``ref.publication_settings``."""

import dagster as dg
import polars as pl

from assets.reference.tables import reference_frames
from pipelines.db import replace_table
from pipelines.resources import QcmResource

REFERENCE_KEY = dg.AssetKey(["ref", "reference_tables"])
REFERENCE_TABLES = (
    "ref.countries",
    "ref.historical_country_codes",
    "ref.blocs",
    "ref.bloc_memberships",
    "ref.approaches",
    "ref.classification_rules",
    "ref.classification_eval",
    "ref.openalex_quantum_topics",
    "ref.methods",
    "ref.indicators",
    "ref.patent_cpc_map",
    "ref.patent_applicant_type_rules",
    "ref.patent_name_words",
    "ref.patentsview_assignee_types",
    "ref.funding_programmes",
    "ref.fx_rates",
    "ref.economic_indicators",
    "ref.currencies",
    "ref.eu_country_codes",
    "ref.hs_codes",
    "ref.supply_components",
    "ref.suppliers",
    "ref.export_controls",
    "ref.competitor_sets",
    "ref.milestones",
    "ref.milestone_metrics",
)
# not reviewed: what this run's settings say a release does (``pipelines.settings``)
PUBLICATION_SETTINGS = "ref.publication_settings"
SMALL_NUMBERS_MEANING = {
    "flag": "a value resting on fewer records than meta.methods small_n_threshold is "
    "published with its numbers and small_n true",
    "suppress": "a value resting on fewer records than meta.methods small_n_threshold is "
    "published with small_n true and without its numbers (value, numerator, denominator, "
    "interval and record counts empty); the dashboards leave it out",
}


def publication_settings(small_numbers: str) -> pl.DataFrame:
    """The rows of ``ref.publication_settings`` for a run whose small numbers are
    ``small_numbers`` (``flag`` or ``suppress``): key, value, description."""
    return pl.DataFrame(
        {
            "key": ["small_numbers"],
            "value": [small_numbers],
            "description": [
                f"What a release does with small numbers (QCM_SMALL_NUMBERS, qcm build "
                f"--small-numbers; flag or suppress): {SMALL_NUMBERS_MEANING[small_numbers]}"
            ],
        }
    )


@dg.asset(
    key=REFERENCE_KEY,
    group_name="reference",
    kinds={"duckdb", "csv"},
    pool="duckdb",
    description="Reviewed reference tables (countries, blocs, approaches, classification "
    "rules and evaluation set, indicator definitions, methods, the patent CPC map and "
    "applicant-type rules, national quantum programmes, exchange rates and economic "
    "indicators, the HS trade code map, the supplier registry, export controls and "
    "competitor sets, and the hardware milestone registry) loaded into the ref schema, with "
    "the run's publication settings (whether small numbers are flagged or suppressed).",
)
def reference_tables(context: dg.AssetExecutionContext, qcm: QcmResource) -> dg.MaterializeResult:
    """Replace every ``ref.*`` table with the reviewed files' current contents, and
    ``ref.publication_settings`` with the run's."""
    frames = reference_frames()
    counts = {}
    with qcm.connect() as con:
        for table in REFERENCE_TABLES:
            counts[table] = replace_table(con, table, frames[table])
        counts[PUBLICATION_SETTINGS] = replace_table(
            con, PUBLICATION_SETTINGS, publication_settings(qcm.settings.small_numbers)
        )
    context.log.info("reference tables: " + ", ".join(f"{t} {n}" for t, n in counts.items()))
    return dg.MaterializeResult(metadata={t: n for t, n in counts.items()})
