"""Retrieval metrics through ``pytrec_eval`` (the trec_eval implementation BEIR and MTEB use).

nDCG@10 uses the graded judgements (gain = grade, trec_eval's linear gain). Recall@k and MRR@10
count a document as relevant when its grade is >= 1. MRR@10 is trec_eval's reciprocal rank over the
run cut to its top 10 (0 when nothing relevant is in the top 10), as BEIR computes it.
Reference: Thakur et al. 2021, "BEIR" (NeurIPS Datasets and Benchmarks).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytrec_eval

from lira.metrics import mean_se

Qrels = dict[str, dict[str, int]]
Run = dict[str, dict[str, float]]
METRICS: tuple[str, ...] = ("ndcg@10", "recall@1", "recall@10", "recall@100", "mrr@10")


def _top(run: Run, k: int) -> Run:
    return {q: dict(sorted(docs.items(), key=lambda kv: (-kv[1], kv[0]))[:k]) for q, docs in run.items()}


def per_query_scores(qrels: Qrels, run: Run) -> dict[str, dict[str, float]]:
    """``{metric: {query_id: value}}`` for ``METRICS`` over the queries in ``qrels``.

    A query in ``qrels`` with no entry in ``run`` scores 0 on every metric; a query without any
    relevant document cannot be scored and is reported in one warning.
    """
    unjudged = [q for q, docs in qrels.items() if not any(g > 0 for g in docs.values())]
    if unjudged:
        warnings.warn(f"{len(unjudged)} query(ies) have no relevant document (grade >= 1) and are not scored, "
                      f"e.g. {unjudged[0]!r}", stacklevel=2)
    qrels = {q: docs for q, docs in qrels.items() if q not in unjudged}
    run = {q: run.get(q) or {} for q in qrels}
    run = {q: docs if docs else {"__none__": 0.0} for q, docs in run.items()}
    main = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10", "recall.1,10,100"})
    rr = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"})
    scores, rr_scores = main.evaluate(run), rr.evaluate(_top(run, 10))
    return {
        "ndcg@10": {q: s["ndcg_cut_10"] for q, s in scores.items()},
        "recall@1": {q: s["recall_1"] for q, s in scores.items()},
        "recall@10": {q: s["recall_10"] for q, s in scores.items()},
        "recall@100": {q: s["recall_100"] for q, s in scores.items()},
        "mrr@10": {q: s["recip_rank"] for q, s in rr_scores.items()},
    }


def mean_scores(per_query: dict[str, dict[str, float]]) -> dict[str, float]:
    """Mean over queries of each metric of ``per_query_scores``."""
    return {m: float(np.mean(list(v.values()))) if v else 0.0 for m, v in per_query.items()}


def language_metrics(per_query: dict[str, dict[str, dict[str, float]]], metric: str = "ndcg@10") -> dict[str, Any]:
    """Scores of several corpora, one per language, from each one's ``per_query_scores``: ``{lang: mean_scores}``
    (languages sorted), the mean over languages of ``metric`` (``"mean_ndcg@10"``) and its standard error
    (``"mean_ndcg@10_se"``, ``lira.metrics.mean_se`` over each language's queries)."""
    langs = sorted(per_query)
    out: dict[str, Any] = {lang: mean_scores(per_query[lang]) for lang in langs}
    mean = sum(out[lang][metric] for lang in langs) / max(len(langs), 1)
    se = mean_se([np.array(list(per_query[lang][metric].values())) for lang in langs])
    return {**out, f"mean_{metric}": mean, f"mean_{metric}_se": se}


def retrieval_scores(qrels: Qrels, run: Run) -> dict[str, float]:
    """Mean of each metric in ``METRICS`` over the judged queries."""
    return mean_scores(per_query_scores(qrels, run))
