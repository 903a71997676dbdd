-- marts.security_indicators: one row per entity (country, bloc or world), technology approach, year and research-security indicator (the share of the entity's international co-authored works, co-invented patent families or grant consortia that name a country of the concern set), with its Wilson interval, five-year change, counts behind it, flags, method version and the kind of data
with settings as (
    select
        (select value::integer from ref.methods where key = 'small_n_threshold')
            as small_n_threshold,
        (select value from ref.methods where key = 'security_method_version') as method_version
),

data_kinds as (
    select
        'coauthorship' as channel,
        string_agg(distinct data_kind, ', ' order by data_kind) as data_kind
    from raw.source_files
    union all
    select
        'copatent' as channel,
        string_agg(distinct data_kind, ', ' order by data_kind) as data_kind
    from raw.patent_source_files
    union all
    select
        'grant_consortium' as channel,
        string_agg(distinct data_kind, ', ' order by data_kind) as data_kind
    from raw.grant_source_files
),

concern_countries as (
    select
        sets.set_code,
        coalesce(min(sets.set_name), sets.set_code) as concern_set_name,
        string_agg(sets.iso3, ', ' order by sets.iso3) as concern_countries
    from ref.competitor_sets as sets
    group by sets.set_code
),

flagged as (
    select
        links.entity_type,
        links.entity_code,
        case links.entity_type
            when 'country' then countries.name
            when 'bloc' then blocs.name
            else 'World'
        end as entity_name,
        links.approach,
        links.year,
        links.channel || '_concern_share' as indicator,
        links.share as value,
        links.share_low as value_low,
        links.share_high as value_high,
        links.share_5y_change as value_5y_change,
        links.with_concern::double as numerator,
        links.international_records::double as denominator,
        links.records,
        definitions.unit,
        links.international_records < settings.small_n_threshold as small_n,
        -- each channel as its source: the current year is still being indexed, or the latest
        -- year read when earlier (incomplete_year_rule); patent families are published about
        -- 18 months after their priority date, so for them the year before is incomplete too
        links.year >= least(year(current_date), max(links.year) over (partition by links.channel))
            - case links.channel when 'copatent' then 1 else 0 end as year_incomplete,
        settings.method_version,
        data_kinds.data_kind,
        links.concern_set,
        concern_countries.concern_set_name,
        concern_countries.concern_countries
    from indicators.security_links as links
    cross join settings
    inner join ref.indicators as definitions
        on definitions.indicator = links.channel || '_concern_share'
    inner join data_kinds
        on data_kinds.channel = links.channel
    inner join concern_countries
        on concern_countries.set_code = links.concern_set
    left join ref.countries as countries
        on links.entity_type = 'country' and countries.iso3 = links.entity_code
    left join ref.blocs as blocs
        on links.entity_type = 'bloc' and blocs.bloc = links.entity_code
)

-- a release that suppresses small numbers (core.small_numbers) publishes a flagged row
-- without its numbers
select flagged.* replace (
    case when flagged.small_n and suppressing.suppress then null else flagged.value end
        as value,
    case when flagged.small_n and suppressing.suppress then null else flagged.value_low end
        as value_low,
    case when flagged.small_n and suppressing.suppress then null else flagged.value_high end
        as value_high,
    -- a change tells the value five years before too: empty when either year is small
    case
        when (flagged.small_n or base.small_n) and suppressing.suppress then null
        else flagged.value_5y_change
    end as value_5y_change,
    case when flagged.small_n and suppressing.suppress then null else flagged.numerator end
        as numerator,
    case when flagged.small_n and suppressing.suppress then null else flagged.denominator end
        as denominator,
    case when flagged.small_n and suppressing.suppress then null else flagged.records end
        as records
)
from flagged
cross join core.small_numbers as suppressing
left join flagged as base
    on base.entity_type = flagged.entity_type
    and base.entity_code = flagged.entity_code
    and base.approach = flagged.approach
    and base.indicator = flagged.indicator
    and base.year = flagged.year - 5
