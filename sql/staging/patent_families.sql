-- staging.patent_families: one row per patent family (DOCDB family id; US documents without one form a family per set of foreign priorities claimed, else per US application, else one each): earliest priority year, offices, the international flag, and the title and abstract that stand for it
with members as (
    select
        family_id,
        min(priority_date) as priority_date,
        min(application_date) as application_date,
        min(publication_date) as publication_date,
        list(distinct office order by office) as offices,
        count(*) as documents,
        list(distinct family_basis order by family_basis) as family_bases,
        bool_or(conflicting_family_ids) as conflicting_family_ids
    from staging.patent_documents
    group by family_id
),

texts as (
    select family_id, title, title_lang, abstract
    from staging.patent_document_records
    where text_rank = 1
)

select
    members.family_id,
    -- the year is the earliest priority date's; without any priority claim, the
    -- earliest filing date's, and failing that the earliest publication's (basis kept)
    year(coalesce(members.priority_date, members.application_date, members.publication_date))
        as priority_year,
    case
        when members.priority_date is not null then 'priority date'
        when members.application_date is not null then 'filing date (no priority claim)'
        else 'publication date (no priority claim or filing date)'
    end as year_basis,
    members.priority_date,
    members.offices,
    len(members.offices) as office_count,
    len(members.offices) >= 2 as is_international,
    members.documents,
    members.family_bases,
    members.conflicting_family_ids,
    texts.title,
    texts.title_lang,
    texts.abstract
from members
left join texts
    on texts.family_id = members.family_id
