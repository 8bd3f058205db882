"""Every evaluator is an ``Evaluator``: one call signature, a ``primary_metric`` that names the main score, and
the task registry's main scores are those primary metrics."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from lira.data.formats import Document, MathProblem, Query, RetrievalDataset
from lira.evaluation.base import MAIN_SCORE, Evaluator
from lira.evaluation.bitext import BitextEvaluator
from lira.evaluation.choice import ChoiceEvaluator
from lira.evaluation.classification import ClassificationEvaluator
from lira.evaluation.mgsm import MGSMEvaluator
from lira.evaluation.nli import NLIEvaluator
from lira.evaluation.retrieval import RetrievalEvaluator
from lira.evaluation.sts import STSEvaluator
from lira.tasks import TASKS
from lira.translators.precomputed import PrecomputedTranslator
from tests.backbones.test_base import CountingBackbone
from tests.evaluation import test_bitext, test_choice, test_classification, test_nli, test_sts
from tests.evaluation.test_bitext import Lookup

# The evaluator of each task type (the benchmark's and ``lira eval``'s choice).
BY_TYPE: dict[str, type] = {"bitext": BitextEvaluator, "sts": STSEvaluator, "nli": NLIEvaluator,
                            "choice": ChoiceEvaluator, "classification": ClassificationEvaluator,
                            "retrieval": RetrievalEvaluator, "math": MGSMEvaluator}


class Solver:
    """A fake ``ChatClient``: answers 18 to every question."""

    model = "fake-solver"

    def complete_many(self, messages: list, **_: Any) -> list[list[str]]:
        return [["Answer: 18"] for _ in messages]


def toy_retrieval() -> RetrievalDataset:
    # CountingBackbone embeds (length, vowels, 1): "aaaa" finds "aaaa" first, then "aa"
    return RetrievalDataset(name="toy", lang="eng",
                            corpus={"d1": Document("", "bcdfg"), "d2": Document("", "aaaa"), "d3": Document("", "aa")},
                            queries={"q": Query("aaaa")}, qrels={"test": {"q": {"d2": 2, "d3": 1}}})


PROBLEMS = [MathProblem("tha", "q1", 18.0, "Q1", "1"), MathProblem("tha", "q2", 3.0, "Q2", "2")]

# (evaluator, method, expected main score) on the tiny sets of the evaluators' own tests.
CASES: dict[str, tuple[Any, Any, float]] = {
    "bitext": (BitextEvaluator(test_bitext.EXAMPLES, "vie"), Lookup(test_bitext.VECTORS), 0.75),
    "sts": (STSEvaluator(test_sts.PAIRS), Lookup(test_sts.VECTORS), 0.8),
    "nli": (NLIEvaluator(test_nli.examples(3, "eng"), test_nli.examples(2), "tha"), Lookup(test_nli.vector), 1.0),
    "choice": (ChoiceEvaluator(test_choice.items(6, "eng"), test_choice.items(4), "tha"), Lookup(test_choice.vector),
               1.0),
    "classification": (ClassificationEvaluator(test_classification.data("eng"), test_classification.data("tha"),
                                               "tha"), Lookup(test_classification.vector), 1.0),
    "retrieval": (RetrievalEvaluator(toy_retrieval()), CountingBackbone(), 1.0),
    "math": (MGSMEvaluator(PROBLEMS, Solver()), "direct", 0.5),
}


def test_every_evaluator_class_has_the_one_signature():
    for cls in BY_TYPE.values():
        params = inspect.signature(cls.__call__).parameters
        first, translator = list(params.values())[1], params.get("translator")
        assert first.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and first.name == "method", cls
        assert translator is not None and translator.kind is inspect.Parameter.KEYWORD_ONLY, cls
        assert translator.default is None, cls
        assert any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()), cls


@pytest.mark.parametrize("task_type", list(CASES))
def test_primary_metric_is_the_main_score(task_type):
    evaluator, method, expected = CASES[task_type]
    assert isinstance(evaluator, Evaluator) and isinstance(evaluator, BY_TYPE[task_type])
    result = evaluator(method, translator=None, unused_option=1)  # options an evaluator does not read are ignored
    assert result[MAIN_SCORE] == pytest.approx(expected)
    assert result[evaluator.primary_metric] == result[MAIN_SCORE]


def test_metrics_besides_the_primary_one_differ():
    # the primary metric is a choice: bitext's F1 and STS's Pearson differ from the main score
    for task_type, other in (("bitext", "f1"), ("sts", "pearson")):
        evaluator, method, _ = CASES[task_type]
        result = evaluator(method)
        assert result[other] != result[MAIN_SCORE]


def test_retrieval_primary_metric_follows_its_main_metric():
    evaluator = RetrievalEvaluator(toy_retrieval(), main_metric="recall@1")
    result = evaluator(CountingBackbone())
    assert evaluator.primary_metric == "recall@1" and result["recall@1"] == result[MAIN_SCORE] == pytest.approx(0.5)


def test_mgsm_reads_only_its_own_translator():
    own = PrecomputedTranslator({"q1": ["Q1"], "q2": ["Q2"]})
    evaluator = MGSMEvaluator(PROBLEMS, Solver(), translator=own)
    assert evaluator("translate-test", translator=own)["accuracy"] == 0.5
    with pytest.raises(ValueError, match="reads the translator it was built with"):
        evaluator("translate-test", translator=PrecomputedTranslator({"q1": ["other"]}))


def test_each_tasks_main_score_is_its_evaluators_primary_metric():
    for task in TASKS:
        evaluator = CASES[task.type][0]
        assert task.main_score == evaluator.primary_metric, task.name
