"""The benchmark's tasks on the public data in ``--data-dir`` (``../shared/data``) and the built-in product set.

Training and test data never overlap: XNLI and myXNLI dev are split in two halves by a fixed hash
(``SPLIT_SEED``) of the row number, so every language has the same rows in each half; the parallel data that
trains stage 1 and the distillation peer is the SIB-200 *train* split (FLORES-200 dev sentences), while the
SIB-200 bitext task tests on the SIB-200 *test* split (FLORES-200 devtest sentences), disjoint by
``index_id`` (checked by ``check_disjoint``). Caps (``max_train``/``max_test``) keep the full run within an
hour on 2 CPU cores; they take a fixed hashed subset and are printed in the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lira.data import benchmarks
from lira.data.products import PRODUCT_LANGS, load_products
from lira.languages import LOW_RESOURCE
from lira.tasks.spec import Subset, TaskSpec, seeded_halves

SPLIT_SEED = 20251016
TATOEBA_LANGS = ("tha", "vie", "ind", "zsm", "tgl", "khm", "urd", "ben", "hin", "tam")
XNLI_LANGS = ("tha", "vie", "hin", "urd")


def _row(record: Any) -> str:
    """XNLI's row number (``dev-th.tsv:12`` -> ``12``): the same item in every language."""
    return str(record.id).rsplit(":", 1)[-1]


def _myxnli_row(record: Any) -> str:
    """myXNLI's row number on XNLI's scale (its file has a header line, XNLI's does not)."""
    return str(int(_row(record)) - 1)


DEV_SEED = SPLIT_SEED + 1
DEV_FRACTION = 0.2


def carve_dev(records: list[Any], split: str, key: Any = None) -> list[Any]:
    """``train`` / ``dev`` from one training split: a fixed hash of ``(DEV_SEED, key)`` sends ``DEV_FRACTION`` of
    the records to dev (never touching the test split); any other ``split`` gives ``records`` unchanged."""
    if split not in ("train", "dev"):
        return records
    halves = seeded_halves(records, seed=DEV_SEED, test_fraction=DEV_FRACTION, **({"key": key} if key else {}))
    return halves["train" if split == "train" else "test"]


def _tatoeba(root: Path, subset: str, split: str) -> list[Any]:
    return benchmarks.tatoeba(root, lang=subset) if split == "test" else []  # no train or dev split


def _sib_bitext(root: Path, subset: str, split: str) -> list[Any]:
    return benchmarks.sib200_parallel(root, lang=subset, split=split)


def _sib_classification(root: Path, subset: str, split: str) -> list[Any]:
    return benchmarks.sib200(root, lang=subset, split=split)


def _thai_sts(root: Path, subset: str, split: str) -> list[Any]:
    return benchmarks.thai_stsb(root, pairing=subset, split=split) if split in ("test", "dev") else []


def _hindi_sts(root: Path, subset: str, split: str) -> list[Any]:
    return benchmarks.hindi_stsb(root, pairing=subset) if split == "test" else []


def _semrel(root: Path, subset: str, split: str) -> list[Any]:
    return benchmarks.semrel(root, lang=subset, split="dev" if split == "train" else "test") if split != "dev" else []


def _xnli(root: Path, subset: str, split: str) -> list[Any]:
    halves = seeded_halves(benchmarks.xnli(root, lang=subset), seed=SPLIT_SEED, key=_row)
    return halves["test"] if split == "test" else carve_dev(halves["train"], split, _row)


def _myxnli(root: Path, subset: str, split: str) -> list[Any]:
    halves = seeded_halves(benchmarks.myxnli(root), seed=SPLIT_SEED, key=_myxnli_row)
    return halves["test"] if split == "test" else carve_dev(halves["train"], split, _myxnli_row)


def _indonli(root: Path, subset: str, split: str) -> list[Any]:
    if split == "test":
        return benchmarks.indonli(root, split=subset)
    return carve_dev(benchmarks.indonli(root, split="val"), split)


def _xcopa(root: Path, subset: str, split: str) -> list[Any]:
    if split == "test":
        return benchmarks.xcopa(root, lang=subset, split="test")
    return carve_dev(benchmarks.xcopa(root, lang=subset, split="val"), split)


def _products(root: Path, subset: str, split: str) -> list[Any]:
    return [load_products(subset)]


