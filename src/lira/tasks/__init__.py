"""Declarative benchmark tasks: ``TaskSpec`` metadata, one module per dataset, collected into ``TASKS``.

Adding a dataset is one new module here that defines ``TASKS`` (its ``TaskSpec``s with their loaders) and,
optionally, ``PARALLEL`` (its pairs as a stage-1 source); ``lira.tasks.catalogue`` finds it. Training reads
every spec's records through ``lira.tasks.records``; the user's own files are specs too (``lira.tasks.user``).
"""

from lira.tasks.catalogue import PARALLEL, TASKS, check_disjoint, family_dev, get_parallel, get_task
from lira.tasks.records import parallel_examples, parallel_sources, parallel_task, restrict, task_records
from lira.tasks.spec import Disjoint, ParallelSpec, Subset, TaskSpec, capped_retrieval, hashed_subset, seeded_halves
from lira.tasks.user import user_parallel, user_task

__all__ = ["PARALLEL", "TASKS", "Disjoint", "ParallelSpec", "Subset", "TaskSpec", "capped_retrieval", "check_disjoint",
           "family_dev",
           "get_parallel", "get_task", "hashed_subset", "parallel_examples", "parallel_sources", "parallel_task",
           "restrict", "seeded_halves", "task_records", "user_parallel", "user_task"]
