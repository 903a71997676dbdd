-- indicators.security_counts: one row per entity (country, bloc or world), technology approach, year and channel (co-authored works, co-invented patent families, grant consortia) with at least one international record: the entity's records, its international records and those naming a country of the concern set other than its own (the counts behind indicators.security_links)
with settings as (
    select
        (select value from ref.synthesis_settings where key = 'concern_set') as concern_set,
        (select value from ref.methods where key = 'security_patent_counting') as patent_counting
),

concern_countries as (
    select sets.iso3
    from ref.competitor_sets as sets
    where sets.set_code = (select concern_set from settings)
),

-- the record CTEs below are read more than once: DuckDB would materialize each whole
-- (every year, held in memory), so a refresh's filter on its years would not reach the
-- scans; NOT MATERIALIZED inlines them where they are read
record_countries as not materialized (
    -- every record of the three channels with each of its countries, ZZZ (unknown) included
    -- so that a record naming no known country still counts among the world's records
    select 'coauthorship' as channel, work_id as record_id, publication_year as year, country_iso3
    from core.work_country_fractions
    union all
    select 'copatent' as channel, family_id as record_id, priority_year as year, country_iso3
    from core.patent_family_country_fractions
    where counting = (select patent_counting from settings)
    union all
    -- the countries of the organisations the funder pays (meta.methods grant_country_rule)
    select 'grant_consortium' as channel, grant_key as record_id, year, country_iso3
    from core.grant_country_fractions
    where fraction > 0
),

known_countries as not materialized (
    -- ZZZ (unknown) is no country: it neither makes a record international nor is a partner
    select
        channel,
        record_id,
        year,  -- a record has one year: joined on it too, a filter on the year reaches here
        country_iso3,
        country_iso3 in (select iso3 from concern_countries) as is_concern
    from record_countries
    where country_iso3 <> 'ZZZ'
),

records as not materialized (
    select
        record_countries.channel,
        record_countries.record_id,
        record_countries.year,
        count(*) filter (where record_countries.country_iso3 <> 'ZZZ') as known,
        count(*) filter (
            where record_countries.country_iso3 in (select iso3 from concern_countries)
        ) as concern
    from record_countries
    group by all
),

entity_records as (
    -- a country: international when the record names another known country; with concern
    -- when one of the others is in the concern set (a member of the set is measured against
    -- the other members: its own membership never counts)
    select
        records.channel,
        records.record_id,
        records.year,
        'country' as entity_type,
        known.country_iso3 as entity_code,
        records.known >= 2 as is_international,
        records.concern - known.is_concern::integer >= 1 as with_concern
    from records
    inner join known_countries as known
        on known.channel = records.channel
        and known.record_id = records.record_id
        and known.year = records.year
    union all
    -- a bloc (its members at the end of the year) counts a record once: international when
    -- it names a known country outside the bloc, with concern when one outside is in the set
    select
        records.channel,
        records.record_id,
        records.year,
        'bloc' as entity_type,
        members.bloc as entity_code,
        any_value(records.known) > count(*) as is_international,
        any_value(records.concern) > count(*) filter (where known.is_concern) as with_concern
    from records
    inner join known_countries as known
        on known.channel = records.channel
        and known.record_id = records.record_id
        and known.year = records.year
    inner join core.bloc_member_years as members
        on members.iso3 = known.country_iso3
        and members.year = records.year
    group by records.channel, records.record_id, records.year, members.bloc
    union all
    -- the world: international when the record names two or more known countries, with
    -- concern when one of them is in the set (a record with concern for some country)
    select
        channel,
        record_id,
        year,
        'world' as entity_type,
        'WLD' as entity_code,
        known >= 2 as is_international,
        known >= 2 and concern >= 1 as with_concern
    from records
),

record_approaches as (
    select 'coauthorship' as channel, work_id as record_id, approach
    from core.work_approaches
    union all
    select 'copatent' as channel, family_id as record_id, approach
    from core.patent_family_approaches
    union all
    select 'grant_consortium' as channel, grant_key as record_id, approach
    from core.grant_approaches
),

counts as (
    select
        entities.entity_type,
        entities.entity_code,
        approaches.approach,
        entities.year,
        entities.channel,
        count(*) as records,
        count(*) filter (where entities.is_international) as international_records,
        count(*) filter (where entities.with_concern) as with_concern
    from entity_records as entities
    inner join record_approaches as approaches
        on approaches.channel = entities.channel
        and approaches.record_id = entities.record_id
    group by all
    -- no international record, no share
    having count(*) filter (where entities.is_international) > 0
)

select * from counts
