-- indicators.publication_output: one row per entity, approach, year and indicator: whole count, fractional count and world share of publications
-- (each common table is read once, so DuckDB inlines it and a filter on the year reaches
-- the scans: a refresh by year reads only its years)
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
        *,
        max(whole) filter (where entity_type = 'world')
            over (partition by approach, year) as world_works
    from entity_counts
),

indicators as (
    select
        entity_type,
        entity_code,
        approach,
        year,
        unnest([
            {
                indicator: 'publications_whole',
                value: whole::double,
                numerator: whole::double,
                denominator: null::double
            },
            {
                indicator: 'publications_fractional',
                value: fractional,
                numerator: fractional,
                denominator: null::double
            },
            {
                indicator: 'world_share',
                value: fractional / world_works,
                numerator: fractional,
                denominator: world_works::double
            }
        ]) as measure
    from with_world
    where world_works is not null
)

select
    entity_type,
    entity_code,
    approach,
    year,
    measure.indicator,
    measure.value,
    measure.numerator,
    measure.denominator
from indicators
