-- marts.capability_countries: one row per technology approach, metric, year and country with a counted result to date: the country's best, its distance to the frontier in orders of magnitude, and whether it is within reach
select
    countries.approach,
    countries.metric,
    countries.year::bigint as year,
    countries.country_iso3,
    names.name as country_name,
    milestones.value as best_value,
    countries.milestone_id,
    milestones.organisation,
    countries.distance_log10,
    countries.within_reach,
    countries.holds_frontier,
    -- the current year's frontier can still move (fixed here, when the build runs)
    countries.year >= year(current_date) as year_incomplete,
    definitions.method_version
from indicators.capability_countries as countries
inner join staging.milestones as milestones on milestones.milestone_id = countries.milestone_id
left join ref.countries as names on names.iso3 = countries.country_iso3
inner join ref.indicators as definitions on definitions.indicator = 'distance_log10'
