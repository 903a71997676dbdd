-- marts.researchers: one row per researcher (canonical OpenAlex author of an in-scope work): producing country, latest country, moves, mobility class and the evidence behind them; the base of every workforce number
select
    researchers.*,
    producers.name as producer_name,
    latest.name as latest_name,
    (select string_agg(approach, ', ' order by approach)
        from core.researcher_approaches as approaches
        where approaches.researcher_id = researchers.researcher_id
            and approaches.approach not in ('all', 'unclassified')) as approaches
from core.researchers as researchers
left join ref.countries as producers
    on producers.iso3 = researchers.producer_iso3
left join ref.countries as latest
    on latest.iso3 = researchers.latest_iso3
