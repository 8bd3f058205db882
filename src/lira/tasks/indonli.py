"""IndoNLI: Indonesian natural language inference without an English side; trained on val, two test sets."""

from __future__ import annotations

from pathlib import Path

from lira.data import benchmarks
from lira.data.formats import NLIExample
from lira.tasks.spec import DEV_SEED, Subset, TaskSpec, carve_dev


def load(root: Path, subset: str, split: str) -> list[NLIExample]:
    """``test``: the test set ``subset`` (test_lay or test_expert); train / dev: val less / its 20% dev (the same
    for both subsets)."""
    if split == "test":
        return benchmarks.indonli(root, split=subset)
    return carve_dev(benchmarks.indonli(root, split="val"), split)


INDONLI = TaskSpec(
    name="indonli", type="nli", family="indonli", record_type=NLIExample,
    subsets=(Subset("test_lay", "ind"), Subset("test_expert", "ind")), data="indonli/data/indonli/",
    splits=f"train: val less 20% for dev (hash, seed {DEV_SEED}); test: test_lay and test_expert; each capped at "
           "1000 pairs",
    main_score="accuracy", translations="none", reference="Mahendra et al. (2021), IndoNLI", loader=load,
    max_train=1000, max_test=1000)

TASKS = (INDONLI,)
