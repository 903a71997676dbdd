-- indicators.workforce_flows: one row per entity (country, bloc or world), technology approach, year and workforce indicator (active researchers, inflow, outflow, net flow, net migration rate, migration efficiency, researchers produced, retention), with numerator and denominator
with settings as (
    select
        (select value::integer from ref.methods where key = 'workforce_first_year') as first_year,
        (select value::integer from ref.methods where key = 'workforce_retention_years')
            as retention_years,
        (select max(publication_year) from staging.works) as last_year
),

active as (
    -- researchers in a country, approach and year, every career stage together; a bloc's
    -- or the world's count is the sum of its countries'
    select country_iso3, approach, year, sum(researchers)::bigint as n
    from core.active_researchers
    group by all
),

moves as (
    -- the counted moves per origin, destination, year of arrival and approach of the
    -- mover, in the years reported: every count below is a sum of these (a bloc's joins
    -- then read thousands of rows, not the millions of moves times approaches)
    select origin_iso3, destination_iso3, year, approach, moves as n
    from indicators.workforce_flow_matrix
),

placed as (
    -- each researcher produced, and where they are retention_years later (null: not placed)
    select
        researchers.researcher_id,
        researchers.producer_iso3,
        researchers.producer_year,
        later.country_iso3 as later_iso3,
        later.year as later_year
    from core.researchers as researchers
    cross join settings
    left join core.researcher_years as later
        on later.researcher_id = researchers.researcher_id
        and later.year = researchers.producer_year + settings.retention_years
    where researchers.producer_iso3 is not null
),

cohort as (
    -- the researchers produced per country, year, later place and approach
    select
        placed.producer_iso3,
        placed.producer_year,
        placed.later_iso3,
        placed.later_year,
        approaches.approach,
        count(*) as n
    from placed
    inner join core.researcher_approaches as approaches
        on approaches.researcher_id = placed.researcher_id
        and approaches.first_year <= placed.producer_year
    group by all
),

counts as (
    -- countries
    select 'country' as entity_type, country_iso3 as entity_code, approach, year,
        'active' as metric, n
    from active
    union all
    select 'country', destination_iso3, approach, year, 'inflow', sum(n)
    from moves group by all
    union all
    select 'country', origin_iso3, approach, year, 'outflow', sum(n)
    from moves group by all
    union all
    select 'country', producer_iso3, approach, producer_year, 'produced', sum(n)
    from cohort group by all
    union all
    select 'country', producer_iso3, approach, producer_year, 'cohort_placed', sum(n)
    from cohort where later_iso3 is not null group by all
    union all
    select 'country', producer_iso3, approach, producer_year, 'cohort_retained', sum(n)
    from cohort where later_iso3 = producer_iso3 group by all
    -- blocs: membership in the year concerned; moves between two members are not flows
    union all
    select 'bloc', members.bloc, active.approach, active.year, 'active', sum(active.n)
    from active
    inner join core.bloc_member_years as members
        on members.iso3 = active.country_iso3 and members.year = active.year
    group by all
    union all
    select 'bloc', members.bloc, moves.approach, moves.year, 'inflow', sum(moves.n)
    from moves
    inner join core.bloc_member_years as members
        on members.iso3 = moves.destination_iso3 and members.year = moves.year
    left join core.bloc_member_years as other
        on other.bloc = members.bloc and other.iso3 = moves.origin_iso3
        and other.year = moves.year
    where other.bloc is null
    group by all
    union all
    select 'bloc', members.bloc, moves.approach, moves.year, 'outflow', sum(moves.n)
    from moves
    inner join core.bloc_member_years as members
        on members.iso3 = moves.origin_iso3 and members.year = moves.year
    left join core.bloc_member_years as other
        on other.bloc = members.bloc and other.iso3 = moves.destination_iso3
        and other.year = moves.year
    where other.bloc is null
    group by all
    union all
    -- each produced researcher counts as produced, and as placed and retained when so (the
    -- names unnested in the select list: a lateral join here is a correlated subquery)
    select 'bloc', bloc, approach, producer_year, name, sum(n)
    from (
        select
            members.bloc,
            cohort.approach,
            cohort.producer_year,
            cohort.n,
            unnest([
                'produced',
                case when cohort.later_iso3 is not null then 'cohort_placed' end,
                case when later_members.iso3 is not null then 'cohort_retained' end
            ]) as name
        from cohort
        inner join core.bloc_member_years as members
            on members.iso3 = cohort.producer_iso3 and members.year = cohort.producer_year
        left join core.bloc_member_years as later_members
            on later_members.bloc = members.bloc
            and later_members.iso3 = cohort.later_iso3
            and later_members.year = cohort.later_year
    )
    where name is not null
    group by all
    -- the world: every placed researcher; every move is international
    union all
    select 'world', 'WLD', approach, year, 'active', sum(n)
    from active group by all
    union all
    select 'world', 'WLD', approach, year, 'moves', sum(n)
    from moves group by all
    union all
    select 'world', 'WLD', approach, producer_year, 'produced', sum(n)
    from cohort group by all
    union all
    select 'world', 'WLD', approach, producer_year, 'cohort_placed', sum(n)
    from cohort where later_iso3 is not null group by all
    union all
    select 'world', 'WLD', approach, producer_year, 'cohort_retained', sum(n)
    from cohort where later_iso3 = producer_iso3 group by all
),

