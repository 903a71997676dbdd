-- marts.grant_country_fractions: one row per in-scope grant and country its money goes to, with the fraction, the basis of the split and whether the grant is an international consortium (audit trail of every grant indicator)
select grant_key, service, year, country_iso3, fraction, basis, is_international
from core.grant_country_fractions
