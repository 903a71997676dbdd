-- marts.patent_families: one row per in-scope patent family: earliest priority year and its basis, offices, the international flag, title, approaches, applicant countries and what decided the family
select
    families.family_id,
    families.priority_year,
    families.year_basis,
    families.priority_date,
    families.offices,
    families.office_count,
    families.is_international,
    families.documents,
    families.family_bases,
    families.title,
    (
        select list(approach order by approach) from core.patent_family_approaches as a
        where a.family_id = families.family_id and a.approach <> 'all'
    ) as approaches,
    (
        select list(distinct country_iso3 order by country_iso3)
        from staging.patent_parties as p
        where p.family_id = families.family_id and p.role = 'applicant'
    ) as applicant_countries,
    (
        select string_agg(distinct data_kind, ', ' order by data_kind)
        from raw.patent_source_files
    ) as data_kind
from staging.patent_families as families
where families.family_id in (select family_id from core.patent_family_approaches)
