-- indicators.citation_impact: one row per entity, approach, year and indicator: share of the world's top-10% most cited works, PP(top10) and mean field-weighted citation impact, all fractionally counted
-- (each common table is read once, so DuckDB inlines it and a filter on the year reaches
-- the scans: a refresh by year reads only its years)
with credited as (
    select
        entities.entity_type,
        entities.entity_code,
        classes.approach,
        classes.publication_year as year,
        entities.fraction,
        classes.is_top10,
        classes.fwci
    from core.work_entities as entities
    inner join core.work_citation_classes as classes
        on classes.work_id = entities.work_id
),

sums as (
    select
        entity_type,
        entity_code,
        approach,
        year,
        sum(fraction)::double as fractional,
        (sum(fraction) filter (where is_top10))::double as top10,
        (sum(fraction * fwci::decimal(18, 6)) filter (where fwci is not null))::double as fwci_weighted,
        (sum(fraction) filter (where fwci is not null))::double as fwci_covered
    from credited
    group by all
),

with_world as (
    select
        *,
        max(top10) filter (where entity_type = 'world') over world as world_top10,
        count(*) filter (where entity_type = 'world') over world > 0 as has_world
    from sums
    window world as (partition by approach, year)
),

indicators as (
    select
        entity_type,
        entity_code,
        approach,
        year,
        unnest([
            {
                indicator: 'top10_share_of_world',
                value: coalesce(top10, 0) / world_top10,
                numerator: coalesce(top10, 0),
                denominator: world_top10,
                kept: world_top10 > 0
            },
            {
                indicator: 'pp_top10',
                value: coalesce(top10, 0) / fractional,
                numerator: coalesce(top10, 0),
                denominator: fractional,
                kept: true
            },
            {
                indicator: 'mean_fwci',
                value: fwci_weighted / fwci_covered,
                numerator: fwci_weighted,
                denominator: fwci_covered,
                kept: fwci_covered > 0
            }
        ]) as measure
    from with_world
    where has_world
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
where measure.kept
