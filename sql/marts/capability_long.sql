-- marts.capability_long: one row per country, technology approach, year, metric and capability indicator (best_value, distance_log10, within_reach), and per approach, year and metric the world's countries_within_reach, in the columns every long view shares
with country_rows as (
    select *, 'best_value' as indicator, best_value as value
    from marts.capability_countries
    union all
    select *, 'distance_log10', distance_log10
    from marts.capability_countries
    union all
    select *, 'within_reach', within_reach::integer::double
    from marts.capability_countries
),

rows_ as (
    select
        'country' as entity_type,
        country_iso3 as entity_code,
        country_name as entity_name,
        approach,
        year,
        metric,
        indicator,
        value,
        case when holds_frontier then 'holds_frontier' else '' end as flags,
        year_incomplete,
        method_version
    from country_rows
    union all
    select
        'world',
        'WLD',
        'World',
        approach,
        year,
        metric,
        'countries_within_reach',
        countries_within_reach::double,
        '',
        year_incomplete,
        method_version
    from marts.capability_summary
)

select
    'capability' as family,
    rows_.entity_type,
    rows_.entity_code,
    rows_.entity_name,
    rows_.approach,
    rows_.year,
    rows_.indicator,
    'metric=' || rows_.metric as variant,
    rows_.value,
    null::double as value_low,
    null::double as value_high,
    null::varchar as interval_method,
    -- a best value is in its metric's unit; the others in the indicator's
    case when rows_.indicator = 'best_value' then metrics.unit else definitions.unit end as unit,
    null::double as numerator,
    null::double as denominator,
    -- a milestone is one demonstration, not a sample of records: no small-number rule
    false as small_n,
    -- as the marts flagged it when the build ran (a view reading the date would change its
    -- answer when the year turns, away from its Parquet file and the other families)
    rows_.year_incomplete,
    rows_.flags,
    rows_.method_version,
    -- the milestones are a reviewed registry of real results, also in a sample build
    'reviewed reference table' as data_kind,
    snapshots.source_snapshot
from rows_
-- the milestones' id as meta.source_snapshots computes it, read from the registry itself
-- (the registry alone decides these rows: reviewed data in every build)
inner join (
    select
        'marts.milestones@'
        || left(sha256(coalesce(string_agg(t::varchar, chr(10) order by t::varchar), '')), 12)
            as source_snapshot
    from marts.milestones as t
) as snapshots on true
left join marts.milestone_metrics as metrics on metrics.metric = rows_.metric
left join meta.indicators as definitions on definitions.indicator = rows_.indicator
