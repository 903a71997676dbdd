-- staging.patent_family_cpc: one row per family and distinct CPC code carried by any of its documents with bibliographic data
select distinct
    records.family_id,
    classifications.cpc_code
from staging.patent_document_records as records
inner join raw.patent_classifications as classifications
    on classifications.record_key = records.record_key
