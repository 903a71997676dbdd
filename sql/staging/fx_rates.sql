-- staging.fx_rates: one row per currency and year: the yearly average number of currency units per US dollar, from the World Bank refresh (live mode) where it has the year, else the reviewed FX table, plus the US dollar itself (1 by definition in every year from 1990 to next year)
with refreshed as (
    select currency, year::integer as year, units_per_usd::double as units_per_usd, source
    from raw.refreshed_fx_rates
    where currency <> 'USD'  -- the dollar is 1 by definition (below), never a fetched rate
),

reviewed as (
    select
        reviewed.currency,
        reviewed.year::integer as year,
        reviewed.units_per_usd::double as units_per_usd,
        reviewed.source
    from ref.fx_rates as reviewed
    anti join refreshed
        on refreshed.currency = reviewed.currency
        and refreshed.year = reviewed.year::integer
),

dollar_years as (
    select unnest(range(1990, year(current_date) + 2))::integer as year
)

select currency, year, units_per_usd, source from refreshed
union all
select currency, year, units_per_usd, source from reviewed
union all
select 'USD' as currency, year, 1.0 as units_per_usd, 'US dollar: 1 by definition' as source
from dollar_years
