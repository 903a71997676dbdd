-- marts.synthesis_scenarios: one row per sensitivity scenario: what it changes against the baseline
select scenario, label, description from indicators.synthesis_scenarios
