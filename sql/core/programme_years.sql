-- core.programme_years: one row per counted programme figure and calendar year of its period: the commitment spread evenly over its years, in its currency, in nominal and constant US dollars of its price year and in PPP international dollars (meta.methods programme_annualisation_rule, funding_conversion_rule)
with settings as (
    select (select value::integer from ref.methods where key = 'funding_price_base_year') as base_year
),

deflator as (
    select year, value
    from staging.economic_indicators
    where country_iso3 = 'USA' and indicator = 'gdp_deflator'
),

price_levels as (
    -- market-rate GDP over PPP GDP: what one US dollar buys in the country relative to the US
    select nominal.country_iso3, nominal.year, nominal.value / ppp.value as usd_per_ppp_dollar
    from staging.economic_indicators as nominal
    inner join staging.economic_indicators as ppp
        on ppp.country_iso3 = nominal.country_iso3
        and ppp.year = nominal.year
        and ppp.indicator = 'gdp_ppp'
    where nominal.indicator = 'gdp_usd'
),

counted as (
    select * from staging.funding_programmes where counted
),

settings_gap as (
    select (select value::integer from ref.methods where key = 'funding_max_basis_gap') as max_gap
),

nearest_level as (
    -- the price level of the price year, else of the nearest year that has both GDP figures
    -- (earlier on ties), at most funding_max_basis_gap years away
    select
        counted.row_id,
        arg_min(
            price_levels.usd_per_ppp_dollar,
            abs(price_levels.year - counted.price_year) * 2 + (price_levels.year > counted.price_year)::integer
        ) as usd_per_ppp_dollar,
        arg_min(
            price_levels.year,
            abs(price_levels.year - counted.price_year) * 2 + (price_levels.year > counted.price_year)::integer
        ) as price_level_year
    from counted
    cross join settings_gap
    inner join price_levels
        on price_levels.country_iso3 = counted.country_iso3
        and abs(price_levels.year - counted.price_year) <= settings_gap.max_gap
    group by all
),

spread as (
    select counted.*, unnest(range(counted.start_year, counted.end_year + 1)) as year
    from counted
)

select
    spread.row_id,
    spread.programme_id,
    spread.country_iso3,
    spread.year,
    spread.amount / spread.period_years as annual_amount,
    spread.currency,
    spread.price_year,
    spread.amount / spread.period_years / spread.units_per_usd as usd_nominal,
    spread.amount / spread.period_years / spread.units_per_usd * base.value / price.value
        as usd_constant,
    spread.amount / spread.period_years / spread.units_per_usd / levels.usd_per_ppp_dollar
        as ppp_dollars,
    levels.price_level_year,
    settings.base_year as price_base_year,
    spread.amount_kind
from spread
cross join settings
left join deflator as price
    on price.year = spread.price_year
left join deflator as base
    on base.year = settings.base_year
left join nearest_level as levels
    on levels.row_id = spread.row_id
