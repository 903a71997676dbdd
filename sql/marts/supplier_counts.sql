-- marts.supplier_counts: one row per registry component and entity (country, bloc as of today, world): how many registry suppliers of the component are headquartered there
select
    counts.component,
    components.label as component_label,
    counts.entity_type,
    counts.entity_code,
    case counts.entity_type
        when 'country' then countries.name
        when 'bloc' then blocs.name
        else 'World'
    end as entity_name,
    counts.suppliers,
    counts.supplier_countries
from indicators.supplier_counts as counts
left join ref.supply_components as components on components.component = counts.component
left join ref.countries as countries
    on counts.entity_type = 'country' and countries.iso3 = counts.entity_code
left join ref.blocs as blocs on counts.entity_type = 'bloc' and blocs.bloc = counts.entity_code
