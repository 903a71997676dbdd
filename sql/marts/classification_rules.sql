-- marts.classification_rules: one row per keyword rule (the reviewed reference table ref.classification_rules, as qcm read it)
select * from ref.classification_rules
