"""The one Dagster code location of qcm: it only assembles what the rooms define."""

from __future__ import annotations

import dagster as dg

from assets.bibliometric.assets import (
    PAGES_KEY,
    RAW_KEY,
    RAW_TABLES,
    openalex_files_readable,
    openalex_pages,
    openalex_quarantine_rate,
    openalex_raw,
)
from assets.classification.assets import (
    EVALUATION_KEY,
    TEXT_APPROACHES,
    WORK_APPROACHES_KEY,
    classifier_evaluation,
    work_approaches,
)
from assets.classification.grant_assets import GRANT_APPROACHES_KEY, grant_approaches
from assets.classification.patent_assets import PATENT_APPROACHES_KEY, patent_family_approaches
from assets.funding.assets import (
    CORDIS_FILES_KEY,
    NSF_PAGES_KEY,
    UKRI_PAGES_KEY,
    funding_files_readable,
    funding_quarantine_rate,
    funding_raw,
)
from assets.funding.assets import RAW_KEY as FUNDING_RAW_KEY
from assets.funding.assets import RAW_TABLES as FUNDING_RAW_TABLES
from assets.funding.live_assets import (
    REFRESH_KEY,
    REFRESH_TABLES,
    WORLD_BANK_PAGES_KEY,
    conversion_refresh,
    cordis_files,
    nsf_pages,
    ukri_pages,
    world_bank_pages,
)
from assets.patents.assets import RAW_KEY as PATENTS_RAW_KEY
from assets.patents.assets import RAW_TABLES as PATENT_RAW_TABLES
from assets.patents.assets import patents_files_readable, patents_quarantine_rate, patents_raw
from assets.patents.live_assets import (
    EPO_OPS_PAGES_KEY,
    PATENTSVIEW_PAGES_KEY,
    epo_ops_pages,
    patentsview_pages,
)
from assets.reference.assets import (
    PUBLICATION_SETTINGS,
    REFERENCE_KEY,
    REFERENCE_TABLES,
    reference_tables,
)
from assets.supply_chain.assets import RAW_KEY as SUPPLY_RAW_KEY
from assets.supply_chain.assets import RAW_TABLES as SUPPLY_RAW_TABLES
from assets.supply_chain.assets import (
    supply_chain_files_readable,
    supply_chain_quarantine_rate,
    supply_chain_raw,
)
from assets.supply_chain.live_assets import COMTRADE_PAGES_KEY, comtrade_pages
from assets.synthesis.assets import (
    SCORES_KEY,
    SCORES_TABLES,
    SETTINGS_KEY,
    SETTINGS_TABLES,
    synthesis_scores,
    synthesis_settings,
)
from assets.workforce.assets import RAW_KEY as AUTHORS_RAW_KEY
from assets.workforce.assets import RAW_TABLES as AUTHOR_RAW_TABLES
from assets.workforce.assets import (
    authors_files_readable,
    authors_quarantine_rate,
    openalex_authors_raw,
)
from assets.workforce.live_assets import (
    AUTHOR_PAGES_KEY,
    author_fetch_selection,
    openalex_author_pages,
)
from pipelines.checks import contract_checks
from pipelines.contracts import load_contracts
from pipelines.fetch_states import FETCH_STATES_KEY, FETCH_STATES_TABLES, fetch_states
from pipelines.meta_assets import DICTIONARY_KEY, RUNS_KEY, make_meta_assets
from pipelines.operations import (
    build_schedule,
    failed_run_report,
    refresh_schedules,
    with_freshness,
)
from pipelines.progress import progress_logger
from pipelines.push_asset import (
    BUILD_JOB,
    PUSHED_KEY,
    parquet_in_object_storage,
    push_after_build,
    push_job,
)
from pipelines.resources import QcmResource
from pipelines.settings import SQL_DIR
from pipelines.site_asset import site
from pipelines.sql_assets import build_sql_assets

