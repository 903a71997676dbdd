-- core.trade_bilateral: one row per year, HS series, importer and exporter: the importer's imports from the exporter, as the importer reported them or, when it filed no imports that year, as the exporter reported its exports to it (mirror); exporter UNK = an unnamed area
with kept as (
    select * from staging.trade_records where kept and series_code <> 'TOTAL'
),

importers as (
    -- who filed imports that year, all-goods (TOTAL) rows included, as for the totals
    select distinct year, reporter_iso3
    from staging.trade_records
    where kept and flow_code = 'M'
)

select
    year,
    series_code,
    reporter_iso3 as importer_iso3,
    partner_iso3 as exporter_iso3,
    sum(value_usd) as value_usd,
    bool_or(value_missing) as value_missing,
    bool_or(not_comparable) as not_comparable,
    'importer_reported' as basis,
    -- from the records comparable with the series only, for approach totals (see
    -- core.trade_country_totals: a broader HS2017 line's values are left out of them)
    sum(value_usd) filter (where not not_comparable) as comparable_value_usd,
    coalesce(bool_or(value_missing) filter (where not not_comparable), false)
        as comparable_value_missing
from kept
where flow_code = 'M' and partner_kind <> 'world'
group by all
union all
select
    kept.year,
    kept.series_code,
    kept.partner_iso3 as importer_iso3,
    kept.reporter_iso3 as exporter_iso3,
    sum(kept.value_usd),
    bool_or(kept.value_missing),
    bool_or(kept.not_comparable),
    'mirror',
    sum(kept.value_usd) filter (where not kept.not_comparable),
    coalesce(bool_or(kept.value_missing) filter (where not kept.not_comparable), false)
from kept
anti join importers
    on importers.year = kept.year and importers.reporter_iso3 = kept.partner_iso3
where kept.flow_code = 'X' and kept.partner_kind = 'country'
group by all
