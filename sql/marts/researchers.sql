-- marts.researchers: one row per researcher (canonical OpenAlex author of an in-scope work): producing country, latest country, moves, mobility class and the evidence behind them; the base of every workforce number
-- each researcher's approaches are gathered as a bit set (an integer aggregate over millions
-- of rows; a list per researcher cost twice as much), and the names of each distinct set
-- listed once: a HUGEINT holds the bits of up to 127 approaches
with named as (
    select approach, (row_number() over (order by approach) - 1)::integer as bit
    from ref.approaches
    where approach not in ('all', 'unclassified')
),

researcher_sets as (
    select approaches.researcher_id, bit_or(1::hugeint << named.bit) as approach_set
    from core.researcher_approaches as approaches
    inner join named
        on named.approach = approaches.approach
    group by approaches.researcher_id
),

set_names as (
    select
        sets.approach_set,
        array_to_string(list_sort(list(named.approach)), ', ') as approaches
    from (select distinct approach_set from researcher_sets) as sets
    inner join named
        on (sets.approach_set >> named.bit) & 1 = 1
    group by sets.approach_set
),

named_approaches as (
    select researcher_sets.researcher_id, set_names.approaches
    from researcher_sets
    inner join set_names
        on set_names.approach_set = researcher_sets.approach_set
)

select
    'A' || researchers.researcher_id as researcher_id,  -- the OpenAlex id, from its number
    researchers.* exclude (researcher_id),
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
