-- core.milestone_countries: one row per milestone and country credited with it (joint work credits every partner's country in full)
select distinct
    milestones.milestone_id,
    trim(country.iso3) as country_iso3
from staging.milestones as milestones,
    unnest(string_split(milestones.countries, ';')) as country(iso3)
where trim(country.iso3) <> ''
