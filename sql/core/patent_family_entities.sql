-- core.patent_family_entities: one row per in-scope family, counting basis and entity credited for it: each country, each bloc its countries belonged to at the end of the priority year (a family counts once per bloc), and the world (WLD)
select
    family_id,
    counting,
    priority_year,
    is_international,
    'country' as entity_type,
    country_iso3 as entity_code,
    fraction
from core.patent_family_country_fractions
union all
select
    fractions.family_id,
    fractions.counting,
    fractions.priority_year,
    fractions.is_international,
    'bloc' as entity_type,
    memberships.bloc as entity_code,
    sum(fractions.fraction)::decimal(38, 18) as fraction
from core.patent_family_country_fractions as fractions
inner join core.bloc_member_years as memberships
    on memberships.iso3 = fractions.country_iso3
    and memberships.year = fractions.priority_year
group by all
union all
select distinct
    family_id,
    counting,
    priority_year,
    is_international,
    'world' as entity_type,
    'WLD' as entity_code,
    1.0::decimal(38, 18) as fraction
from core.patent_family_country_fractions
