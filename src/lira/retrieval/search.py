"""Exact inner-product search with faiss (cosine on L2-normalised vectors)."""

from __future__ import annotations

from collections.abc import Sequence

import faiss
import numpy as np


def exact_search(queries: np.ndarray, docs: np.ndarray, *, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` documents per query by inner product: ``(scores [nq, k], indices [nq, k])``.

    ``k`` is capped at the number of documents. Ties keep faiss' order (lower index first).
    """
    if queries.ndim != 2 or docs.ndim != 2 or queries.shape[1] != docs.shape[1]:
        raise ValueError(f"shape mismatch: queries {queries.shape}, documents {docs.shape}")
    index = faiss.IndexFlatIP(docs.shape[1])
    index.add(np.ascontiguousarray(docs, dtype=np.float32))
    return index.search(np.ascontiguousarray(queries, dtype=np.float32), min(k, docs.shape[0]))


def search_run(query_ids: Sequence[str], queries: np.ndarray, doc_ids: Sequence[str], docs: np.ndarray,
               *, k: int = 100) -> dict[str, dict[str, float]]:
    """A TREC-style run ``{query_id: {doc_id: score}}`` with each query's top ``k`` documents."""
    scores, indices = exact_search(queries, docs, k=k)
    return {qid: {doc_ids[j]: float(s) for s, j in zip(row_s, row_i, strict=True) if j >= 0}
            for qid, row_s, row_i in zip(query_ids, scores, indices, strict=True)}
