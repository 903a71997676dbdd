-- indicators.publication_growth: one row per entity, approach and year: compound annual growth of the fractional count over the five years to that year
with counts as (
    select entity_type, entity_code, approach, year, value as fractional
    from indicators.publication_output
    where indicator = 'publications_fractional'
)

select
    now_.entity_type,
    now_.entity_code,
    now_.approach,
    now_.year,
    'growth_5y_cagr' as indicator,
    pow(now_.fractional / before.fractional, 1.0 / 5) - 1 as value,
    now_.fractional as numerator,
    before.fractional as denominator
from counts as now_
inner join counts as before
    on before.entity_type = now_.entity_type
    and before.entity_code = now_.entity_code
    and before.approach = now_.approach
    and before.year = now_.year - 5
where before.fractional > 0
