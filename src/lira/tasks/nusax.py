"""NusaX: Indonesian sentences with their English, a stage-1 parallel source (``nusax``, NusaX-MT), and the
sentiment classification of the same sentences (``nusax-sentiment``); its test split is disjoint from the
training pairs (MT train is the sentiment train split)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lira.data import benchmarks
from lira.data.formats import ClassificationExample, ParallelExample
from lira.tasks.spec import Disjoint, ParallelSpec, Subset, TaskSpec

REFERENCE = "Winata et al. (2023), NusaX"
SPLITS = {"train": "train", "dev": "valid", "test": "test"}  # LiRA's split: NusaX's


def parallel(data_dir: str | Path, lang: str, split: str, **_: Any) -> list[ParallelExample]:
    """NusaX-MT train (``split`` train) or valid (``split`` dev) pairs; ``lang`` must be ``ind``."""
    if lang != "ind":
        raise ValueError(f"NusaX-MT has Indonesian (ind) only, not {lang!r}")
    return benchmarks.nusax_mt(data_dir, split="train" if split == "train" else "valid")


def load_sentiment(root: Path, subset: str, split: str) -> list[ClassificationExample]:
    """NusaX sentiment of ``subset`` (``ind``): train, dev (NusaX valid) or test."""
    if subset != "ind":
        raise ValueError(f"NusaX sentiment has Indonesian (ind) only here, not {subset!r}")
    if split not in SPLITS:
        raise ValueError(f"NusaX sentiment: unknown split {split!r}; valid: {', '.join(SPLITS)}")
    return benchmarks.nusax_sentiment(root, split=SPLITS[split])


PARALLEL = ParallelSpec(source="nusax", langs=("ind",), load=parallel, reference=REFERENCE)

NUSAX_SENTIMENT = TaskSpec(
    name="nusax-sentiment", type="classification", family="nusax-sentiment", record_type=ClassificationExample,
    subsets=(Subset("ind", "ind"),), data="nusax/datasets/sentiment/",
    splits="train: NusaX sentiment train (500); dev: valid (100); test: test (400), disjoint from the NusaX-MT "
           "train pairs of stage 1",
    main_score="accuracy", translations="data", reference=REFERENCE, loader=load_sentiment,
    disjoint_from=Disjoint(source=PARALLEL.source, by="english", label="NusaX sentiment"))

TASKS = (NUSAX_SENTIMENT,)
