"""Listwise differentiable nDCG@k loss (ApproxNDCG) and a pairwise margin hinge (DESIGN.md section 3, DocQueue).

Inputs: ``scores [nq, nd]`` (query-document scores, e.g. cosines of L2-normalised embeddings), ``gains [nq, nd]``
(graded relevance, >= 0; 0 = not relevant) and an optional bool ``mask [nq, nd]``: True = the entry takes part,
False = it is excluded (it neither counts as a document nor pushes others down). Output: a scalar. Example::

    scores = torch.randn(2, 5, requires_grad=True)
    gains = torch.tensor([[2.0, 0, 1, 0, 0], [0, 0, 0, 1, 0]])
    loss = ListwiseNDCGLoss(k=3, temperature=0.1)(scores, gains)
    loss.backward()
    hinge_loss(scores, gains, margin=0.1)

Formula (per query, over the kept entries; ranks are descending, 1 = best)::

    r_i     = 1 + sum_{j != i} sigmoid((s_j - s_i) / temperature)          # soft rank of document i
    w_i     = sigmoid((k + 0.5 - r_i) / temperature)                        # smooth "r_i <= k"
    DCG~    = sum_i gain_i * w_i / log2(1 + r_i)
    IDCG@k  = sum_{r=1..k} g_(r) / log2(1 + r),  g_(1) >= g_(2) >= ... the sorted gains
    L_ndcg  = 1 - mean over queries with IDCG > 0 of DCG~ / IDCG@k

Gains are linear (as ``trec_eval``/``pytrec_eval``'s ``ndcg_cut``); pass ``2 ** rel - 1`` for the exponential form.
The same ``temperature`` smooths the score comparisons (scale of the scores: cosine-like in ``[-1, 1]``, where 0.1
is sharp for gaps above ~0.3) and the top-k cut (scale of ranks: 0.1 makes it nearly a step at ``k + 0.5``).
As ``temperature -> 0`` (with distinct scores) ``DCG~ -> DCG@k`` and ``L_ndcg -> 1 - nDCG@k``.
Only documents with a positive gain enter the DCG, so soft ranks are computed for those only:
``O(nq * n_pos_columns * nd)`` memory, not ``O(nq * nd^2)``. Queries without any kept positive are skipped;
if none has one the loss is 0 (still attached to ``scores``, so ``backward`` works).

``hinge_loss``: positives are kept entries with ``gain > 0``, negatives kept entries with ``gain == 0``;
``mode="best"`` (default) uses each query's highest-scoring positive, ``mean_neg relu(margin - max_pos s + s_neg)``
(it is enough that one relevant document beats every negative); ``mode="all"`` averages over all (positive,
negative) pairs. Averaged over queries having at least one positive and one negative (0 when none has).

Reference: Qin, Liu & Li (2010), "A general approximation framework for direct optimization of information
retrieval measures", Information Retrieval 13(4) (ApproxNDCG); Järvelin & Kekäläinen (2002), "Cumulated
gain-based evaluation of IR techniques" (nDCG); Bruch et al. (2019), "An analysis of the softmax cross entropy
loss for learning-to-rank with binary relevance" (ApproxNDCG as a baseline).
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn


def _prepare(scores: torch.Tensor, gains: torch.Tensor, mask: torch.Tensor | None) -> tuple[torch.Tensor, ...]:
    if scores.dim() != 2 or scores.shape != gains.shape:
        raise ValueError(f"scores and gains must be [nq, nd] of the same shape, got {tuple(scores.shape)}, "
                         f"{tuple(gains.shape)}")
    if mask is None:
        mask = torch.ones_like(scores, dtype=torch.bool)
    elif mask.shape != scores.shape:
        raise ValueError(f"mask must be {tuple(scores.shape)}, got {tuple(mask.shape)}")
    mask = mask.to(device=scores.device, dtype=torch.bool)
    gains = gains.to(device=scores.device, dtype=scores.dtype)
    if (gains[mask] < 0).any():
        raise ValueError("gains must be >= 0")
    gains = gains.masked_fill(~mask, 0.0)
    return gains, mask


def approx_ndcg(scores: torch.Tensor, gains: torch.Tensor, mask: torch.Tensor | None = None, k: int = 10,
                temperature: float = 0.1) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-query ApproxNDCG@k ``[nq]`` and a bool ``[nq]`` of queries with a positive (nDCG is 0 elsewhere)."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    gains, mask = _prepare(scores, gains, mask)
    nd = scores.shape[1]
    positive = gains > 0
    cols = positive.any(0).nonzero().squeeze(-1)  # documents that are a positive for some query
    # soft descending ranks of those columns, against every kept document of the row: [nq, p, nd]
    pair = torch.sigmoid((scores.unsqueeze(1) - scores[:, cols].unsqueeze(2)) / temperature)
    pair = pair * mask.unsqueeze(1).to(pair.dtype)
    ranks = 1.0 + pair.sum(-1) - 0.5 * mask[:, cols].to(pair.dtype)  # [nq, p]; drop the self term sigmoid(0)
    weight = torch.sigmoid((k + 0.5 - ranks) / temperature)
    dcg = (gains[:, cols] * weight / torch.log2(1.0 + ranks)).sum(-1)
    kk = min(k, nd)
    ideal = gains.topk(kk, dim=-1).values
    discount = torch.log2(torch.arange(2, kk + 2, device=scores.device, dtype=scores.dtype))
    idcg = (ideal / discount).sum(-1)
    has_pos = idcg > 0
    ndcg = torch.where(has_pos, dcg / idcg.clamp_min(torch.finfo(scores.dtype).tiny), torch.zeros_like(dcg))
    return ndcg, has_pos


class ListwiseNDCGLoss(nn.Module):
    """``1 - mean ApproxNDCG@k`` over queries with a positive; see the module docstring."""

    def __init__(self, k: int = 10, temperature: float = 0.1) -> None:
        super().__init__()
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0, got {temperature}")
        self.k = k
        self.temperature = temperature

    def forward(self, scores: torch.Tensor, gains: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        ndcg, has_pos = approx_ndcg(scores, gains, mask, self.k, self.temperature)
        if not has_pos.any():
            return scores.sum() * 0.0
        return 1.0 - ndcg[has_pos].mean()


def hinge_loss(scores: torch.Tensor, gains: torch.Tensor, mask: torch.Tensor | None = None, margin: float = 0.1,
               mode: Literal["best", "all"] = "best") -> torch.Tensor:
    """Mean over queries of the mean of ``relu(margin - s_pos + s_neg)``; ``mode`` picks the positives (see above)."""
    if mode not in ("best", "all"):
        raise ValueError(f"mode must be 'best' or 'all', got {mode!r}")
    gains, mask = _prepare(scores, gains, mask)
    pos = mask & (gains > 0)
    neg = mask & (gains == 0)
    valid = pos.any(-1) & neg.any(-1)
    if not valid.any():
        return scores.sum() * 0.0
    negf = neg.to(scores.dtype)
    if mode == "best":
        best = scores.masked_fill(~pos, float("-inf")).amax(-1, keepdim=True)  # [nq, 1]
        best = torch.where(valid.unsqueeze(-1), best, torch.zeros_like(best))
        per_query = (torch.relu(margin - best + scores) * negf).sum(-1) / negf.sum(-1).clamp_min(1.0)
    else:
        cols = pos.any(0).nonzero().squeeze(-1)
        posf = pos[:, cols].to(scores.dtype)  # [nq, p]
        diff = torch.relu(margin - scores[:, cols].unsqueeze(2) + scores.unsqueeze(1))  # [nq, p, nd]
        pairs = posf.unsqueeze(2) * negf.unsqueeze(1)
        per_query = (diff * pairs).sum((1, 2)) / pairs.sum((1, 2)).clamp_min(1.0)
    return per_query[valid].mean()
