"""ChoiceEvaluator: a probe on a separable toy set, a head trained for choice, questions, bad input."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from lira.data.formats import ChoiceExample
from lira.evaluation.choice import ChoiceEvaluator
from lira.translators.precomputed import PrecomputedTranslator
from tests.evaluation.test_bitext import Lookup

AXIS = {"premise": 0, "right": 1, "wrong": 2}


def vector(text: str) -> np.ndarray:
    v = np.full(3, 0.01)
    v[AXIS[text.split()[0]]] = 1.0
    return v


def items(n: int, lang: str = "tha") -> list[ChoiceExample]:
    """``n`` items whose right option ("right i") sits at index ``i % 2``."""
    out = []
    for i in range(n):
        choices = [f"wrong {i}", f"wrong {i}b"]
        choices[i % 2] = f"right {i}"
        out.append(ChoiceExample(lang, f"premise {i}", tuple(choices), i % 2, question="cause"))
    return out


def test_probe_on_a_separable_set_is_perfect():
    method = Lookup(vector)
    result = ChoiceEvaluator(items(6, "eng"), items(4), "tha")(method)
    assert result["main_score"] == result["accuracy"] == 1.0 and result["items"] == [1.0] * 4
    assert (result["n"], result["n_train"]) == (4, 6)
    assert "premise 0 (cause)" in method.calls[0][0]  # the premise is read with its question


class ChoiceHead:
    """A stub trained for choice: fixed option scores, recording the texts and translations it was given."""

    task, needs_translations, name = "choice", True, "choice-head"
    config = SimpleNamespace(classes=[], candidates=1)

    def __init__(self, scores) -> None:
        self.scores, self.seen = np.asarray(scores), {}

    def option_scores(self, premises, options, *, lang, translations=None, option_translations=None):
        self.seen = {"premises": premises, "options": options, "lang": lang, "tr": translations,
                     "option_tr": option_translations}
        return self.scores


def test_a_head_trained_for_choice_scores_the_options():
    test = items(3)  # gold 0, 1, 0
    head = ChoiceHead([[0.9, 0.1], [0.2, 0.3], [0.1, 0.5]])  # picks 0, 1, 1
    translator = PrecomputedTranslator({"premise 1 (cause)": ["the premise (cause)"], "wrong 2b": ["W"]},
                                       allow_missing=True)
    result = ChoiceEvaluator([], test, "tha")(head, translator=translator)
    assert result["items"] == [1.0, 1.0, 0.0] and result["accuracy"] == pytest.approx(2 / 3)
    assert head.seen["premises"] == ["premise 0 (cause)", "premise 1 (cause)", "premise 2 (cause)"]
    assert head.seen["options"] == [["right 0", "wrong 0b"], ["wrong 1", "right 1"], ["right 2", "wrong 2b"]]
    assert head.seen["tr"] == [None, "the premise (cause)", None]
    assert head.seen["option_tr"] == [[None, None], [None, None], [None, "W"]]


def test_bad_input():
    with pytest.raises(ValueError, match="lookup needs training items for its probe"):
        ChoiceEvaluator([], items(2), "tha")(Lookup(vector))
    three = ChoiceExample("tha", "premise x", ("right x", "wrong x", "wrong y"), 0)
    with pytest.raises(ValueError, match=r"one number of options per set, got \[2, 3\]"):
        ChoiceEvaluator(items(2), [*items(2), three], "tha")(Lookup(vector))
