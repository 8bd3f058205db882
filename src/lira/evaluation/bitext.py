"""``BitextEvaluator``: bitext mining, as in the LASER Tatoeba evaluation and MTEB's BitextMining.

Each source sentence is matched to its nearest English sentence over all of the set's English sides, by
``scoring``: "cosine" (the default, as LASER's Tatoeba test and MTEB score it) or "margin", the cosine less the
mean similarity of each side's ``k`` nearest neighbours (``lira.metrics.margin_scores``; Artetxe & Schwenk 2019).
``accuracy`` (main score) is the share matched to their own translation; ``f1`` is scikit-learn's macro F1 of the
predicted against the gold target indices (MTEB's definition).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from sklearn.metrics import f1_score

from lira.data.formats import ParallelExample
from lira.evaluation.translations import encode
from lira.metrics import accuracy, margin_scores, top1_correct
from lira.translators.base import Translator

SCORINGS = ("cosine", "margin")


@dataclass
class BitextEvaluator:
    """Scores a method on parallel ``examples`` of one language (``lang``), matching by ``scoring`` (one of
    ``SCORINGS``; "margin" over ``k`` neighbours)."""

    examples: Sequence[ParallelExample]
    lang: str
    scoring: str = "cosine"
    k: int = 4
    primary_metric: ClassVar[str] = "accuracy"

    def __post_init__(self) -> None:
        if self.scoring not in SCORINGS:
            raise ValueError(f"unknown bitext scoring {self.scoring!r}; valid: {', '.join(SCORINGS)}")
        if self.k < 1:
            raise ValueError(f"the margin's k must be >= 1, got {self.k}")

    def __call__(self, method: Any, *, translator: Translator | None = None, train_translator: Any = None,
                 **_: Any) -> dict[str, Any]:
        """``{"main_score", "accuracy", "f1", "n", "items" (1/0 per source), "ids" (the examples'
        ids, None where they have none), "scoring", "seconds"}``."""
        start = time.perf_counter()
        result = self.scored(*self.similarities(method, translator=translator))
        return {**result, "seconds": time.perf_counter() - start}

    def similarities(self, method: Any, *, translator: Translator | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(sim, gold)``: ``[n, m]`` dot products of the ``n`` sources' vectors with those of the ``m`` distinct
        English sides (cosines: methods give unit vectors), and ``[n]`` the index of each source's own English."""
        english = list(dict.fromkeys(ex.en for ex in self.examples))
        gold = np.array([english.index(ex.en) for ex in self.examples]) if len(english) < 2000 else \
            np.array([{t: i for i, t in enumerate(english)}[ex.en] for ex in self.examples])
        src = encode(method, [ex.text for ex in self.examples], lang=self.lang, translator=translator)
        tgt = encode(method, english, lang=self.lang, english=True)
        return np.asarray(src) @ np.asarray(tgt).T, gold

    def scored(self, sim: np.ndarray, gold: np.ndarray) -> dict[str, Any]:
        """The result of ``similarities``' output matched by ``scoring`` (``__call__``'s, without "seconds"): one
        encoding can be scored several ways."""
        scores = margin_scores(sim, self.k) if self.scoring == "margin" else sim
        correct = top1_correct(scores, gold).astype(float)
        pred = np.argmax(scores, axis=1)
        return {"main_score": accuracy(correct), "accuracy": accuracy(correct),
                "f1": float(f1_score(gold, pred, average="macro")), "n": len(correct), "items": correct.tolist(),
                "ids": [ex.id for ex in self.examples], "scoring": self.scoring}
