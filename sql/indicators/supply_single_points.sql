-- indicators.supply_single_points: one row per technology approach, core HS series and year: the largest and second exporter of the series, their shares of world exports, the concentration (HHI) and whether one country supplies more than the threshold share (meta.methods trade_single_point_threshold; unknown when an exporter's value was withheld)
with settings as (
    select value::double as threshold from ref.methods where key = 'trade_single_point_threshold'
),

exports as (
    select year, series_code, country_iso3, sum(value_usd) as exports,
        bool_or(not_comparable) as not_comparable
    from core.trade_country_totals
    where flow_code = 'X' and series_code <> 'TOTAL' and value_usd > 0
    group by all
),

withheld as (
    -- lines where an exporter's value was withheld: the shares are then not known
    select distinct year, series_code
    from core.trade_country_totals
    where flow_code = 'X' and series_code <> 'TOTAL' and value_missing
),

ranked as (
    select
        exports.*,
        exports.exports / sum(exports.exports) over line as share,
        sum(exports.exports) over line as world_exports,
        row_number() over (partition by year, series_code order by exports desc, country_iso3)
            as rank
    from exports
    window line as (partition by year, series_code)
),

lines as (
    select
        year,
        series_code,
        max(world_exports) as world_exports,
        sum(share * share) as hhi,
        bool_or(not_comparable) as not_comparable,
        max(country_iso3) filter (where rank = 1) as top_exporter_iso3,
        max(share) filter (where rank = 1) as top_share,
        max(country_iso3) filter (where rank = 2) as runner_up_iso3,
        max(share) filter (where rank = 2) as runner_up_share
    from ranked
    group by all
)

select
    approaches.approach,
    lines.series_code,
    lines.year,
    lines.top_exporter_iso3,
    lines.top_share,
    lines.runner_up_iso3,
    lines.runner_up_share,
    lines.world_exports,
    lines.hhi,
    -- unknown (null) when a withheld value could change the ranking
    case when withheld.year is null then lines.top_share > settings.threshold end
        as is_single_point,
    settings.threshold,
    withheld.year is not null as value_missing,
    lines.not_comparable
from lines
inner join core.trade_series_approaches as approaches using (series_code)
cross join settings
left join withheld using (year, series_code)
