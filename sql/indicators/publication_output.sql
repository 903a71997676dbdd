-- indicators.publication_output: one row per entity, approach, year and indicator: whole count, fractional count and world share of publications
with entity_counts as (
    select
        entities.entity_type,
        entities.entity_code,
        approaches.approach,
        entities.publication_year as year,
        count(*) as whole,
        sum(entities.fraction)::double as fractional
    from core.work_entities as entities
    inner join core.work_approaches as approaches
        on approaches.work_id = entities.work_id
    group by all
),

with_world as (
    select
        counts.*,
        world.whole as world_works
    from entity_counts as counts
    inner join entity_counts as world
        on world.entity_type = 'world'
        and world.approach = counts.approach
        and world.year = counts.year
)

select entity_type, entity_code, approach, year, 'publications_whole' as indicator,
    whole::double as value, whole::double as numerator, null::double as denominator
from with_world
union all
select entity_type, entity_code, approach, year, 'publications_fractional' as indicator,
    fractional as value, fractional as numerator, null::double as denominator
from with_world
union all
select entity_type, entity_code, approach, year, 'world_share' as indicator,
    fractional / world_works as value, fractional as numerator, world_works::double as denominator
from with_world
