-- indicators.patent_growth: one row per entity, approach, priority year, counting basis and family scope: compound annual growth of the fractional family count over the five years to that year
with counts as (
    select entity_type, entity_code, approach, year, counting, family_scope, value as fractional
    from indicators.patent_output
    where indicator = 'patent_families_fractional'
)

select
    now_.entity_type,
    now_.entity_code,
    now_.approach,
    now_.year,
    now_.counting,
    now_.family_scope,
    'patent_growth_5y_cagr' as indicator,
    pow(now_.fractional / before.fractional, 1.0 / 5) - 1 as value,
    now_.fractional as numerator,
    before.fractional as denominator
from counts as now_
inner join counts as before
    on before.entity_type = now_.entity_type
    and before.entity_code = now_.entity_code
    and before.approach = now_.approach
    and before.counting = now_.counting
    and before.family_scope = now_.family_scope
    and before.year = now_.year - 5
where before.fractional > 0
