"""The evaluator class of each task type (``TaskSpec.type``): the one table the benchmark runner and the
``lira eval`` commands read. Each builds its evaluator with its own arguments; only the class lookup is shared.

Classes are named as ``module:name`` and imported on first use, so that ``lira --help`` stays fast.

Example::

    evaluator = evaluator_for("sts")(pairs)
    result = evaluator(method, translator=translator)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from lira.evaluation.base import Evaluator

EVALUATORS: dict[str, str] = {
    "bitext": "lira.evaluation.bitext:BitextEvaluator",
    "sts": "lira.evaluation.sts:STSEvaluator",
    "nli": "lira.evaluation.nli:NLIEvaluator",
    "choice": "lira.evaluation.choice:ChoiceEvaluator",
    "classification": "lira.evaluation.classification:ClassificationEvaluator",
    "retrieval": "lira.evaluation.retrieval:RetrievalEvaluator",
    "math": "lira.evaluation.mgsm:MGSMEvaluator",
}


def evaluator_for(task_type: str) -> Callable[..., Evaluator]:
    """The evaluator class that scores tasks of ``task_type``; a ``KeyError`` naming the known types if none."""
    if task_type not in EVALUATORS:
        raise KeyError(f"no evaluator for task type {task_type!r}; known: {', '.join(EVALUATORS)}")
    module, _, name = EVALUATORS[task_type].partition(":")
    return cast("Callable[..., Evaluator]", getattr(importlib.import_module(module), name))
