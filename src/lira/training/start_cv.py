"""Cross-validated scores of a head's untrained starts, over its training and dev data together.

A head's start (``lasr_run.choose_english_weight``: the dual path's English weight, what a pair probe reads) is a
logistic-regression probe, so it can be scored on every labelled example it was not fitted on, not only on the dev
split: grouped k-fold cross-validation over train and dev pooled (``sklearn.model_selection.GroupKFold``). The folds
are grouped by item: rows that share an id or their English side (``lasr_data.item_keys``) are the same item in
several languages, and they always fall in one fold, since at English weight 1 they read the same features. Rows
that only share a text (an XNLI premise with three hypotheses) are separate items, as the data's own splits keep
them: grouping them would hide what a probe learns about a premise it has seen with other labels. Each item's score
is the mean over its rows, so the standard error of a paired difference of two starts is clustered by item (Cameron
& Miller 2015, "A practitioner's guide to cluster-robust inference").
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.model_selection import GroupKFold
from threadpoolctl import threadpool_limits

from lira.arca.model import ArcaModel
from lira.backbones.threads import num_threads
from lira.lasr.head import LaSRHead
from lira.lasr.linear_probe import fit_logistic
from lira.training.lasr_trainer import probe_training_set


def item_groups(keys: Sequence[Sequence[str]]) -> np.ndarray:
    """One group index per row: rows that share any key are one group (connected components of the row-key
    graph); a row without keys is a group of its own."""
    index: dict[str, int] = {}
    rows, cols = [], []
    for row, row_keys in enumerate(keys):
        for key in row_keys:
            rows.append(row)
            cols.append(len(keys) + index.setdefault(key, len(index)))
    size = len(keys) + len(index)
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(size, size))
    return connected_components(graph, directed=False)[1][: len(keys)]


def cross_validated(features: np.ndarray, labels: np.ndarray, groups: np.ndarray, folds: int,
                    questions: np.ndarray | None = None, C: float = 1.0) -> np.ndarray:
    """1/0 correctness of each example under a probe (``fit_logistic``) fitted on the other folds (``folds``
    folds grouped by ``groups``). ``questions``: for multiple choice, the question of each row (one row per
    option, label 1 for the right one); a question is right when its right option scores highest. ``C``: the
    probes' regularisation (``fit_logistic``). Each fold's probe is fitted from scratch: one started from
    another fold's probe, which was fitted on this fold's held-out rows, carried them into its fit (L-BFGS
    stops at a tolerance, not at the exact optimum) and scored SIB-200's English-heavy starts up to 1.3 points
    too high (BENCHMARKS.md, the version block "cross-validation folds are fitted independently")."""
    correct = np.zeros(len(labels) if questions is None else int(questions.max()) + 1)
    for fit_rows, held_rows in GroupKFold(folds).split(features, labels, groups):
        probe = fit_logistic(features[fit_rows], labels[fit_rows], C=C)
        if questions is None:
            correct[held_rows] = probe.predict(features[held_rows]) == labels[held_rows]
            continue
        scores = probe.decision_function(features[held_rows])
        for q in np.unique(questions[held_rows]):
            mine = questions[held_rows] == q
            correct[q] = labels[held_rows][mine][np.argmax(scores[mine])] == 1
    return correct


def item_scores(correct: np.ndarray, groups: np.ndarray) -> list[float]:
    """The mean correctness of each group (ordered by group index): the per-item scores whose paired
    differences give an SE clustered by item."""
    _, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    return (np.bincount(inverse, weights=correct) / counts).tolist()


def keyed(train: Any, dev: Any) -> bool:
    """Whether both splits carry item keys (``lasr_data.PairData`` / ``ChoiceData`` of NLI, classification and
    choice), so that their starts can be cross-validated."""
    return bool(getattr(train, "keys", None)) and bool(getattr(dev, "keys", None))


def start_items(head: LaSRHead, arca: ArcaModel, task: str, train: Any, dev: Any, folds: int) -> list[float]:
    """Per-item cross-validated scores (1/0 correctness, averaged over each item's rows) of ``head``'s linear
    path, refitted on ``folds - 1`` folds of ``train`` and ``dev`` pooled (``lasr_data.PairData`` or
    ``ChoiceData`` for ``task``, both ``keyed``) and scored on the held-out fold; what it reads (English weight,
    alignment and cosine scales) and its probe's C are ``head``'s. Fewer items than ``folds``: one fold per item;
    fewer than 2: ``ValueError``."""
    return starts_items([head], arca, task, train, dev, folds)[0]


def starts_items(heads: Sequence[LaSRHead], arca: ArcaModel, task: str, train: Any, dev: Any,
                 folds: int) -> list[list[float]]:
    """``start_items`` of each of ``heads``. Their features are read one at a time (torch), and their probes
    are fitted side by side on up to ``num_threads()`` Python threads of one BLAS thread each: the probes are
    the ones a single thread fits (``fit_logistic`` runs on one BLAS thread anyway), and a process with two
    CPUs fits two starts at once where it fitted one (a one-thread worker process fits them one after the
    other)."""
    lock = threading.Lock()

    def one(head: LaSRHead) -> list[float]:
        with lock:  # torch's own threads read the features; the fits below need no lock
            features, labels, rows, k, questions, groups = _cv_inputs(head, arca, task, train, dev, folds)
        return item_scores(cross_validated(features, labels, rows, k, questions, head.config.probe_c), groups)

    threads = min(num_threads(), len(heads))
    if threads < 2:
        return [one(head) for head in heads]
    # one BLAS thread until every fit is done: each fit's own limit restores the pools it found when it ends,
    # which must not hand a fit still running in another thread two BLAS threads
    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, heads))


def _cv_inputs(head: LaSRHead, arca: ArcaModel, task: str, train: Any, dev: Any,
               folds: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, np.ndarray | None, np.ndarray]:
    """``(features, labels, fold groups, folds, questions, item groups)`` of ``start_items``."""
    parts = [probe_training_set(head, arca, task, data) for data in (train, dev)]
    features, labels = np.vstack([f for f, _ in parts]), np.concatenate([y for _, y in parts])
    groups = item_groups([k for data in (train, dev) for group in data.keys for k in group])
    questions = None
    if task == "choice":  # one row per option, each question's options in a row (probe_training_set)
        sizes = [m for data in (train, dev) for group, m in zip(data.keys, data.n_options, strict=True)
                 for _ in group]
        questions = np.repeat(np.arange(len(sizes)), sizes)
    rows = groups if questions is None else groups[questions]
    folds = min(folds, len(np.unique(rows)))
    if folds < 2:
        raise ValueError("cross-validating a start needs at least 2 items in its training and dev data")
    return features, labels, rows, folds, questions, groups
