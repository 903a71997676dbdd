-- indicators.publication_growth: one row per entity, approach and year: compound annual growth of the fractional count over the five years to that year
-- (a year without works of the entity, up to the last year of the data, is a fall to zero:
-- growth -1, as the definition gives; only a base year without works has no row)
with counts as (
    select entity_type, entity_code, approach, year, value as fractional
    from indicators.publication_output
    where indicator = 'publications_fractional'
)

select
    before.entity_type,
    before.entity_code,
    before.approach,
    before.year + 5 as year,
    'growth_5y_cagr' as indicator,
    pow(coalesce(now_.fractional, 0) / before.fractional, 1.0 / 5) - 1 as value,
    coalesce(now_.fractional, 0) as numerator,
    before.fractional as denominator
from counts as before
left join counts as now_
    on now_.entity_type = before.entity_type
    and now_.entity_code = before.entity_code
    and now_.approach = before.approach
    and now_.year = before.year + 5
where before.fractional > 0
    and before.year + 5 <= (select max(year) from counts)
