"""The benchmark sums each step of a run into the right stage of the works' pipeline."""

import pytest

from pipelines.pipeline_benchmark import STAGES, stage_table, works_lineage

pytestmark = pytest.mark.unit


def test_steps_are_summed_into_the_stages_of_the_goal_and_the_rest_beside_them() -> None:
    lineage = works_lineage()
    steps = {
        "raw__openalex": 60.0,
        "core__work_approaches": 15.0,
        "staging__works": 3.0,
        "indicators__workforce_flows": 16.0,
        "marts__publication_indicators": 2.0,
        "marts__publication_indicators_contract_marts__publication_indicators": 0.5,
        "published": 8.0,
        "site": 21.0,
        "indicators__synthesis_scores": 44.0,
        "raw__patents": 4.0,
    }
    stages = stage_table(steps, lineage)
    assert stages == {
        "ingest": 60.0,
        "classification": 15.0,
        "core tables": 3.0,
        "indicators": 16.0,
        "marts and meta": 2.0,
        "contract checks": 0.5,
        "publish": 8.0,
        "dashboards": 21.0,
        "synthesis": 44.0,
        "other sources": 4.0,
    }
    # the dashboards and the bootstrap are reported beside the works' pipeline, not in it
    assert "dashboards" not in STAGES and "synthesis" not in STAGES
    assert set(STAGES) <= set(stages)
