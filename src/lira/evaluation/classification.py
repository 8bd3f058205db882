"""``ClassificationEvaluator``: topic classification (SIB-200), as in MTEB's classification tasks.

A method trained for the task (a LiRA model whose task is ``classification``) predicts with its head; any
other method is read through a logistic-regression probe fitted on its embeddings of the training examples
(``lira.evaluation.probe``). ``accuracy`` is the main score.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from lira.data.formats import ClassificationExample
from lira.evaluation.probe import fit_probe
from lira.evaluation.translations import encode, encode_by_lang, pick_translations
from lira.metrics import accuracy
from lira.translators.base import Translator


@dataclass
class ClassificationEvaluator:
    """Scores a method on ``test`` examples of one language; ``train`` (any languages) fits the probe of
    untrained methods. A test label the method never saw (not among a LiRA model's classes, or absent from the
    probe's training examples) is an error; with ``allow_unknown_labels`` it is a counted warning instead, and
    those examples count as wrong (nothing can predict them)."""

    train: Sequence[ClassificationExample]
    test: Sequence[ClassificationExample]
    lang: str
    allow_unknown_labels: bool = False
    primary_metric: ClassVar[str] = "accuracy"

    def _check_labels(self, known: Sequence[str], whose: str) -> None:
        unknown = sorted({ex.label for ex in self.test} - set(known))
        if not unknown:
            return
        count = sum(ex.label in unknown for ex in self.test)
        message = (f"{count} of {len(self.test)} test example(s) ({self.lang}) have labels {unknown} that are not "
                   f"among {whose} {sorted(known)}")
        if not self.allow_unknown_labels:
            raise ValueError(f"{message}; allow them with --allow-unknown-labels (they then count as wrong)")
        warnings.warn(f"{message}; they count as wrong", stacklevel=2)

    def __call__(self, method: Any, *, translator: Translator | None = None,
                 train_translator: Translator | None = None, **_: Any) -> dict[str, Any]:
        """``{"main_score", "accuracy", "n", "n_train", "items" (1/0 per test example), "ids" (the
        examples' ids, None where they have none), "seconds"}``.
        ``translator`` gives the test texts' English, ``train_translator`` (default: the same) the training
        texts' English."""
        start = time.perf_counter()
        texts = [ex.text for ex in self.test]
        if getattr(method, "task", None) == "classification":
            classes = list(method.config.classes)
            self._check_labels(classes, "the model's classes")
            translations = pick_translations(method, texts, lang=self.lang, translator=translator)
            probs = method.predict(texts, lang=self.lang, translations=translations)["probs"]
            pred = [classes[i] for i in np.argmax(probs, axis=1)]
        else:
            if not self.train:
                raise ValueError(f"{getattr(method, 'name', method)} needs training examples for its probe")
            self._check_labels(sorted({ex.label for ex in self.train}), "the training labels")
            x_train = encode_by_lang(method, [ex.text for ex in self.train], [ex.lang for ex in self.train],
                                     translator=train_translator or translator)
            probe = fit_probe(np.asarray(x_train), np.array([ex.label for ex in self.train]))
            pred = probe.predict(np.asarray(encode(method, texts, lang=self.lang, translator=translator))).tolist()
        correct = np.array([p == ex.label for p, ex in zip(pred, self.test, strict=True)], dtype=float)
        return {"main_score": accuracy(correct), "accuracy": accuracy(correct), "n": len(correct),
                "n_train": len(self.train), "items": correct.tolist(), "ids": [ex.id for ex in self.test],
                "seconds": time.perf_counter() - start}
