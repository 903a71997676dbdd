-- marts.patent_top_applicants: one row per entity (applicant country, or the world), approach, family scope and rank (1-10): the leading applicants over all priority years by fractional families
select
    top.entity_type,
    top.entity_code,
    case top.entity_type when 'country' then countries.name else 'World' end as entity_name,
    top.approach,
    top.family_scope,
    top.rank,
    top.applicant,
    top.applicant_type,
    top.applicant_country,
    top.families_whole,
    top.families_fractional,
    top.first_year,
    top.last_year,
    (select value from ref.methods where key = 'patent_method_version') as method_version,
    (
        select string_agg(distinct data_kind, ', ' order by data_kind)
        from raw.patent_source_files
    ) as data_kind
from indicators.patent_top_applicants as top
left join ref.countries as countries
    on top.entity_type = 'country' and countries.iso3 = top.entity_code
