-- marts.capability_frontier: one row per technology approach, metric and year: the state of the art to date (best counted milestone), who holds it, its source, whether it was set that year, and a contested figure that would beat it
select
    frontier.approach,
    frontier.metric,
    metrics.label as metric_label,
    metrics.unit,
    metrics.better,
    frontier.year::bigint as year,
    milestones.value as best_value,
    frontier.milestone_id,
    milestones.organisation,
    milestones.countries,
    milestones.demonstrated_on,
    milestones.primary_source,
    milestones.source_quality,
    frontier.new_record,
    contested.value as contested_best_value,
    frontier.contested_milestone_id,
    definitions.method_version
from indicators.capability_frontier as frontier
inner join staging.milestones as milestones on milestones.milestone_id = frontier.milestone_id
inner join ref.milestone_metrics as metrics on metrics.metric = frontier.metric
left join staging.milestones as contested
    on contested.milestone_id = frontier.contested_milestone_id
inner join ref.indicators as definitions on definitions.indicator = 'best_value'
