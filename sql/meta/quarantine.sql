-- meta.quarantine: one row per quarantined record or part of a record (file, record index, id, reason, detail): what the parser could not use, never silently dropped
select * from raw.quarantine
