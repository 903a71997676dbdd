-- marts.researcher_approaches: one row per researcher and technology approach of any of their in-scope works (all for every researcher with a work in all), with the number of such works and the year of the first: a researcher counts in an approach's workforce numbers from that year on, and a move in its flows when that year is before the year of arrival
select
    'A' || approaches.researcher_id as researcher_id,  -- the OpenAlex id, from its number
    approaches.approach,
    approaches.works,
    approaches.first_year
from core.researcher_approaches as approaches
