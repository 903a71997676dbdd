-- staging.funding_programmes: one row per reviewed programme figure (ref.funding_programmes), typed, with its price year, the exchange rate used, the first rule it breaks (problem) and whether it is counted
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
        review_note
    from ref.funding_programmes
),

periods as (
    -- a stated length places the period from its start (else the year announced) or back
    -- from its end (meta.methods programme_annualisation_rule)
    select
        typed.* exclude (start_year, end_year),
        coalesce(
            typed.start_year,
            typed.end_year - typed.stated_duration_years + 1,
            case when typed.stated_duration_years is not null then typed.announced_year end
        ) as start_year,
        coalesce(
            typed.end_year,
            coalesce(typed.start_year, typed.announced_year) + typed.stated_duration_years - 1
        ) as end_year,
        (typed.start_year is null or typed.end_year is null)
        and typed.stated_duration_years is not null as period_from_duration
    from typed
),

priced as (
    select
        periods.*,
        -- an announced amount is in the money of the year it was announced (else its first year)
        coalesce(periods.announced_year, periods.start_year) as price_year
    from periods
),

checked as (
    select
        priced.*,
        fx.units_per_usd,
        case
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
    checked.*,
    case checked.problem
        when 'non_positive_amount' then 'amount ' || coalesce(checked.amount::varchar, 'missing')
        when 'unknown_currency' then 'currency ' || coalesce(checked.currency, 'missing')
            || ' is not in the reviewed FX table (ref.fx_rates)'
        when 'no_period' then 'no start or end year: the commitment cannot be spread over years'
        when 'no_end_year' then 'starts ' || checked.start_year
            || ' with no end year: the commitment cannot be spread over years'
        when 'no_start_year' then 'ends ' || checked.end_year
            || ' with no start year: the commitment cannot be spread over years'
        when 'invalid_period' then 'end year ' || checked.end_year
            || ' before start year ' || checked.start_year
        when 'no_fx_rate' then checked.currency || ' has no exchange rate for '
            || checked.price_year || ' in ref.fx_rates'
    end as problem_detail,
    checked.status = 'counted' and checked.problem is null as counted,
    checked.end_year - checked.start_year + 1 as period_years
from checked
