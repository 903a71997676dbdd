-- core.researcher_approaches: one row per researcher and technology approach of any of their in-scope works (multi-label; all for every researcher with a work in all, so not one whose works are only on post-quantum cryptography), with the number of such works and the year of the first: the researcher counts in the approach from that year on
-- (each researcher's works taken once, then counted per approach: core.work_approaches holds a
-- work and approach once, so this is the count of distinct works, without a distinct count)
with researcher_works as (
    select distinct
        cast(substr(ids.canonical_id, 2) as bigint) as researcher_id,  -- the id's number
        authorships.work_id
    from staging.authorships as authorships
    inner join staging.author_ids as ids
        on ids.author_id = authorships.author_id
)

select
    researcher_works.researcher_id,
    approaches.approach,
    count(*) as works,
    min(works.publication_year) as first_year
from researcher_works
inner join staging.works as works
    on works.work_id = researcher_works.work_id
inner join core.work_approaches as approaches
    on approaches.work_id = researcher_works.work_id
group by researcher_works.researcher_id, approaches.approach