wide as (
    select
        entity_type,
        entity_code,
        approach,
        year,
        coalesce(sum(n) filter (where metric = 'active'), 0)::bigint as active,
        coalesce(sum(n) filter (where metric = 'inflow'), 0)::bigint as inflow,
        coalesce(sum(n) filter (where metric = 'outflow'), 0)::bigint as outflow,
        coalesce(sum(n) filter (where metric = 'moves'), 0)::bigint as moves,
        coalesce(sum(n) filter (where metric = 'produced'), 0)::bigint as produced,
        coalesce(sum(n) filter (where metric = 'cohort_placed'), 0)::bigint as cohort_placed,
        coalesce(sum(n) filter (where metric = 'cohort_retained'), 0)::bigint as cohort_retained
    from counts
    cross join settings
    where counts.year between settings.first_year and settings.last_year
    group by all
),

indicator_rows as (
    select entity_type, entity_code, approach, year, 'researchers_active' as indicator,
        active::double as value, active::double as numerator, null::double as denominator
    from wide
    union all
    select entity_type, entity_code, approach, year, 'researchers_produced',
        produced, produced, null
    from wide
    union all
    select entity_type, entity_code, approach, year, 'retention_5y',
        cohort_retained / cohort_placed, cohort_retained, cohort_placed
    from wide
    where cohort_placed > 0
    union all
    select entity_type, entity_code, approach, year, 'international_moves', moves, moves, null
    from wide
    where entity_type = 'world'
    union all
    select entity_type, entity_code, approach, year, 'inflow', inflow, inflow, null
    from wide
    where entity_type <> 'world'
    union all
    select entity_type, entity_code, approach, year, 'outflow', outflow, outflow, null
    from wide
    where entity_type <> 'world'
    union all
    select entity_type, entity_code, approach, year, 'net_flow',
        inflow - outflow, inflow - outflow, null
    from wide
    where entity_type <> 'world'
    union all
    select entity_type, entity_code, approach, year, 'net_migration_rate',
        (inflow - outflow) / active, inflow - outflow, active
    from wide
    where entity_type <> 'world' and active > 0
    union all
    select entity_type, entity_code, approach, year, 'migration_efficiency',
        (inflow - outflow) / (inflow + outflow), inflow - outflow, inflow + outflow
    from wide
    where entity_type <> 'world' and inflow + outflow > 0
)

select
    entity_type,
    entity_code,
    approach,
    year::bigint as year,
    indicator,
    value::double as value,
    numerator::double as numerator,
    denominator::double as denominator
from indicator_rows
