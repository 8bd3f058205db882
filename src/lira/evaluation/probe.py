"""Linear probes that turn a peer's frozen embeddings into task predictions (as MTEB does for classification).

``fit_probe``: scikit-learn ``LogisticRegression`` (L-BFGS, deterministic) on the features as given.
``pair_features``: ``[u, v, |u - v|, u * v]`` for sentence pairs (Conneau et al. 2017, InferSent / SentEval).
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression


def pair_features(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``[u, v, |u - v|, u * v]`` for ``u, v [n, d]`` -> ``[n, 4 d]``."""
    return np.concatenate([u, v, np.abs(u - v), u * v], axis=1)


def fit_probe(features: np.ndarray, labels: np.ndarray, *, max_iter: int = 1000) -> LogisticRegression:
    """A logistic-regression probe on ``features [n, d]`` and integer ``labels [n]`` (needs two classes)."""
    if len(set(np.asarray(labels).tolist())) < 2:
        raise ValueError("a probe needs training examples of at least two classes")
    return LogisticRegression(max_iter=max_iter).fit(features, labels)
