-- marts.record_shares_long: one row per family counted in records (publications, patents, workforce), entity (country, bloc or world), technology approach, year, variant and indicator, in the columns every long view shares, with the Wilson interval of shares of records computed once for the three (publications_long, patents_long and workforce_long are its parts)
with settings as (
    select
        (max(value) filter (where key = 'share_interval_z'))::double as z,
        'wilson-' || round(100 * (max(value) filter (where key = 'share_interval_level'))::double)::integer
            as wilson_label
    from meta.methods
),

records as (
    select
        'publications' as family,
        entity_type, entity_code, entity_name, approach, year, indicator,
        '' as variant,
        value, unit, numerator, denominator, small_n, year_incomplete, method_version, data_kind
    from marts.publication_indicators
    union all
    select
        'patents' as family,
        entity_type, entity_code, entity_name, approach, year, indicator,
        'counting=' || counting || '; family_scope=' || family_scope as variant,
        value, unit, numerator, denominator, small_n, year_incomplete, method_version, data_kind
    from marts.patent_indicators
    union all
    select
        'workforce' as family,
        entity_type, entity_code, entity_name, approach, year, indicator,
        '' as variant,
        value, unit, numerator, denominator, small_n, year_incomplete, method_version, data_kind
    from marts.workforce_indicators
),

rows_ as (
    select
        records.*,
        coalesce(
            definitions.interval_method = 'wilson'
            and records.denominator > 0
            and records.value between 0 and 1,
            false
        ) as has_interval
    from records
    left join meta.indicators as definitions on definitions.indicator = records.indicator
),

-- each family's sources, as meta.source_snapshots says what each feeds
snapshots as (
    select
        families.family as snapshot_family,
        string_agg(sources.snapshot, ', ' order by sources.snapshot) as source_snapshot
    from (values ('publications'), ('patents'), ('workforce')) as families (family)
    inner join meta.source_snapshots as sources
        on list_contains(sources.feeds, families.family)
    group by families.family
),

-- Wilson score interval of a share p = value of n = denominator records (meta.methods share_interval_rule)
intervals as (
    select
        rows_.*,
        case when rows_.has_interval then settings.wilson_label end as interval_method,
        case when rows_.has_interval then
            (rows_.value + settings.z * settings.z / (2 * rows_.denominator))
            / (1 + settings.z * settings.z / rows_.denominator)
        end as centre,
        case when rows_.has_interval then
            settings.z / (1 + settings.z * settings.z / rows_.denominator)
            * sqrt(
                rows_.value * (1 - rows_.value) / rows_.denominator
                + settings.z * settings.z / (4 * rows_.denominator * rows_.denominator)
            )
        end as half_width
    from rows_
    inner join settings on true
)

select
    family,
    entity_type,
    entity_code,
    entity_name,
    approach,
    year,
    indicator,
    variant,
    value,
    -- the exact interval lies in [0, 1] and holds the value: clamping removes rounding at
    -- p = 0 or 1 (greatest and least skip nulls, hence the case)
    case when has_interval then least(greatest(centre - half_width, 0), value) end as value_low,
    case when has_interval then greatest(least(centre + half_width, 1), value) end as value_high,
    interval_method,
    unit,
    numerator,
    denominator,
    small_n,
    year_incomplete,
    '' as flags,
    method_version,
    data_kind,
    source_snapshot
from intervals
left join snapshots on snapshots.snapshot_family = intervals.family
