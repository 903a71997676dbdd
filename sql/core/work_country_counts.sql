-- core.work_country_counts: one row per work: how many distinct known countries its authorships name (unknown excluded), for the collaboration rate and pair matrix
select
    work_id,
    count(*) filter (where country_iso3 <> 'ZZZ') as known_countries
from core.work_country_fractions
group by work_id