PRODUCERS = (
    {t: REFERENCE_KEY for t in (*REFERENCE_TABLES, PUBLICATION_SETTINGS)}
    | {t: RAW_KEY for t in RAW_TABLES}
    | {t: PATENTS_RAW_KEY for t in PATENT_RAW_TABLES}
    | {t: FUNDING_RAW_KEY for t in FUNDING_RAW_TABLES}
    | {t: AUTHORS_RAW_KEY for t in AUTHOR_RAW_TABLES}
    | {t: SUPPLY_RAW_KEY for t in SUPPLY_RAW_TABLES}
    | {t: REFRESH_KEY for t in REFRESH_TABLES}
    | {t: SETTINGS_KEY for t in SETTINGS_TABLES}
    | {t: SCORES_KEY for t in SCORES_TABLES}
    | {t: FETCH_STATES_KEY for t in FETCH_STATES_TABLES}
    | {
        "core.work_approaches": WORK_APPROACHES_KEY,
        "core.patent_family_approaches": PATENT_APPROACHES_KEY,
        "core.grant_approaches": GRANT_APPROACHES_KEY,
        "meta.classifier_evaluation": EVALUATION_KEY,
    }
)

FUNDING_FETCHES = (
    ("nsf_fetch", NSF_PAGES_KEY, "Live only: fetch and land one start year of NSF awards."),
    ("ukri_fetch", UKRI_PAGES_KEY, "Live only: fetch and land one term of UKRI GtR projects."),
    (
        "cordis_fetch",
        CORDIS_FILES_KEY,
        "Live only: download and land one framework programme's CORDIS bulk archive.",
    ),
    (
        "world_bank_fetch",
        WORLD_BANK_PAGES_KEY,
        "Live only: fetch one World Bank indicator to refresh the conversion tables.",
    ),
)
FETCH_KEYS = (
    PAGES_KEY,
    AUTHOR_PAGES_KEY,
    PATENTSVIEW_PAGES_KEY,
    EPO_OPS_PAGES_KEY,
    COMTRADE_PAGES_KEY,
    *(key for _, key, _ in FUNDING_FETCHES),
)


