"""The registry: every ``TaskSpec`` and stage-1 ``ParallelSpec`` declared by the dataset files of ``lira.tasks``.

A dataset is one module of this package that defines ``TASKS`` (a tuple of ``TaskSpec``, possibly empty) and,
if it has parallel pairs for stage 1, ``PARALLEL`` (a ``ParallelSpec``). Modules are found automatically:
those in ``ORDER`` first (the benchmark's order of tasks), then any other in name order; ``NOT_DATASETS`` are the
package's other modules (this one, ``spec``, ``records``: the data selection training reads, and ``user``: the
user's own files as specs).

Training and test data never overlap: XNLI and myXNLI dev are split in two halves by a fixed hash
(``SPLIT_SEED``) of the row number, so every language has the same rows in each half; the parallel data that
trains stage 1 and the distillation peer is the SIB-200 *train* split (FLORES-200 dev sentences), while the
SIB-200 bitext task tests on the SIB-200 *test* split (FLORES-200 devtest sentences), disjoint by
``index_id`` (each task declares it as ``TaskSpec.disjoint_from``; ``check_disjoint`` checks it). The optional
NLI sources ``xnli`` and ``myxnli`` (``cross_lingual_nli.sentence_pairs``) leave out every sentence of their
task's test half, which repeats premises of the training half. Caps
(``max_train``/``max_test``) keep the full run within an hour on 2 CPU cores; they take a fixed hashed subset and
are printed in the report.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

from lira.data.formats import ParallelExample
from lira.languages import LOW_RESOURCE
from lira.tasks.cross_lingual_nli import XNLI_LANGS
from lira.tasks.spec import DEV_FRACTION, DEV_SEED, SPLIT_SEED, ParallelSpec, TaskSpec, carve_dev
from lira.tasks.tatoeba import TATOEBA_LANGS

__all__ = ["DEV_FRACTION", "DEV_SEED", "ORDER", "PARALLEL", "SPLIT_SEED", "TASKS", "TATOEBA_LANGS", "XNLI_LANGS",
           "carve_dev", "check_disjoint", "collect", "dataset_modules", "family_dev", "get_parallel", "get_task"]

# The benchmark's order of datasets (its rows and report follow it); a module not listed here comes after these.
ORDER = ("tatoeba", "sib200", "thai_stsb", "hindi_stsb", "semrel", "cross_lingual_nli", "myxnli", "indonli", "xcopa",
         "products", "mgsm", "nusax")
NOT_DATASETS = ("catalogue", "records", "spec", "user")  # the registry, data selection, specs, user data


def dataset_modules(package: str = __package__ or "lira.tasks") -> list[ModuleType]:
    """The dataset modules of ``package``: those in ``ORDER`` first, then the others in name order."""
    path = importlib.import_module(package).__path__
    names = {m.name for m in pkgutil.iter_modules(path)} - set(NOT_DATASETS)
    ordered = [n for n in ORDER if n in names] + sorted(names - set(ORDER))
    return [importlib.import_module(f"{package}.{n}") for n in ordered]


def collect(modules: Iterable[ModuleType]) -> tuple[tuple[TaskSpec, ...], dict[str, ParallelSpec]]:
    """The task specs (``TASKS``) and the parallel sources (``PARALLEL``) the ``modules`` declare; a name declared
    twice, two tasks of one family with different ``anchor_family``, a second task with dev subsets for one family
    or a ``disjoint_from`` naming no declared source raises ``ValueError``."""
    tasks: dict[str, tuple[TaskSpec, str]] = {}
    parallel: dict[str, tuple[ParallelSpec, str]] = {}
    for module in modules:
        for spec in getattr(module, "TASKS", ()):
            if not isinstance(spec, TaskSpec):
                raise TypeError(f"{module.__name__}.TASKS holds {spec!r}, not a TaskSpec")
            if spec.name in tasks:
                raise ValueError(f"task {spec.name!r} is declared by {tasks[spec.name][1]} and {module.__name__}")
            tasks[spec.name] = (spec, module.__name__)
        source = getattr(module, "PARALLEL", None)
        if source is not None:
            if source.source in parallel:
                raise ValueError(f"parallel source {source.source!r} is declared by {parallel[source.source][1]} "
                                 f"and {module.__name__}")
            parallel[source.source] = (source, module.__name__)
    selects: dict[str, str] = {}
    spaces: dict[str, tuple[str, str]] = {}
    for spec, _ in tasks.values():
        other = spaces.setdefault(spec.family, (spec.space_family, spec.name))
        if other[0] != spec.space_family:
            raise ValueError(f"tasks {other[1]!r} and {spec.name!r} of family {spec.family!r} read English in "
                             f"different families' anchor spaces ({other[0]!r}, {spec.space_family!r})")
        if spec.dev_subsets:
            if spec.family in selects:
                raise ValueError(f"tasks {selects[spec.family]!r} and {spec.name!r} both declare the dev subsets of "
                                 f"family {spec.family!r}")
            selects[spec.family] = spec.name
        if spec.disjoint_from is not None and spec.disjoint_from.source not in parallel:
            raise ValueError(f"task {spec.name!r} is disjoint from an unknown parallel source "
                             f"{spec.disjoint_from.source!r}; declared: {', '.join(parallel)}")
    return tuple(s for s, _ in tasks.values()), {name: s for name, (s, _) in parallel.items()}


TASKS, PARALLEL = collect(dataset_modules())


def get_task(name: str) -> TaskSpec:
    """The task called ``name``; ``KeyError`` lists the valid names."""
    for task in TASKS:
        if task.name == name:
            return task
    raise KeyError(f"unknown task {name!r}; valid: {', '.join(t.name for t in TASKS)}")


def get_parallel(source: str) -> ParallelSpec:
    """The stage-1 parallel source called ``source``; ``KeyError`` lists the valid names."""
    if source not in PARALLEL:
        raise KeyError(f"unknown parallel source {source!r}; valid: {', '.join(PARALLEL)}")
    return PARALLEL[source]


def family_dev(family: str) -> TaskSpec:
    """The task whose ``dev_subsets`` make the choices of the shared ``family`` (``sts``: Thai STS-B); ``KeyError``
    when no task declares them."""
    for task in TASKS:
        if task.family == family and task.dev_subsets:
            return task
    raise KeyError(f"no task declares the dev subsets of family {family!r}")


def check_disjoint(data_dir: str | Path) -> dict[str, int]:
    """Overlap between the stage-1 parallel training data and the full test split of every task that declares
    ``disjoint_from``, per language of ``LOW_RESOURCE`` and subset (``<task>/<subset>``): by id (SIB-200 bitext
    against SIB-200 train; any shared ``index_id`` raises ``ValueError``, checked first) or by English sentence
    (Tatoeba; counted and reported, as the sets are independent)."""
    root = Path(data_dir)
    declared = [t for t in TASKS if t.disjoint_from is not None and t.disjoint_from.by == "id"]
    declared += [t for t in TASKS if t.disjoint_from is not None and t.disjoint_from.by != "id"]
    counts: dict[str, int] = {}
    for lang in LOW_RESOURCE:
        train: dict[str, list[ParallelExample]] = {}
        for task in declared:
            rule, loader = task.disjoint_from, task.loader
            assert rule is not None and loader is not None, task.name
            source = get_parallel(rule.source)
            for subset in (s for s in task.subsets if s.lang == lang and lang in source.langs):
                if rule.source not in train:
                    train[rule.source] = source.load(root, lang, "train")
                test = loader(root, subset.name, "test")
                if rule.by == "id":
                    shared = {ex.id for ex in train[rule.source]} & {ex.id for ex in test}
                    if shared:
                        raise ValueError(f"{rule.label or task.name} {lang}: {len(shared)} {rule.id_name}(s) in "
                                         "both train and test")
                    counts[f"{task.name}/{subset.name}"] = 0
                else:
                    english = {ex.en.strip().lower() for ex in train[rule.source]}
                    counts[f"{task.name}/{subset.name}"] = sum(ex.en.strip().lower() in english for ex in test)
    return counts
