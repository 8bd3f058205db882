"""Declarative task metadata (MTEB style): what a benchmark task is, separate from the evaluators that score it.

A ``TaskSpec`` names the task, its type, the LiRA model family that serves it, the record type its loader
returns, its subsets (a language, or a language pairing or test set, each with its ISO 639-3 code and ISO
15924 script), the data files under ``--data-dir``, the splits used for training and testing, the main score,
where the English path's translations come from and the published reference of the data.
``load(data_dir, subset, split)`` returns the records of ``lira.data.formats`` for that subset and split.
A ``ParallelSpec`` is a dataset's parallel pairs (a text with its English) as a stage-1 training source; a
``Disjoint`` declares how a task's test split is kept apart from one.
Each dataset declares its specs in one file of ``lira.tasks`` (``lira.tasks.catalogue`` collects them).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lira.data.formats import (
    ChoiceExample,
    ClassificationExample,
    MathProblem,
    NLIExample,
    ParallelExample,
    RetrievalDataset,
    ScoredPair,
)
from lira.languages import get_language

TASK_TYPES = ("bitext", "sts", "nli", "choice", "classification", "retrieval", "math")
# The record type (``lira.data.formats``) the evaluators of each task type read.
RECORD_TYPES: dict[str, type] = {"bitext": ParallelExample, "sts": ScoredPair, "nli": NLIExample,
                                 "choice": ChoiceExample, "classification": ClassificationExample,
                                 "retrieval": RetrievalDataset, "math": MathProblem}
# Where a task's English path comes from at test time: the data's own English side ("data"), the built-in
# product lexicon ("lexicon") or its held-out version without the test-only terms ("lexicon-heldout"), or
# nothing ("none": no independent translation exists offline).
TRANSLATION_SOURCES = ("data", "lexicon", "lexicon-heldout", "none")
LEXICON_SOURCES = ("lexicon", "lexicon-heldout")
# Model families shared by several tasks: "embed" (one head trained for bitext retrieval on the stage-1 parallel
# data, for the tasks scored by cosine alone) and "sts" (that head with the dual path's English weight chosen on
# Thai STS-B dev). Any other family is a head of its own, trained on its tasks' training split (by convention
# named after its task).
SHARED_FAMILIES = ("embed", "sts")
SHARED_FAMILY_TYPES = ("bitext", "sts")

# The fixed seeds of the splits the tasks carve: halves of a dev-only set (XNLI, myXNLI) and, from a training
# split, its dev part (``carve_dev``).
SPLIT_SEED = 20251016
DEV_SEED = SPLIT_SEED + 1
DEV_FRACTION = 0.2

Loader = Callable[[Path, str, str], list[Any]]
RecordType = type  # a class of lira.data.formats (``type`` is also a TaskSpec field)
ParallelLoader = Callable[..., list[ParallelExample]]


def record_key(record: Any) -> str:
    """A record's stable identity: its ``id`` (or its first text field)."""
    if isinstance(record, str):
        return record
    for name in ("id", "text", "premise", "text1"):
        value = getattr(record, name, None)
        if value:
            return str(value)
    raise ValueError(f"record {record!r} has no id or text")


@dataclass(frozen=True)
class Subset:
    """One scored part of a task: ``name`` (e.g. ``tha``, ``en-th``, ``test_lay``), the language of the texts
    that carry the low-resource side (``lang``, ISO 639-3, as the rest of LiRA reads it) and its ISO 15924
    ``script`` (default: the language's script in ``lira.languages``)."""

    name: str
    lang: str
    script: str = ""

    def __post_init__(self) -> None:
        if not self.script:
            object.__setattr__(self, "script", get_language(self.lang).script)

    @property
    def tag(self) -> str:
        """The language as ISO 639-3 plus script, e.g. ``tha_Thai``."""
        return f"{self.lang}_{self.script}"


@dataclass(frozen=True, kw_only=True)
class ParallelSpec:
    """A dataset's parallel pairs as a stage-1 training source: ``source`` is the name configs give
    (``data.source``), ``langs`` its languages (ISO 639-3), ``load(data_dir, lang, split, **options)`` its pairs
    of ``split`` (``train`` or ``dev``) for ``lang`` (``options``: ``lexicon_pairs``, read by the product set).
    A user's file (``lira.tasks.user.user_parallel``) declares no languages: its pairs carry their own, and
    ``load`` gives them all (``lang`` None). ``lira.tasks.records.parallel_examples`` selects and caps them."""

    source: str
    langs: tuple[str, ...]
    load: ParallelLoader
    reference: str = ""


# How a test split is compared with a stage-1 source's training pairs (``Disjoint.by``): by record id (the same
# sentences under one id: any shared id is an error) or by English sentence (independent sets: shared English
# sentences, compared case-folded, are counted and reported).
OVERLAP_KEYS = ("id", "english")


