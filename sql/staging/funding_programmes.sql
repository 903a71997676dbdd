-- staging.funding_programmes: one row per reviewed programme figure (ref.funding_programmes), typed, with its period and where the period comes from, its price year, the exchange rate used, the first rule it breaks (problem) and whether it is counted
with typed as (
    select
        row_id,
        programme_id,
        country_iso3,
        programme,
        try_cast(amount as double) as amount,
        amount_kind,
        nullif(upper(trim(currency)), '') as currency,
        try_cast(start_year as integer) as start_year,
        try_cast(end_year as integer) as end_year,
        try_cast(stated_duration_years as integer) as stated_duration_years,
        try_cast(announced_year as integer) as announced_year,
        scope,
        public_money,
        status,
        part_of,
        source_kind,
        source_url,
        accessed,
        review_note,
        -- text that is there but is not a number (a typo such as "1.2bn" or "2O23")
        case
            when amount is not null and try_cast(amount as double) is null then 'amount'
            when start_year is not null and try_cast(start_year as integer) is null
                then 'start_year'
            when end_year is not null and try_cast(end_year as integer) is null then 'end_year'
            when stated_duration_years is not null
                and try_cast(stated_duration_years as integer) is null
                then 'stated_duration_years'
            when announced_year is not null and try_cast(announced_year as integer) is null
                then 'announced_year'
        end as invalid_field
    from ref.funding_programmes
),

own_periods as (
    -- a figure's own period: its stated years; else its stated length, placed from its stated
    -- start, back from its stated end, else from the year announced
    select
        *,
        case
            when start_year is not null and end_year is not null then start_year
            when stated_duration_years is null then null
            when start_year is not null then start_year
            when end_year is not null then end_year - stated_duration_years + 1
            else announced_year
        end as own_start,
        case
            when start_year is not null and end_year is not null then 'stated years'
            when stated_duration_years is not null
                and coalesce(start_year, end_year, announced_year) is not null
                then 'stated length'
        end as own_basis
    from typed
),

programme_periods as (
    -- a period is a fact about the programme: of the figures that place one themselves, the
    -- one that states it most fully (both years before a length; official before news before
    -- aggregators)
    select
        programme_id,
        row_id as period_row,
        own_start as period_start,
        coalesce(end_year, own_start + stated_duration_years - 1) as period_end
    from own_periods
    where own_basis is not null
    qualify row_number() over (
        partition by programme_id
        order by
            own_basis = 'stated years' desc,
            case source_kind
                when 'official' then 1 when 'reputable_news' then 2 when 'aggregator' then 3
                else 4
            end,
            row_id
    ) = 1
),

dated as (
    -- a figure's own period first; else the period another figure of the same programme
    -- places (meta.methods programme_annualisation_rule); else what it states, for the
    -- problem to name
    select
        own_periods.* exclude (start_year, end_year, own_start, own_basis),
        case
            when own_periods.own_basis is not null then own_periods.own_start
            when programme_periods.period_row is not null then programme_periods.period_start
            else own_periods.start_year
        end as start_year,
        case
            when own_periods.own_basis is not null
                then coalesce(
                    own_periods.end_year,
                    own_periods.own_start + own_periods.stated_duration_years - 1
                )
            when programme_periods.period_row is not null then programme_periods.period_end
            else own_periods.end_year
        end as end_year,
        coalesce(own_periods.own_basis, 'period of ' || programme_periods.period_row)
            as period_basis
    from own_periods
    left join programme_periods using (programme_id)
),

priced as (
    select
        dated.*,
        -- an announced amount is in the money of the year it was announced (else its first year)
        coalesce(dated.announced_year, dated.start_year) as price_year
    from dated
),

checked as (
    select
        priced.*,
        fx.units_per_usd,
        case
            when priced.invalid_field is not null
                then 'invalid_value'
            when priced.amount is null or priced.amount <= 0
                then 'non_positive_amount'
            when priced.currency is null
                or priced.currency not in (select currency from staging.fx_rates)
                then 'unknown_currency'
            when priced.start_year is null and priced.end_year is null
                then 'no_period'
            when priced.end_year is null
                then 'no_end_year'
            when priced.start_year is null
                then 'no_start_year'
            when priced.end_year < priced.start_year
                then 'invalid_period'
            when fx.units_per_usd is null
                then 'no_fx_rate'
        end as problem
    from priced
    left join staging.fx_rates as fx
        on fx.currency = priced.currency
        and fx.year = priced.price_year
)

select
    checked.* exclude (invalid_field),
    case checked.problem
        when 'invalid_value' then checked.invalid_field || ' is not a number in the reviewed table'
        when 'non_positive_amount' then 'amount ' || coalesce(checked.amount::varchar, 'missing')
        when 'unknown_currency' then 'currency ' || coalesce(checked.currency, 'missing')
            || ' is not in the reviewed FX table (ref.fx_rates)'
        when 'no_period' then 'no period this figure or another figure of the programme places '
            || '(both years, or a length with a start, an end or the year announced): the '
            || 'commitment cannot be spread over years'
        when 'no_end_year' then 'starts ' || checked.start_year || ' with no end year or length, '
            || 'nor another figure''s period: the commitment cannot be spread over years'
        when 'no_start_year' then 'ends ' || checked.end_year || ' with no start year or length, '
            || 'nor another figure''s period: the commitment cannot be spread over years'
        when 'invalid_period' then 'end year ' || checked.end_year
            || ' before start year ' || checked.start_year
        when 'no_fx_rate' then checked.currency || ' has no exchange rate for '
            || checked.price_year || ' in ref.fx_rates'
    end as problem_detail,
    -- a figure without an exchange rate stays in the series as a conversion gap (its
    -- dollars unknown, never assumed), like a grant's: dropping it would shrink the totals
    -- with nothing to say so
    checked.status = 'counted' and coalesce(checked.problem = 'no_fx_rate', true) as counted,
    checked.end_year - checked.start_year + 1 as period_years
from checked
