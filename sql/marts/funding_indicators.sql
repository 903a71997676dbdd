-- marts.funding_indicators: one row per entity (country, supranational EU, bloc or world), technology approach, year, funding kind (programmes or grants), funder scope and funding indicator, with unit, flags, method version and the kind of data
with programme_rows as (
    select
        entity_type, entity_code, 'all' as approach, year,
        'programmes' as funding_kind, 'all' as funder_scope,
        indicator, value, numerator, denominator,
        programmes as records, conversion_gaps, has_bounds, basis_year,
        'reviewed reference table' as data_kind
    from indicators.funding_commitments
),

grant_rows as (
    select
        entity_type, entity_code, approach, year,
        'grants' as funding_kind, funder_scope,
        indicator, value, numerator, denominator,
        grants as records, conversion_gaps, false as has_bounds, null::integer as basis_year,
        (
            select string_agg(distinct data_kind, ', ' order by data_kind)
            from raw.grant_source_files
        ) as data_kind
    from indicators.grant_funding
),

settings as (
    select
        (select value::integer from ref.methods where key = 'small_n_threshold') as small_n_threshold,
        (select value from ref.methods where key = 'funding_method_version') as method_version
),

rows_ as (
    select * from programme_rows
    union all by name
    select * from grant_rows
),

flagged as (
    select
        rows_.entity_type,
        rows_.entity_code,
        case rows_.entity_type
            when 'country' then countries.name
            when 'bloc' then blocs.name
            when 'supranational' then 'European Union (its own programmes)'
            else 'World'
        end as entity_name,
        rows_.approach,
        rows_.year,
        rows_.funding_kind,
        rows_.funder_scope,
        rows_.indicator,
        rows_.value,
        rows_.numerator,
        rows_.denominator,
        definitions.unit,
        rows_.records::bigint as records,
        rows_.funding_kind = 'grants' and rows_.records < settings.small_n_threshold as small_n,
        rows_.conversion_gaps::bigint as conversion_gaps,
        rows_.has_bounds,
        rows_.basis_year,
        -- grants: the current year is still being awarded, and the latest start year of the
        -- grants read is incomplete too when it is earlier (incomplete_year_rule); programmes:
        -- years ahead are plans
        case rows_.funding_kind
            when 'grants'
                then rows_.year >= least(
                    year(current_date), max(rows_.year) over (partition by rows_.funding_kind)
                )
            else rows_.year > year(current_date)
        end as year_incomplete,
        settings.method_version,
        rows_.data_kind
    from rows_
    cross join settings
    inner join ref.indicators as definitions
        on definitions.indicator = rows_.indicator
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
    case when flagged.small_n and suppressing.suppress then null else flagged.records end
        as records,
    case when flagged.small_n and suppressing.suppress then null else flagged.conversion_gaps end
        as conversion_gaps
)
from flagged
cross join core.small_numbers as suppressing
