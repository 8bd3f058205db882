"""Declarative task metadata (MTEB style): what a benchmark task is, separate from the evaluators that score it.

A ``TaskSpec`` names the task, its type, its subsets (a language, or a language pairing or test set), the
data files under ``--data-dir``, the splits used for training and testing, the main score, where the English
path's translations come from and the published reference of the data. ``load(data_dir, subset, split)``
returns the records of ``lira.data.formats`` for that subset and split (``train`` or ``test``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

TASK_TYPES = ("bitext", "sts", "nli", "choice", "classification", "retrieval", "math")
# Where a task's English path comes from at test time: the data's own English side ("data"), the built-in
# product lexicon ("lexicon") or its held-out version without the test-only terms ("lexicon-heldout"), or
# nothing ("none": no independent translation exists offline).
TRANSLATION_SOURCES = ("data", "lexicon", "lexicon-heldout", "none")

Loader = Callable[[Path, str, str], list[Any]]


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
    """One scored part of a task: ``name`` (e.g. ``tha``, ``en-th``, ``test_lay``) and the language of the
    texts that carry the low-resource side (ISO 639-3)."""

    name: str
    lang: str


@dataclass(frozen=True)
class TaskSpec:
    """A benchmark task. ``splits`` says in words which data trains and which tests (shown in the report);
    ``max_train`` / ``max_test`` cap the examples per subset with a fixed hashed subset (None = all);
    ``in_benchmark`` is False for tasks that need a service (MGSM needs an LLM endpoint); ``key`` names a
    record for caps (XNLI: its row number, so every language keeps the same rows)."""

    name: str
    type: str
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

    def __post_init__(self) -> None:
        if self.type not in TASK_TYPES:
            raise ValueError(f"task {self.name}: unknown type {self.type!r}; valid: {', '.join(TASK_TYPES)}")
        if self.translations not in TRANSLATION_SOURCES:
            raise ValueError(f"task {self.name}: unknown translation source {self.translations!r}; "
                             f"valid: {', '.join(TRANSLATION_SOURCES)}")

    @property
    def langs(self) -> list[str]:
        """The distinct low-resource languages of the subsets."""
        return list(dict.fromkeys(s.lang for s in self.subsets))

    def subset(self, name: str) -> Subset:
        for s in self.subsets:
            if s.name == name:
                return s
        raise KeyError(f"task {self.name} has no subset {name!r}; valid: {', '.join(s.name for s in self.subsets)}")

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


def seeded_halves(records: Sequence[Any], *, seed: int, test_fraction: float = 0.5,
                  key: Callable[[Any], str] = record_key) -> dict[str, list[Any]]:
    """Split ``records`` into ``train`` and ``test`` by a hash of ``(seed, key(record))``: fixed,
    order-independent and disjoint; about ``test_fraction`` of the records go to ``test``."""
    out: dict[str, list[Any]] = {"train": [], "test": []}
    for r in records:
        h = int(hashlib.sha1(f"{seed}:{key(r)}".encode()).hexdigest(), 16) % 10_000
        out["test" if h < test_fraction * 10_000 else "train"].append(r)
    return out
