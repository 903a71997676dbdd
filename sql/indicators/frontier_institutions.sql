-- indicators.frontier_institutions: one row per family (publications or patents), technology approach, year and organisation among the ten with the largest fractional credit there (publications: OpenAlex institutions, each work weighing 1 split over its authorships and each authorship's share over its institutions; patents: applicants of all families, each family split equally over its applicants), with its country
-- institution names by their place in name order: aggregates over millions of rows keep a
-- number, not a copy of each name (a string in an aggregate's state is held outside
-- DuckDB's memory limit); the names are put back on the ten kept per group
with names as (
    select institution_name, row_number() over (order by institution_name) as name_rank
    from (select distinct institution_name from staging.institutions)
    where institution_name is not null
),

authorship_counts as (
    select work_id, count(*) as authorships
    from staging.authorships
    group by all
),

work_credits as (
    select
        institutions.work_id,
        works.publication_year as year,
        institutions.institution_id as organisation_id,
        min(names.name_rank) as name_rank,
        min(institutions.country_iso3) as country_iso3,
        sum(1.0 / counts.authorships / authorships.institutions_listed) as credit
    from staging.institutions as institutions
    left join names
        on names.institution_name = institutions.institution_name
    inner join staging.authorships as authorships
        on authorships.work_id = institutions.work_id
        and authorships.position = institutions.position
    inner join authorship_counts as counts
        on counts.work_id = institutions.work_id
    inner join staging.works as works
        on works.work_id = institutions.work_id
    where institutions.institution_id is not null
        and authorships.institutions_listed > 0
    group by institutions.work_id, works.publication_year, institutions.institution_id
),

-- an organisation recorded under several names or countries (a country missing from some
-- works, an applicant's addresses in several countries) takes the name and country under
-- which most of its credit in the approach and year is recorded, a known country and name
-- before a missing one (the same in every build: ties go to the first in order)
publication_names as (
    select
        approaches.approach,
        credits.year,
        credits.organisation_id,
        credits.name_rank,
        credits.country_iso3,
        sum(credits.credit) as credit
    from work_credits as credits
    inner join core.work_approaches as approaches
        on approaches.work_id = credits.work_id
    group by all
),

-- the first in that order is the smallest of one number per name and country recorded,
-- its bits from the top: country missing, name missing, the credit (rounded to 9
-- decimals, the largest first), the name's place, the country's three letters. A plain
-- minimum of a number spills under the memory limit; an arg_min over a struct holds its
-- keys outside it (at three million works 15 million of them did not fit in 1 GB)
publications as (
    select
        'publications' as family,
        approach,
        year,
        organisation_id,
        min(recorded) as recorded,
        sum(credit) as credit
    from (
        select
            *,
            ((country_iso3 is null)::hugeint << 117)
            + ((name_rank is null)::hugeint << 116)
            + (((1::hugeint << 60) - round(credit * 1e9)::hugeint) << 56)
            + (coalesce(name_rank, 0)::hugeint << 24)
            + coalesce(
                (ascii(country_iso3[1]) << 16) + (ascii(country_iso3[2]) << 8)
                + ascii(country_iso3[3]),
                0
            ) as recorded
        from publication_names
    )
    group by all
),

patent_names as (
    select
        approaches.approach,
        credits.priority_year as year,
        credits.party_key as organisation_id,
        credits.name,
        nullif(credits.country_iso3, 'ZZZ') as country_iso3,
        sum(credits.credit) as credit
    from core.patent_applicant_credits as credits
    inner join core.patent_family_approaches as approaches
        on approaches.family_id = credits.family_id
    where credits.family_scope = 'all' and credits.party_key <> '(no applicant)'
    group by all
),

patents as (
    select
        'patents' as family,
        approach,
        year,
        organisation_id,
        arg_min_null(name, recorded) as organisation,
        arg_min_null(country_iso3, recorded) as country_iso3,
        sum(credit)::double as credit
    from (
        select
            *,
            {
                'unknown': country_iso3 is null,
                'unnamed': name is null,
                'credit': -credit,
                'name': name,
                'code': country_iso3
            } as recorded
        from patent_names
    )
    group by all
),

ranked as (
    select
        family,
        approach,
        year,
        generate_subscripts(top, 1) as rank,
        unnest(top, recursive := true)
    from (
        select
            family,
            approach,
            year,
            -- the ten of the largest credit, rounded (a sum of fractions differs in its last
            -- bits with the order the rows were added in, which must not reorder
            -- institutions of equal credit), then by id; the smallest keys, in order
            min_by(
                {
                    'organisation_id': organisation_id,
                    'name_rank': name_rank,
                    'organisation': organisation,
                    'country_iso3': country_iso3,
                    'credit': credit
                },
                {'credit': -round(credit, 9), 'organisation_id': organisation_id},
                10
            ) as top
        from (
            select
                family,
                approach,
                year,
                organisation_id,
                case when (recorded >> 116) & 1 = 0
                    then ((recorded >> 24) & 4294967295)::bigint end as name_rank,
                null as organisation,
                case when recorded >> 117 = 0
                    then chr(((recorded >> 16) & 255)::integer)
                        || chr(((recorded >> 8) & 255)::integer)
                        || chr((recorded & 255)::integer) end as country_iso3,
                credit
            from publications
            union all
            select
                family, approach, year, organisation_id, null as name_rank, organisation,
                country_iso3, credit
            from patents
        )
        group by family, approach, year
    )
)

select
    ranked.family,
    ranked.approach,
    ranked.year,
    ranked.rank,
    ranked.organisation_id,
    coalesce(ranked.organisation, names.institution_name) as organisation,
    ranked.country_iso3,
    round(ranked.credit, 9) as credit  -- as ranked: the same in every build
from ranked
left join names
    on names.name_rank = ranked.name_rank
order by ranked.family, ranked.approach, ranked.year, ranked.rank
