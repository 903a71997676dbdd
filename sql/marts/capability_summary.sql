-- marts.capability_summary: one row per technology approach, metric and year: countries with a result, countries within reach of the frontier, the frontier's holders and value
select
    summary.approach,
    summary.metric,
    summary.year::bigint as year,
    summary.countries_with_result,
    summary.countries_within_reach,
    summary.frontier_countries,
    milestones.value as frontier_value,
    -- the current year's frontier can still move (fixed here, when the build runs)
    summary.year >= year(current_date) as year_incomplete,
    definitions.method_version
from indicators.capability_summary as summary
inner join indicators.capability_frontier as frontier using (approach, metric, year)
inner join staging.milestones as milestones on milestones.milestone_id = frontier.milestone_id
inner join ref.indicators as definitions on definitions.indicator = 'countries_within_reach'
