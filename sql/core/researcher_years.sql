-- core.researcher_years: one row per researcher and year in which the researcher is placed in a country: observed years (the deciding trail's modal country, ties by career evidence then ISO3) and carried years (a gap of at most workforce_max_gap_years between two observed years keeps the earlier country); in_quantum_career from the year of their first in-scope work on
with settings as (
    select
        (select value::integer from ref.methods where key = 'workforce_max_gap_years') as max_gap,
        (select value::integer from ref.methods where key = 'workforce_stage_mid_from') as mid_from,
        (select value::integer from ref.methods where key = 'workforce_stage_senior_from')
            as senior_from
),

deciding as (
    -- the profile decides a year when it has any country that year, else the
    -- authorships; the deciding trail's countries that year (a row of evidence is one
    -- country), and the country when there is only one
    select
        researcher_id,
        year,
        case when bool_or(trail = 'profile') then 'profile' else 'authorships' end as trail,
        case
            when bool_or(trail = 'profile') then count(*) filter (where trail = 'profile')
            else count(*)
        end as countries,
        case
            when bool_or(trail = 'profile') then min(country_iso3) filter (where trail = 'profile')
            else min(country_iso3)
        end as only_country
    from staging.researcher_evidence
    group by researcher_id, year
),

career as (
    select researcher_id, country_iso3, sum(evidence) as career_evidence
    from staging.researcher_evidence
    group by researcher_id, country_iso3
),

candidates as (
    -- the deciding trail's countries of a year it has two or more of, best first: the
    -- most evidence that year, then over the career, then the first ISO3; the next one's
    -- evidence tells a tie
    select
        evidence.researcher_id,
        evidence.year,
        evidence.country_iso3,
        evidence.trail,
        evidence.evidence,
        deciding.countries,
        row_number() over best as pick,
        lead(evidence.evidence) over best as next_evidence
    from staging.researcher_evidence as evidence
    inner join deciding
        on deciding.researcher_id = evidence.researcher_id
        and deciding.year = evidence.year
        and deciding.trail = evidence.trail
        and deciding.countries > 1
    inner join career
        on career.researcher_id = evidence.researcher_id
        and career.country_iso3 = evidence.country_iso3
    window best as (
        partition by evidence.researcher_id, evidence.year
        order by evidence.evidence desc, career.career_evidence desc, evidence.country_iso3
    )
),

picked as (
    -- a year of one country (most years) is placed without the ranking's join and window
    select researcher_id, year, only_country as country_iso3, trail, countries, false as tie_broken
    from deciding
    where countries = 1
    union all
    select
        researcher_id,
        year,
        country_iso3,
        trail,
        countries,
        coalesce(next_evidence = evidence, false) as tie_broken
    from candidates
    where pick = 1
),

observed as (
    select
        *,
        lead(year) over (partition by researcher_id order by year) as next_year
    from picked
),

carried as (
    select
        observed.researcher_id,
        gap.year,
        observed.country_iso3,
        observed.trail,
        0::bigint as countries,
        false as tie_broken
    from observed
    cross join settings
    cross join lateral (
        select unnest(range(observed.year + 1, observed.next_year)) as year
    ) as gap
    where observed.next_year - observed.year - 1 between 1 and settings.max_gap
),

placed as (
    select researcher_id, year, country_iso3, trail, countries, tie_broken, 'observed' as status
    from observed
    union all
    select researcher_id, year, country_iso3, trail, countries, tie_broken, 'carried' as status
    from carried
),

first_years as (
    select researcher_id, min(year) as first_year
    from staging.researcher_evidence
    group by researcher_id
)

select
    placed.researcher_id,
    placed.year,
    placed.country_iso3,
    placed.status,
    placed.trail,
    placed.countries,
    placed.tie_broken,
    placed.year >= researchers.first_quantum_year as in_quantum_career,
    placed.year - first_years.first_year as career_years,
    case
        when placed.year - first_years.first_year >= settings.senior_from then 'senior'
        when placed.year - first_years.first_year >= settings.mid_from then 'mid career'
        else 'early career'
    end as career_stage
from placed
cross join settings
inner join first_years
    on first_years.researcher_id = placed.researcher_id
inner join staging.researchers as researchers
    on researchers.researcher_id = placed.researcher_id
