-- marts.security_long: one row per entity (country, bloc or world), technology approach, year, concern set and research-security indicator, in the columns every long view shares, with the mart's own Wilson interval
with settings as (
    select
        'wilson-' || round(100 * (max(value) filter (where key = 'share_interval_level'))::double)::integer
            as wilson_label
    from meta.methods
),

-- each channel's sources (meta.source_snapshots feeds): the works', patents' or grants'
snapshots as (
    select
        channels.indicator,
        string_agg(sources.snapshot, ', ' order by sources.snapshot) as source_snapshot
    from (select distinct indicator from marts.security_indicators) as channels
    inner join meta.source_snapshots as sources
        on list_contains(
            sources.feeds, 'security:' || replace(channels.indicator, '_concern_share', '')
        )
    group by channels.indicator
)

select
    'security' as family,
    mart.entity_type,
    mart.entity_code,
    mart.entity_name,
    mart.approach,
    mart.year,
    mart.indicator,
    'concern_set=' || mart.concern_set as variant,
    mart.value,
    mart.value_low,
    mart.value_high,
    -- the mart computes the interval at meta.methods share_interval_z
    case when mart.value_low is not null then settings.wilson_label end as interval_method,
    mart.unit,
    mart.numerator,
    mart.denominator,
    mart.small_n,
    mart.year_incomplete,
    '' as flags,
    mart.method_version,
    mart.data_kind,
    snapshots.source_snapshot
from marts.security_indicators as mart
inner join settings on true
left join snapshots on snapshots.indicator = mart.indicator
