-- staging.authors: one row per canonical author with an author record, taken from the best record read (a live record before a deleted placeholder, then its own id before a merged one, then the latest updated_date); records_seen counts the others
-- merged ids resolved by staging.author_merges, not staging.author_ids, so new works leave this table as it was
with canonical as (
    select coalesce(merges.canonical_id, authors.author_id) as canonical_id, authors.*
    from raw.openalex_authors as authors
    left join staging.author_merges as merges
        on merges.author_id = authors.author_id
),

ranked as (
    select
        *,
        row_number() over (
            partition by canonical_id
            order by
                -- a live record under a merged id says more than a deleted placeholder
                -- under the canonical one
                is_deleted,
                (author_id = canonical_id) desc,
                updated_date desc nulls last,
                source_file,
                record_index
        ) as pick,
        count(*) over (partition by canonical_id) as records_seen
    from canonical
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
