-- staging.authors: one row per canonical author with an author record, taken from the best record read (its own id before a merged one, a live record before a deleted placeholder, then the latest updated_date); records_seen counts the others
with ranked as (
    select
        ids.canonical_id,
        authors.*,
        row_number() over (
            partition by ids.canonical_id
            order by
                (authors.author_id = ids.canonical_id) desc,
                authors.is_deleted,
                authors.updated_date desc nulls last,
                authors.source_file,
                authors.record_index
        ) as pick,
        count(*) over (partition by ids.canonical_id) as records_seen
    from raw.openalex_authors as authors
    inner join staging.author_ids as ids
        on ids.author_id = authors.author_id
)

select
    canonical_id as author_id,
    record_key,
    display_name,
    orcid,
    works_count,
    is_deleted,
    affiliations_listed,
    updated_date,
    schema_generation,
    records_seen,
    source_file,
    source_sha256,
    record_index
from ranked
where pick = 1
