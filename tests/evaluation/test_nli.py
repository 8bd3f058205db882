"""NLIEvaluator: a probe on a linearly separable toy set, a head trained for NLI, translations, bad input."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from lira.data.formats import NLI_LABELS, NLIExample
from lira.evaluation.nli import NLIEvaluator
from lira.translators.precomputed import PrecomputedTranslator
from tests.evaluation.test_bitext import EnglishLookup, Lookup

# Every premise is e0; a hypothesis's first word names its label and so its direction (e1, e2 or e3).
AXIS = {"premise": 0, "entails": 1, "neutral": 2, "contradicts": 3, "english": 4}


def vector(text: str) -> np.ndarray:
    v = np.full(5, 0.01)
    v[AXIS[text.split()[0]]] = 1.0
    return v


WORD = {"entailment": "entails", "neutral": "neutral", "contradiction": "contradicts"}


def examples(n: int, lang: str = "tha") -> list[NLIExample]:
    return [NLIExample(lang, f"premise {i}", f"{WORD[label]} {i}", label) for i in range(n) for label in NLI_LABELS]


def test_probe_on_a_separable_set_is_perfect():
    train, test = examples(3, "eng"), examples(2)
    method = Lookup(vector)
    result = NLIEvaluator(train, test, "tha")(method)
    assert result["main_score"] == result["accuracy"] == 1.0 and result["items"] == [1.0] * 6
    assert (result["n"], result["n_train"]) == (6, 9)
    assert {lang for _, lang, _ in method.calls} == {"eng", "tha"}  # training pairs encoded in their own language


def test_probe_reads_the_translations():
    # Translated, every test hypothesis reads "english ...": a direction the probe never saw, so it cannot be
    # told apart from the others and accuracy drops to chance (one class out of three).
    test = examples(1)
    translator = PrecomputedTranslator({ex.hypothesis: [f"english {i}"] for i, ex in enumerate(test)},
                                       allow_missing=True)
    plain = NLIEvaluator(examples(3, "eng"), test, "tha")(EnglishLookup(vector))
    nothing = PrecomputedTranslator({}, allow_missing=True)
    translated = NLIEvaluator(examples(3, "eng"), test, "tha")(EnglishLookup(vector), translator=translator,
                                                                train_translator=nothing)
    assert plain["accuracy"] == 1.0
    assert translated["accuracy"] == pytest.approx(1 / 3)


class NLIHead:
    """A stub trained for NLI: class probabilities looked up by premise, in ``config.classes`` order."""

    task, needs_translations, name = "nli", True, "nli-head"

    def __init__(self, classes: list[str], probs: dict[str, list[float]]) -> None:
        self.config, self.probs, self.seen = SimpleNamespace(classes=classes, candidates=1), probs, {}

    def predict(self, texts, *, lang, texts2=None, translations=None, translations2=None):
        self.seen = {"lang": lang, "texts2": texts2, "tr": translations, "tr2": translations2}
        return {"probs": np.array([self.probs[t] for t in texts])}


def test_a_head_trained_for_nli_predicts_in_its_class_order():
    test = [NLIExample("tha", "p1", "h1", "entailment"), NLIExample("tha", "p2", "h2", "contradiction"),
            NLIExample("tha", "p3", "h3", "neutral")]
    # classes in logit order contradiction, entailment, neutral: p1 -> entailment (right), p2 -> contradiction
    # (right), p3 -> contradiction (wrong)
    head = NLIHead(["contradiction", "entailment", "neutral"],
                   {"p1": [0.1, 0.8, 0.1], "p2": [0.7, 0.2, 0.1], "p3": [0.5, 0.1, 0.4]})
    result = NLIEvaluator([], test, "tha")(head, translator=PrecomputedTranslator({"p2": ["P two"]},
                                                                                  allow_missing=True))
    assert result["items"] == [1.0, 1.0, 0.0] and result["accuracy"] == pytest.approx(2 / 3)
    assert head.seen == {"lang": "tha", "texts2": ["h1", "h2", "h3"], "tr": [None, "P two", None],
                         "tr2": [None, None, None]}
    # without recorded classes the head's logits follow NLI_LABELS (entailment, neutral, contradiction)
    default = NLIEvaluator([], test, "tha")(NLIHead([], {"p1": [1, 0, 0], "p2": [0, 0, 1], "p3": [0, 1, 0]}))
    assert default["accuracy"] == 1.0


def test_a_probe_needs_training_pairs_of_two_classes():
    with pytest.raises(ValueError, match="lookup needs training pairs for its probe"):
        NLIEvaluator([], examples(1), "tha")(Lookup(vector))
    one_class = [ex for ex in examples(3) if ex.label == "neutral"]
    with pytest.raises(ValueError, match="at least two classes"):
        NLIEvaluator(one_class, examples(1), "tha")(Lookup(vector))
