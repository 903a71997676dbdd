-- indicators.citation_impact: one row per entity, approach, year and indicator: share of the world's top-10% most cited works, PP(top10) and mean field-weighted citation impact, all fractionally counted
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
        -- exact decimal sums, converted once: rebuilds give identical digits
        sum(fraction)::double as fractional,
        (sum(fraction) filter (where is_top10))::double as top10,
        (sum(fraction * fwci::decimal(18, 6)) filter (where fwci is not null))::double as fwci_weighted,
        (sum(fraction) filter (where fwci is not null))::double as fwci_covered
    from credited
    group by all
),

with_world as (
    select
        sums.*,
        world.top10 as world_top10
    from sums
    inner join sums as world
        on world.entity_type = 'world'
        and world.approach = sums.approach
        and world.year = sums.year
)

select entity_type, entity_code, approach, year, 'top10_share_of_world' as indicator,
    coalesce(top10, 0) / world_top10 as value, coalesce(top10, 0) as numerator, world_top10 as denominator
from with_world
where world_top10 > 0
union all
select entity_type, entity_code, approach, year, 'pp_top10' as indicator,
    coalesce(top10, 0) / fractional as value, coalesce(top10, 0) as numerator, fractional as denominator
from with_world
union all
select entity_type, entity_code, approach, year, 'mean_fwci' as indicator,
    fwci_weighted / fwci_covered as value, fwci_weighted as numerator, fwci_covered as denominator
from with_world
where fwci_covered > 0
