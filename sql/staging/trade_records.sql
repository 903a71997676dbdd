-- staging.trade_records: one row per usable Comtrade total (annual, exports or imports, all customs procedures and transport modes) with its HS series; copies of one flow from overlapping responses are all listed, exactly one kept (meta.methods trade_duplicate_rule)
with totals as (
    select *
    from raw.trade_records
    where flow_code in ('X', 'M')
        and coalesce(customs_code, 'C00') = 'C00'
        and coalesce(mot_code, 0) = 0
        and coalesce(partner2_code, 0) = 0
),

ranked as (
    select
        totals.*,
        row_number() over copies as copy_rank,
        count(*) over copies as copies,
        -- a withheld (null) copy beside a valued one differs too
        count(distinct coalesce(primary_value::varchar, 'withheld')) over copies
            as distinct_values,
        first_value(record_key) over copies as kept_record_key,
        first_value(primary_value) over copies as kept_value
    from totals
    window copies as (
        partition by year, reporter_iso3, partner_code, flow_code, hs_revision, cmd_code
        order by source_file desc, record_index
        rows between unbounded preceding and unbounded following
    )
)

select
    ranked.year,
    ranked.reporter_iso3,
    ranked.partner_kind,
    -- an unnamed area (Areas, nes ...) is the unknown partner UNK; the World has none
    case ranked.partner_kind when 'country' then ranked.partner_iso3 when 'unspecified' then 'UNK' end
        as partner_iso3,
    ranked.partner_code,
    ranked.flow_code,
    ranked.hs_revision,
    ranked.cmd_code,
    coalesce(codes.series_code, ranked.cmd_code) as series_code,
    coalesce(codes.comparable = 'no', false) as not_comparable,
    ranked.primary_value as value_usd,
    ranked.primary_value is null as value_missing,
    ranked.copy_rank = 1 as kept,
    ranked.copies,
    ranked.distinct_values > 1 as conflicting_copies,
    ranked.kept_record_key,
    ranked.kept_value,
    ranked.source_file,
    ranked.record_index,
    ranked.record_key
from ranked
left join ref.hs_codes as codes
    on codes.hs_revision = ranked.hs_revision and codes.hs_code = ranked.cmd_code
