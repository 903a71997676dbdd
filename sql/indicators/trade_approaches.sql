-- indicators.trade_approaches: one row per entity (country, bloc or world), technology approach, year, trade indicator and (for shares of imports from a bloc) bloc: the core HS series of the approach summed where they rest on comparable records (exports, imports, world export share, export activity index, import dependence, imports from inside a bloc and from competitor countries); a bloc's exports and imports are its trade with countries outside it
with settings as (
    select value as competitor_set from ref.methods where key = 'trade_competitor_set'
),

lines_from_2022 as (
    -- approaches that sum an HS2022 line with no comparable HS2017 line: one HS2017 did not
    -- have (helium-3 2845.40, worked synthetic diamond 7104.91), or whose HS2017 line was
    -- broader (8541.40 held solar cells and LEDs, 7104.20 all synthetic stones, 2845.90 also
    -- helium-3). Approach totals count such a line only where it rests on comparable records,
    -- so from 2022 (comparable_value_usd of core.trade_country_totals): their years before
    -- are no series with the years after
    select distinct lines.approach
    from core.trade_series_approaches as lines
    where lines.series_code not in (
        select series_code from ref.hs_codes
        where hs_revision = 'HS2017' and comparable = 'yes' and series_code is not null
    )
),

totals as (
    -- the records of a broader HS2017 line are left out, in every year (late adopters still
    -- filing it after 2022 too); the row keeps their flag: the approach lacks the line there
    select
        totals.year,
        lines.approach,
        totals.country_iso3,
        sum(totals.comparable_value_usd) filter (where totals.flow_code = 'X') as exports,
        sum(totals.comparable_value_usd) filter (where totals.flow_code = 'M') as imports,
        sum(totals.comparable_value_usd)
            filter (where totals.flow_code = 'X' and totals.basis = 'mirror') as mirror_exports,
        sum(totals.comparable_value_usd)
            filter (where totals.flow_code = 'M' and totals.basis = 'mirror') as mirror_imports,
        coalesce(
            bool_or(totals.comparable_value_missing) filter (where totals.flow_code = 'X'), false
        ) as exports_missing,
        coalesce(
            bool_or(totals.comparable_value_missing) filter (where totals.flow_code = 'M'), false
        ) as imports_missing,
        bool_or(
            totals.not_comparable
            or (totals.year < 2022 and lines_from_2022.approach is not null)
        ) as not_comparable
    from core.trade_country_totals as totals
    inner join core.trade_series_approaches as lines using (series_code)
    left join lines_from_2022
        on lines_from_2022.approach = lines.approach
    group by all
),

filed as (
    -- whether a country filed a flow that year (see indicators.trade_components)
    select
        year,
        reporter_iso3 as country_iso3,
        bool_or(flow_code = 'X') as filed_exports,
        bool_or(flow_code = 'M') as filed_imports
    from staging.trade_records
    where kept
    group by all
),

goods as (
    select year, country_iso3, value_usd as all_exports
    from core.trade_country_totals
    where series_code = 'TOTAL' and flow_code = 'X' and value_usd > 0
),

world as (
    select
        totals.year,
        totals.approach,
        sum(totals.exports) as exports,
        sum(totals.imports) as imports,
        sum(totals.mirror_exports) as mirror_exports,
        sum(totals.mirror_imports) as mirror_imports,
        bool_or(totals.exports_missing) as exports_missing,
        bool_or(totals.imports_missing) as imports_missing,
        -- the approach's exports of the countries that report all goods, for the index
        coalesce(sum(totals.exports) filter (where goods.all_exports is not null), 0)
            as exports_with_goods,
        bool_or(totals.not_comparable) as not_comparable
    from totals
    left join goods using (year, country_iso3)
    group by all
),

goods_world as (
    -- the world's all-goods exports: every country that reports them
    select year, sum(all_exports) as goods_total from goods group by all
),

members as (
    select bloc, iso3, year from core.bloc_member_years
),

