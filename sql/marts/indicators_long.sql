-- marts.indicators_long: one row per row of a family's long view: every indicator of every family in one place, in the same columns (family says which view it comes from)
select * from marts.publications_long
union all by name
select * from marts.patents_long
union all by name
select * from marts.funding_long
union all by name
select * from marts.workforce_long
union all by name
select * from marts.supply_chain_long
union all by name
select * from marts.capability_long
union all by name
select * from marts.security_long
union all by name
select * from marts.synthesis_long
