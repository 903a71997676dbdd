-- indicators.capability_countries: one row per technology approach, metric, year and country with a counted milestone to date: the country's best, its distance to the frontier in orders of magnitude (0 = holds it) and whether that is within reach (ref.milestone_metrics reach_log10)
with country_best as (
    select frontier.approach, frontier.metric, frontier.year, credits.country_iso3,
        milestones.milestone_id, milestones.goodness_log10
    from indicators.capability_frontier as frontier
    inner join staging.milestones as milestones
        on milestones.approach = frontier.approach and milestones.metric = frontier.metric
        and milestones.year <= frontier.year
    inner join core.milestone_countries as credits
        on credits.milestone_id = milestones.milestone_id
    where milestones.counted and milestones.goodness_log10 is not null
    qualify row_number() over (
        partition by frontier.approach, frontier.metric, frontier.year, credits.country_iso3
        order by milestones.goodness_log10 desc, milestones.demonstrated_on, milestones.milestone_id
    ) = 1
)

select
    country_best.approach,
    country_best.metric,
    country_best.year,
    country_best.country_iso3,
    country_best.milestone_id,
    -- to 12 decimals: -log10(1 - F) is not exact, and 0.999 against 0.9999 is one order of
    -- magnitude, within a reach of one, not 1.0000000000000484
    round(frontier.goodness_log10 - country_best.goodness_log10, 12) as distance_log10,
    round(frontier.goodness_log10 - country_best.goodness_log10, 12)
        <= metrics.reach_log10::double as within_reach,
    frontier.goodness_log10 - country_best.goodness_log10 = 0 as holds_frontier
from country_best
inner join indicators.capability_frontier as frontier using (approach, metric, year)
inner join ref.milestone_metrics as metrics using (metric)
