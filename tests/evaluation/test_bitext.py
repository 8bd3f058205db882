"""BitextEvaluator on hand-made vectors: nearest neighbours, accuracy and macro F1 checked by hand.

``Lookup``, ``EnglishLookup`` and ``Chooser`` are the fake methods shared by the evaluator tests.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from lira.data.formats import ParallelExample
from lira.evaluation.bitext import BitextEvaluator
from lira.translators.precomputed import PrecomputedTranslator


class Lookup:
    """A source-only method: ``encode`` looks each text up in ``table`` (a dict, or a function of the text) and
    L2-normalises; every call is recorded as ``(texts, lang, translations)``."""

    name = "lookup"

    def __init__(self, table) -> None:
        self.table, self.calls = table, []

    def vector(self, text: str) -> np.ndarray:
        return np.asarray(self.table(text) if callable(self.table) else self.table[text], dtype=float)

    def _keys(self, texts, translations):
        return list(texts)

    def encode(self, texts, *, lang=None, role="query", translations=None, **_):
        self.calls.append((list(texts), lang, None if translations is None else list(translations)))
        rows = np.stack([self.vector(t) for t in self._keys(texts, translations)])
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


class EnglishLookup(Lookup):
    """A translation-reading method: it encodes each text's translation, or the text itself where it has none."""

    name = "english-lookup"
    needs_translations = True

    def _keys(self, texts, translations):
        return [t or s for s, t in zip(texts, translations or [None] * len(texts), strict=True)]


class Chooser(EnglishLookup):
    """An ``EnglishLookup`` that chooses the *last* of ``config.candidates`` candidates (as LiRA's Actor would
    pick one) and records the pools it was offered."""

    def __init__(self, table, candidates: int = 2) -> None:
        super().__init__(table)
        self.config, self.pools = SimpleNamespace(candidates=candidates, classes=[]), []

    def choose(self, texts, pools, *, lang, ranked=True):
        self.pools.append([[c.text for c in pool] for pool in pools])
        return [pool[-1].text if pool else None for pool in pools]


# Four sources and their English: s4's nearest English sentence is A (wrong), the others' their own.
VECTORS = {"A": [1, 0], "B": [0, 1], "C": [-1, 0], "D": [0, -1],
           "s1": [1, 0.1], "s2": [0.1, 1], "s3": [-1, 0.1], "s4": [0.9, -0.5]}
EXAMPLES = [ParallelExample("vie", f"s{i}", en) for i, en in enumerate("ABCD", 1)]


def test_nearest_neighbour_accuracy_and_f1_by_hand():
    result = BitextEvaluator(EXAMPLES, "vie")(Lookup(VECTORS))
    # gold [0, 1, 2, 3], predicted [0, 1, 2, 0]: class 0 has precision 1/2 and recall 1 (F1 2/3), classes 1
    # and 2 F1 1, class 3 F1 0 -> macro F1 (2/3 + 1 + 1 + 0) / 4.
    assert result["items"] == [1.0, 1.0, 1.0, 0.0] and result["n"] == 4
    assert result["main_score"] == result["accuracy"] == 0.75
    assert result["f1"] == pytest.approx((2 / 3 + 2) / 4)


def test_margin_scoring_lowers_a_hub():
    # H is its own source's exact match; x is nearer H (cos 0.8) than its own T (cos 0.7), and nearer T than any
    # other source: by cosine x takes H, by the margin over k = 1 neighbour it takes T
    vectors = {"H": [1, 0, 0], "T": [0.5, 3 ** 0.5 / 2, 0], "h": [1, 0, 0],
               "x": [0.8, 0.3 / (3 ** 0.5 / 2), 0.24 ** 0.5]}
    examples = [ParallelExample("vie", "h", "H"), ParallelExample("vie", "x", "T")]
    assert BitextEvaluator(examples, "vie")(Lookup(vectors))["items"] == [1.0, 0.0]
    margin = BitextEvaluator(examples, "vie", scoring="margin", k=1)(Lookup(vectors))
    assert margin["items"] == [1.0, 1.0] and margin["f1"] == 1.0 and margin["scoring"] == "margin"


def test_unknown_scoring_names_the_valid_ones():
    with pytest.raises(ValueError, match="unknown bitext scoring 'csls'; valid: cosine, margin"):
        BitextEvaluator(EXAMPLES, "vie", scoring="csls")
    with pytest.raises(ValueError, match="k must be >= 1"):
        BitextEvaluator(EXAMPLES, "vie", scoring="margin", k=0)


def test_repeated_english_is_one_target():
    examples = [*EXAMPLES, ParallelExample("vie", "s5", "A")]
    method = Lookup({**VECTORS, "s5": [1, -0.2]})
    result = BitextEvaluator(examples, "vie")(method)
    assert result["items"] == [1.0, 1.0, 1.0, 0.0, 1.0]
    assert method.calls[1] == (["A", "B", "C", "D"], "eng", None)  # each English sentence encoded once


def test_translations_come_from_the_translator_and_english_reads_itself():
    method = EnglishLookup(VECTORS)
    translator = PrecomputedTranslator({"s4": ["D"]}, allow_missing=True)
    result = BitextEvaluator(EXAMPLES, "vie")(method, translator=translator)
    assert result["accuracy"] == 1.0 and result["f1"] == 1.0
    assert method.calls[0] == (["s1", "s2", "s3", "s4"], "vie", [None, None, None, "D"])
    assert method.calls[1] == (["A", "B", "C", "D"], "eng", ["A", "B", "C", "D"])


def test_a_chooser_picks_among_the_candidates():
    translator = PrecomputedTranslator({"s4": ["A", "D"]}, allow_missing=True)
    first = BitextEvaluator(EXAMPLES, "vie")(EnglishLookup(VECTORS), translator=translator)
    assert first["items"][3] == 0.0  # a peer reads the first candidate, "A"
    chooser = Chooser(VECTORS)
    chosen = BitextEvaluator(EXAMPLES, "vie")(chooser, translator=translator)
    assert chooser.pools == [[[], [], [], ["A", "D"]]]  # config.candidates = 2 candidates asked per text
    assert chosen["items"][3] == 1.0 and chosen["accuracy"] == 1.0
