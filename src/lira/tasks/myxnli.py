"""myXNLI: Burmese XNLI with the English pair in the same row, split as XNLI (halves by row number)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lira.data import benchmarks
from lira.data.formats import NLIExample, ParallelExample
from lira.tasks.cross_lingual_nli import HALVES, sentence_pairs
from lira.tasks.cross_lingual_nli import row as xnli_row
from lira.tasks.spec import SPLIT_SEED, ParallelSpec, Subset, TaskSpec, carve_dev, seeded_halves


def row(record: Any) -> str:
    """myXNLI's row number on XNLI's scale (its file has a header line, XNLI's does not)."""
    return str(int(xnli_row(record)) - 1)


def load(root: Path, subset: str, split: str) -> list[NLIExample]:
    """The half of ``split`` (the dev part carved from the training half); one subset, ``mya``."""
    halves = seeded_halves(benchmarks.myxnli(root), seed=SPLIT_SEED, key=row)
    return halves["test"] if split == "test" else carve_dev(halves["train"], split, row)


def parallel(data_dir: str | Path, lang: str, split: str, **_: Any) -> list[ParallelExample]:
    """myXNLI's stage-1 pairs (``sentence_pairs`` of its training half); ``lang`` must be ``mya``."""
    if lang != "mya":
        raise ValueError(f"myXNLI has Burmese (mya) only, not {lang!r}")
    return sentence_pairs(load, Path(data_dir), lang, split)


PARALLEL = ParallelSpec(source="myxnli", langs=("mya",), load=parallel,
                        reference="myXNLI (akhtet/myXNLI), Burmese XNLI")

MYXNLI = TaskSpec(
    name="myxnli", type="nli", family="myxnli", record_type=NLIExample, subsets=(Subset("mya", "mya"),),
    data="myxnli/output/my/", splits=f"{HALVES}; each capped at 1000 rows", main_score="accuracy",
    translations="data", reference="myXNLI (akhtet/myXNLI), Burmese XNLI", loader=load, max_train=1000,
    max_test=1000, key=row)

TASKS = (MYXNLI,)
