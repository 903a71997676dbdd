"""Live mode end to end for patents, against local mocks of PatentsView and EPO OPS.

The build is the one live build of ``live_services`` (conftest), which also calls the
funding and trade services for ``test_funding_live_build``; OpenAlex and the authors are
read from one-page folders. The mocks answer in the services' real formats; every
credential is a canary that must appear nowhere the run wrote.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb
import pytest

from tests.integration.conftest import LiveServices, run_cli, tiny_source
from tests.mock_server import MockServer, Reply
from tests.patent_bodies import epodoc_applicants, exchange_document, ops_search, pv_page, pv_patent

# on the worker that makes the live build the funding tests read too (pytest-xdist)
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("live_services")]
YEAR = 2021
CANARIES = {
    "PATENTSVIEW_API_KEY": "canary-pv-3c9a1e77",
    "EPO_OPS_KEY": "canary-opskey-81d2f0",
    "EPO_OPS_SECRET": "canary-opssecret-44b7aa",
}
TOKEN = "canary-token-90e1c3"
XML = {"Content-Type": "application/xml"}
# PatentsView's first answer: a server error as an HTML page (the client retries it)
HTML_500 = Reply(
    500,
    "<!doctype html><html><title>Server Error (500)</title></html>",
    {"Content-Type": "text/html"},
)
NO_RESULTS = Reply(
    404,
    '<fault xmlns="http://ops.epo.org"><code>SERVER.EntityNotFound</code>'
    "<message>No results found</message></fault>",
    XML,
)
EP_DOC = exchange_document(
    applicants=epodoc_applicants("QUBIT LABS OY [FI]", "NORTH UNIV [SE]"),
    cpc=("G06N10/40",),
    number="4100001",
    family="9001",
    priority="20200110",
    title="Spin qubit array in silicon",
    abstract="A silicon quantum dot spin qubit array.",
)
FAMILY = (
    '<?xml version="1.0" encoding="UTF-8"?><ops:world-patent-data '
    'xmlns="http://www.epo.org/exchange" xmlns:ops="http://ops.epo.org">'
    '<ops:patent-family legal="false" total-result-count="2">'
    + "".join(
        f'<ops:family-member family-id="9001"><publication-reference><document-id '
        f'document-id-type="docdb"><country>{cc}</country><doc-number>{nr}</doc-number>'
        f"<kind>A1</kind><date>20210701</date></document-id></publication-reference>"
        '<priority-claim sequence="1"><document-id document-id-type="docdb"><country>FI'
        "</country><doc-number>20205001</doc-number><date>20200110</date></document-id>"
        "</priority-claim></ops:family-member>"
        for cc, nr in (("EP", "4100001"), ("WO", "2021123456"))
    )
    + "</ops:patent-family></ops:world-patent-data>"
)


def ops_replies() -> list[Reply]:
    """Token; counts of the two groups of live codes (2, then none); the page; the family."""
    return [
        Reply(200, {"access_token": TOKEN, "token_type": "BearerToken", "expires_in": "1199"}),
        Reply(200, ops_search(EP_DOC, total=2), XML),
        NO_RESULTS,
        Reply(200, ops_search(EP_DOC, total=1), XML),
        Reply(200, FAMILY, XML),
    ]


def pv_replies(first: Reply | None = None) -> list[Reply]:
    """One grant on the patent endpoint (after an optional first reply), no publications."""
    grant = pv_patent(
        patent_id="11300001",
        patent_title="Quantum key distribution transmitter",
        patent_abstract="A transmitter for quantum key distribution.",
        patent_date="2021-08-03",
        foreign_priority=[],
        application=[{"application_id": "17/000001", "filing_date": "2020-02-02"}],
        cpc_current=[{"cpc_group_id": "H04L9/0852"}],
        assignees=[
            {"assignee_type": "2", "assignee_organization": "KEY INC", "assignee_country": "US"}
        ],
    )
    replies = [Reply(200, pv_page(grant)), Reply(200, pv_page(key="publications"))]
    return ([first] if first else []) + replies


def test_live_patents_land_parse_publish_and_leak_no_credential(
    live_services: LiveServices,
) -> None:
    output = live_services.output
    assert live_services.code == 0, output
    assert live_services.unused == 0
    pv_seen, ops_seen = live_services.requests["patentsview"], live_services.requests["epo_ops"]
    assert live_services.paces  # the clients spaced their requests (without waiting here)
    # PatentsView: POSTed JSON queries with the key in its header only; the 500 was retried
    assert [r.path for r in pv_seen] == ["/patent/", "/patent/", "/publication/"]
    assert all(r.headers.get("X-Api-Key") == CANARIES["PATENTSVIEW_API_KEY"] for r in pv_seen)
    assert json.loads(pv_seen[0].body)["q"]["_and"][0] == {"_gte": {"patent_date": "2021-01-01"}}
    # OPS: a token, then bearer-authorised searches and the family
    assert ops_seen[0].path.endswith("/auth/accesstoken")
    assert all(r.headers.get("Authorization") == f"Bearer {TOKEN}" for r in ops_seen[1:])

    con = duckdb.connect(str(live_services.folder / "out" / "qcm.duckdb"), read_only=True)
    families = con.execute(
        "select family_id, offices, is_international, data_kind from marts.patent_families "
        "order by 1"
    ).fetchall()
    assert families == [
        ("9001", ["EP", "WO"], True, "live"),
        ("US-APP-17000001", ["US"], False, "live"),
    ]
    kinds = con.execute("select data_kind from meta.runs").fetchone()[0]
    assert kinds == "directory, live"
    con.close()

    # no credential or token anywhere: output, landing zone, state, Dagster logs, database, site
    secrets = [*CANARIES.values(), TOKEN]
    assert not any(s in output for s in secrets)
    for path in live_services.folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".gz":
                data = gzip.decompress(data)
            for secret in secrets:
                assert secret.encode() not in data, (secret, path)


@pytest.mark.usefixtures("paces")
def test_a_missing_credential_stops_the_live_build_with_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EPO_OPS_SECRET", raising=False)
    with MockServer(pv_replies()) as pv:
        for name, value in CANARIES.items():
            if name != "EPO_OPS_SECRET":
                monkeypatch.setenv(name, value)
        monkeypatch.setenv("PATENTSVIEW_API_URL", pv.url)
        args = ["build", "--mode", "live", "--years", str(YEAR), "--source-dir"]
        args += [tiny_source(tmp_path, "openalex"), "--out", str(tmp_path / "out")]
        args += ["--source-dir", tiny_source(tmp_path, "funding")]
        args += ["--source-dir", tiny_source(tmp_path, "openalex_authors")]
        args += ["--source-dir", tiny_source(tmp_path, "supply_chain")]
        code, output = run_cli([*args, "--state", str(tmp_path / "state")], monkeypatch)
    assert code == 1
    assert "EPO_OPS_SECRET is not set" in output
    assert "fetching EPO OPS 2021 did not finish; nothing was published" in output
    assert not (tmp_path / "out" / "qcm.duckdb").exists()
