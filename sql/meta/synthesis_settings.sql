-- meta.synthesis_settings: one row per synthesis setting of this run (reach, focus bloc, countries of concern, bootstrap, normalisation, the settings file and its checksum), published as part of the data dictionary
select key, value, description from ref.synthesis_settings
