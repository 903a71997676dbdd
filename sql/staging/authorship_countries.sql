-- staging.authorship_countries: one row per authorship and distinct country of a canonical work, taken from the record staging.works kept
select
    works.work_id,
    child.position,
    child.country_iso3,
    child.origin
from raw.openalex_authorship_countries as child
inner join staging.works as works
    on works.record_key = child.record_key
