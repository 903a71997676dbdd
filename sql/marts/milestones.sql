-- marts.milestones: one row per reviewed hardware milestone (a demonstrated result with its primary source, source quality and contested flag), with labels and whether it counts towards the frontier
select
    milestones.milestone_id,
    milestones.approach,
    approaches.label as approach_label,
    milestones.organisation,
    milestones.countries,
    (
        select string_agg(countries.name, '; ' order by countries.name)
        from core.milestone_countries as credits
        inner join ref.countries as countries on countries.iso3 = credits.country_iso3
        where credits.milestone_id = milestones.milestone_id
    ) as country_names,
    milestones.system_or_result,
    milestones.demonstrated_on,
    milestones.year::bigint as year,
    milestones.metric,
    metrics.label as metric_label,
    milestones.value,
    milestones.bound,
    milestones.unit,
    milestones.source_quality,
    milestones.primary_source,
    milestones.primary_source_checked,
    milestones.secondary_source,
    milestones.contested,
    milestones.contested_note,
    milestones.counted,
    milestones.recorded_on,
    milestones.note
from staging.milestones as milestones
left join ref.approaches as approaches using (approach)
left join ref.milestone_metrics as metrics using (metric)
