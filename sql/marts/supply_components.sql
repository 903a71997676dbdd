-- marts.supply_components: one row per component of the supplier registry (the reviewed reference table ref.supply_components, as qcm read it)
select * from ref.supply_components
