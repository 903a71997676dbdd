-- core.work_country_fractions: one row per work and country (ISO3; ZZZ = unknown) holding the work's fractional credit: 1 per work, split equally over its listed authorships, each authorship's share split equally over its distinct countries
with authorships as (
    select
        work_id,
        position,
        count(*) over (partition by work_id) as n_authorships
    from staging.authorships
),

authorship_countries as (
    select
        authorships.work_id,
        authorships.n_authorships,
        coalesce(countries.country_iso3, 'ZZZ') as country_iso3,
        count(*) over (partition by authorships.work_id, authorships.position) as n_countries
    from authorships
    left join staging.authorship_countries as countries
        on countries.work_id = authorships.work_id
        and countries.position = authorships.position
),

credits as (
    -- each authorship's share of a country (1 / its countries), divided by the work's
    -- authorships once summed, so that a work of one country holds exactly 1
    select
        work_id,
        n_authorships,
        country_iso3,
        (1.0 / n_countries)::decimal(38, 18) as share
    from authorship_countries
    union all
    -- a work with no listed authorship still weighs 1: its credit goes to the unknown country
    select
        works.work_id,
        1 as n_authorships,
        'ZZZ' as country_iso3,
        1.0::decimal(38, 18) as share
    from staging.works as works
    where not exists (select 1 from staging.authorships as a where a.work_id = works.work_id)
)

select
    credits.work_id,
    works.publication_year,
    credits.country_iso3,
    -- exact decimal sums: the same inputs give the same digits whatever the order of a
    -- parallel aggregation (sums of doubles can differ in their last bits between runs)
    (sum(credits.share) / max(credits.n_authorships))::decimal(38, 18) as fraction,
    count(*) as authorship_links
from credits
inner join staging.works as works
    on works.work_id = credits.work_id
group by credits.work_id, works.publication_year, credits.country_iso3
