-- meta.indicators: one row per entry of the reviewed ref.indicators table, published as part of the data dictionary
select * from ref.indicators
