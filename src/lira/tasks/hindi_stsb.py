"""Hindi STS-B (Multilingual-STSB, machine translation of STS-B): semantic similarity, test only, zero-shot."""

from __future__ import annotations

from pathlib import Path

from lira.data import benchmarks
from lira.data.formats import ScoredPair
from lira.tasks.spec import Subset, TaskSpec


def load(root: Path, subset: str, split: str) -> list[ScoredPair]:
    """The test pairs of ``subset`` (a pairing); no train or dev split."""
    return benchmarks.hindi_stsb(root, pairing=subset) if split == "test" else []


HINDI_STSB = TaskSpec(
    name="hindi-stsb", type="sts", family="sts", anchor_family="embed", record_type=ScoredPair,
    subsets=(Subset("hi-hi", "hin"), Subset("en-hi", "hin")), data="stsb_multi_hi/derived/",
    splits="test: STS-B test (1374 pairs), zero-shot cosine", main_score="spearman", translations="data",
    reference="Cer et al. (2017), STS-B; Huertas-Garcia et al. (2021), Multilingual-STSB", loader=load)

TASKS = (HINDI_STSB,)
