"""Declarative benchmark tasks: ``TaskSpec`` metadata, one module per dataset, collected into ``TASKS``.

Adding a dataset is one new module here that defines ``TASKS`` (its ``TaskSpec``s with their loaders) and,
optionally, ``PARALLEL`` (its pairs as a stage-1 source); ``lira.tasks.catalogue`` finds it.
"""

from lira.tasks.catalogue import PARALLEL, TASKS, check_disjoint, family_dev, get_parallel, get_task
from lira.tasks.spec import Disjoint, ParallelSpec, Subset, TaskSpec, hashed_subset, seeded_halves

__all__ = ["PARALLEL", "TASKS", "Disjoint", "ParallelSpec", "Subset", "TaskSpec", "check_disjoint", "family_dev",
           "get_parallel", "get_task", "hashed_subset", "seeded_halves"]
