"""Tatoeba (LASER test set): bitext mining between ten LiRA languages and English; test only."""

from __future__ import annotations

from pathlib import Path

from lira.data import benchmarks
from lira.data.formats import ParallelExample
from lira.tasks.spec import Disjoint, Subset, TaskSpec

TATOEBA_LANGS = ("tha", "vie", "ind", "zsm", "tgl", "khm", "urd", "ben", "hin", "tam")


def load(root: Path, subset: str, split: str) -> list[ParallelExample]:
    """The test pairs of ``subset`` (a language); no train or dev split."""
    return benchmarks.tatoeba(root, lang=subset) if split == "test" else []


TATOEBA = TaskSpec(
    name="tatoeba", type="bitext", family="embed", record_type=ParallelExample,
    subsets=tuple(Subset(c, c) for c in TATOEBA_LANGS), data="tatoeba/data/tatoeba/v1/",
    splits="test: every pair of each language (1000; tha 548, khm 722, tam 307), each source matched among all of "
           "its language's English sentences, as LASER and MTEB score it; no training data (the models are trained on "
           "the stage-1 parallel data)",
    main_score="accuracy", translations="none", reference="Artetxe & Schwenk (2019), LASER Tatoeba test set",
    loader=load,
    disjoint_from=Disjoint(source="sib200", by="english", label="Tatoeba"))  # independent: overlaps are reported

TASKS = (TATOEBA,)
