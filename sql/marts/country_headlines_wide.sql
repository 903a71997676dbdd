-- marts.country_headlines_wide: one row per country, technology approach and year with a headline value in some family: the headline indicator of each family side by side (values only; intervals, units, flags and small numbers are in marts.indicators_long)
-- indicator ids are unique across families; the variant picks one series of each (the
-- synthesis: the composite)
with headlines as (
    select
        entity_code,
        entity_name,
        approach,
        year,
        indicator,
        value,
        value_low,
        value_high,
        data_kind
    from marts.indicators_long
    where entity_type = 'country'
        and (
            (
                family = 'publications'
                and indicator in ('publications_fractional', 'world_share', 'top10_share_of_world')
            )
            or (
                family = 'patents'
                and variant = 'counting=applicant; family_scope=all'
                and indicator in ('patent_families_fractional', 'patent_world_share')
            )
            or (
                family = 'funding'
                and variant = 'funding_kind=grants; funder_scope=all'
                and indicator = 'grant_funding_usd_constant'
            )
            or (family = 'workforce' and indicator in ('researchers_active', 'net_flow'))
            or (
                family = 'supply_chain'
                and variant = 'level=approach'
                and indicator in ('world_export_share', 'import_dependence')
            )
            or (family = 'synthesis' and variant = 'family=composite')
        )
)

select
    entity_code as country_iso3,
    any_value(entity_name) as country_name,
    approach,
    year,
    any_value(value) filter (where indicator = 'publications_fractional') as publications_fractional,
    any_value(value) filter (where indicator = 'world_share') as world_share,
    any_value(value) filter (where indicator = 'top10_share_of_world') as top10_share_of_world,
    any_value(value) filter (where indicator = 'patent_families_fractional')
        as patent_families_fractional,
    any_value(value) filter (where indicator = 'patent_world_share') as patent_world_share,
    any_value(value) filter (where indicator = 'grant_funding_usd_constant')
        as grant_funding_usd_constant,
    any_value(value) filter (where indicator = 'researchers_active') as researchers_active,
    any_value(value) filter (where indicator = 'net_flow') as net_flow,
    any_value(value) filter (where indicator = 'world_export_share') as world_export_share,
    any_value(value) filter (where indicator = 'import_dependence') as import_dependence,
    any_value(value) filter (where indicator = 'synthesis_score') as composite_score,
    (any_value(value) filter (where indicator = 'synthesis_rank'))::bigint as composite_rank,
    (any_value(value_low) filter (where indicator = 'synthesis_rank'))::bigint as composite_rank_low,
    (any_value(value_high) filter (where indicator = 'synthesis_rank'))::bigint as composite_rank_high,
    -- the kinds of data behind the row's values, as their long rows say them
    string_agg(distinct data_kind, ', ' order by data_kind) as data_kind
from headlines
group by entity_code, approach, year
