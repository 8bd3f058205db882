"""In-batch contrastive (InfoNCE) loss between the two paths, guarding the anchor loss against collapse.

``1 - cos`` alone is minimised by an adaptor that maps everything to one point; the paper does not
say how it avoids that, so we add the standard symmetric InfoNCE (van den Oord et al. 2018; as in
CLIP, Radford et al. 2021) over the batch, weighted by ``ArcaConfig.contrastive_weight`` (0 disables it).
Inputs: ``e_lr [n, ..., d]``, ``e_en [n, ..., d]`` where row i of each is a positive pair.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class ContrastiveLoss(nn.Module):
    """Symmetric InfoNCE with ``temperature``; returns a scalar."""

    def __init__(self, temperature: float = 0.05) -> None:
        super().__init__()
        self.temperature = temperature

    def forward(self, e_lr: torch.Tensor, e_en: torch.Tensor) -> torch.Tensor:
        a = F.normalize(e_lr.flatten(1), dim=-1)
        b = F.normalize(e_en.flatten(1), dim=-1)
        logits = a @ b.T / self.temperature
        target = torch.arange(len(a), device=a.device)
        return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))
