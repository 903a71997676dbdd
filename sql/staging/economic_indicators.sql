-- staging.economic_indicators: one row per country (or the EU, EUU), year and indicator (gdp_usd, gdp_ppp, population, ppp_factor, gdp_deflator), from the World Bank refresh (live mode) where it has the value, else the reviewed conversion table, typed; a refreshed deflator replaces the committed series whole (one index base)
with refreshed as (
    select country_iso3, year::integer as year, indicator, value::double as value, unit, source
    from raw.refreshed_economic_indicators
),

reviewed as (
    select
        reviewed.country_iso3,
        reviewed.year::integer as year,
        reviewed.indicator,
        reviewed.value::double as value,
        reviewed.unit,
        reviewed.source
    from ref.economic_indicators as reviewed
    anti join refreshed
        on refreshed.country_iso3 = reviewed.country_iso3
        and refreshed.year = reviewed.year::integer
        and refreshed.indicator = reviewed.indicator
    where not (
        reviewed.indicator = 'gdp_deflator'
        and exists (select 1 from refreshed where indicator = 'gdp_deflator')
    )
)

select * from refreshed
union all
select * from reviewed
