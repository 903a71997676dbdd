-- staging.institutions: one row per authorship and listed institution of a canonical work, taken from the record staging.works kept
select
    works.work_id,
    child.position,
    child.institution_id,
    child.institution_name,
    child.institution_type,
    child.country_code_raw,
    child.country_iso3
from raw.openalex_institutions as child
inner join staging.works as works
    on works.record_key = child.record_key
