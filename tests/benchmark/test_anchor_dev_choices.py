"""benchmarks/anchor_dev_choices.py: a family's English space is the default e5 unless the best space beats it
on dev by the Bonferroni-corrected standard error of the paired difference."""

import pytest

from lira.metrics import paired_se
from lira.training.selection import selection_margin
from tests.benchmark import load_script


def _choose():
    return load_script("anchor_dev_choices").choose


def test_a_gain_within_the_margin_keeps_e5():
    # 2 of 34 items apart (MiniLM right on 5 items e5 gets wrong, wrong on 3 it gets right): not beyond the margin
    e5 = [1.0] * 19 + [0.0] * 5 + [1.0] * 3 + [0.0] * 7
    minilm = [1.0] * 19 + [1.0] * 5 + [0.0] * 3 + [0.0] * 7
    result = _choose()({"e5": {"xcopa/ind": e5}, "minilm": {"xcopa/ind": minilm}, "both": {"xcopa/ind": minilm}})
    assert result["best"] == "minilm"  # a tie with both keeps the first
    assert result["gain"] == pytest.approx(2 / 34)
    assert result["margin"] == pytest.approx(selection_margin(paired_se(minilm, e5), 2))
    assert result["gain"] < result["margin"]
    assert result["chosen"] == "e5"


def test_a_gain_above_the_margin_moves_the_family():
    e5 = {"a": [1.0] * 50 + [0.0] * 50, "b": [1.0] * 60 + [0.0] * 40}
    both = {"a": [1.0] * 80 + [0.0] * 20, "b": [1.0] * 90 + [0.0] * 10}
    result = _choose()({"e5": e5, "minilm": e5, "both": both})
    # the mean over subsets of each subset's mean, and the SE of that mean's paired difference
    assert result["gain"] == pytest.approx(0.30)
    assert result["margin"] == pytest.approx(selection_margin(paired_se(both, e5), 2))
    assert result["chosen"] == "both"


def test_a_tie_with_the_best_keeps_e5():
    same = {"a": [1.0, 0.0, 1.0]}
    result = _choose()({"minilm": same, "e5": same, "both": same})
    assert result == {"chosen": "e5", "best": "e5", "gain": 0.0, "margin": 0.0}
