-- core.trade_country_totals: one row per year, HS series (or TOTAL), country and flow: the country's exports or imports, from its own report or, when it filed nothing for that year and flow, from its partners' mirror reports (meta.methods trade_mirror_rule)
with kept as (
    select * from staging.trade_records where kept
),

filers as (
    -- who filed a flow in a year (any code): a reporter that filed but lists no row for a
    -- code traded none of it; one that filed nothing is missing, and mirrors stand in
    select distinct year, reporter_iso3, flow_code from kept
),

own as (
    -- the World row when there is one, else the sum of the partner rows
    select
        year,
        series_code,
        reporter_iso3 as country_iso3,
        flow_code,
        bool_or(not_comparable) as not_comparable,
        case
            when bool_or(partner_kind = 'world')
                then max(value_usd) filter (where partner_kind = 'world')
            else sum(value_usd)
        end as value_usd,
        case
            when bool_or(partner_kind = 'world')
                then bool_or(value_missing) filter (where partner_kind = 'world')
            else bool_or(value_missing)
        end as value_missing,
        not bool_or(partner_kind = 'world') as world_row_missing,
        -- the same from the records comparable with the series only: approach totals leave
        -- out the values of an HS2017 line broader than its HS2022 series (8541.40 with solar
        -- cells and LEDs, 7104.20 all synthetic stones, 2845.90 with helium-3), in every year
        -- (meta.methods trade_revision_rule); the line's own series keeps them, flagged
        case
            when bool_or(partner_kind = 'world')
                then max(value_usd) filter (where partner_kind = 'world' and not not_comparable)
            else sum(value_usd) filter (where not not_comparable)
        end as comparable_value_usd,
        coalesce(
            case
                when bool_or(partner_kind = 'world')
                    then bool_or(value_missing)
                        filter (where partner_kind = 'world' and not not_comparable)
                else bool_or(value_missing) filter (where not not_comparable)
            end,
            false
        ) as comparable_value_missing
    from kept
    group by all
),

mirror as (
    -- partners' reports of trade with a country that filed nothing that year and flow:
    -- their imports from it are its exports, their exports to it its imports
    select
        kept.year,
        kept.series_code,
        kept.partner_iso3 as country_iso3,
        case kept.flow_code when 'M' then 'X' else 'M' end as flow_code,
        bool_or(kept.not_comparable) as not_comparable,
        sum(kept.value_usd) as value_usd,
        bool_or(kept.value_missing) as value_missing,
        count(distinct kept.reporter_iso3) as mirror_reporters,
        sum(kept.value_usd) filter (where not kept.not_comparable) as comparable_value_usd,
        coalesce(bool_or(kept.value_missing) filter (where not kept.not_comparable), false)
            as comparable_value_missing
    from kept
    anti join filers
        on filers.year = kept.year
        and filers.reporter_iso3 = kept.partner_iso3
        and filers.flow_code = case kept.flow_code when 'M' then 'X' else 'M' end
    where kept.partner_kind = 'country'
    group by all
)

select
    year, series_code, country_iso3, flow_code, value_usd, value_missing, not_comparable,
    'reported' as basis, world_row_missing, null::bigint as mirror_reporters,
    comparable_value_usd, comparable_value_missing
from own
union all
select
    year, series_code, country_iso3, flow_code, value_usd, value_missing, not_comparable,
    'mirror' as basis, false as world_row_missing, mirror_reporters,
    comparable_value_usd, comparable_value_missing
from mirror
