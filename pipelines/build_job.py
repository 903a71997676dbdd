"""The main job with Dagster's multiprocess executor, resolved once, for ``qcm build
--executor multiprocess`` (the code location runs it in process; a cluster loads
``pipelines.cluster``'s).

The multiprocess executor loads the job in every step's process by module and name
(``dg.reconstructable(qcm_build_job)``). Resolving it and its run configuration schema
here, at import, lets a fork server that preloads this module hand every step the
finished job instead of resolving 370 nodes again (about 2 s a step).
"""

import dagster as dg

from pipelines.definitions import defs

# the code location runs its jobs in process; this one has Dagster's multiprocess executor
JOB = defs.resolve_job_def("qcm_build").with_executor_def(dg.multiprocess_executor)
JOB.run_config_schema  # noqa: B018 - built once here, inherited by every forked step


def qcm_build_job() -> dg.JobDefinition:
    """The main job (what ``dg.reconstructable`` loads in each step's process)."""
    return JOB
