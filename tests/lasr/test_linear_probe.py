"""The probe LaSR's linear path starts from: ``linear_from_probe`` reproduces scikit-learn's probabilities."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lira.lasr.head import LaSRConfig, LaSRHead
from lira.lasr.linear_probe import fit_logistic, linear_from_probe, pair_features


def data(classes: int, n: int = 90, d: int = 6, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % classes
    x = (rng.normal(size=(n, d)) + y[:, None] * 0.8).astype(np.float32)
    return x, y


@pytest.mark.parametrize("classes", [2, 3])
def test_softmax_of_the_linear_map_is_predict_proba(classes):
    x, y = data(classes)
    probe = fit_logistic(x, y)
    weight, bias = linear_from_probe(probe, classes)
    probs = torch.softmax(torch.from_numpy(x).double() @ weight.T + bias, -1).numpy()
    np.testing.assert_allclose(probs, probe.predict_proba(x), atol=1e-5)


def test_one_output_is_the_binary_decision_value_and_missing_classes_are_never_predicted():
    x, y = data(2)
    probe = fit_logistic(x, y)
    weight, bias = linear_from_probe(probe, 1)
    np.testing.assert_allclose((torch.from_numpy(x).double() @ weight.T + bias).squeeze(-1).numpy(),
                               probe.decision_function(x), atol=1e-4)
    weight, bias = linear_from_probe(fit_logistic(x, y * 2), 3)  # classes 0 and 2 of 3
    assert bias[1] == -30.0 and torch.all(weight[1] == 0)
    with pytest.raises(ValueError, match="binary probe"):
        linear_from_probe(fit_logistic(*data(3)), 1)
    with pytest.raises(ValueError, match="at least two classes"):
        fit_logistic(x, np.zeros(len(x)))


def test_pair_features_agree_in_numpy_and_torch():
    u, v = np.random.default_rng(1).normal(size=(2, 4, 3)).astype(np.float32)
    np.testing.assert_allclose(pair_features(torch.from_numpy(u), torch.from_numpy(v)).numpy(), pair_features(u, v))


def test_head_predicts_the_probe_at_start():
    head = LaSRHead(LaSRConfig(dim=4, width=8, heads=2, ff=16, num_classes=3, probe="single")).eval()
    z = torch.randn(30, 2, 1, 4)
    features = head(z, "tha").features
    probe = fit_logistic(features.detach().numpy(), np.arange(30) % 3)
    head.set_probe(probe)
    probs = torch.softmax(head(z, "tha").logits, -1).detach().numpy()
    np.testing.assert_allclose(probs, probe.predict_proba(features.detach().numpy()), atol=1e-5)
    with pytest.raises(ValueError, match="no linear path"):
        LaSRHead(LaSRConfig(dim=4, width=8, heads=2, ff=16, num_classes=3)).set_probe(probe)
    with pytest.raises(ValueError, match="probe must be one of"):
        LaSRConfig(probe="deep")


def test_all_zero_columns_never_change_the_probe():
    """A padded half (or a dual-path half of weight 0) is left out of the fit: same predictions, weight 0."""
    x, y = data(3)
    padded = np.concatenate([x[:, :3], np.zeros((len(x), 4), np.float32), x[:, 3:]], axis=1)
    plain, wide = fit_logistic(x, y), fit_logistic(padded, y)
    assert wide.coef_.shape == (3, 10) and np.all(wide.coef_[:, 3:7] == 0)
    np.testing.assert_array_equal(wide.coef_[:, [0, 1, 2, 7, 8, 9]], plain.coef_)
    np.testing.assert_array_equal(wide.predict(padded), plain.predict(x))


def test_c_is_scikit_learn_s_and_smaller_shrinks_the_weights():
    x, y = data(3)
    strong, plain = fit_logistic(x, y, C=0.01), fit_logistic(x, y)
    assert strong.C == 0.01 and plain.C == 1.0
    assert np.abs(strong.coef_).sum() < np.abs(plain.coef_).sum()


def test_the_fit_runs_on_one_blas_thread_whatever_the_pools(monkeypatch):
    """``fit_logistic`` fits on one BLAS thread inside a process whose pools have more (so a probe is the same in a
    one-thread worker and in the main process), and leaves the process's pools as they were."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_info, threadpool_limits

    import lira.lasr.linear_probe as linear_probe

    seen: list[int] = []

    class Recording(LogisticRegression):
        def fit(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            seen.extend(pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas")
            return super().fit(*args, **kwargs)

    monkeypatch.setattr(linear_probe, "LogisticRegression", Recording)
    x, y = data(3)
    with threadpool_limits(limits=2, user_api="blas"):
        fit_logistic(x, y)
        after = {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}
    assert seen and set(seen) == {1}
    assert after == {2}
