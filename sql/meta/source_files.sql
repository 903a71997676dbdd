-- meta.source_files: one row per raw source file read by the run that built this database, with source, checksum, size, records and whether it was synthetic sample, live or a user directory
select * from raw.source_files
union all by name
select * from raw.patent_source_files
union all by name
select * from raw.grant_source_files
union all by name
select * from raw.author_source_files
union all by name
select * from raw.trade_source_files
union all by name
select * from raw.world_bank_source_files
