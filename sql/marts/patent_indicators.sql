-- marts.patent_indicators: one row per entity (country, bloc or world), technology approach, earliest priority year, counting basis (applicant or inventor countries), family scope (all or international families) and patent indicator, with unit, flags and method version
with indicator_rows as (
    select * from indicators.patent_output
    union all by name
    select * from indicators.patent_growth
    union all by name
    select * from indicators.patent_specialisation
),

whole_counts as (
    select entity_type, entity_code, approach, year, counting, family_scope,
        value as families_whole
    from indicators.patent_output
    where indicator = 'patent_families_whole'
),

settings as (
    select
        (select value::integer from ref.methods where key = 'small_n_threshold') as small_n_threshold,
        (
            select string_agg(distinct data_kind, ', ' order by data_kind)
            from raw.patent_source_files
        ) as data_kind
),

flagged as (
    select
        rows_.entity_type,
        rows_.entity_code,
        case rows_.entity_type
            when 'country' then countries.name
            when 'bloc' then blocs.name
            else 'World'
        end as entity_name,
        rows_.approach,
        rows_.year,
        rows_.counting,
        rows_.family_scope,
        rows_.indicator,
        rows_.value,
        rows_.numerator,
        rows_.denominator,
        definitions.unit,
        coalesce(whole_counts.families_whole, 0)::bigint as families_whole,
        -- few families behind the value, or, for a growth rate, behind its base year
        coalesce(whole_counts.families_whole, 0) < settings.small_n_threshold
            or rows_.indicator = 'patent_growth_5y_cagr'
            and coalesce(base.families_whole, settings.small_n_threshold)
            < settings.small_n_threshold as small_n,
        -- priority years are published 18 months later: the last two years are incomplete,
        -- counted back from the latest priority year read when it is earlier than the current
        -- one (an older snapshot; incomplete_year_rule)
        rows_.year >= least(year(current_date), max(rows_.year) over ()) - 1 as year_incomplete,
        definitions.method_version,
        settings.data_kind
    from indicator_rows as rows_
    cross join settings
    inner join ref.indicators as definitions
        on definitions.indicator = rows_.indicator
    left join whole_counts
        on whole_counts.entity_type = rows_.entity_type
        and whole_counts.entity_code = rows_.entity_code
        and whole_counts.approach = rows_.approach
        and whole_counts.year = rows_.year
        and whole_counts.counting = rows_.counting
        and whole_counts.family_scope = rows_.family_scope
    -- every row's base year, read by growth rates alone (the indicator tested in the join's
    -- condition made DuckDB take far longer: marts.publication_indicators)
    left join whole_counts as base
        on base.entity_type = rows_.entity_type
        and base.entity_code = rows_.entity_code
        and base.approach = rows_.approach
        and base.year = rows_.year - 5
        and base.counting = rows_.counting
        and base.family_scope = rows_.family_scope
    left join ref.countries as countries
        on rows_.entity_type = 'country' and countries.iso3 = rows_.entity_code
    left join ref.blocs as blocs
        on rows_.entity_type = 'bloc' and blocs.bloc = rows_.entity_code
)

-- a release that suppresses small numbers (core.small_numbers) publishes a flagged row
-- without its numbers
select flagged.* replace (
    case when flagged.small_n and suppressing.suppress then null else flagged.value end
        as value,
    case when flagged.small_n and suppressing.suppress then null else flagged.numerator end
        as numerator,
    case when flagged.small_n and suppressing.suppress then null else flagged.denominator end
        as denominator,
    case when flagged.small_n and suppressing.suppress then null else flagged.families_whole end
        as families_whole
)
from flagged
cross join core.small_numbers as suppressing
