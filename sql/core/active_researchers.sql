-- core.active_researchers: one row per country, technology approach, year and career stage of the researchers active in quantum that year (in_quantum_career, in their country of the year, in every approach of their works up to that year): how many, and the first (lowest) researcher id among them. The largest join of the workforce (every career year of every researcher, in each approach they had worked in by then), taken once for the workforce indicators and the synthesis; a researcher has one country a year, so counting rows counts researchers
-- (the lowest id is found as the lowest of the researchers' ranks in the order of the ids as
-- text, 'A' and the number the tables hold: a min over ranks, not ids, in the largest join)
with ranked as (
    select
        researcher_id,
        row_number() over (order by researcher_id::varchar) as researcher_rank
    from staging.researchers
),

approaches as (
    select
        approaches.researcher_id,
        approaches.approach,
        approaches.first_year,
        ranked.researcher_rank
    from core.researcher_approaches as approaches
    inner join ranked
        on ranked.researcher_id = approaches.researcher_id
),

counted as (
    select
        years.country_iso3,
        approaches.approach,
        years.year,
        years.career_stage,
        count(*) as researchers,
        min(approaches.researcher_rank) as first_rank
    from core.researcher_years as years
    inner join approaches
        on approaches.researcher_id = years.researcher_id
        and approaches.first_year <= years.year
    where years.in_quantum_career
    group by all
)

select
    counted.country_iso3,
    counted.approach,
    counted.year,
    counted.career_stage,
    counted.researchers,
    'A' || ranked.researcher_id as first_researcher_id
from counted
inner join ranked
    on ranked.researcher_rank = counted.first_rank
