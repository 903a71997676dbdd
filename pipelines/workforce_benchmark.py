"""Benchmark of the workforce-flow computation at the scale of a million authorships.

``qcm benchmark --authorships N`` builds, inside DuckDB, a synthetic corpus with N
authorships of in-scope works (about four per work, about five per researcher), the
countries of each authorship, and one 2025-era author record per researcher whose
affiliation years follow the same career (a fifth of the researchers move once, a few
return). Then it times, in one run:

- the floor: DuckDB reading every input row once (a grouped count over the authorship
  countries and the affiliations, the least any flow computation must do);
- every workforce SQL table of ``sql/`` in dependency order, from ``staging.author_merges``
  to the marts, each reported on its own and as a ratio to the floor.

The corpus is generated with DuckDB's ``hash`` so it costs seconds, not minutes, and is
the same for the same N. Nothing here runs in the tests.
"""

from __future__ import annotations

import time

import duckdb

from assets.reference.assets import PUBLICATION_SETTINGS, publication_settings
from assets.reference.tables import reference_frames
from pipelines.db import replace_table
from pipelines.settings import SQL_DIR
from pipelines.sql_assets import in_build_order

# The workforce tables (the other inputs are generated below), built in dependency order
WORKFORCE_TABLES = (
    "staging.author_merges",
    "staging.author_ids",
    "staging.authors",
    "staging.researchers",
    "staging.profile_evidence",
    "staging.authorship_evidence",
    "staging.researcher_evidence",
    "core.researcher_years",
    "core.researcher_moves",
    "core.researcher_approaches",
    "core.researchers",
    "core.active_researchers",
    "indicators.workforce_flows",
    "indicators.workforce_flow_matrix",
    "indicators.workforce_producers",
    "indicators.workforce_career_stages",
    "core.small_numbers",
    "marts.workforce_indicators",
    "marts.workforce_flows",
    "marts.workforce_producers",
    "marts.workforce_career_stages",
    "marts.workforce_career_stages_world",
    "marts.researchers",
    "marts.researcher_moves",
)
AUTHORSHIPS_PER_WORK = 4
AUTHORSHIPS_PER_RESEARCHER = 5
APPROACHES = ("superconducting", "trapped_ion", "photonic", "spin_silicon", "qkd")