competitors as (
    select sets.iso3
    from ref.competitor_sets as sets
    cross join settings
    where sets.set_code = settings.competitor_set
),

bilateral as (
    -- comparable records only, as for the totals
    select
        flows.year,
        lines.approach,
        flows.importer_iso3,
        flows.exporter_iso3,
        sum(flows.comparable_value_usd) as value_usd,
        bool_or(flows.comparable_value_missing) as value_missing,
        bool_or(flows.not_comparable) as not_comparable
    from core.trade_bilateral as flows
    inner join core.trade_series_approaches as lines using (series_code)
    group by all
),

member_totals as (
    -- the totals of a bloc's members that year, added: where its own trade starts from
    select
        members.bloc,
        totals.year,
        totals.approach,
        sum(totals.exports) as exports,
        sum(totals.imports) as imports,
        sum(totals.mirror_exports) as mirror_exports,
        sum(totals.mirror_imports) as mirror_imports,
        bool_or(totals.exports_missing) as exports_missing,
        bool_or(totals.imports_missing) as imports_missing,
        bool_or(totals.not_comparable) as not_comparable
    from totals
    inner join members on members.iso3 = totals.country_iso3 and members.year = totals.year
    group by all
),

among_members as (
    -- the flows between two members of a bloc that year (a member's re-imports of its own
    -- goods included), from the bilateral flows (the importer's report, the exporter's
    -- where the importer filed none)
    select
        importer.bloc,
        bilateral.year,
        bilateral.approach,
        bilateral.importer_iso3,
        bilateral.exporter_iso3,
        bilateral.value_usd,
        bilateral.value_missing,
        bilateral.not_comparable
    from bilateral
    inner join members as importer
        on importer.iso3 = bilateral.importer_iso3 and importer.year = bilateral.year
    inner join members as exporter
        on exporter.bloc = importer.bloc and exporter.iso3 = bilateral.exporter_iso3
        and exporter.year = bilateral.year
),

inside as (
    -- a bloc's trade among its members: exports from one member to another, and imports
    -- from any member, re-imports included (they come from no country outside the bloc,
    -- and they are no export)
    select
        bloc,
        year,
        approach,
        sum(value_usd) filter (where importer_iso3 <> exporter_iso3) as exported_inside,
        sum(value_usd) as imported_inside,
        coalesce(bool_or(value_missing) filter (where importer_iso3 <> exporter_iso3), false)
            as exported_inside_missing,
        bool_or(value_missing) as imported_inside_missing,
        bool_or(not_comparable) as not_comparable
    from among_members
    group by all
),

bloc_totals as (
    -- a bloc's own trade is its trade with countries outside it (extra-bloc trade, as
    -- Eurostat reports the EU's: a bloc is not the sum of its members): the members'
    -- totals less the flows among them. Valuation is mixed: the
    -- members' exports are as they reported them (FOB), the flows among members as their
    -- importers reported them (CIF), so extra-bloc exports are somewhat understated. A
    -- withheld flow among members makes the value unknown either way (value_missing).
    -- The mirror share is that of the members' totals: the flows among members are
    -- members' own reports
    select
        member_totals.bloc,
        member_totals.year,
        member_totals.approach,
        member_totals.exports - coalesce(inside.exported_inside, 0) as exports,
        member_totals.imports - coalesce(inside.imported_inside, 0) as imports,
        member_totals.imports as member_imports,
        coalesce(member_totals.mirror_exports, 0) / nullif(member_totals.exports, 0)
            as exports_mirror_share,
        coalesce(member_totals.mirror_imports, 0) / nullif(member_totals.imports, 0)
            as imports_mirror_share,
        member_totals.exports_missing or coalesce(inside.exported_inside_missing, false)
            as exports_missing,
        member_totals.imports_missing or coalesce(inside.imported_inside_missing, false)
            as imports_missing,
        member_totals.not_comparable or coalesce(inside.not_comparable, false) as not_comparable
    from member_totals
    left join inside using (bloc, year, approach)
),

