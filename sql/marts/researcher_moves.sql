-- marts.researcher_moves: one row per move of a researcher between countries (consecutive observed years, dated in the year of arrival), for auditing every flow
select
    moves.researcher_id,
    researchers.display_name,
    moves.from_year,
    moves.year,
    moves.origin_iso3,
    moves.destination_iso3,
    moves.years_unobserved,
    moves.is_return,
    years.career_stage
from core.researcher_moves as moves
inner join core.researchers as researchers
    on researchers.researcher_id = moves.researcher_id
inner join core.researcher_years as years
    on years.researcher_id = moves.researcher_id
    and years.year = moves.year
