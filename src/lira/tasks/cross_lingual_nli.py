"""XNLI (XTREME release): natural language inference in Thai, Vietnamese, Hindi and Urdu, with the English pair.
Only its dev set (2490 rows) is public here: it is split in halves by row number, the same rows in every
language, and 20% of the training half is dev."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from lira.data import benchmarks
from lira.data.formats import NLIExample, ParallelExample
from lira.tasks.spec import DEV_SEED, SPLIT_SEED, ParallelSpec, Subset, TaskSpec, carve_dev, seeded_halves

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


def sentence_pairs(load_split: Callable[[Path, str, str], list[NLIExample]], root: Path, lang: str,
                   split: str) -> list[ParallelExample]:
    """The premises and hypotheses of an NLI task's ``split`` (``train`` or ``dev``: its carved training half)
    as sentences in ``lang`` with their English, each once, leaving out every sentence that also occurs in
    another split (XNLI repeats a premise over rows, and its halves split rows): a stage-1 source that
    shares no sentence with the task's test half or with the other training part. ``load_split(root, lang,
    split)`` is the task's loader; ids are ``<record id>:premise`` / ``:hypothesis``."""
    if split not in ("train", "dev"):
        raise ValueError(f"an NLI parallel source has splits train and dev, not {split!r}")
    other = {text for s in ("test", "dev" if split == "train" else "train") for r in load_split(root, lang, s)
             for text in (r.premise, r.hypothesis)}
    out: dict[str, ParallelExample] = {}
    for r in load_split(root, lang, split):
        for part, text, en in (("premise", r.premise, r.premise_en), ("hypothesis", r.hypothesis, r.hypothesis_en)):
            if not en:
                raise ValueError(f"{r.id}: no {part}_en; an NLI parallel source needs every sentence's English")
            if text not in other and text not in out:
                out[text] = ParallelExample(lang=lang, text=text, en=en, id=f"{r.id}:{part}")
    return list(out.values())


def parallel(data_dir: str | Path, lang: str, split: str, **_: Any) -> list[ParallelExample]:
    """XNLI's stage-1 pairs of ``lang`` (``sentence_pairs`` of its training half)."""
    return sentence_pairs(load, Path(data_dir), lang, split)


PARALLEL = ParallelSpec(source="xnli", langs=XNLI_LANGS, load=parallel,
                        reference="Conneau et al. (2018), XNLI (XTREME release)")

XNLI = TaskSpec(
    name="xnli", type="nli", family="xnli", record_type=NLIExample,
    subsets=tuple(Subset(c, c) for c in XNLI_LANGS), data="xnli_xtreme/data/xnli/",
    splits=f"{HALVES}; each capped at 1000 rows (the same rows in every language)", main_score="accuracy",
    translations="data", reference="Conneau et al. (2018), XNLI (XTREME release)", loader=load, max_train=1000,
    max_test=1000, key=row)

TASKS = (XNLI,)
