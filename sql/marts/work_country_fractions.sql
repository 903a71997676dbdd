-- marts.work_country_fractions: one row per in-scope work and country: the fractional credit the country receives for the work (each work's rows sum to 1), for audit
select
    fractions.work_id,
    works.doi,
    fractions.publication_year,
    fractions.country_iso3,
    fractions.fraction,
    fractions.authorship_links,
    works.is_authors_truncated
from core.work_country_fractions as fractions
inner join staging.works as works
    on works.work_id = fractions.work_id
