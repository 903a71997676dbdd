-- staging.author_ids: one row per OpenAlex author id seen in the in-scope works or the author records, with the canonical id it stands for (merged ids resolved one step, as OpenAlex publishes them)
with merges as (
    select old_id, merge_into_id, merge_date, source_file
    from raw.openalex_author_merged_ids
    union all
    -- a works merged-ids file may list author ids too
    select old_id, merge_into_id, merge_date, source_file
    from raw.openalex_merged_ids
    where old_id like 'A%'
),

latest_merge as (
    select
        old_id,
        arg_max(merge_into_id, merge_date || merge_into_id) as merge_into_id,
        arg_max(source_file, merge_date || merge_into_id) as merge_file
    from merges
    group by old_id
),

seen as (
    select author_id, true as in_works, false as has_record
    from staging.authorships
    where author_id is not null
    union all
    select author_id, false as in_works, true as has_record
    from raw.openalex_authors
)

select
    seen.author_id,
    coalesce(latest_merge.merge_into_id, seen.author_id) as canonical_id,
    latest_merge.merge_file,
    bool_or(seen.in_works) as in_works,
    bool_or(seen.has_record) as has_record
from seen
left join latest_merge
    on latest_merge.old_id = seen.author_id
group by seen.author_id, latest_merge.merge_into_id, latest_merge.merge_file
