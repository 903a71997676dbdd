-- marts.synthesis_scores: one row per entity (country or bloc), technology approach, year and family (publications, patents, funding, workforce, supply_chain, capability, and the composite): the family's value, its score normalised to the leading country, the rank among countries, and their bootstrap intervals
with settings as (
    select
        (select value::double from ref.synthesis_settings where key = 'reach') as reach,
        (select value from ref.methods where key = 'synthesis_method_version') as method_version,
        -- every source's kind: the composite draws on all of them (meta.runs' spelling)
        (select string_agg(distinct data_kind, ', ' order by data_kind) from meta.source_files)
            as data_kind,
        (select value::bigint from ref.methods where key = 'workforce_max_gap_years') as max_gap
),

-- each row's sources (meta.source_snapshots feeds): its family's, and a composite's those
-- of the families it averages; funding scores the national programmes for the whole field
-- and the grants for an approach (core.synthesis_records), each with the conversion tables
scored as (
    select
        family,
        families,
        whole_field,
        unnest(
            case when family = 'composite' then string_split(families, ',') else [family] end
        ) as scored_family
    from (
        select distinct family, families, approach = 'all' as whole_field
        from indicators.synthesis_scores
    )
),

feeds as (
    select
        family,
        families,
        whole_field,
        unnest(
            case
                when scored_family <> 'funding' then [scored_family]
                when whole_field then ['funding:programmes', 'funding:conversions']
                else ['funding:grants', 'funding:conversions']
            end
        ) as feed
    from scored
),

family_snapshots as (
    select
        feeds.family,
        feeds.families,
        feeds.whole_field,
        string_agg(distinct sources.snapshot, ', ' order by sources.snapshot)
            as source_snapshot
    from feeds
    inner join meta.source_snapshots as sources
        on list_contains(sources.feeds, feeds.feed)
    group by feeds.family, feeds.families, feeds.whole_field
),

latest_read as (
    -- the latest year the works and the patent families read reach: when it is earlier than
    -- the current year it is still filling too, as their own marts flag it (meta.methods
    -- incomplete_year_rule; the researchers follow the works)
    select
        least(
            year(current_date),
            max(year) filter (where family = 'publications' and value > 0)
        ) as works_year,
        least(year(current_date), max(year) filter (where family = 'patents' and value > 0))
            as patents_year
    from indicators.synthesis_scores
),

family_years as (
    -- each family's year still filling, by the rule of its own mart: a priority year is
    -- published up to 18 months late (patents: the year before too), a placement can still
    -- be carried from an observation up to max_gap years later (researchers), a year of
    -- trade is complete once enough countries reported and is not the latest filed
    -- (core.trade_years); the other sources are still indexing the current year
    select
        families.family,
        years.year,
        case families.family
            when 'publications'
                then years.year >= coalesce(latest_read.works_year, year(current_date))
            when 'patents'
                then years.year >= coalesce(latest_read.patents_year, year(current_date)) - 1
            when 'workforce'
                then years.year
                >= coalesce(latest_read.works_year, year(current_date)) - settings.max_gap
            when 'supply_chain' then coalesce(trade.incomplete, true)
            else years.year >= year(current_date)
        end as incomplete
    from (select distinct family from ref.synthesis_weights) as families
    cross join (select distinct year from indicators.synthesis_scores) as years
    cross join settings
    cross join latest_read
    left join core.trade_years as trade
        on trade.year = years.year
),

used as (
    -- the families each entity's composite averages in an approach and year (a country
    -- without a funding record has none there), with their weights
    select
        scores.entity_type, scores.entity_code, scores.approach, scores.year, weights.family,
        weights.weight
    from indicators.synthesis_scores as scores
    inner join ref.synthesis_weights as weights
        on list_contains(string_split(scores.families, ','), weights.family)
    where scores.family = 'composite'
),

shares as (
    select
        entity_type, entity_code, approach, year, family,
        weight / sum(weight) over (partition by entity_type, entity_code, approach, year)
            as weight
    from used
),

composite_years as (
    -- a composite is still filling when one of the families any composite of the approach
    -- and year averages is
    select used.approach, used.year, bool_or(family_years.incomplete) as incomplete
    from used
    inner join family_years
        on family_years.family = used.family
        and family_years.year = used.year
    group by all
)

select
    scores.entity_type,
    scores.entity_code,
    coalesce(countries.name, blocs.name) as entity_name,
    scores.approach,
    scores.year,
    scores.family,
    scores.measure,
    scores.value,
    scores.value_low,
    scores.value_high,
    scores.score,
    scores.score_low,
    scores.score_high,
    1 - scores.score as distance_to_leader,
    scores.rank,
    scores.rank_low,
    scores.rank_high,
    scores.countries_ranked,
    scores.leader_probability,
    scores.score >= settings.reach as within_reach,
    coalesce(scores.rank = 1, false) as is_leader,
    shares.weight,
    scores.families,
    coalesce(
        case
            when scores.family = 'composite' then composite_years.incomplete
            else family_years.incomplete
        end,
        scores.year >= year(current_date)
    ) as year_incomplete,
    settings.method_version,
    settings.data_kind,
    family_snapshots.source_snapshot
from indicators.synthesis_scores as scores
cross join settings
left join family_snapshots
    on family_snapshots.family = scores.family
    and family_snapshots.families is not distinct from scores.families
    and family_snapshots.whole_field = (scores.approach = 'all')
left join shares
    on shares.entity_type = scores.entity_type
    and shares.entity_code = scores.entity_code
    and shares.approach = scores.approach
    and shares.year = scores.year
    and shares.family = scores.family
left join family_years
    on family_years.family = scores.family
    and family_years.year = scores.year
left join composite_years
    on composite_years.approach = scores.approach
    and composite_years.year = scores.year
left join ref.countries as countries
    on scores.entity_type = 'country' and countries.iso3 = scores.entity_code
left join ref.blocs as blocs
    on scores.entity_type = 'bloc' and blocs.bloc = scores.entity_code
