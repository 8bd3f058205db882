"""Stage-2 settings for the benchmark's task families, chosen on SIB-200 *dev* (never on test).

Trains LiRA (seed 0) on SIB-200 train exactly as ``lira benchmark`` does, for a few LaSR learning rates and
step counts (and the DocQueue on or off for the bitext-trained embedding head), and scores topic
classification and bitext mining on the SIB-200 dev split (99 sentences per language, 14 languages), beside
the frozen backbone. Usage::

    python benchmarks/task_dev_choices.py --data-dir ../shared/data --out runs/task-dev
"""

from __future__ import annotations

import argparse
import json
import statistics
from dataclasses import replace
from pathlib import Path

from lira.benchmark.config import FULL, BenchmarkConfig, Variant
from lira.benchmark.runner import Benchmark
from lira.data import benchmarks
from lira.tasks import get_task


def dev_task(name: str):
    """The task with its test split replaced by SIB-200 dev."""
    task = get_task(name)
    load = benchmarks.sib200 if task.type == "classification" else benchmarks.sib200_parallel
    return replace(task, loader=lambda root, subset, split: load(root, lang=subset,
                                                                   split="train" if split == "train" else "dev"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("runs/task-dev"))
    args = parser.parse_args()
    results = {}
    settings = [(1e-4, 400), (1e-3, 400), (1e-3, 1000)]
    for lr, steps in settings:
        config = BenchmarkConfig(data_dir=args.data_dir, out_dir=args.out / f"lr{lr}-steps{steps}", seeds=(0,),
                                 tasks=("sib200", "sib200-bitext"), lasr_lr=lr, lasr_lr_heads=lr, lasr_steps=steps)
        bench = Benchmark(config)
        bench.tasks = [dev_task("sib200"), dev_task("sib200-bitext")]
        variants = [FULL, Variant("no queues", queues=False)]
        for s in bench.subjects():
            if lr == settings[0][0] and steps == settings[0][1]:
                bench.score(s, "frozen", None, "dev")
            for variant in variants:
                if variant.queues or s.task.type == "bitext":
                    bench.score(s, "lira", 0, "dev", variant=variant)
        for row in bench.rows:
            key = f"{row['task']} {row['method']} {row['variant']} lr={lr} steps={steps}" \
                if row["method"] == "lira" else f"{row['task']} frozen"
            results.setdefault(key, []).append(row["main_score"])
        print({k: round(100 * statistics.mean(v), 2) for k, v in results.items()}, flush=True)
    summary = {k: 100 * statistics.mean(v) for k, v in results.items()}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "dev_choices.json").write_text(json.dumps(summary, indent=2))
    for k, v in summary.items():
        print(f"{k}: {v:.2f}")


if __name__ == "__main__":
    main()