from_bloc as (
    -- a country's imports from the other members of each bloc it belongs to that year (its
    -- re-imports from itself are not bought from another member)
    select importer_iso3, bloc, year, approach, sum(value_usd) as value_usd
    from among_members
    where importer_iso3 <> exporter_iso3
    group by all
),

from_competitors as (
    select bilateral.importer_iso3, bilateral.year, bilateral.approach,
        sum(bilateral.value_usd) as value_usd
    from bilateral
    inner join competitors on competitors.iso3 = bilateral.exporter_iso3
    where bilateral.importer_iso3 <> bilateral.exporter_iso3
    group by all
),

rows_ as (
    -- countries
    select 'country' as entity_type, country_iso3 as entity_code, approach, year,
        'exports' as indicator, null as bloc, exports as value, exports as numerator,
        null::double as denominator, coalesce(mirror_exports, 0) / nullif(exports, 0) as mirror_share,
        exports_missing as value_missing, not_comparable
    from totals where exports is not null
    union all
    select 'country', country_iso3, approach, year, 'imports', null, imports, imports, null,
        coalesce(mirror_imports, 0) / nullif(imports, 0), imports_missing, not_comparable
    from totals where imports is not null
    union all
    select 'country', totals.country_iso3, totals.approach, totals.year, 'world_export_share',
        null, totals.exports / world.exports, totals.exports, world.exports,
        coalesce(totals.mirror_exports, 0) / nullif(totals.exports, 0),
        totals.exports_missing or world.exports_missing, totals.not_comparable
    from totals
    inner join world using (year, approach)
    where totals.exports is not null and world.exports > 0
    union all
    select 'country', totals.country_iso3, totals.approach, totals.year, 'export_activity_index',
        null,
        (totals.exports / goods.all_exports) / (world.exports_with_goods / goods_world.goods_total),
        totals.exports / goods.all_exports,
        world.exports_with_goods / goods_world.goods_total,
        coalesce(totals.mirror_exports, 0) / nullif(totals.exports, 0),
        totals.exports_missing or world.exports_missing, totals.not_comparable
    from totals
    inner join goods using (year, country_iso3)
    inner join world using (year, approach)
    inner join goods_world using (year)
    where totals.exports is not null and world.exports_with_goods > 0
    union all
    select 'country', totals.country_iso3, totals.approach, totals.year, 'import_dependence', null,
        coalesce(imports, 0) / (coalesce(imports, 0) + coalesce(exports, 0)),
        coalesce(imports, 0), coalesce(imports, 0) + coalesce(exports, 0),
        (coalesce(mirror_imports, 0) + coalesce(mirror_exports, 0))
        / (coalesce(imports, 0) + coalesce(exports, 0)),
        false, not_comparable
    from totals
    left join filed using (year, country_iso3)
    -- both sides known: filed (a missing line is zero) or seen in partners' mirror reports
    where (exports is not null or coalesce(filed.filed_exports, false))
        and (imports is not null or coalesce(filed.filed_imports, false))
        and not exports_missing and not imports_missing
        and coalesce(imports, 0) + coalesce(exports, 0) > 0
    union all
    select 'country', totals.country_iso3, totals.approach, totals.year, 'imports_from_bloc_share',
        members.bloc, coalesce(from_bloc.value_usd, 0) / totals.imports,
        coalesce(from_bloc.value_usd, 0), totals.imports,
        coalesce(totals.mirror_imports, 0) / totals.imports, totals.imports_missing,
        totals.not_comparable
    from totals
    inner join members on members.iso3 = totals.country_iso3 and members.year = totals.year
    left join from_bloc
        on from_bloc.importer_iso3 = totals.country_iso3 and from_bloc.bloc = members.bloc
        and from_bloc.year = totals.year and from_bloc.approach = totals.approach
    where totals.imports > 0
    union all
    select 'country', totals.country_iso3, totals.approach, totals.year,
        'imports_from_competitors_share', null,
        coalesce(from_competitors.value_usd, 0) / totals.imports,
        coalesce(from_competitors.value_usd, 0), totals.imports,
        coalesce(totals.mirror_imports, 0) / totals.imports, totals.imports_missing,
        totals.not_comparable
    from totals
    left join from_competitors
        on from_competitors.importer_iso3 = totals.country_iso3
        and from_competitors.year = totals.year and from_competitors.approach = totals.approach
    where totals.imports > 0
    -- blocs: their trade with countries outside them (bloc_totals)
    union all
    select 'bloc', bloc, approach, year, 'exports', null, exports, exports, null,
        exports_mirror_share, exports_missing, not_comparable
    from bloc_totals where exports is not null
    union all
    select 'bloc', bloc, approach, year, 'imports', null, imports, imports, null,
        imports_mirror_share, imports_missing, not_comparable
    from bloc_totals where imports is not null
    union all
    select 'bloc', bloc_totals.bloc, bloc_totals.approach, bloc_totals.year, 'world_export_share',
        null, bloc_totals.exports / world.exports, bloc_totals.exports, world.exports,
        bloc_totals.exports_mirror_share,
        bloc_totals.exports_missing or world.exports_missing, bloc_totals.not_comparable
    from bloc_totals
    inner join world using (year, approach)
    where bloc_totals.exports is not null and world.exports > 0
    union all
    -- a bloc's self-sufficiency: its members' imports from other members over all their
    -- imports, flows among members included (over its extra-bloc imports, which leave out
    -- the imports from inside by definition, it would be no share)
    select 'bloc', bloc_totals.bloc, bloc_totals.approach, bloc_totals.year,
        'imports_from_bloc_share', bloc_totals.bloc,
        coalesce(from_members.value_usd, 0) / bloc_totals.member_imports,
        coalesce(from_members.value_usd, 0), bloc_totals.member_imports,
        bloc_totals.imports_mirror_share,
        -- the members' imports withheld, or a flow among them
        bloc_totals.imports_missing, bloc_totals.not_comparable
    from bloc_totals
    left join (
        select bloc, year, approach, sum(value_usd) as value_usd from from_bloc group by all
    ) as from_members using (bloc, year, approach)
    where bloc_totals.member_imports > 0
    union all
    -- the share of a bloc's imports from outside it that come from competitor countries
    -- outside it
    select 'bloc', bloc_totals.bloc, bloc_totals.approach, bloc_totals.year,
        'imports_from_competitors_share', null,
        coalesce(outside.value_usd, 0) / bloc_totals.imports, coalesce(outside.value_usd, 0),
        bloc_totals.imports, bloc_totals.imports_mirror_share,
        bloc_totals.imports_missing, bloc_totals.not_comparable
    from bloc_totals
    left join (
        select importer.bloc, bilateral.year, bilateral.approach,
            sum(bilateral.value_usd) as value_usd
        from bilateral
        inner join competitors on competitors.iso3 = bilateral.exporter_iso3
        inner join members as importer
            on importer.iso3 = bilateral.importer_iso3 and importer.year = bilateral.year
        anti join members as exporter
            on exporter.bloc = importer.bloc and exporter.iso3 = bilateral.exporter_iso3
            and exporter.year = bilateral.year
        group by all
    ) as outside using (bloc, year, approach)
    where bloc_totals.imports > 0
    -- the world
    union all
    select 'world', 'WLD', approach, year, 'exports', null, exports, exports, null,
        coalesce(mirror_exports, 0) / nullif(exports, 0), exports_missing, not_comparable
    from world where exports is not null
    union all
    select 'world', 'WLD', approach, year, 'imports', null, imports, imports, null,
        coalesce(mirror_imports, 0) / nullif(imports, 0), imports_missing, not_comparable
    from world where imports is not null
)

select * from rows_
