-- marts.workforce_career_stages: one row per country, technology approach, year and career stage (early career, mid career, senior), with active researchers, inflow and outflow of that stage
select
    stages.country_iso3,
    countries.name as country_name,
    stages.approach,
    stages.year,
    stages.career_stage,
    stages.active,
    stages.inflow,
    stages.outflow,
    stages.inflow - stages.outflow as net_flow,
    (select value from ref.methods where key = 'workforce_method_version') as method_version
from indicators.workforce_career_stages as stages
left join ref.countries as countries
    on countries.iso3 = stages.country_iso3
