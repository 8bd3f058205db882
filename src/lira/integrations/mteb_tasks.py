"""MTEB tasks over local data in LiRA's formats: nothing is fetched from the Hugging Face Hub.

``retrieval_task(datasets, name=...)`` turns ``RetrievalDataset`` s (a BEIR folder read by
``lira.data.loaders.load_beir``, the built-in product set) into an ``AbsTaskRetrieval``, one subset per language;
documents carry their English side in an ``en`` column, which ``LiRAEncoder`` reads as their translation (as
LiRA's own ``RetrievalEvaluator`` does). ``bitext_task(examples, name=...)`` turns ``ParallelExample`` s (a parallel
file, ``lira.data.benchmarks.tatoeba`` or ``sib200_parallel`` for FLORES-200 sentences) into an
``AbsTaskBitextMining``, one subset ``xxx-eng`` per language, ``sentence1`` the source, ``sentence2`` the English.
Languages are declared as mteb does: ISO 639-3 and script (``tha-Thai``); the main scores are nDCG@10 and F1.

Example::

    import mteb
    from lira.data import benchmarks
    from lira.integrations.mteb_model import LiRAEncoder
    from lira.integrations.mteb_tasks import bitext_task

    task = bitext_task(benchmarks.tatoeba("../shared/data", lang="tha"), name="TatoebaLocal")
    mteb.evaluate(LiRAEncoder("frozen"), [task], cache=None)
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from lira.data.formats import ParallelExample, RetrievalDataset
from lira.extras import needs_extra
from lira.integrations.mteb_model import mteb_tag
from lira.languages import ENGLISH

with needs_extra("hf", "LiRA's local MTEB tasks (lira.integrations.mteb_tasks)"):
    from datasets import Dataset
    from mteb.abstasks.retrieval import AbsTaskRetrieval
    from mteb.abstasks.retrieval_dataset_loaders import RetrievalSplitData
    from mteb.abstasks.task_metadata import TaskMetadata, TaskType
    from mteb.abstasks.text.bitext_mining import AbsTaskBitextMining


def _revision(*parts: Any) -> str:
    """A content hash standing in for a Hub revision, so mteb's result cache tells two data versions apart."""
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:12]


def _metadata(*, name: str, kind: TaskType, main_score: str, eval_langs: dict[str, list[str]], split: str,
              description: str, revision: str) -> TaskMetadata:
    return TaskMetadata(
        name=name, description=description, reference=None, type=kind, category="t2t", modalities=["text"],
        dataset={"path": f"local/{name}", "revision": revision}, eval_splits=[split], eval_langs=eval_langs,
        main_score=main_score, date=None, domains=[], task_subtypes=[], license=None, annotations_creators=None,
        dialect=[], sample_creation=None, bibtex_citation="")


class LocalRetrievalTask(AbsTaskRetrieval):
    """An ``AbsTaskRetrieval`` whose data is given in memory (``retrieval_task``)."""

    local: dict[str, dict[str, RetrievalSplitData]] = {}

    def load_data(self, num_proc: int | None = None, **kwargs: Any) -> None:
        """Build the mteb splits from the LiRA records (no download)."""
        self.dataset = {subset: {split: RetrievalSplitData(**data) for split, data in splits.items()}
                        for subset, splits in self.local.items()}
        self.data_loaded = True


class LocalBitextTask(AbsTaskBitextMining):
    """An ``AbsTaskBitextMining`` whose data is given in memory (``bitext_task``)."""

    local: dict[str, Any] = {}

    def load_data(self, num_proc: int | None = None, **kwargs: Any) -> None:
        """Build the mteb splits from the LiRA records (no download)."""
        from datasets import DatasetDict

        self.dataset = {subset: DatasetDict({split: Dataset.from_dict(columns) for split, columns in splits.items()})
                        for subset, splits in self.local.items()}
        self.data_loaded = True


def retrieval_task(datasets: RetrievalDataset | Sequence[RetrievalDataset], *, name: str,
                   split: str = "test") -> LocalRetrievalTask:
    """An mteb retrieval task over ``datasets`` (one subset per language, named by its ISO 639-3 code), scored on
    the queries judged in ``split``; raises ``ValueError`` for a split a dataset lacks or two of one language."""
    datasets = [datasets] if isinstance(datasets, RetrievalDataset) else list(datasets)
    local: dict[str, dict[str, RetrievalSplitData]] = {}
    for ds in datasets:
        if ds.lang in local:
            raise ValueError(f"two retrieval datasets in {ds.lang}; give one per language")
        queries, qrels = ds.split(split)
        corpus = Dataset.from_dict({"id": list(ds.corpus), "title": [d.title for d in ds.corpus.values()],
                                    "text": [d.text for d in ds.corpus.values()],
                                    "en": [d.en or "" for d in ds.corpus.values()]})
        local[ds.lang] = {split: RetrievalSplitData(
            corpus=corpus, queries=Dataset.from_dict({"id": list(queries), "text": [q.text for q in queries.values()]}),
            relevant_docs=qrels, top_ranked=None)}
    meta = _metadata(name=name, kind="Retrieval", main_score="ndcg_at_10", split=split,
                     eval_langs={lang: [mteb_tag(lang)] for lang in local},
                     description=f"LiRA retrieval data: {', '.join(ds.name for ds in datasets)} ({split} queries)",
                     revision=_revision([(ds.name, sorted(ds.corpus), sorted(ds.qrels[split].items()))
                                         for ds in datasets]))
    task_class = type(name, (LocalRetrievalTask,), {"metadata": meta, "local": local})
    return task_class()


def bitext_task(examples: Sequence[ParallelExample], *, name: str, split: str = "test") -> LocalBitextTask:
    """An mteb bitext-mining task over ``examples`` (one subset ``xxx-eng`` per language: ``sentence1`` the
    source, ``sentence2`` its English); raises ``ValueError`` without examples or with English sources."""
    if not examples:
        raise ValueError("bitext_task needs at least one parallel example")
    by_lang: dict[str, list[ParallelExample]] = {}
    for ex in examples:
        if ex.lang == ENGLISH:
            raise ValueError(f"example {ex.id or ex.text!r} is English already; bitext pairs another language with "
                             "English")
        by_lang.setdefault(ex.lang, []).append(ex)
    local = {f"{lang}-eng": {split: {"sentence1": [ex.text for ex in rows], "sentence2": [ex.en for ex in rows]}}
             for lang, rows in by_lang.items()}
    meta = _metadata(name=name, kind="BitextMining", main_score="f1", split=split,
                     eval_langs={f"{lang}-eng": [mteb_tag(lang), mteb_tag(ENGLISH)] for lang in by_lang},
                     description=f"LiRA parallel data: {len(examples)} pairs in {', '.join(by_lang)}",
                     revision=_revision(sorted((ex.lang, ex.text, ex.en) for ex in examples)))
    task_class = type(name, (LocalBitextTask,), {"metadata": meta, "local": local})
    return task_class()
