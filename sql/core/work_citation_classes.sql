-- core.work_citation_classes: one row per work and approach: its citations and whether it is among the top 10% most cited of its publication year and approach (fewer than 10% of those works have more citations, and it has at least one)
with base as (
    select
        approaches.work_id,
        approaches.approach,
        works.publication_year,
        works.cited_by_count,
        works.fwci
    from core.work_approaches as approaches
    inner join staging.works as works
        on works.work_id = approaches.work_id
),

ranked as (
    select
        *,
        rank() over (partition by approach, publication_year order by cited_by_count desc nulls last) - 1 as works_cited_more,
        count(*) over (partition by approach, publication_year) as works_in_class
    from base
)

select
    work_id,
    approach,
    publication_year,
    cited_by_count,
    fwci,
    works_cited_more,
    works_in_class,
    coalesce(cited_by_count > 0 and works_cited_more < 0.1 * works_in_class, false) as is_top10
from ranked
