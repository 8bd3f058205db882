"""``RetrievalEvaluator``: encode a split's queries and the corpus, search exactly, score.

The primary metric is nDCG@10, as in BEIR, MTEB and the LiRA paper.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from lira.data.formats import RetrievalDataset
from lira.evaluation.translations import pick_translations
from lira.retrieval.metrics import mean_scores, per_query_scores
from lira.retrieval.search import search_run
from lira.translators.base import Translator


@dataclass
class RetrievalEvaluator:
    """Scores an encoder on ``dataset``'s ``split``; ``top_k`` documents are retrieved per query.

    ``encoder`` is a backbone, or a method with the same ``encode``. Encoders with ``needs_translations = True``
    (LiRA, translate-test, dual path) translate the queries themselves, or read the candidates of ``translator``
    (``k`` per query, default the method's own count, ``candidates_for``; LiRA's Actor chooses among them, the
    peers take the first), and get each document's English side (``Document.en``) as its translation.

    Calling it returns ``{"main_score": nDCG@10, "ndcg@10": ..., "recall@1": ..., "recall@10": ...,
    "recall@100": ..., "mrr@10": ..., "n_queries", "n_docs", "items" (nDCG@10 per judged query), "ids" (their query
    ids), "seconds", "per_query": {metric: {qid: v}}}``.
    """

    dataset: RetrievalDataset
    split: str = "test"
    top_k: int = 100
    main_metric: str = "ndcg@10"

    @property
    def primary_metric(self) -> str:
        """The key of the main score: ``main_metric``."""
        return self.main_metric

    def __call__(self, method: Any, *, translator: Translator | None = None, k: int | None = None,
                 show_progress: bool | None = None, **_: Any) -> dict[str, Any]:
        start = time.perf_counter()
        encoder = method
        queries, qrels = self.dataset.split(self.split)
        query_ids, doc_ids = list(queries), list(self.dataset.corpus)
        docs = [self.dataset.corpus[i] for i in doc_ids]
        texts = [queries[i].text for i in query_ids]
        translations = pick_translations(encoder, texts, lang=self.dataset.lang, translator=translator, k=k) \
            if translator is not None else None
        if translations is not None:
            q = encoder.encode(texts, lang=self.dataset.lang, role="query", translations=translations)
        else:
            q = encoder.encode(texts, lang=self.dataset.lang, role="query", show_progress=show_progress)
        if getattr(encoder, "needs_translations", False):  # documents carry their English side
            d = encoder.encode([doc.full_text for doc in docs], lang=self.dataset.lang, role="passage",
                               translations=[doc.en for doc in docs])
        else:
            d = encoder.encode([doc.full_text for doc in docs], role="passage", show_progress=show_progress)
        per_query = per_query_scores(qrels, search_run(query_ids, q, doc_ids, d, k=self.top_k))
        means = mean_scores(per_query)
        main = per_query[self.main_metric]
        return {"main_score": means[self.main_metric], **means, "n_queries": len(query_ids), "n_docs": len(doc_ids),
                "n": len(query_ids), "items": [main[i] for i in query_ids if i in main],
                "ids": [i for i in query_ids if i in main],
                "seconds": time.perf_counter() - start, "per_query": per_query}
