"""ClassificationEvaluator: a probe on a separable toy set, a head trained for classification, translations
chosen among candidates, labels outside the model's classes."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from lira.data.formats import ClassificationExample
from lira.evaluation.classification import ClassificationEvaluator
from lira.translators.precomputed import PrecomputedTranslator
from tests.evaluation.test_bitext import Chooser, EnglishLookup, Lookup

AXIS = {"goal": 0, "match": 0, "rice": 1, "soup": 1, "?": 2}


def vector(text: str) -> np.ndarray:
    v = np.full(3, 0.01)
    v[AXIS[text.split()[0]]] = 1.0
    return v


def data(lang: str) -> list[ClassificationExample]:
    return [ClassificationExample(lang, f"{word} {i}", label) for i in range(2)
            for word, label in (("goal", "sports"), ("rice", "food"), ("match", "sports"), ("soup", "food"))]


def test_probe_on_a_separable_set_is_perfect():
    result = ClassificationEvaluator(data("eng"), data("tha"), "tha")(Lookup(vector))
    assert result["main_score"] == result["accuracy"] == 1.0 and result["items"] == [1.0] * 8
    assert (result["n"], result["n_train"]) == (8, 8)


def test_translations_are_read_and_a_chooser_picks_among_candidates():
    # "? 0"/"? 1" are unreadable; their translations say what they are about.
    test = [ClassificationExample("tha", "? 0", "sports"), ClassificationExample("tha", "? 1", "food")]
    one = PrecomputedTranslator({"? 0": ["goal kick"], "? 1": ["rice bowl"]}, allow_missing=True)
    method = EnglishLookup(vector)
    assert ClassificationEvaluator(data("eng"), test, "tha")(method, translator=one)["accuracy"] == 1.0
    assert method.calls[-1] == (["? 0", "? 1"], "tha", ["goal kick", "rice bowl"])
    # two candidates each: a peer reads the first (wrong), a chooser the last (right)
    two = PrecomputedTranslator({"? 0": ["soup pot", "goal kick"], "? 1": ["match day", "rice bowl"]},
                                allow_missing=True)
    assert ClassificationEvaluator(data("eng"), test, "tha")(EnglishLookup(vector), translator=two)["accuracy"] == 0
    chooser = Chooser(vector, candidates=2)
    assert ClassificationEvaluator(data("eng"), test, "tha")(chooser, translator=two)["accuracy"] == 1.0
    assert [["soup pot", "goal kick"], ["match day", "rice bowl"]] in chooser.pools


class TopicHead:
    """A stub trained for classification: class probabilities by text, in ``config.classes`` order."""

    task, needs_translations, name = "classification", True, "topic-head"

    def __init__(self, probs: dict[str, list[float]]) -> None:
        self.config, self.probs, self.seen = SimpleNamespace(classes=["food", "sports"], candidates=1), probs, None

    def predict(self, texts, *, lang, translations=None):
        self.seen = (list(texts), lang, translations)
        return {"probs": np.array([self.probs[t] for t in texts])}


def test_a_head_trained_for_classification_predicts():
    test = [ClassificationExample("tha", "a", "food", id="t1"), ClassificationExample("tha", "b", "sports"),
            ClassificationExample("tha", "c", "sports", id="t3")]
    head = TopicHead({"a": [0.9, 0.1], "b": [0.3, 0.7], "c": [0.6, 0.4]})  # food, sports, food
    result = ClassificationEvaluator([], test, "tha")(head, translator=PrecomputedTranslator({"c": ["C"]},
                                                                                          allow_missing=True))
    assert result["items"] == [1.0, 1.0, 0.0] and result["accuracy"] == pytest.approx(2 / 3)
    assert result["ids"] == ["t1", None, "t3"]  # each item's record, in order
    assert head.seen == (["a", "b", "c"], "tha", [None, None, "C"])
    music = [*test, ClassificationExample("tha", "a", "music")]
    with pytest.raises(ValueError, match=r"1 of 4 test example\(s\) \(tha\) have labels \['music'\] that are not "
                                         r"among the model's classes"):
        ClassificationEvaluator([], music, "tha")(head)
    with pytest.warns(UserWarning, match="they count as wrong"):
        allowed = ClassificationEvaluator([], music, "tha", allow_unknown_labels=True)(head)
    assert allowed["items"] == [1.0, 1.0, 0.0, 0.0] and allowed["n"] == 4


def test_a_test_label_absent_from_the_probe_training_set_is_an_error():
    with pytest.raises(ValueError, match=r"have labels \['z'\] that are not among the training labels"):
        ClassificationEvaluator(data("tha"), [*data("tha")[:2], ClassificationExample("tha", "q", "z")],
                                "tha")(Lookup(vector))


def test_a_probe_needs_training_examples():
    with pytest.raises(ValueError, match="lookup needs training examples for its probe"):
        ClassificationEvaluator([], data("tha"), "tha")(Lookup(vector))
