-- core.patent_family_country_fractions: one row per in-scope family, counting basis (applicant or inventor) and country (ISO3; ZZZ = unknown) holding the family's fractional credit: 1 per family, split equally over its distinct parties of that role, each party's share to its country
with families as (
    select families.family_id, families.priority_year, families.is_international
    from staging.patent_families as families
    where families.family_id in (select family_id from core.patent_family_approaches)
),

roles as (
    select * from (values ('applicant'), ('inventor')) as t (counting)
),

credits as (
    select
        parties.family_id,
        parties.role as counting,
        parties.country_iso3,
        (1.0 / count(*) over (partition by parties.family_id, parties.role))::decimal(38, 18)
            as credit
    from staging.patent_parties as parties
    union all
    -- a family with no party of a role still weighs 1: its credit goes to the unknown country
    select families.family_id, roles.counting, 'ZZZ' as country_iso3, 1.0::decimal(38, 18)
    from families
    cross join roles
    where not exists (
        select 1 from staging.patent_parties as parties
        where parties.family_id = families.family_id and parties.role = roles.counting
    )
)

select
    credits.family_id,
    credits.counting,
    families.priority_year,
    families.is_international,
    credits.country_iso3,
    -- decimal sums: the same inputs give the same digits in any aggregation order (each
    -- credit is 1/n rounded to 18 decimals, so a family's total is 1 within 1e-17)
    sum(credits.credit)::decimal(38, 18) as fraction,
    count(*) as parties
from credits
inner join families
    on families.family_id = credits.family_id
group by all
