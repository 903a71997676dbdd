-- marts.countries: the reviewed reference table ref.countries as published for researchers (one row as in ref.countries)
select * from ref.countries
