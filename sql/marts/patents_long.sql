-- marts.patents_long: one row per entity (country, bloc or world), technology approach, earliest priority year, counting basis, family scope and patent indicator, in the columns every long view shares, with a Wilson interval for shares of patent families (the patents rows of marts.record_shares_long, where the interval is computed)
select * from marts.record_shares_long
where family = 'patents'
