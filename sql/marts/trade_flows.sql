-- marts.trade_flows: one row per year, HS component line, importer and exporter: the importer's imports from the exporter in USD, as the importer reported them or from the exporter's mirror report (basis), exporter UNK = an unnamed area; a flow whose value was withheld is kept, its value null (value_missing), never read as zero; a year fewer reporters filed than trade_complete_reporter_share of the most is flagged
select
    flows.year::bigint as year,
    flows.series_code as hs_code,
    lines.component_label,
    flows.importer_iso3,
    flows.exporter_iso3,
    flows.value_usd,
    flows.value_missing,
    flows.basis,
    flows.not_comparable as series_break,
    (select string_agg(distinct data_kind, ', ' order by data_kind) from raw.trade_source_files)
        as data_kind,
    coalesce(years.incomplete, true) as year_incomplete
from core.trade_bilateral as flows
left join ref.hs_codes as lines
    on lines.hs_revision = 'HS2022' and lines.hs_code = flows.series_code
left join core.trade_years as years
    on years.year = flows.year
