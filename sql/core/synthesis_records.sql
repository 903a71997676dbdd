-- core.synthesis_records: one row per indicator family, technology approach, year, record (work, patent family, grant, programme year or trade flow) and country credited: the records the synthesis counts and resamples, with the country's credit, the record's own weight and how many records the row stands for (the active researchers are in core.synthesis_workforce_records)
with publications as (
    -- a work weighs 1, split over its countries (meta.methods counting)
    select
        'publications' as family,
        approaches.approach,
        fractions.publication_year as year,
        fractions.work_id as record_id,
        fractions.country_iso3,
        fractions.fraction::double as credit,
        1.0 as record_weight,
        null::boolean as international,
        approaches.basis,
        fractions.record_credits,
        1::bigint as records  -- the type of core.synthesis_workforce_records' count
    -- a record's countries counted before the join to its approaches (one row per record
    -- and approach): the same count per approach, over a third of the rows
    from (
        -- a work has one year: partitioned by it too, a filter on the year reaches the scan
        select *, count(*) over (partition by work_id, publication_year) as record_credits
        from core.work_country_fractions
    ) as fractions
    inner join core.work_approaches as approaches
        on approaches.work_id = fractions.work_id
),

patents as (
    -- a family weighs 1, split over its applicants' countries
    select
        'patents' as family,
        approaches.approach,
        fractions.priority_year as year,
        fractions.family_id as record_id,
        fractions.country_iso3,
        fractions.fraction::double as credit,
        1.0 as record_weight,
        fractions.is_international as international,
        approaches.basis,
        fractions.record_credits,
        1 as records
    from (
        select *, count(*) over (partition by family_id) as record_credits
        from core.patent_family_country_fractions
        where counting = 'applicant'
    ) as fractions
    inner join core.patent_family_approaches as approaches
        on approaches.family_id = fractions.family_id
),

grants as (
    -- per approach: a grant weighs its constant-dollar amount, split over the countries paid
    select
        'funding' as family,
        approaches.approach,
        fractions.year,
        fractions.grant_key as record_id,
        fractions.country_iso3,
        fractions.fraction * amounts.usd_constant as credit,
        amounts.usd_constant as record_weight,
        null::boolean as international,
        approaches.basis,
        fractions.record_credits,
        1 as records
    from (
        select *, count(*) over (partition by grant_key) as record_credits
        from core.grant_country_fractions
    ) as fractions
    inner join core.grant_amounts as amounts
        on amounts.grant_key = fractions.grant_key
    inner join core.grant_approaches as approaches
        on approaches.grant_key = fractions.grant_key
    where approaches.approach <> 'all'
        and amounts.usd_constant > 0
),

programmes as (
    -- all quantum: a national programme's commitment of the year (the EU's own: EUU)
    select
        'funding' as family,
        'all' as approach,
        year,
        row_id || ':' || year as record_id,
        country_iso3,
        usd_constant as credit,
        usd_constant as record_weight,
        null::boolean as international,
        'national programme' as basis,
        1 as record_credits,  -- one row per programme figure and year (unique in the table)
        1 as records
    from core.programme_years
    where usd_constant > 0
),

trade as (
    -- a bilateral flow of an approach's component lines weighs its value, all to the exporter;
    -- as in the approach totals of indicators.trade_approaches, only the value resting on
    -- records comparable with the HS2022 series counts (a broader HS2017 line, such as
    -- 8541.40 with its solar cells and LEDs, is left out: meta.methods trade_revision_rule)
    select
        'supply_chain' as family,
        approaches.approach,
        flows.year,
        flows.series_code || ':' || flows.importer_iso3 || '>' || flows.exporter_iso3
            as record_id,
        flows.exporter_iso3 as country_iso3,
        flows.comparable_value_usd as credit,
        flows.comparable_value_usd as record_weight,
        null::boolean as international,
        flows.basis,
        1 as record_credits,  -- all to the exporter; one row per series and approach
        1 as records
    from core.trade_bilateral as flows
    inner join core.trade_series_approaches as approaches
        on approaches.series_code = flows.series_code
    where flows.comparable_value_usd > 0
        and flows.importer_iso3 <> flows.exporter_iso3
),

credits as (
    select * from publications
    union all
    select * from patents
    union all
    select * from grants
    union all
    select * from programmes
    union all
    select * from trade
)

-- a record no rule placed in an approach is counted in 'all' only; programme commitments
-- announced for years to come are not yet a country's funding
select * from credits
where approach <> 'unclassified'
    and year <= year(current_date)
