-- marts.supply_single_points: one row per technology approach, core HS component line and year: the top exporter and runner-up with their shares of world exports, concentration, and the single-point-of-failure flag
select
    points.approach,
    points.series_code as hs_code,
    lines.component_label,
    lines.role,
    points.year::bigint as year,
    points.top_exporter_iso3,
    countries.name as top_exporter_name,
    points.top_share,
    points.runner_up_iso3,
    points.runner_up_share,
    points.world_exports as world_exports_usd,
    points.hhi,
    points.is_single_point,
    points.threshold,
    points.value_missing,
    points.not_comparable as series_break,
    -- a year fewer reporters have filed yet: its single points can still change
    coalesce(years.incomplete, true) as latest_year_incomplete,
    (select string_agg(distinct data_kind, ', ' order by data_kind) from raw.trade_source_files)
        as data_kind
from indicators.supply_single_points as points
left join ref.hs_codes as lines
    on lines.hs_revision = 'HS2022' and lines.hs_code = points.series_code
left join ref.countries as countries on countries.iso3 = points.top_exporter_iso3
left join core.trade_years as years on years.year = points.year
