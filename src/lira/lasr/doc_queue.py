"""DocQueue and DocQueueLoss: recent document embeddings as extra, safe negatives (DESIGN.md section 3).

``DocQueue`` keeps the most recent ``size`` document embeddings (detached) with their document ids, so a
retrieval batch is ranked against batch documents + queued documents. A queued document whose id is one of
the query's own positives is excluded for that query ("safe negatives"): it would otherwise be a false
negative (the same document, embedded a few steps ago).

Inputs to ``DocQueueLoss``: ``q [nq, d]`` and ``docs [nb, d]`` (L2-normalised embeddings, so scores are
cosines in ``[-1, 1]``), ``gains [nq, nb]`` (graded relevance of batch document j to query i, >= 0),
``doc_ids`` (``nb`` ids, str or int), optionally ``positive_ids`` (per query, further ids that are relevant to
it, e.g. all of its qrels; the batch positives are always added) and ``mask [nq, nb]`` (bool, True = keep).
Output: a scalar. Example::

    queue = DocQueue(size=1024, dim=8)
    loss_fn = DocQueueLoss(k=10, temperature=0.1, lambda_h=0.5, margin=0.1, queue=queue)
    q = F.normalize(torch.randn(2, 8), dim=-1).requires_grad_()
    docs = F.normalize(torch.randn(3, 8), dim=-1)
    loss = loss_fn(q, docs, torch.tensor([[1.0, 0, 0], [0, 2.0, 0]]), ["d1", "d2", "d3"])
    loss.backward()   # the 3 docs are now queued for the next batches

Formula, with ``S = q @ [docs ; queued]^T`` ``[nq, nb + m]``, gains ``[gains ; 0]`` and the mask
``[mask ; safe]`` (``safe[i, j]`` = queued item j is not a positive of query i)::

    L = ListwiseNDCGLoss(k, temperature)(S, gains, mask) + lambda_h * hinge_loss(S, gains, mask, margin)

(see ``lira.lasr.ndcg_loss``; temperature 0.1 on the cosine scale). Queued embeddings are constants: gradient
flows through ``q`` and ``docs`` only. The batch documents are pushed after the loss, in training mode only
(``loss_fn.eval()`` leaves the queue alone).

Reference: memory queue of negatives, MoCo (He et al. 2020, "Momentum contrast for unsupervised visual
representation learning"); false-negative filtering of in-batch/queued negatives as in e.g. RocketQA
(Qu et al. 2021); ApproxNDCG (Qin, Liu & Li 2010).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence
from typing import Any, Literal

import torch
from torch import nn

from lira.lasr.ndcg_loss import ListwiseNDCGLoss, hinge_loss

DocId = Hashable  # str or int in practice


class DocQueue:
    """FIFO of the newest ``size`` document embeddings ``[m, dim]`` (detached) and their ids, oldest first."""

    def __init__(self, size: int, dim: int) -> None:
        if size < 0 or dim < 1:
            raise ValueError(f"need size >= 0 and dim >= 1, got size={size}, dim={dim}")
        self.size = size
        self.dim = dim
        self._emb = torch.zeros(0, dim)
        self._ids: list[DocId] = []

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> list[DocId]:
        """The queued ids, oldest first (a copy)."""
        return list(self._ids)

    def embeddings(self) -> torch.Tensor:
        """``[m, dim]``, oldest first (detached)."""
        return self._emb

    def push(self, emb: torch.Tensor, ids: Sequence[DocId]) -> None:
        """Append ``emb [b, dim]`` with ``ids`` (length b); evict the oldest beyond ``size``."""
        if emb.dim() != 2 or emb.shape[1] != self.dim:
            raise ValueError(f"emb must be [b, {self.dim}], got {tuple(emb.shape)}")
        ids = list(ids)
        if len(ids) != emb.shape[0]:
            raise ValueError(f"{emb.shape[0]} embeddings but {len(ids)} ids")
        emb = emb.detach()
        all_emb = torch.cat([self._emb.to(emb.device, emb.dtype), emb])
        all_ids = self._ids + ids
        start = max(len(all_ids) - self.size, 0)
        self._emb, self._ids = all_emb[start:], all_ids[start:]

    def negatives_for(self, positive_ids_per_query: Sequence[Collection[DocId]]) -> tuple[torch.Tensor, torch.Tensor]:
        """``(emb [m, dim], mask [nq, m])``: ``mask[i, j]`` is False where queued item j is a positive of query i."""
        where: dict[DocId, list[int]] = {}
        for j, doc_id in enumerate(self._ids):
            where.setdefault(doc_id, []).append(j)
        mask = torch.ones(len(positive_ids_per_query), len(self._ids), dtype=torch.bool)
        for i, positives in enumerate(positive_ids_per_query):
            for doc_id in set(positives):
                if doc_id in where:
                    mask[i, where[doc_id]] = False
        return self._emb, mask.to(self._emb.device)

    def clear(self) -> None:
        self._emb, self._ids = self._emb[:0], []

    def state_dict(self) -> dict[str, Any]:
        """``{"emb": Tensor [m, dim] (CPU), "ids": list of str/int}``; fine for ``torch.load(weights_only=True)``."""
        return {"emb": self._emb.cpu().clone(), "ids": list(self._ids)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore from ``state_dict()``; keeps the newest ``size`` items if the saved queue was longer."""
        emb, ids = state["emb"].detach(), list(state["ids"])
        if emb.dim() != 2 or emb.shape[1] != self.dim or emb.shape[0] != len(ids):
            raise ValueError(f"state has emb {tuple(emb.shape)} and {len(ids)} ids; queue dim is {self.dim}")
        start = max(len(ids) - self.size, 0)
        self._emb, self._ids = emb[start:].clone(), ids[start:]


