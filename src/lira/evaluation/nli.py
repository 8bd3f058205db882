"""``NLIEvaluator``: natural language inference (entailment / neutral / contradiction).

A method trained for NLI (a LiRA model whose task is ``nli``) predicts with its pair head; any other method
is read through a logistic-regression probe on ``[u, v, |u - v|, u * v]`` of its premise and hypothesis
embeddings (Conneau et al. 2017), fitted on the training pairs. ``accuracy`` is the main score.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from lira.data.formats import NLI_LABELS, NLIExample
from lira.evaluation.probe import fit_probe, pair_features
from lira.evaluation.translations import encode_by_lang, pick_translations
from lira.metrics import accuracy
from lira.translators.base import Translator


def _features(method: Any, examples: Sequence[NLIExample], translator: Translator | None) -> np.ndarray:
    langs = [ex.lang for ex in examples]
    u = encode_by_lang(method, [ex.premise for ex in examples], langs, translator=translator)
    v = encode_by_lang(method, [ex.hypothesis for ex in examples], langs, translator=translator)
    return pair_features(u, v)


@dataclass
class NLIEvaluator:
    """Scores a method on ``test`` pairs of one language; ``train`` (any languages) fits the probe of
    untrained methods."""

    train: Sequence[NLIExample]
    test: Sequence[NLIExample]
    lang: str
    primary_metric: ClassVar[str] = "accuracy"

    def __call__(self, method: Any, *, translator: Translator | None = None,
                 train_translator: Translator | None = None, **_: Any) -> dict[str, Any]:
        """``{"main_score", "accuracy", "n", "n_train", "items" (1/0 per test pair), "ids" (the pairs' ids,
        None where they have none), "seconds"}``."""
        start = time.perf_counter()
        gold = [ex.label for ex in self.test]
        if getattr(method, "task", None) == "nli":
            premises, hypotheses = [ex.premise for ex in self.test], [ex.hypothesis for ex in self.test]
            probs = method.predict(premises, lang=self.lang, texts2=hypotheses,
                                   translations=pick_translations(method, premises, lang=self.lang,
                                                                  translator=translator),
                                   translations2=pick_translations(method, hypotheses, lang=self.lang,
                                                                   translator=translator))["probs"]
            classes = list(method.config.classes) or list(NLI_LABELS)
            pred = [classes[i] for i in np.argmax(probs, axis=1)]
        else:
            if not self.train:
                raise ValueError(f"{getattr(method, 'name', method)} needs training pairs for its probe")
            probe = fit_probe(_features(method, self.train, train_translator or translator),
                              np.array([ex.label for ex in self.train]))
            pred = probe.predict(_features(method, self.test, translator)).tolist()
        correct = np.array([p == g for p, g in zip(pred, gold, strict=True)], dtype=float)
        return {"main_score": accuracy(correct), "accuracy": accuracy(correct), "n": len(correct),
                "n_train": len(self.train), "items": correct.tolist(), "ids": [ex.id for ex in self.test],
                "seconds": time.perf_counter() - start}
