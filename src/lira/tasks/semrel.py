"""SemRel 2024 Track B: semantic relatedness in Indonesian and Hindi, zero-shot, without an English side."""

from __future__ import annotations

from pathlib import Path

from lira.data import benchmarks
from lira.data.formats import ScoredPair
from lira.tasks.spec import Subset, TaskSpec


def load(root: Path, subset: str, split: str) -> list[ScoredPair]:
    """``train``: the SemRel dev split; ``test``: its test split; no dev split."""
    if split == "dev":
        return []
    return benchmarks.semrel(root, lang=subset, split="dev" if split == "train" else "test")


SEMREL = TaskSpec(
    name="semrel", type="sts", family="embed", record_type=ScoredPair,
    subsets=(Subset("ind", "ind"), Subset("hin", "hin")), data="semrel2024/Track B/",
    splits="test: SemRel 2024 Track B test, zero-shot cosine (dev unused)", main_score="spearman",
    translations="none", reference="Ousidhoum et al. (2024), SemRel2024", loader=load)

TASKS = (SEMREL,)
