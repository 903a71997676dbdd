-- core.patent_family_scope: one row per in-scope (quantum) family and reviewed CPC map row that puts it in scope: a code used on its own, or a code used only with a quantum term in title or abstract (a text that names an excluded phrase, such as a quantum-dot display, counts only with a term left once those phrases and any quantum dot or well are taken out)
with map as (
    select
        cpc_code,
        use,
        domain,
        nullif(approach, '') as approach,
        -- a main group (…/00, or a legacy code without a slash) covers all its subgroups;
        -- a subgroup covers itself and the deeper codes that extend its digits
        case
            when cpc_code not like '%/%' then cpc_code || '/'
            when cpc_code like '%/00' then replace(cpc_code, '/00', '/')
            else cpc_code
        end as prefix
    from ref.patent_cpc_map
    where use in ('in_scope', 'with_term')
),

term as (
    select
        (select value from ref.methods where key = 'patent_quantum_term_pattern') as pattern,
        (select value from ref.methods where key = 'patent_quantum_term_exclude') as exclude,
        (select value from ref.methods where key = 'patent_quantum_term_weak') as weak
),

texts as (
    select family_id, coalesce(title, '') || ' ' || coalesce(abstract, '') as text
    from staging.patent_families
)

select distinct
    cpc.family_id,
    map.cpc_code as map_code,
    map.use,
    map.domain,
    map.approach
from staging.patent_family_cpc as cpc
inner join map
    on starts_with(cpc.cpc_code, map.prefix)
inner join texts
    on texts.family_id = cpc.family_id
cross join term
where map.use = 'in_scope'
    or (
        regexp_matches(texts.text, term.pattern)
        and (
            not regexp_matches(texts.text, term.exclude)
            or regexp_matches(
                regexp_replace(
                    regexp_replace(texts.text, term.exclude, ' ', 'g'), term.weak, ' ', 'g'
                ),
                term.pattern
            )
        )
    )
