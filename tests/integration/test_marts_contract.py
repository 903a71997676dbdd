"""The researchers' contract in the published database of the sample build: every column
of every published table and view is described, the long views share their columns and
hold every indicator, their Wilson intervals are right, and the views open in Python, the
DuckDB shell and Parquet."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

# one worker builds the shared sample once and runs every test that reads it (pytest-xdist)
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("sample")]
REPO = Path(__file__).resolve().parents[2]
FAMILY_VIEWS = {
    "publications": "publications_long",
    "patents": "patents_long",
    "funding": "funding_long",
    "workforce": "workforce_long",
    "supply_chain": "supply_chain_long",
    "capability": "capability_long",
    "security": "security_long",
    "synthesis": "synthesis_long",
}


@pytest.fixture
def db(sample: tuple[Path, str]) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(sample[0] / "out" / "qcm.duckdb"), read_only=True)
    yield connection
    connection.close()


def test_every_column_of_every_published_table_and_view_is_described(
    db: duckdb.DuckDBPyConnection,
) -> None:
    objects = dict(
        db.execute(
            "select table_schema || '.' || table_name, table_type from information_schema.tables"
        ).fetchall()
    )
    views = {name for name, kind in objects.items() if kind == "VIEW"}
    assert {f"marts.{v}" for v in FAMILY_VIEWS.values()} | {
        "marts.indicators_long",
        "marts.country_headlines_wide",
    } <= views
    assert {name.split(".")[0] for name in objects} == {"marts", "meta"}
    described = {r[0] for r in db.execute("select table_name from meta.tables").fetchall()}
    assert set(objects) == described
    undescribed = db.execute(
        "select c.table_schema || '.' || c.table_name, c.column_name "
        "from information_schema.columns as c "
        "left join meta.columns as m on m.table_name = c.table_schema || '.' || c.table_name "
        "and m.column_name = c.column_name "
        "where coalesce(trim(m.description), '') = '' or m.data_type <> c.data_type"
    ).fetchall()
    assert undescribed == []
    # the dictionary counts a view's rows like a table's
    counts = dict(db.execute("select table_name, row_count from meta.tables").fetchall())
    for view in views:
        assert counts[view] == db.execute(f"select count(*) from {view}").fetchone()[0], view


def test_every_reference_table_a_published_text_names_is_published(
    db: duckdb.DuckDBPyConnection,
) -> None:
    """A description, grain, definition or method naming ref.<name> points at the reviewed
    table published as marts.<name> (or meta.<name>), as meta.tables says."""
    texts = [
        text
        for table, column in (
            ("meta.tables", "description"),
            ("meta.tables", "grain"),
            ("meta.columns", "description"),
            ("meta.indicators", "definition"),
            ("meta.indicators", "source"),
            ("meta.methods", "description"),
        )
        for (text,) in db.execute(f"select {column} from {table}").fetchall()
        if text
    ]
    named = {name for text in texts for name in re.findall(r"\bref\.([a-z_]+)", text)}
    published = {
        name
        for (name,) in db.execute(
            "select split_part(table_name, '.', 2) from meta.tables "
            "where table_name like 'marts.%' or table_name like 'meta.%'"
        ).fetchall()
    }
    assert len(named) > 10 and named <= published, sorted(named - published)


def test_the_long_views_share_their_columns_and_hold_every_indicator(
    db: duckdb.DuckDBPyConnection,
) -> None:
    columns = {
        view: db.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and table_name = ? order by ordinal_position",
            [view],
        ).fetchall()
        for view in [*FAMILY_VIEWS.values(), "indicators_long"]
    }
    assert len({tuple(c) for c in columns.values()}) == 1 and len(columns["indicators_long"]) == 21
    by_family = dict(
        db.execute("select family, count(*) from marts.indicators_long group by all").fetchall()
    )
    for family, view in FAMILY_VIEWS.items():
        rows = db.execute(f"select count(*) from marts.{view}").fetchone()[0]
        assert by_family[family] == rows > 0, family
    defined = {
        r[0]
        for r in db.execute(
            "select indicator from meta.indicators where published_in is null"
        ).fetchall()
    }
    present = {
        r[0] for r in db.execute("select distinct indicator from marts.indicators_long").fetchall()
    }
    assert present == defined
    # the breakdowns and concentration measures published in their own marts: each names a
    # published column that holds values
    elsewhere = db.execute(
        "select indicator, published_in from meta.indicators where published_in is not null"
    ).fetchall()
    assert {i for i, _ in elsewhere} >= {"leader_runner_up_ratio", "top10_institutions_in_leader"}
    for indicator, published_in in elsewhere:
        schema, table, column = published_in.split(".")
        valued = db.execute(
            f"select count({column}) from {schema}.{table} where {column} is not null"
        ).fetchone()[0]
        assert valued > 0, indicator
    # the family marts keep their rows: the publication rows are the same rows
    differing = db.execute(
        "select entity_type, entity_code, approach, year, indicator, value "
        "from marts.publication_indicators except all "
        "select entity_type, entity_code, approach, year, indicator, value "
        "from marts.publications_long"
    ).fetchall()
    assert differing == []


def test_the_wilson_intervals_match_the_formula(db: duckdb.DuckDBPyConnection) -> None:
    z = float(
        db.execute("select value from meta.methods where key = 'share_interval_z'").fetchone()[0]
    )
    marked = {
        r[0]
        for r in db.execute(
            "select indicator from meta.indicators where interval_method = 'wilson'"
        ).fetchall()
    }
    assert marked == {
        "world_share",
        "top10_share_of_world",
        "pp_top10",
        "intl_collab_rate",
        "patent_world_share",
        "retention_5y",
        # computed in marts.security_indicators at the same z
        "coauthorship_concern_share",
        "copatent_concern_share",
        "grant_consortium_concern_share",
    }
    rows = db.execute(
        "select * from (select indicator, value, denominator, value_low, value_high, "
        "interval_method from marts.indicators_long where interval_method like 'wilson-%') "
        "using sample reservoir(500 rows) repeatable (7)"
    ).fetchall()
    assert len(rows) == 500
    for indicator, p, n, low, high, method in rows:
        assert indicator in marked and method == "wilson-90"
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        assert low == pytest.approx(min(max(centre - half, 0.0), p), abs=1e-12)
        assert high == pytest.approx(max(min(centre + half, 1.0), p), abs=1e-12)
    # money and trade value get none
    unbounded = db.execute(
        "select count(*) from marts.indicators_long "
        "where indicator in ('grant_international_share', 'world_export_share', 'industry_share') "
        "and value_low is not null"
    ).fetchone()[0]
    assert unbounded == 0


def test_the_wide_view_repeats_the_long_values(db: duckdb.DuckDBPyConnection) -> None:
    country, approach, year, share, patents, rank, low, high = db.execute(
        "select country_iso3, approach, year, world_share, patent_world_share, composite_rank, "
        "composite_rank_low, composite_rank_high from marts.country_headlines_wide "
        "where composite_rank = 1 and world_share is not null and patent_world_share is not null "
        "order by year desc, approach limit 1"
    ).fetchone()
    assert low <= rank <= high

    def long_value(family: str, indicator: str, variant: str) -> float:
        return db.execute(
            "select value from marts.indicators_long where family = ? and indicator = ? "
            "and variant = ? and entity_type = 'country' and entity_code = ? and approach = ? "
            "and year = ?",
            [family, indicator, variant, country, approach, year],
        ).fetchone()[0]

    assert share == long_value("publications", "world_share", "")
    assert patents == long_value(
        "patents", "patent_world_share", "counting=applicant; family_scope=all"
    )
    assert rank == long_value("synthesis", "synthesis_rank", "family=composite")


def test_the_views_open_in_the_shell_and_as_parquet(
    db: duckdb.DuckDBPyConnection, sample: tuple[Path, str]
) -> None:
    rows = db.execute("select count(*) from marts.indicators_long").fetchone()[0]
    shell = Path(sys.executable).parent / "duckdb"
    result = subprocess.run(
        [str(shell), "-readonly", "-csv", "-noheader", str(sample[0] / "out" / "qcm.duckdb"),
         "-c", "select count(*) from marts.indicators_long"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) == rows
    assert db.execute("select count(*) from marts.country_headlines_wide").fetchone()[0] > 0
    folder = sample[0] / "out" / "parquet"
    parquet = duckdb.sql(f"select count(*) from '{folder / 'indicators_long.parquet'}'")
    assert parquet.fetchone()[0] == rows
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "## indicators_long.parquet" in readme and "| `variant` | VARCHAR |" in readme


def test_the_schema_version_is_published(db: duckdb.DuckDBPyConnection) -> None:
    sql = (REPO / "sql" / "meta" / "schema_version.sql").read_text(encoding="utf-8")
    assert db.execute("select schema_version from meta.schema_version").fetchall() == [
        (duckdb.sql(sql).fetchone()[0],)
    ]
