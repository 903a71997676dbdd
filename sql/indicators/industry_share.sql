-- indicators.industry_share: one row per entity, approach and year: share of the entity's authorships that are at companies, each authorship counted once and split equally over its distinct institutions of known type (located in the entity; an institution of no known country in ZZZ, the unknown country, and in the world)
with listed as (
    -- an authorship's institutions of known type, an institution it lists twice once (in
    -- the country one of its listings names, else ZZZ)
    select
        institutions.work_id,
        works.publication_year,
        institutions.position,
        coalesce(max(institutions.country_iso3), 'ZZZ') as country_iso3,
        bool_or(institutions.institution_type = 'company') as is_company
    from staging.institutions as institutions
    inner join staging.works as works
        on works.work_id = institutions.work_id
    where institutions.institution_type is not null
    group by
        institutions.work_id,
        works.publication_year,
        institutions.position,
        coalesce(institutions.institution_id, institutions.institution_name)
),

links as (
    -- each authorship weighs 1, split equally over its institutions (the year, one per
    -- work, is in the partition so that a refresh's filter on it reaches the scans)
    select
        work_id,
        publication_year,
        country_iso3,
        is_company,
        1.0 / count(*) over (partition by work_id, publication_year, position) as weight
    from listed
),

entity_links as (
    select 'country' as entity_type, country_iso3 as entity_code, work_id, publication_year, is_company, weight
    from links
    union all
    select 'bloc' as entity_type, memberships.bloc as entity_code, work_id, publication_year, is_company, weight
    from links
    inner join core.bloc_member_years as memberships
        on memberships.iso3 = links.country_iso3
        and memberships.year = links.publication_year
    union all
    select 'world' as entity_type, 'WLD' as entity_code, work_id, publication_year, is_company, weight
    from links
)

select
    entity_links.entity_type,
    entity_links.entity_code,
    approaches.approach,
    entity_links.publication_year as year,
    'industry_share' as indicator,
    coalesce(sum(entity_links.weight) filter (where entity_links.is_company), 0)
        / sum(entity_links.weight) as value,
    coalesce(sum(entity_links.weight) filter (where entity_links.is_company), 0)::double
        as numerator,
    sum(entity_links.weight)::double as denominator
from entity_links
inner join core.work_approaches as approaches
    on approaches.work_id = entity_links.work_id
group by all
