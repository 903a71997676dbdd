-- core.researcher_approaches: one row per researcher and technology approach of any of their in-scope works (multi-label, whole career; every researcher has all), with the number of such works
select
    ids.canonical_id as researcher_id,
    approaches.approach,
    count(distinct authorships.work_id) as works
from staging.authorships as authorships
inner join staging.author_ids as ids
    on ids.author_id = authorships.author_id
inner join core.work_approaches as approaches
    on approaches.work_id = authorships.work_id
group by ids.canonical_id, approaches.approach
