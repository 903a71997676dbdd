-- marts.publications_long: one row per entity (country, bloc or world), technology approach, publication year and bibliometric indicator, in the columns every long view shares, with a Wilson interval for shares of works (the publications rows of marts.record_shares_long, where the interval is computed)
select * from marts.record_shares_long
where family = 'publications'
