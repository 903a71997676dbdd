-- marts.patent_family_country_fractions: one row per in-scope family, counting basis and country holding the family's fractional credit (the audit table behind every fractional patent indicator)
select * from core.patent_family_country_fractions
