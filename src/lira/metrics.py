"""Metrics over precomputed outputs: what turns predictions, option scores and similarities into numbers.

The trainers' dev metrics (``lira.training``) and the evaluators' test metrics (``lira.evaluation``) both score
with these functions; they sit below both layers because evaluation sits above training (DESIGN.md section 6).
Retrieval's metrics live beside its search, in ``lira.retrieval.metrics``.

The functions take numpy arrays or torch tensors and compute in their dtype, so each caller keeps the numbers it
has always reported: the trainers pass float32 tensors (dev metrics drive checkpoint selection), the evaluators
float64 arrays. A float32 mean of 1/0 values can differ from the float64 one in its last bits.

Example::

    correct = top1_correct(np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([1, 1]))
    accuracy_metrics(correct.astype(float))  # {"accuracy": 0.5, "accuracy_se": 0.3535...}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar, cast

import numpy as np

if TYPE_CHECKING:
    import torch

    Array = np.ndarray | torch.Tensor
    A = TypeVar("A", np.ndarray, torch.Tensor)  # numpy in, numpy out; torch in, torch out


def top1_correct(scores: A, gold: A) -> A:
    """Whether the highest of each row of ``scores`` ``[n, m]`` is at the row's ``gold`` index (ties: the first
    maximum wins): multiple choice over option scores, classification over logits."""
    return cast("A", scores.argmax(-1) == gold)


def nearest_correct(queries: A, keys: A, gold: A) -> A:
    """Whether each row of ``queries`` ``[n, d]`` has its highest dot product with the row ``gold`` of ``keys``
    ``[k, d]`` (bitext mining over unit vectors: cosine nearest neighbour; ties: the first key wins)."""
    return top1_correct(queries @ keys.T, gold)


def margin_scores(sim: np.ndarray, k: int = 4) -> np.ndarray:
    """Margin scores of a similarity matrix ``sim`` ``[n, m]`` (rows: sources, columns: targets) for bitext
    mining: each ``cos(x, y)`` less the mean of x's similarity to its ``k`` nearest targets and y's to its ``k``
    nearest sources. This is the "distance" margin of Artetxe & Schwenk (2019, "Margin-based parallel corpus
    mining with multilingual sentence embeddings", ACL; k = 4 there), half of CSLS (Conneau et al. 2018, "Word
    translation without parallel data", ICLR). It lowers "hub" targets that are near every source and, unlike
    their ratio margin, stays defined when similarities are negative. ``k`` is cut to the matrix's sides;
    ``[n, m]`` out."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")

    def mean_top(axis: int) -> np.ndarray:
        kk = min(k, sim.shape[axis])
        return -np.partition(-sim, kk - 1, axis=axis).take(range(kk), axis=axis).mean(axis=axis)

    return sim - (mean_top(1)[:, None] + mean_top(0)[None, :]) / 2


def accuracy(correct: Array) -> float:
    """The mean of the 1/0 ``correct`` in its own dtype; 0 for no items."""
    return float(correct.mean()) if len(correct) else 0.0


def accuracy_se(accuracy: float, n: int) -> float:
    """The binomial standard error ``sqrt(p (1 - p) / n)`` of an accuracy ``p`` on ``n`` items."""
    return (accuracy * (1 - accuracy) / n) ** 0.5 if n else 0.0


def accuracy_metrics(correct: Array) -> dict[str, float]:
    """``{"accuracy", "accuracy_se"}`` of the 1/0 ``correct``."""
    value = accuracy(correct)
    return {"accuracy": value, "accuracy_se": accuracy_se(value, len(correct))}


def spearman_se(rho: float, n: int) -> float:
    """The standard error of a Spearman correlation ``rho`` on ``n`` pairs: Bonett & Wright (2000)'s
    ``sqrt((1 + rho^2 / 2) / (n - 3))`` on Fisher's z scale, taken back through ``d rho / d z = 1 - rho^2``."""
    return (1 - rho * rho) * ((1 + rho * rho / 2) / (n - 3)) ** 0.5 if n > 3 else 0.0


def correlation_metrics(pred: Array, gold: Array) -> dict[str, float]:
    """``{"pearson", "spearman", "spearman_se"}`` of predicted against gold scores (``scipy.stats``, which
    averages the ranks of ties), as MTEB scores STS."""
    from scipy.stats import pearsonr, spearmanr

    rho = float(spearmanr(pred, gold)[0])
    return {"pearson": float(pearsonr(pred, gold)[0]), "spearman": rho, "spearman_se": spearman_se(rho, len(gold))}


def mean_se(groups: Sequence[np.ndarray]) -> float:
    """The standard error of a mean over groups of each group's mean of per-item values (one group: the plain
    standard error of the mean), from each group's sample variance; a group of one item adds nothing."""
    variance = 0.0
    for values in groups:
        variance += float(values.var(ddof=1)) / len(values) if len(values) > 1 else 0.0
    return variance ** 0.5 / max(len(groups), 1)


def paired_se(a: list[float] | dict[str, list[float]], b: list[float] | dict[str, list[float]]) -> float:
    """The standard error of the difference of two scores measured on the same items: per-item scores ``a`` and
    ``b`` (lists, or ``{lang: list}`` for a mean over languages of per-language means)."""
    if isinstance(a, list) and isinstance(b, list):
        groups = [(a, b)]
    elif isinstance(a, dict) and isinstance(b, dict):
        groups = [(a[k], b[k]) for k in sorted(a)]
    else:
        raise TypeError(f"a and b must both be lists or both {{lang: list}} dicts, got {type(a).__name__} and "
                        f"{type(b).__name__}")
    return mean_se([np.asarray(x, dtype=float) - np.asarray(y, dtype=float) for x, y in groups])