@dataclass(frozen=True, kw_only=True)
class Disjoint:
    """A task's test split kept apart from the training pairs of the stage-1 parallel source ``source``
    (``ParallelSpec.source``), compared ``by`` one of ``OVERLAP_KEYS``; ``label`` and ``id_name`` name the data
    and its ids in the error (``lira.tasks.catalogue.check_disjoint``)."""

    source: str
    by: str
    label: str = ""
    id_name: str = "id"

    def __post_init__(self) -> None:
        if self.by not in OVERLAP_KEYS:
            raise ValueError(f"disjoint from {self.source}: unknown key {self.by!r}; valid: {', '.join(OVERLAP_KEYS)}")


@dataclass(frozen=True, kw_only=True)
class TaskSpec:
    """A benchmark task. ``family`` names the LiRA model that serves it (``SHARED_FAMILIES`` or a head of its
    own); ``record_type`` is what ``load`` returns (``RECORD_TYPES[type]``); ``splits`` says in words which data
    trains and which tests (shown in the report); ``max_train`` / ``max_test`` cap the examples per subset with a
    fixed hashed subset (None = all); ``in_benchmark`` is False for tasks that need a service (MGSM needs an LLM
    endpoint); ``key`` names a record for caps (XNLI: its row number, so every language keeps the same rows);
    ``parallel`` is the dataset's parallel pairs as a stage-1 source, if it has any; ``dev_subsets`` are the
    subsets whose dev split makes the choices of a shared family (the "sts" family's English weight: both
    pairings of Thai STS-B dev; ``lira.tasks.catalogue.family_dev``); ``disjoint_from`` is the stage-1 source
    its test split must be kept apart from (``Disjoint``); ``anchor_family`` is the family whose English anchor
    space its family reads (and, for "sts", whose head it uses; empty: its own); ``train_subsets`` are languages
    whose train and dev splits also train the task's models (and take part in its dev choices) but that have no
    test split here (XCOPA's Thai and Vietnamese val)."""

    name: str
    type: str
    family: str
    record_type: RecordType
    subsets: tuple[Subset, ...]
    data: str
    splits: str
    main_score: str
    translations: str
    reference: str
    loader: Loader | None = None
    max_train: int | None = None
    max_test: int | None = None
    in_benchmark: bool = True
    note: str = ""
    key: Callable[[Any], str] = record_key
    parallel: ParallelSpec | None = field(default=None, compare=False)
    dev_subsets: tuple[str, ...] = ()
    disjoint_from: Disjoint | None = None
    anchor_family: str = ""
    train_subsets: tuple[Subset, ...] = ()

    def __post_init__(self) -> None:
        if self.type not in TASK_TYPES:
            raise ValueError(f"task {self.name}: unknown type {self.type!r}; valid: {', '.join(TASK_TYPES)}")
        if self.translations not in TRANSLATION_SOURCES:
            raise ValueError(f"task {self.name}: unknown translation source {self.translations!r}; "
                             f"valid: {', '.join(TRANSLATION_SOURCES)}")
        if self.record_type is not RECORD_TYPES[self.type]:
            raise ValueError(f"task {self.name}: a {self.type} task reads {RECORD_TYPES[self.type].__name__} "
                             f"records, not {getattr(self.record_type, '__name__', self.record_type)}")
        if not self.family:
            raise ValueError(f"task {self.name}: no family (the LiRA model that serves it)")
        if self.family in SHARED_FAMILIES and self.type not in SHARED_FAMILY_TYPES:
            raise ValueError(f"task {self.name}: family {self.family!r} serves {' and '.join(SHARED_FAMILY_TYPES)} "
                             f"tasks only, not {self.type}")
        if not self.subsets:
            raise ValueError(f"task {self.name}: no subsets")
        shared = sorted({s.name for s in self.subsets} & {s.name for s in self.train_subsets})
        if shared:
            raise ValueError(f"task {self.name}: subset(s) {', '.join(shared)} are both scored and training-only")
        unknown = [name for name in self.dev_subsets if name not in {s.name for s in self.subsets}]
        if unknown:
            raise ValueError(f"task {self.name}: dev subset(s) {', '.join(unknown)} are not among its subsets")
        if self.dev_subsets and self.family not in SHARED_FAMILIES:
            raise ValueError(f"task {self.name}: dev subsets select a shared family ({', '.join(SHARED_FAMILIES)}), "
                             f"not {self.family!r}")

    @property
    def trains_head(self) -> bool:
        """Whether the task's family is a head of its own, trained on the task's training split."""
        return self.family not in SHARED_FAMILIES

    @property
    def space_family(self) -> str:
        """The family whose English anchor space the task reads: ``anchor_family``, else its own."""
        return self.anchor_family or self.family

    @property
    def reads_lexicon(self) -> bool:
        """Whether the task's English path is the built-in product lexicon (full or held-out)."""
        return self.translations in LEXICON_SOURCES

    @property
    def langs(self) -> list[str]:
        """The distinct low-resource languages of the subsets."""
        return list(dict.fromkeys(s.lang for s in self.subsets))

    def subset(self, name: str) -> Subset:
        """The subset (scored or training-only) named ``name``; ``KeyError`` listing the valid names."""
        for s in (*self.subsets, *self.train_subsets):
            if s.name == name:
                return s
        raise KeyError(f"task {self.name} has no subset {name!r}; valid: "
                       f"{', '.join(s.name for s in (*self.subsets, *self.train_subsets))}")

    def training_subsets(self, scored: Sequence[str]) -> list[str]:
        """The subsets whose train and dev splits train a model scored on ``scored`` (names of scored subsets):
        those, then the training-only ``train_subsets``."""
        return [*scored, *(s.name for s in self.train_subsets)]

    def dev_view(self) -> TaskSpec:
        """This task with its dev split in the place of its test split (capped like its training split): what
        the dev-choice scripts score, so that nothing is chosen on a test split."""
        loader = self.loader
        if loader is None:
            raise ValueError(f"task {self.name} has no loader")
        return replace(self, max_test=self.max_train,
                       loader=lambda root, subset, split: loader(root, subset, "dev" if split == "test" else split))

    def load(self, data_dir: str | Path, subset: str, split: str, *, cap: int | None = None) -> list[Any]:
        """Records of ``subset`` for ``split`` (``train``, ``dev`` or ``test``; a task without a dev split gives
        none), capped to ``cap`` (default the spec's ``max_train``/``max_test``; dev takes ``max_train``) by a
        fixed hash of their ids."""
        if self.loader is None:
            raise ValueError(f"task {self.name} has no loader")
        if split not in ("train", "dev", "test"):
            raise ValueError(f"split must be 'train', 'dev' or 'test', got {split!r}")
        if split == "test" and subset in {s.name for s in self.train_subsets}:
            raise ValueError(f"task {self.name}: subset {subset!r} is training-only (no test split)")
        records = self.loader(Path(data_dir), self.subset(subset).name, split)
        limit = cap if cap is not None else (self.max_test if split == "test" else self.max_train)
        return hashed_subset(records, limit, key=self.key)


