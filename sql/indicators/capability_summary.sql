-- indicators.capability_summary: one row per technology approach, metric and year: how many countries have a counted result to date, how many are within reach of the frontier, and which countries hold it
select
    approach,
    metric,
    year,
    count(*) as countries_with_result,
    count(*) filter (where within_reach) as countries_within_reach,
    string_agg(country_iso3, ';' order by country_iso3) filter (where holds_frontier)
        as frontier_countries
from indicators.capability_countries
group by all
