-- meta.indicators: one row per entry of the reviewed ref.indicators table, published as part of the data dictionary, its interval method spelled as the long views give it: the method and the central level (wilson-90, bootstrap-90)
with levels as (
    select
        (select value::double from ref.methods where key = 'share_interval_level') as wilson,
        (select value::double from ref.synthesis_settings where key = 'interval') as bootstrap
)

select
    definitions.* replace (
        case definitions.interval_method
            when 'wilson' then 'wilson-' || round(100 * levels.wilson)::integer
            when 'bootstrap' then 'bootstrap-' || round(100 * levels.bootstrap)::integer
        end as interval_method
    )
from ref.indicators as definitions
cross join levels
