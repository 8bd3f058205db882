"""benchmarks/xcopa_probe_cv.py: the grouped cross-validation of the option probe and its standardisation."""

import numpy as np

from lira.data.formats import ChoiceExample
from tests.benchmark import load_script


def _script():
    return load_script("xcopa_probe_cv")


def test_standardised_columns_and_a_constant_one():
    x = np.array([[1.0, 5.0], [3.0, 5.0], [5.0, 5.0]])
    out = _script().standardised(x)
    np.testing.assert_allclose(out[:, 0].mean(), 0.0, atol=1e-12)
    np.testing.assert_allclose(out[:, 0].std(), 1.0)
    assert np.all(out[:, 1] == 0.0)  # a constant column is not divided by zero


def test_cv_accuracy_follows_the_feature_that_marks_the_right_option():
    rng = np.random.default_rng(0)
    items = [ChoiceExample(lang=lang, premise="p", choices=("a", "b"), label=int(i % 2), id=str(i))
             for i in range(40) for lang in ("ind", "tam")]
    right = np.array([[1.0 if o == ex.label else -1.0] for ex in items for o in range(2)])
    noise = rng.normal(size=(len(right), 3))
    module = _script()
    assert module.cv_accuracy(np.concatenate([right, noise], axis=1), items, 5) == 100.0
    # noise alone is near chance (80 items)
    assert 25.0 <= module.cv_accuracy(noise, items, 5) <= 75.0
