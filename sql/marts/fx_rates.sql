-- marts.fx_rates: one row per currency and year: the yearly average exchange rate (currency units per US dollar) every funding conversion uses, with its source
select currency, year, units_per_usd, source
from staging.fx_rates
