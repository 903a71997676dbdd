-- staging.milestones: one row per reviewed milestone of ref.milestones, typed (year, date, value), with its metric's comparison scale: the score compared across milestones (the error 1 - F for fidelities) and its goodness in orders of magnitude (higher is better whatever the metric), and whether it counts towards the frontier (meta.methods capability_counting_rule)
with typed as (
    select
        milestones.*,
        try_cast(milestones.value as double) as stated_value,
        coalesce(
            try_strptime(milestones.date, '%Y-%m-%d'),
            try_strptime(milestones.date, '%Y-%m')
        )::date as demonstrated_on
    from ref.milestones as milestones
)

select
    typed.milestone_id,
    typed.approach,
    typed.organisation,
    typed.countries,
    typed.system_or_result,
    typed.demonstrated_on,
    year(typed.demonstrated_on) as year,
    typed.metric,
    typed.stated_value as value,
    typed.bound,
    typed.unit,
    typed.source_quality,
    typed.primary_source,
    typed.primary_source_checked = 'yes' as primary_source_checked,
    typed.secondary_source,
    typed.contested = 'yes' as contested,
    typed.contested_note,
    typed.recorded::date as recorded_on,
    typed.note,
    case metrics.transform when 'one_minus' then 1 - typed.stated_value else typed.stated_value end
        as score,
    -- fidelities: the error 1 - F, lower is better; else the stated value's own direction;
    -- no logarithm of zero or less (a perfect fidelity is no measurement): left uncompared
    case
        when metrics.transform = 'one_minus' and typed.stated_value < 1
            then -log10(1 - typed.stated_value)
        when metrics.transform = 'one_minus' then null
        when typed.stated_value <= 0 then null
        when metrics.better = 'higher' then log10(typed.stated_value)
        else -log10(typed.stated_value)
    end as goodness_log10,
    typed.contested <> 'yes' and typed.source_quality <> 'secondary' as counted
from typed
inner join ref.milestone_metrics as metrics using (metric)
