-- staging.patent_document_records: one row per raw document record with bibliographic data, tied to its document and family, ranked within the family to pick the records whose applicants, inventors and text stand for the family
with records as (
    select
        raw_docs.record_key,
        raw_docs.service,
        raw_docs.record_type,
        raw_docs.office,
        documents.document_key,
        documents.family_id,
        raw_docs.publication_date,
        raw_docs.title,
        raw_docs.title_lang,
        raw_docs.abstract,
        -- an applicant who is also an inventor of the record is no sign that the record
        -- names the owner's country (the inventors listed as applicants for the US)
        (
            select count(*) from raw.patent_applicants as a
            where a.record_key = raw_docs.record_key and a.country_iso3 <> 'ZZZ'
                and not exists (
                    select 1 from raw.patent_inventors as i
                    where i.record_key = a.record_key
                        -- letters and digits alone: SMITH JOHN = Smith, John
                        and regexp_replace(upper(i.name), '[^[:alnum:]]+', '', 'g')
                        = regexp_replace(upper(a.name), '[^[:alnum:]]+', '', 'g')
                )
        ) as applicants_with_country,
        (select count(*) from raw.patent_applicants as a where a.record_key = raw_docs.record_key)
            as applicants,
        (
            select count(*) from raw.patent_inventors as i
            where i.record_key = raw_docs.record_key and i.country_iso3 <> 'ZZZ'
        ) as inventors_with_country,
        (select count(*) from raw.patent_inventors as i where i.record_key = raw_docs.record_key)
            as inventors
    from raw.patent_documents as raw_docs
    inner join staging.patent_documents as documents
        on documents.office = raw_docs.office
        and documents.number_key = raw_docs.number_key
    where raw_docs.has_biblio
)

select
    *,
    -- the family's applicants come from one record, so name variants across members are
    -- not counted twice: one naming applicants with a known country (inventors listed as
    -- applicants aside), else one naming any applicant, from the office
    -- whose applicant data is most reliable (EP, a PatentsView US record, another
    -- office, then WO and last a US record from DOCDB: before 16 September 2012 PCT and
    -- US filings listed the inventors as applicants for the US), then the most such
    -- applicants
    row_number() over (
        partition by family_id
        order by
            applicants_with_country > 0 desc,
            applicants > 0 desc,
            case
                when office = 'EP' then 1
                when service = 'patentsview' then 2
                when office not in ('US', 'WO') then 3
                when office = 'WO' then 4
                else 5
            end,
            applicants_with_country desc,
            applicants desc,
            publication_date,
            document_key,
            record_key
    ) as party_rank,
    -- the family's inventors: from the record naming the most inventors with a country
    row_number() over (
        partition by family_id
        order by
            inventors_with_country desc,
            inventors desc,
            service = 'epo_ops' desc,
            publication_date,
            document_key,
            record_key
    ) as inventor_rank,
    -- the family's title and abstract: an English title first, then the same order
    row_number() over (
        partition by family_id
        order by
            title is not null desc,
            title_lang = 'en' desc,
            abstract is not null desc,
            publication_date,
            document_key,
            record_key
    ) as text_rank
from records
