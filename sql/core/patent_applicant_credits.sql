-- core.patent_applicant_credits: one row per in-scope family, family scope (all, and international for families filed at 2+ offices) and applicant, with the applicant's equal share of the family (each family weighs 1, split equally over its distinct applicants), country and type
with credits as (
    select
        parties.family_id,
        parties.party_key,
        parties.name,
        parties.country_iso3,
        parties.applicant_type,
        families.priority_year,
        families.is_international,
        -- decimal credits: sums give the same digits in any aggregation order
        (1.0 / count(*) over (partition by parties.family_id))::decimal(38, 18) as credit
    from staging.patent_parties as parties
    inner join staging.patent_families as families
        on families.family_id = parties.family_id
    where parties.role = 'applicant'
        and parties.family_id in (select family_id from core.patent_family_approaches)
)

select credits.*, 'all' as family_scope from credits
union all
select credits.*, 'international' as family_scope from credits where is_international
