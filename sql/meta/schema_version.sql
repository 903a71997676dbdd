-- meta.schema_version: one row: the version of the published schema (the tables, views and columns of marts and meta), bumped by every breaking change listed in CHANGELOG.md
select
    1 as schema_version,
    '0.7.0' as since_qcm_version,
    'A breaking change (a table, view or column renamed or removed, or a column whose meaning changes) '
    || 'bumps schema_version; added tables, views and columns do not. CHANGELOG.md lists every change '
    || 'under the qcm version that made it and names the schema version.' as rule
