-- marts.competitor_sets: one row per competitor set and country (the reviewed reference table ref.competitor_sets, as qcm read it)
select * from ref.competitor_sets
