-- indicators.patent_specialisation: one row per entity, approach, priority year, counting basis and family scope: patent activity index (x_ek / x_e) / (x_wk / x_w) on fractional family counts; 1 = world average; none for an adjacent approach (post-quantum cryptography), whose families are not all in the all it divides by
with counts as (
    select entity_type, entity_code, approach, year, counting, family_scope, value as fractional
    from indicators.patent_output
    where indicator = 'patent_families_fractional'
),

shares as (
    select
        counts.*,
        counts.fractional / entity_all.fractional as entity_share,
        world.fractional / world_all.fractional as world_share
    from counts
    inner join counts as entity_all
        on entity_all.entity_type = counts.entity_type
        and entity_all.entity_code = counts.entity_code
        and entity_all.approach = 'all'
        and entity_all.year = counts.year
        and entity_all.counting = counts.counting
        and entity_all.family_scope = counts.family_scope
    inner join counts as world
        on world.entity_type = 'world'
        and world.approach = counts.approach
        and world.year = counts.year
        and world.counting = counts.counting
        and world.family_scope = counts.family_scope
    inner join counts as world_all
        on world_all.entity_type = 'world'
        and world_all.approach = 'all'
        and world_all.year = counts.year
        and world_all.counting = counts.counting
        and world_all.family_scope = counts.family_scope
    -- a share of all needs the approach inside all: the adjacent ones are not (since pat-1.4)
    where counts.approach not in (select approach from ref.approaches where family = 'adjacent')
)

select
    entity_type,
    entity_code,
    approach,
    year,
    counting,
    family_scope,
    'patent_activity_index' as indicator,
    entity_share / world_share as value,
    entity_share as numerator,
    world_share as denominator
from shares
