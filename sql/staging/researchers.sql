-- staging.researchers: one row per researcher (canonical author of an in-scope work) with the span and count of their in-scope works, which bound their quantum career
select
    cast(substr(ids.canonical_id, 2) as bigint) as researcher_id,  -- the id's number
    min(works.publication_year) as first_quantum_year,
    max(works.publication_year) as last_quantum_year,
    count(distinct works.work_id) as quantum_works,
    min(authorships.author_name) as name_in_works
from staging.authorships as authorships
inner join staging.author_ids as ids
    on ids.author_id = authorships.author_id
inner join staging.works as works
    on works.work_id = authorships.work_id
group by ids.canonical_id
