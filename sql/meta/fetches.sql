-- meta.fetches: one row per partition of every live landing zone behind this release: the complete fetch read, any newer one unfinished, the partition's state and the gap between records fetched and the count the service reported
select
    service,
    partition,
    case
        when served_fetch_id is null then 'missing'
        when newer_fetch_id is not null then 'stale'
        else 'complete'
    end as state,
    served_fetch_id,
    served_finished_at,
    served_records,
    served_reported_count,
    served_records - served_reported_count as count_gap,
    newer_fetch_id,
    newer_status,
    newer_records,
    newer_parked_until,
    newer_error,
    'live' as data_kind
from raw.fetch_states
