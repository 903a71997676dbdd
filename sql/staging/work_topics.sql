-- staging.work_topics: one row per canonical work and OpenAlex topic, taken from the record staging.works kept
select
    works.work_id,
    child.topic_id,
    child.score,
    child.is_primary
from raw.openalex_work_topics as child
inner join staging.works as works
    on works.record_key = child.record_key
