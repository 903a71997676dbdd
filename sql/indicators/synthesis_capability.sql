-- indicators.synthesis_capability: one row per entity (country or bloc), technology approach (and 'all') and year with a hardware frontier: the capability family's value, the mean over the approach's frontier metrics of 10^-(the entity's distance to the frontier in orders of magnitude); a metric without a counted result scores 0, and a bloc takes its best member metric by metric
with metrics as (
    select approach, year, count(*) as metrics
    from indicators.capability_frontier
    group by all
    union all
    select 'all', year, count(*)
    from indicators.capability_frontier
    group by all
),

countries as (
    select
        'country' as entity_type,
        country_iso3 as entity_code,
        approach,
        metric,
        year,
        power(10, -distance_log10) as closeness
    from indicators.capability_countries
),

blocs as (
    select
        'bloc' as entity_type,
        members.bloc as entity_code,
        countries.approach,
        countries.metric,
        countries.year,
        max(countries.closeness) as closeness
    from countries
    inner join core.bloc_member_years as members
        on members.iso3 = countries.entity_code
        and members.year = countries.year
    group by all
),

closeness as (
    select * from countries
    union all
    select * from blocs
),

summed as (
    -- ordered sums: the same closeness values give the same bits in every build
    select entity_type, entity_code, approach, year, sum(closeness order by closeness) as closeness,
        count(*) as metrics_held
    from closeness
    group by all
    union all
    select entity_type, entity_code, 'all', year, sum(closeness order by closeness), count(*)
    from closeness
    group by all
)

select
    summed.entity_type,
    summed.entity_code,
    summed.approach,
    summed.year,
    summed.closeness / metrics.metrics as value,
    summed.metrics_held,
    metrics.metrics
from summed
inner join metrics
    on metrics.approach = summed.approach
    and metrics.year = summed.year
