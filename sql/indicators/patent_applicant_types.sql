-- indicators.patent_applicant_types: one row per entity, approach, priority year, family scope and applicant type: the type's share of the entity's fractional applicant credit (company, university, government, individual, unknown)
with credits as (
    select
        parties.family_id,
        parties.country_iso3,
        parties.applicant_type,
        families.priority_year,
        families.is_international,
        -- decimal credits: sums give the same digits in any aggregation order
        (1.0 / count(*) over (partition by parties.family_id))::decimal(38, 18) as credit
    from staging.patent_parties as parties
    inner join staging.patent_families as families
        on families.family_id = parties.family_id
    where parties.role = 'applicant'
),

scoped as (
    select credits.*, 'all' as family_scope from credits
    union all
    select credits.*, 'international' as family_scope from credits where is_international
),

entities as (
    select scoped.*, 'country' as entity_type, country_iso3 as entity_code from scoped
    union all
    select scoped.*, 'bloc' as entity_type, memberships.bloc as entity_code
    from scoped
    inner join core.bloc_member_years as memberships
        on memberships.iso3 = scoped.country_iso3
        and memberships.year = scoped.priority_year
    union all
    select scoped.*, 'world' as entity_type, 'WLD' as entity_code from scoped
),

by_type as (
    select
        entities.entity_type,
        entities.entity_code,
        approaches.approach,
        entities.priority_year as year,
        entities.family_scope,
        entities.applicant_type,
        sum(entities.credit)::decimal(38, 18) as credit
    from entities
    inner join core.patent_family_approaches as approaches
        on approaches.family_id = entities.family_id
    group by all
)

select
    entity_type,
    entity_code,
    approach,
    year,
    family_scope,
    applicant_type,
    (credit / sum(credit) over (
        partition by entity_type, entity_code, approach, year, family_scope
    ))::double as share,
    credit::double as numerator,
    (sum(credit) over (partition by entity_type, entity_code, approach, year, family_scope))::double
        as denominator
from by_type
