-- marts.frontier_blocs: one row per technology approach, year and bloc scored in them (its members of the year): the frontier test: the bloc's best member in the composite (score, rank and its interval), the families in which some member is within reach of the leading country, and the gap flag where no member is within reach in any family, a bloc none of whose members has data included
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

reach as (
    select
        approach,
        year,
        bloc,
        string_agg(distinct family, ',' order by family) filter (where within_reach)
            as families_within_reach
    from members
    where family <> 'composite'
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
    assessed.families_assessed,
    reach.families_within_reach is not null as covered,
    reach.families_within_reach is null as gap,
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
left join leaders
    on leaders.approach = scored.approach
    and leaders.year = scored.year
