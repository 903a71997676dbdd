-- marts.bloc_memberships: the reviewed reference table ref.bloc_memberships as published for researchers (one row as in ref.bloc_memberships)
select * from ref.bloc_memberships
