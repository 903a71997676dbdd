-- meta.source_snapshots: one row per source behind this database's indicators (each raw source the run read, and the reviewed reference tables whose rows are indicator inputs), with the snapshot id every indicator row names in its source_snapshot column: the source and the first 12 hex digits of a SHA-256 over its files' checksums in file order (raw files) or over its rows (a reviewed table)
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
    group by source
),

-- a reviewed table's rows as DuckDB writes them as text, in sorted order
reviewed as (
    select
        'ref.funding_programmes' as source,
        sha256(string_agg(t::varchar, chr(10) order by t::varchar)) as sha256,
        count(*) as records,
        'marts.funding_programmes' as listed_in
    from ref.funding_programmes as t
    union all
    select
        'ref.fx_rates',
        sha256(string_agg(t::varchar, chr(10) order by t::varchar)),
        count(*),
        'marts.fx_rates'
    from ref.fx_rates as t
    union all
    select
        'ref.economic_indicators',
        sha256(string_agg(t::varchar, chr(10) order by t::varchar)),
        count(*),
        'marts.economic_indicators'
    from ref.economic_indicators as t
    union all
    select
        'ref.milestones',
        sha256(string_agg(t::varchar, chr(10) order by t::varchar)),
        count(*),
        'marts.milestones'
    from ref.milestones as t
),

sources as (
    select source, kind, sha256, files, bytes, records, data_kind, listed_in
    from raw_sources
    union all
    select
        source,
        'reviewed reference table' as kind,
        sha256,
        null::bigint as files,
        null::bigint as bytes,
        records,
        'reviewed reference table' as data_kind,
        listed_in
    from reviewed
)

select
    source,
    source || '@' || left(sha256, 12) as snapshot,
    kind,
    -- the indicator families whose rows read the source (synthesis reads them all)
    case
        when source = 'openalex' then ['publications', 'workforce', 'security']
        when source = 'openalex_authors' then ['workforce']
        when source in ('epo_ops', 'patentsview') then ['patents', 'security']
        when source in ('nsf', 'ukri', 'cordis') then ['funding', 'security']
        when source = 'comtrade' then ['supply_chain']
        when source in (
            'world_bank', 'ref.funding_programmes', 'ref.fx_rates', 'ref.economic_indicators'
        ) then ['funding']
        when source = 'ref.milestones' then ['capability']
        else []
    end as families,
    files,
    bytes,
    records,
    data_kind,
    sha256,
    listed_in
from sources
