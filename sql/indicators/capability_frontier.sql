-- indicators.capability_frontier: one row per technology approach, metric and year (from its first counted milestone to the current year): the best counted milestone to date (the state of the art), whether it was set that year, and the best contested or secondary figure when it would beat it
with series as (
    select approach, metric, unnest(range(min(year), year(current_date) + 1)) as year
    from staging.milestones
    where counted and goodness_log10 is not null
    group by all
),

best as (
    -- the best counted milestone to date; ties go to the earliest, then the lowest id
    select series.approach, series.metric, series.year, milestones.milestone_id,
        milestones.goodness_log10, milestones.year as record_year
    from series
    inner join staging.milestones as milestones
        on milestones.approach = series.approach and milestones.metric = series.metric
        and milestones.year <= series.year
    where milestones.counted and milestones.goodness_log10 is not null
    qualify row_number() over (
        partition by series.approach, series.metric, series.year
        order by milestones.goodness_log10 desc, milestones.demonstrated_on, milestones.milestone_id
    ) = 1
),

contested as (
    select series.approach, series.metric, series.year, milestones.milestone_id,
        milestones.goodness_log10
    from series
    inner join staging.milestones as milestones
        on milestones.approach = series.approach and milestones.metric = series.metric
        and milestones.year <= series.year
    where not milestones.counted and milestones.goodness_log10 is not null
    qualify row_number() over (
        partition by series.approach, series.metric, series.year
        order by milestones.goodness_log10 desc, milestones.demonstrated_on, milestones.milestone_id
    ) = 1
)

select
    best.approach,
    best.metric,
    best.year,
    best.milestone_id,
    best.goodness_log10,
    -- a record is new in the year its milestone appeared
    best.record_year = best.year as new_record,
    case when contested.goodness_log10 > best.goodness_log10 then contested.milestone_id end
        as contested_milestone_id
from best
left join contested using (approach, metric, year)
