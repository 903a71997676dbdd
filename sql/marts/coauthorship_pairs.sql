-- marts.coauthorship_pairs: one row per technology approach, publication year and unordered pair of countries: works co-authored by both, flagged when small and while the year runs
with flagged as (
    select
        pairs.approach,
        pairs.year,
        pairs.country_a,
        a.name as country_a_name,
        pairs.country_b,
        b.name as country_b_name,
        pairs.works,
        pairs.works < (select value::integer from ref.methods where key = 'small_n_threshold')
            as small_n,
        -- the current year, or the works' latest when earlier (incomplete_year_rule)
        pairs.year >= least(
            year(current_date), (select max(year) from indicators.publication_output)
        ) as year_incomplete,
        (select value from ref.methods where key = 'bibliometric_method_version') as method_version
    from indicators.coauthorship_pairs as pairs
    inner join ref.countries as a
        on a.iso3 = pairs.country_a
    inner join ref.countries as b
        on b.iso3 = pairs.country_b
)

-- a release that suppresses small numbers (core.small_numbers) publishes a flagged row
-- without its numbers
select flagged.* replace (
    case when flagged.small_n and suppressing.suppress then null else flagged.works end
        as works
)
from flagged
cross join core.small_numbers as suppressing
