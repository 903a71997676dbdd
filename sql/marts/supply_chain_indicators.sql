-- marts.supply_chain_indicators: one row per trade indicator, entity (country, bloc or world), level (an HS component line, or a technology approach summing its core lines), bloc (for imports from inside a bloc), and year, with unit, mirror share, withheld values, HS-revision break and method version
with settings as (
    select
        (select string_agg(distinct data_kind, ', ' order by data_kind) from raw.trade_source_files)
            as data_kind
),

lines as (
    select hs_code as series_code, component_label
    from ref.hs_codes
    where hs_revision = 'HS2022'
),

rows_ as (
    select
        indicator, entity_type, entity_code, 'component' as level, series_code as hs_code,
        null as approach, null as bloc, year, value, numerator, denominator, mirror_share,
        value_missing, not_comparable
    from indicators.trade_components
    union all
    select
        indicator, entity_type, entity_code, 'approach', null, approach, bloc, year, value,
        numerator, denominator, mirror_share, value_missing, not_comparable
    from indicators.trade_approaches
)

select
    rows_.indicator,
    rows_.entity_type,
    rows_.entity_code,
    case rows_.entity_type
        when 'country' then countries.name
        when 'bloc' then blocs.name
        else 'World'
    end as entity_name,
    rows_.level,
    rows_.hs_code,
    lines.component_label,
    rows_.approach,
    rows_.bloc,
    rows_.year::bigint as year,
    rows_.value,
    rows_.numerator,
    rows_.denominator,
    definitions.unit,
    rows_.mirror_share,
    rows_.value_missing,
    rows_.not_comparable as series_break,
    coalesce(years.incomplete, true) as latest_year_incomplete,
    settings.data_kind,
    definitions.method_version
from rows_
cross join settings
inner join ref.indicators as definitions on definitions.indicator = rows_.indicator
left join ref.countries as countries
    on rows_.entity_type = 'country' and countries.iso3 = rows_.entity_code
left join ref.blocs as blocs on rows_.entity_type = 'bloc' and blocs.bloc = rows_.entity_code
left join lines on lines.series_code = rows_.hs_code
left join core.trade_years as years on years.year = rows_.year
