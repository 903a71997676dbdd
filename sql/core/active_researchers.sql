-- core.active_researchers: one row per country, technology approach, year and career stage of the researchers active in quantum that year (in_quantum_career, in their country of the year, in every approach of their works): how many, and the first (lowest) researcher id among them. The largest join of the workforce (every career year of every researcher, in each of their approaches), taken once for the workforce indicators and the synthesis; a researcher has one country a year, so counting rows counts researchers
select
    years.country_iso3,
    approaches.approach,
    years.year,
    years.career_stage,
    count(*) as researchers,
    min(years.researcher_id) as first_researcher_id
from core.researcher_years as years
inner join core.researcher_approaches as approaches
    on approaches.researcher_id = years.researcher_id
where years.in_quantum_career
group by all
