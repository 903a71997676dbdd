-- core.trade_years: one row per trade year, with the reporters that filed it and whether it is complete (meta.methods trade_complete_reporter_share)
with filed as (
    select year, count(distinct reporter_iso3) as reporters
    from staging.trade_records
    where kept
    group by year
),

settings as (
    select value::double as complete_share
    from ref.methods
    where key = 'trade_complete_reporter_share'
)

select
    filed.year,
    filed.reporters,
    max(filed.reporters) over () as most_reporters,
    -- the current year, the latest year any country filed (incomplete_year_rule), and a
    -- year too few countries have filed yet
    filed.year >= year(current_date)
    or filed.year = max(filed.year) over ()
    or filed.reporters < settings.complete_share * max(filed.reporters) over () as incomplete
from filed
cross join settings
