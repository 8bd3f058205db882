"""Linear probes that turn a peer's frozen embeddings into task predictions (as MTEB does for classification).

``fit_probe``: scikit-learn ``LogisticRegression`` (L-BFGS, deterministic) on the features as given. Fitted
probes are kept in memory keyed by a SHA-1 of the features and labels, so scoring one method on many test
sets that share a training set (the subsets of a task, noise rates, seeds) fits it once.
``pair_features``: ``[u, v, |u - v|, u * v]`` for sentence pairs (Conneau et al. 2017, InferSent / SentEval).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import numpy as np
from sklearn.linear_model import LogisticRegression

_FITTED: OrderedDict[str, LogisticRegression] = OrderedDict()
_KEEP = 64


def pair_features(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``[u, v, |u - v|, u * v]`` for ``u, v [n, d]`` -> ``[n, 4 d]``."""
    return np.concatenate([u, v, np.abs(u - v), u * v], axis=1)


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
    if key not in _FITTED:
        _FITTED[key] = LogisticRegression(max_iter=max_iter).fit(features, labels)
        while len(_FITTED) > _KEEP:
            _FITTED.popitem(last=False)
    _FITTED.move_to_end(key)
    return _FITTED[key]
