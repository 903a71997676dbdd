-- indicators.coauthorship_pairs: one row per approach, year and unordered pair of known countries (country_a < country_b): the number of works co-authored by both
-- read twice: NOT MATERIALIZED inlines it, so a refresh's filter on its years reaches the
-- scan (DuckDB would otherwise materialize every year of it, held in memory)
with work_countries as not materialized (
    select distinct
        fractions.work_id,
        fractions.publication_year,
        fractions.country_iso3
    from core.work_country_fractions as fractions
    where fractions.country_iso3 <> 'ZZZ'
)

select
    approaches.approach,
    a.publication_year as year,
    a.country_iso3 as country_a,
    b.country_iso3 as country_b,
    count(*) as works
from work_countries as a
inner join work_countries as b
    on b.work_id = a.work_id
    and a.country_iso3 < b.country_iso3
inner join core.work_approaches as approaches
    on approaches.work_id = a.work_id
group by all
