-- indicators.collaboration: one row per entity, approach and year: international collaboration rate, the share of the entity's works (whole count) whose authorships name two or more known countries
select
    entities.entity_type,
    entities.entity_code,
    approaches.approach,
    entities.publication_year as year,
    'intl_collab_rate' as indicator,
    avg(case when counts.known_countries >= 2 then 1.0 else 0.0 end) as value,
    count(*) filter (where counts.known_countries >= 2)::double as numerator,
    count(*)::double as denominator
from core.work_entities as entities
inner join core.work_approaches as approaches
    on approaches.work_id = entities.work_id
inner join core.work_country_counts as counts
    on counts.work_id = entities.work_id
group by all
