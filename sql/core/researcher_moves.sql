-- core.researcher_moves: one row per move, a change of country between two consecutive observed years of a researcher, dated in the year of arrival; a return is a move to a country the researcher was observed in before
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
)

select
    moves.researcher_id,
    moves.from_year,
    moves.year,
    moves.origin_iso3,
    moves.country_iso3 as destination_iso3,
    moves.year - moves.from_year - 1 as years_unobserved,
    first_seen.first_year < moves.from_year as is_return
from observed as moves
inner join first_seen
    on first_seen.researcher_id = moves.researcher_id
    and first_seen.country_iso3 = moves.country_iso3
where moves.origin_iso3 <> moves.country_iso3
