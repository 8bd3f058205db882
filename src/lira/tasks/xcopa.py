"""XCOPA: causal commonsense reasoning (two choices) in Indonesian and Tamil, English by Google MT; the Thai and
Vietnamese val sets (the same 100 items, no test split here) train too."""

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
    train_subsets=(Subset("tha", "tha"), Subset("vie", "vie")),
    splits=f"train: val (100, few-shot; ind, tam, and tha, vie, which have no test split here) less 20% for dev "
           f"(hash of the item, seed {DEV_SEED}: the same items in every language); test: test (500); English: "
           "Google MT (data-gmt)",
    main_score="accuracy", translations="data", reference="Ponti et al. (2020), XCOPA", loader=load)

TASKS = (XCOPA,)
