"""ApproxNDCG@k against hand-computed nDCG, masks, and the margin hinge by hand."""

from __future__ import annotations

import math

import pytest
import torch

from lira.lasr.ndcg_loss import ListwiseNDCGLoss, approx_ndcg, hinge_loss

SCORES = torch.tensor([[0.9, 0.5, 0.1, 0.7]])
GAINS = torch.tensor([[0.0, 1.0, 2.0, 0.0]])
# ranking by score: d0 (0), d3 (0), d1 (gain 1, rank 3), d2 (gain 2, rank 4)
IDCG = 2.0 / math.log2(2) + 1.0 / math.log2(3)


def test_known_ranking_matches_hand_ndcg() -> None:
    dcg = 1.0 / math.log2(4) + 2.0 / math.log2(5)
    loss = ListwiseNDCGLoss(k=10, temperature=1e-3)(SCORES, GAINS)
    assert loss.item() == pytest.approx(1.0 - dcg / IDCG, abs=1e-5)
    # cut at k = 3: only d1 (rank 3) counts
    loss3 = ListwiseNDCGLoss(k=3, temperature=1e-3)(SCORES, GAINS)
    assert loss3.item() == pytest.approx(1.0 - (1.0 / math.log2(4)) / IDCG, abs=1e-5)


def test_perfect_ranking_is_zero() -> None:
    scores = torch.tensor([[0.1, 0.5, 0.9, 0.3], [0.8, 0.2, 0.0, 0.4]])
    gains = torch.tensor([[0.0, 1.0, 2.0, 0.0], [3.0, 0.0, 0.0, 1.0]])
    loss = ListwiseNDCGLoss(k=2, temperature=1e-3)(scores, gains)
    assert loss.item() == pytest.approx(0.0, abs=1e-5)


def test_mask_excludes_entries() -> None:
    mask = torch.tensor([[False, True, True, True]])  # drop d0: d3 rank 1, d1 rank 2, d2 rank 3
    dcg = 1.0 / math.log2(3) + 2.0 / math.log2(4)
    loss = ListwiseNDCGLoss(k=10, temperature=1e-3)(SCORES, GAINS, mask)
    assert loss.item() == pytest.approx(1.0 - dcg / IDCG, abs=1e-5)
    # a masked-out positive no longer counts in the ideal DCG either
    mask2 = torch.tensor([[True, True, False, True]])
    ndcg, has_pos = approx_ndcg(SCORES, GAINS, mask2, k=10, temperature=1e-3)
    assert has_pos.tolist() == [True]
    assert ndcg.item() == pytest.approx(1.0 / math.log2(4), abs=1e-5)


def test_queries_without_positives_are_skipped_and_gradient() -> None:
    scores = torch.cat([SCORES, torch.tensor([[0.3, 0.2, 0.1, 0.0]])]).requires_grad_()
    gains = torch.cat([GAINS, torch.zeros(1, 4)])
    loss = ListwiseNDCGLoss(k=10, temperature=0.1)(scores, gains)
    only = ListwiseNDCGLoss(k=10, temperature=0.1)(SCORES, GAINS)
    assert loss.item() == pytest.approx(only.item(), abs=1e-6)
    loss.backward()
    assert torch.isfinite(scores.grad).all() and scores.grad[0].abs().sum() > 0
    none = ListwiseNDCGLoss()(scores, torch.zeros(2, 4))
    assert none.item() == 0.0 and none.requires_grad


def test_hinge_by_hand() -> None:
    scores = torch.tensor([[0.9, 0.5, 0.1, 0.7], [0.2, 0.4, 0.3, 0.0], [0.5, 0.5, 0.5, 0.5]])
    gains = torch.tensor([[0.0, 1.0, 2.0, 0.0], [0.0, 0.0, 1.0, 0.0], [1.0, 1.0, 1.0, 1.0]])  # q2: no negative
    # best positive: q0 uses 0.5 -> (0.5 + 0.3) / 2 = 0.4; q1 uses 0.3 -> (0 + 0.2 + 0) / 3
    best = hinge_loss(scores, gains, margin=0.1)
    assert best.item() == pytest.approx((0.4 + 0.2 / 3) / 2, abs=1e-6)
    # all pairs: q0 -> (0.5 + 0.3 + 0.9 + 0.7) / 4 = 0.6; q1 has one positive, same as best
    allp = hinge_loss(scores, gains, margin=0.1, mode="all")
    assert allp.item() == pytest.approx((0.6 + 0.2 / 3) / 2, abs=1e-6)
    # a mask dropping q0's negative d0 leaves only d3: best -> 0.3
    mask = torch.ones(3, 4, dtype=torch.bool)
    mask[0, 0] = False
    assert hinge_loss(scores[:1], gains[:1], mask[:1]).item() == pytest.approx(0.3, abs=1e-6)
