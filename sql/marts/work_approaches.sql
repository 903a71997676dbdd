-- marts.work_approaches: one row per in-scope work and technology approach it is classified in ('all' for every work not only on post-quantum cryptography; 'unclassified' where no rule matched)
select
    approaches.work_id,
    works.doi,
    works.title,
    works.publication_year,
    approaches.approach,
    approaches.basis,
    (select value from ref.methods where key = 'classifier_version') as classifier_version
from core.work_approaches as approaches
inner join staging.works as works
    on works.work_id = approaches.work_id