class DocQueueLoss(nn.Module):
    """``ListwiseNDCGLoss + lambda_h * hinge`` over batch docs + safe queued negatives; pushes the batch (training)."""

    def __init__(self, k: int = 10, temperature: float = 0.1, lambda_h: float = 0.5, margin: float = 0.1,
                 queue: DocQueue | None = None, hinge_mode: Literal["best", "all"] = "best") -> None:
        super().__init__()
        self.ndcg = ListwiseNDCGLoss(k=k, temperature=temperature)
        self.lambda_h = lambda_h
        self.margin = margin
        self.hinge_mode = hinge_mode
        self.queue = queue

    def forward(self, q: torch.Tensor, docs: torch.Tensor, gains: torch.Tensor, doc_ids: Sequence[DocId],
                positive_ids: Sequence[Collection[DocId]] | None = None,
                mask: torch.Tensor | None = None) -> torch.Tensor:
        nq, nb = q.shape[0], docs.shape[0]
        if gains.shape != (nq, nb):
            raise ValueError(f"gains must be [{nq}, {nb}], got {tuple(gains.shape)}")
        doc_ids = list(doc_ids)
        if len(doc_ids) != nb:
            raise ValueError(f"{nb} docs but {len(doc_ids)} doc_ids")
        if positive_ids is not None and len(positive_ids) != nq:
            raise ValueError(f"positive_ids must have one entry per query ({nq}), got {len(positive_ids)}")
        gains = gains.to(q.device, q.dtype)
        batch_mask = torch.ones(nq, nb, dtype=torch.bool, device=q.device) if mask is None else mask.to(q.device)
        all_docs, all_gains, all_mask = docs, gains, batch_mask
        if self.queue is not None and len(self.queue):
            pos_rows = (gains > 0) & batch_mask
            positives = [{doc_ids[j] for j in pos_rows[i].nonzero().flatten().tolist()} for i in range(nq)]
            if positive_ids is not None:
                positives = [p | set(extra) for p, extra in zip(positives, positive_ids, strict=True)]
            q_emb, q_mask = self.queue.negatives_for(positives)
            all_docs = torch.cat([docs, q_emb.to(docs.device, docs.dtype)])
            all_gains = torch.cat([gains, gains.new_zeros(nq, len(self.queue))], dim=1)
            all_mask = torch.cat([batch_mask, q_mask.to(q.device)], dim=1)
        scores = q @ all_docs.T
        loss = self.ndcg(scores, all_gains, all_mask)
        if self.lambda_h:
            loss = loss + self.lambda_h * hinge_loss(scores, all_gains, all_mask, self.margin, self.hinge_mode)
        if self.queue is not None and self.training:
            self.queue.push(docs, doc_ids)
        return loss
