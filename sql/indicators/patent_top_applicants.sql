-- indicators.patent_top_applicants: one row per entity (country of the applicant, or the world), approach, family scope and one of its ten leading applicants over all priority years, by fractional families (each family weighs 1, split equally over its applicants)
with entities as (
    select credits.*, 'country' as entity_type, credits.country_iso3 as entity_code
    from core.patent_applicant_credits as credits
    union all
    select credits.*, 'world' as entity_type, 'WLD' as entity_code
    from core.patent_applicant_credits as credits
),

totals as (
    select
        entities.entity_type,
        entities.entity_code,
        approaches.approach,
        entities.family_scope,
        entities.party_key,
        -- one spelling per applicant: the most frequent, then the first alphabetically
        mode(entities.name order by entities.name) as applicant,
        mode(entities.applicant_type order by entities.applicant_type) as applicant_type,
        mode(entities.country_iso3 order by entities.country_iso3) as applicant_country,
        count(distinct entities.family_id) as families_whole,
        sum(entities.credit)::double as families_fractional,
        min(entities.priority_year) as first_year,
        max(entities.priority_year) as last_year
    from entities
    inner join core.patent_family_approaches as approaches
        on approaches.family_id = entities.family_id
    where entities.party_key <> '(no applicant)'
    group by all
),

ranked as (
    select
        *,
        row_number() over (
            partition by entity_type, entity_code, approach, family_scope
            order by families_fractional desc, families_whole desc, applicant, party_key
        ) as rank
    from totals
)

select * from ranked where rank <= 10
