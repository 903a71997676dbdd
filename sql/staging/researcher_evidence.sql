-- staging.researcher_evidence: one row per researcher (canonical author of an in-scope work), year, country and trail, with the amount of evidence that places the researcher there that year (profile: distinct institutions listing the year; authorships: distinct in-scope works)
with profile as (
    select
        authors.author_id as researcher_id,
        affiliations.year,
        affiliations.country_iso3,
        'profile' as trail,
        -- an affiliation without id or name still counts once (by its place in the list)
        count(distinct coalesce(
            affiliations.institution_id,
            affiliations.institution_name,
            'position ' || affiliations.position
        )) as evidence
    from staging.authors as authors
    inner join raw.openalex_author_affiliations as affiliations
        on affiliations.record_key = authors.record_key
    where not authors.is_deleted
        and affiliations.country_iso3 is not null
        and authors.author_id in (select researcher_id from staging.researchers)
    group by all
),

authorship as (
    select
        ids.canonical_id as researcher_id,
        works.publication_year as year,
        countries.country_iso3,
        'authorships' as trail,
        count(distinct authorships.work_id) as evidence
    from staging.authorships as authorships
    inner join staging.author_ids as ids
        on ids.author_id = authorships.author_id
    inner join staging.authorship_countries as countries
        on countries.work_id = authorships.work_id
        and countries.position = authorships.position
    inner join staging.works as works
        on works.work_id = authorships.work_id
    group by all
)

select * from profile
union all
select * from authorship
