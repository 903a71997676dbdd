-- staging.author_merges: one row per OpenAlex author id that a merged-ids file retired, with the canonical id it stands for (merged ids followed to the end of their chain, at most 10 steps) and the file that retired it; read from the merged-ids files alone, so new works leave it as it was
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
    -- A1 -> A2 -> A3: A1 stands for A3; at most 10 steps
    select old_id, merge_into_id as target, merge_file, 1 as steps
    from latest_merge
    union all
    select chain.old_id, next_merge.merge_into_id, chain.merge_file, chain.steps + 1
    from chain
    inner join latest_merge as next_merge
        on next_merge.old_id = chain.target
    where chain.steps < 10
),

reached as (
    -- each id a chain reaches, how often and at which step last
    select old_id, target, merge_file, count(*) as times, max(steps) as last_step
    from chain
    group by all
)

select
    old_id as author_id,
    -- the end of the chain; a chain that comes round again (A1 -> A2 -> A1) stands for the
    -- first in text order of the ids it meets more than once, the same for every id of the
    -- cycle and for those merged into it, so one researcher is never two
    coalesce(min(target) filter (where times > 1), arg_max(target, last_step)) as canonical_id,
    min(merge_file) as merge_file
from reached
group by old_id
