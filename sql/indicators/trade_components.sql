-- indicators.trade_components: one row per entity (country or world), HS series, year and trade indicator (exports, imports, world export share, export activity index, import dependence where both sides are known; for the world also supplier concentration and the top exporter's share), with numerator, denominator and the share resting on mirror flows and whether a withheld value makes it a lower bound
with totals as (
    select
        year,
        series_code,
        country_iso3,
        sum(value_usd) filter (where flow_code = 'X') as exports,
        sum(value_usd) filter (where flow_code = 'M') as imports,
        coalesce(bool_or(basis = 'mirror') filter (where flow_code = 'X'), false) as exports_mirror,
        coalesce(bool_or(basis = 'mirror') filter (where flow_code = 'M'), false) as imports_mirror,
        coalesce(bool_or(value_missing) filter (where flow_code = 'X'), false) as exports_missing,
        coalesce(bool_or(value_missing) filter (where flow_code = 'M'), false) as imports_missing,
        bool_or(not_comparable) as not_comparable
    from core.trade_country_totals
    group by all
),

goods as (
    -- all-goods exports, for the export activity index (reported only: no mirror for TOTAL)
    select year, country_iso3, exports as all_exports
    from totals
    where series_code = 'TOTAL' and exports > 0
),

filed as (
    -- whether a country filed a flow that year: then a line it lists no row for is zero;
    -- otherwise that side is unknown (mirror reports, where there are any, stand in)
    select
        year,
        reporter_iso3 as country_iso3,
        bool_or(flow_code = 'X') as filed_exports,
        bool_or(flow_code = 'M') as filed_imports
    from staging.trade_records
    where kept
    group by all
),

goods_world as (
    -- the world's all-goods exports: every country that reports them, whatever the line
    select year, sum(all_exports) as goods_total from goods group by all
),

lines as (
    select
        totals.*,
        goods.all_exports,
        (totals.exports is not null or coalesce(filed.filed_exports, false))
        and not totals.exports_missing as exports_known,
        (totals.imports is not null or coalesce(filed.filed_imports, false))
        and not totals.imports_missing as imports_known
    from totals
    left join goods using (year, country_iso3)
    left join filed using (year, country_iso3)
    where totals.series_code <> 'TOTAL'
),

world as (
    select
        year,
        series_code,
        sum(exports) as exports,
        sum(imports) as imports,
        sum(exports) filter (where exports_mirror) as mirror_exports,
        sum(imports) filter (where imports_mirror) as mirror_imports,
        -- the line's exports of the countries that report all goods (a line they list no
        -- row for is none), for the export activity index
        coalesce(sum(exports) filter (where all_exports is not null), 0) as exports_with_goods,
        max(exports) as top_exports,
        bool_or(exports_missing) as exports_missing,
        bool_or(imports_missing) as imports_missing,
        bool_or(not_comparable) as not_comparable
    from lines
    group by all
),

hhi as (
    -- summed in the exporters' order: a sum of fractions differs in its last bits with the
    -- order the rows arrive in, which a join of several threads does not fix
    select
        lines.year,
        lines.series_code,
        sum(power(lines.exports / world.exports, 2) order by lines.country_iso3) as hhi
    from lines
    inner join world using (year, series_code)
    where world.exports > 0
    group by all
),

country_rows as (
    select 'exports' as indicator, lines.*, exports as value, exports as numerator,
        null::double as denominator,
        case when exports is null then null when exports_mirror then 1.0 else 0.0 end as mirror_share,
        exports_missing as value_missing
    from lines where exports is not null
    union all
    select 'imports', lines.*, imports, imports, null,
        case when imports is null then null when imports_mirror then 1.0 else 0.0 end,
        imports_missing
    from lines where imports is not null
    union all
    select 'world_export_share', lines.*, lines.exports / world.exports, lines.exports,
        world.exports,
        case when lines.exports_mirror then 1.0 else 0.0 end,
        lines.exports_missing or world.exports_missing
    from lines
    inner join world using (year, series_code)
    where lines.exports is not null and world.exports > 0
    union all
    -- Balassa: (exports of the line / all-goods exports) / (the same over every country
    -- that reports its all-goods exports)
    select 'export_activity_index', lines.*,
        (lines.exports / lines.all_exports)
        / (world.exports_with_goods / goods_world.goods_total),
        lines.exports / lines.all_exports,
        world.exports_with_goods / goods_world.goods_total,
        case when lines.exports_mirror then 1.0 else 0.0 end,
        lines.exports_missing or world.exports_missing
    from lines
    inner join world using (year, series_code)
    inner join goods_world using (year)
    where lines.exports is not null and lines.all_exports is not null
        and world.exports_with_goods > 0
    union all
    select 'import_dependence', lines.*,
        coalesce(imports, 0) / (coalesce(imports, 0) + coalesce(exports, 0)),
        coalesce(imports, 0),
        coalesce(imports, 0) + coalesce(exports, 0),
        -- the share of M + X resting on mirror reports
        ((case when imports_mirror then coalesce(imports, 0) else 0 end)
            + (case when exports_mirror then coalesce(exports, 0) else 0 end))
        / (coalesce(imports, 0) + coalesce(exports, 0)),
        false
    from lines
    where exports_known and imports_known and coalesce(imports, 0) + coalesce(exports, 0) > 0
)

select
    'country' as entity_type, country_iso3 as entity_code, series_code, year, indicator, value,
    numerator, denominator, mirror_share, value_missing, not_comparable
from country_rows
union all
select
    'world', 'WLD', world.series_code, world.year, rows_.indicator, rows_.value,
    rows_.numerator, rows_.denominator, rows_.mirror_share, rows_.value_missing,
    world.not_comparable
from world
left join hhi using (year, series_code)
cross join lateral (
    select 'exports' as indicator, world.exports as value, world.exports as numerator,
        null::double as denominator,
        coalesce(world.mirror_exports, 0) / nullif(world.exports, 0) as mirror_share,
        world.exports_missing as value_missing
    union all
    select 'imports', world.imports, world.imports, null,
        coalesce(world.mirror_imports, 0) / nullif(world.imports, 0), world.imports_missing
    union all
    -- the HHI is the sum of the squared shares: its numerator, with no denominator
    select 'supplier_hhi', hhi.hhi, hhi.hhi, null,
        coalesce(world.mirror_exports, 0) / nullif(world.exports, 0), world.exports_missing
    union all
    select 'top_exporter_share', world.top_exports / world.exports, world.top_exports,
        world.exports, coalesce(world.mirror_exports, 0) / nullif(world.exports, 0),
        world.exports_missing
) as rows_
where rows_.value is not null
