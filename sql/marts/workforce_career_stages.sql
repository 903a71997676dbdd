-- marts.workforce_career_stages: one row per country, technology approach, year and career stage (early career, mid career, senior), with active researchers, inflow and outflow of that stage, small-number and incomplete-year flags
with settings as (
    select
        (select value::integer from ref.methods where key = 'small_n_threshold') as small_n,
        (select value::integer from ref.methods where key = 'workforce_small_flow') as small_flow,
        (select value::integer from ref.methods where key = 'workforce_max_gap_years') as max_gap
),

flagged as (
    select
        stages.country_iso3,
        countries.name as country_name,
        stages.approach,
        stages.year,
        stages.career_stage,
        stages.active,
        stages.inflow,
        stages.outflow,
        stages.inflow - stages.outflow as net_flow,
        (select value from ref.methods where key = 'workforce_method_version') as method_version,
        stages.active < settings.small_n as small_n,
        stages.inflow + stages.outflow < settings.small_flow as small_flow,
        -- a year's placements can still be carried from an observation up to max_gap years
        -- later (as marts.workforce_indicators' researchers_active); its moves only while it lasts
        -- (counted from the current year, or the works' latest when earlier: incomplete_year_rule)
        stages.year >= least(year(current_date), max(stages.year) over ()) - settings.max_gap
            as year_incomplete,
        stages.year >= least(year(current_date), max(stages.year) over ()) as flows_year_incomplete
    from indicators.workforce_career_stages as stages
    cross join settings
    left join ref.countries as countries
        on countries.iso3 = stages.country_iso3
)

-- a release that suppresses small numbers (core.small_numbers) publishes a flagged row
-- without its numbers
select flagged.* replace (
    case when flagged.small_n and suppressing.suppress then null else flagged.active end
        as active,
    case when flagged.small_flow and suppressing.suppress then null else flagged.inflow end
        as inflow,
    case when flagged.small_flow and suppressing.suppress then null else flagged.outflow end
        as outflow,
    case when flagged.small_flow and suppressing.suppress then null else flagged.net_flow end
        as net_flow
)
from flagged
cross join core.small_numbers as suppressing
