-- meta.quarantine: one row per quarantined record or part of a record (source, file, record index, id, reason, detail): what the parsers and the funding rules could not use, never silently dropped
select * from raw.quarantine
union all by name
select * from raw.patent_quarantine
union all by name
select * from raw.grant_quarantine
union all by name
select * from raw.author_quarantine
union all by name
select * from raw.trade_quarantine
union all by name
-- copies of a trade flow from overlapping responses: one kept, the others listed here
select
    'comtrade' as source,
    source_file,
    record_index,
    record_key as record_id,
    'duplicate_record' as reason,
    case
        when conflicting_copies then 'same flow as ' || kept_record_key || ' with another value ('
            || coalesce(value_usd::varchar, 'withheld') || '); the copy in the last file by name '
            || 'was kept, with ' || coalesce(kept_value::varchar, 'no value (withheld)')
        else 'same flow and value as ' || kept_record_key
    end as detail
from staging.trade_records
where not kept
union all by name
-- counted programme figures that break a funding rule (no period, no rate ...)
select
    'programmes' as source,
    'assets/reference/funding_programmes.csv' as source_file,
    null::bigint as record_index,
    row_id as record_id,
    problem as reason,
    problem_detail as detail
from staging.funding_programmes
where status = 'counted' and problem is not null
union all by name
-- in-scope grants whose currency has no rate for their start year: never an assumed dollar
select
    grants.service as source,
    grants.source_file,
    null::bigint as record_index,
    grants.grant_id as record_id,
    'no_fx_rate' as reason,
    grants.currency || ' has no exchange rate for ' || grants.start_year
        || ' in ref.fx_rates; the grant is left out of dollar figures' as detail
from core.grant_amounts as amounts
inner join staging.grants as grants using (grant_key)
where amounts.no_fx_rate
