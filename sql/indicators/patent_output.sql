-- indicators.patent_output: one row per entity, approach, priority year, counting basis, family scope (all or international families) and indicator: whole count, fractional count and world share of patent families
with scoped as (
    select entities.*, 'all' as family_scope
    from core.patent_family_entities as entities
    union all
    select entities.*, 'international' as family_scope
    from core.patent_family_entities as entities
    where entities.is_international
),

entity_counts as (
    select
        scoped.entity_type,
        scoped.entity_code,
        approaches.approach,
        scoped.priority_year as year,
        scoped.counting,
        scoped.family_scope,
        count(*) as whole,
        sum(scoped.fraction)::double as fractional
    from scoped
    inner join core.patent_family_approaches as approaches
        on approaches.family_id = scoped.family_id
    group by all
),

with_world as (
    select
        counts.*,
        world.whole as world_families
    from entity_counts as counts
    inner join entity_counts as world
        on world.entity_type = 'world'
        and world.approach = counts.approach
        and world.year = counts.year
        and world.counting = counts.counting
        and world.family_scope = counts.family_scope
)

select entity_type, entity_code, approach, year, counting, family_scope,
    'patent_families_whole' as indicator,
    whole::double as value, whole::double as numerator, null::double as denominator
from with_world
union all
select entity_type, entity_code, approach, year, counting, family_scope,
    'patent_families_fractional' as indicator,
    fractional as value, fractional as numerator, null::double as denominator
from with_world
union all
select entity_type, entity_code, approach, year, counting, family_scope,
    'patent_world_share' as indicator,
    fractional / world_families as value, fractional as numerator,
    world_families::double as denominator
from with_world
