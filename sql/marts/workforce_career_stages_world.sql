-- marts.workforce_career_stages_world: one row per technology approach, year and career stage for the world (every country's rows added up before any small number is suppressed), with active researchers and moves between countries of that stage, small-number and incomplete-year flags
with settings as (
    select
        (select value::integer from ref.methods where key = 'small_n_threshold') as small_n,
        (select value::integer from ref.methods where key = 'workforce_small_flow') as small_flow,
        (select value::integer from ref.methods where key = 'workforce_max_gap_years') as max_gap
),

world as (
    -- a placed researcher is in one country a year (one with no country that year is not
    -- placed, so counted nowhere), and each move arrives in one country: the countries'
    -- actives and inflows add up to the world's, each counted once
    select
        approach,
        year,
        career_stage,
        sum(active)::bigint as active,
        sum(inflow)::bigint as moves
    from indicators.workforce_career_stages
    group by approach, year, career_stage
),

flagged as (
    select
        world.approach,
        world.year,
        world.career_stage,
        world.active,
        world.moves,
        (select value from ref.methods where key = 'workforce_method_version') as method_version,
        world.active < settings.small_n as small_n,
        world.moves < settings.small_flow as small_flow,
        -- as marts.workforce_career_stages: placements stay open max_gap years, moves the year
        world.year >= least(year(current_date), max(world.year) over ()) - settings.max_gap
            as year_incomplete,
        world.year >= least(year(current_date), max(world.year) over ()) as flows_year_incomplete
    from world
    cross join settings
)

-- a release that suppresses small numbers (core.small_numbers) publishes a flagged row
-- without its numbers
select flagged.* replace (
    case when flagged.small_n and suppressing.suppress then null else flagged.active end
        as active,
    case when flagged.small_flow and suppressing.suppress then null else flagged.moves end
        as moves
)
from flagged
cross join core.small_numbers as suppressing
