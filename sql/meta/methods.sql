-- meta.methods: one row per entry of the reviewed ref.methods table, published as part of the data dictionary
select * from ref.methods
