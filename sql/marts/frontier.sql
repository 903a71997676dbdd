-- marts.frontier: one row per technology approach, year and family (and the composite): the leading country with its value, interval and how often it leads in the resamples, the runner-up and the leader / runner-up ratio, and the share of the ten leading institutions (publications) or applicants (patents) located in the leading country
with ordered as (
    select
        *,
        row_number() over (
            -- by rank, which takes scores equal to 12 decimals as equal: the first ISO3 of
            -- those sharing a rank comes first
            partition by approach, year, family order by rank, entity_code
        ) as position
    from marts.synthesis_scores
    where entity_type = 'country'
),

leaders as (
    select * from ordered where position = 1
),

runners_up as (
    -- a country with nothing in the family (a value of 0) runs up to nobody
    select * from ordered where position = 2 and value > 0
),

tied as (
    select approach, year, family, count(*) as leaders_tied
    from ordered
    where rank = 1
    group by all
),

institutions as (
    select
        top.family,
        top.approach,
        top.year,
        count(*) filter (where top.country_iso3 = leaders.entity_code) / count(*)
            as top10_institutions_in_leader,
        count(*) as institutions_listed
    from indicators.frontier_institutions as top
    inner join leaders
        on leaders.family = top.family
        and leaders.approach = top.approach
        and leaders.year = top.year
    group by all
)

select
    leaders.approach,
    leaders.year,
    leaders.family,
    leaders.measure,
    leaders.entity_code as leader_iso3,
    leaders.entity_name as leader_name,
    tied.leaders_tied,
    leaders.value as leader_value,
    leaders.value_low as leader_value_low,
    leaders.value_high as leader_value_high,
    leaders.leader_probability,
    leaders.rank_high as leader_rank_high,
    runners_up.entity_code as runner_up_iso3,
    runners_up.entity_name as runner_up_name,
    runners_up.value as runner_up_value,
    leaders.value / nullif(runners_up.value, 0) as leader_runner_up_ratio,
    institutions.top10_institutions_in_leader,
    institutions.institutions_listed,
    leaders.countries_ranked,
    leaders.year_incomplete,
    leaders.method_version,
    leaders.data_kind
from leaders
inner join tied
    on tied.approach = leaders.approach
    and tied.year = leaders.year
    and tied.family = leaders.family
left join runners_up
    on runners_up.approach = leaders.approach
    and runners_up.year = leaders.year
    and runners_up.family = leaders.family
left join institutions
    on institutions.approach = leaders.approach
    and institutions.year = leaders.year
    and institutions.family = leaders.family
