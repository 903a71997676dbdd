-- core.synthesis_workforce_records: one row per technology approach, year and country for the active researchers, standing for them all: the workforce family's records in the synthesis, in the columns of core.synthesis_records (kept apart from them: researchers' years change with every new work, while a year's other records read only that year's works)
with settings as (
    select (select value::integer from ref.methods where key = 'workforce_first_year')
        as workforce_first_year
),

researchers as (
    -- a researcher counts once a year, in their country of the year; the researchers of an
    -- approach, year and country are exchangeable records (one country, credit and weight
    -- 1), so one row stands for them all, named by the first researcher id
    select
        'workforce' as family,
        active.approach,
        active.year,
        min(active.first_researcher_id) as record_id,
        active.country_iso3,
        1.0::double as credit,
        1.0::double as record_weight,
        null::boolean as international,
        'active researcher' as basis,
        1::bigint as record_credits,  -- a researcher has one country a year
        sum(active.researchers)::bigint as records
    from core.active_researchers as active
    cross join settings
    where active.year >= settings.workforce_first_year
    group by active.approach, active.year, active.country_iso3
)

-- a researcher no rule placed in an approach is counted in 'all' only
select * from researchers
where approach <> 'unclassified'
    and year <= year(current_date)
