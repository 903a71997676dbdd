-- core.bloc_member_years: one row per bloc, country and publication year in which the country was a member on 31 December of that year (meta.methods bloc_membership_rule)
with years as (
    select distinct publication_year as year
    from staging.works
)

select distinct
    memberships.bloc,
    memberships.iso3,
    years.year
from ref.bloc_memberships as memberships
inner join years
    on memberships.joined_on <= make_date(years.year, 12, 31)
    and (memberships.left_on is null or memberships.left_on > make_date(years.year, 12, 31))
