"""What a site is made from, as one digest, and when the last site is kept."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from dashboards import site_key as site_key_module
from dashboards.site_key import KEY_FILE, kept_by, record_key, site_key
from tests.site_pages import replaced, site_data

INDICATORS = pl.DataFrame(
    {"entity_code": ["DEU", "USA"], "year": [2024, 2024], "value": [3.0, 5.0]}
)


def data(**changes: object):
    made = site_data(
        approaches={"trapped_ion": "Trapped ion"},
        countries={"DEU": "Germany", "USA": "United States"},
        complete_year=2024,
        incomplete_year=2025,
        indicators=INDICATORS,
    )
    run = {"run_id": "run-1", "started_at": "t0", "published_at": "t1", "works_in_scope": 8}
    return replaced(made, **{"run": run, **changes})


def test_the_run_s_own_names_do_not_change_the_key_anything_shown_does() -> None:
    key = site_key(data())
    assert key == site_key(data())
    later = {"run_id": "run-2", "started_at": "t2", "published_at": "t3", "works_in_scope": 8}
    assert site_key(data(run=later)) == key
    assert site_key(data(run={**later, "works_in_scope": 9})) != key
    # a value, the rows' order, a column's type, a column's name, a fact outside the frames
    assert site_key(data(indicators=INDICATORS.with_columns(value=pl.lit(4.0)))) != key
    assert site_key(data(indicators=INDICATORS.reverse())) != key
    assert site_key(data(indicators=INDICATORS.with_columns(pl.col("year").cast(pl.Int32)))) != key
    assert site_key(data(indicators=INDICATORS.rename({"value": "amount"}))) != key
    assert site_key(data(complete_year=2023)) != key
    # parts derived from the frames are not what the pages are made from
    made = data()
    made.derived_once(("anything",), lambda: 1)
    assert site_key(made) == key


def test_the_dashboards_files_are_part_of_the_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html.j2").write_text("one", encoding="utf-8")
    monkeypatch.setattr(site_key_module, "CODE", tmp_path)
    key = site_key(data())
    (tmp_path / "templates" / "page.html.j2").write_text("two", encoding="utf-8")
    assert site_key(data()) != key
    (tmp_path / "templates" / "page.html.j2").write_text("one", encoding="utf-8")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "site.pyc").write_bytes(b"compiled")
    assert site_key(data()) == key


def test_a_site_is_kept_only_under_its_key_with_every_page_it_recorded(tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert kept_by(site, "k") is None  # no site yet
    (site / "country").mkdir(parents=True)
    for page in ("index.html", "country/DEU.html"):
        (site / page).write_text(page, encoding="utf-8")
    assert kept_by(site, "k") is None  # a site that recorded nothing
    record_key(site, "k", "run-1")
    recorded = json.loads((site / KEY_FILE).read_text(encoding="utf-8"))
    assert recorded == {"key": "k", "run_id": "run-1", "pages": ["country/DEU.html", "index.html"]}
    assert kept_by(site, "k") == "run-1"
    assert kept_by(site, "other") is None
    (site / "country" / "DEU.html").unlink()  # a page gone
    assert kept_by(site, "k") is None
    (site / "country" / "DEU.html").write_text("back", encoding="utf-8")
    (site / "country" / "FRA.html").write_text("extra", encoding="utf-8")  # a page too many
    assert kept_by(site, "k") is None
    (site / "country" / "FRA.html").unlink()
    assert kept_by(site, "k") == "run-1"
    (site / KEY_FILE).write_text("{not json", encoding="utf-8")
    assert kept_by(site, "k") is None
    (site / KEY_FILE).write_text('{"key": "k"}', encoding="utf-8")
    assert kept_by(site, "k") is None
