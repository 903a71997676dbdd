-- marts.patent_cpc_map: one row per CPC code of the reviewed quantum CPC map: how it is used (in scope, only with a quantum term, or context), its approach, official title, whether the title was checked, and the source
select * from ref.patent_cpc_map
