"""The one feature path: texts -> frozen backbone -> (feature cache) -> (S-bin pooling) -> Arca's input tensors.

Stage-1 training (``lira.training.arca_data``) and inference (``lira.model.LiRAModel``) both build Arca's inputs
here, so a model is served exactly as it was trained (DESIGN.md section 6, "One feature path").

- ``encode_features``: texts -> ``[n, S, d]``. With ``bins == 1`` the backbone's pooled vectors (through the
  feature cache when the backbone is a ``lira.cache.CachedBackbone``); with ``bins > 1`` its token states
  (``encode_tokens``, not cached) S-bin pooled by ``lira.arca.pooling.s_bin_pool``.
- ``candidate_tensors``: candidate pools -> ``y [n, K, S, d]`` (zeros where masked) and ``mask [n, K]``, each
  distinct candidate text encoded once.

Reference: LiRA, arXiv 2510.14466 (Arca's inputs ``pool_S(g(x))`` and ``pool_S(h(y))``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from lira.arca.pooling import s_bin_pool
from lira.backbones.base import Backbone, Role
from lira.translators.base import Candidate


def encode_features(backbone: Backbone, texts: Sequence[str], *, bins: int, lang: str | None = None,
                    role: Role = "query") -> np.ndarray:
    """Float32 ``[len(texts), bins, backbone.dim]``: pooled vectors for ``bins == 1``, else S-bin pooled token
    states (pooled-only backbones, with one token, repeat their vector in every bin)."""
    if bins < 1:
        raise ValueError(f"bins must be >= 1, got {bins}")
    if bins == 1:
        return backbone.encode(list(texts), lang=lang, role=role)[:, None]
    if not texts:
        return np.zeros((0, bins, backbone.dim), dtype=np.float32)
    tokens, mask = backbone.encode_tokens(list(texts), lang=lang, role=role)
    return s_bin_pool(torch.from_numpy(tokens), torch.from_numpy(mask), bins).numpy()


@dataclass
class CandidateTensors:
    """Arca's candidate inputs for N pools of up to K candidates: ``y [N, K, S, d]`` (zeros where ``mask`` is
    False), ``mask [N, K]``, and the distinct candidate texts (first-seen order) with their ``vectors [U, S, d]``
    (``row[text]`` is a text's index), for callers that score candidates from the same vectors."""

    y: np.ndarray
    mask: np.ndarray
    texts: list[str]
    vectors: np.ndarray
    row: dict[str, int]


def candidate_tensors(backbone: Backbone, pools: Sequence[Sequence[Candidate]], *, bins: int,
                      role: Role = "query") -> CandidateTensors:
    """Encode the distinct texts of ``pools`` once (no language: candidates are English, and noisy ones
    code-mix on purpose, so no script check) and lay them out per pool (see ``CandidateTensors``)."""
    texts = list(dict.fromkeys(c.text for pool in pools for c in pool))
    vectors = encode_features(backbone, texts, bins=bins, role=role)
    row = {text: j for j, text in enumerate(texts)}
    k = max((len(pool) for pool in pools), default=0)
    y = np.zeros((len(pools), k, bins, backbone.dim), dtype=np.float32)
    mask = np.zeros((len(pools), k), dtype=bool)
    for i, pool in enumerate(pools):
        if pool:
            y[i, : len(pool)] = vectors[[row[c.text] for c in pool]]
            mask[i, : len(pool)] = True
    return CandidateTensors(y=y, mask=mask, texts=texts, vectors=vectors, row=row)
