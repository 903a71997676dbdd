-- marts.milestone_metrics: one row per metric of the milestone registry: unit, which direction is better, the comparison scale (fidelities as errors 1 - F), the plausible range of stated values and the reach that counts as within reach of the frontier
select
    metric,
    label,
    unit,
    better,
    transform,
    valid_min::double as valid_min,
    valid_max::double as valid_max,
    reach_log10::double as reach_log10,
    description,
    source
from ref.milestone_metrics
