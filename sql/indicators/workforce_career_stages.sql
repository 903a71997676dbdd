-- indicators.workforce_career_stages: one row per country, technology approach, year and career stage, with active researchers, inflow and outflow of that stage (stage in the year concerned)
with settings as (
    select
        (select value::integer from ref.methods where key = 'workforce_first_year') as first_year,
        (select max(publication_year) from staging.works) as last_year
),

moves as (
    select moves.*, approaches.approach, years.career_stage
    from core.researcher_moves as moves
    inner join core.researcher_approaches as approaches
        on approaches.researcher_id = moves.researcher_id
        -- the approaches the researcher had worked in before arriving: a move takes
        -- away from the origin only what the researcher did there (wf-1.4)
        and approaches.first_year < moves.year
    inner join core.researcher_years as years
        on years.researcher_id = moves.researcher_id
        and years.year = moves.year
    where moves.counted
),

counts as (
    select country_iso3, approach, year, career_stage, 'active' as metric, researchers as n
    from core.active_researchers
    union all
    select destination_iso3, approach, year, career_stage, 'inflow', count(*)
    from moves group by all
    union all
    select origin_iso3, approach, year, career_stage, 'outflow', count(*)
    from moves group by all
)

select
    country_iso3,
    approach,
    year,
    career_stage,
    coalesce(sum(n) filter (where metric = 'active'), 0)::bigint as active,
    coalesce(sum(n) filter (where metric = 'inflow'), 0)::bigint as inflow,
    coalesce(sum(n) filter (where metric = 'outflow'), 0)::bigint as outflow
from counts
cross join settings
where year between settings.first_year and settings.last_year
group by all
