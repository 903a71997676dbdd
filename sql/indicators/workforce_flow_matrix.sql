-- indicators.workforce_flow_matrix: one row per origin country, destination country, technology approach and year of arrival, with the number of moves counted in the flows (a researcher moves at most once a year) and how many were returns
with settings as (
    select
        (select value::integer from ref.methods where key = 'workforce_first_year') as first_year,
        (select max(publication_year) from staging.works) as last_year
)

select
    moves.origin_iso3,
    moves.destination_iso3,
    approaches.approach,
    moves.year,
    count(*) as moves,
    count(*) filter (where moves.is_return) as returns
from core.researcher_moves as moves
cross join settings
inner join core.researcher_approaches as approaches
    on approaches.researcher_id = moves.researcher_id
    -- the approaches the researcher had worked in before arriving: a move takes
    -- away from the origin only what the researcher did there (wf-1.4)
    and approaches.first_year < moves.year
where moves.counted
    and moves.year between settings.first_year and settings.last_year
group by all
