"""STSEvaluator: cosine scores against scipy on known vectors, a head trained for STS, English sides."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from scipy.stats import pearsonr, spearmanr

from lira.data.formats import ScoredPair
from lira.evaluation.sts import STSEvaluator
from lira.translators.precomputed import PrecomputedTranslator
from tests.evaluation.test_bitext import EnglishLookup, Lookup

VECTORS = {"a1": [1, 0, 0], "a2": [1, 0.1, 0], "b1": [0, 1, 0], "b2": [0.5, 1, 0], "c1": [0, 0, 1],
           "c2": [1, 0, 0.2], "d1": [1, 1, 0], "d2": [0, 0, 1], "A1": [0, 1, 1], "A2": [0, 1, 1]}
GOLD = {"a": 4.8, "b": 3.0, "c": 0.5, "d": 1.5}
PAIRS = [ScoredPair(f"{k}1", f"{k}2", score, "tha", "tha") for k, score in GOLD.items()]


def _unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v)


def test_cosine_correlations_equal_scipy():
    result = STSEvaluator(PAIRS)(Lookup(VECTORS))
    cosines = [float(_unit(VECTORS[f"{k}1"]) @ _unit(VECTORS[f"{k}2"])) for k in GOLD]
    assert result["items"] == pytest.approx(cosines)
    # predicted order a > b > c > d, gold a > b > d > c: ranks differ by 1 for c and d, so
    # spearman = 1 - 6 * (1 + 1) / (4 * (16 - 1)) = 0.8
    assert cosines[0] > cosines[1] > cosines[2] > cosines[3] == 0.0
    assert result["main_score"] == result["spearman"] == pytest.approx(spearmanr(cosines, list(GOLD.values()))[0])
    assert result["spearman"] == pytest.approx(0.8)
    assert result["pearson"] == pytest.approx(pearsonr(cosines, list(GOLD.values()))[0])
    assert result["gold"] == list(GOLD.values()) and result["n"] == 4


def test_translations_and_english_sides():
    # Thai side 1 reads its translation (a1 -> "A1"); the English side 2 is its own translation.
    pairs = [ScoredPair(f"{k}1", f"{k}2", score, "tha", "eng") for k, score in GOLD.items()]
    method = EnglishLookup(VECTORS)
    result = STSEvaluator(pairs)(method, translator=PrecomputedTranslator({"a1": ["A1"]}, allow_missing=True))
    assert method.calls[0] == (["a1", "b1", "c1", "d1"], "tha", ["A1", None, None, None])
    assert method.calls[1] == (["a2", "b2", "c2", "d2"], "eng", ["a2", "b2", "c2", "d2"])
    assert result["items"][0] == pytest.approx(float(_unit(VECTORS["A1"]) @ _unit(VECTORS["a2"])))


class STSHead:
    """A stub trained for STS: its own pair scores, recording the translations it was given."""

    task, needs_translations, name = "sts", True, "sts-head"
    config = SimpleNamespace(classes=[], candidates=1)

    def __init__(self) -> None:
        self.seen = {}

    def predict(self, texts, *, lang, texts2=None, translations=None, translations2=None):
        self.seen = {"texts": texts, "texts2": texts2, "lang": lang, "tr": translations, "tr2": translations2}
        return {"score": np.array([1.0, 2.0, 4.0, 3.0])}


def test_a_head_trained_for_sts_scores_the_pairs():
    head = STSHead()
    result = STSEvaluator(PAIRS)(head, translator=PrecomputedTranslator({"b2": ["B two"]}, allow_missing=True))
    assert result["items"] == [1.0, 2.0, 4.0, 3.0]
    assert result["spearman"] == pytest.approx(spearmanr([1, 2, 4, 3], list(GOLD.values()))[0])
    assert head.seen == {"texts": ["a1", "b1", "c1", "d1"], "texts2": ["a2", "b2", "c2", "d2"], "lang": "tha",
                         "tr": [None] * 4, "tr2": [None, "B two", None, None]}


def test_one_language_pairing_per_evaluator():
    mixed = [*PAIRS, ScoredPair("a1", "a2", 1.0, "vie", "vie")]
    with pytest.raises(ValueError, match="one language pairing"):
        STSEvaluator(mixed)(Lookup(VECTORS))
