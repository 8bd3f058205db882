"""``evaluator_for``: the one table from task type to evaluator class, read by the benchmark and ``lira eval``."""

from __future__ import annotations

import pytest

from lira.evaluation.registry import EVALUATORS, evaluator_for
from lira.tasks import TASKS
from lira.tasks.spec import TASK_TYPES
from tests.evaluation.test_base import BY_TYPE


def test_every_task_type_has_its_evaluator():
    assert set(EVALUATORS) == set(TASK_TYPES)
    for task_type, cls in BY_TYPE.items():
        assert evaluator_for(task_type) is cls


def test_every_registered_task_has_an_evaluator():
    for task in TASKS:
        evaluator = evaluator_for(task.type)
        assert hasattr(evaluator, "primary_metric") and callable(evaluator), task.name


def test_an_unknown_task_type_names_the_known_ones():
    with pytest.raises(KeyError, match="no evaluator for task type 'poetry'; known: bitext, sts"):
        evaluator_for("poetry")