def hashed_subset(records: Sequence[Any], limit: int | None, *, key: Callable[[Any], str] = record_key) -> list[Any]:
    """``records`` unchanged when ``limit`` is None or not smaller; otherwise the ``limit`` records with the
    smallest SHA-1 of ``key(record)``, kept in their original order (the same subset on every machine)."""
    if limit is None or len(records) <= limit:
        return list(records)
    ranked = sorted(range(len(records)), key=lambda i: hashlib.sha1(key(records[i]).encode()).hexdigest())
    keep = set(ranked[:limit])
    return [r for i, r in enumerate(records) if i in keep]


def capped_retrieval(dataset: RetrievalDataset, *, max_corpus: int | None,
                     max_queries: dict[str, int | None]) -> RetrievalDataset:
    """``dataset`` with at most ``max_corpus`` documents (a fixed hash of their ids; the judgements of the
    dropped documents go with them, and so does a query left without any) and at most ``max_queries[split]``
    queries per split (hashed; a split not named keeps all). A reduced set for smoke runs: it scores higher than
    the whole one, so its numbers only show that everything runs."""
    corpus = dataset.corpus
    if max_corpus is not None and len(corpus) > max_corpus:
        keep = set(hashed_subset(list(corpus), max_corpus))
        corpus = {d: doc for d, doc in corpus.items() if d in keep}
    qrels = {}
    for split, judged in dataset.qrels.items():
        judged = {q: kept for q, docs in judged.items() if (kept := {d: g for d, g in docs.items() if d in corpus})}
        limit = max_queries.get(split)
        qrels[split] = {q: judged[q] for q in hashed_subset(list(judged), limit)}
    queries = {q: query for q, query in dataset.queries.items() if any(q in judged for judged in qrels.values())}
    return replace(dataset, corpus=corpus, queries=queries, qrels=qrels)


def seeded_halves(records: Sequence[Any], *, seed: int, test_fraction: float = 0.5,
                  key: Callable[[Any], str] = record_key) -> dict[str, list[Any]]:
    """Split ``records`` into ``train`` and ``test`` by a hash of ``(seed, key(record))``: fixed,
    order-independent and disjoint; about ``test_fraction`` of the records go to ``test``."""
    out: dict[str, list[Any]] = {"train": [], "test": []}
    for r in records:
        h = int(hashlib.sha1(f"{seed}:{key(r)}".encode()).hexdigest(), 16) % 10_000
        out["test" if h < test_fraction * 10_000 else "train"].append(r)
    return out


def carve_dev(records: list[Any], split: str, key: Callable[[Any], str] | None = None) -> list[Any]:
    """``train`` / ``dev`` from one training split: a fixed hash of ``(DEV_SEED, key)`` sends ``DEV_FRACTION`` of
    the records to dev (never touching the test split); any other ``split`` gives ``records`` unchanged."""
    if split not in ("train", "dev"):
        return records
    halves = seeded_halves(records, seed=DEV_SEED, test_fraction=DEV_FRACTION, **({"key": key} if key else {}))
    return halves["train" if split == "train" else "test"]
