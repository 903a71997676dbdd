"""The main job with Dagster's multiprocess executor, resolved once, for ``qcm build
--executor multiprocess`` (the code location runs it in process; a cluster loads
``pipelines.cluster``'s).

The multiprocess executor loads the job in every step's process by module and name
(``dg.reconstructable(qcm_build_job)``). Resolving it and its run configuration schema
here, at import, lets a fork server that preloads this module hand every step the
finished job instead of resolving 370 nodes again (about 2 s a step). The job comes from
definitions of its own, assembled with that executor (0.3 s once), since Dagster offers
no public way to change a resolved job's executor.
"""

import dagster as dg

from pipelines.definitions import build_definitions

JOB = build_definitions(executor=dg.multiprocess_executor).resolve_job_def("qcm_build")
JOB.run_config_schema  # noqa: B018 - built once here, inherited by every forked step


def qcm_build_job() -> dg.JobDefinition:
    """The main job (what ``dg.reconstructable`` loads in each step's process)."""
    return JOB