TASKS: tuple[TaskSpec, ...] = (
    TaskSpec("tatoeba", "bitext", tuple(Subset(c, c) for c in TATOEBA_LANGS), "tatoeba/data/tatoeba/v1/",
             "test: up to 500 pairs per language (a fixed hashed subset; tam has 307); no training data (the "
             "models are trained on the stage-1 parallel data)", "accuracy", "none",
             "Artetxe & Schwenk (2019), LASER Tatoeba test set", _tatoeba, max_test=500),
    TaskSpec("sib200-bitext", "bitext", tuple(Subset(c, c) for c in LOW_RESOURCE), "sib200/data/annotated/",
             "test: SIB-200 test split (FLORES devtest) against the 204 English sentences; stage 1 and the "
             "distillation peer train on the SIB-200 train split (FLORES dev), disjoint by index_id",
             "accuracy", "none", "Adelani et al. (2024), SIB-200; NLLB Team (2022), FLORES-200", _sib_bitext),
    TaskSpec("sib200", "classification", tuple(Subset(c, c) for c in LOW_RESOURCE), "sib200/data/annotated/",
             "train: SIB-200 train (701 per language); dev: SIB-200 dev (99); test: SIB-200 test (204)",
             "accuracy", "data",
             "Adelani et al. (2024), SIB-200", _sib_classification),
    TaskSpec("thai-stsb", "sts", (Subset("th-th", "tha"), Subset("en-th", "tha")), "thai_stsb/, stsb_en_sts17/",
             "dev: STS-B dev (1499 pairs); test: STS-B test (1379 pairs), zero-shot cosine", "spearman", "data",
             "Cer et al. (2017), STS-B; Thai MT from mrpeerat/Thai-Sentence-Vector-Benchmark", _thai_sts),
    TaskSpec("hindi-stsb", "sts", (Subset("hi-hi", "hin"), Subset("en-hi", "hin")), "stsb_multi_hi/derived/",
             "test: STS-B test (1374 pairs), zero-shot cosine", "spearman", "data",
             "Cer et al. (2017), STS-B; Huertas-Garcia et al. (2021), Multilingual-STSB", _hindi_sts),
    TaskSpec("semrel", "sts", (Subset("ind", "ind"), Subset("hin", "hin")), "semrel2024/Track B/",
             "test: SemRel 2024 Track B test, zero-shot cosine (dev unused)", "spearman", "none",
             "Ousidhoum et al. (2024), SemRel2024", _semrel),
    TaskSpec("xnli", "nli", tuple(Subset(c, c) for c in XNLI_LANGS), "xnli_xtreme/data/xnli/",
             f"dev (2490) split in halves by a hash of the row number (seed {SPLIT_SEED}): train / test; 20% of "
             f"the train half is dev (seed {DEV_SEED}); each capped at 1000 rows (the same rows in every language)",
             "accuracy", "data", "Conneau et al. (2018), XNLI (XTREME release)", _xnli, max_train=1000,
             max_test=1000, key=_row),
    TaskSpec("myxnli", "nli", (Subset("mya", "mya"),), "myxnli/output/my/",
             f"dev (2490) split in halves by a hash of the row number (seed {SPLIT_SEED}): train / test; 20% of "
             f"the train half is dev (seed {DEV_SEED}); each capped at 1000 rows", "accuracy", "data",
             "myXNLI (akhtet/myXNLI), Burmese XNLI", _myxnli,
             max_train=1000, max_test=1000,
             key=_myxnli_row),
    TaskSpec("indonli", "nli", (Subset("test_lay", "ind"), Subset("test_expert", "ind")), "indonli/data/indonli/",
             f"train: val less 20% for dev (hash, seed {DEV_SEED}); test: test_lay and test_expert; each capped at "
             "1000 pairs", "accuracy", "none",
             "Mahendra et al. (2021), IndoNLI", _indonli, max_train=1000, max_test=1000),
    TaskSpec("xcopa", "choice", (Subset("ind", "ind"), Subset("tam", "tam")), "xcopa/data/, xcopa/data-gmt/",
             f"train: val (100, few-shot) less 20% for dev (hash, seed {DEV_SEED}); test: test (500); English: "
             "Google MT (data-gmt)", "accuracy", "data",
             "Ponti et al. (2020), XCOPA", _xcopa),
    TaskSpec("products", "retrieval", tuple(Subset(c, c) for c in PRODUCT_LANGS), "built-in (lira/resources)",
             "train / dev / test query splits of the built-in product set", "ndcg@10", "lexicon",
             "LiRA built-in product set (DATASHEET.md)", _products),
    TaskSpec("products-heldout", "retrieval", tuple(Subset(c, c) for c in PRODUCT_LANGS), "built-in (lira/resources)",
             "as products, but the English path comes from the held-out lexicon: every lexicon term used only by "
             "test queries removed (`python benchmarks/lexicon_coverage.py` gives its coverage per split)",
             "ndcg@10", "lexicon-heldout", "LiRA built-in product set (DATASHEET.md)", _products),
    TaskSpec("mgsm", "math", (Subset("th", "tha"), Subset("bn", "ben")), "mgsm/mgsm/",
             "test: 250 problems; run with `lira eval mgsm --endpoint URL`", "accuracy", "data",
             "Shi et al. (2023), MGSM", None, in_benchmark=False,
             note="needs an LLM endpoint (`lira eval mgsm --endpoint URL`); not part of the CPU benchmark"),
)


def get_task(name: str) -> TaskSpec:
    """The task called ``name``; ``KeyError`` lists the valid names."""
    for task in TASKS:
        if task.name == name:
            return task
    raise KeyError(f"unknown task {name!r}; valid: {', '.join(t.name for t in TASKS)}")


def check_disjoint(data_dir: str | Path) -> dict[str, int]:
    """Overlap between the parallel training data (SIB-200 train) and the bitext test sets, per language:
    shared ``index_id`` with SIB-200 test, and shared English sentences with Tatoeba. Raises ``ValueError`` on
    any ``index_id`` overlap; returns the counts (Tatoeba overlaps are reported, as the sets are independent)."""
    counts: dict[str, int] = {}
    for lang in LOW_RESOURCE:
        train = benchmarks.sib200_parallel(data_dir, lang=lang, split="train")
        test_ids = {ex.id for ex in benchmarks.sib200_parallel(data_dir, lang=lang, split="test")}
        shared = {ex.id for ex in train} & test_ids
        if shared:
            raise ValueError(f"SIB-200 {lang}: {len(shared)} index_id(s) in both train and test")
        counts[f"sib200-bitext/{lang}"] = 0
        if lang in TATOEBA_LANGS:
            english = {ex.en.strip().lower() for ex in train}
            counts[f"tatoeba/{lang}"] = sum(ex.en.strip().lower() in english
                                            for ex in benchmarks.tatoeba(data_dir, lang=lang))
    return counts
