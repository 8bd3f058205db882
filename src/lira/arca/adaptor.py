"""The shared Adaptor ``A`` that maps both paths into one d-dimensional space (DESIGN.md section 2, step 3).

``A(v) = W_path v + MLP(W_path v)``: a path-specific linear input map ``W_path`` (``lr`` for the
multilingual encoder g, ``en`` for the English encoder h), then one shared residual MLP whose last layer
starts at zero. ``W_path`` starts as the (rectangular) identity: with ``dim`` at least the input width it
places the input in the first coordinates and pads with zeros, so A starts as an exact, norm-preserving
embedding of both inputs (``dim`` defaults to the wider input; DESIGN.md section 7: LiRA starts at its parts).
The paper does not publish A's shape; these are our defaults, all configurable.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

PATHS = ("lr", "en")


@dataclass
class AdaptorConfig:
    """Input widths of the two paths, output width ``dim``, shared MLP ``hidden`` width and ``layers``."""

    lr_dim: int = 384
    en_dim: int = 384
    dim: int | None = None
    hidden: int = 512
    layers: int = 2
    dropout: float = 0.0

    @property
    def out_dim(self) -> int:
        """The output width d: ``dim``, or the wider input when ``dim`` is None."""
        return int(self.dim or max(self.lr_dim, self.en_dim))


class Adaptor(nn.Module):
    """``forward(x [..., in_dim], path) -> [..., dim]``."""

    def __init__(self, config: AdaptorConfig) -> None:
        super().__init__()
        self.config = config
        dim = config.out_dim
        inputs = {p: nn.Linear(d, dim, bias=False) for p, d in (("lr", config.lr_dim), ("en", config.en_dim))}
        for layer in inputs.values():
            nn.init.eye_(layer.weight)
        self.inputs = nn.ModuleDict(inputs)
        blocks: list[nn.Module] = []
        width = dim
        for _ in range(max(config.layers - 1, 0)):
            blocks += [nn.Linear(width, config.hidden), nn.GELU(), nn.Dropout(config.dropout)]
            width = config.hidden
        last = nn.Linear(width, dim)
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)
        self.mlp = nn.Sequential(*blocks, last)

    def forward(self, x: torch.Tensor, path: str) -> torch.Tensor:
        if path not in PATHS:
            raise ValueError(f"unknown path {path!r}; valid: {', '.join(PATHS)}")
        h = self.inputs[path](x)
        return h + self.mlp(h)
