-- core.trade_series_approaches: one row per core HS series (HS2022 code) and technology approach it serves, plus 'all' for every core series (generic and context lines are reported apart and never rolled up)
with core_lines as (
    select hs_code as series_code, approaches
    from ref.hs_codes
    where hs_revision = 'HS2022' and role = 'core'
)

select distinct series_code, trim(approach) as approach
from core_lines, unnest(string_split(approaches, ';')) as split(approach)
where trim(approach) <> ''
union
select series_code, 'all' from core_lines
