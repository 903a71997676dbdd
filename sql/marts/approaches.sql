-- marts.approaches: the reviewed reference table ref.approaches as published for researchers (one row as in ref.approaches)
select * from ref.approaches
