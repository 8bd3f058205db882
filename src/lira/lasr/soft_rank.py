"""Differentiable ranks and the Spearman correlation built on them (DESIGN.md section 3, CorrQueue).

Inputs: ``x [..., n]`` (ranks are taken along the last axis) and a ``temperature > 0`` on the scale of ``x``.
Outputs: ``soft_rank`` gives ``[..., n]`` soft ranks; ``pearson`` and ``soft_spearman`` give a scalar in
``[-1, 1]``. Example::

    soft_rank(torch.tensor([3.0, 1.0, 2.0]), 0.01)          # ~ tensor([3., 1., 2.])
    soft_spearman(torch.randn(8, requires_grad=True), torch.rand(8), 0.1).backward()

Formula (ascending, 1-based ranks, the smallest value gets rank 1)::

    soft_rank(x)_i = 1 + sum_{j != i} sigmoid((x_i - x_j) / temperature)

Every pair with ``x_i - x_j >> temperature`` adds ~1 and every pair with ``x_i - x_j << -temperature`` adds ~0,
so as ``temperature -> 0`` the soft rank approaches the true rank; a tie adds exactly ``sigmoid(0) = 1/2``
at any temperature, which is the average rank of scipy (``scipy.stats.rankdata(method="average")``).
The soft ranks always sum to ``n (n + 1) / 2`` (``sigmoid(a) + sigmoid(-a) = 1``). Cost: ``O(n^2)`` memory.

``soft_spearman(pred, gold) = pearson(soft_rank(pred), average_rank(gold))``: gradient flows through the
soft ranks of ``pred`` only; the gold ranks are hard (they need no gradient).

Reference: pairwise-sigmoid soft ranks as in Qin, Liu & Li (2010), "A general approximation framework for
direct optimization of information retrieval measures" (Information Retrieval 13(4)); for other soft-rank
operators see Blondel et al. (2020), "Fast differentiable sorting and ranking" (ICML).
"""

from __future__ import annotations

import torch


def _check_temperature(temperature: float) -> None:
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")


def soft_rank(x: torch.Tensor, temperature: float, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Ascending 1-based soft ranks of ``x`` along the last axis: ``1 + sum_{j != i} sigmoid((x_i - x_j) / t)``.

    ``mask`` (bool, broadcastable to ``x``), when given, drops the entries where it is False from the
    comparison set: they do not push anybody's rank up (their own rank is still computed, over the kept entries).
    For descending ranks (rank 1 = highest score) pass ``-x``.
    """
    _check_temperature(temperature)
    pair = torch.sigmoid((x.unsqueeze(-1) - x.unsqueeze(-2)) / temperature)  # [..., n, n]: sigmoid((x_i - x_j)/t)
    eye = torch.eye(x.shape[-1], dtype=torch.bool, device=x.device)
    pair = pair.masked_fill(eye, 0.0)
    if mask is not None:
        keep = torch.broadcast_to(mask, x.shape).unsqueeze(-2)  # [..., 1, n]: column j kept
        pair = pair * keep.to(pair.dtype)
    return 1.0 + pair.sum(-1)


def average_rank(x: torch.Tensor) -> torch.Tensor:
    """Hard ascending 1-based ranks along the last axis, ties get their average rank (scipy's ``rankdata``).

    ``rank_i = 1 + #{j: x_j < x_i} + (#{j: x_j == x_i} - 1) / 2``; no gradient.
    """
    x = x.detach()
    less = (x.unsqueeze(-2) < x.unsqueeze(-1)).sum(-1)  # [..., i]: #{j: x_j < x_i}
    equal = (x.unsqueeze(-2) == x.unsqueeze(-1)).sum(-1)
    dtype = x.dtype if x.is_floating_point() else torch.get_default_dtype()
    return 1.0 + less.to(dtype) + 0.5 * (equal.to(dtype) - 1.0)


def pearson(a: torch.Tensor, b: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Pearson correlation of two 1-D tensors of the same length; 0 where either is constant (no NaN).

    ``r = sum (a - mean a)(b - mean b) / max(sqrt(sum (a - mean a)^2 * sum (b - mean b)^2), eps)``.
    """
    if a.shape != b.shape or a.dim() != 1:
        raise ValueError(f"pearson wants two 1-D tensors of the same length, got {tuple(a.shape)}, {tuple(b.shape)}")
    b = b.to(a.dtype)
    ac = a - a.mean()
    bc = b - b.mean()
    denom = ((ac * ac).sum() * (bc * bc).sum()).clamp_min(eps * eps).sqrt()
    return (ac * bc).sum() / denom


def soft_spearman(pred: torch.Tensor, gold: torch.Tensor, temperature: float) -> torch.Tensor:
    """Pearson of the soft ranks of ``pred`` with the average (hard) ranks of ``gold``; both 1-D, same length."""
    if pred.shape != gold.shape or pred.dim() != 1:
        raise ValueError(f"soft_spearman wants 1-D tensors of the same length, got {tuple(pred.shape)}, "
                         f"{tuple(gold.shape)}")
    return pearson(soft_rank(pred, temperature), average_rank(gold).to(pred.dtype))
