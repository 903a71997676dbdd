-- indicators.patent_applicant_types: one row per entity, approach, priority year, family scope and applicant type: the type's share of the entity's fractional applicant credit (company, university, government, individual, unknown)
with entities as (
    select credits.*, 'country' as entity_type, credits.country_iso3 as entity_code
    from core.patent_applicant_credits as credits
    union all
    select credits.*, 'bloc' as entity_type, memberships.bloc as entity_code
    from core.patent_applicant_credits as credits
    inner join core.bloc_member_years as memberships
        on memberships.iso3 = credits.country_iso3
        and memberships.year = credits.priority_year
    union all
    select credits.*, 'world' as entity_type, 'WLD' as entity_code
    from core.patent_applicant_credits as credits
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
