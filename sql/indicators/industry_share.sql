-- indicators.industry_share: one row per entity, approach and year: share of the entity's authorship-institution links (institutions of known type located in the entity; an institution of no known country in ZZZ, the unknown country, and in the world) that are at companies
with links as (
    select
        institutions.work_id,
        works.publication_year,
        coalesce(institutions.country_iso3, 'ZZZ') as country_iso3,
        institutions.institution_type = 'company' as is_company
    from staging.institutions as institutions
    inner join staging.works as works
        on works.work_id = institutions.work_id
    where institutions.institution_type is not null
),

entity_links as (
    select 'country' as entity_type, country_iso3 as entity_code, work_id, publication_year, is_company
    from links
    union all
    select 'bloc' as entity_type, memberships.bloc as entity_code, work_id, publication_year, is_company
    from links
    inner join core.bloc_member_years as memberships
        on memberships.iso3 = links.country_iso3
        and memberships.year = links.publication_year
    union all
    select 'world' as entity_type, 'WLD' as entity_code, work_id, publication_year, is_company
    from links
)

select
    entity_links.entity_type,
    entity_links.entity_code,
    approaches.approach,
    entity_links.publication_year as year,
    'industry_share' as indicator,
    avg(case when entity_links.is_company then 1.0 else 0.0 end) as value,
    count(*) filter (where entity_links.is_company)::double as numerator,
    count(*)::double as denominator
from entity_links
inner join core.work_approaches as approaches
    on approaches.work_id = entity_links.work_id
group by all
