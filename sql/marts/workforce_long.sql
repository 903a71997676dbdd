-- marts.workforce_long: one row per entity (country, bloc or world), technology approach, year and workforce indicator, in the columns every long view shares, with a Wilson interval for shares of researchers (the workforce rows of marts.record_shares_long, where the interval is computed)
select * from marts.record_shares_long
where family = 'workforce'
