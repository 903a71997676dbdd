-- marts.frontier_blocs: one row per technology approach, year and bloc scored in them (its members of the year): the frontier test: the bloc's best member in the composite (score, rank and its interval), the families in which some member is within reach of the leading country, the capability metrics on which some member is within reach of the best published result, and the gap flag where no member is within reach at the cutting edge (in publications, patents or researchers, on a capability metric, or in the composite: funding and supply chain alone do not count), a bloc none of whose members has data included
with settings as (
    select (select value from ref.synthesis_settings where key = 'focus_bloc') as focus_bloc
),

scored as (
    -- every bloc scored in the approach and year, whether or not a member has data there:
    -- a bloc none of whose members has any is the plainest gap
    select approach, year, entity_code as bloc, score, year_incomplete, method_version, data_kind
    from marts.synthesis_scores
    where entity_type = 'bloc' and family = 'composite'
),

members as (
    select scores.*, years.bloc
    from marts.synthesis_scores as scores
    inner join core.bloc_member_years as years
        on years.iso3 = scores.entity_code
        and years.year = scores.year
    where scores.entity_type = 'country'
),

best as (
    -- the member with the highest composite (ties, its rank shared: the first ISO3)
    select
        *,
        count(*) over (partition by approach, year, bloc) as members_with_data,
        row_number() over (
            partition by approach, year, bloc order by rank, entity_code
        ) as position
    from members
    where family = 'composite'
    qualify position = 1
),

capability as (
    -- the capability metrics on which a member is within reach of the best published result
    -- to date (marts.capability_countries; holding it is within reach): the approach's own,
    -- and for 'all' every approach's, named approach:metric (a metric serves several
    -- approaches, each with its own frontier). Read by metric, not by the capability score,
    -- which averages over every metric of the approach with 0 where a member has no result
    select approach, year, bloc, string_agg(distinct metric, ',' order by metric) as metrics
    from (
        select countries.approach, countries.year, years.bloc, countries.metric
        from marts.capability_countries as countries
        inner join core.bloc_member_years as years
            on years.iso3 = countries.country_iso3
            and years.year = countries.year
        where countries.within_reach or countries.holds_frontier
        union all
        select 'all', countries.year, years.bloc, countries.approach || ':' || countries.metric
        from marts.capability_countries as countries
        inner join core.bloc_member_years as years
            on years.iso3 = countries.country_iso3
            and years.year = countries.year
        where countries.within_reach or countries.holds_frontier
    )
    group by all
),

within as (
    -- every family in which some member is within reach: by its family score, except
    -- capability, within reach on a metric (above)
    select approach, year, bloc, family
    from members
    where within_reach and family not in ('composite', 'capability')
    union
    select approach, year, bloc, 'capability'
    from capability
),

reach as (
    select
        approach,
        year,
        bloc,
        string_agg(family, ',' order by family) as families_within_reach,
        -- the families that measure capacity at the cutting edge; funding (money put in) and
        -- supply chain (trade in HS proxy lines, mostly not quantum) are shown, not counted
        bool_or(family in ('publications', 'patents', 'workforce', 'capability'))
            as at_the_edge
    from within
    group by all
),

assessed as (
    select approach, year, string_agg(distinct family, ',' order by family) as families_assessed
    from marts.synthesis_scores
    where family <> 'composite' and entity_type = 'country'
    group by all
),

leaders as (
    select approach, year, leader_iso3
    from marts.frontier
    where family = 'composite'
)

select
    scored.approach,
    scored.year,
    scored.bloc,
    blocs.name as bloc_name,
    scored.bloc = settings.focus_bloc as is_focus_bloc,
    coalesce(best.members_with_data, 0) as members_with_data,
    best.entity_code as best_member_iso3,
    best.entity_name as best_member_name,
    best.score as best_member_score,
    best.rank as best_member_rank,
    best.rank_low as best_member_rank_low,
    best.rank_high as best_member_rank_high,
    scored.score as bloc_score,
    coalesce(reach.families_within_reach, '') as families_within_reach,
    coalesce(capability.metrics, '') as capability_metrics_within_reach,
    assessed.families_assessed,
    -- a member within reach at the cutting edge, or in the composite (then its best is)
    coalesce(reach.at_the_edge, false) or coalesce(best.within_reach, false) as covered,
    not covered as gap,
    leaders.leader_iso3,
    exists (
        select 1 from core.bloc_member_years as years
        where years.bloc = scored.bloc and years.year = scored.year
            and years.iso3 = leaders.leader_iso3
    ) as leader_is_member,
    scored.year_incomplete,
    scored.method_version,
    scored.data_kind
from scored
cross join settings
inner join ref.blocs as blocs
    on blocs.bloc = scored.bloc
inner join assessed
    on assessed.approach = scored.approach
    and assessed.year = scored.year
left join best
    on best.approach = scored.approach
    and best.year = scored.year
    and best.bloc = scored.bloc
left join reach
    on reach.approach = scored.approach
    and reach.year = scored.year
    and reach.bloc = scored.bloc
left join capability
    on capability.approach = scored.approach
    and capability.year = scored.year
    and capability.bloc = scored.bloc
left join leaders
    on leaders.approach = scored.approach
    and leaders.year = scored.year
