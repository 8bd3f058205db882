"""XCOPA: causal commonsense reasoning (two choices) in Indonesian and Tamil, English by Google MT."""

from __future__ import annotations

from pathlib import Path

from lira.data import benchmarks
from lira.data.formats import ChoiceExample
from lira.tasks.spec import DEV_SEED, Subset, TaskSpec, carve_dev


def load(root: Path, subset: str, split: str) -> list[ChoiceExample]:
    """``test``: XCOPA test of ``subset`` (a language); train / dev: its val less / its 20% dev (few-shot)."""
    if split == "test":
        return benchmarks.xcopa(root, lang=subset, split="test")
    return carve_dev(benchmarks.xcopa(root, lang=subset, split="val"), split)


XCOPA = TaskSpec(
    name="xcopa", type="choice", family="xcopa", record_type=ChoiceExample,
    subsets=(Subset("ind", "ind"), Subset("tam", "tam")), data="xcopa/data/, xcopa/data-gmt/",
    splits=f"train: val (100, few-shot) less 20% for dev (hash, seed {DEV_SEED}); test: test (500); English: "
           "Google MT (data-gmt)",
    main_score="accuracy", translations="data", reference="Ponti et al. (2020), XCOPA", loader=load)

TASKS = (XCOPA,)
