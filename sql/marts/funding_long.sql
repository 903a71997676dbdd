-- marts.funding_long: one row per entity (country, supranational EU, bloc or world), technology approach, year, funding kind, funder scope and funding indicator, in the columns every long view shares (shares of money get no interval)
with snapshots as (
    -- a row's sources (meta.source_snapshots feeds): the programme figures, or the grants
    -- of its funder scope (every funder's for 'all'), with the conversion tables
    select
        scopes.funding_kind,
        scopes.funder_scope,
        string_agg(sources.snapshot, ', ' order by sources.snapshot) as source_snapshot
    from (select distinct funding_kind, funder_scope from marts.funding_indicators) as scopes
    inner join meta.source_snapshots as sources
        on list_has_any(sources.feeds, ['funding:' || scopes.funding_kind, 'funding:conversions'])
        and (
            not list_contains(sources.feeds, 'funding:grants')
            or scopes.funder_scope in ('all', sources.source)
        )
    group by all
)

select
    'funding' as family,
    mart.entity_type,
    mart.entity_code,
    mart.entity_name,
    mart.approach,
    mart.year,
    mart.indicator,
    'funding_kind=' || mart.funding_kind || '; funder_scope=' || mart.funder_scope
        as variant,
    mart.value,
    null::double as value_low,
    null::double as value_high,
    null::varchar as interval_method,
    mart.unit,
    mart.numerator,
    mart.denominator,
    mart.small_n,
    mart.year_incomplete,
    concat_ws(
        '; ',
        case when mart.has_bounds then 'has_bounds' end,
        case when mart.conversion_gaps > 0 then 'conversion_gaps' end
    ) as flags,
    mart.method_version,
    mart.data_kind,
    snapshots.source_snapshot
from marts.funding_indicators as mart
left join snapshots
    on snapshots.funding_kind = mart.funding_kind
    and snapshots.funder_scope = mart.funder_scope
