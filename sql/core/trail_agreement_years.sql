-- core.trail_agreement_years: one row per year with researcher-years placed by both trails (profile and authorships): how many, and in how many the two trails' modal countries (ties by ISO3) are the same; meta.runs sums the years into its trail agreement. A year's rows read that year's evidence alone, so a refresh rewrites the years that changed, and a run that changed nothing keeps the table
-- (both trails' modal countries in one group per researcher and year: a group per trail
-- joined to itself took 1.0 s against 0.75 s at a million works, 4.9 s against 2.8 s at
-- three million)
with modal as (
    select
        year,
        first(country_iso3 order by evidence desc, country_iso3)
            filter (where trail = 'profile') as profile_country,
        first(country_iso3 order by evidence desc, country_iso3)
            filter (where trail = 'authorships') as authorships_country
    from staging.researcher_evidence
    group by researcher_id, year
    having bool_or(trail = 'profile') and bool_or(trail = 'authorships')
)

select
    year,
    count(*) as compared,
    count(*) filter (where profile_country = authorships_country) as agreeing
from modal
group by year
