-- marts.supply_chain_long: one row per trade indicator, entity (country, bloc or world), level (an HS component line, or a technology approach), bloc and year, in the columns every long view shares (shares of trade value get no interval)
select
    'supply_chain' as family,
    mart.entity_type,
    mart.entity_code,
    mart.entity_name,
    mart.approach,
    mart.year,
    mart.indicator,
    concat_ws(
        '; ',
        'level=' || mart.level,
        'hs_code=' || mart.hs_code,
        'bloc=' || mart.bloc
    ) as variant,
    mart.value,
    null::double as value_low,
    null::double as value_high,
    null::varchar as interval_method,
    mart.unit,
    mart.numerator,
    mart.denominator,
    -- trade values are not counts of records: no small-number rule
    false as small_n,
    mart.latest_year_incomplete as year_incomplete,
    concat_ws(
        '; ',
        case when mart.series_break then 'series_break' end,
        case when mart.value_missing then 'value_missing' end,
        case when mart.mirror_share > 0 then 'mirror_share' end
    ) as flags,
    mart.method_version,
    mart.data_kind,
    snapshots.source_snapshot
from marts.supply_chain_indicators as mart
inner join (
    -- the trade records' sources (meta.source_snapshots feeds)
    select string_agg(snapshot, ', ' order by snapshot) as source_snapshot
    from meta.source_snapshots
    where list_contains(feeds, 'supply_chain')
) as snapshots on true
