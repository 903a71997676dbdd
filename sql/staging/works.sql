-- staging.works: one row per canonical OpenAlex work (merged ids resolved, duplicates across pages and files dropped)
with resolved as (
    select
        coalesce(merged.merge_into_id, works.work_id) as canonical_id,
        works.*
    from raw.openalex_works as works
    left join raw.openalex_merged_ids as merged
        on merged.old_id = works.work_id
),

ranked as (
    select
        *,
        row_number() over (
            partition by canonical_id
            order by
                (work_id = canonical_id) desc,
                updated_date desc nulls last,
                source_file,
                record_index
        ) as pick,
        count(*) over (partition by canonical_id) as records_seen
    from resolved
)

select
    canonical_id as work_id,
    record_key,
    doi,
    title,
    abstract,
    publication_year,
    publication_date,
    work_type,
    language,
    cited_by_count,
    fwci,
    is_retracted,
    is_authors_truncated,
    authorships_listed,
    schema_generation,
    records_seen,
    source_file,
    source_sha256,
    record_index
from ranked
where pick = 1
