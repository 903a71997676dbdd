-- core.grant_country_fractions: one row per in-scope grant and country of an organisation it pays: the country's fraction of the grant's money (fractions of a grant sum to 1) and whether the grant pays organisations of two or more countries (meta.methods grant_country_rule)
with organisations as (
    -- project partners, collaborators and co-funders are named, never paid
    select
        organisations.*,
        not regexp_matches(coalesce(organisations.role, ''), 'partner|collaborator|co_?funder')
            as paid
    from staging.grant_organisations as organisations
    inner join staging.grants as grants
        on grants.grant_key = organisations.grant_key
    where grants.in_scope
),

stated_shares as (
    -- services that state each organisation's share (CORDIS; NSF, whose one awardee holds
    -- the whole award): the money follows the shares
    select grant_key, country_iso3, sum(amount::decimal(38, 6))::double as amount
    from organisations
    where amount > 0
    group by all
),

stated_totals as (
    select grant_key, sum(amount::decimal(38, 6))::double as total
    from stated_shares
    group by all
),

unknown_shares as (
    -- an organisation of such a grant the funder pays but whose share is unknown (not
    -- stated, or quarantined as not a number):
    -- what the stated shares leave of the grant's amount is its money, of the unknown
    -- country (ZZZ), never given to the others
    select totals.grant_key, greatest(amounts.amount - totals.total, 0) as amount
    from stated_totals as totals
    inner join core.grant_amounts as amounts using (grant_key)
    where totals.grant_key in (
        select grant_key
        from organisations
        where amount is null and paid
    )
),

shares as (
    -- one row per grant and country: an organisation of no known country that states a
    -- share and the unknown shares meet in ZZZ
    select
        grant_key,
        country_iso3,
        sum(amount) as amount,
        case when bool_or(basis = 'share not stated') then 'share not stated' else 'stated shares' end
            as basis
    from (
        select grant_key, country_iso3, amount, 'stated shares' as basis
        from stated_shares
        union all
        select grant_key, 'ZZZ', amount, 'share not stated'
        from unknown_shares
        where amount > 0
    )
    group by grant_key, country_iso3
),

share_totals as (
    select grant_key, sum(amount::decimal(38, 6))::double as total
    from shares
    group by all
),

lead as (
    -- services that state no shares (UKRI): the whole grant goes to its lead organisation
    -- (the UKRI lead research organisation), else to the first-listed one it pays
    select
        grant_key,
        arg_min(
            country_iso3,
            case when role = 'lead' or contains(role, 'lead_ro') then 0 else 1 end
            * 1000000000 + position
        ) as country_iso3
    from organisations
    where grant_key not in (select grant_key from stated_totals) and paid
    group by all
),

fractions as (
    select shares.grant_key, shares.country_iso3, shares.amount / totals.total as fraction,
        shares.basis
    from shares
    inner join share_totals as totals using (grant_key)
    union all
    select grant_key, country_iso3, 1.0 as fraction, 'lead organisation' as basis
    from lead
    union all
    -- a grant that pays none of the organisations it names (none named, or only partners):
    -- its money is counted as unknown (ZZZ), not dropped
    select
        grant_key,
        'ZZZ' as country_iso3,
        1.0 as fraction,
        case
            when grant_key in (select grant_key from organisations) then 'no paid organisation'
            else 'no organisation'
        end as basis
    from core.grant_amounts
    where grant_key not in (select grant_key from stated_totals)
        and grant_key not in (select grant_key from lead)
),

consortia as (
    -- an international consortium pays organisations of two or more known countries
    -- (partners the funder does not pay, such as UKRI project partners, do not count; nor
    -- does an organisation whose share is unknown, whose money is ZZZ's: as the security
    -- lens reads the consortia, from these fractions)
    select grant_key, count(distinct country_iso3) filter (where country_iso3 <> 'ZZZ') as countries
    from fractions
    where fraction > 0
    group by all
)

select
    fractions.grant_key,
    amounts.service,
    amounts.year,
    fractions.country_iso3,
    fractions.fraction,
    fractions.basis,
    coalesce(consortia.countries, 0) >= 2 as is_international
from fractions
inner join core.grant_amounts as amounts using (grant_key)
left join consortia using (grant_key)
