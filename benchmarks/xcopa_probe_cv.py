"""Which features can a linear probe learn XCOPA from? A study on XCOPA val only (its test split is never read).

XCOPA's val holds 100 items, the same ones in each language; its dev split (20%, ``lira.tasks.xcopa``) holds
17, too few to tell feature sets apart. This script pools val's four languages (Indonesian, Tamil, Thai,
Vietnamese; 400 items) and scores probes by grouped k-fold cross-validation, an item's four translations always
in the same fold, so no item is trained in one language and scored in another. Each probe is the benchmark's
(``lira.lasr.linear_probe.fit_logistic``: one row per option, 1 for the right one; the option with the highest
score wins), on one of these feature sets of the pair (premise with its question in brackets, option), read by
the multilingual backbone through the texts (``ml``) and through the data's English (``en``, XCOPA's
machine translations):

- ``pair``: ``[u, v, |u - v|, u * v]`` of both paths' pooled vectors (the plain pair probe);
- ``pair + alignment``: with both paths' token-alignment features, standardised (the start the benchmark keeps);
- ``alignment``: the token-alignment features alone (16);
- ``cosine``: the pooled cosine of premise and option on each path (2), standardised;
- ``alignment + cosine``: both (18).

Also prints, with nothing trained, the accuracy of picking the option whose pooled vector is closer to the
premise's, per path. Usage::

    python benchmarks/xcopa_probe_cv.py --data-dir ../shared/data [--folds 10] [--cache-dir DIR]

Reference: Ponti et al. (2020), XCOPA; Roemmele et al. (2011), COPA.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from lira.backbones import load_backbone
from lira.backbones.alignment import encode_alignment
from lira.benchmark.config import BenchmarkConfig
from lira.cache import CachedBackbone, FeatureCache
from lira.data import benchmarks
from lira.lasr.linear_probe import pair_features
from lira.training.lasr_data import choice_premise
from lira.training.start_cv import cross_validated

LANGS = ("ind", "tam", "tha", "vie")


def standardised(x: np.ndarray) -> np.ndarray:
    """``x`` with every column at mean 0 and standard deviation 1 over all rows (constant columns at 0)."""
    std = x.std(axis=0)
    return (x - x.mean(axis=0)) / np.where(std > 0, std, 1.0)


def cv_accuracy(features: np.ndarray, items: list, folds: int) -> float:
    """Grouped k-fold accuracy x100 of the option probe on ``features [n_items * 2, d]`` (option rows, in item
    order), by the benchmark's own cross-validation of a choice head's starts (``start_cv.cross_validated``)."""
    labels = np.array([ex.label for ex in items])
    option_labels = (np.arange(2)[None, :] == labels[:, None]).astype(int).ravel()
    questions = np.repeat(np.arange(len(items)), 2)
    groups = np.array([ex.id for ex in items])[questions]
    return 100 * float(cross_validated(features, option_labels, groups, folds, questions).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--backbone", default=BenchmarkConfig.backbone)
    parser.add_argument("--cache-dir", type=Path, help="the feature cache (default: none kept on disk)")
    args = parser.parse_args()
    items = [ex for lang in LANGS for ex in benchmarks.xcopa(args.data_dir, lang=lang, split="val")]
    missing = [f"{ex.lang}:{ex.id}" for ex in items if ex.premise_en is None or ex.choices_en is None]
    if missing:
        raise SystemExit(f"XCOPA val items without English in data-gmt: {missing[:5]}")
    backbone = CachedBackbone(load_backbone(args.backbone), FeatureCache(args.cache_dir))
    paths = {}
    for path, english in (("ml", False), ("en", True)):
        premises = [choice_premise(ex.premise_en if english else ex.premise, ex.question) for ex in items
                    for _ in range(2)]
        options = [c for ex in items for c in ((ex.choices_en or ()) if english else ex.choices)]
        u, v = backbone.encode(premises), backbone.encode(options)
        paths[path] = {"pair": pair_features(u, v), "cosine": (u * v).sum(axis=1, keepdims=True),
                       "alignment": encode_alignment(backbone, premises, options)}
    both = {name: np.concatenate([paths["ml"][name], paths["en"][name]], axis=1)
            for name in ("pair", "cosine", "alignment")}
    align, cosine = standardised(both["alignment"]), standardised(both["cosine"])
    sets = {"pair": both["pair"], "pair + alignment": np.concatenate([both["pair"], align], axis=1),
            "alignment": align, "cosine": cosine, "alignment + cosine": np.concatenate([align, cosine], axis=1)}
    labels = np.array([ex.label for ex in items])
    print(f"XCOPA val, {len(items)} items ({', '.join(LANGS)}), {args.folds}-fold cross-validation grouped by item\n")
    print("| features | width | accuracy x100 |")
    print("|---|---|---|")
    for name, features in sets.items():
        print(f"| {name} | {features.shape[1]} | {cv_accuracy(features, items, args.folds):.2f} |", flush=True)
    for path in ("ml", "en"):
        closer = paths[path]["cosine"].reshape(len(items), 2).argmax(axis=1)
        print(f"| untrained: the option closer to the premise ({path}) | - | {100 * (closer == labels).mean():.2f} |")


if __name__ == "__main__":
    main()
