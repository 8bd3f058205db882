"""The registry: every ``TaskSpec`` and stage-1 ``ParallelSpec`` declared by the dataset files of ``lira.tasks``.

A dataset is one module of this package that defines ``TASKS`` (a tuple of ``TaskSpec``, possibly empty) and,
if it has parallel pairs for stage 1, ``PARALLEL`` (a ``ParallelSpec``). Modules are found automatically:
those in ``ORDER`` first (the benchmark's order of tasks), then any other in name order.

Training and test data never overlap: XNLI and myXNLI dev are split in two halves by a fixed hash
(``SPLIT_SEED``) of the row number, so every language has the same rows in each half; the parallel data that
trains stage 1 and the distillation peer is the SIB-200 *train* split (FLORES-200 dev sentences), while the
SIB-200 bitext task tests on the SIB-200 *test* split (FLORES-200 devtest sentences), disjoint by
``index_id`` (checked by ``check_disjoint``). Caps (``max_train``/``max_test``) keep the full run within an
hour on 2 CPU cores; they take a fixed hashed subset and are printed in the report.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

from lira.data import benchmarks
from lira.languages import LOW_RESOURCE
from lira.tasks.spec import DEV_FRACTION, DEV_SEED, SPLIT_SEED, ParallelSpec, TaskSpec, carve_dev
from lira.tasks.tatoeba import TATOEBA_LANGS
from lira.tasks.xnli import XNLI_LANGS

__all__ = ["DEV_FRACTION", "DEV_SEED", "ORDER", "PARALLEL", "SPLIT_SEED", "TASKS", "TATOEBA_LANGS", "XNLI_LANGS",
           "carve_dev", "check_disjoint", "collect", "dataset_modules", "get_parallel", "get_task"]

# The benchmark's order of datasets (its rows and report follow it); a module not listed here comes after these.
ORDER = ("tatoeba", "sib200", "thai_stsb", "hindi_stsb", "semrel", "xnli", "myxnli", "indonli", "xcopa", "products",
         "mgsm", "nusax")
NOT_DATASETS = ("catalogue", "spec")


def dataset_modules(package: str = __package__ or "lira.tasks") -> list[ModuleType]:
    """The dataset modules of ``package``: those in ``ORDER`` first, then the others in name order."""
    path = importlib.import_module(package).__path__
    names = {m.name for m in pkgutil.iter_modules(path)} - set(NOT_DATASETS)
    ordered = [n for n in ORDER if n in names] + sorted(names - set(ORDER))
    return [importlib.import_module(f"{package}.{n}") for n in ordered]


def collect(modules: Iterable[ModuleType]) -> tuple[tuple[TaskSpec, ...], dict[str, ParallelSpec]]:
    """The task specs (``TASKS``) and the parallel sources (``PARALLEL``) the ``modules`` declare; a name declared
    twice raises ``ValueError`` naming both modules."""
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


def check_disjoint(data_dir: str | Path) -> dict[str, int]:
    """Overlap between the parallel training data (SIB-200 train) and the bitext test sets, per language:
    shared ``index_id`` with SIB-200 test, and shared English sentences with Tatoeba. Raises ``ValueError`` on
    any ``index_id`` overlap; returns the counts (Tatoeba overlaps are reported, as the sets are independent)."""
    counts: dict[str, int] = {}
    for lang in LOW_RESOURCE:
        train = benchmarks.sib200_parallel(data_dir, lang=lang, split="train")
        test_ids = {ex.id for ex in benchmarks.sib200_parallel(data_dir, lang=lang, split="test")}
        shared = {ex.id for ex in train} & test_ids
        if shared:
            raise ValueError(f"SIB-200 {lang}: {len(shared)} index_id(s) in both train and test")
        counts[f"sib200-bitext/{lang}"] = 0
        if lang in TATOEBA_LANGS:
            english = {ex.en.strip().lower() for ex in train}
            counts[f"tatoeba/{lang}"] = sum(ex.en.strip().lower() in english
                                            for ex in benchmarks.tatoeba(data_dir, lang=lang))
    return counts
