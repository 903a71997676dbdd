-- marts.researchers: one row per researcher (canonical OpenAlex author of an in-scope work): producing country, latest country, moves, mobility class and the evidence behind them; the base of every workforce number
with named_approaches as (
    -- a plain list sorted afterwards: an ordered aggregate (string_agg ... order by) over
    -- millions of researchers cannot spill and ran out of a 1 GB limit at 3M works
    select
        researcher_id,
        array_to_string(list_sort(list(approach)), ', ') as approaches
    from core.researcher_approaches
    where approach not in ('all', 'unclassified')
    group by researcher_id
)

select
    researchers.*,
    producers.name as producer_name,
    latest.name as latest_name,
    named_approaches.approaches
from core.researchers as researchers
left join named_approaches
    on named_approaches.researcher_id = researchers.researcher_id
left join ref.countries as producers
    on producers.iso3 = researchers.producer_iso3
left join ref.countries as latest
    on latest.iso3 = researchers.latest_iso3
