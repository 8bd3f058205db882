"""Declarative benchmark tasks: ``TaskSpec`` metadata and the catalogue of tasks on the public data."""

from lira.tasks.catalogue import TASKS, check_disjoint, get_task
from lira.tasks.spec import Subset, TaskSpec, hashed_subset, seeded_halves

__all__ = ["TASKS", "Subset", "TaskSpec", "check_disjoint", "get_task", "hashed_subset", "seeded_halves"]
