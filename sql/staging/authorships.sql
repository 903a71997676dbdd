-- staging.authorships: one row per authorship (author position) of a canonical work, taken from the record staging.works kept
select
    works.work_id,
    child.position,
    child.author_id,
    child.author_name,
    child.author_position,
    child.institutions_listed
from raw.openalex_authorships as child
inner join staging.works as works
    on works.record_key = child.record_key
