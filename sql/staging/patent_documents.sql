-- staging.patent_documents: one row per patent document number (office and number; kinds of one number such as EP A1 and B1 merged), seen by either service, with its DOCDB family (a US document without one takes its application's, else that of the documents claiming the same foreign priorities, else one of its own) and its dates
with numbers as (
    select
        office,
        number_key,
        min(family_id) filter (where service = 'epo_ops') as epo_family_id,
        count(distinct family_id) filter (where service = 'epo_ops') as epo_family_ids,
        max(application_number) filter (where service = 'patentsview') as application_number,
        max(foreign_priorities) filter (where service = 'patentsview') as foreign_priorities,
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
-- found for one of them (through EPO) holds for both, and so do the foreign priorities
-- any of them lists (all of them: one may list fewer)
applications as (
    select
        application_number,
        min(epo_family_id) as epo_family_id,
        -- every priority any document of the application lists, sorted, space-separated
        nullif(array_to_string(list_sort(list_distinct(flatten(
            list(string_split(foreign_priorities, ' ')) filter (where foreign_priorities is not null)
        ))), ' '), '') as foreign_priorities
    from numbers
    where application_number is not null
    group by application_number
),

documents as (
    select
        numbers.*,
        applications.epo_family_id as application_family_id,
        -- a document of a US application claims what its application claims
        coalesce(applications.foreign_priorities, numbers.foreign_priorities)
            as claimed_priorities
    from numbers
    left join applications
        on applications.application_number = numbers.application_number
),

-- US documents claiming the same foreign applications are one invention: one that EPO
-- ties to a family takes the others into it
priority_families as (
    select
        claimed_priorities,
        min(coalesce(epo_family_id, application_family_id)) as epo_family_id,
        count(distinct coalesce(epo_family_id, application_family_id)) as epo_family_ids
    from documents
    where claimed_priorities is not null
        and coalesce(epo_family_id, application_family_id) is not null
    group by claimed_priorities
)

select
    documents.office || '.' || documents.number_key as document_key,
    documents.office,
    documents.number_key,
    coalesce(
        documents.epo_family_id,
        documents.application_family_id,
        priority_families.epo_family_id,
        'US-PRIO-' || replace(documents.claimed_priorities, ' ', '+'),
        'US-APP-' || documents.application_number,
        documents.office || '-' || documents.number_key
    ) as family_id,
    case
        when documents.epo_family_id is not null then 'docdb'
        when documents.application_family_id is not null then 'docdb via US application'
        when priority_families.epo_family_id is not null then 'docdb via foreign priorities'
        when documents.claimed_priorities is not null
            then 'US foreign priorities (no DOCDB family seen)'
        when documents.application_number is not null
            then 'US application (no DOCDB family seen)'
        else 'own document (no DOCDB family seen)'
    end as family_basis,
    -- EPO gave the number two family ids, or the documents claiming its priorities are in
    -- two families (the smallest id is used)
    documents.epo_family_ids > 1
    or (
        documents.epo_family_id is null
        and documents.application_family_id is null
        and coalesce(priority_families.epo_family_ids, 0) > 1
    ) as conflicting_family_ids,
    documents.application_number,
    documents.priority_date,
    documents.application_date,
    documents.publication_date,
    documents.has_biblio,
    documents.services,
    documents.kinds,
    documents.records,
    documents.claimed_priorities as foreign_priorities
from documents
left join priority_families
    on priority_families.claimed_priorities = documents.claimed_priorities
