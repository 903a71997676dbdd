-- staging.patent_documents: one row per patent document number (office and number; kinds of one number such as EP A1 and B1 merged), seen by either service, with its DOCDB family (a US document without one takes its application's family, else its own) and its dates
with numbers as (
    select
        office,
        number_key,
        min(family_id) filter (where service = 'epo_ops') as epo_family_id,
        count(distinct family_id) filter (where service = 'epo_ops') as epo_family_ids,
        max(application_number) filter (where service = 'patentsview') as application_number,
        min(priority_date) as priority_date,
        min(application_date) as application_date,
        min(publication_date) as publication_date,
        bool_or(has_biblio) as has_biblio,
        list(distinct service order by service) as services,
        list(distinct kind order by kind) filter (where kind is not null) as kinds,
        count(*) as records
    from raw.patent_documents
    group by office, number_key
),

-- a US grant and its pre-grant publication share an application number: a family id
-- found for one of them (through EPO) holds for both
application_families as (
    select application_number, min(epo_family_id) as epo_family_id
    from numbers
    where application_number is not null and epo_family_id is not null
    group by application_number
)

select
    numbers.office || '.' || numbers.number_key as document_key,
    numbers.office,
    numbers.number_key,
    coalesce(
        numbers.epo_family_id,
        application_families.epo_family_id,
        'US-APP-' || numbers.application_number,
        numbers.office || '-' || numbers.number_key
    ) as family_id,
    case
        when numbers.epo_family_id is not null then 'docdb'
        when application_families.epo_family_id is not null then 'docdb via US application'
        when numbers.application_number is not null then 'US application (no DOCDB family seen)'
        else 'own document (no DOCDB family seen)'
    end as family_basis,
    numbers.epo_family_ids > 1 as conflicting_family_ids,
    numbers.application_number,
    numbers.priority_date,
    numbers.application_date,
    numbers.publication_date,
    numbers.has_biblio,
    numbers.services,
    numbers.kinds,
    numbers.records
from numbers
left join application_families
    on application_families.application_number = numbers.application_number
