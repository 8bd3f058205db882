import numpy as np
import pytest

from lira.retrieval.search import exact_search, search_run


def test_exact_search_matches_numpy():
    rng = np.random.default_rng(0)
    q, d = rng.normal(size=(5, 8)).astype(np.float32), rng.normal(size=(50, 8)).astype(np.float32)
    scores, idx = exact_search(q, d, k=3)
    expected = np.argsort(-(q @ d.T), axis=1)[:, :3]
    np.testing.assert_array_equal(idx, expected)
    np.testing.assert_allclose(scores, np.take_along_axis(q @ d.T, expected, 1), rtol=1e-5)


def test_run_caps_k_and_names_ids():
    run = search_run(["q"], np.array([[1.0, 0.0]]), ["a", "b"], np.array([[0.0, 1.0], [1.0, 0.0]]), k=10)
    assert run == {"q": {"b": 1.0, "a": 0.0}}


def test_dimension_mismatch():
    with pytest.raises(ValueError, match="shape mismatch"):
        exact_search(np.zeros((1, 3)), np.zeros((2, 4)), k=1)
