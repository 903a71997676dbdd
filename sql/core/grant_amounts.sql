-- core.grant_amounts: one row per in-scope grant: its amount in the funder's currency, its year (the start year), and that amount in US dollars at the year's average exchange rate and in constant US dollars of the price base year (null, and flagged, where a rate or deflator is missing: never an assumed dollar)
with settings as (
    select (select value::integer from ref.methods where key = 'funding_price_base_year') as base_year
),

deflator as (
    select year, value
    from staging.economic_indicators
    where country_iso3 = 'USA' and indicator = 'gdp_deflator'
)

select
    grants.grant_key,
    grants.service,
    grants.start_year as year,
    grants.currency,
    grants.amount,
    fx.units_per_usd,
    grants.amount / fx.units_per_usd as usd_nominal,
    grants.amount / fx.units_per_usd * base.value / year_deflator.value as usd_constant,
    settings.base_year as price_base_year,
    fx.units_per_usd is null as no_fx_rate,
    year_deflator.value is null or base.value is null as no_deflator
from staging.grants as grants
cross join settings
left join staging.fx_rates as fx
    on fx.currency = grants.currency
    and fx.year = grants.start_year
left join deflator as year_deflator
    on year_deflator.year = grants.start_year
left join deflator as base
    on base.year = settings.base_year
where grants.in_scope
