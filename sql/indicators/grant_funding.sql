-- indicators.grant_funding: one row per entity (country, bloc or world), technology approach, start year, funder (all or one service) and grant indicator: grant money in nominal and constant US dollars credited by organisation country, the number of grants, and the share of the money in international consortia
with credited as (
    select
        fractions.grant_key,
        fractions.service,
        fractions.year,
        fractions.country_iso3,
        fractions.fraction,
        fractions.is_international,
        amounts.usd_nominal * fractions.fraction as usd_nominal,
        amounts.usd_constant * fractions.fraction as usd_constant,
        amounts.no_fx_rate
    from core.grant_country_fractions as fractions
    inner join core.grant_amounts as amounts using (grant_key)
),

entity_credit as (
    select 'country' as entity_type, country_iso3 as entity_code, credited.* exclude (country_iso3)
    from credited
    union all
    -- a bloc takes its members' credit, a grant counted once however many members took part
    select 'bloc' as entity_type, members.bloc as entity_code, credited.* exclude (country_iso3)
    from credited
    inner join core.bloc_member_years as members
        on members.iso3 = credited.country_iso3
        and members.year = credited.year
    union all
    select 'world' as entity_type, 'WLD' as entity_code, credited.* exclude (country_iso3)
    from credited
),

per_grant as (
    select
        entity_type, entity_code, grant_key, service, year, is_international,
        -- sums in exact decimals: the same inputs give the same digits whatever the order
        sum(usd_nominal::decimal(38, 6))::double as usd_nominal,
        sum(usd_constant::decimal(38, 6))::double as usd_constant,
        bool_or(no_fx_rate) as no_fx_rate
    from entity_credit
    group by all
),

by_funder as (
    select per_grant.*, per_grant.service as funder_scope from per_grant
    union all
    select per_grant.*, 'all' as funder_scope from per_grant
),

totals as (
    select
        by_funder.entity_type,
        by_funder.entity_code,
        approaches.approach,
        by_funder.year,
        by_funder.funder_scope,
        count(*) as grants,
        sum(by_funder.usd_nominal::decimal(38, 6))::double as usd_nominal,
        sum(by_funder.usd_constant::decimal(38, 6))::double as usd_constant,
        sum(by_funder.usd_nominal::decimal(38, 6)) filter (where by_funder.is_international)::double
            as usd_international,
        count(*) filter (where by_funder.no_fx_rate) as conversion_gaps,
        count(*) filter (where by_funder.usd_constant is null) as constant_gaps
    from by_funder
    inner join core.grant_approaches as approaches
        on approaches.grant_key = by_funder.grant_key
    group by all
)

select entity_type, entity_code, approach, year, funder_scope,
    'grant_funding_usd' as indicator,
    usd_nominal as value, usd_nominal as numerator, null::double as denominator,
    grants, conversion_gaps
from totals
union all
select entity_type, entity_code, approach, year, funder_scope,
    'grant_funding_usd_constant', usd_constant, usd_constant, null, grants, constant_gaps
from totals
union all
select entity_type, entity_code, approach, year, funder_scope,
    'grants_count', grants::double, grants::double, null, grants, 0
from totals
union all
select entity_type, entity_code, approach, year, funder_scope,
    'grant_international_share',
    coalesce(usd_international, 0) / usd_nominal, coalesce(usd_international, 0), usd_nominal,
    grants, conversion_gaps
from totals
where usd_nominal > 0
