"""Paired significance of LiRA against a baseline on the same test items.

``paired_bootstrap``: ``scipy.stats.bootstrap`` (paired resampling of test items, percentile interval) of
the difference in the task's statistic (accuracy, mean nDCG@10 or Spearman with the gold scores), with a
two-sided p-value ``2 min(P(d <= 0), P(d >= 0))`` from the bootstrap distribution (Efron & Tibshirani 1993;
Koehn 2004 for paired bootstrap in NLP evaluation). ``best_possible_p``: that test's p for a model right on every
item, the smallest p any model can reach against a baseline on those items (a baseline that misses only a few
items cannot be beaten significantly). ``sign_test``: ``scipy.stats.binomtest`` over subsets won
and lost; ``grouped_sign_test``: the same over groups of subsets (those drawn from one data set share items, so
they are not independent draws), each group counted once by its mean difference.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.stats import binomtest, bootstrap, spearmanr

ALPHA = 0.05  # the level at which the report calls a difference significant


def paired_bootstrap(a: npt.ArrayLike, b: npt.ArrayLike, *, gold: npt.ArrayLike | None = None,
                     n_resamples: int = 1000, seed: int = 0) -> dict[str, float]:
    """``statistic(a) - statistic(b)`` over the same items, where the statistic is the mean of per-item
    scores, or the Spearman correlation with ``gold`` when given. Returns ``delta``, ``low``/``high`` (95%
    percentile interval) and ``p``."""
    va, vb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if va.shape != vb.shape or va.ndim != 1 or len(va) < 2:
        raise ValueError(f"need two equally long 1-d item lists (got {va.shape} and {vb.shape})")
    rng = np.random.default_rng(seed)
    if gold is None:
        data: tuple[np.ndarray, ...] = (va, vb)
        delta = float(va.mean() - vb.mean())

        def statistic(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
            return x.mean(axis=axis) - y.mean(axis=axis)
        vectorized = True
    else:
        g = np.asarray(gold, dtype=float)
        data = (va, vb, g)
        delta = float(spearmanr(va, g)[0] - spearmanr(vb, g)[0])

        def statistic(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> float:  # type: ignore[misc]
            return float(spearmanr(x, z)[0] - spearmanr(y, z)[0])
        vectorized = False
    result = bootstrap(data, statistic, paired=True, vectorized=vectorized, n_resamples=n_resamples,
                       method="percentile", random_state=rng)
    dist = np.asarray(result.bootstrap_distribution)
    p = min(1.0, 2 * min(float((dist <= 0).mean()), float((dist >= 0).mean())))
    return {"delta": delta, "low": float(result.confidence_interval.low),
            "high": float(result.confidence_interval.high), "p": p, "n": int(len(va))}


def best_possible_p(b: npt.ArrayLike, *, gold: npt.ArrayLike | None = None, n_resamples: int = 1000,
                    seed: int = 0) -> float:
    """``paired_bootstrap``'s p of a perfect model against per-item scores ``b`` in [0, 1] (the perfect model
    scores 1 on every item; with ``gold``, for a Spearman statistic, it predicts the gold scores themselves)."""
    vb = np.asarray(b, dtype=float)
    perfect = np.ones_like(vb) if gold is None else np.asarray(gold, dtype=float)
    return paired_bootstrap(perfect, vb, gold=gold, n_resamples=n_resamples, seed=seed)["p"]


def sign_test(deltas: Sequence[float]) -> dict[str, Any]:
    """Wins, losses (ties left out) and the two-sided binomial p-value."""
    wins = sum(d > 0 for d in deltas)
    losses = sum(d < 0 for d in deltas)
    return {"wins": wins, "losses": losses, "ties": len(deltas) - wins - losses,
            "p": float(binomtest(wins, wins + losses).pvalue) if wins + losses else 1.0}


def grouped_sign_test(deltas: Sequence[float], groups: Sequence[str]) -> dict[str, Any]:
    """``sign_test`` over the mean of ``deltas`` within each of ``groups`` (one label per delta), with
    ``"groups"``: how many there are."""
    if len(deltas) != len(groups):
        raise ValueError(f"{len(deltas)} differences but {len(groups)} group labels")
    by_group: dict[str, list[float]] = {}
    for delta, group in zip(deltas, groups, strict=True):
        by_group.setdefault(group, []).append(delta)
    return {"groups": len(by_group), **sign_test([float(np.mean(d)) for d in by_group.values()])}
