"""Anchor loss ``L_anchor = 1 - cos(E_lr, E_en)`` (DESIGN.md section 2, step 3).

Inputs: ``e_lr [n, ..., d]`` and ``e_en`` of the same shape (S bins are flattened into one vector per
row). Output: the mean over rows. Example::

    loss = AnchorLoss()(torch.randn(4, 1, 8), torch.randn(4, 1, 8))
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def flat_cosine(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Cosine between ``a`` and ``b`` with everything after the first axis flattened: ``[n]``."""
    return F.cosine_similarity(a.flatten(1), b.flatten(1), dim=-1)


class AnchorLoss(nn.Module):
    """Mean of ``1 - cos`` over rows; ``weight`` per row is optional (e.g. 0 where there is no translation)."""

    def forward(self, e_lr: torch.Tensor, e_en: torch.Tensor, weight: torch.Tensor | None = None) -> torch.Tensor:
        gap = 1.0 - flat_cosine(e_lr, e_en)
        if weight is None:
            return gap.mean()
        return (gap * weight).sum() / weight.sum().clamp(min=1e-8)
