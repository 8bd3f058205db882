"""The linear probe LiRA's heads start from: logistic regression on the untrained dual-path features.

``pair_features``: ``[u, v, |u - v|, u * v]`` for sentence pairs (Conneau et al. 2017, InferSent / SentEval),
in NumPy or torch. ``fit_logistic``: scikit-learn ``LogisticRegression`` (L-BFGS, C = 1 unless given,
deterministic, on one BLAS thread), the one recipe both the evaluators' probes on frozen peers and the LaSR head's
linear path use, so a head initialised from it with C = 1 reproduces the peer's probe (DESIGN.md section 7); a head
may take another C chosen on dev (``LaSRConfig.probe_c``). ``linear_from_probe`` turns a fitted
probe into the weights of a ``torch.nn.Linear`` with one output per class (or one score for two classes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits


def pair_features(u: Any, v: Any) -> Any:
    """``[u, v, |u - v|, u * v]`` for ``u, v [n, d]`` (NumPy arrays or torch tensors) -> ``[n, 4 d]``."""
    if isinstance(u, torch.Tensor):
        return torch.cat([u, v, (u - v).abs(), u * v], dim=-1)
    return np.concatenate([u, v, np.abs(u - v), u * v], axis=1)


def fit_logistic(features: np.ndarray, labels: np.ndarray, *, max_iter: int = 1000,
                 C: float = 1.0) -> LogisticRegression:
    """A logistic-regression probe on ``features [n, d]`` and integer or string ``labels [n]`` (two classes at
    least; raises ``ValueError`` otherwise). The rows are put in a canonical order (by a hash of each row and
    its label) first, so the fit does not depend on the order the examples came in (a LaSR head groups them by
    language, an evaluator does not). Columns that are zero in every row (a padded half, a dual-path half of
    weight 0) are left out of the fit and get weight 0, so padding never changes the probe. L-BFGS starts from
    zero in every fit. ``C``: scikit-learn's inverse L2 regularisation strength (1, its default, in every
    evaluator). The fit runs on one BLAS thread whatever the process's pools: its products with a few class
    columns ran faster on one thread than on two (``benchmarks/probe_threads.py``, BENCHMARKS.md), and the probe,
    which depends on the thread count through float summation order, is the same in a one-thread worker and in a
    process with every CPU."""
    labels = np.asarray(labels)
    if len(set(labels.tolist())) < 2:
        raise ValueError("a probe needs training examples of at least two classes")
    width = features.shape[1]
    used = np.flatnonzero(np.any(features != 0, axis=0))
    features = np.ascontiguousarray(features[:, used]) if len(used) < width else np.ascontiguousarray(features)
    keys = [hashlib.blake2b(row.tobytes() + repr(label).encode(), digest_size=16).digest()
            for row, label in zip(features, labels.tolist(), strict=True)]
    order = sorted(range(len(keys)), key=keys.__getitem__)
    probe = LogisticRegression(C=C, max_iter=max_iter)
    with threadpool_limits(limits=1, user_api="blas"):
        probe.fit(features[order], labels[order])
    if len(used) < width:  # back to the full width: a column that is zero in every row gets weight 0
        coef = np.zeros((probe.coef_.shape[0], width), dtype=probe.coef_.dtype)
        coef[:, used] = probe.coef_
        probe.coef_, probe.n_features_in_ = coef, width
    return probe


def linear_from_probe(probe: LogisticRegression, outputs: int,
                      classes: Sequence[Any] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """``(weight [outputs, d], bias [outputs])`` reproducing ``probe``, fitted on integer labels (output = label)
    or on the names in ``classes`` (output = the name's index there).

    ``outputs == 1``: the binary decision value ``w . x + b`` (the log-odds of class 1). Otherwise one logit per
    class index ``0..outputs-1``, so that the softmax equals ``predict_proba``; a class absent from the probe's
    training data gets weight 0 and a bias of -30 (never predicted, as the probe never predicts it)."""
    coef = torch.as_tensor(probe.coef_, dtype=torch.float64)
    intercept = torch.as_tensor(probe.intercept_, dtype=torch.float64)
    names = list(classes) if classes is not None else None
    index = [names.index(c) if names is not None else int(c) for c in probe.classes_.tolist()]
    if outputs == 1:
        if coef.shape[0] != 1:
            raise ValueError(f"a one-output linear path needs a binary probe, got {len(index)} classes")
        return coef, intercept
    weight = torch.zeros(outputs, coef.shape[1], dtype=torch.float64)
    bias = torch.full((outputs,), -30.0, dtype=torch.float64)
    if coef.shape[0] == 1:  # binary probe: logits [0, s] give softmax [1 - sigmoid(s), sigmoid(s)]
        rows = [(index[0], torch.zeros_like(coef[0]), torch.tensor(0.0, dtype=torch.float64)),
                (index[1], coef[0], intercept[0])]
    else:
        rows = [(c, coef[j], intercept[j]) for j, c in enumerate(index)]
    for c, w, b in rows:
        if not 0 <= c < outputs:
            raise ValueError(f"probe class {c} is outside 0..{outputs - 1}")
        weight[c], bias[c] = w, b
    return weight, bias
