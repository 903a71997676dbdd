-- marts.workforce_producers: one row per country and technology approach: researchers produced (first quantum affiliation there), how many stayed or left, how many arrived from elsewhere, and the net gain, whole period
with flagged as (
    select
        producers.country_iso3,
        countries.name as country_name,
        producers.approach,
        producers.produced,
        producers.stayed,
        producers.left_abroad,
        producers.arrived,
        producers.last_seen,
        producers.net_gain,
        case when producers.produced > 0 then producers.stayed / producers.produced end
            as stayed_share,
        -- few researchers behind the row's counts, or behind stayed_share (produced alone)
        producers.produced + producers.arrived < settings.small_n
            or (producers.produced > 0 and producers.produced < settings.small_n) as small_n,
        (select value from ref.methods where key = 'workforce_method_version') as method_version
    from indicators.workforce_producers as producers
    cross join (
        select value::integer as small_n from ref.methods where key = 'small_n_threshold'
    ) as settings
    left join ref.countries as countries
        on countries.iso3 = producers.country_iso3
)

-- a release that suppresses small numbers (core.small_numbers) publishes a flagged row
-- without its numbers
select flagged.* replace (
    case when flagged.small_n and suppressing.suppress then null else flagged.produced end
        as produced,
    case when flagged.small_n and suppressing.suppress then null else flagged.stayed end
        as stayed,
    case when flagged.small_n and suppressing.suppress then null else flagged.left_abroad end
        as left_abroad,
    case when flagged.small_n and suppressing.suppress then null else flagged.arrived end
        as arrived,
    case when flagged.small_n and suppressing.suppress then null else flagged.last_seen end
        as last_seen,
    case when flagged.small_n and suppressing.suppress then null else flagged.net_gain end
        as net_gain,
    case when flagged.small_n and suppressing.suppress then null else flagged.stayed_share end
        as stayed_share
)
from flagged
cross join core.small_numbers as suppressing
