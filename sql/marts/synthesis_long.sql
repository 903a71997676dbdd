-- marts.synthesis_long: one row per entity (country or bloc), technology approach, year, scored family (or the composite) and synthesis indicator (synthesis_score; synthesis_rank for countries), in the columns every long view shares, with the bootstrap interval
with scores as (
    -- a score is the entity's value over the leading country's, the largest of the
    -- countries' values in the approach, year and family
    select
        *,
        max(value) filter (where entity_type = 'country')
            over (partition by approach, year, family) as leading_value
    from marts.synthesis_scores
),

measures as (
    select *, 'synthesis_score' as indicator, score as long_value, score_low as long_low,
        score_high as long_high, value as long_numerator, leading_value as long_denominator
    from scores
    union all
    -- blocs are scored but not ranked; a rank has no numerator or denominator
    select *, 'synthesis_rank', rank::double, rank_low::double, rank_high::double,
        null::double, null::double
    from scores
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
    labelled.long_numerator as numerator,
    labelled.long_denominator as denominator,
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
