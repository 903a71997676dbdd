-- marts.bloc_member_years: one row per bloc, country and year (up to next year) in which the country counted for the bloc (a member on 31 December)
select
    years.bloc,
    years.iso3,
    countries.name as country_name,
    years.year
from core.bloc_member_years as years
inner join ref.countries as countries
    on countries.iso3 = years.iso3
