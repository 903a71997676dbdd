-- staging.grants: one row per grant (service and grant id; the first copy when several files carry it), typed, with its start year and whether its title or abstract puts it in the quantum scope (meta.methods grant_scope_rule)
with ranked as (
    select
        grants.*,
        coalesce(grants.title, '') || ' ' || coalesce(grants.abstract, '') as text,
        row_number() over (
            partition by grants.service, grants.grant_id
            order by grants.source_file, grants.record_index
        ) as copy_rank
    from raw.grants as grants
),

rules as (
    select
        (select value from ref.methods where key = 'patent_quantum_term_pattern') as include_pattern,
        (select value from ref.methods where key = 'patent_quantum_term_exclude') as exclude_pattern,
        (select value from ref.methods where key = 'patent_quantum_term_weak') as weak_pattern
)

select
    ranked.service || ':' || ranked.grant_id as grant_key,
    ranked.service,
    ranked.grant_id,
    ranked.title,
    ranked.abstract,
    ranked.funder,
    ranked.programme,
    ranked.currency,
    ranked.amount,
    ranked.amount_measure,
    ranked.start_date,
    ranked.end_date,
    year(ranked.start_date) as start_year,
    ranked.status,
    -- a text that names an excluded phrase (a quantum-dot display, a quantum efficiency)
    -- counts only with a term left once those and any quantum dot or well are taken out
    regexp_matches(ranked.text, rules.include_pattern)
    and (
        not regexp_matches(ranked.text, rules.exclude_pattern)
        or regexp_matches(
            regexp_replace(
                regexp_replace(ranked.text, rules.exclude_pattern, ' ', 'g'),
                rules.weak_pattern, ' ', 'g'
            ),
            rules.include_pattern
        )
    ) as in_scope,
    ranked.source_file,
    ranked.record_key
from ranked
cross join rules
where ranked.copy_rank = 1
