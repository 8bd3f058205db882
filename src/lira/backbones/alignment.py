"""Token-alignment features of a sentence pair: how well each text's tokens find a match in the other's.

For texts ``a`` (premise) and ``b`` (hypothesis, option) with L2-normalised contextual token states, the cosine
matrix ``S [len(b), len(a)]`` is matched greedily, as BERTScore does (Zhang et al. 2020, "BERTScore: Evaluating
Text Generation with BERT", ICLR): each token of ``b`` takes its best match in ``a`` and vice versa. The
``ALIGNMENT_FEATURES`` summarise the two sets of best matches and the lengths: a hypothesis whose every token is
found in the premise tends to be entailed, one with an unmatched token tends not to be. Pooled sentence
vectors lose exactly this (Conneau et al. 2017 read NLI from ``[u, v, |u - v|, u * v]`` alone), and with a few
thousand training pairs a probe cannot learn it from them.

``alignment_features(tokens_a, mask_a, tokens_b, mask_b) -> [n, 8]`` float32, from ``Backbone.encode_tokens``'
output (a pooled-only backbone's one "token" makes every match the sentence cosine); ``encode_alignment``: the
same for text pairs, through the feature cache when the backbone has one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from lira.backbones.base import Role

ALIGNMENT_FEATURES = ("b_match_mean", "b_match_min", "b_match_q25", "a_match_mean", "a_match_min",
                      "length_ratio", "b_log_length", "a_log_length")


def _unit(states: np.ndarray) -> np.ndarray:
    return states / np.maximum(np.linalg.norm(states, axis=-1, keepdims=True), 1e-12)


def pair_alignment(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The ``ALIGNMENT_FEATURES`` of one pair from its token states ``a [La, d]``, ``b [Lb, d]`` (La, Lb >= 1)."""
    sim = _unit(b) @ _unit(a).T  # [Lb, La]
    b_best, a_best = sim.max(axis=1), sim.max(axis=0)
    return np.array([b_best.mean(), b_best.min(), np.quantile(b_best, 0.25), a_best.mean(), a_best.min(),
                     len(b_best) / len(a_best), np.log(len(b_best)), np.log(len(a_best))], dtype=np.float32)


def alignment_features(tokens_a: np.ndarray, mask_a: np.ndarray, tokens_b: np.ndarray,
                       mask_b: np.ndarray) -> np.ndarray:
    """``[n, len(ALIGNMENT_FEATURES)]`` for n pairs: token states ``[n, L, d]`` with masks ``[n, L]`` (True =
    a token), as ``encode_tokens`` returns them; a text needs at least one token."""
    if len(tokens_a) != len(tokens_b):
        raise ValueError(f"{len(tokens_a)} first texts but {len(tokens_b)} second texts")
    out = np.zeros((len(tokens_a), len(ALIGNMENT_FEATURES)), dtype=np.float32)
    for i in range(len(tokens_a)):
        a, b = tokens_a[i][mask_a[i]], tokens_b[i][mask_b[i]]
        if not len(a) or not len(b):
            raise ValueError(f"pair {i} has a text without token states")
        out[i] = pair_alignment(a, b)
    return out


ALIGNMENT_POOLING = f"align{len(ALIGNMENT_FEATURES)}"  # the feature cache's namespace for them
PAIRS_PER_PASS = 128  # pairs whose token states are held at once


def pair_key(a: str, b: str) -> str:
    """The feature-cache key text of the pair ``(a, b)``."""
    return json.dumps([a, b], ensure_ascii=False)


def encode_alignment(backbone: Any, texts_a: Sequence[str], texts_b: Sequence[str], *, lang: str | None = None,
                     role: Role = "query",
                     on_vectors: Callable[[list[str], np.ndarray], None] | None = None) -> np.ndarray:
    """``[n, len(ALIGNMENT_FEATURES)]`` for the pairs ``(texts_a[i], texts_b[i])`` read by ``backbone`` in
    ``role``: from the feature cache when ``backbone`` has one (``lira.cache.CachedBackbone.encode_alignment``),
    else from ``encode_tokens``, ``PAIRS_PER_PASS`` pairs at a time. ``on_vectors(texts, vectors)``: also
    receives the texts' pooled vectors where the backbone gives them from the same pass (``encode_with_tokens``),
    so a cache can keep them."""
    if len(texts_a) != len(texts_b):
        raise ValueError(f"{len(texts_a)} first texts but {len(texts_b)} second texts")
    cached = getattr(backbone, "encode_alignment", None)
    if cached is not None:
        return np.asarray(cached(list(texts_a), list(texts_b), lang=lang, role=role), dtype=np.float32)
    both = getattr(backbone, "encode_with_tokens", None) if on_vectors is not None else None
    out = np.zeros((len(texts_a), len(ALIGNMENT_FEATURES)), dtype=np.float32)
    for start in range(0, len(texts_a), PAIRS_PER_PASS):
        a, b = texts_a[start:start + PAIRS_PER_PASS], texts_b[start:start + PAIRS_PER_PASS]
        distinct = list(dict.fromkeys([*a, *b]))
        if both is not None and on_vectors is not None:
            vectors, tokens, mask = both(distinct, lang=lang, role=role)
            on_vectors(distinct, vectors)
        else:
            tokens, mask = backbone.encode_tokens(distinct, lang=lang, role=role)
        row = {t: i for i, t in enumerate(distinct)}
        ia, ib = [row[t] for t in a], [row[t] for t in b]
        out[start:start + len(a)] = alignment_features(tokens[ia], mask[ia], tokens[ib], mask[ib])
    return out
