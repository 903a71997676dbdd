-- marts.economic_indicators: one row per country (or the EU), year and indicator (GDP in current US dollars, GDP in PPP international dollars, population, the US GDP deflator) the funding conversions use, with unit and source
select country_iso3, year, indicator, value, unit, source
from staging.economic_indicators
