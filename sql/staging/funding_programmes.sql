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

programme_periods as (
    -- a period is a fact about the programme: the figure of it that states one most fully
    -- (both years before a length; official before news before aggregators)
    select
        programme_id,
        row_id as period_row,
        start_year as period_start,
        end_year as period_end,
        coalesce(end_year - start_year + 1, stated_duration_years) as period_length
    from typed
    where (start_year is not null and end_year is not null) or stated_duration_years is not null
    qualify row_number() over (
        partition by programme_id
        order by
            (start_year is not null and end_year is not null) desc,
            case source_kind
                when 'official' then 1 when 'reputable_news' then 2 when 'aggregator' then 3
                else 4
            end,
            row_id
    ) = 1
),

periods as (
    -- a figure's own years first; else its own stated length from its start (else the year
    -- announced) or back from its end; else the period another figure of the same programme
    -- states (meta.methods programme_annualisation_rule)
    select
        typed.* exclude (start_year, end_year),
        typed.start_year is not null and typed.end_year is not null as own_years,
        coalesce(typed.stated_duration_years, programme_periods.period_length) as length_used,
        programme_periods.period_row,
        programme_periods.period_start,
        programme_periods.period_end,
        typed.start_year as stated_start,
        typed.end_year as stated_end
    from typed
    left join programme_periods using (programme_id)
),

placed as (
    select
        periods.*,
        case
            when own_years or stated_start is not null then stated_start
            when stated_end is not null then stated_end - length_used + 1
            when stated_duration_years is null and period_start is not null then period_start
            when length_used is not null then announced_year
        end as start_year
    from periods
),

dated as (
    select
        placed.* exclude (period_row, period_start, period_end, stated_start, stated_end,
            own_years, length_used),
        coalesce(stated_end, start_year + length_used - 1) as end_year,
        case
            when own_years then 'stated years'
            when stated_duration_years is not null and start_year is not null then 'stated length'
            when period_row is not null and start_year is not null
                then 'period of ' || period_row
        end as period_basis
    from placed
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
        when 'no_period' then 'no start or end year and no stated length, in this figure or '
            || 'another figure of the programme: the commitment cannot be spread over years'
        when 'no_end_year' then 'starts ' || checked.start_year
            || ' with no end year or length: the commitment cannot be spread over years'
        when 'no_start_year' then 'ends ' || checked.end_year
            || ' with no start year or length: the commitment cannot be spread over years'
        when 'invalid_period' then 'end year ' || checked.end_year
            || ' before start year ' || checked.start_year
        when 'no_fx_rate' then checked.currency || ' has no exchange rate for '
            || checked.price_year || ' in ref.fx_rates'
    end as problem_detail,
    checked.status = 'counted' and checked.problem is null as counted,
    checked.end_year - checked.start_year + 1 as period_years
from checked
