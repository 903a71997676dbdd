"""The README's first command, end to end: `qcm build` on the embedded synthetic sample."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from dashboards.families import FAMILIES
from pipelines.provenance import code_commit

# one worker builds the shared sample once and runs every test that reads it (pytest-xdist)
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("sample")]
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(sample: tuple[Path, str]) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(sample[0] / "out" / "qcm.duckdb"), read_only=True)
    yield connection
    connection.close()


def test_summary_names_counts_quarantine_and_where_to_look(sample: tuple[Path, str]) -> None:
    tmp, output = sample
    assert "SYNTHETIC" in output
    assert re.search(
        r"openalex: +[\d,]+ work records from \d+ files -> [\d,]+ works in scope", output
    )
    assert re.search(
        r"funding: +[\d,]+ grant records from \d+ files -> [\d,]+ quantum grants in scope; "
        r"\d+ of \d+ counted programme figures in the yearly series, \d+ of them as "
        r"conversion gaps without an exchange rate \(\d+ countries and the EU",
        output,
    )
    assert "quarantined:" in output and "invalid_country_code" in output
    assert str(tmp / "out" / "qcm.duckdb") in output
    assert (tmp / "out" / "parquet" / "publication_indicators.parquet").exists()
    assert not (tmp / "out" / "raw").exists() and (tmp / "state" / "work" / "qcm.duckdb").exists()


def test_the_sample_is_rich_and_labelled_synthetic(db: duckdb.DuckDBPyConnection) -> None:
    kinds = db.execute("select distinct data_kind from marts.publication_indicators").fetchall()
    assert kinds == [("synthetic sample",)]
    assert db.execute("select data_kind from meta.runs").fetchall() == [("synthetic sample",)]
    # the run names the code and the reference rows it was built with
    commit, modified, reference = db.execute(
        "select code_commit, code_modified, reference_sha256 from meta.runs"
    ).fetchone()
    assert (commit, modified) == code_commit()[:2] and re.fullmatch("[0-9a-f]{64}", reference)
    works, countries, first, last = db.execute(
        "select count(distinct work_id), count(distinct country_iso3), min(publication_year), "
        "max(publication_year) from marts.work_country_fractions"
    ).fetchone()
    assert works > 5000 and countries >= 30 and first <= 2010 and last >= 2025
    approaches = {
        r[0] for r in db.execute("select distinct approach from marts.work_approaches").fetchall()
    }
    taxonomy = {r[0] for r in db.execute("select approach from marts.approaches").fetchall()}
    assert approaches == taxonomy
    reasons = {r[0] for r in db.execute("select distinct reason from meta.quarantine").fetchall()}
    assert {
        "invalid_country_code",
        "historical_country_code",
        "missing_id",
        "not_an_object",
    } <= reasons
    assert (
        db.execute(
            "select count(*) from marts.work_country_fractions where country_iso3 = 'ZZZ'"
        ).fetchone()[0]
        > 0
    )


def test_the_reviewed_tables_are_labelled_reviewed_in_a_sample_build(
    sample: tuple[Path, str], db: duckdb.DuckDBPyConnection
) -> None:
    # the milestone registry and its frontier are real, sourced facts in every build, and
    # so are the programme figures at the committed exchange rates (the World Bank is not
    # fetched in a sample build); the works, and what reads a reviewed table with them,
    # are the sample's
    kinds = dict(
        db.execute(
            "select table_name, data_kind from meta.tables where table_name in "
            "('marts.milestones', 'marts.capability_frontier', 'marts.countries', "
            "'marts.work_approaches', 'marts.funding_programmes', 'meta.runs', "
            "'marts.capability_long')"
        ).fetchall()
    )
    assert kinds == {
        "marts.milestones": "reviewed reference table",
        "marts.capability_frontier": "reviewed reference table",
        "marts.countries": "reviewed reference table",
        "marts.work_approaches": "synthetic sample",
        "marts.funding_programmes": "reviewed reference table",
        "meta.runs": "synthetic sample",
        "marts.capability_long": "reviewed reference table",
    }
    reviewed = db.execute(
        "select count(*) from meta.tables where data_kind = 'reviewed reference table'"
    ).fetchone()
    assert reviewed == (28,)  # as the README says
    folder = sample[0] / "out" / "parquet"
    for name, kind in (("milestones", "reviewed reference table"), ("grants", "synthetic sample")):
        metadata = dict(
            duckdb.sql(
                "select key::varchar, value::varchar from "
                f"parquet_kv_metadata('{folder / name}.parquet')"
            ).fetchall()
        )
        assert metadata["qcm_data_kind"] == kind, name


def test_every_published_table_and_column_is_documented(db: duckdb.DuckDBPyConnection) -> None:
    published = {
        r[0]
        for r in db.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
        ).fetchall()
    }
    documented = {r[0] for r in db.execute("select table_name from meta.tables").fetchall()}
    assert published == documented
    undocumented = db.execute(
        "select c.table_schema || '.' || c.table_name, c.column_name "
        "from information_schema.columns c "
        "left join meta.columns m on m.table_name = c.table_schema || '.' || c.table_name "
        "and m.column_name = c.column_name where m.description is null"
    ).fetchall()
    assert undocumented == []
    # every defined indicator has rows in the union of the long views, and nothing else does
    indicators = {
        r[0] for r in db.execute("select distinct indicator from marts.indicators_long").fetchall()
    }
    defined = {
        r[0]
        for r in db.execute(
            "select indicator from meta.indicators where published_in is null"
        ).fetchall()
    }
    assert indicators == defined
    # the capability family's indicators are columns of its marts, not rows
    capability = {
        r[0]
        for r in db.execute(
            "select indicator from meta.indicators where family = 'capability'"
        ).fetchall()
    }
    columns = {
        r[0]
        for r in db.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name like 'capability%'"
        ).fetchall()
    }
    assert capability == {"best_value", "distance_log10", "within_reach", "countries_within_reach"}
    assert capability <= columns


def test_every_indicator_row_names_the_snapshots_of_its_sources(
    db: duckdb.DuckDBPyConnection,
) -> None:
    # a raw source's id: its name and a SHA-256 over the checksums of the files it read
    # records from, in file order, computed here by hand from meta.source_files
    files: dict[str, list[str]] = {}
    for source, checksum in db.execute(
        "select source, source_sha256 from meta.source_files where status = 'read' "
        "order by source, source_file"
    ).fetchall():
        files.setdefault(source, []).append(checksum)
    snapshots = dict(db.execute("select source, snapshot from meta.source_snapshots").fetchall())
    for source, checksums in files.items():
        digest = hashlib.sha256(",".join(checksums).encode()).hexdigest()
        assert snapshots[source] == f"{source}@{digest[:12]}"
    # a published table's: over its rows, as a reader of the file can compute it
    tables = {s for s in snapshots if s.startswith("marts.")}
    assert tables == {
        "marts.funding_programmes", "marts.fx_rates", "marts.economic_indicators",
        "marts.milestones",
    }  # fmt: skip
    assert set(snapshots) == set(files) | tables
    # (the programme figures without their conversions, the rates without the dollar's)
    conversions = (
        "units_per_usd, usd_nominal_at_price_year, counted_usd_nominal, counted_usd_constant, "
        "counted_ppp_dollars, usd_per_year, price_level_year, problem, problem_detail, counted"
    )
    as_given = {
        "marts.funding_programmes": (
            f"select * exclude ({conversions}) from marts.funding_programmes"
        ),
        "marts.fx_rates": "select * from marts.fx_rates where currency <> 'USD'",
        "marts.economic_indicators": "select * from marts.economic_indicators",
        "marts.milestones": "select * from marts.milestones",
    }
    for table, rows in as_given.items():
        texts = sorted(r[0] for r in db.execute(f"select t::varchar from ({rows}) as t").fetchall())
        digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()
        assert snapshots[table] == f"{table}@{digest[:12]}"

    def sources(family: str, variant_like: str = "%") -> set[str]:
        """The sources the rows of ``family`` (and variant) name, each row the same."""
        named = db.execute(
            "select distinct source_snapshot from marts.indicators_long "
            "where family = ? and variant like ?",
            [family, variant_like],
        ).fetchall()
        assert len(named) == 1, (family, variant_like, named)
        ids = named[0][0].split(", ")
        assert set(ids) <= set(snapshots.values())
        return {i.split("@")[0] for i in ids}

    assert db.execute(
        "select count(*) from marts.indicators_long where source_snapshot is null"
    ).fetchone() == (0,)
    assert sources("publications") == {"openalex"}
    assert sources("patents") == {"epo_ops", "patentsview"}
    assert sources("workforce") == {"openalex", "openalex_authors"}
    assert sources("supply_chain") == {"comtrade"}
    assert sources("capability") == {"marts.milestones"}
    conversions = {"marts.fx_rates", "marts.economic_indicators"}
    assert sources("funding", "%funder_scope=nsf") == {"nsf", *conversions}
    assert sources("funding", "%grants; funder_scope=all") == {
        "nsf",
        "ukri",
        "cordis",
        *conversions,
    }
    assert sources("funding", "%programmes%") == {"marts.funding_programmes", *conversions}
    # research security: each channel its own records
    channels = dict(
        db.execute(
            "select distinct indicator, source_snapshot from marts.indicators_long "
            "where family = 'security'"
        ).fetchall()
    )
    assert channels["coauthorship_concern_share"] == snapshots["openalex"]
    assert channels["copatent_concern_share"] == ", ".join(
        [snapshots["epo_ops"], snapshots["patentsview"]]
    )
    # the synthesis: a family's row its family's sources, a composite its families'
    assert sources("synthesis", "family=publications") == {"openalex"}
    # funding scores the programmes for the whole field, the grants for an approach
    funding = dict(
        db.execute(
            "select distinct approach = 'all', source_snapshot from marts.synthesis_scores "
            "where family = 'funding'"
        ).fetchall()
    )
    assert {i.split("@")[0] for i in funding[True].split(", ")} == {
        "marts.funding_programmes",
        *conversions,
    }
    assert {i.split("@")[0] for i in funding[False].split(", ")} == {
        "nsf",
        "ukri",
        "cordis",
        *conversions,
    }
    composite = db.execute(
        "select distinct source_snapshot from marts.synthesis_scores "
        "where family = 'composite' and families = 'publications,workforce'"
    ).fetchall()
    assert composite == [(", ".join([snapshots["openalex"], snapshots["openalex_authors"]]),)]


def test_classifier_figures_are_stored_with_the_version(db: duckdb.DuckDBPyConnection) -> None:
    rows = db.execute(
        "select approach, precision, recall, classifier_version from meta.classifier_evaluation"
    ).fetchall()
    assert len(rows) == 19
    version = db.execute(
        "select value from meta.methods where key = 'classifier_version'"
    ).fetchone()[0]
    assert {r[3] for r in rows} == {version}


def test_readme_sql_examples_run_as_written(db: duckdb.DuckDBPyConnection) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sql\n(.*?)```", readme, flags=re.S)
    assert len(blocks) >= 5
    for block in blocks:
        assert db.execute(block).fetchall(), block


def test_notebook_runs_against_the_published_file(
    sample: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    notebook = json.loads(
        (REPO / "notebooks" / "explore_published_database.ipynb").read_text(encoding="utf-8")
    )
    monkeypatch.setenv("QCM_DB", str(sample[0] / "out" / "qcm.duckdb"))
    namespace: dict = {}
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            # outputs are stripped in git: the notebook is run here, not stored run
            assert cell["outputs"] == [] and cell["execution_count"] is None
            exec("".join(cell["source"]), namespace)


def test_the_methods_page_sql_runs_on_the_published_file(db: duckdb.DuckDBPyConnection) -> None:
    for family in FAMILIES:
        rows = db.execute(family.reproduce_sql()).fetchall()
        assert rows and all(r[2] is not None for r in rows)


def test_the_patent_sample_ranks_countries_differently_by_family_scope(
    db: duckdb.DuckDBPyConnection,
) -> None:
    families, international, kinds = db.execute(
        "select count(*), count(*) filter (where is_international), "
        "string_agg(distinct data_kind, ', ') from marts.patent_families"
    ).fetchone()
    assert families > 1500 and 0 < international < families
    assert kinds == "synthetic sample"
    leaders = dict(
        db.execute(
            "select family_scope, arg_max(entity_code, total) from ("
            "  select family_scope, entity_code, sum(value) as total from marts.patent_indicators"
            "  where entity_type = 'country' and approach = 'all' and counting = 'applicant'"
            "  and indicator = 'patent_families_fractional' group by all) group by 1"
        ).fetchall()
    )
    # as in the published trackers: China leads all families, the US international ones
    assert leaders == {"all": "CHN", "international": "USA"}
    reasons = {
        r[0]
        for r in db.execute(
            "select reason from meta.quarantine where source in ('epo_ops', 'patentsview')"
        ).fetchall()
    }
    assert {"invalid_cpc_code", "withdrawn_patent", "invalid_country_code"} <= reasons
    assert {"historical_country_code", "missing_id"} <= reasons


def test_funding_keeps_real_programmes_apart_from_synthetic_grants(
    db: duckdb.DuckDBPyConnection,
) -> None:
    kinds = dict(
        db.execute(
            "select funding_kind, string_agg(distinct data_kind, ', ') "
            "from marts.funding_indicators group by 1"
        ).fetchall()
    )
    assert kinds == {"programmes": "reviewed reference table", "grants": "synthetic sample"}
    counted = db.execute(
        "select count(distinct country_iso3) filter (where country_iso3 <> 'EUU'), "
        "bool_or(country_iso3 = 'EUU') from marts.funding_programmes where status = 'counted'"
    ).fetchone()
    assert counted[0] >= 25 and counted[1]
    # every counted figure that is not in the yearly sums says why, and is quarantined
    unexplained = db.execute(
        "select row_id from marts.funding_programmes "
        "where status = 'counted' and not counted and problem is null"
    ).fetchall()
    assert unexplained == []
    quarantined = db.execute(
        "select count(*) from meta.quarantine where source = 'programmes'"
    ).fetchone()[0]
    with_problem = db.execute(
        "select count(*) from marts.funding_programmes "
        "where status = 'counted' and problem is not null"
    ).fetchone()[0]
    assert quarantined == with_problem > 0
    # a figure without a rate stays in the series as a conversion gap (fund-1.4), which
    # the world's row then names
    gaps = db.execute(
        "select bool_and(counted), count(*) from marts.funding_programmes "
        "where status = 'counted' and problem = 'no_fx_rate'"
    ).fetchone()
    assert gaps[0] and gaps[1] > 0
    world_gaps = db.execute(
        "select max(conversion_gaps) from marts.funding_indicators "
        "where entity_code = 'WLD' and indicator = 'commitment_usd'"
    ).fetchone()[0]
    assert world_gaps > 0
    # money in a currency with no rate for its year is quarantined naming both, never
    # taken as dollars
    no_rate = db.execute(
        "select detail from meta.quarantine where reason = 'no_fx_rate'"
    ).fetchall()
    assert no_rate and all(
        re.match(r"[A-Z]{3} has no exchange rate for \d{4} in ref\.fx_rates", detail)
        for (detail,) in no_rate
    ), no_rate
    # grant money of a country equals the sum over its grants' fractions
    usa = db.execute(
        "select sum(value) from marts.funding_indicators where entity_code = 'USA' "
        "and indicator = 'grant_funding_usd' and approach = 'all' and funder_scope = 'all'"
    ).fetchone()[0]
    audit = db.execute(
        "select sum(g.usd_nominal * f.fraction) from marts.grants g "
        "join marts.grant_country_fractions f using (grant_key) where f.country_iso3 = 'USA'"
    ).fetchone()[0]
    assert usa == pytest.approx(audit)
    services = {r[0] for r in db.execute("select distinct service from marts.grants").fetchall()}
    assert services == {"nsf", "ukri", "cordis"}


def test_the_shell_and_python_read_the_published_file_at_once(
    db: duckdb.DuckDBPyConnection, sample: tuple[Path, str]
) -> None:
    """The DuckDB command-line shell (the duckdb-cli package, same major version as the
    Python package) opens the published file read-only while Python holds it open."""
    shell = Path(sys.executable).parent / "duckdb"
    assert shell.exists(), "the duckdb-cli package is a dependency: `uv sync` installs it"
    published = sample[0] / "out" / "qcm.duckdb"
    tables = db.execute("select count(*) from meta.tables").fetchone()[0]
    result = subprocess.run(
        [str(shell), "-readonly", "-csv", "-noheader", str(published), "-c",
         "select count(*) from meta.tables"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) == tables
    version = subprocess.run(
        [str(shell), "--version"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert version.split(".")[0].lstrip("v") == duckdb.__version__.split(".")[0]
    # Python still reads while and after the shell had the file open
    assert db.execute("select count(*) from meta.tables").fetchone()[0] == tables


def test_the_parquet_folder_has_a_readme_of_every_file(sample: tuple[Path, str]) -> None:
    folder = sample[0] / "out" / "parquet"
    readme = (folder / "README.md").read_text(encoding="utf-8")
    for path in folder.glob("*.parquet"):
        assert f"## {path.name}" in readme, path.name
    assert "| `indicator` | VARCHAR |" in readme
    # the ids the files' source_snapshot columns name are listed, whole checksums beside
    with duckdb.connect(str(sample[0] / "out" / "qcm.duckdb"), read_only=True) as db:
        snapshots = db.execute("select snapshot, sha256 from meta.source_snapshots").fetchall()
    assert snapshots and all(f"| `{s}` |" in readme and f"`{h}` |" in readme for s, h in snapshots)
