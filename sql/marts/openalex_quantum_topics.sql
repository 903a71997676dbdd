-- marts.openalex_quantum_topics: one row per OpenAlex topic in the quantum pre-filter (the reviewed reference table ref.openalex_quantum_topics, as qcm read it)
-- display_name is the topic's: named topic_name, as no marts column named display_name
-- could be read as a person's
select * rename (display_name as topic_name) from ref.openalex_quantum_topics
