"""S-bin temporal pooling of token states (DESIGN.md section 2, step 3).

The valid tokens of each sequence are split into S contiguous spans of (nearly) equal length and each
span is averaged. Span b of a sequence with n valid tokens covers positions
``[floor(b n / S), max(floor((b + 1) n / S), floor(b n / S) + 1))``, so a sequence shorter than S
repeats tokens rather than leaving a bin empty. Backbones with pooled vectors only have L = 1, and
any S then repeats that one vector; use S = 1 for them.

It lives with the backbones (below the feature cache), so ``lira.cache`` can store pooled token states;
Arca reads it through ``lira.arca.features.encode_features``.

Reference: LiRA, arXiv 2510.14466 (Arca's ``pool_S``).
"""

from __future__ import annotations

import torch


def s_bin_pool(tokens: torch.Tensor, mask: torch.Tensor, bins: int) -> torch.Tensor:
    """``tokens [n, L, d]`` and boolean ``mask [n, L]`` -> float32 ``[n, bins, d]``.

    Assumes the valid tokens of each row come first (right padding), as ``encode_tokens`` returns them.
    """
    if bins < 1:
        raise ValueError(f"bins must be >= 1, got {bins}")
    lengths = mask.sum(1)
    if bool((lengths == 0).any()):
        raise ValueError("a sequence has no valid token")
    n, width = mask.shape
    positions = torch.arange(width, device=tokens.device)
    b = torch.arange(bins, device=tokens.device)
    start = (b[None, :] * lengths[:, None]) // bins  # [n, S]
    end = torch.maximum(((b[None, :] + 1) * lengths[:, None]) // bins, start + 1)
    weights = ((positions[None, None, :] >= start[..., None]) & (positions[None, None, :] < end[..., None])).float()
    weights = weights / weights.sum(-1, keepdim=True)
    return torch.einsum("nsl,nld->nsd", weights, tokens.float())
