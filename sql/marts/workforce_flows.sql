-- marts.workforce_flows: one row per origin country, destination country, technology approach and year of arrival, with moves, returns and the small-flow flag
with flagged as (
    select
        matrix.origin_iso3,
        origins.name as origin_name,
        matrix.destination_iso3,
        destinations.name as destination_name,
        matrix.approach,
        matrix.year,
        matrix.moves,
        matrix.returns,
        matrix.moves < (select value::integer from ref.methods where key = 'workforce_small_flow')
            as is_small,
        -- the current year, or the works' latest when earlier (incomplete_year_rule)
        matrix.year >= least(
            year(current_date), (select max(year) from indicators.workforce_flows)
        ) as year_incomplete,
        (select value from ref.methods where key = 'workforce_method_version') as method_version
    from indicators.workforce_flow_matrix as matrix
    left join ref.countries as origins
        on origins.iso3 = matrix.origin_iso3
    left join ref.countries as destinations
        on destinations.iso3 = matrix.destination_iso3
)

-- a release that suppresses small numbers (core.small_numbers) publishes a flagged row
-- without its numbers
select flagged.* replace (
    case when flagged.is_small and suppressing.suppress then null else flagged.moves end
        as moves,
    case when flagged.is_small and suppressing.suppress then null else flagged.returns end
        as returns
)
from flagged
cross join core.small_numbers as suppressing
