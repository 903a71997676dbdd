-- staging.authorship_evidence: one row per canonical author of an in-scope work, publication year and country of their authorships, with the distinct in-scope works that place them there; a year's rows depend on that year's works alone, so a refresh rewrites the years of the works that changed
-- (a researcher is named by the number of their id: the canonical id is 'A' and that number,
-- as the check on staging.author_ids makes sure; integers are cheaper to group and write)
select
    cast(substr(coalesce(merges.canonical_id, authorships.author_id), 2) as bigint)
        as researcher_id,
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
