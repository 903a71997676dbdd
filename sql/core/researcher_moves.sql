-- core.researcher_moves: one row per move, a change of country between two consecutive observed years of a researcher, dated in the year of arrival; a return is a move to a country the researcher was observed in before; a move counts in the flows only inside the quantum career and across a gap of at most workforce_max_gap_years
with observed as (
    select
        researcher_id,
        year,
        country_iso3,
        lag(year) over (partition by researcher_id order by year) as from_year,
        lag(country_iso3) over (partition by researcher_id order by year) as origin_iso3
    from core.researcher_years
    where status = 'observed'
),

first_seen as (
    select researcher_id, country_iso3, min(year) as first_year
    from core.researcher_years
    where status = 'observed'
    group by researcher_id, country_iso3
),

moves as (
    select
        moves.researcher_id,
        moves.from_year,
        moves.year,
        moves.origin_iso3,
        moves.country_iso3 as destination_iso3,
        moves.year - moves.from_year - 1 as years_unobserved,
        first_seen.first_year < moves.from_year as is_return,
        case
            -- it leaves from the year before its arrival, observed or carried: a first
            -- in-scope work without an affiliation, carried in the origin country, is a
            -- year of the quantum career it leaves from
            when moves.year - 1 < researchers.first_quantum_year
                then 'before the quantum career'
            when moves.year - moves.from_year - 1
                > (select value::integer from ref.methods where key = 'workforce_max_gap_years')
                then 'gap longer than workforce_max_gap_years'
        end as not_counted
    from observed as moves
    inner join first_seen
        on first_seen.researcher_id = moves.researcher_id
        and first_seen.country_iso3 = moves.country_iso3
    inner join staging.researchers as researchers
        on researchers.researcher_id = moves.researcher_id
    where moves.origin_iso3 <> moves.country_iso3
)

select *, not_counted is null as counted
from moves
