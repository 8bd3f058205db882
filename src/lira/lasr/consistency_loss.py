"""Consistency regularisation between the dual, LRL-only and English-only paths (DESIGN.md section 3).

The three paths should agree: symmetric KL between their class distributions, ``1 - cos`` (or MSE) between
their embeddings. The term is returned unweighted; the trainer multiplies it by its weight ``mu``.

Inputs: a list/tuple of 2 or 3 tensors of the same shape, e.g. ``(dual, lrl_only, en_only)``: class logits
``[..., C]`` for ``kind="logits"`` (the softmax is taken over the last axis), embeddings ``[..., d]`` for
``kind="cosine"`` / ``kind="mse"``. Output: a scalar. Example::

    logits = [torch.randn(4, 3, requires_grad=True) for _ in range(3)]
    ConsistencyLoss("logits")(logits).backward()
    ConsistencyLoss("cosine")([torch.randn(4, 8), torch.randn(4, 8)])

Formula, averaged over rows (every leading index) and over the unordered pairs (a, b) of paths
(1 pair for 2 paths, 3 pairs for 3)::

    logits:  SKL(p, q) = KL(p || q) + KL(q || p) = sum_c (p_c - q_c) (log p_c - log q_c)   (not halved)
    cosine:  1 - cos(a, b)
    mse:     mean_d (a_d - b_d)^2

SKL is the full Jeffreys divergence (the sum of both directions, not their average), as in R-Drop's
``alpha / 2 * (KL(p||q) + KL(q||p))`` before its 1/2 (fold any 1/2 into ``mu``). Every path gets a gradient
(no stop-gradient). Identical inputs give 0.

Reference: Jeffreys (1946) divergence; R-Drop (Liang et al. 2021, "R-Drop: Regularized dropout for neural
networks"); cross-lingual consistency regularisation, e.g. Zheng et al. 2021, "Consistency regularization for
cross-lingual fine-tuning".
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

Kind = Literal["logits", "cosine", "mse"]


def _check(outputs: Sequence[torch.Tensor]) -> None:
    if not 2 <= len(outputs) <= 3:
        raise ValueError(f"need 2 or 3 path outputs, got {len(outputs)}")
    shape = outputs[0].shape
    if any(o.shape != shape for o in outputs):
        raise ValueError(f"path outputs differ in shape: {[tuple(o.shape) for o in outputs]}")


def symmetric_kl(logits_p: torch.Tensor, logits_q: torch.Tensor) -> torch.Tensor:
    """Per-row ``KL(p||q) + KL(q||p)`` of ``softmax`` over the last axis: shape ``logits.shape[:-1]``."""
    log_p = F.log_softmax(logits_p, dim=-1)
    log_q = F.log_softmax(logits_q, dim=-1)
    return ((log_p.exp() - log_q.exp()) * (log_p - log_q)).sum(-1)


class ConsistencyLoss(nn.Module):
    """Unweighted mean pairwise disagreement among 2 or 3 path outputs; ``kind`` in logits / cosine / mse."""

    def __init__(self, kind: Kind = "logits") -> None:
        super().__init__()
        if kind not in ("logits", "cosine", "mse"):
            raise ValueError(f"kind must be 'logits', 'cosine' or 'mse', got {kind!r}")
        self.kind = kind

    @staticmethod
    def logits(outputs: Sequence[torch.Tensor]) -> torch.Tensor:
        """Mean symmetric KL (not halved) over rows and pairs of paths."""
        _check(outputs)
        return torch.stack([symmetric_kl(a, b).mean() for a, b in combinations(outputs, 2)]).mean()

    @staticmethod
    def cosine(outputs: Sequence[torch.Tensor]) -> torch.Tensor:
        """Mean ``1 - cos`` (over the last axis) over rows and pairs of paths."""
        _check(outputs)
        return torch.stack([(1.0 - F.cosine_similarity(a, b, dim=-1)).mean()
                            for a, b in combinations(outputs, 2)]).mean()

    @staticmethod
    def mse(outputs: Sequence[torch.Tensor]) -> torch.Tensor:
        """Mean squared difference over elements and pairs of paths."""
        _check(outputs)
        return torch.stack([F.mse_loss(a, b) for a, b in combinations(outputs, 2)]).mean()

    def forward(self, outputs: Sequence[torch.Tensor]) -> torch.Tensor:
        return getattr(ConsistencyLoss, self.kind)(outputs)
