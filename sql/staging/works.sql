-- staging.works: one row per canonical OpenAlex work (merged ids resolved along their chain, duplicates across pages and files dropped)
-- (the record kept is picked on its key and ordering columns alone, then read whole: a window
-- over every column, abstracts included, spilled at three million works). The abstract itself
-- stays in raw.openalex_works, where the classifier reads it by record_key: writing every
-- abstract again here cost about 0.8 s of 1.9 s at a million works. Its hash is kept, so that
-- a work whose abstract alone changed under the same record (a new parser) is a changed work
with recursive chain as (
    -- W1 -> W2 -> W3: a record of W1 stands for W3; followed from the ids of the records
    -- alone (a snapshot's merged-ids files list millions), at most 10 steps
    select old_id, merge_into_id as target, 1 as steps
    from raw.openalex_merged_ids
    where old_id <> merge_into_id
        and old_id in (select work_id from raw.openalex_works)
    union all
    select chain.old_id, next_merge.merge_into_id, chain.steps + 1
    from chain
    inner join raw.openalex_merged_ids as next_merge
        on next_merge.old_id = chain.target
    where chain.steps < 10
        and next_merge.old_id <> next_merge.merge_into_id
),

cyclic as (
    -- a work id on a cycle of merges (W7 -> W8 -> W7): its chain comes back to it
    select distinct old_id as id
    from chain
    where target = old_id
),

reached as (
    -- each id a chain reaches, whether it lies on a cycle, and the step it is reached at last
    select chain.old_id, chain.target, max(chain.steps) as last_step,
        bool_or(cyclic.id is not null) as on_cycle
    from chain
    left join cyclic
        on cyclic.id = chain.target
    group by all
),

merged as (
    -- the end of the chain; a chain that reaches a cycle stands for the cycle's first id in
    -- text order among those it reaches, so one work is never two
    select
        old_id,
        coalesce(min(target) filter (where on_cycle), arg_max(target, last_step))
            as merge_into_id
    from reached
    group by old_id
),

resolved as (
    select
        coalesce(merged.merge_into_id, works.work_id) as canonical_id,
        works.work_id,
        works.record_key,
        works.updated_date,
        works.is_authors_truncated,
        works.source_file,
        works.record_index
    from raw.openalex_works as works
    left join merged
        on merged.old_id = works.work_id
),

ranked as (
    select
        canonical_id,
        record_key,
        row_number() over (
            partition by canonical_id
            order by
                (work_id = canonical_id) desc,
                -- a record listing every authorship (a single work's) before a list page's,
                -- which cuts them at 100
                coalesce(is_authors_truncated, false),
                updated_date desc nulls last,
                source_file,
                record_index
        ) as pick,
        count(*) over (partition by canonical_id) as records_seen
    from resolved
)

select
    ranked.canonical_id as work_id,
    works.record_key,
    works.doi,
    works.title,
    hash(works.abstract) as abstract_hash,
    works.publication_year,
    works.publication_date,
    works.work_type,
    works.language,
    works.cited_by_count,
    works.fwci,
    works.is_retracted,
    works.is_authors_truncated,
    works.authorships_listed,
    works.schema_generation,
    ranked.records_seen,
    works.source_file,
    works.source_sha256,
    works.record_index
from ranked
inner join raw.openalex_works as works
    on works.record_key = ranked.record_key
where ranked.pick = 1
