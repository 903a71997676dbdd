-- staging.researcher_evidence: one row per canonical author, year, country and trail, with the amount of evidence that places the author there that year: the two trails side by side (staging.profile_evidence, staging.authorship_evidence); a year's rows depend on that year's works alone, so a refresh rewrites the years of the works that changed
-- (each trail is built in a step of its own: one statement grouping both, each a join of
-- millions of rows, ran out of DuckDB's 1 GB at three million works, two times in three)
select researcher_id, year, country_iso3, trail, evidence
from staging.profile_evidence
union all
select researcher_id, year, country_iso3, trail, evidence
from staging.authorship_evidence
