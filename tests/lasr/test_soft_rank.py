"""Soft ranks, Pearson and soft Spearman: hand values, scipy agreement as temperature -> 0, gradients."""

from __future__ import annotations

import math

import pytest
import torch
from scipy.stats import pearsonr, rankdata, spearmanr

from lira.lasr.soft_rank import average_rank, pearson, soft_rank, soft_spearman


def test_pearson_by_hand() -> None:
    a = torch.tensor([1.0, 2.0, 3.0])
    b = torch.tensor([2.0, 4.0, 7.0])
    # centred a = [-1, 0, 1], centred b = [-7/3, -1/3, 8/3]: r = 5 / sqrt(2 * 114 / 9) = 15 / sqrt(228)
    expected = 15.0 / math.sqrt(228.0)
    assert pearson(a, b).item() == pytest.approx(expected, abs=1e-6)
    assert pearson(a, b).item() == pytest.approx(pearsonr(a.numpy(), b.numpy())[0], abs=1e-6)
    assert pearson(a, -b).item() == pytest.approx(-expected, abs=1e-6)


def test_pearson_constant_is_zero_and_finite_gradient() -> None:
    a = torch.ones(4, requires_grad=True)
    r = pearson(a, torch.tensor([1.0, 2.0, 3.0, 4.0]))
    r.backward()
    assert r.item() == 0.0
    assert torch.isfinite(a.grad).all()


def test_soft_rank_small_temperature() -> None:
    r = soft_rank(torch.tensor([3.0, 1.0, 2.0]), 1e-3)
    assert torch.allclose(r, torch.tensor([3.0, 1.0, 2.0]), atol=1e-5)


def test_soft_rank_ties_average_and_sum() -> None:
    x = torch.tensor([1.0, 1.0, 2.0, 0.0])
    assert torch.allclose(soft_rank(x, 1e-3), torch.tensor([2.5, 2.5, 4.0, 1.0]), atol=1e-5)
    r = soft_rank(torch.randn(7), 0.5)
    assert r.sum().item() == pytest.approx(7 * 8 / 2, abs=1e-4)


def test_soft_rank_batched_and_mask() -> None:
    x = torch.tensor([[3.0, 1.0, 2.0], [1.0, 2.0, 3.0]])
    assert torch.allclose(soft_rank(x, 1e-3), torch.tensor([[3.0, 1.0, 2.0], [1.0, 2.0, 3.0]]), atol=1e-5)
    # dropping the entry 1.0 from the comparison set: 3 -> rank 2, 2 -> rank 1
    r = soft_rank(torch.tensor([3.0, 1.0, 2.0]), 1e-3, mask=torch.tensor([True, False, True]))
    assert r[0].item() == pytest.approx(2.0, abs=1e-5) and r[2].item() == pytest.approx(1.0, abs=1e-5)


def test_soft_rank_rejects_bad_temperature() -> None:
    with pytest.raises(ValueError):
        soft_rank(torch.zeros(3), 0.0)


def test_average_rank_matches_scipy() -> None:
    g = torch.tensor([3.0, 1.0, 3.0, 2.0, 1.0, 5.0, 3.0])
    assert torch.allclose(average_rank(g), torch.tensor(rankdata(g.numpy()), dtype=torch.float32))


def test_soft_spearman_approaches_scipy() -> None:
    gen = torch.Generator().manual_seed(0)
    pred = torch.linspace(-1.0, 1.0, 20)[torch.randperm(20, generator=gen)]  # gaps >= 0.1
    gold = torch.randint(0, 6, (20,), generator=gen).float()  # with ties
    expected = spearmanr(pred.numpy(), gold.numpy())[0]
    assert soft_spearman(pred, gold, 1e-3).item() == pytest.approx(expected, abs=1e-5)
    # and gets closer as the temperature falls
    gaps = [abs(soft_spearman(pred, gold, t).item() - expected) for t in (0.3, 0.1, 0.03)]
    assert gaps[0] > gaps[1] > gaps[2]


def test_soft_spearman_differentiable() -> None:
    torch.manual_seed(0)
    pred = torch.randn(16, requires_grad=True)
    gold = torch.rand(16) * 5
    rho = soft_spearman(pred, gold, 0.1)
    rho.backward()
    assert pred.grad is not None
    assert torch.isfinite(pred.grad).all() and pred.grad.abs().sum() > 0
