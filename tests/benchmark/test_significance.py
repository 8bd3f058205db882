"""Paired bootstrap and sign test of LiRA against a baseline."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest, spearmanr

from lira.benchmark.significance import best_possible_p, grouped_sign_test, paired_bootstrap, sign_test


def test_identical_inputs_give_no_difference():
    a = [1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0]
    result = paired_bootstrap(a, a, n_resamples=200)
    assert result == {"delta": 0.0, "low": 0.0, "high": 0.0, "p": 1.0, "n": 10}


def test_a_clear_difference_excludes_zero():
    rng = np.random.default_rng(0)
    a = (rng.random(200) < 0.9).astype(float)  # per-item accuracy of a strong method
    b = (rng.random(200) < 0.4).astype(float)
    result = paired_bootstrap(a, b, n_resamples=500)
    assert result["delta"] == pytest.approx(a.mean() - b.mean())
    assert 0 < result["low"] <= result["delta"] <= result["high"]
    assert result["p"] < 0.01 and result["n"] == 200
    flipped = paired_bootstrap(b, a, n_resamples=500)  # the other way round: a negative interval
    assert flipped["delta"] == pytest.approx(-result["delta"]) and flipped["high"] < 0 and flipped["p"] < 0.01
    assert paired_bootstrap(a, b, n_resamples=500) == result  # seeded: the same numbers again
    assert paired_bootstrap(a, b, n_resamples=500, seed=1)["low"] != result["low"]


def test_a_small_noisy_difference_is_not_significant():
    a = [1.0, 0.0] * 10
    b = [0.0, 1.0] * 10  # the same mean, every item differs
    result = paired_bootstrap(a, b, n_resamples=500)
    assert result["delta"] == 0.0 and result["low"] < 0 < result["high"] and result["p"] > 0.5


def test_spearman_variant_delta_is_the_difference_of_correlations():
    rng = np.random.default_rng(1)
    gold = rng.random(40)
    good = gold + rng.normal(0, 0.1, 40)
    bad = rng.random(40)
    result = paired_bootstrap(good, bad, gold=gold, n_resamples=200)
    expected = spearmanr(good, gold)[0] - spearmanr(bad, gold)[0]
    assert result["delta"] == pytest.approx(expected)
    assert result["low"] > 0 and result["p"] < 0.01 and result["n"] == 40
    # the mean of the scores would be a different statistic
    assert result["delta"] != pytest.approx(float(np.mean(good) - np.mean(bad)))
    assert paired_bootstrap(good, good, gold=gold, n_resamples=50)["p"] == 1.0


@pytest.mark.parametrize(("a", "b"), [([1.0, 0.0, 1.0], [1.0, 0.0]), ([[1.0, 0.0]], [[1.0, 0.0]]), ([1.0], [0.0])])
def test_shape_errors_raise(a, b):
    with pytest.raises(ValueError, match="need two equally long 1-d item lists"):
        paired_bootstrap(a, b)


def test_a_perfect_model_cannot_be_significant_against_a_baseline_that_misses_few_items():
    few = [1.0] * 198 + [0.0] * 2  # misses 2 of 200: a resample has none of them with probability ~e^-2
    many = [1.0] * 180 + [0.0] * 20
    assert best_possible_p(few) == paired_bootstrap([1.0] * 200, few)["p"] >= 0.05
    assert best_possible_p(many) < 0.01
    assert best_possible_p([1.0] * 50) == 1.0  # nothing left to gain


def test_a_perfect_spearman_model_predicts_the_gold_scores():
    rng = np.random.default_rng(0)
    gold = rng.random(60)
    noisy = gold + rng.normal(0, 0.5, 60)
    assert best_possible_p(noisy, gold=gold) == paired_bootstrap(gold, noisy, gold=gold)["p"] < 0.01


def test_sign_test_counts_and_binomial_p():
    deltas = [0.1, -0.2, 0.0, 0.3, 0.05, 0.02, -0.01, 0.4]
    result = sign_test(deltas)
    assert (result["wins"], result["losses"], result["ties"]) == (5, 2, 1)
    assert result["p"] == pytest.approx(binomtest(5, 7).pvalue)
    assert sign_test([1.0] * 6)["p"] == pytest.approx(2 * 0.5 ** 6)  # hand-computed: 0.03125
    assert sign_test([0.0, 0.0]) == {"wins": 0, "losses": 0, "ties": 2, "p": 1.0}
    assert sign_test([]) == {"wins": 0, "losses": 0, "ties": 0, "p": 1.0}


def test_grouped_sign_test_counts_each_group_once_by_its_mean_difference():
    # means: a +0.15 (a win), b -0.25 (a loss, although one of its subsets ties), c +0.3 (a win)
    result = grouped_sign_test([0.1, 0.2, -0.5, 0.0, 0.3], ["a", "a", "b", "b", "c"])
    assert result == {"groups": 3, "wins": 2, "losses": 1, "ties": 0, "p": pytest.approx(binomtest(2, 3).pvalue)}
    assert grouped_sign_test([0.2, -0.2], ["a", "a"]) == {"groups": 1, "wins": 0, "losses": 0, "ties": 1, "p": 1.0}
    with pytest.raises(ValueError, match="2 differences but 1 group labels"):
        grouped_sign_test([0.1, 0.2], ["a"])
