-- staging.patent_parties: one row per family, role (applicant or inventor) and party of the records that stand for the family, with country (ZZZ = unknown) and, for applicants, their type (company, university, government, individual, unknown) by the reviewed rules
with chosen as (
    select family_id, record_key
    from staging.patent_document_records
    where party_rank = 1
),

chosen_inventors as (
    select family_id, record_key
    from staging.patent_document_records
    where inventor_rank = 1
),

parties as (
    select
        chosen.family_id,
        'applicant' as role,
        applicants.position,
        applicants.name,
        applicants.country_iso3,
        applicants.type_code
    from chosen
    inner join raw.patent_applicants as applicants
        on applicants.record_key = chosen.record_key
    union all
    select
        chosen.family_id,
        'inventor' as role,
        inventors.position,
        inventors.name,
        inventors.country_iso3,
        null as type_code
    from chosen_inventors as chosen
    inner join raw.patent_inventors as inventors
        on inventors.record_key = chosen.record_key
),

-- the key a party is matched by, so that its spellings across records and services meet:
-- upper case, dots, commas, slashes and apostrophes dropped (K.K. = KK, A/S = AS), other
-- punctuation a space, each word in the standard form of ref.patent_name_words (LIMITED =
-- LTD, UNIVERSITY = UNIV) or left out (OF, THE, AND); a name with no word left keys by
-- its place on the record (materialized: both readers must see the same row numbers)
numbered as materialized (
    select
        *,
        row_number() over () as party_row,
        string_split(trim(regexp_replace(
            regexp_replace(upper(coalesce(name, '')), '[.,/'']', '', 'g'),
            '[^[:alnum:]]+', ' ', 'g'
        )), ' ') as words
    from parties
),

name_words as (
    select party_row, unnest(words) as word, generate_subscripts(words, 1) as place
    from numbered
),

standard_keys as (
    select
        name_words.party_row,
        string_agg(coalesce(standard.standard, name_words.word), ' ' order by name_words.place)
            filter (where standard.word is null or standard.standard is not null) as name_key
    from name_words
    left join ref.patent_name_words as standard
        on standard.word = name_words.word
    group by name_words.party_row
),

keyed as (
    select
        numbered.* exclude (party_row, words),
        coalesce(nullif(standard_keys.name_key, ''), role || '#' || position) as party_key
    from numbered
    left join standard_keys
        on standard_keys.party_row = numbered.party_row
),

-- the same party listed twice on one record counts once
distinct_parties as (
    select
        family_id,
        role,
        min(position) as position,
        any_value(name order by position) as name,
        party_key,
        any_value(country_iso3 order by country_iso3 = 'ZZZ', position) as country_iso3,
        any_value(type_code order by position) as type_code
    from keyed
    group by family_id, role, party_key
),

rules as (
    select
        applicant_type,
        '(?i)' || string_agg('(?:' || pattern || ')', '|' order by pattern) as pattern
    from ref.patent_applicant_type_rules
    group by applicant_type
),

-- legal forms are matched without their dots, commas and slashes (K.K., S.p.A., A/S)
folded as (
    select *, regexp_replace(coalesce(name, ''), '[.,/]', '', 'g') as folded_name
    from distinct_parties
),

typed as (
    select
        parties.*,
        codes.applicant_type as code_type,
        regexp_matches(parties.folded_name, university.pattern) as university_name,
        regexp_matches(parties.folded_name, government.pattern) as government_name,
        regexp_matches(parties.folded_name, company.pattern) as company_name,
        exists (
            select 1 from distinct_parties as inventors
            where inventors.family_id = parties.family_id
                and inventors.role = 'inventor'
                and inventors.party_key = parties.party_key
        ) as also_inventor
    from folded as parties
    cross join (select pattern from rules where applicant_type = 'university') as university
    cross join (select pattern from rules where applicant_type = 'government') as government
    cross join (select pattern from rules where applicant_type = 'company') as company
    left join ref.patentsview_assignee_types as codes
        on codes.type_code = parties.type_code
)

select
    family_id,
    role,
    position,
    party_key,
    name,
    country_iso3,
    case
        when role <> 'applicant' then null
        when university_name then 'university'
        when code_type = 'government' or government_name then 'government'
        when code_type = 'individual' or also_inventor then 'individual'
        when company_name or code_type = 'company' then 'company'
        else 'unknown'
    end as applicant_type,
    case
        when role <> 'applicant' then null
        when university_name then 'name rule'
        when code_type = 'government' then 'PatentsView assignee type'
        when government_name then 'name rule'
        when code_type = 'individual' then 'PatentsView assignee type'
        when also_inventor then 'also an inventor'
        when company_name then 'name rule'
        when code_type = 'company' then 'PatentsView assignee type'
        else 'no rule matched'
    end as type_basis
from typed
