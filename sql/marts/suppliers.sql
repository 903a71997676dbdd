-- marts.suppliers: one row per company and component of the reviewed supplier registry, with country, approaches served and the public source of the row
select
    suppliers.company,
    suppliers.country_iso3,
    countries.name as country_name,
    suppliers.component,
    components.label as component_label,
    coalesce(nullif(suppliers.approaches, ''), components.approaches) as approaches,
    suppliers.product,
    suppliers.source_url,
    suppliers.source_title,
    suppliers.source_checked,
    suppliers.note
from ref.suppliers as suppliers
left join ref.countries as countries on countries.iso3 = suppliers.country_iso3
left join ref.supply_components as components on components.component = suppliers.component
