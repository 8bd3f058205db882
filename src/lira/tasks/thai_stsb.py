"""Thai STS-B (machine translation of STS-B): semantic similarity, Thai-Thai and English-Thai, zero-shot."""

from __future__ import annotations

from pathlib import Path

from lira.data import benchmarks
from lira.data.formats import ScoredPair
from lira.tasks.spec import Subset, TaskSpec


def load(root: Path, subset: str, split: str) -> list[ScoredPair]:
    """The pairs of ``subset`` (a pairing) for dev or test; no train split."""
    return benchmarks.thai_stsb(root, pairing=subset, split=split) if split in ("test", "dev") else []


THAI_STSB = TaskSpec(
    name="thai-stsb", type="sts", family="sts", anchor_family="embed", record_type=ScoredPair,
    subsets=(Subset("th-th", "tha"), Subset("en-th", "tha")), data="thai_stsb/, stsb_en_sts17/",
    splits="dev: STS-B dev (1499 pairs); test: STS-B test (1379 pairs), zero-shot cosine", main_score="spearman",
    translations="data",
    reference="Cer et al. (2017), STS-B; Thai MT from mrpeerat/Thai-Sentence-Vector-Benchmark", loader=load,
    dev_subsets=("th-th", "en-th"))  # the "sts" family's English weight is chosen on both pairings' dev split

TASKS = (THAI_STSB,)
