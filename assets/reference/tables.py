"""Reviewed reference tables: read the CSV/YAML files beside this module into frames.

Every file here is reviewed by hand and carries a ``source`` column (or field); the
loader only types the columns. Output: ``{"ref.<table>": polars.DataFrame}``.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import yaml

from pipelines.parsing import CountryCodes

REFERENCE_DIR = Path(__file__).parent
CSV_TABLES = {
    "countries": "countries.csv",
    "historical_country_codes": "historical_country_codes.csv",
    "blocs": "blocs.csv",
    "bloc_memberships": "bloc_memberships.csv",
    "approaches": "approaches.csv",
    "classification_rules": "classification_rules.csv",
    "classification_eval": "classification_eval.csv",
    "openalex_quantum_topics": "openalex_quantum_topics.csv",
    "methods": "methods.csv",
    "patent_cpc_map": "patent_cpc_map.csv",
    "patent_applicant_type_rules": "patent_applicant_type_rules.csv",
    "patent_name_words": "patent_name_words.csv",
    "patentsview_assignee_types": "patentsview_assignee_types.csv",
    "funding_programmes": "funding_programmes.csv",
    "fx_rates": "fx_rates.csv",
    "economic_indicators": "economic_indicators.csv",
    "currencies": "currencies.csv",
    "eu_country_codes": "eu_country_codes.csv",
    "hs_codes": "hs_codes.csv",
    "supply_components": "supply_components.csv",
    "suppliers": "suppliers.csv",
    "export_controls": "export_controls.csv",
    "competitor_sets": "competitor_sets.csv",
    "milestones": "milestones.csv",
    "milestone_metrics": "milestone_metrics.csv",
}


def read_csv(name: str) -> pl.DataFrame:
    """Read one reference CSV with every column as text; empty fields become null.

    No other value is read as missing, so Namibia's ISO2 code ``NA`` stays ``NA``.
    """
    return pl.read_csv(REFERENCE_DIR / name, infer_schema=False)


def reference_frames() -> dict[str, pl.DataFrame]:
    """Every reference table, typed, keyed by its qualified name in the database."""
    frames = {f"ref.{table}": read_csv(name) for table, name in CSV_TABLES.items()}
    memberships = frames["ref.bloc_memberships"]
    frames["ref.bloc_memberships"] = memberships.select(
        "bloc",
        "iso3",
        pl.col("joined").str.to_date("%Y-%m-%d").alias("joined_on"),
        pl.col("left").str.to_date("%Y-%m-%d").alias("left_on"),
        "source",
    )
    frames["ref.indicators"] = indicator_definitions()
    return frames


def indicator_definitions() -> pl.DataFrame:
    """The reviewed indicator definitions (``indicators.yml``), one text column per field.

    A field some entries leave out (``interval_method``) is null for them; columns come in
    the order fields first appear.
    """
    indicators = yaml.safe_load((REFERENCE_DIR / "indicators.yml").read_text(encoding="utf-8"))
    fields = dict.fromkeys(name for entry in indicators for name in entry)
    return pl.DataFrame(indicators, schema={name: pl.String for name in fields})


def country_codes(con: duckdb.DuckDBPyConnection) -> CountryCodes:
    """The parsers' country codes, read from ``ref.countries`` and the withdrawn codes of
    ``ref.historical_country_codes`` in the working database."""
    countries = con.execute("select iso2, iso3 from ref.countries").pl()
    historical = con.execute(
        "select code from ref.historical_country_codes where valid_to is not null"
    ).fetchall()
    return CountryCodes(iso2_lookup(countries), frozenset(r[0] for r in historical))


def iso2_lookup(countries: pl.DataFrame) -> dict[str, str]:
    """Map ISO 3166-1 alpha-2 codes (and XK for Kosovo) to alpha-3 from ``ref.countries``."""
    return {row["iso2"]: row["iso3"] for row in countries.iter_rows(named=True) if row["iso2"]}


def patent_live_query_codes() -> list[str]:
    """The CPC codes live patent queries ask for: rows of the reviewed CPC map marked
    ``in_live_query``, in the map's order."""
    table = read_csv("patent_cpc_map.csv")
    return [r["cpc_code"] for r in table.iter_rows(named=True) if r["in_live_query"] == "yes"]
