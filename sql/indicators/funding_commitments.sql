-- indicators.funding_commitments: one row per entity (country, the EU as a supranational funder, bloc or world), calendar year and programme indicator: annualised public programme commitments in nominal, constant and PPP dollars, per GDP, per capita and cumulated, with numerator, denominator and the count of conversion gaps
with programme_rows as (
    select
        case when country_iso3 = 'EUU' then 'supranational' else 'country' end as entity_type,
        country_iso3 as entity_code,
        *
    from core.programme_years
),

bloc_rows as (
    -- a bloc sums its members' national programmes in the years they were members, a year
    -- after the last the memberships reach (next year) with that year's members; the EU27
    -- also takes the EU's own programmes (meta.methods programme_overlap_rule)
    select 'bloc' as entity_type, members.bloc as entity_code, years.*
    from core.programme_years as years
    inner join core.bloc_member_years as members
        on members.iso3 = years.country_iso3
        and members.year = least(years.year, (select max(year) from core.bloc_member_years))
    union all
    select 'bloc' as entity_type, 'EU27' as entity_code, years.*
    from core.programme_years as years
    where years.country_iso3 = 'EUU'
),

world_rows as (
    select 'world' as entity_type, 'WLD' as entity_code, years.*
    from core.programme_years as years
),

all_rows as (
    select * exclude (country_iso3) from programme_rows
    union all by name
    select * exclude (country_iso3) from bloc_rows
    union all by name
    select * exclude (country_iso3) from world_rows
),

totals as (
    select
        entity_type,
        entity_code,
        year,
        -- sums in exact decimals: the same inputs give the same digits whatever the order
        sum(usd_nominal::decimal(38, 6))::double as usd_nominal,
        sum(usd_constant::decimal(38, 6))::double as usd_constant,
        sum(ppp_dollars::decimal(38, 6))::double as ppp_dollars,
        count(distinct row_id) as programmes,
        count(*) filter (where usd_nominal is null) as nominal_gaps,
        count(*) filter (where usd_constant is null) as constant_gaps,
        count(*) filter (where ppp_dollars is null) as ppp_gaps,
        bool_or(amount_kind <> 'exact') as has_bounds
    from all_rows
    group by all
),

spine as (
    -- every year from an entity's first programme year to the last year any programme
    -- reaches, so the running sum carries on through years without an active programme
    -- and after the entity's last one (the world's is then the sum of its countries' and
    -- the EU's own in every year)
    select
        entity_type,
        entity_code,
        unnest(range(min(year), (select max(year) from totals) + 1)) as year
    from totals
    group by all
),

first_years as (
    select entity_type, entity_code, row_id, min(year) as first_year,
        bool_or(usd_nominal is null) as no_rate
    from all_rows
    group by entity_type, entity_code, row_id
),

started as (
    -- the counted figures behind a running sum: those that started by the year
    select spine.entity_type, spine.entity_code, spine.year, count(*) as programmes_to_date,
        count(*) filter (where first_years.no_rate) as gaps_to_date
    from spine
    inner join first_years
        on first_years.entity_type = spine.entity_type
        and first_years.entity_code = spine.entity_code
        and first_years.first_year <= spine.year
    group by all
),

cumulative as (
    select
        spine.entity_type,
        spine.entity_code,
        spine.year,
        -- unknown (null) until some year to date has dollars: a sum of gaps is no zero
        case
            when count(totals.usd_nominal) over (
                partition by spine.entity_type, spine.entity_code order by spine.year
                rows between unbounded preceding and current row
            ) > 0
                then sum(coalesce(totals.usd_nominal, 0)::decimal(38, 6)) over (
                    partition by spine.entity_type, spine.entity_code order by spine.year
                    rows between unbounded preceding and current row
                )::double
        end as cumulative_usd,
        bool_or(coalesce(totals.has_bounds, false)) over (
            partition by spine.entity_type, spine.entity_code order by spine.year
            rows between unbounded preceding and current row
        ) as has_bounds
    from spine
    left join totals
        on totals.entity_type = spine.entity_type
        and totals.entity_code = spine.entity_code
        and totals.year = spine.year
),

settings as (
    select (select value::integer from ref.methods where key = 'funding_max_basis_gap') as max_gap
),

economy as (
    -- GDP and population of the year, else of the nearest year the table has (earlier on
    -- ties), at most funding_max_basis_gap years away
    select
        totals.entity_type,
        totals.entity_code,
        totals.year,
        wdi.indicator,
        arg_min(
            wdi.value,
            abs(wdi.year - totals.year) * 2 + (wdi.year > totals.year)::integer
        ) as value,
        arg_min(
            wdi.year,
            abs(wdi.year - totals.year) * 2 + (wdi.year > totals.year)::integer
        ) as basis_year
    from totals
    cross join settings
    inner join staging.economic_indicators as wdi
        on wdi.country_iso3 = totals.entity_code
        and wdi.indicator in ('gdp_usd', 'population')
        and abs(wdi.year - totals.year) <= settings.max_gap
    where totals.entity_type in ('country', 'supranational')
    group by all
),

long_rows as (
    select entity_type, entity_code, year, 'commitment_usd' as indicator,
        usd_nominal as value, usd_nominal as numerator, null::double as denominator,
        programmes, nominal_gaps as conversion_gaps, has_bounds, null::integer as basis_year
    from totals
    union all
    select entity_type, entity_code, year, 'commitment_usd_constant',
        usd_constant, usd_constant, null, programmes, constant_gaps, has_bounds, null
    from totals
    union all
    select entity_type, entity_code, year, 'commitment_ppp',
        ppp_dollars, ppp_dollars, null, programmes, ppp_gaps, has_bounds, null
    from totals
    union all
    select cumulative.entity_type, cumulative.entity_code, cumulative.year,
        'commitment_cumulative_usd', cumulative.cumulative_usd, cumulative.cumulative_usd, null,
        started.programmes_to_date, started.gaps_to_date, cumulative.has_bounds, null
    from cumulative
    inner join started
        on started.entity_type = cumulative.entity_type
        and started.entity_code = cumulative.entity_code
        and started.year = cumulative.year
    union all
    select totals.entity_type, totals.entity_code, totals.year, 'commitment_per_gdp',
        totals.usd_nominal / economy.value * 1e6, totals.usd_nominal, economy.value,
        totals.programmes, totals.nominal_gaps, totals.has_bounds, economy.basis_year
    from totals
    inner join economy
        on economy.entity_type = totals.entity_type
        and economy.entity_code = totals.entity_code
        and economy.year = totals.year
        and economy.indicator = 'gdp_usd'
    union all
    select totals.entity_type, totals.entity_code, totals.year, 'commitment_per_capita',
        totals.usd_nominal / economy.value, totals.usd_nominal, economy.value,
        totals.programmes, totals.nominal_gaps, totals.has_bounds, economy.basis_year
    from totals
    inner join economy
        on economy.entity_type = totals.entity_type
        and economy.entity_code = totals.entity_code
        and economy.year = totals.year
        and economy.indicator = 'population'
)

select
    entity_type,
    entity_code,
    year,
    indicator,
    value,
    numerator,
    denominator,
    programmes::bigint as programmes,
    conversion_gaps::bigint as conversion_gaps,
    has_bounds,
    basis_year
from long_rows
