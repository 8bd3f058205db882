"""XNLI (XTREME release): natural language inference in Thai, Vietnamese, Hindi and Urdu, with the English pair.
Only its dev set (2490 rows) is public here: it is split in halves by row number, the same rows in every
language, and 20% of the training half is dev."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lira.data import benchmarks
from lira.data.formats import NLIExample
from lira.tasks.spec import DEV_SEED, SPLIT_SEED, Subset, TaskSpec, carve_dev, seeded_halves

XNLI_LANGS = ("tha", "vie", "hin", "urd")
HALVES = (f"dev (2490) split in halves by a hash of the row number (seed {SPLIT_SEED}): train / test; 20% of the "
          f"train half is dev (seed {DEV_SEED})")


def row(record: Any) -> str:
    """XNLI's row number, the part of the record id after its last colon: the same item in every language."""
    return str(record.id).rsplit(":", 1)[-1]


def load(root: Path, subset: str, split: str) -> list[NLIExample]:
    """The half of ``split`` (the dev part carved from the training half) for ``subset`` (a language)."""
    halves = seeded_halves(benchmarks.xnli(root, lang=subset), seed=SPLIT_SEED, key=row)
    return halves["test"] if split == "test" else carve_dev(halves["train"], split, row)


XNLI = TaskSpec(
    name="xnli", type="nli", family="xnli", record_type=NLIExample,
    subsets=tuple(Subset(c, c) for c in XNLI_LANGS), data="xnli_xtreme/data/xnli/",
    splits=f"{HALVES}; each capped at 1000 rows (the same rows in every language)", main_score="accuracy",
    translations="data", reference="Conneau et al. (2018), XNLI (XTREME release)", loader=load, max_train=1000,
    max_test=1000, key=row)

TASKS = (XNLI,)
