-- staging.researcher_evidence: one row per canonical author, year, country and trail, with the amount of evidence that places the author there that year (profile: distinct institutions listing the year, for every author with a record; authorships: distinct in-scope works, for every researcher); a year's rows depend on that year's works alone, so a refresh rewrites the years of the works that changed
with profile as (
    -- every author record's, researcher or not: who is a researcher depends on every year's
    -- works (the tables that read this one keep the researchers' rows)
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
    group by all
),

authorship as (
    select
        coalesce(merges.canonical_id, authorships.author_id) as researcher_id,
        works.publication_year as year,
        countries.country_iso3,
        'authorships' as trail,
        count(distinct authorships.work_id) as evidence
    from staging.authorships as authorships
    left join staging.author_merges as merges
        on merges.author_id = authorships.author_id
    inner join staging.authorship_countries as countries
        on countries.work_id = authorships.work_id
        and countries.position = authorships.position
    inner join staging.works as works
        on works.work_id = authorships.work_id
    where authorships.author_id is not null
    group by all
)

select * from profile
union all
select * from authorship
