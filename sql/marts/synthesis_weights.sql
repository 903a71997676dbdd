-- marts.synthesis_weights: one row per indicator family: its weight in the composite as set in the synthesis settings of this run, its share of all weights, and what its value measures
select
    weights.family,
    weights.weight,
    weights.weight_share,
    measures.measure
from ref.synthesis_weights as weights
left join (
    select distinct family, measure from indicators.synthesis_scores
) as measures
    on measures.family = weights.family
