-- indicators.workforce_producers: one row per country and technology approach comparing the researchers it produced (first quantum affiliation there) with those it was last seen holding (destination), whole period
-- (a researcher counts in every approach of the career: a whole-period comparison)
with researchers as (
    -- those placed in their quantum career: one placed only before their first in-scope
    -- work has no producing country, and is no destination either (last_seen = stayed +
    -- arrived)
    select researchers.*, approaches.approach
    from core.researchers as researchers
    inner join core.researcher_approaches as approaches
        on approaches.researcher_id = researchers.researcher_id
    where researchers.producer_iso3 is not null
),

produced as (
    select
        producer_iso3 as country_iso3,
        approach,
        count(*) as produced,
        count(*) filter (where latest_iso3 = producer_iso3) as stayed,
        count(*) filter (where latest_iso3 <> producer_iso3) as left_abroad
    from researchers
    group by all
),

destinations as (
    select
        latest_iso3 as country_iso3,
        approach,
        count(*) as last_seen,
        count(*) filter (where producer_iso3 <> latest_iso3) as arrived
    from researchers
    group by all
)

select
    coalesce(produced.country_iso3, destinations.country_iso3) as country_iso3,
    coalesce(produced.approach, destinations.approach) as approach,
    coalesce(produced.produced, 0) as produced,
    coalesce(produced.stayed, 0) as stayed,
    coalesce(produced.left_abroad, 0) as left_abroad,
    coalesce(destinations.arrived, 0) as arrived,
    coalesce(destinations.last_seen, 0) as last_seen,
    coalesce(destinations.arrived, 0) - coalesce(produced.left_abroad, 0) as net_gain
from produced
full outer join destinations
    on destinations.country_iso3 = produced.country_iso3
    and destinations.approach = produced.approach
