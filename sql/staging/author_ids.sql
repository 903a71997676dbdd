-- staging.author_ids: one row per OpenAlex author id seen in the in-scope works or the author records, with the canonical id it stands for (merged ids followed to the end of their chain, at most 10 steps)
with recursive merges as (
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
    where old_id <> merge_into_id
    group by old_id
),

chain as (
    -- A1 -> A2 -> A3: A1 stands for A3; a cycle stops after 10 steps
    select old_id, merge_into_id as target, merge_file, 1 as steps
    from latest_merge
    union all
    select chain.old_id, next_merge.merge_into_id, chain.merge_file, chain.steps + 1
    from chain
    inner join latest_merge as next_merge
        on next_merge.old_id = chain.target
    where chain.steps < 10
),

resolved as (
    select old_id, arg_max(target, steps) as canonical_id, min(merge_file) as merge_file
    from chain
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
    coalesce(resolved.canonical_id, seen.author_id) as canonical_id,
    resolved.merge_file,
    bool_or(seen.in_works) as in_works,
    bool_or(seen.has_record) as has_record
from seen
left join resolved
    on resolved.old_id = seen.author_id
group by seen.author_id, resolved.canonical_id, resolved.merge_file
