-- marts.synthesis_sensitivity: one row per sensitivity scenario, technology approach, year and country: its composite and rank under the scenario beside the baseline (the run's weights, fractional counting, all patent families, the full classifier)
select
    moves.scenario,
    moves.approach,
    moves.year,
    moves.country_iso3,
    countries.name as country_name,
    moves.rank,
    moves.baseline_rank,
    moves.rank - moves.baseline_rank as rank_shift,
    moves.value,
    moves.baseline_value,
    (select value from ref.methods where key = 'synthesis_method_version') as method_version
from indicators.synthesis_sensitivity as moves
left join ref.countries as countries
    on countries.iso3 = moves.country_iso3
