-- core.bloc_member_years: one row per bloc, country and year (publication, priority or any other year of a record, up to next year) in which the country was a member on 31 December of that year (meta.methods bloc_membership_rule)
with years as (
    select unnest(range(
        (select year(min(joined_on)) from ref.bloc_memberships),
        year(current_date) + 2
    )) as year
)

select distinct
    memberships.bloc,
    memberships.iso3,
    years.year
from ref.bloc_memberships as memberships
inner join years
    on memberships.joined_on <= make_date(years.year, 12, 31)
    and (memberships.left_on is null or memberships.left_on > make_date(years.year, 12, 31))
