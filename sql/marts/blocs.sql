-- marts.blocs: the reviewed reference table ref.blocs as published for researchers (one row as in ref.blocs)
select * from ref.blocs
