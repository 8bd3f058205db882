"""benchmarks/sentiment_probe_dev.py: medians, AUC and the critic's e on parallel and flipped pairs."""

import numpy as np
import pytest

from tests.benchmark import load_script


def test_summary_of_separated_margins():
    labels = np.array(["positive", "positive", "negative", "negative", "neutral"])
    margins = {"en": np.array([0.04, 0.02, -0.03, -0.05, 0.0]), "id": np.array([0.03, 0.01, -0.02, -0.04, 0.01])}
    result = load_script("sentiment_probe_dev").summary(margins, labels, [50.0])
    assert result["median"]["positive"] == pytest.approx({"en": 0.03, "id": 0.02})
    assert result["median"]["neutral"] == pytest.approx({"en": 0.0, "id": 0.01})
    assert result["auc"] == {"en": 1.0, "id": 1.0}
    parallel, flipped = result["e"][50.0]
    sig = lambda m: 1 / (1 + np.exp(-50 * m))  # noqa: E731
    assert parallel == pytest.approx(np.median(10 - 9 * np.abs(sig(margins["id"]) - sig(margins["en"]))))
    assert flipped < parallel - 2  # a positive sentence against a negative English (and back) falls well below
