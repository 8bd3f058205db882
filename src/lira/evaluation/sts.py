"""``STSEvaluator``: semantic similarity / relatedness, scored as in MTEB's STS tasks.

The prediction is the cosine of the two sentence embeddings, or the method's own pair score when it was
trained for STS (a LiRA model whose task is ``sts``, on pairs in one language). ``spearman`` (main score)
and ``pearson`` with the gold scores, from ``scipy.stats``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from lira.data.formats import ScoredPair
from lira.evaluation.translations import encode, pick_translations
from lira.languages import ENGLISH
from lira.metrics import correlation_metrics
from lira.translators.base import Translator


def _side(method: Any, texts: list[str], lang: str, translator: Translator | None) -> np.ndarray:
    return np.asarray(encode(method, texts, lang=lang, translator=translator, english=lang == ENGLISH))


@dataclass
class STSEvaluator:
    """Scores a method on scored ``pairs`` that share one ``lang1``/``lang2`` combination."""

    pairs: Sequence[ScoredPair]
    primary_metric: ClassVar[str] = "spearman"

    def __call__(self, method: Any, *, translator: Translator | None = None, **_: Any) -> dict[str, Any]:
        """``{"main_score", "spearman", "pearson", "n", "items" (predicted scores), "gold", "ids" (the
        pairs' ids, None where they have none), "seconds"}``."""
        start = time.perf_counter()
        langs = {(p.lang1, p.lang2) for p in self.pairs}
        if len(langs) != 1:
            raise ValueError(f"STSEvaluator needs one language pairing, got {sorted(langs)}")
        lang1, lang2 = langs.pop()
        t1, t2 = [p.text1 for p in self.pairs], [p.text2 for p in self.pairs]
        if getattr(method, "task", None) == "sts" and lang1 == lang2:
            tr1 = pick_translations(method, t1, lang=lang1, translator=translator)
            tr2 = pick_translations(method, t2, lang=lang2, translator=translator)
            pred = method.predict(t1, lang=lang1, texts2=t2, translations=tr1, translations2=tr2)["score"]
        else:
            u, v = _side(method, t1, lang1, translator), _side(method, t2, lang2, translator)
            pred = np.sum(u * v, axis=1)
        gold = np.array([p.score for p in self.pairs])
        scores = correlation_metrics(pred, gold)
        return {"main_score": scores["spearman"], "spearman": scores["spearman"], "pearson": scores["pearson"],
                "n": len(gold), "items": np.asarray(pred).tolist(),
                "gold": gold.tolist(), "ids": [p.id for p in self.pairs], "seconds": time.perf_counter() - start}
