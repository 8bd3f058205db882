"""SIB-200 (FLORES-200 sentences with topic labels): bitext mining, topic classification and the stage-1
parallel source ``sib200`` (its train split; the bitext task tests on its test split, disjoint by index_id)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lira.data import benchmarks
from lira.data.formats import ClassificationExample, ParallelExample
from lira.languages import LOW_RESOURCE
from lira.tasks.spec import Disjoint, ParallelSpec, Subset, TaskSpec

REFERENCE = "Adelani et al. (2024), SIB-200"


def load_bitext(root: Path, subset: str, split: str) -> list[ParallelExample]:
    """SIB-200 sentences of ``subset`` (a language) paired with English by index_id."""
    return benchmarks.sib200_parallel(root, lang=subset, split=split)


def load_classification(root: Path, subset: str, split: str) -> list[ClassificationExample]:
    """SIB-200 topic classification of ``subset`` (a language)."""
    return benchmarks.sib200(root, lang=subset, split=split)


def parallel(data_dir: str | Path, lang: str, split: str, **_: Any) -> list[ParallelExample]:
    """The stage-1 pairs of ``lang``: SIB-200 ``split`` (train or dev) paired with English by index_id."""
    return benchmarks.sib200_parallel(data_dir, lang=lang, split=split)


PARALLEL = ParallelSpec(source="sib200", langs=LOW_RESOURCE, load=parallel,
                        reference=f"{REFERENCE}; NLLB Team (2022), FLORES-200")

SIB200_BITEXT = TaskSpec(
    name="sib200-bitext", type="bitext", family="embed", record_type=ParallelExample,
    subsets=tuple(Subset(c, c) for c in LOW_RESOURCE), data="sib200/data/annotated/",
    splits="test: SIB-200 test split (FLORES devtest) against the 204 English sentences; stage 1 and the "
           "distillation peer train on the SIB-200 train split (FLORES dev), disjoint by index_id",
    main_score="accuracy", translations="none", reference=f"{REFERENCE}; NLLB Team (2022), FLORES-200",
    loader=load_bitext, parallel=PARALLEL,
    disjoint_from=Disjoint(source=PARALLEL.source, by="id", label="SIB-200", id_name="index_id"))

SIB200 = TaskSpec(
    name="sib200", type="classification", family="sib200", record_type=ClassificationExample,
    subsets=tuple(Subset(c, c) for c in LOW_RESOURCE), data="sib200/data/annotated/",
    splits="train: SIB-200 train (701 per language); dev: SIB-200 dev (99); test: SIB-200 test (204)",
    main_score="accuracy", translations="data", reference=REFERENCE, loader=load_classification)

TASKS = (SIB200_BITEXT, SIB200)
