"""Linear probes that turn a peer's frozen embeddings into task predictions (as MTEB does for classification).

``fit_probe``: ``lira.lasr.linear_probe.fit_logistic`` (the recipe LaSR's linear path starts from) on the
features as given. Fitted
probes are kept in memory keyed by a SHA-1 of the features and labels, so scoring one method on many test
sets that share a training set (the subsets of a task, noise rates, seeds) fits it once.
``pair_features``: ``[u, v, |u - v|, u * v]`` for sentence pairs (Conneau et al. 2017, InferSent / SentEval).
"""

from __future__ import annotations

import hashlib

import numpy as np
from sklearn.linear_model import LogisticRegression

from lira.lasr.linear_probe import fit_logistic, pair_features
from lira.lru import LRU

__all__ = ["fit_probe", "pair_features"]
_FITTED: LRU[str, LogisticRegression] = LRU(64)


def fit_probe(features: np.ndarray, labels: np.ndarray, *, max_iter: int = 1000) -> LogisticRegression:
    """A logistic-regression probe on ``features [n, d]`` and ``labels [n]`` (needs two classes); the same
    features and labels give the same (cached) probe."""
    labels = np.asarray(labels)
    if len(set(labels.tolist())) < 2:
        raise ValueError("a probe needs training examples of at least two classes")
    features = np.ascontiguousarray(features)
    digest = hashlib.sha1(features.tobytes())
    digest.update(repr((features.shape, str(features.dtype), labels.tolist(), max_iter)).encode())
    key = digest.hexdigest()
    probe = _FITTED.get(key)
    if probe is None:
        probe = fit_logistic(features, labels, max_iter=max_iter)
        _FITTED.put(key, probe)
    return probe
