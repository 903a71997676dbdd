-- marts.openalex_quantum_topics: one row per OpenAlex topic in the quantum pre-filter (the reviewed reference table ref.openalex_quantum_topics, as qcm read it)
select * from ref.openalex_quantum_topics
