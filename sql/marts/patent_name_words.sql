-- marts.patent_name_words: one row per word of applicant and inventor names that is written in one standard form, or left out, in the key a party is matched by (the reviewed reference table ref.patent_name_words, as qcm read it)
select * from ref.patent_name_words
