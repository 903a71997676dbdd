-- marts.patent_applicant_type_rules: one row per applicant-name rule (the reviewed reference table ref.patent_applicant_type_rules, as qcm read it)
select * from ref.patent_applicant_type_rules
