-- marts.patent_applicant_types: one row per entity (country, bloc or world), approach, priority year, family scope and applicant type: the type's share of the entity's fractional applicant credit, flagged small when few families stand behind it
with whole_counts as (
    -- the entity's families as applicant countries count them, as marts.patent_indicators
    select entity_type, entity_code, approach, year, family_scope, value as families_whole
    from indicators.patent_output
    where indicator = 'patent_families_whole' and counting = 'applicant'
),

flagged as (
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
        coalesce(whole_counts.families_whole, 0)
        < (select value::integer from ref.methods where key = 'small_n_threshold') as small_n,
        -- priority years are published 18 months later: the last two years are incomplete,
        -- counted back from the latest priority year read when earlier (incomplete_year_rule)
        types.year >= least(year(current_date), max(types.year) over ()) - 1 as year_incomplete,
        (select value from ref.methods where key = 'patent_method_version') as method_version,
        (
            select string_agg(distinct data_kind, ', ' order by data_kind)
            from raw.patent_source_files
        ) as data_kind
    from indicators.patent_applicant_types as types
    left join whole_counts
        on whole_counts.entity_type = types.entity_type
        and whole_counts.entity_code = types.entity_code
        and whole_counts.approach = types.approach
        and whole_counts.year = types.year
        and whole_counts.family_scope = types.family_scope
    left join ref.countries as countries
        on types.entity_type = 'country' and countries.iso3 = types.entity_code
    left join ref.blocs as blocs
        on types.entity_type = 'bloc' and blocs.bloc = types.entity_code
)

-- a release that suppresses small numbers (core.small_numbers) publishes a flagged row
-- without its numbers
select flagged.* replace (
    case when flagged.small_n and suppressing.suppress then null else flagged.share end
        as share,
    case when flagged.small_n and suppressing.suppress then null else flagged.numerator end
        as numerator,
    case when flagged.small_n and suppressing.suppress then null else flagged.denominator end
        as denominator
)
from flagged
cross join core.small_numbers as suppressing
