-- indicators.patent_growth: one row per entity, approach, priority year, counting basis and family scope: compound annual growth of the fractional family count over the five years to that year
-- (a year without families of the entity, up to the last year of the data, is a fall to
-- zero: growth -1, as the definition gives; only a base year without families has no row)
with counts as (
    select entity_type, entity_code, approach, year, counting, family_scope, value as fractional
    from indicators.patent_output
    where indicator = 'patent_families_fractional'
)

select
    before.entity_type,
    before.entity_code,
    before.approach,
    before.year + 5 as year,
    before.counting,
    before.family_scope,
    'patent_growth_5y_cagr' as indicator,
    pow(coalesce(now_.fractional, 0) / before.fractional, 1.0 / 5) - 1 as value,
    coalesce(now_.fractional, 0) as numerator,
    before.fractional as denominator
from counts as before
left join counts as now_
    on now_.entity_type = before.entity_type
    and now_.entity_code = before.entity_code
    and now_.approach = before.approach
    and now_.counting = before.counting
    and now_.family_scope = before.family_scope
    and now_.year = before.year + 5
where before.fractional > 0
    and before.year + 5 <= (select max(year) from counts)
