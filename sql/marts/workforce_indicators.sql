-- marts.workforce_indicators: one row per entity (country, bloc or world), technology approach, year and workforce-flow indicator, with unit, small-number flags and method version
with flows as (
    select
        entity_type,
        entity_code,
        approach,
        year,
        sum(value) filter (where indicator in ('inflow', 'outflow')) as flow_moves,
        sum(value) filter (where indicator = 'researchers_active') as active
    from indicators.workforce_flows
    group by all
),

settings as (
    select
        (select value::integer from ref.methods where key = 'small_n_threshold') as small_n,
        (select value::integer from ref.methods where key = 'workforce_small_flow') as small_flow,
        (select value::integer from ref.methods where key = 'workforce_retention_years')
            as retention_years,
        (select value::integer from ref.methods where key = 'workforce_max_gap_years') as max_gap,
        -- both trails' kinds: the author records' (the profile) and the works' (the authorships)
        (
            select string_agg(distinct data_kind, ', ' order by data_kind)
            from (
                select data_kind from raw.author_source_files
                union all
                select data_kind from raw.source_files
            )
        ) as data_kind
),

flagged as (
    select
        rows_.entity_type,
        rows_.entity_code,
        case rows_.entity_type
            when 'country' then countries.name
            when 'bloc' then blocs.name
            else 'World'
        end as entity_name,
        rows_.approach,
        rows_.year,
        rows_.indicator,
        rows_.value,
        rows_.numerator,
        rows_.denominator,
        definitions.unit,
        coalesce(flows.active, 0)::bigint as researchers_active,
        coalesce(flows.flow_moves, 0)::bigint as flow_moves,
        case
            when rows_.indicator in ('inflow', 'outflow', 'net_flow', 'migration_efficiency')
                then coalesce(flows.flow_moves, 0) < settings.small_flow
            when rows_.indicator = 'net_migration_rate'
                then coalesce(flows.flow_moves, 0) < settings.small_flow
                or coalesce(flows.active, 0) < settings.small_n
            when rows_.indicator = 'international_moves' then rows_.value < settings.small_flow
            when rows_.indicator = 'retention_5y' then rows_.denominator < settings.small_n
            else rows_.value < settings.small_n
        end as small_n,
        -- retention of year Y is measured in Y + workforce_retention_years; a year's placements
        -- can still be carried from an observation up to workforce_max_gap_years later, so the
        -- counts of those placed (and what divides by them) stay open that much longer
        rows_.year
        + case when rows_.indicator = 'retention_5y' then settings.retention_years else 0 end
            >= least(year(current_date), max(rows_.year) over ()) - case
                when rows_.indicator in (
                    'researchers_active', 'researchers_produced', 'net_migration_rate',
                    'retention_5y'
                )
                    then settings.max_gap
                else 0
            end as year_incomplete,
        definitions.method_version,
        settings.data_kind
    from indicators.workforce_flows as rows_
    cross join settings
    inner join ref.indicators as definitions
        on definitions.indicator = rows_.indicator
    left join flows
        on flows.entity_type = rows_.entity_type
        and flows.entity_code = rows_.entity_code
        and flows.approach = rows_.approach
        and flows.year = rows_.year
    left join ref.countries as countries
        on rows_.entity_type = 'country' and countries.iso3 = rows_.entity_code
    left join ref.blocs as blocs
        on rows_.entity_type = 'bloc' and blocs.bloc = rows_.entity_code
)

-- a release that suppresses small numbers (core.small_numbers) publishes a flagged row
-- without its numbers
select flagged.* replace (
    case when flagged.small_n and suppressing.suppress then null else flagged.value end
        as value,
    case when flagged.small_n and suppressing.suppress then null else flagged.numerator end
        as numerator,
    case when flagged.small_n and suppressing.suppress then null else flagged.denominator end
        as denominator,
    -- the counts beside every row are small by their own rules too (a researchers_active
    -- row of many researchers can carry few moves)
    case
        when (flagged.small_n or flagged.researchers_active < settings.small_n)
            and suppressing.suppress
            then null
        else flagged.researchers_active
    end as researchers_active,
    case
        when (flagged.small_n or flagged.flow_moves < settings.small_flow) and suppressing.suppress
            then null
        else flagged.flow_moves
    end as flow_moves
)
from flagged
cross join core.small_numbers as suppressing
cross join settings
