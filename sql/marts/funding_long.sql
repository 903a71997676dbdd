-- marts.funding_long: one row per entity (country, supranational EU, bloc or world), technology approach, year, funding kind, funder scope and funding indicator, in the columns every long view shares (shares of money get no interval)
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
    mart.source_snapshot
from marts.funding_indicators as mart
