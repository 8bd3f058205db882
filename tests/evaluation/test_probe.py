"""Probes: pair features and the fitted-probe cache."""

from __future__ import annotations

import numpy as np
import pytest

from lira.evaluation.probe import fit_probe, pair_features


def test_pair_features_are_u_v_absdiff_product():
    u, v = np.array([[1.0, -2.0]]), np.array([[3.0, 1.0]])
    assert pair_features(u, v).tolist() == [[1.0, -2.0, 3.0, 1.0, 2.0, 3.0, 3.0, -2.0]]


def test_the_same_training_data_gives_the_cached_probe_and_other_data_a_new_one():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 5))
    y = (x[:, 0] > 0).astype(int)
    first = fit_probe(x, y)
    assert fit_probe(x.copy(), y.copy()) is first
    assert fit_probe(x, 1 - y) is not first
    assert (first.predict(x) == y).mean() > 0.9


def test_a_probe_needs_two_classes():
    with pytest.raises(ValueError, match="two classes"):
        fit_probe(np.zeros((3, 2)), np.array([1, 1, 1]))
