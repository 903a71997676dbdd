-- marts.trade_country_totals: one row per year, HS component line (or TOTAL, all goods), country and flow: the country's exports or imports in USD, from its own report or, when it filed nothing for that year and flow, from its partners' mirror reports (basis); what the exports, imports, world export shares and single points of failure of marts.supply_chain_indicators and marts.supply_single_points are summed from
select
    totals.year::bigint as year,
    totals.series_code as hs_code,
    case when totals.series_code = 'TOTAL' then 'All goods' else lines.component_label end
        as component_label,
    totals.country_iso3,
    case totals.flow_code when 'X' then 'exports' else 'imports' end as flow,
    totals.value_usd,
    totals.value_missing,
    totals.basis,
    totals.mirror_reporters,
    totals.world_row_missing,
    totals.not_comparable as series_break,
    (select string_agg(distinct data_kind, ', ' order by data_kind) from raw.trade_source_files)
        as data_kind,
    coalesce(years.incomplete, true) as year_incomplete
from core.trade_country_totals as totals
left join ref.hs_codes as lines
    on lines.hs_revision = 'HS2022' and lines.hs_code = totals.series_code
left join core.trade_years as years
    on years.year = totals.year