def build_definitions(executor: dg.ExecutorDefinition | None = None) -> dg.Definitions:
    """Assemble assets, checks, jobs and schedules from every room.

    ``executor`` is the jobs' executor when launched by the UI, the daemon or
    ``dg.execute_job`` (Dagster's own default, in-process or multiprocess by run config,
    when None; the code location ``defs`` below runs in process, ``pipelines.cluster``
    passes the Kubernetes one).
    """
    contracts = load_contracts(SQL_DIR)
    sql_assets = build_sql_assets(SQL_DIR, PRODUCERS)
    final_keys = [a.key for a in sql_assets if a.key.path[0] in ("marts", "meta")] + [
        EVALUATION_KEY
    ]
    meta_assets = make_meta_assets(final_keys)
    # the tables each Python asset writes; its checks read the SQL tables by their lineage
    python_tables = (
        (REFERENCE_KEY, [*REFERENCE_TABLES, PUBLICATION_SETTINGS]),
        (RAW_KEY, RAW_TABLES),
        (PATENTS_RAW_KEY, PATENT_RAW_TABLES),
        (WORK_APPROACHES_KEY, ["core.work_approaches", TEXT_APPROACHES]),
        (PATENT_APPROACHES_KEY, ["core.patent_family_approaches"]),
        (FUNDING_RAW_KEY, FUNDING_RAW_TABLES),
        (REFRESH_KEY, REFRESH_TABLES),
        (AUTHORS_RAW_KEY, AUTHOR_RAW_TABLES),
        (SUPPLY_RAW_KEY, SUPPLY_RAW_TABLES),
        (GRANT_APPROACHES_KEY, ["core.grant_approaches"]),
        (EVALUATION_KEY, ["meta.classifier_evaluation"]),
        (SETTINGS_KEY, SETTINGS_TABLES),
        (FETCH_STATES_KEY, FETCH_STATES_TABLES),
        (SCORES_KEY, SCORES_TABLES),
        (RUNS_KEY, ["meta.runs"]),
        (DICTIONARY_KEY, ["meta.tables", "meta.columns"]),
    )
    sql_tables = frozenset(".".join(asset.key.path) for asset in sql_assets)
    checks = [
        *(contract_checks(key, tables, contracts, sql_tables) for key, tables in python_tables),
        openalex_files_readable,
        openalex_quarantine_rate,
        patents_files_readable,
        patents_quarantine_rate,
        funding_files_readable,
        funding_quarantine_rate,
        authors_files_readable,
        authors_quarantine_rate,
        supply_chain_files_readable,
        supply_chain_quarantine_rate,
    ]
    build_job = dg.define_asset_job(
        BUILD_JOB,
        selection=dg.AssetSelection.all() - dg.AssetSelection.assets(*FETCH_KEYS, PUSHED_KEY),
        description="Build everything from the mode's raw files and publish (the main job).",
    )
    fetch_job = dg.define_asset_job(
        "openalex_fetch",
        selection=dg.AssetSelection.assets(PAGES_KEY),
        description="Live only: fetch and land one publication year of OpenAlex works.",
    )
    author_fetch_job = dg.define_asset_job(
        "openalex_authors_fetch",
        selection=author_fetch_selection(),
        description="Live only: build staging.authorships from the landed works, then fetch "
        "and land the OpenAlex record of every author in it (batches of at most 100 ids).",
    )
    source_fetch_jobs = [
        dg.define_asset_job(
            "patentsview_fetch",
            selection=dg.AssetSelection.assets(PATENTSVIEW_PAGES_KEY),
            description="Live only: fetch and land one publication year of US quantum "
            "patents from PatentsView.",
        ),
        dg.define_asset_job(
            "epo_ops_fetch",
            selection=dg.AssetSelection.assets(EPO_OPS_PAGES_KEY),
            description="Live only: fetch and land one publication year of quantum patent "
            "documents and their families from EPO OPS.",
        ),
        *(
            dg.define_asset_job(name, selection=dg.AssetSelection.assets(key), description=text)
            for name, key, text in FUNDING_FETCHES
        ),
        dg.define_asset_job(
            "comtrade_fetch",
            selection=dg.AssetSelection.assets(COMTRADE_PAGES_KEY),
            description="Live only: fetch and land one trade year of UN Comtrade records of "
            "the reviewed HS component codes (one request per code; needs COMTRADE_API_KEY).",
        ),
    ]
    assets = [
        reference_tables,
        openalex_pages,
        openalex_raw,
        patentsview_pages,
        epo_ops_pages,
        patents_raw,
        work_approaches,
        patent_family_approaches,
        nsf_pages,
        ukri_pages,
        cordis_files,
        world_bank_pages,
        conversion_refresh,
        funding_raw,
        grant_approaches,
        openalex_author_pages,
        openalex_authors_raw,
        comtrade_pages,
        supply_chain_raw,
        classifier_evaluation,
        synthesis_settings,
        fetch_states,
        synthesis_scores,
        *sql_assets,
        *meta_assets,
        site,
        parquet_in_object_storage,
    ]
    return dg.Definitions(
        assets=[with_freshness(asset) for asset in assets],
        asset_checks=checks,
        jobs=[build_job, fetch_job, author_fetch_job, *source_fetch_jobs, push_job],
        schedules=[
            build_schedule(build_job.name),
            *refresh_schedules(
                [job.name for job in (fetch_job, author_fetch_job, *source_fetch_jobs)]
            ),
        ],
        sensors=[failed_run_report, push_after_build],
        resources={"qcm": QcmResource.from_env()},
        loggers={"console": dg.colored_console_logger, "progress": progress_logger},
        executor=executor,
    )


# launched by the UI, the daemon or a schedule, every step runs in the run's process, as
# `qcm build` does. Dagster's default would start a process per step, as many at a time as
# there are cores, though every step of the main job but the site waits for the one DuckDB
# writer (see MULTIPROCESS in pipelines/cli.py); `qcm build --executor multiprocess` runs
# the same job with the multiprocess executor (pipelines/build_job.py)
LOCATION_EXECUTOR = dg.in_process_executor
defs = build_definitions(executor=LOCATION_EXECUTOR)
