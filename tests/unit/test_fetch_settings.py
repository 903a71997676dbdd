"""A fetch step whose client refuses a setting fails at once, named, and is not retried.

The fetch assets carry a retry policy (two more attempts, one and two minutes apart) for
failures that may pass. A key or a contact address that cannot travel in an HTTP header,
or a page size out of range, cannot pass: the step must fail on its first attempt, naming
the variable to mend and never its value.
"""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from assets.bibliometric.assets import openalex_pages
from assets.funding.live_assets import world_bank_pages
from assets.patents.live_assets import epo_ops_pages, patentsview_pages
from assets.supply_chain.live_assets import comtrade_pages
from pipelines.live_fetch import REFETCH_TAG, fetch_afresh
from pipelines.resources import QcmResource

pytestmark = pytest.mark.unit

SETTINGS = {
    "openalex e-mail outside ASCII": (
        openalex_pages,
        {"OPENALEX_API_KEY": "key123", "OPENALEX_EMAIL": "analyste@ministère.fr"},
        "OPENALEX_EMAIL",
        "ministère",
    ),
    "openalex page size over the API's 200": (
        openalex_pages,
        {"OPENALEX_API_KEY": "key123", "OPENALEX_PER_PAGE": "500"},
        "per_page must be 1 to 200",
        "key123",
    ),
    "patentsview key outside ASCII": (
        patentsview_pages,
        {"PATENTSVIEW_API_KEY": "clé-secrète"},
        "PATENTSVIEW_API_KEY",
        "clé-secrète",
    ),
    "comtrade key outside ASCII": (
        comtrade_pages,
        {"COMTRADE_API_KEY": "schlüssel"},
        "COMTRADE_API_KEY",
        "schlüssel",
    ),
}


@pytest.mark.parametrize("case", SETTINGS, ids=list(SETTINGS))
def test_a_refused_setting_fails_the_step_once_without_retry(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asset, environment, named, withheld = SETTINGS[case]
    for variable in ("OPENALEX_EMAIL", "OPENALEX_PER_PAGE"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    qcm = QcmResource(mode="live", out_dir=str(tmp_path / "out"), state_dir=str(tmp_path / "s"))
    instance = dg.DagsterInstance.ephemeral()
    with pytest.raises(dg.Failure) as caught:
        dg.materialize([asset], resources={"qcm": qcm}, partition_key="2020", instance=instance)
    assert named in str(caught.value) and withheld not in str(caught.value)
    assert not caught.value.allow_retries
    # one attempt: the step started once and was never put up for retry
    run_id = instance.get_run_records()[0].dagster_run.run_id
    kinds = [
        e.dagster_event.event_type_value for e in instance.all_logs(run_id) if e.is_dagster_event
    ]
    assert kinds.count("STEP_START") == 1 and "STEP_UP_FOR_RETRY" not in kinds


def test_a_fetch_that_refuses_a_reviewed_code_fails_once_without_retry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a malformed CPC code of the reviewed map, a country code a World Bank request cannot
    # carry: the fetch refuses it before any request, and trying again cannot help
    monkeypatch.setenv("EPO_OPS_KEY", "key")
    monkeypatch.setenv("EPO_OPS_SECRET", "secret")
    monkeypatch.setattr(
        "assets.patents.live_assets.patent_live_query_codes", lambda: ["H04L 9/08 x"]
    )
    programmes = pl.DataFrame({"country_iso3": ["usa"]})
    monkeypatch.setattr("assets.funding.live_assets.read_csv", lambda name: programmes)
    qcm = QcmResource(mode="live", out_dir=str(tmp_path / "out"), state_dir=str(tmp_path / "s"))
    for asset, partition, named in (
        (epo_ops_pages, "2020", "'H04L 9/08 x' is not a CPC code"),
        (world_bank_pages, "NY.GDP.MKTP.CD", "country codes must be 3 capital letters"),
    ):
        instance = dg.DagsterInstance.ephemeral()
        with pytest.raises(dg.Failure, match=re.escape(named)) as caught:
            dg.materialize(
                [asset], resources={"qcm": qcm}, partition_key=partition, instance=instance
            )
        assert not caught.value.allow_retries
        run_id = instance.get_run_records()[0].dagster_run.run_id
        kinds = [
            e.dagster_event.event_type_value
            for e in instance.all_logs(run_id)
            if e.is_dagster_event
        ]
        assert kinds.count("STEP_START") == 1 and "STEP_UP_FOR_RETRY" not in kinds


SEEN: list[bool] = []  # what the probe's runs decided


@dg.asset
def probe(context, qcm: QcmResource) -> None:
    """Whether this run's fetches would start afresh (``context`` unannotated: Dagster
    refuses the annotation this module's postponed annotations turn into text)."""
    SEEN.append(fetch_afresh(context, qcm.settings))


@dg.asset(retry_policy=dg.RetryPolicy(max_retries=1))
def flaky_probe(context, qcm: QcmResource) -> None:
    """As ``probe``, failing its first attempt (a fetch that gave up on a passing fault)."""
    SEEN.append(fetch_afresh(context, qcm.settings))
    if context.retry_number == 0:
        raise RuntimeError("no answer")


def test_a_run_tagged_to_refetch_starts_its_fetches_afresh(tmp_path: Path) -> None:
    # the UI's Launchpad (tag qcm/refetch = 1), as qcm build --refetch
    SEEN.clear()
    for tags, refetch in (({}, False), ({REFETCH_TAG: "1"}, False), ({}, True)):
        qcm = QcmResource(
            out_dir=str(tmp_path / "out"), state_dir=str(tmp_path / "s"), refetch=refetch
        )
        dg.materialize(
            [probe], resources={"qcm": qcm}, tags=tags, instance=dg.DagsterInstance.ephemeral()
        )
    assert SEEN == [False, True, True]
    # a retry of the step resumes what its fresh start landed
    SEEN.clear()
    qcm = QcmResource(out_dir=str(tmp_path / "out"), state_dir=str(tmp_path / "s"))
    dg.materialize(
        [flaky_probe],
        resources={"qcm": qcm},
        tags={REFETCH_TAG: "1"},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert SEEN == [True, False]
