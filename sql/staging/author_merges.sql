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

cyclic as (
    -- an id on a cycle of merges (A1 -> A2 -> A1): its chain comes back to it within ten
    -- steps
    select distinct old_id as id
    from chain
    where target = old_id
),

reached as (
    -- each id a chain reaches, whether it lies on a cycle, and the step it is reached at last
    select chain.old_id, chain.target, chain.merge_file, max(chain.steps) as last_step,
        bool_or(cyclic.id is not null) as on_cycle
    from chain
    left join cyclic
        on cyclic.id = chain.target
    group by all
)

select
    old_id as author_id,
    -- the end of the chain; a chain that reaches a cycle stands for the cycle's first id in
    -- text order among those it reaches, so every id of a cycle of up to ten, and those
    -- merged into it, are one researcher, never several
    coalesce(min(target) filter (where on_cycle), arg_max(target, last_step)) as canonical_id,
    min(merge_file) as merge_file
from reached
group by old_id
