-- staging.grant_organisations: one row per organisation of a kept grant copy (staging.grants), with its role, country (ZZZ when unknown) and its share of the grant's money where the service states one
select
    grants.grant_key,
    organisations.service,
    organisations.grant_id,
    organisations.position,
    organisations.org_id,
    organisations.name,
    organisations.role,
    organisations.parent_position,
    organisations.country_code_raw,
    organisations.country_iso3,
    organisations.amount,
    organisations.amount_measure
from raw.grant_organisations as organisations
inner join staging.grants as grants
    on grants.service = organisations.service
    and grants.grant_id = organisations.grant_id
    and grants.source_file = organisations.source_file
    -- the kept copy's own organisations, even when one file carries it twice
    and grants.record_key = organisations.record_key