def generate_corpus(con: duckdb.DuckDBPyConnection, authorships: int) -> dict[str, int]:
    """Create the raw and staging inputs of the workforce SQL for ``authorships`` rows.

    Every researcher has a home country (40 countries, weighted by their position in
    ``ref.countries``), a career of 3 to 17 years from 2000 on, and, one in five, a move to
    another country in the middle of it (one in four of those returns two years later).
    """
    researchers = max(1, authorships // AUTHORSHIPS_PER_RESEARCHER)
    works = max(1, authorships // AUTHORSHIPS_PER_WORK)
    con.execute(
        """
        create or replace temp table countries as
        select row_number() over (order by iso3) - 1 as k, iso3
        from ref.countries where iso2 is not null
        order by iso3 limit 40
        """
    )
    con.execute(
        f"""
        create or replace temp table careers as
        select
            r,
            'A' || r as author_id,
            (2000 + hash(r, 1) % 12)::bigint as start_year,
            (3 + hash(r, 2) % 15)::bigint as length,
            (hash(r, 3) % 40)::bigint as home,
            (hash(r, 4) % 40)::bigint as away,
            hash(r, 5) % 5 = 0 and hash(r, 3) % 40 <> hash(r, 4) % 40 as moves,
            hash(r, 6) % 4 = 0 as returns,
            (2000 + hash(r, 1) % 12 + (3 + hash(r, 2) % 15) // 2)::bigint as middle
        from range({researchers}) as t(r)
        """
    )
    con.execute(
        """
        create or replace temp table career_years as
        select
            careers.author_id,
            careers.r,
            year,
            case
                when careers.moves
                    and year >= careers.middle
                    and not (careers.returns and year >= careers.middle + 2)
                then careers.away
                else careers.home
            end as k
        from careers,
            range(careers.start_year, careers.start_year + careers.length) as t(year)
        """
    )
    con.execute(
        f"""
        create or replace table staging.works as
        select 'W' || w as work_id, (2000 + hash(w, 7) % 26)::bigint as publication_year
        from range({works}) as t(w)
        """
    )
    # each authorship picks a researcher, then a year of that researcher's career
    con.execute(
        f"""
        create or replace temp table picks as
        select
            i,
            'W' || (i // {AUTHORSHIPS_PER_WORK}) as work_id,
            i % {AUTHORSHIPS_PER_WORK} as position,
            (hash(i, 8) % {researchers})::bigint as r
        from range({authorships}) as t(i)
        """
    )
    con.execute(
        """
        create or replace table staging.authorships as
        select work_id, position, 'A' || r as author_id, 'Researcher ' || r as author_name,
            1 as institutions_listed
        from picks
        """
    )
    con.execute(
        """
        create or replace table staging.authorship_countries as
        select picks.work_id, picks.position, countries.iso3 as country_iso3,
            'countries' as origin
        from picks
        inner join staging.works using (work_id)
        inner join careers on careers.r = picks.r
        left join career_years
            on career_years.r = picks.r and career_years.year = works.publication_year
        -- a work outside the career's years is placed at home
        inner join countries on countries.k = coalesce(career_years.k, careers.home)
        """
    )
    con.execute(
        f"""
        create or replace table core.work_approaches as
        select work_id, 'all' as approach from staging.works
        union all
        select work_id, ({list(APPROACHES)})[(1 + hash(work_id) % {len(APPROACHES)})::bigint]
        from staging.works
        """
    )
    con.execute(
        """
        create or replace table raw.openalex_authors as
        select author_id, 'Researcher ' || r as display_name, null as orcid,
            length::bigint as works_count, false as is_deleted, 1::bigint as affiliations_listed,
            '2026-11-01' as updated_date, '2025-affiliations' as schema_generation,
            'bench.jsonl' as source_file, 'bench' as source_sha256, r::bigint as record_index,
            'bench:' || r as record_key
        from careers
        """
    )
    # the profile misses one year in seven (gaps); one institution per country
    con.execute(
        """
        create or replace table raw.openalex_author_affiliations as
        select 'bench:' || career_years.r as record_key, career_years.author_id,
            career_years.k::bigint as position, career_years.year::bigint as year,
            'I' || career_years.k as institution_id, 'Institute ' || career_years.k
                as institution_name,
            'education' as institution_type, null as country_code_raw,
            countries.iso3 as country_iso3
        from career_years
        inner join countries on countries.k = career_years.k
        where hash(career_years.r, career_years.year) % 7 <> 0
        """
    )
    for table in ("raw.openalex_author_merged_ids", "raw.openalex_merged_ids"):
        con.execute(
            f"create or replace table {table} (merge_date varchar, old_id varchar, "
            "merge_into_id varchar, source_file varchar)"
        )
    # the files of both trails, as the marts label their data kind from them
    for table, source, records in (
        ("raw.author_source_files", "openalex_authors", f"{researchers}::bigint"),
        ("raw.source_files", "openalex", "(select count(*) from staging.works)"),
    ):
        con.execute(
            f"create or replace table {table} as select '{source}' as source, "
            "'bench.jsonl' as source_file, 'bench' as source_sha256, 0::bigint as bytes, "
            f"{records} as records, 'read' as status, 'benchmark' as data_kind"
        )
    return {
        "authorships": con.execute("select count(*) from staging.authorships").fetchone()[0],
        "authorship_countries": con.execute(
            "select count(*) from staging.authorship_countries"
        ).fetchone()[0],
        "works": works,
        "researchers": researchers,
        "affiliation_rows": con.execute(
            "select count(*) from raw.openalex_author_affiliations"
        ).fetchone()[0],
    }


def run_workforce_benchmark(authorships: int, memory_limit: str = "1GB") -> dict[str, object]:
    """Generate the corpus, then time the floor and every workforce table; return figures."""
    con = duckdb.connect(config={"memory_limit": memory_limit})
    for schema in ("ref", "raw", "staging", "core", "indicators", "marts"):
        con.execute(f"create schema {schema}")
    frames = reference_frames()
    for table in ("ref.methods", "ref.indicators", "ref.countries", "ref.blocs",
                  "ref.bloc_memberships", "ref.approaches"):  # fmt: skip
        replace_table(con, table, frames[table])
    replace_table(con, PUBLICATION_SETTINGS, publication_settings("flag"))
    con.execute(
        "create table core.bloc_member_years as "
        + (SQL_DIR / "core" / "bloc_member_years.sql").read_text()
    )
    started = time.perf_counter()
    counts = generate_corpus(con, authorships)
    generate = time.perf_counter() - started

    started = time.perf_counter()
    con.execute(
        "select count(*), count(distinct country_iso3) from staging.authorship_countries"
    ).fetchall()
    con.execute(
        "select author_id, year, count(*) from raw.openalex_author_affiliations group by all"
    ).fetchall()
    floor = time.perf_counter() - started

    stages: dict[str, float] = {}
    for table in in_build_order(WORKFORCE_TABLES, SQL_DIR):
        schema, name = table.split(".")
        sql = (SQL_DIR / schema / f"{name}.sql").read_text()
        started = time.perf_counter()
        con.execute(f"create or replace table {table} as {sql}")
        stages[table] = time.perf_counter() - started
    total = sum(stages.values())
    moves = con.execute("select count(*) from core.researcher_moves").fetchone()[0]
    con.close()
    return {
        **counts,
        "moves": moves,
        "memory_limit": memory_limit,
        "generate_s": round(generate, 2),
        "floor_s": round(floor, 2),
        "workforce_s": round(total, 2),
        "workforce_x_floor": round(total / floor, 1),
        "authorships_per_s": round(counts["authorships"] / total),
        "slowest": {
            table: round(seconds, 2)
            for table, seconds in sorted(stages.items(), key=lambda kv: -kv[1])[:5]
        },
    }
