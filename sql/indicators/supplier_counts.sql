-- indicators.supplier_counts: one row per registry component and entity (country, bloc as of today, or world): the registry's suppliers of the component headquartered there and how many countries they come from
with suppliers as (
    select distinct company, country_iso3, component from ref.suppliers
),

current_members as (
    select bloc, iso3
    from ref.bloc_memberships
    where joined_on <= current_date and (left_on is null or left_on > current_date)
)

select component, 'country' as entity_type, country_iso3 as entity_code,
    count(distinct company) as suppliers, count(distinct country_iso3) as supplier_countries
from suppliers
group by all
union all
select suppliers.component, 'bloc', members.bloc, count(distinct suppliers.company),
    count(distinct suppliers.country_iso3)
from suppliers
inner join current_members as members on members.iso3 = suppliers.country_iso3
group by all
union all
select component, 'world', 'WLD', count(distinct company), count(distinct country_iso3)
from suppliers
group by all
