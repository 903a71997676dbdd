-- indicators.frontier_institutions: one row per family (publications or patents), technology approach, year and organisation among the ten with the largest fractional credit there (publications: OpenAlex institutions, each work weighing 1 split over its authorships and each authorship's share over its institutions; patents: applicants of all families, each family split equally over its applicants), with its country
with authorship_counts as (
    select work_id, count(*) as authorships
    from staging.authorships
    group by all
),

work_credits as (
    select
        institutions.work_id,
        institutions.institution_id as organisation_id,
        min(institutions.institution_name) as organisation,
        min(institutions.country_iso3) as country_iso3,
        sum(1.0 / counts.authorships / authorships.institutions_listed) as credit
    from staging.institutions as institutions
    inner join staging.authorships as authorships
        on authorships.work_id = institutions.work_id
        and authorships.position = institutions.position
    inner join authorship_counts as counts
        on counts.work_id = institutions.work_id
    where institutions.institution_id is not null
        and authorships.institutions_listed > 0
    group by institutions.work_id, institutions.institution_id
),

publications as (
    select
        'publications' as family,
        approaches.approach,
        works.publication_year as year,
        credits.organisation_id,
        -- an institution the works place in several countries: where most of its credit is
        -- (the same name and country in every build: ties go to the first in order). The
        -- smallest of a key, not first(... order by ...): an ordered aggregate cannot spill
        arg_min_null(
            credits.organisation,
            {'credit': -round(credits.credit, 9), 'name': credits.organisation}
        ) as organisation,
        arg_min_null(
            credits.country_iso3,
            {'credit': -round(credits.credit, 9), 'code': credits.country_iso3}
        ) as country_iso3,
        sum(credits.credit) as credit
    from work_credits as credits
    inner join staging.works as works
        on works.work_id = credits.work_id
    inner join core.work_approaches as approaches
        on approaches.work_id = credits.work_id
    group by all
),

patents as (
    select
        'patents' as family,
        approaches.approach,
        credits.priority_year as year,
        credits.party_key as organisation_id,
        min(credits.name) as organisation,
        min(credits.country_iso3) as country_iso3,
        sum(credits.credit)::double as credit
    from core.patent_applicant_credits as credits
    inner join core.patent_family_approaches as approaches
        on approaches.family_id = credits.family_id
    where credits.family_scope = 'all'
    group by all
),

ranked as (
    select
        *,
        row_number() over (
            -- credit rounded: a sum of fractions differs in its last bits with the order
            -- the rows were added in, which must not reorder institutions of equal credit
            partition by family, approach, year order by round(credit, 9) desc, organisation_id
        ) as rank
    from (select * from publications union all select * from patents)
)

select family, approach, year, rank, organisation_id, organisation, country_iso3, credit
from ranked
where rank <= 10
