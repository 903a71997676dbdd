-- marts.grants: one row per in-scope grant (NSF award, UKRI project, CORDIS project): what it is, who funds it, when it starts, its amount as stated and in US dollars, its approaches, the countries its money goes to and whether it is an international consortium
with approaches as (
    select grant_key, list(approach order by approach) as approaches
    from core.grant_approaches
    where approach <> 'all'
    group by all
),

countries as (
    select
        grant_key,
        list(country_iso3 order by fraction desc, country_iso3) as countries,
        any_value(is_international) as is_international
    from core.grant_country_fractions
    group by all
),

organisations as (
    select grant_key, count(*) as organisations
    from staging.grant_organisations
    group by all
)

select
    grants.grant_key,
    grants.service,
    grants.grant_id,
    grants.title,
    grants.funder,
    grants.programme,
    grants.start_date,
    grants.end_date,
    amounts.year,
    grants.currency,
    grants.amount,
    grants.amount_measure,
    amounts.usd_nominal,
    amounts.usd_constant,
    amounts.no_fx_rate,
    amounts.no_deflator,
    coalesce(approaches.approaches, []) as approaches,
    countries.countries,
    countries.is_international,
    coalesce(organisations.organisations, 0) as organisations,
    grants.source_file
from staging.grants as grants
inner join core.grant_amounts as amounts using (grant_key)
left join approaches using (grant_key)
left join countries using (grant_key)
left join organisations using (grant_key)
