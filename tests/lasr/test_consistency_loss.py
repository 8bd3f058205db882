"""Consistency between paths: zero for identical inputs, symmetric KL and cosine by hand."""

from __future__ import annotations

import math

import pytest
import torch

from lira.lasr.consistency_loss import ConsistencyLoss, symmetric_kl


def test_identical_inputs_give_zero() -> None:
    x = torch.randn(4, 5)
    for kind in ("logits", "cosine", "mse"):
        assert ConsistencyLoss(kind)([x, x.clone(), x.clone()]).item() == pytest.approx(0.0, abs=1e-6)


def test_symmetric_kl_by_hand_two_classes() -> None:
    p, q = [0.25, 0.75], [0.5, 0.5]
    kl_pq = 0.25 * math.log(0.25 / 0.5) + 0.75 * math.log(0.75 / 0.5)
    kl_qp = 0.5 * math.log(0.5 / 0.25) + 0.5 * math.log(0.5 / 0.75)
    lp, lq = torch.tensor([p]).log(), torch.tensor([q]).log()
    assert symmetric_kl(lp, lq).item() == pytest.approx(kl_pq + kl_qp, abs=1e-6)  # not halved
    assert ConsistencyLoss("logits")([lp, lq]).item() == pytest.approx(kl_pq + kl_qp, abs=1e-6)
    # three paths: mean over the 3 pairs; the third equals q, so pairs (p,q), (p,q), (q,q)
    three = ConsistencyLoss("logits")([lp, lq, lq + 3.0])  # softmax ignores the shift
    assert three.item() == pytest.approx(2 * (kl_pq + kl_qp) / 3, abs=1e-6)


def test_cosine_by_hand_and_gradient() -> None:
    a = torch.tensor([[1.0, 0.0], [1.0, 0.0]], requires_grad=True)
    b = torch.tensor([[0.0, 1.0], [1.0, 1.0]])
    loss = ConsistencyLoss("cosine")([a, b])
    assert loss.item() == pytest.approx((1.0 + (1.0 - 1.0 / math.sqrt(2.0))) / 2, abs=1e-6)
    loss.backward()
    assert a.grad is not None and torch.isfinite(a.grad).all()
    assert ConsistencyLoss.mse([a, b]).item() == pytest.approx((1 + 1 + 0 + 1) / 4, abs=1e-6)


def test_bad_inputs() -> None:
    x = torch.randn(2, 3)
    with pytest.raises(ValueError):
        ConsistencyLoss()([x])
    with pytest.raises(ValueError):
        ConsistencyLoss()([x, torch.randn(2, 4)])
    with pytest.raises(ValueError):
        ConsistencyLoss("kl")  # type: ignore[arg-type]
