"""``Evaluator``: what every evaluator of ``lira.evaluation`` is, as sentence-transformers' ``SentenceEvaluator``.

An evaluator is built from its data, then called with a method (an encoder, a LiRA model, or for MGSM a method
name) and keyword-only options; it returns a dict of metrics. ``primary_metric`` names the key of the main
score, and the dict also holds that score under ``"main_score"`` (``result[e.primary_metric] ==
result["main_score"]``), which the benchmark, the reports and ``lira eval`` read.

Example::

    evaluator: Evaluator = STSEvaluator(pairs)
    result = evaluator(method, translator=translator)
    assert result[evaluator.primary_metric] == result["main_score"]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from lira.translators.base import Translator

MAIN_SCORE = "main_score"


@runtime_checkable
class Evaluator(Protocol):
    """Scores one method on the data it was built with."""

    @property
    def primary_metric(self) -> str:
        """The key of the main score in the results (also copied to ``"main_score"``)."""
        ...

    def __call__(self, method: Any, *, translator: Translator | None = None, **kwargs: Any) -> dict[str, Any]:
        """The metrics of ``method``; ``translator`` gives the English of the texts for methods that read it."""
        ...


if TYPE_CHECKING:  # mypy checks that every evaluator conforms
    from lira.evaluation.bitext import BitextEvaluator
    from lira.evaluation.choice import ChoiceEvaluator
    from lira.evaluation.classification import ClassificationEvaluator
    from lira.evaluation.mgsm import MGSMEvaluator
    from lira.evaluation.nli import NLIEvaluator
    from lira.evaluation.retrieval import RetrievalEvaluator
    from lira.evaluation.sts import STSEvaluator

    _EVALUATORS: tuple[type[Evaluator], ...] = (BitextEvaluator, STSEvaluator, NLIEvaluator, ChoiceEvaluator,
                                                ClassificationEvaluator, RetrievalEvaluator, MGSMEvaluator)
