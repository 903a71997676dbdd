-- core.work_entities: one row per work and entity credited for it: each country, each bloc its countries belonged to at the end of the publication year (credit deduplicated: a work counts once per bloc), and the world (WLD)
select
    work_id,
    publication_year,
    'country' as entity_type,
    country_iso3 as entity_code,
    fraction
from core.work_country_fractions
union all
select
    fractions.work_id,
    fractions.publication_year,
    'bloc' as entity_type,
    memberships.bloc as entity_code,
    sum(fractions.fraction)::decimal(38, 18) as fraction
from core.work_country_fractions as fractions
inner join core.bloc_member_years as memberships
    on memberships.iso3 = fractions.country_iso3
    and memberships.year = fractions.publication_year
group by fractions.work_id, fractions.publication_year, memberships.bloc
union all
select
    work_id,
    publication_year,
    'world' as entity_type,
    'WLD' as entity_code,
    1.0::decimal(38, 18) as fraction
from staging.works
