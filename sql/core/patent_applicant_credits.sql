-- core.patent_applicant_credits: one row per in-scope family, family scope (all, and international for families filed at 2+ offices) and applicant, with the applicant's equal share of the family (each family weighs 1, split equally over its distinct applicants; a family naming none has one row, party_key '(no applicant)', of unknown country and type), country and type
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
    -- a family that names no applicant (an unassigned US patent) is counted, not lost: its
    -- whole credit to an unknown applicant of unknown country, as its country fractions give
    union all
    select
        families.family_id,
        '(no applicant)' as party_key,
        null as name,
        'ZZZ' as country_iso3,
        'unknown' as applicant_type,
        families.priority_year,
        families.is_international,
        1.0::decimal(38, 18) as credit
    from staging.patent_families as families
    where families.family_id in (select family_id from core.patent_family_approaches)
        and not exists (
            select 1 from staging.patent_parties as parties
            where parties.family_id = families.family_id and parties.role = 'applicant'
        )
)

select credits.*, 'all' as family_scope from credits
union all
select credits.*, 'international' as family_scope from credits where is_international
