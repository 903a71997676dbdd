-- marts.patent_applicant_types: one row per entity (country, bloc or world), approach, priority year, family scope and applicant type: the type's share of the entity's fractional applicant credit
select
    types.entity_type,
    types.entity_code,
    case types.entity_type
        when 'country' then countries.name
        when 'bloc' then blocs.name
        else 'World'
    end as entity_name,
    types.approach,
    types.year,
    types.family_scope,
    types.applicant_type,
    types.share,
    types.numerator,
    types.denominator,
    -- priority years are published 18 months later: the last two years are incomplete,
    -- counted back from the latest priority year read when earlier (incomplete_year_rule)
    types.year >= least(year(current_date), max(types.year) over ()) - 1 as year_incomplete,
    (select value from ref.methods where key = 'patent_method_version') as method_version,
    (
        select string_agg(distinct data_kind, ', ' order by data_kind)
        from raw.patent_source_files
    ) as data_kind
from indicators.patent_applicant_types as types
left join ref.countries as countries
    on types.entity_type = 'country' and countries.iso3 = types.entity_code
left join ref.blocs as blocs
    on types.entity_type = 'bloc' and blocs.bloc = types.entity_code
