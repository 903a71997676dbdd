-- staging.author_ids: one row per OpenAlex author id seen in the in-scope works or the author records, with the canonical id it stands for (staging.author_merges: the id it was retired into, else itself)
with seen as (
    select author_id, true as in_works, false as has_record
    from staging.authorships
    where author_id is not null
    union all
    select author_id, false as in_works, true as has_record
    from raw.openalex_authors
)

select
    seen.author_id,
    coalesce(merges.canonical_id, seen.author_id) as canonical_id,
    merges.merge_file,
    bool_or(seen.in_works) as in_works,
    bool_or(seen.has_record) as has_record
from seen
left join staging.author_merges as merges
    on merges.author_id = seen.author_id
group by seen.author_id, merges.canonical_id, merges.merge_file
