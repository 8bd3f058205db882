"""lira.metrics: the metrics the trainers and the evaluators share, in the dtype they are given."""

import numpy as np
import pytest
import torch
from scipy.stats import pearsonr, spearmanr

from lira.metrics import (
    accuracy,
    accuracy_metrics,
    correlation_metrics,
    margin_scores,
    mean_se,
    nearest_correct,
    paired_se,
    spearman_se,
    top1_correct,
)


def test_top1_takes_the_first_of_tied_maxima_for_numpy_and_torch():
    scores = [[0.2, 0.8, 0.8], [0.5, 0.5, 0.1], [0.1, 0.2, 0.3]]
    gold = [1, 1, 2]
    assert top1_correct(np.array(scores), np.array(gold)).tolist() == [True, False, True]
    assert top1_correct(torch.tensor(scores), torch.tensor(gold)).tolist() == [True, False, True]


def test_nearest_key_by_dot_product():
    queries = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])
    keys = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert nearest_correct(queries, keys, np.array([0, 1, 0])).tolist() == [True, True, False]


def test_margin_subtracts_the_mean_of_each_sides_nearest_neighbours():
    sim = np.array([[1.0, 0.5], [0.8, 0.7]])
    # k = 1: rows' best 1.0 and 0.8, columns' best 1.0 and 0.7
    assert margin_scores(sim, 1) == pytest.approx(np.array([[0.0, -0.35], [-0.1, -0.05]]))
    # k = 2 (and any larger k, cut to the sides): rows' means 0.75 and 0.75, columns' 0.9 and 0.6
    both = np.array([[0.175, -0.175], [-0.025, 0.025]])
    assert margin_scores(sim, 2) == pytest.approx(both) and margin_scores(sim, 5) == pytest.approx(both)
    # the second source's cosine picks the first target, a hub that is the first source's match; its margin does not
    assert top1_correct(sim, np.array([0, 1])).tolist() == [True, False]
    assert top1_correct(margin_scores(sim, 1), np.array([0, 1])).tolist() == [True, True]
    with pytest.raises(ValueError, match="k must be >= 1"):
        margin_scores(sim, 0)


def test_accuracy_keeps_the_dtype_it_is_given():
    third = [1.0, 0.0, 0.0]
    assert accuracy(np.array(third)) == 1 / 3
    assert accuracy(torch.tensor(third)) == float(np.float32(1 / 3)) != 1 / 3
    assert accuracy(np.array([])) == 0.0
    expected = {"accuracy": 0.75, "accuracy_se": (0.75 * 0.25 / 4) ** 0.5}
    assert accuracy_metrics(np.array([1.0, 0.0, 1.0, 1.0])) == expected


def test_correlations_are_scipys_with_the_spearman_standard_error():
    pred, gold = np.array([0.1, 0.4, 0.3, 0.9, 0.5]), np.array([1.0, 2.0, 3.0, 5.0, 4.0])
    rho = spearmanr(pred, gold)[0]
    assert correlation_metrics(pred, gold) == {"pearson": pearsonr(pred, gold)[0], "spearman": rho,
                                               "spearman_se": spearman_se(rho, 5)}
    assert spearman_se(0.5, 3) == 0.0 and spearman_se(0.5, 7) == pytest.approx(0.75 * (1.125 / 4) ** 0.5)


def test_mean_se_adds_the_groups_variances():
    a = np.array([1.0, 0.0, 1.0, 1.0])
    se = (a.var(ddof=1) / 4) ** 0.5
    assert mean_se([a]) == pytest.approx(se)
    assert mean_se([a, a]) == pytest.approx((2 * se ** 2) ** 0.5 / 2)
    assert mean_se([np.array([1.0])]) == 0.0 and mean_se([]) == 0.0


def test_paired_se_of_lists_and_of_language_groups():
    a, b = [1.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 0.0]
    d = torch.tensor(a) - torch.tensor(b)
    expected = (d.var(unbiased=True).item() / len(d)) ** 0.5
    assert paired_se(a, b) == pytest.approx(expected)
    # a mean over languages of per-language means: the groups' variances add, divided by the number of groups
    assert paired_se({"tha": a, "vie": a}, {"tha": b, "vie": b}) == pytest.approx((2 * expected ** 2) ** 0.5 / 2)
    with pytest.raises(TypeError, match="must both be lists or both"):
        paired_se(a, {"tha": b})
