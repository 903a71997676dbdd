-- meta.source_snapshots: one row per source of the data behind this database's indicators (each raw source the run read records from, and the published tables of reviewed records and conversion data), with the snapshot id every indicator row names in its source_snapshot column: the source and the first 12 hex digits of a SHA-256 over its read files' checksums in file order (raw files) or over the published table's rows as the source gives them, and what the source feeds
with raw_sources as (
    select
        source,
        'raw files' as kind,
        sha256(string_agg(source_sha256, ',' order by source_file)) as sha256,
        count(*) as files,
        sum(bytes)::bigint as bytes,
        sum(records)::bigint as records,
        string_agg(distinct data_kind, ', ' order by data_kind) as data_kind,
        'meta.source_files' as listed_in
    from meta.source_files
    -- the files records came from (an unreadable file or a copy of another adds none)
    where status = 'read'
    group by source
),

-- a published table's rows as DuckDB writes a row as text, sorted, joined by newlines (an
-- empty table's, the empty text; capability_long computes the milestones' the same way).
-- Only what the source says: the programme figures without what the conversion tables
-- decide (the exchange rate and conversions, by sums whose last digits may vary with the
-- order DuckDB adds in, and the rule a figure breaks and so whether it is counted: a rate
-- found for a figure that had none changes them; the conversion tables' own ids cover
-- them), the rates without the dollar's, 1 by definition in every year up to the next
-- (added each new year), neither hashed nor counted
programme_figures as (
    select * exclude (
        units_per_usd, usd_nominal_at_price_year, counted_usd_nominal, counted_usd_constant,
        counted_ppp_dollars, usd_per_year, price_level_year, problem, problem_detail, counted
    )
    from marts.funding_programmes
),

tables_ as (
    select
        'marts.funding_programmes' as source,
        sha256(coalesce(string_agg(t::varchar, chr(10) order by t::varchar), '')) as sha256,
        count(*) as records
    from programme_figures as t
    union all
    select
        'marts.fx_rates',
        sha256(coalesce(
            string_agg(t::varchar, chr(10) order by t::varchar) filter (where t.currency <> 'USD'),
            ''
        )),
        count(*) filter (where t.currency <> 'USD')
    from marts.fx_rates as t
    union all
    select
        'marts.economic_indicators',
        sha256(coalesce(string_agg(t::varchar, chr(10) order by t::varchar), '')),
        count(*)
    from marts.economic_indicators as t
    union all
    select
        'marts.milestones',
        sha256(coalesce(string_agg(t::varchar, chr(10) order by t::varchar), '')),
        count(*)
    from marts.milestones as t
),

-- the conversion tables hold the World Bank's refreshed values where a live run read them
refreshed as (
    select string_agg(distinct data_kind, ', ' order by data_kind) as data_kind
    from meta.source_files
    where source = 'world_bank'
),

sources as (
    select source, kind, sha256, files, bytes, records, data_kind, listed_in
    from raw_sources
    union all
    select
        tables_.source,
        'published table' as kind,
        tables_.sha256,
        null::bigint as files,
        null::bigint as bytes,
        tables_.records,
        case
            -- the programme figures' dollars are converted at those tables' rates too
            when tables_.source <> 'marts.milestones' and refreshed.data_kind is not null
                then refreshed.data_kind || ', reviewed reference table'
            else 'reviewed reference table'
        end as data_kind,
        tables_.source as listed_in
    from tables_
    cross join refreshed
)

select
    source,
    source || '@' || left(sha256, 12) as snapshot,
    kind,
    -- what the source feeds: a family's rows (publications, patents, workforce,
    -- supply_chain, capability), funding's grants, programmes or conversions of both, or a
    -- research-security channel (the synthesis reads those of the families it scores)
    case
        when source = 'openalex' then ['publications', 'workforce', 'security:coauthorship']
        when source = 'openalex_authors' then ['workforce']
        when source in ('epo_ops', 'patentsview') then ['patents', 'security:copatent']
        when source in ('nsf', 'ukri', 'cordis')
            then ['funding:grants', 'security:grant_consortium']
        when source = 'comtrade' then ['supply_chain']
        when source = 'marts.funding_programmes' then ['funding:programmes']
        when source in ('world_bank', 'marts.fx_rates', 'marts.economic_indicators')
            then ['funding:conversions']
        when source = 'marts.milestones' then ['capability']
        else []
    end as feeds,
    files,
    bytes,
    records,
    data_kind,
    sha256,
    listed_in
from sources
