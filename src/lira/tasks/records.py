"""Data selection over the registry: the records a training run reads, always through a spec's loader.

Stage 1 (and the distillation peer) reads parallel pairs: ``parallel_sources`` resolves a config's source name
(registered sources of ``lira.tasks.PARALLEL`` and ``tsv``, the user's file, joined by ``+``) to
``ParallelSpec``s, and ``parallel_examples`` gives their pairs of a split for some languages, at most
``max_per_lang`` per language and source (a fixed subset by a hash of the ids, with a warning). Stage 2 reads a
``TaskSpec``: ``restrict`` keeps the subsets of some languages, ``task_records`` gives the records of a split
(uncapped, without duplicates), and ``parallel_task`` makes stage-1 sources a bitext task (the same pairs,
caps and order as ``parallel_examples``). The user's own files are specs too (``lira.tasks.user``).
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from lira.data.formats import ParallelExample
from lira.data.io import default_data_dir
from lira.languages import normalize_code
from lira.tasks.catalogue import PARALLEL, get_parallel
from lira.tasks.spec import ParallelSpec, Subset, TaskSpec
from lira.tasks.user import USER_PARALLEL, user_parallel

__all__ = ["PARALLEL_SOURCES", "SPLITS", "check_source_names", "parallel_examples", "parallel_sources",
           "parallel_task", "restrict", "source_langs", "task_records"]

SPLITS = ("train", "dev", "test")
# The stage-1 source names a config may give (joined by +): the registry's parallel sources and the user's file.
PARALLEL_SOURCES = (*PARALLEL, USER_PARALLEL)


def check_source_names(source: str) -> list[str]:
    """The parallel source names ``source`` joins by ``+``, each one of ``PARALLEL_SOURCES``; else
    ``ValueError`` listing them."""
    parts = source.split("+")
    for part in parts:
        if part not in PARALLEL_SOURCES:
            raise ValueError(f"unknown data source {part!r}; valid: {', '.join(PARALLEL_SOURCES)}, or several "
                             "joined by +")
    return parts


def parallel_sources(source: str, *, path: str | Path | None = None, dev_fraction: float = 0.2) -> list[ParallelSpec]:
    """The ``ParallelSpec``s named by ``source``: a parallel source of the registry (``get_parallel``), ``tsv``
    (the user's parallel file ``path``, ``user_parallel`` with ``dev_fraction``), or several joined by ``+``.
    An unknown name, or ``tsv`` without ``path``, raises ``ValueError``."""
    out = []
    for part in check_source_names(source):
        if part == USER_PARALLEL:
            if not path:
                raise ValueError("data.source tsv needs data.path")
            out.append(user_parallel(path, dev_fraction=dev_fraction))
        else:
            out.append(get_parallel(part))
    return out


def source_langs(sources: Sequence[ParallelSpec], langs: Sequence[str] | None) -> list[tuple[ParallelSpec, str | None]]:
    """``(source, language)`` in the order pairs are read: each source's languages, ``langs`` (ISO 639-3 or any
    code ``lira.languages`` reads; None or empty: all of the source's). With several sources each keeps the
    languages of ``langs`` it has; a single one is asked for all of them (one it lacks is its loader's error). A
    source that declares no languages (``user_parallel``) comes once, with language None."""
    out: list[tuple[ParallelSpec, str | None]] = []
    for source in sources:
        if not source.langs:
            out.append((source, None))
            continue
        if len(sources) > 1 and langs is not None:
            codes = [code for code in (normalize_code(c) for c in langs) if code in source.langs]
        else:
            codes = [normalize_code(c) for c in langs or source.langs]
        out += [(source, code) for code in dict.fromkeys(codes)]
    return out


def _groups(source: ParallelSpec, lang: str | None, split: str, data_dir: str | Path,
            lexicon_pairs: bool) -> dict[str, list[ParallelExample]]:
    """The pairs of one ``(source, lang)`` under ``source:lang`` (language None: grouped by their own languages)."""
    if lang is not None:
        return {f"{source.source}:{lang}": source.load(data_dir, lang, split, lexicon_pairs=lexicon_pairs)}
    groups: dict[str, list[ParallelExample]] = {}
    for ex in source.load(data_dir, None, split, lexicon_pairs=lexicon_pairs):
        groups.setdefault(f"{source.source}:{ex.lang}", []).append(ex)
    return groups


def _capped_pairs(selected: Sequence[tuple[ParallelSpec, str | None]], split: str, data_dir: str | Path,
                  max_per_lang: int | None, lexicon_pairs: bool) -> list[ParallelExample]:
    """The pairs of each ``(source, lang)`` of ``selected``, each language of each source cut to the
    ``max_per_lang`` with the smallest SHA-1 of their id (or text), in that hash order; one warning names every cut
    with its count before the cut."""
    pairs: list[ParallelExample] = []
    cut: list[str] = []
    for source, lang in selected:
        for label, rows in _groups(source, lang, split, data_dir, lexicon_pairs).items():
            if max_per_lang is not None and len(rows) > max_per_lang:
                cut.append(f"{label} (of {len(rows)})")
                rows = sorted(rows, key=lambda ex: hashlib.sha1(str(ex.id or ex.text).encode()).hexdigest())
                rows = rows[:max_per_lang]
            pairs += rows
    if cut:
        warnings.warn(f"{split}: using {max_per_lang} examples per language and source, a fixed subset chosen by a "
                      f"hash of their ids (data.max_per_lang), for {', '.join(cut)}", stacklevel=3)
    return pairs


def parallel_examples(sources: Sequence[ParallelSpec], split: str, *, data_dir: str | Path | None = None,
                      langs: Sequence[str] | None = None, max_per_lang: int | None = None,
                      lexicon_pairs: bool = True) -> list[ParallelExample]:
    """The parallel pairs of ``split`` (``train`` or ``dev``) of ``sources`` under ``data_dir`` (default
    ``default_data_dir()``), source by source, language by language (``source_langs``); at most ``max_per_lang``
    per language and source: the pairs with the smallest SHA-1 of their id (or text), with a warning.
    ``lexicon_pairs`` goes to the loaders (the product set: also lexicon terms with their first sense)."""
    root = default_data_dir() if data_dir is None else data_dir
    return _capped_pairs(source_langs(sources, langs), split, root, max_per_lang, lexicon_pairs)


def parallel_task(sources: Sequence[ParallelSpec], *, langs: Sequence[str] | None = None,
                  max_per_lang: int | None = None, lexicon_pairs: bool = True) -> TaskSpec:
    """``sources`` (of the registry) as one bitext ``TaskSpec`` of the ``embed`` family, named by their names
    joined by ``+``: a subset ``<source>:<lang>`` per pair of ``source_langs``, whose records are the pairs
    ``parallel_examples`` gives for it, so ``task_records`` gives the same pairs in the same order."""
    by_name: dict[str, tuple[ParallelSpec, str]] = {}
    for source, lang in source_langs(sources, langs):
        if lang is None:
            raise ValueError("parallel_task reads the registry's sources; a user's parallel file per split is "
                             "user_task('bitext', ...)")
        by_name[f"{source.source}:{lang}"] = (source, lang)

    def load(root: Path, subset: str, split: str) -> list[ParallelExample]:
        return _capped_pairs([by_name[subset]], split, root, max_per_lang, lexicon_pairs)

    return TaskSpec(name="+".join(s.source for s in sources), type="bitext", family="embed",
                    record_type=ParallelExample,
                    subsets=tuple(Subset(name, lang) for name, (_, lang) in by_name.items()),
                    data=", ".join(dict.fromkeys(s.source for s in sources)),
                    splits="the sources' train and dev pairs" + (f", at most {max_per_lang} per language and source"
                                                                 if max_per_lang is not None else ""),
                    main_score="accuracy", translations="data",
                    reference="; ".join(dict.fromkeys(s.reference for s in sources if s.reference)), loader=load)


def restrict(task: TaskSpec, langs: Sequence[str] | None) -> TaskSpec:
    """``task`` with the subsets of ``langs`` (any code ``lira.languages`` reads), in the order of ``langs``
    (None or empty: ``task`` itself); a language without a subset raises ``ValueError``."""
    if not langs:
        return task
    codes = [normalize_code(lang) for lang in langs]
    subsets = tuple(s for code in codes for s in task.subsets if s.lang == code)
    missing = sorted(set(codes) - {s.lang for s in subsets})
    if missing:
        raise ValueError(f"{task.name} has no data for {', '.join(missing)}; available: {', '.join(task.langs)}")
    names = {s.name for s in subsets}
    return replace(task, subsets=subsets, dev_subsets=tuple(n for n in task.dev_subsets if n in names),
                   train_subsets=tuple(s for s in task.train_subsets if s.lang in codes))


def task_records(task: TaskSpec, split: str, *, data_dir: str | Path | None = None) -> list[Any]:
    """The records of ``split`` of every subset of ``task`` (and, but on test, of its training-only ones) under
    ``data_dir`` (default ``default_data_dir()``), as its loader gives them (uncapped), subset after subset, each
    record once (IndoNLI's two test subsets share one training split; a retrieval set, mutable, is never a
    duplicate). ``split``: one the loader knows (``train``, ``dev`` or ``test`` for the registry's tasks,
    ``SPLITS``; a file's split for a ``user_task``)."""
    if task.loader is None:
        raise ValueError(f"task {task.name} has no loader")
    root = Path(default_data_dir() if data_dir is None else data_dir)
    out: list[Any] = []
    seen: set[Any] = set()
    for subset in task.subsets if split == "test" else (*task.subsets, *task.train_subsets):
        repeated = 0  # a record given twice within one subset is the data's own duplicate: said, not hidden
        own: set[Any] = set()
        for r in task.loader(root, subset.name, split):
            key = r if type(r).__hash__ is not None else id(r)
            repeated += key in own
            own.add(key)
            if key not in seen:
                seen.add(key)
                out.append(r)
        if repeated:
            warnings.warn(f"{task.name} {subset.name} {split}: {repeated} record(s) repeated exactly (same id and "
                          "fields) are read once", stacklevel=2)
    return out
