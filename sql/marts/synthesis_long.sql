-- marts.synthesis_long: one row per entity (country or bloc), technology approach, year, scored family (or the composite) and synthesis indicator (synthesis_score; synthesis_rank for countries), in the columns every long view shares, with the bootstrap interval
with measures as (
    select *, 'synthesis_score' as indicator, score as long_value, score_low as long_low,
        score_high as long_high
    from marts.synthesis_scores
    union all
    -- blocs are scored but not ranked
    select *, 'synthesis_rank', rank::double, rank_low::double, rank_high::double
    from marts.synthesis_scores
    where rank is not null
),

labelled as (
    select
        measures.*,
        'bootstrap-' || round(100 * settings.value::double)::integer as interval_method
    from measures
    inner join meta.synthesis_settings as settings on settings.key = 'interval'
)

select
    'synthesis' as family,
    labelled.entity_type,
    labelled.entity_code,
    labelled.entity_name,
    labelled.approach,
    labelled.year,
    labelled.indicator,
    'family=' || labelled.family as variant,
    labelled.long_value as value,
    labelled.long_low as value_low,
    labelled.long_high as value_high,
    labelled.interval_method,
    definitions.unit,
    null::double as numerator,
    null::double as denominator,
    -- the bootstrap interval says how far few records carry: no separate small-number rule
    false as small_n,
    labelled.year_incomplete,
    concat_ws(
        '; ',
        case when labelled.is_leader then 'is_leader' end,
        case when labelled.within_reach then 'within_reach' end
    ) as flags,
    labelled.method_version,
    labelled.data_kind,
    labelled.source_snapshot
from labelled
left join meta.indicators as definitions on definitions.indicator = labelled.indicator
