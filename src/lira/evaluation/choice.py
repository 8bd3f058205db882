"""``ChoiceEvaluator``: multiple choice (XCOPA): pick the option that best continues the premise.

The premise is read with its question in brackets (``lira.training.lasr_data.choice_premise``). A method
trained for the task (a LiRA model whose task is ``choice``) scores each option with its pair head; any
other method is read through a logistic-regression probe on ``[p, o, |p - o|, p * o]`` (premise, option
embeddings) fitted on the training items (is this option the right one?), the highest probability winning.
``accuracy`` is the main score.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from lira.data.formats import ChoiceExample
from lira.evaluation.probe import fit_probe, pair_features
from lira.evaluation.translations import encode_by_lang, pick_translations
from lira.metrics import accuracy, top1_correct
from lira.training.lasr_data import choice_premise
from lira.translators.base import Translator


def _premises(examples: Sequence[ChoiceExample]) -> list[str]:
    return [choice_premise(ex.premise, ex.question) for ex in examples]


def _option_features(method: Any, examples: Sequence[ChoiceExample], translator: Translator | None) -> np.ndarray:
    """``[n * m, 4 d]``: each option (row-major) with its premise."""
    m = len(examples[0].choices)
    p = encode_by_lang(method, _premises(examples), [ex.lang for ex in examples], translator=translator)
    o = encode_by_lang(method, [c for ex in examples for c in ex.choices],
                       [ex.lang for ex in examples for _ in ex.choices], translator=translator)
    return pair_features(np.repeat(p, m, axis=0), o)


@dataclass
class ChoiceEvaluator:
    """Scores a method on ``test`` items of one language; ``train`` fits the probe of untrained methods."""

    train: Sequence[ChoiceExample]
    test: Sequence[ChoiceExample]
    lang: str
    primary_metric: ClassVar[str] = "accuracy"

    def __call__(self, method: Any, *, translator: Translator | None = None,
                 train_translator: Translator | None = None, **_: Any) -> dict[str, Any]:
        """``{"main_score", "accuracy", "n", "n_train", "items" (1/0 per test item), "ids" (the items'
        ids, None where they have none), "seconds"}``."""
        start = time.perf_counter()
        m = {len(ex.choices) for ex in [*self.train, *self.test]}
        if len(m) != 1:
            raise ValueError(f"ChoiceEvaluator needs one number of options per set, got {sorted(m)}")
        m_options = m.pop()
        if getattr(method, "task", None) == "choice":
            premises = _premises(self.test)
            options = [list(ex.choices) for ex in self.test]
            flat = [c for row in options for c in row]
            option_tr = pick_translations(method, flat, lang=self.lang, translator=translator)
            scores = method.option_scores(
                premises, options, lang=self.lang,
                translations=pick_translations(method, premises, lang=self.lang, translator=translator),
                option_translations=None if option_tr is None else
                [option_tr[i * m_options:(i + 1) * m_options] for i in range(len(options))])
        else:
            if not self.train:
                raise ValueError(f"{getattr(method, 'name', method)} needs training items for its probe")
            labels = np.array([int(j == ex.label) for ex in self.train for j in range(m_options)])
            probe = fit_probe(_option_features(method, self.train, train_translator or translator), labels)
            proba = probe.predict_proba(_option_features(method, self.test, translator))[:, 1]
            scores = proba.reshape(len(self.test), m_options)
        correct = top1_correct(np.asarray(scores), np.array([ex.label for ex in self.test])).astype(float)
        return {"main_score": accuracy(correct), "accuracy": accuracy(correct), "n": len(correct),
                "n_train": len(self.train), "items": correct.tolist(), "ids": [ex.id for ex in self.test],
                "seconds": time.perf_counter() - start}
