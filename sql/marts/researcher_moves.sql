-- marts.researcher_moves: one row per move of a researcher between countries (consecutive observed years, dated in the year of arrival), whether it counts in the flows and why not, for auditing every flow
select
    'A' || moves.researcher_id as researcher_id,  -- the OpenAlex id, from its number
    moves.from_year,
    moves.year,
    moves.origin_iso3,
    moves.destination_iso3,
    moves.years_unobserved,
    moves.is_return,
    moves.counted,
    moves.not_counted,
    years.career_stage
from core.researcher_moves as moves
inner join core.researcher_years as years
    on years.researcher_id = moves.researcher_id
    and years.year = moves.year
