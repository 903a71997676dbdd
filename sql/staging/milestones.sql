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
),

bounded as (
    -- a bound on the worse side of its metric ("fewer than 100 qubits", "an error above
    -- 1%") demonstrates no value at all: the result may be anything worse
    select
        typed.*,
        metrics.better,
        metrics.transform,
        (typed.bound = '<=' and metrics.better = 'higher')
        or (typed.bound = '>=' and metrics.better = 'lower') as worse_bound
    from typed
    inner join ref.milestone_metrics as metrics using (metric)
)

select
    bounded.milestone_id,
    bounded.approach,
    bounded.organisation,
    bounded.countries,
    bounded.system_or_result,
    bounded.demonstrated_on,
    year(bounded.demonstrated_on) as year,
    bounded.metric,
    bounded.stated_value as value,
    bounded.bound,
    bounded.unit,
    bounded.source_quality,
    bounded.primary_source,
    bounded.primary_source_checked = 'yes' as primary_source_checked,
    bounded.secondary_source,
    bounded.contested = 'yes' as contested,
    bounded.contested_note,
    bounded.recorded::date as recorded_on,
    bounded.note,
    case bounded.transform
        when 'one_minus' then 1 - bounded.stated_value else bounded.stated_value
    end as score,
    -- fidelities: the error 1 - F, lower is better; else the stated value's own direction;
    -- no logarithm of zero or less (a perfect fidelity is no measurement), nor a bound on
    -- the worse side: left uncompared
    case
        when bounded.worse_bound then null
        when bounded.transform = 'one_minus' and bounded.stated_value < 1
            then -log10(1 - bounded.stated_value)
        when bounded.transform = 'one_minus' then null
        when bounded.stated_value <= 0 then null
        when bounded.better = 'higher' then log10(bounded.stated_value)
        else -log10(bounded.stated_value)
    end as goodness_log10,
    bounded.contested <> 'yes' and bounded.source_quality <> 'secondary'
    and not bounded.worse_bound as counted
from bounded
