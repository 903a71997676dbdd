-- marts.synthesis_sensitivity_summary: one row per sensitivity scenario, technology approach and year: the composite leader under the scenario and in the baseline, whether it changed, the rank correlation with the baseline and the mean absolute rank shift
with leaders as (
    select
        scenario,
        approach,
        year,
        min(country_iso3) filter (where rank = 1) as leader_iso3,
        min(country_iso3) filter (where baseline_rank = 1) as baseline_leader_iso3
    from indicators.synthesis_sensitivity
    group by all
),

shifts as (
    select
        scenario,
        approach,
        year,
        count(*) filter (where rank is not null and baseline_rank is not null) as countries,
        -- undefined (null) for fewer than three countries or ranks that are all equal
        case
            when count(*) filter (where rank is not null and baseline_rank is not null) >= 3
                and stddev_pop(rank) > 0 and stddev_pop(baseline_rank) > 0
                then corr(rank, baseline_rank)
        end as spearman_rho,
        avg(abs(rank - baseline_rank)) as mean_abs_rank_shift,
        max(abs(rank - baseline_rank)) as max_abs_rank_shift
    from indicators.synthesis_sensitivity
    group by all
)

select
    leaders.scenario,
    leaders.approach,
    leaders.year,
    leaders.leader_iso3,
    leaders.baseline_leader_iso3,
    leaders.leader_iso3 is distinct from leaders.baseline_leader_iso3 as leader_changed,
    shifts.countries,
    shifts.spearman_rho,
    shifts.mean_abs_rank_shift,
    shifts.max_abs_rank_shift
from leaders
inner join shifts
    on shifts.scenario = leaders.scenario
    and shifts.approach = leaders.approach
    and shifts.year = leaders.year
