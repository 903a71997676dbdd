-- marts.hs_codes: one row per HS revision and six-digit code of the reviewed trade code map: the HS2022 series it feeds, whether its values compare with that series, the component and approaches, and its role (core lines are rolled up, generic lines reported apart, context lines not used)
select
    hs_revision,
    hs_code,
    description,
    series_code,
    comparable = 'yes' as comparable,
    component_label,
    nullif(component, '') as component,
    approaches,
    role,
    note,
    source
from ref.hs_codes
