-- marts.patentsview_assignee_types: one row per PatentsView assignee_type code (the reviewed reference table ref.patentsview_assignee_types, as qcm read it)
select * from ref.patentsview_assignee_types
