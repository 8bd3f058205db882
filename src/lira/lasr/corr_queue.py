"""CorrQueue and CorrLoss: correlation loss over the batch plus recent predictions (DESIGN.md section 3).

Pearson and Spearman over a batch of 8 or 16 pairs are noisy; ``CorrQueue`` keeps the most recent
(prediction, gold score) pairs (detached) so the correlation is measured over batch + queue, while the
gradient flows only through the batch (queued predictions are constants).

Inputs to ``CorrLoss``: ``pred [n]`` (the model's scores, e.g. a cosine similarity) and ``gold [n]`` (gold
scores on any scale, e.g. STS 0..5, or relevance labels; only their ranks and their linear relation matter).
Output: a scalar. Example::

    loss_fn = CorrLoss(alpha=0.5, temperature=0.1, queue=CorrQueue(256))
    loss = loss_fn(torch.randn(8, requires_grad=True).tanh(), torch.rand(8) * 5)
    loss.backward()   # then the batch sits in the queue for the next step

Formula, with ``P = [queued pred ; pred]`` and ``G = [queued gold ; gold]``::

    L = alpha * (1 - Pearson(P, G)) + (1 - alpha) * (1 - SoftSpearman(P, G; temperature))

so ``L`` lies in ``[0, 2]`` and is 0 for predictions perfectly (linearly and rank-) correlated with gold.

Temperature: the soft ranks compare prediction differences ``(p_i - p_j) / temperature``, so the temperature is
on the scale of the model's scores. We assume cosine-like scores in ``[-1, 1]``: with the default 0.1, pairs
more than ~0.3 apart are ranked almost hard while closer pairs keep a gradient. Scale it with your scores
(e.g. ~0.5 for scores in 0..5). Gold ranks are hard (scipy average ranks), so the gold scale does not matter.

Edge cases: batch + queue must hold at least 2 items, else a ``ValueError`` (a correlation of one point is
undefined). Where either side is constant, Pearson is 0 (eps-safe), so that term is 1.
The batch is pushed after the loss is computed, only in training mode (``loss_fn.train()``, the default), so
validation under ``loss_fn.eval()`` leaves the queue alone.

Reference: Pearson/Spearman as STS metrics (Cer et al. 2017, "SemEval-2017 Task 1"); a memory queue of past
items as in MoCo (He et al. 2020, "Momentum contrast for unsupervised visual representation learning");
soft ranks: see ``lira.lasr.soft_rank``.
"""

from __future__ import annotations

import torch
from torch import nn

from lira.lasr.soft_rank import pearson, soft_spearman


class CorrQueue:
    """FIFO of the most recent ``size`` (prediction, gold) pairs, stored detached as 1-D float tensors.

    ``push`` appends at the end and evicts the oldest items first; ``tensors()`` returns ``(pred, gold)`` in
    order oldest -> newest. ``size = 0`` keeps nothing.
    """

    def __init__(self, size: int) -> None:
        if size < 0:
            raise ValueError(f"size must be >= 0, got {size}")
        self.size = size
        self._pred = torch.zeros(0)
        self._gold = torch.zeros(0)

    def __len__(self) -> int:
        return int(self._pred.numel())

    def push(self, pred: torch.Tensor, gold: torch.Tensor) -> None:
        """Append the pairs (flattened, detached); keep only the newest ``size``."""
        pred = pred.detach().reshape(-1).float()
        gold = gold.detach().reshape(-1).float()
        if pred.numel() != gold.numel():
            raise ValueError(f"pred and gold differ in length: {pred.numel()} vs {gold.numel()}")
        all_pred = torch.cat([self._pred.to(pred.device), pred])
        all_gold = torch.cat([self._gold.to(pred.device), gold.to(pred.device)])
        start = max(all_pred.numel() - self.size, 0)
        self._pred, self._gold = all_pred[start:], all_gold[start:]

    def tensors(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(pred [m], gold [m])``, oldest first (detached)."""
        return self._pred, self._gold

    def clear(self) -> None:
        self._pred, self._gold = self._pred[:0], self._gold[:0]

    def state_dict(self) -> dict[str, torch.Tensor]:
        """Plain tensors for a checkpoint: ``{"pred": [m], "gold": [m]}`` (on CPU)."""
        return {"pred": self._pred.cpu().clone(), "gold": self._gold.cpu().clone()}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Restore from ``state_dict()``; keeps the newest ``size`` items if the saved queue was longer."""
        pred = state["pred"].detach().reshape(-1).float()
        gold = state["gold"].detach().reshape(-1).float()
        if pred.numel() != gold.numel():
            raise ValueError(f"pred and gold differ in length: {pred.numel()} vs {gold.numel()}")
        start = max(pred.numel() - self.size, 0)
        self._pred, self._gold = pred[start:].clone(), gold[start:].clone()


class CorrLoss(nn.Module):
    """``alpha (1 - Pearson) + (1 - alpha) (1 - SoftSpearman)`` over batch + queue; pushes the batch (training)."""

    def __init__(self, alpha: float = 0.5, temperature: float = 0.1, queue: CorrQueue | None = None) -> None:
        super().__init__()
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {alpha}")
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0, got {temperature}")
        self.alpha = alpha
        self.temperature = temperature
        self.queue = queue

    def forward(self, pred: torch.Tensor, gold: torch.Tensor) -> torch.Tensor:
        pred = pred.reshape(-1)
        gold = gold.reshape(-1).to(pred.dtype)
        if pred.numel() != gold.numel():
            raise ValueError(f"pred and gold differ in length: {pred.numel()} vs {gold.numel()}")
        all_pred, all_gold = pred, gold
        if self.queue is not None and len(self.queue):
            q_pred, q_gold = self.queue.tensors()
            all_pred = torch.cat([q_pred.to(pred.device, pred.dtype), pred])
            all_gold = torch.cat([q_gold.to(gold.device, gold.dtype), gold])
        if all_pred.numel() < 2:
            raise ValueError(f"CorrLoss needs at least 2 items in batch + queue, got {pred.numel()} in the batch "
                             f"and {0 if self.queue is None else len(self.queue)} queued")
        loss = self.alpha * (1.0 - pearson(all_pred, all_gold))
        if self.alpha < 1.0:
            loss = loss + (1.0 - self.alpha) * (1.0 - soft_spearman(all_pred, all_gold, self.temperature))
        if self.queue is not None and self.training:
            self.queue.push(pred, gold)
        return loss
