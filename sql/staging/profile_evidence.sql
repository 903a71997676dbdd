-- staging.profile_evidence: one row per canonical author with a record, year and country of the record's affiliations, with the distinct institutions that list the author there that year; read from the author records alone, so new works leave it as it was
-- (every author record's, researcher or not: who is a researcher depends on every year's works,
-- and the tables that read the evidence keep the researchers' rows)
select
    cast(substr(authors.author_id, 2) as bigint) as researcher_id,  -- the id's number
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
