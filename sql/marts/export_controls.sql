-- marts.export_controls: one row per controlled entry of a published export-control regime, with the supply component it covers
select
    controls.regime,
    controls.entry,
    controls.title,
    controls.component,
    components.label as component_label,
    coalesce(nullif(controls.approaches, ''), components.approaches) as approaches,
    controls.effective_date::date as effective_date,
    controls.source_url,
    controls.note
from ref.export_controls as controls
left join ref.supply_components as components on components.component = controls.component
