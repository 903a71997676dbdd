-- marts.funding_programmes: one row per reviewed programme figure: as announced (amount, currency, period, scope, source), its review status, the rule it breaks if any, whether it is counted, and its conversions to US dollars (nominal at the price year's rate, constant, PPP) in total and per year
with conversions as (
    select
        row_id,
        sum(usd_nominal) as usd_nominal,
        sum(usd_constant) as usd_constant,
        sum(ppp_dollars) as ppp_dollars,
        any_value(price_level_year) as price_level_year
    from core.programme_years
    group by all
)

select
    programmes.row_id,
    programmes.programme_id,
    programmes.country_iso3,
    coalesce(countries.name, case programmes.country_iso3 when 'EUU' then 'European Union' end)
        as country_name,
    programmes.programme,
    programmes.amount,
    programmes.amount_kind,
    programmes.currency,
    programmes.start_year,
    programmes.end_year,
    programmes.stated_duration_years,
    programmes.period_basis,
    programmes.announced_year,
    programmes.price_year,
    programmes.scope,
    programmes.public_money,
    programmes.status,
    programmes.part_of,
    programmes.problem,
    programmes.problem_detail,
    programmes.counted,
    programmes.units_per_usd,
    programmes.amount / programmes.units_per_usd as usd_nominal_at_price_year,
    conversions.usd_nominal as counted_usd_nominal,
    conversions.usd_constant as counted_usd_constant,
    conversions.ppp_dollars as counted_ppp_dollars,
    conversions.usd_nominal / programmes.period_years as usd_per_year,
    conversions.price_level_year,
    programmes.source_kind,
    programmes.source_url,
    programmes.accessed,
    programmes.review_note
from staging.funding_programmes as programmes
left join conversions using (row_id)
left join ref.countries as countries
    on countries.iso3 = programmes.country_iso3
