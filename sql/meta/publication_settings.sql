-- meta.publication_settings: one row per publication setting of this run (whether small numbers are flagged or suppressed), published as part of the data dictionary
select key, value, description from ref.publication_settings
