-- core.researchers: one row per researcher (canonical author of an in-scope work): where their quantum career started (producing country), where they were last observed, their moves and mobility class, and which trails describe them
with years as (
    select
        researcher_id,
        min(year) filter (where status = 'observed') as first_observed_year,
        max(year) filter (where status = 'observed') as last_observed_year,
        arg_max(country_iso3, year) filter (where status = 'observed') as latest_iso3,
        -- the producing country: the first year of the quantum career that places them,
        -- observed or carried (a first work without an affiliation, between two observed
        -- years, is carried as it is counted among the active researchers)
        min(year) filter (where in_quantum_career) as producer_year,
        arg_min(country_iso3, year) filter (where in_quantum_career) as producer_iso3,
        count(*) filter (where status = 'observed') as years_observed,
        count(*) filter (where status = 'carried') as years_carried,
        count(*) filter (where tie_broken) as years_tie_broken,
        count(*) filter (where status = 'observed' and trail = 'profile') as years_from_profile
    from core.researcher_years
    group by researcher_id
),

first_evidence as (
    select researcher_id, min(year) as first_year
    from staging.researcher_evidence
    group by researcher_id
),

moves as (
    select
        researcher_id,
        count(*) as moves,
        count(*) filter (where counted) as moves_counted,
        count(*) filter (where is_return) as returns
    from core.researcher_moves
    group by researcher_id
)

select
    quantum.researcher_id,
    authors.author_id is not null as has_record,
    coalesce(authors.is_deleted, false) as is_deleted,
    authors.schema_generation,
    first_evidence.first_year,
    quantum.first_quantum_year,
    quantum.last_quantum_year,
    quantum.quantum_works,
    years.producer_iso3,
    years.producer_year,
    years.first_observed_year,
    years.last_observed_year,
    years.latest_iso3,
    coalesce(years.years_observed, 0) as years_observed,
    coalesce(years.years_carried, 0) as years_carried,
    coalesce(years.years_from_profile, 0) as years_from_profile,
    coalesce(years.years_tie_broken, 0) as years_tie_broken,
    coalesce(moves.moves, 0) as moves,
    coalesce(moves.moves_counted, 0) as moves_counted,
    coalesce(moves.returns, 0) as returns,
    case
        when years.researcher_id is null then 'never placed'
        when coalesce(moves.moves, 0) = 0 then 'stayed'
        when moves.moves >= 3 then 'moved often'
        when moves.returns > 0 then 'returned'
        when moves.moves = 1 then 'moved once'
        else 'moved twice'
    end as mobility
from staging.researchers as quantum
left join staging.authors as authors
    on cast(substr(authors.author_id, 2) as bigint) = quantum.researcher_id
left join years
    on years.researcher_id = quantum.researcher_id
left join first_evidence
    on first_evidence.researcher_id = quantum.researcher_id
left join moves
    on moves.researcher_id = quantum.researcher_id
