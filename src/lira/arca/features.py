"""The one feature path: texts -> frozen backbone -> (feature cache) -> (S-bin pooling) -> Arca's input tensors.

Stage-1 training (``lira.training.arca_data``) and inference (``lira.model.LiRAModel``) both build Arca's inputs
here, so a model is served exactly as it was trained (DESIGN.md section 6, "One feature path").

- ``encode_features``: texts -> ``[n, S, d]``. With ``bins == 1`` the backbone's pooled vectors; with ``bins > 1``
  its token states (``encode_tokens``) S-bin pooled by ``lira.backbones.pooling.s_bin_pool``. Both go through
  the feature cache when the backbone is a ``lira.cache.CachedBackbone`` (``encode`` / ``encode_binned``).
- ``candidate_tensors``: candidate pools -> ``y [n, K, S, d]`` (zeros where masked) and ``mask [n, K]``, each
  distinct candidate text encoded once.
- ``critic_scores``: the Translation Critic's ``scores [n, K, 3]`` for those pools; the offline critic reuses
  the vectors encoded above where it reads the same backbone in the same role, else encodes each distinct
  text once.

Reference: LiRA, arXiv 2510.14466 (Arca's inputs ``pool_S(g(x))``, ``pool_S(h(y))`` and the critic's scores).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from lira.arca.offline_critic import OfflineCritic
from lira.arca.translation_critic import CriticScores, TranslationCritic
from lira.backbones.base import Backbone, Role
from lira.backbones.pooling import s_bin_pool
from lira.translators.base import Candidate


def encode_features(backbone: Backbone, texts: Sequence[str], *, bins: int, lang: str | None = None,
                    role: Role = "query") -> np.ndarray:
    """Float32 ``[len(texts), bins, backbone.dim]``: pooled vectors for ``bins == 1``, else S-bin pooled token
    states (pooled-only backbones, with one token, repeat their vector in every bin), served from the feature
    cache when the backbone has ``encode_binned`` (``lira.cache.CachedBackbone``)."""
    if bins < 1:
        raise ValueError(f"bins must be >= 1, got {bins}")
    if bins == 1:
        return backbone.encode(list(texts), lang=lang, role=role)[:, None]
    binned = getattr(backbone, "encode_binned", None)
    if binned is not None:
        return np.asarray(binned(list(texts), bins=bins, lang=lang, role=role), dtype=np.float32)
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


def _same(a: Backbone, b: Backbone) -> bool:
    """Whether two backbones give the same vectors (the same object, or the same name: the cache's identity)."""
    return a is b or getattr(a, "name", None) == getattr(b, "name", object())


def critic_scores(critic: TranslationCritic, sources: Sequence[str], pools: Sequence[Sequence[Candidate]], *,
                  langs: Sequence[str], x: np.ndarray, lr_backbone: Backbone, candidates: CandidateTensors,
                  en_backbone: Backbone) -> np.ndarray:
    """Float32 critic scores ``[len(sources), K, 3]`` (s, e, p; 1.0 where ``candidates.mask`` is False) of
    ``pools[i]`` for ``sources[i]`` in ``langs[i]``, scored per language in first-seen order.

    ``x [n, S, d]`` are the sources' ``query`` features from ``lr_backbone`` and ``candidates`` the pools'
    ``candidate_tensors`` from ``en_backbone``. An ``OfflineCritic`` scores from vectors
    (``OfflineCritic.score_embeddings``): with S = 1 and its role ``query`` it reuses ``x`` when it reads with
    ``lr_backbone`` and ``candidates.vectors`` when it reads with ``en_backbone`` (no ``candidate_lang``);
    otherwise it encodes the distinct candidates of all pools in one call and each language's distinct sources
    in one call. Any other critic scores each language's rows with ``score``."""
    if not len(sources) == len(pools) == len(langs) == len(x):
        raise ValueError(f"{len(sources)} sources, {len(pools)} pools, {len(langs)} languages and {len(x)} "
                         "feature rows: give one of each per source")
    if isinstance(critic, OfflineCritic):
        score = _offline_scorer(critic, sources, pools, x=x, lr_backbone=lr_backbone, candidates=candidates,
                                en_backbone=en_backbone)
    else:
        def score(rows: list[int], lang: str) -> list[list[CriticScores]]:
            return critic.score([sources[i] for i in rows], [pools[i] for i in rows], lang=lang)
    by_lang: dict[str, list[int]] = {}
    for i, lang in enumerate(langs):
        by_lang.setdefault(lang, []).append(i)
    scores = np.ones((len(sources), candidates.mask.shape[1], 3), dtype=np.float32)
    for lang, rows in by_lang.items():
        for i, row_scores in zip(rows, score(rows, lang), strict=True):
            if row_scores:
                scores[i, : len(row_scores)] = [[s.s, s.e, s.p] for s in row_scores]
    return scores


def _offline_scorer(critic: OfflineCritic, sources: Sequence[str], pools: Sequence[Sequence[Candidate]], *,
                    x: np.ndarray, lr_backbone: Backbone, candidates: CandidateTensors,
                    en_backbone: Backbone) -> Callable[[list[int], str], list[list[CriticScores]]]:
    """``score(rows, lang)`` of ``critic_scores`` for an ``OfflineCritic``; the candidates' vectors are reused
    or encoded (once, for all pools) here, the sources' per call."""
    cfg, bins = critic.config, x.shape[1]
    if _same(critic.backbone, en_backbone) and cfg.role == "query" and bins == 1 and cfg.candidate_lang is None:
        cand_vectors, cand_row = candidates.vectors[:, 0], candidates.row  # the English features' own vectors
    else:
        distinct = list(dict.fromkeys(c.text for pool in pools for c in pool if c.text.strip()))
        cand_vectors = (critic.backbone.encode(distinct, lang=cfg.candidate_lang, role=cfg.role) if distinct
                        else np.zeros((0, x.shape[-1]), dtype=np.float32))
        cand_row = {text: j for j, text in enumerate(distinct)}

    def score(rows: list[int], lang: str) -> list[list[CriticScores]]:
        row_sources, row_pools = [sources[i] for i in rows], [pools[i] for i in rows]
        if _same(critic.backbone, lr_backbone) and cfg.role == "query" and bins == 1:
            src = x[rows, 0]  # the features' own vectors: same backbone, same role
        else:
            unique = list(dict.fromkeys(row_sources))
            vectors = critic.backbone.encode(unique, lang=lang, role=cfg.role)
            where = {text: j for j, text in enumerate(unique)}
            src = vectors[[where[text] for text in row_sources]]
        flat = [c.text for pool in row_pools for c in pool if c.text.strip()]
        cand = cand_vectors[[cand_row[t] for t in flat]] if flat else np.zeros((0, src.shape[1]), dtype=np.float32)
        return critic.score_embeddings(row_sources, row_pools, src, cand, lang=lang)

    return score
