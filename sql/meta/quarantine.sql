-- meta.quarantine: one row per quarantined record or part of a record (source, file, record index, id, reason, detail): what the parsers could not use, never silently dropped
select * from raw.quarantine
union all by name
select * from raw.patent_quarantine
